"""The cache of an Apache scope: mod_cache (``CacheEnable``, ``CacheDisable``,
``CacheQuickHandler``), read as httpd 2.4 runs it (``modules/cache/mod_cache.c``,
``cache_util.c``; the behaviour below was observed on Debian's httpd 2.4).

- ``CacheEnable <provider> <url>`` and ``CacheDisable <url>`` of the main server
  and the virtual host (their lists add up) apply by URL prefix; a matching
  ``CacheDisable`` wins. A URL with a scheme (``http://host/``) is for forward
  proxies: a request's own URL has none, so it never matches.
- ``CacheQuickHandler`` (main server, virtual host; ``On`` by default) runs the
  cache before httpd maps the URL to its sections and checks access: it reads
  only the server's ``CacheEnable``/``CacheDisable``. A ``CacheEnable`` written
  in a section caches nothing then, and a ``CacheDisable on`` there does not
  stop it (both seen on httpd). It serves no request that carries
  ``Authorization``, and stores none of their answers.
- ``CacheQuickHandler Off``: the cache is a handler, run after the access
  checks; the sections' own ``CacheEnable``/``CacheDisable on`` apply too. It
  serves requests with ``Authorization``, and stores their answers only where
  the answer says ``public``, ``s-maxage`` or ``must-revalidate``.
- The key is the URL (plus the request headers an answer's ``Vary`` names):
  never a credential. Only ``GET`` is cached (``HEAD`` is served from it).
- How long an answer is kept is the backend's say (``Expires``, ``max-age``,
  ``Last-Modified``): no lifetime of the server's own is modelled.
- Providers: ``disk`` and ``socache``; httpd 2.4 has no other (``mem`` is gone).
- The backend's ``Set-Cookie`` is stored with the answer and replayed with
  every copy served, unless ``CacheIgnoreHeaders`` (main server, virtual host:
  the host's list replaces the main server's) names it; seen on httpd, also
  where ``Header edit Set-Cookie`` or ``ProxyPassReverseCookiePath`` rewrites it.
- ``CacheStorePrivate On`` / ``CacheStoreNoStore On`` (any level but
  ``.htaccess``; the innermost written wins, a section's also under the quick
  handler) store the answers the backend marks ``private`` / ``no-store``, and
  serve them to the next client (seen on httpd). Answers to requests with
  ``Authorization`` are still not stored that way, but with ``CacheQuickHandler
  Off`` the cache decides after ``RequestHeader unset Authorization`` ran, and
  then stores them (seen). ``CacheIgnoreCacheControl On`` is about the request's
  ``Cache-Control``: a ``private`` answer is not stored under it (seen).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.apache.authentication import admitted_without_authorization
from authlint.apache.scopes import HTACCESS, request_of
from authlint.model.scope import ScopeRole
from authlint.model.settings import (
    AuthorizationState,
    CachePolicy,
    CacheSettingNames,
    ReplayedCookies,
    Setting,
    SkippedAccess,
    StoredPrivate,
)

if TYPE_CHECKING:
    from authlint.apache.settings import ApacheSettings
    from authlint.model.scope import Scope
    from authlint.model.tree import Node

_PROVIDERS = frozenset({"disk", "socache"})
_SERVER_LEVELS = frozenset({ScopeRole.ROOT, ScopeRole.HOST})
_KEY = "the request's URL"
_SKIPPED_BY = ("Authorization",)
_NAMES = CacheSettingNames("CacheKeyBaseURL", "CacheDisable")
# The settings that store what the backend marks for one user, with that mark.
_PRIVACY_OVERRIDES = (("cachestoreprivate", "private"), ("cachestorenostore", "no-store"))


def _server_levels(chain: tuple[Scope, ...]) -> list[Scope]:
    return [level for level in chain if level.role in _SERVER_LEVELS]


def _section_levels(chain: tuple[Scope, ...]) -> list[Scope]:
    # mod_cache's directives are refused in .htaccess files.
    return [level for level in chain if level.role is ScopeRole.ROUTE and level.kind != HTACCESS]


def quick_handler(chain: tuple[Scope, ...]) -> Setting[bool]:
    """Whether the cache answers before httpd checks access (``CacheQuickHandler``, the
    virtual host's over the main server's; on by default, ``origin`` then ``None``)."""
    for level in reversed(_server_levels(chain)):
        written = level.own.get("cachequickhandler")
        if written:
            node = written[-1]
            return Setting(node.arg(0).lower() != "off", node)
    return Setting(True)


def _prefix_matches(node: Node, url: str) -> bool:
    """Whether a server-level ``CacheEnable``/``CacheDisable`` URL covers ``url``."""
    written = node.arg(1) if node.name.lower() == "cacheenable" else node.arg(0)
    return written.startswith("/") and url.startswith(written)


def cache_store(settings: ApacheSettings) -> Setting[str | None]:
    """The provider that keeps this scope's answers (``disk``), with the ``CacheEnable``
    that names it; ``None``: not cached."""
    chain = settings.chain
    known = settings.known
    if settings.upstream is None:
        return Setting(None)
    servers = _server_levels(chain)
    enables = [node for level in servers for node in level.own.get("cacheenable", ())]
    sections = [] if quick_handler(chain).value else _section_levels(chain)
    own_enables = [node for level in sections for node in level.own.get("cacheenable", ())]
    if not enables and not own_enables:
        return Setting(None, None, known)
    own_disable = [node for level in sections for node in level.own.get("cachedisable", ())]
    if own_disable:
        return Setting(None, own_disable[-1], known)
    url = request_of(settings.scope).url
    if url is None:
        # A section whose URL authlint could not draw: the server's prefixes may or
        # may not cover it.
        return Setting(None, None, known=not enables)
    disables = [node for level in servers for node in level.own.get("cachedisable", ())]
    disabled = next((node for node in disables if _prefix_matches(node, url)), None)
    if disabled is not None:
        return Setting(None, disabled, known)
    matching = [*own_enables, *(node for node in enables if _prefix_matches(node, url))]
    for node in matching:
        if node.arg(0).lower() in _PROVIDERS:
            return Setting(node.arg(0).lower(), node, known)
    return Setting(None, None, known)


def cache(settings: ApacheSettings) -> CachePolicy | None:
    """mod_cache in front of this scope's handler; ``None`` where nothing answers here."""
    if settings.upstream is None:
        return None
    chain = settings.chain
    known = settings.known
    store = settings.cache_store
    quick = quick_handler(chain)
    # What the cache skips for a request with Authorization is a credential's skip
    # where the credential is that header (Basic or Digest runs); mod_cache reads no
    # cookie, and what else the application reads the config does not show.
    on_credentials = True if settings.authentication.every_request_authenticated else None
    return CachePolicy(
        store=store,
        key=Setting(_KEY, None, known),
        key_per_user=False,
        skip_lookup=Setting(_SKIPPED_BY if quick.value else (), None, known),
        skip_lookup_on_credentials=on_credentials if quick.value else False,
        skip_store=Setting(_SKIPPED_BY, None, known),
        skip_store_on_credentials=on_credentials,
        lifetimes=Setting((), None, known),
        ignored_headers=Setting(frozenset(), None, known),
        methods=Setting(frozenset({"GET", "HEAD"}), None, known),
        setting_names=_NAMES,
        skipped_access=_skipped_access(settings, store, quick) if store.value else None,
        replayed_cookies=_replayed_cookies(settings, store) if store.value else None,
        stored_private=_stored_private(settings, store) if store.value else (),
    )


