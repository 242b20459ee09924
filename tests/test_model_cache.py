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


def test_skip_on_a_map_of_the_credential_is_a_skip_on_credentials(config):
    """nginx: a map of `Authorization` to `1` or `0` carries no credential, but skips the
    cache (any value not empty nor "0") for exactly the requests that carry one, whether
    a key line or the default gives the `1`, and whatever way the request took to the
    location (a `rewrite ... last` the model does not follow)."""
    location = (
        f"proxy_cache c1; proxy_cache_bypass $auth; proxy_no_cache $auth; proxy_pass {UPSTREAM};"
    )
    for lines in ("default 0; ~. 1;", '"" 0; default 1;'):
        for server in ("", "rewrite ^/old/(.*)$ /c/$1 last;"):
            http = f"map $http_authorization $auth {{ {lines} }}"
            cache = cache_at(config, location, server, http).cache
            assert cache.skip_lookup_on_credentials is True, (lines, server)
            assert cache.skip_store_on_credentials is True, (lines, server)


def test_skip_set_at_the_server_counts_for_its_locations(config):
    """The server's rewrite directives run before the location's, for every request."""
    server = "set $skip 0; if ($cookie_session) { set $skip 1; }"
    cache = cache_at(config, SKIP, server=server).cache
    assert cache.skip_lookup_on_credentials is True


# --- Settings: cache keys naming the user without proof ------------------------------------


def _unproven(config, location, server="", http=""):
    cache = cache_at(config, f"proxy_cache c1; {location} proxy_pass {UPSTREAM};", server, http)
    return [(part.value, part.client_written) for part in cache.cache.unproven_user]


def test_remote_user_without_a_password_check_is_unproven(config):
    """nginx 1.22: `$remote_user` holds the name of any Basic header, checked or not (AL408's
    proofs: `alice:wrong` reads alice's entry without `auth_basic`)."""
    found = _unproven(config, "proxy_cache_key $host$uri$remote_user;")
    assert found == [("$remote_user", False)]


def test_remote_user_behind_basic_auth_is_proven(config):
    """nginx: `auth_basic` with a user file refuses `alice:wrong` (401) before the cache."""
    basic = "auth_basic x; auth_basic_user_file /etc/nginx/htpasswd;"
    assert _unproven(config, f"{basic} proxy_cache_key $host$uri$remote_user;") == []
    # `satisfy any` with nothing else that admits a request: Basic still decides.
    assert _unproven(config, f"satisfy any; {basic} proxy_cache_key $host$uri$remote_user;") == []
    found = _unproven(
        config, f"satisfy any; allow 10.0.0.0/8; {basic} proxy_cache_key $host$uri$remote_user;"
    )
    assert found == [("$remote_user", False)]
    # A location's own `deny` replaces the server's `allow` rules.
    found = _unproven(
        config,
        f"satisfy any; deny 10.0.0.1; {basic} proxy_cache_key $host$uri$remote_user;",
        server="allow all;",
    )
    assert found == []


def test_a_key_with_a_credential_or_an_unknown_variable_has_no_unproven_user(config):
    """A key that also holds the credential tells users apart by it; a variable defined out
    of view might hold one."""
    assert _unproven(config, "proxy_cache_key $uri$remote_user$http_authorization;") == []
    assert _unproven(config, "proxy_cache_key $uri$remote_user$cookie_sessionid;") == []
    assert _unproven(config, "proxy_cache_key $uri$remote_user$defined_elsewhere;") == []


def test_values_named_for_the_user_are_client_written(config):
    """Headers, cookies and arguments whose whole name is a user word name the user; those
    a front proxy sets (`X-Forwarded-User`) and ids such as `uid` do not count."""
    named = ("$http_x_user_id", "$http_x_username", "$cookie_user", "$arg_user")
    named += ("$arg_userid", "$cookie_login", "$http_x_email", "$http_x_user_name")
    for variable in named:
        found = _unproven(config, f"proxy_cache_key $uri{variable};")
        assert found == [(variable, True)], variable
    # However many of the words the name strings together.
    found = _unproven(
        config, "proxy_cache_key $uri$http_x_user_username_userid_login_email_id_name;"
    )
    assert found == [("$http_x_user_username_userid_login_email_id_name", True)]
    for variable in ("$http_x_forwarded_user", "$cookie_uid", "$http_x_user_agent"):
        assert _unproven(config, f"proxy_cache_key $uri{variable};") == [], variable


def test_unproven_user_followed_through_set_and_map(config):
    """`set` and `map` pass the name on; what `auth_request_set` stored is the auth
    subrequest's answer, a verified user."""
    found = _unproven(config, "set $u $remote_user; proxy_cache_key $uri$u;")
    assert found == [("$remote_user", False)]
    # nginx 1.22 reads variable names in any case: `$cache_user` is `$Cache_User`.
    found = _unproven(config, "set $Cache_User $remote_user; proxy_cache_key $uri$cache_user;")
    assert found == [("$remote_user", False)]
    found = _unproven(
        config,
        "proxy_cache_key $uri$u;",
        http="map $http_x_user $u { default $http_x_user; }",
    )
    assert found == [("$http_x_user", True)]
    found = _unproven(
        config,
        "auth_request /auth; auth_request_set $v $upstream_http_x_user; set $u $v;"
        " proxy_cache_key $uri$u$http_x_user;",
    )
    assert found == []


