from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import AuthKind, Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.duplicate_auth import may_be_same_file

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import AuthCheck
    from authlint.model.workspace import Workspace


class InnerBasicReplacesOuter(Rule):
    """An inner level's Basic auth user file replaces the outer one instead of adding to it.

    ## What it does
    Finds an `auth_basic_user_file` set at an inner level (a location, or a
    server under an `http` that has one) that names a different file than
    the one in effect around it, where Basic auth runs at both levels.

    Not reported: the same file written again; a level that only changes
    the realm (nginx still checks the same users: the realm is only the
    name of the prompt); `auth_basic off`; a `limit_except` block (its
    check applies to other methods than the level's own); a level with
    `satisfy any`, where another rule may let users in; file names built
    from variables, or a relative name that may be the same file as an
    absolute one.

    On Apache httpd: an `AuthUserFile` in a section (or `.htaccess`) that
    httpd merges after one naming another file, where a `Require` asks for a
    user in both: the auth fields merge one by one, so the inner file
    replaces the outer one, `AuthMerging` or not (it joins `Require` rules
    only).

    ## Why is this bad?
    nginx keeps one Basic check per location: the inner file replaces the
    outer one, it is not checked in addition to it. Users listed only in
    the outer file get `401` in the inner paths, and their browser prompts
    for a password again. Where the inner area is meant
    for fewer people, this is the intent; where it was meant to add a few
    users, or to protect a part twice, it is not.

    ## Example
    ```nginx
    server {
        auth_basic "staff";
        auth_basic_user_file /etc/nginx/staff.htpasswd;

        location /admin/ {
            auth_basic_user_file /etc/nginx/admin.htpasswd;
        }
    }
    ```

    ## Use instead
    ```nginx
    server {
        auth_basic "staff";
        auth_basic_user_file /etc/nginx/staff.htpasswd;

        location /admin/ {
            # staff and admins alike: one file that lists both
            auth_basic_user_file /etc/nginx/staff-and-admin.htpasswd;
        }
    }
    ```
    """

    id = "AL202"
    name = "inner-basic-auth-replaces-outer"
    severity = Severity.INFO
    summary = "An inner level's Basic auth user list replaces the outer one: its users get 401."
    fix = (
        "If the outer users must get in too, list them in the inner user file (or use one "
        "file); if the inner area is meant for fewer users, keep it and say so in a comment."
    )
    reference_url = None
    tags = ("nginx",)
    needs = frozenset({Facet.AUTHENTICATION})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.scopes():
            found = _replaced(scope)
            if found is None:
                continue
            inner, outer = found
            if inner.store_origin is None or outer.store_origin is None:
                continue
            if not once.first(inner.store_origin):
                continue
            inner_file, outer_file = inner.store_origin, outer.store_origin
            yield self.finding(
                inner_file,
                f"`{inner_file.name} {inner.store}` replaces the user file in effect around "
                f"`{scope.label}` (`{outer_file.name} {outer.store}` at {outer_file.where}): "
                f"{server_name(scope.format)} checks only this file's users here, so users "
                "listed only in the outer file get 401",
            )


def _replaced(scope: Scope) -> tuple[AuthCheck, AuthCheck] | None:
    """The Basic check of ``scope`` and the one around it, where this level names another
    user file and both run for the same methods."""
    around = scope.settings.outer_scope
    if around is None:
        return None
    authentication = scope.settings.authentication
    inner = authentication.check(AuthKind.BASIC)
    outer = around.settings.authentication.check(AuthKind.BASIC)
    if inner is None or outer is None or inner.store_origin is outer.store_origin:
        return None
    runs = inner.enforced and inner.known and outer.enforced and outer.known
    if not runs or inner.exempt_methods != outer.exempt_methods:
        return None
    # With `satisfy any`, another access rule may admit the outer file's users.
    any_suffices = authentication.any_suffices
    if any_suffices.value or not any_suffices.known:
        return None
    if inner.store is None or outer.store is None or may_be_same_file(inner.store, outer.store):
        return None
    return inner, outer