def _skipped_access(
    settings: ApacheSettings, store: Setting[str | None], quick: Setting[bool]
) -> SkippedAccess | None:
    """The access rule the quick handler answers before: one that lets some requests
    without ``Authorization`` through (their answers are stored) and refuses others."""
    if not quick.value or store.origin is None or not store.known:
        return None
    if not settings.authentication.known:
        return None
    rule = admitted_without_authorization(settings.chain)
    if rule is None:
        return None
    admitted = (
        "a request its login lets through (by a session cookie, not `Authorization`)"
        if rule.name.lower() == "authtype"
        else "a request it lets through (without `Authorization`)"
    )
    return SkippedAccess(rule, quick.origin or store.origin, admitted)


def _stored_private(
    settings: ApacheSettings, store: Setting[str | None]
) -> tuple[StoredPrivate, ...]:
    """``CacheStorePrivate On`` and ``CacheStoreNoStore On`` in effect for a cached scope
    whose answers to requests without ``Authorization`` the cache sees (and stores)."""
    if store.origin is None or not store.known or not settings.authentication.known:
        return ()
    removed_by = None
    if settings.authentication.every_request_authenticated:
        removed_by = _authorization_removed(settings)
        if removed_by is None:
            return ()
    # mod_cache's per-directory settings: refused in .htaccess files, merged from the
    # main server inwards.
    levels = [level for level in settings.chain if level.kind != HTACCESS]
    found = []
    for key, mark in _PRIVACY_OVERRIDES:
        written = [node for level in levels for node in level.own.get(key, ())]
        if written and written[-1].arg(0).lower() == "on":
            found.append(StoredPrivate(written[-1], mark, store.origin, removed_by))
    return tuple(found)