def _chain(kind, length, end):
    """``length`` variables, each passing on the next (the last ``end``), read from
    ``$v1``: ``set`` lines in the order nginx runs them, or ``map`` blocks of the next
    variable whose value is that variable (``value``) or the capture of it (``capture``)."""
    names = [f"$v{n}" for n in range(1, length + 1)]
    pairs = list(zip(names, [*names[1:], end], strict=True))
    if kind == "set":
        return " ".join(f"set {name} {source};" for name, source in reversed(pairs)), ""
    value = "default {}" if kind == "value" else "~^(.*)$ $1"
    maps = (f"map {source} {name} {{ {value.format(source)}; }}" for name, source in pairs)
    return "", "\n".join(maps)


def test_unproven_user_followed_eight_steps_deep(config):
    """`set` and `map` pass the name on however deep (a map's captures show its source:
    `map $remote_user $m { ~^(.*)$ $1; }` holds alice for `alice:wrong`, checked on nginx
    1.22); the model reads eight steps deep (the capture `$1` is one step further than
    its map), and leaves what lies deeper unknown."""
    for kind, steps in (("set", 8), ("value", 8), ("capture", 7)):
        location, http = _chain(kind, steps, "$remote_user")
        found = _unproven(config, f"{location} proxy_cache_key $uri$v1;", http=http)
        assert found == [("$remote_user", False)], kind
        location, http = _chain(kind, steps + 1, "$remote_user")
        assert _unproven(config, f"{location} proxy_cache_key $uri$v1;", http=http) == [], kind
    # Past the eighth step the chain might hold a credential: the key is not read.
    location, http = _chain("set", 9, "$uri")
    assert _unproven(config, f"{location} proxy_cache_key $uri$remote_user$v1;") == []


def test_unproven_user_in_a_map_key_line_or_beside_an_unread_map_part(config):
    """Any line of a map may give the name; a map with an `include` may give anything, a
    credential too, so the key is not read (whatever came before it)."""
    found = _unproven(
        config,
        "proxy_cache_key $uri$u;",
        http='map $host $u { example.com $remote_user; default ""; }',
    )
    assert found == [("$remote_user", False)]
    unread = "map $host $u { include user_map.conf; default $remote_user; }"
    assert _unproven(config, "proxy_cache_key $uri$u;", http=unread) == []
    unread = "map $host $u { default $remote_user; }"
    assert _unproven(config, "proxy_cache_key $uri$remote_user$elsewhere$u;", http=unread) == []


def _unproven_beside(config, location, broken, server=""):
    """``_unproven`` with the location including ``broken.conf``, a file that does not
    parse (its end is missing) and whose top level holds ``broken``: it could set those
    directives there, and no others. ``server`` goes before the location."""
    ws = config(
        f"server {{ {server}\n location /c/ {{ proxy_cache c1; include broken.conf;"
        f" {location} proxy_cache_key $host$uri$remote_user; proxy_pass {UPSTREAM}; }} }}",
        extra={"broken.conf": f"{broken}\nserver {{\n"},
    )
    cache = scope_at(ws, "location /c/").settings.cache
    return [(part.value, part.client_written) for part in cache.unproven_user]


def test_a_password_check_an_unread_file_could_complete_is_not_judged(config):
    """An unread file that could add `auth_basic_user_file` could make the Basic check
    refuse `alice:wrong`; one that sets other directives cannot."""
    basic = 'auth_basic "x";'
    assert _unproven_beside(config, basic, "auth_basic_user_file /etc/nginx/htpasswd;") == []
    found = _unproven_beside(config, basic, "proxy_set_header X-A 1;")
    assert found == [("$remote_user", False)]


def test_access_rules_an_unread_file_could_add_replace_the_outer_ones(config):
    """nginx: under `satisfy any` an `allow` rule, or an auth subrequest that never sees
    `Authorization`, admits a request without the password (AL408's proofs); a location's
    own access rules replace the server's, so an unread file that could add one leaves
    unknown whether anything but the Basic check admits requests."""
    basic = "satisfy any; auth_basic x; auth_basic_user_file /etc/nginx/htpasswd;"
    blind = (
        f"location = /_auth {{ internal; proxy_pass_request_headers off; proxy_pass {UPSTREAM}; }}"
    )
    for broken in ("allow 10.0.0.1;", "deny 10.0.0.1;"):
        assert _unproven_beside(config, basic, broken, server="allow 10.0.0.0/8;") == []
        assert _unproven_beside(config, f"{basic} auth_request /_auth;", broken, blind) == []
    found = _unproven_beside(config, basic, "proxy_set_header X-A 1;", server="allow all;")
    assert found == [("$remote_user", False)]
    found = _unproven_beside(config, f"{basic} auth_request /_auth;", "proxy_buffering off;", blind)
    assert found == [("$remote_user", False)]


def test_checks_that_see_the_credential_may_check_the_password(config):
    """No Basic check, but another check may refuse `alice:wrong` before the cache:
    NGINX Plus's `auth_jwt` reads the request's `Authorization` itself (DOC: the token
    comes "in the Authorization header as a Bearer Token" by default), and an auth
    subrequest to a path no location serves fails every request (nginx 1.22: the static
    handler's 404 becomes "auth request unexpected status: 404", 500)."""
    # Its argument is a realm, not a path: a location the word would match is no matter.
    server = f'location ~ api {{ proxy_set_header Authorization ""; proxy_pass {UPSTREAM}; }}'
    found = _unproven(config, 'auth_jwt "api"; proxy_cache_key $uri$remote_user;', server)
    assert found == []
    ws = config(
        "server { location /c/ { proxy_cache c1; auth_request /_auth;"
        f" proxy_cache_key $uri$remote_user; proxy_pass {UPSTREAM}; }} }}"
    )
    assert scope_at(ws, "location /c/").settings.cache.unproven_user == ()
