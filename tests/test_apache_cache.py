"""Apache's cache facet, on the model: which answers mod_cache keeps, and which access
rules its quick handler answers before.

The httpd facts they rest on were observed on Debian's httpd 2.4 (semantics.md §4.5;
AL409's proofs): the quick handler (``CacheQuickHandler On``, the default) reads only
the server's and the virtual host's ``CacheEnable``/``CacheDisable``, so a
``<Location>``'s own ``CacheEnable`` caches nothing and its ``CacheDisable on`` stops
nothing; with ``CacheQuickHandler Off`` they apply; a request with ``Authorization`` is
neither served nor stored by the quick handler.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import model, scope_at, write

PROXY = "ProxyPass /app http://127.0.0.1:9001/app\n"


def _host(body: str) -> str:
    return (
        "<VirtualHost *:80>\n    ServerName app.example.com\n"
        f"    DocumentRoot /var/www/app\n{body}{PROXY}</VirtualHost>\n"
    )


def _settings(tmp_path: Path, text: str, label: str) -> Any:
    write(tmp_path, {"site.conf": text})
    return scope_at(model(tmp_path / "site.conf", cwd=tmp_path), label).settings


def _location(rules: str, server: str = "CacheEnable disk /\n") -> str:
    return _host(f"{server}<Location /app/reports>\n{rules}</Location>\n")


@pytest.mark.parametrize(
    ("server", "section", "store"),
    [
        ("CacheEnable disk /\n", "", "disk"),
        ("CacheEnable socache /app\n", "", "socache"),
        # A prefix of the URL as written, slash or not.
        ("CacheEnable disk /ap\n", "", "disk"),
        ("CacheEnable disk /static/\n", "", None),
        # A forward proxy's URL never matches a request's own path.
        ('CacheEnable disk "http://"\n', "", None),
        # httpd 2.4 has no mem provider.
        ("CacheEnable mem /\n", "", None),
        ("CacheEnable disk /\nCacheDisable /app\n", "", None),
        ("CacheEnable disk /\nCacheDisable /other\n", "", "disk"),
        # The quick handler reads neither a section's CacheEnable nor its CacheDisable.
        ("", "CacheEnable disk\n", None),
        ("CacheEnable disk /\n", "CacheDisable on\n", "disk"),
        # As a handler, after the sections are merged, it reads both.
        ("CacheQuickHandler Off\n", "CacheEnable disk\n", "disk"),
        ("CacheEnable disk /\nCacheQuickHandler Off\n", "CacheDisable on\n", None),
        ("", "", None),
    ],
)
def test_which_answers_are_kept(
    tmp_path: Path, server: str, section: str, store: str | None
) -> None:
    text = _host(f"{server}<Location /app/reports>\n{section}Require all granted\n</Location>\n")
    settings = _settings(tmp_path, text, "Location /app/reports")
    assert settings.cache_store.value == store
    assert settings.cache_store.known
    cache = settings.cache
    assert cache.key.value == "the request's URL"
    assert cache.key_per_user is False
    assert not cache.lifetimes.value


def test_the_main_servers_quick_handler_setting_is_the_hosts_unless_it_has_its_own(
    tmp_path: Path,
) -> None:
    text = "CacheQuickHandler Off\n" + _location("SetEnvIf X-Token ^s$ ok\nRequire env ok\n")
    cache = _settings(tmp_path, text, "Location /app/reports").cache
    assert cache.skipped_access is None
    assert cache.skip_lookup.value == ()
    text = "CacheQuickHandler Off\n" + _location(
        "SetEnvIf X-Token ^s$ ok\nRequire env ok\n", "CacheEnable disk /\nCacheQuickHandler On\n"
    )
    cache = _settings(tmp_path, text, "Location /app/reports").cache
    assert cache.skipped_access is not None
    assert cache.skipped_access.cache_first.name == "CacheQuickHandler"
    assert cache.skip_lookup.value == ("Authorization",)


BASIC = 'AuthType Basic\nAuthName "r"\nAuthUserFile /etc/apache2/htpasswd\n'


@pytest.mark.parametrize(
    ("rules", "skipped"),
    [
        ("Require ip 10.0.0.0/8\n", "Require"),
        ("Require host example.com\n", "Require"),
        ("SetEnvIf X-Token ^s$ ok\nRequire env ok\n", "Require"),
        ("Require local\n", "Require"),
        ("Require expr \"%{HTTP:X-Token} == 's'\"\n", "Require"),
        ("<RequireAll>\nRequire all granted\nRequire not ip 192.0.2.1\n</RequireAll>\n", "Require"),
        # Basic credentials or an address: the address lets requests through without them.
        (
            f"{BASIC}<RequireAny>\nRequire ip 10.0.0.0/8\nRequire valid-user\n</RequireAny>\n",
            "Require",
        ),
        (f"{BASIC}Require valid-user\nSatisfy Any\nAllow from 10.0.0.0/8\n", "Satisfy"),
        # A cookie login: what it lets through carries no Authorization.
        ('AuthType form\nAuthName "r"\nAuthFormProvider file\nRequire valid-user\n', "AuthType"),
        # Basic credentials on every request let through: nothing of theirs is stored.
        (f"{BASIC}Require valid-user\n", None),
        (f"{BASIC}<RequireAll>\nRequire ip 10.0.0.0/8\nRequire valid-user\n</RequireAll>\n", None),
        # An unknown login may use Authorization (Negotiate does).
        ('AuthType Kerberos\nAuthName "r"\nRequire valid-user\n', None),
        # Nothing refused, or nothing let through.
        ("Require all granted\n", None),
        ("Require all denied\n", None),
        ("Require method GET POST\n", None),
        ("", None),
    ],
)
def test_access_rules_the_quick_handler_answers_before(
    tmp_path: Path, rules: str, skipped: str | None
) -> None:
    cache = _settings(tmp_path, _location(rules), "Location /app/reports").cache
    found = cache.skipped_access
    assert (found.rule.name if found else None) == skipped
    if found is not None:
        assert found.cache_first.name == "CacheEnable"


def test_requests_with_basic_credentials_skip_it(tmp_path: Path) -> None:
    cache = _settings(
        tmp_path, _location(f"{BASIC}Require valid-user\n"), "Location /app/reports"
    ).cache
    assert cache.skip_lookup_on_credentials is True
    assert cache.skip_store_on_credentials is True
    # No setting says so: mod_cache does it by itself, which shows nothing of the app.
    assert cache.skip_lookup.origin is None
    cache = _settings(tmp_path, _location("Require ip 10.0.0.0/8\n"), "Location /app/reports").cache
    assert cache.skip_lookup_on_credentials is None


def test_an_unread_include_leaves_the_store_open(tmp_path: Path) -> None:
    text = _location("Require ip 10.0.0.0/8\n").replace(
        "    DocumentRoot", "    Include /etc/apache2/cache.conf\n    DocumentRoot"
    )
    settings = _settings(tmp_path, text, "Location /app/reports")
    assert not settings.cache_store.known
    assert settings.cache.skipped_access is None


def test_nothing_is_cached_where_nothing_answers(tmp_path: Path) -> None:
    text = "CacheEnable disk /\n<VirtualHost *:80>\nServerName a\n" + PROXY + "</VirtualHost>\n"
    write(tmp_path, {"site.conf": text})
    # The server level passes requests to its virtual hosts, which answer them.
    settings: Any = model(tmp_path / "site.conf", cwd=tmp_path).roots[0].settings
    assert settings.upstream is None
    assert settings.cache is None
    assert settings.cache_store.value is None


EDIT = 'Header edit Set-Cookie "^(.*)$" "$1; HttpOnly"\n'


@pytest.mark.parametrize(
    ("main", "server", "rules", "replayed"),
    [
        ("", EDIT, "", ("Header", "CacheEnable")),
        (
            "",
            "ProxyPassReverseCookieDomain backend example.com\n",
            "",
            ("ProxyPassReverseCookieDomain", "CacheEnable"),
        ),
        ("", "CacheIgnoreHeaders X-Debug\n" + EDIT, "", ("Header", "CacheIgnoreHeaders")),
        # Set-Cookie left out of the cache, by the host or by the main server.
        ("", "CacheIgnoreHeaders Set-Cookie\n" + EDIT, "", None),
        ("CacheIgnoreHeaders set-cookie\n", EDIT, "", None),
        # The host's list replaces the main server's.
        (
            "CacheIgnoreHeaders Set-Cookie\n",
            "CacheIgnoreHeaders X-Debug\n" + EDIT,
            "",
            ("Header", "CacheIgnoreHeaders"),
        ),
        # Nothing shows the backend sets cookies, or they are dropped first.
        ("", "", "", None),
        ("", EDIT + "Header unset Set-Cookie\n", "", None),
        # Every request carries Basic credentials: none of their answers is stored.
        ("", EDIT, f"{BASIC}Require valid-user\n", None),
        (
            "",
            EDIT,
            f"{BASIC}<RequireAny>\nRequire ip 10.0.0.0/8\nRequire valid-user\n</RequireAny>\n",
            ("Header", "CacheEnable"),
        ),
    ],
)
def test_backend_cookies_the_cache_replays(
    tmp_path: Path, main: str, server: str, rules: str, replayed: tuple[str, str] | None
) -> None:
    text = main + _location(rules or "Require all granted\n", "CacheEnable disk /\n" + server)
    found = _settings(tmp_path, text, "Location /app/reports").cache.replayed_cookies
    names = (found.shown_by.name, found.stored_by.name) if found else None
    assert names == replayed


# CacheStorePrivate and CacheStoreNoStore, proven on httpd by AL411's proofs: the
# innermost written wins (a section's too, under the quick handler); answers to requests
# with Authorization are still not stored, unless the cache runs as a handler after
# `RequestHeader unset Authorization` removed it.
UNSET = "RequestHeader unset Authorization\n"


@pytest.mark.parametrize(
    ("main", "server", "rules", "stored"),
    [
        ("", "CacheStorePrivate On\n", "", [("CacheStorePrivate", "private", None)]),
        ("", "CacheStoreNoStore on\n", "", [("CacheStoreNoStore", "no-store", None)]),
        (
            "",
            "CacheStorePrivate On\nCacheStoreNoStore On\n",
            "",
            [("CacheStorePrivate", "private", None), ("CacheStoreNoStore", "no-store", None)],
        ),
        ("CacheStorePrivate On\n", "", "", [("CacheStorePrivate", "private", None)]),
        ("", "", "CacheStorePrivate On\n", [("CacheStorePrivate", "private", None)]),
        # The innermost setting written wins.
        ("CacheStorePrivate On\n", "CacheStorePrivate Off\n", "", []),
        ("", "CacheStorePrivate On\n", "CacheStorePrivate Off\n", []),
        ("", "CacheIgnoreCacheControl On\n", "", []),
        # Not cached here.
        ("", "CacheDisable /app\nCacheStorePrivate On\n", "", []),
        # Every request carries Basic credentials: no private answer is stored...
        ("", "CacheStorePrivate On\n" + UNSET, f"{BASIC}Require valid-user\n", []),
        ("", "CacheStorePrivate On\nCacheQuickHandler Off\n", f"{BASIC}Require valid-user\n", []),
        # ...unless the handler decides after mod_headers removed them.
        (
            "",
            "CacheStorePrivate On\nCacheQuickHandler Off\n" + UNSET,
            f"{BASIC}Require valid-user\n",
            [("CacheStorePrivate", "private", "RequestHeader")],
        ),
    ],
)
def test_answers_marked_private_the_cache_stores(
    tmp_path: Path, main: str, server: str, rules: str, stored: list[tuple[str, str, str | None]]
) -> None:
    text = main + _location(rules or "Require all granted\n", "CacheEnable disk /\n" + server)
    found = _settings(tmp_path, text, "Location /app/reports").cache.stored_private
    described = [
        (
            item.setting.name,
            item.mark,
            item.credentials_removed_by.name if item.credentials_removed_by else None,
        )
        for item in found
    ]
    assert described == stored