def _authorization_removed(settings: ApacheSettings) -> Node | None:
    """The ``RequestHeader`` that removes the client's ``Authorization`` before the cache,
    run as a handler (``CacheQuickHandler Off``), decides whether to store an answer; the
    quick handler decides before mod_headers runs."""
    if quick_handler(settings.chain).value:
        return None
    forwarding = settings.authorization
    if forwarding is None or not forwarding.known:
        return None
    # A removal with a reason is a handler's default (hidden from CGI): httpd's
    # request keeps the header.
    if forwarding.state is not AuthorizationState.REMOVED or forwarding.reason is not None:
        return None
    return forwarding.origin


# Settings that rewrite the backend's cookies: they show it sets some.
_COOKIE_REWRITES = frozenset({"proxypassreversecookiepath", "proxypassreversecookiedomain"})
_HEADER_EDITS = frozenset({"edit", "edit*"})


def _replayed_cookies(
    settings: ApacheSettings, store: Setting[str | None]
) -> ReplayedCookies | None:
    """The backend's cookies the cache stores and replays: where the config shows the
    backend sets some, requests without ``Authorization`` reach the cache (their answers
    are stored), and no ``CacheIgnoreHeaders`` leaves ``Set-Cookie`` out."""
    if store.origin is None or not store.known or not settings.authentication.known:
        return None
    if settings.authentication.every_request_authenticated:
        return None
    chain = settings.chain
    ignored = next(
        (
            level.own["cacheignoreheaders"]
            for level in reversed(_server_levels(chain))
            if level.own.get("cacheignoreheaders")
        ),
        [],
    )
    if any(arg.lower() == "set-cookie" for node in ignored for arg in node.args):
        return None
    shown_by = None
    for level in chain:
        for node in level.directives:
            key = node.name.lower()
            if key == "header" and _names_set_cookie(node, _HEADER_EDITS):
                shown_by = shown_by or node
            elif key == "header" and _names_set_cookie(node, frozenset({"unset"})):
                return None  # the cookie is dropped before it could be stored
            elif key in _COOKIE_REWRITES:
                shown_by = shown_by or node
    if shown_by is None:
        return None
    return ReplayedCookies(shown_by, ignored[-1] if ignored else store.origin)


def _names_set_cookie(node: Node, actions: frozenset[str]) -> bool:
    """Whether a ``Header`` line does one of ``actions`` to ``Set-Cookie``."""
    args = [arg.lower() for arg in node.args]
    if args and args[0] in ("always", "onsuccess"):
        args = args[1:]
    return len(args) > 1 and args[0] in actions and args[1] == "set-cookie"
