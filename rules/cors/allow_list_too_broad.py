from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.origins import LeakKind, check_filter
from authlint.model.settings import Facet, OriginKind
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.cors import SOURCE_URL, credentialed_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace

# Reported by AL302 (any origin) and AL304 (null).
_OWN_LEAKS = frozenset(
    {LeakKind.UNANCHORED_END, LeakKind.SUFFIX_WITHOUT_DOT, LeakKind.UNESCAPED_DOT}
)


class AllowListTooBroad(Rule):
    r"""A CORS allow-list regex that also lets other origins through.

    ## What it does
    Tries each regex that decides which origins are echoed with credentials
    (a `map` key, an `if ($http_origin ~ ...)`) with origins an attacker can
    register, built from the origin the regex is meant for, and reports the
    regex when one passes: unanchored at the end (`example.com` also matches
    `https://example.com.attacker.invalid`), a suffix without a leading dot
    (`example\.com$` also matches `https://evilexample.com`), an unescaped dot
    (`app.example.com` also matches `https://appxexample.com`). nginx matches
    these regexes anywhere in the origin unless they are anchored.

    ## Why is this bad?
    Whoever owns the other origin gets what AL302 gives everyone: credentialed
    requests to the API, with the answers readable.

    ## Example
    ```nginx
    map $http_origin $cors_origin {
        default "";
        "~example\.com" $http_origin;
    }
    ```

    ## Use instead
    ```nginx
    map $http_origin $cors_origin {
        default "";
        "~^https://([a-z0-9-]+\.)?example\.com$" $http_origin;
    }
    ```
    """

    id = "AL303"
    name = "cors-allow-list-too-broad"
    severity = Severity.ERROR
    summary = "A CORS allow-list regex also accepts origins someone else can own."
    fix = (
        "Anchor the regex (`^https://...$`), escape its dots, and start a domain suffix with `\\.`."
    )
    reference_url = SOURCE_URL
    tags = ("security", "cors", "nginx")
    needs = frozenset({Facet.CORS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cors in credentialed_scopes(workspace):
            for allowed in cors.allowed_origins:
                if allowed.kind is not OriginKind.SELECTED:
                    continue
                for entry in allowed.filters:
                    if not entry.regex or once.seen(entry.origin):
                        continue
                    leaks = [leak for leak in check_filter(entry).leaks if leak.kind in _OWN_LEAKS]
                    if leaks and once.first(entry.origin):
                        reasons = "; ".join(leak.describe() for leak in leaks)
                        yield self.finding(
                            entry.origin,
                            f"the allow-list regex `{entry.pattern}` echoes other origins with "
                            f"credentials for `{scope.label}`: {reasons}",
                        )
