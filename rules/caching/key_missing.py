from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.caching import caching_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class KeyMissing(Rule):
    r"""`fastcgi_cache` (`uwsgi_cache`, `scgi_cache`) without a cache key.

    ## What it does
    Finds a FastCGI, uwsgi or SCGI cache with no `fastcgi_cache_key`
    (`uwsgi_cache_key`, `scgi_cache_key`) in effect.

    ## Why is this bad?
    Unlike `proxy_cache_key`, these have no default: nginx only warns at
    start-up, and every request shares one cache entry. The first page cached,
    a user's account page among them, is served for every URL to everyone.

    ## Example
    ```nginx
    location ~ \.php$ {
        fastcgi_cache php;
        fastcgi_cache_valid 200 1m;
        fastcgi_pass unix:/run/php/php-fpm.sock;
    }
    ```

    ## Use instead
    ```nginx
    location ~ \.php$ {
        fastcgi_cache php;
        fastcgi_cache_valid 200 1m;
        fastcgi_cache_key $scheme$request_method$host$request_uri;
        fastcgi_pass unix:/run/php/php-fpm.sock;
    }
    ```
    """

    id = "AL405"
    name = "cache-key-missing"
    severity = Severity.ERROR
    summary = "A FastCGI, uwsgi or SCGI cache has no key: every URL shares one entry."
    fix = "Set a cache key: scheme, method, host and URI at least."
    reference_url = None
    tags = ("security", "caching", "nginx")
    needs = frozenset({Facet.CACHE, Facet.CACHE_CONDITIONS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cache in caching_scopes(workspace):
            node = cache.store.origin
            if node is None or cache.key.value is not None or not cache.key.known:
                continue
            if not once.first(node):
                continue
            key = cache.setting_names.key
            yield self.finding(
                node,
                f"`{node.name} {node.arg(0)}` in `{scope.label}` has no `{key}`, which has no "
                "default: every request shares one cache entry, so the first answer cached is "
                "served for every URL, to everyone",
                fields={"key_setting": key},
            )
