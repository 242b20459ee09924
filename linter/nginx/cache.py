"""The cache of an nginx scope's upstream answers (``proxy_cache``, ``fastcgi_cache``, ...).

- The proxy module keys on ``$scheme$proxy_host$request_uri`` by default (nginx
  1.22 was seen to key on ``http://host:port/uri``); fastcgi, uwsgi and scgi
  have no default key.
- ``*_cache_valid`` without statuses covers 200, 301 and 302.
- GET and HEAD are always cached, whatever ``*_cache_methods`` lists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import (
    CacheLifetime,
    CachePolicy,
    CacheSettingNames,
    Setting,
    UpstreamKind,
)
from authlint.nginx.handlers import MODULE_PREFIX
from authlint.nginx.rewrite import true_by_credentials
from authlint.nginx.variables import any_credential, credential_in

if TYPE_CHECKING:
    from authlint.nginx.settings import NginxSettings

_CACHING_KINDS = frozenset(
    {UpstreamKind.PROXY, UpstreamKind.FASTCGI, UpstreamKind.UWSGI, UpstreamKind.SCGI}
)
_PROXY_CACHE_KEY = "$scheme://$proxy_host$request_uri"
_CACHE_VALID_DEFAULT_STATUSES = ("200", "301", "302")


def cache_store(settings: NginxSettings) -> Setting[str | None]:
    """The cache zone in use; ``None``: off, or an upstream that cannot cache."""
    upstream = settings.upstream
    if upstream is None or upstream.kind not in _CACHING_KINDS:
        return Setting(None)
    return settings.single(f"{MODULE_PREFIX[upstream.kind]}_cache")


def cache(settings: NginxSettings) -> CachePolicy | None:
    """The upstream cache of this scope; ``None`` when the upstream cannot cache."""
    upstream = settings.upstream
    if upstream is None or upstream.kind not in _CACHING_KINDS:
        return None
    prefix = MODULE_PREFIX[upstream.kind]
    default_key = _PROXY_CACHE_KEY if upstream.kind is UpstreamKind.PROXY else None
    key = settings.single(f"{prefix}_cache_key", default_key)
    valid_found = settings.lookup(f"{prefix}_cache_valid")
    valid = tuple(
        CacheLifetime(tuple(node.args[:-1]) or _CACHE_VALID_DEFAULT_STATUSES, node.args[-1], node)
        for node in valid_found.nodes
        if node.args
    )
    ignored = settings.words(f"{prefix}_ignore_headers")
    methods = settings.words(f"{prefix}_cache_methods")
    bypass = settings.words(f"{prefix}_cache_bypass")
    no_cache = settings.words(f"{prefix}_no_cache")
    return CachePolicy(
        store=settings.cache_store,
        key=key,
        key_per_user=credential_in(settings, key.value, values_only=True) if key.value else False,
        skip_lookup=bypass,
        skip_lookup_on_credentials=_on_credentials(settings, bypass.value),
        skip_store=no_cache,
        skip_store_on_credentials=_on_credentials(settings, no_cache.value),
        lifetimes=Setting(valid, valid_found.nodes[0] if valid else None, valid_found.known),
        ignored_headers=Setting(
            frozenset(word.lower() for word in ignored.value), ignored.origin, ignored.known
        ),
        # nginx always caches GET and HEAD, whatever the list says.
        methods=Setting(
            frozenset({"GET", "HEAD", *(word.upper() for word in methods.value)}),
            methods.origin,
            methods.known,
        ),
        setting_names=CacheSettingNames(f"{prefix}_cache_key", f"{prefix}_no_cache"),
    )


def _on_credentials(settings: NginxSettings, conditions: tuple[str, ...]) -> bool | None:
    """Whether the skip conditions depend on the client's credentials: they hold one, or
    one is set by an ``if`` that tested credentials (``None``: unknown)."""
    found = [any_credential(settings, conditions)]
    found += [true_by_credentials(settings, item) for item in conditions]
    if True in found:
        return True
    return None if None in found else False
