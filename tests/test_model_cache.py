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
    assert cache.key_per_user is False
    assert cache.skip_lookup.value == ()
    assert cache.skip_store.value == ()


def test_cache_key_with_authorization_carries_credential(config):
    """nginx: `$http_authorization` in proxy_cache_key keeps one entry per credential (MISS
    for the anonymous request).
    """
    settings = cache_at(
        config,
        f"proxy_cache c1; proxy_cache_key $scheme$proxy_host$request_uri$http_authorization;"
        f" proxy_pass {UPSTREAM};",
    )
    assert settings.cache.key_per_user is True


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
    assert cache.skip_lookup.value == ("$cookie_nocache", "$arg_nocache", "$http_authorization")
    assert cache.skip_lookup.origin.args == ["$cookie_nocache", "$arg_nocache"]
    assert cache.skip_store.value == ("$http_pragma", "$http_authorization")
    assert cache.skip_lookup_on_credentials is True
    assert cache.skip_store_on_credentials is True


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
    assert cache.store.value == "c1"
    assert cache.key.value == "$host$request_uri$cookie_session"
    assert cache.key_per_user is True
    assert cache.skip_store.value == cache.skip_lookup.value == ("$http_authorization",)


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
        assert cache.store.value == "c1"
        assert [(v.statuses, v.time) for v in cache.lifetimes.value] == [(("200",), "5m")]


def test_cache_with_variable_zone_is_stored(config):
    """nginx: `proxy_cache $zone` chooses the zone at run time: the answers are cached."""
    cache = cache_at(config, f"proxy_cache $cache_zone; proxy_pass {UPSTREAM};").cache
    assert cache.store.value == "$cache_zone"


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
    assert cache.store.value == "f1"
    assert cache.key.value == "$request_uri$cookie_session"
    assert cache.skip_lookup.value == cache.skip_store.value == ("$http_authorization",)
    assert [(v.statuses, v.time) for v in cache.lifetimes.value] == [(("any",), "1m")]
    assert cache.ignored_headers.value == {"cache-control", "set-cookie"}
    assert cache.methods.value == {"GET", "HEAD", "POST"}


def test_cache_beside_an_unread_include_is_not_known(config):
    """An unread include in the location could set any cache directive there."""
    cache = cache_at(
        config, f"include /nowhere/cache.conf; proxy_pass {UPSTREAM};", server="proxy_cache c1;"
    ).cache
    assert not cache.store.known
    assert not cache.skip_lookup.known
    assert not cache.ignored_headers.known


SKIP = f"proxy_cache c1; proxy_cache_bypass $skip; proxy_no_cache $skip; proxy_pass {UPSTREAM};"


def test_skip_set_by_an_if_on_credentials_is_a_skip_on_credentials(config):
    """nginx runs `set $skip 0; if ($http_cookie ~* logged_in) { set $skip 1; }` before
    the cache: requests with the login cookie skip it (the WordPress idiom; proven on
    nginx by AL404's near-miss)."""
    flag = 'set $skip 0; if ($http_cookie ~* "wordpress_logged_in") { set $skip 1; } '
    cache = cache_at(config, flag + SKIP).cache
    assert cache.skip_lookup_on_credentials is True
    assert cache.skip_store_on_credentials is True


def test_skip_set_by_an_if_on_the_method_is_not_on_credentials(config):
    """A skip for POST requests skips nothing for the GETs of logged-in users."""
    flag = "set $skip 0; if ($request_method = POST) { set $skip 1; } "
    cache = cache_at(config, flag + SKIP).cache
    assert cache.skip_lookup_on_credentials is False
    assert cache.skip_store_on_credentials is False


def test_skip_set_by_an_if_on_a_value_defined_out_of_view_is_unknown(config):
    """`$flag` comes from a `map` this snippet does not show: it may test the cookies."""
    flag = "set $skip 0; if ($flag) { set $skip 1; } "
    cache = cache_at(config, flag + SKIP).cache
    assert cache.skip_lookup_on_credentials is None
    assert cache.skip_store_on_credentials is None


def test_skip_set_at_the_server_counts_for_its_locations(config):
    """The server's rewrite directives run before the location's, for every request."""
    server = "set $skip 0; if ($cookie_session) { set $skip 1; }"
    cache = cache_at(config, SKIP, server=server).cache
    assert cache.skip_lookup_on_credentials is True
