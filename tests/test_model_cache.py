"""The model's cache settings (``authlint.nginx.settings``'s ``cache``).

Keys, bypass and no_cache conditions, inheritance, and what leaves them unknown.
"""

from __future__ import annotations

from conftest import UPSTREAM, scope_at

# --- Settings: caches -----------------------------------------------------------------------


def cache_at(config, location, server="", http=""):
    ws = config(f"{http}\nserver {{ {server}\n location /c/ {{ {location} }} }}")
    return scope_at(ws, "location /c/").settings


def test_default_proxy_cache_key_carries_no_credential(config):
    """nginx: the default key (scheme, upstream host, URI) holds no header or cookie: one
    user's cached answer is served to the next (HIT(alice) for an anonymous request).
    """
    settings = cache_at(config, f"proxy_cache c1; proxy_pass {UPSTREAM};")
    cache = settings.cache
    assert settings.carries_credential(cache.key.value) is False
    assert cache.bypass.value == ()
    assert cache.no_cache.value == ()


def test_cache_key_with_authorization_carries_credential(config):
    """nginx: `$http_authorization` in proxy_cache_key keeps one entry per credential (MISS
    for the anonymous request).
    """
    settings = cache_at(
        config,
        f"proxy_cache c1; proxy_cache_key $scheme$proxy_host$request_uri$http_authorization;"
        f" proxy_pass {UPSTREAM};",
    )
    assert settings.carries_credential(settings.cache.key.value) is True


def test_bypass_and_no_cache_words_from_all_lines_in_order(config):
    """nginx: each proxy_cache_bypass / proxy_no_cache line adds conditions; any non-empty,
    non-"0" one applies; the docs' own example is `$http_pragma $http_authorization`.
    """
    settings = cache_at(
        config,
        "proxy_cache c1; proxy_cache_bypass $cookie_nocache $arg_nocache;"
        " proxy_cache_bypass $http_authorization; proxy_no_cache $http_pragma $http_authorization;"
        f" proxy_pass {UPSTREAM};",
    )
    cache = settings.cache
    assert cache.bypass.value == ("$cookie_nocache", "$arg_nocache", "$http_authorization")
    assert cache.bypass.origin.args == ["$cookie_nocache", "$arg_nocache"]
    assert cache.no_cache.value == ("$http_pragma", "$http_authorization")
    assert all(settings.depends_on_credential(word) is not None for word in cache.bypass.value)
    assert settings.depends_on_credential(" ".join(cache.no_cache.value)) is True


def test_cache_conditions_inherited_from_http(config):
    """nginx: cache zone, key, bypass and no_cache set at http reach the location."""
    settings = cache_at(
        config,
        f"proxy_pass {UPSTREAM};",
        http=(
            "proxy_cache_path /var/cache/n keys_zone=c1:10m;\n"
            "proxy_cache c1; proxy_cache_key $host$request_uri$cookie_session;"
            " proxy_no_cache $http_authorization; proxy_cache_bypass $http_authorization;"
        ),
    )
    cache = settings.cache
    assert cache.zone.value == "c1"
    assert cache.zone_definition.name == "proxy_cache_path"
    assert cache.key.value == "$host$request_uri$cookie_session"
    assert settings.carries_credential(cache.key.value) is True
    assert cache.no_cache.value == cache.bypass.value == ("$http_authorization",)


def test_cache_of_if_and_limit_except_blocks_is_their_locations(config):
    """nginx: `if` and `limit_except` blocks inherit the location's proxy_pass and cache."""
    ws = config(
        f"""
        server {{
            location /c/ {{
                proxy_cache c1;
                proxy_cache_valid 200 5m;
                if ($arg_x) {{ }}
                limit_except GET {{ deny all; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    for label in ("if $arg_x", "limit_except GET"):
        cache = scope_at(ws, label).settings.cache
        assert cache.zone.value == "c1"
        assert [(v.statuses, v.time) for v in cache.valid.value] == [(("200",), "5m")]


def test_cache_with_variable_zone_has_no_zone_definition(config):
    """nginx: `proxy_cache $zone` chooses the zone at run time: no declaration to point at."""
    cache = cache_at(config, f"proxy_cache $cache_zone; proxy_pass {UPSTREAM};").cache
    assert cache.zone.value == "$cache_zone"
    assert cache.zone_definition is None


def test_cache_of_a_location_that_returns_is_none(config):
    """nginx: a location that answers with `return` never reaches an upstream or its cache,
    whatever proxy_cache says.
    """
    assert cache_at(config, "return 200 ok;", server="proxy_cache c1;").cache is None


def test_cgi_style_cache_directives(config):
    """nginx: fastcgi/uwsgi/scgi caches read their own key, bypass, no_cache, valid, ignore
    and methods directives (ignore_headers compared in any case, methods upper-cased).
    """
    settings = cache_at(
        config,
        "fastcgi_cache f1; fastcgi_cache_key $request_uri$cookie_session;"
        " fastcgi_cache_bypass $http_authorization; fastcgi_no_cache $http_authorization;"
        " fastcgi_cache_valid any 1m; fastcgi_ignore_headers Cache-Control Set-Cookie;"
        " fastcgi_cache_methods post; proxy_cache_key $request_uri;"
        " fastcgi_pass 127.0.0.1:9000;",
    )
    cache = settings.cache
    assert cache.zone.value == "f1"
    assert cache.key.value == "$request_uri$cookie_session"
    assert cache.bypass.value == cache.no_cache.value == ("$http_authorization",)
    assert [(v.statuses, v.time) for v in cache.valid.value] == [(("any",), "1m")]
    assert cache.ignore_headers.value == {"cache-control", "set-cookie"}
    assert cache.methods.value == {"GET", "HEAD", "POST"}


def test_cache_beside_an_unread_include_is_not_known(config):
    """An unread include in the location could set any cache directive there."""
    cache = cache_at(
        config, f"include /nowhere/cache.conf; proxy_pass {UPSTREAM};", server="proxy_cache c1;"
    ).cache
    assert not cache.zone.known
    assert not cache.bypass.known
    assert not cache.ignore_headers.known
