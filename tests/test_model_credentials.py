"""The model's settings about credentials (``authlint.nginx.settings``).

Values that carry credentials, what is sent upstream, ``internal`` locations,
and who authenticates (``authenticates_some_methods``).
"""

from __future__ import annotations

import pytest

from authlint.model.settings import UpstreamKind
from authlint.nginx.variables import DEPTH_LIMIT, credential_in

from conftest import UPSTREAM, scope_at

# --- Settings: values that carry credentials ----------------------------------------------


CREDENTIAL_MAPS = r"""
map $http_authorization $has_auth { default 1; "" 0; }
map $http_authorization $bearer { default ""; "~^Bearer\s+(.+)$" $1; }
map $http_authorization $bearer_named { default ""; "~^Bearer\s+(?<token>.+)$" $token; }
map $cookie_session $session_key { default $cookie_session; }
map $request_method $write { default 0; POST 1; }
map $host $partial { default 0; include more.map; }
"""


@pytest.mark.parametrize(
    ("text", "depends", "carries"),
    [
        ("$http_authorization", True, True),
        ("${http_authorization}", True, True),
        ("$HTTP_AUTHORIZATION", True, True),
        ("$http_cookie", True, True),
        ("$cookie_session", True, True),
        ("$remote_user", True, True),
        ("$jwt_claim_sub", True, True),
        ("$http_x_api_key", True, True),
        ("$http_x_auth_token", True, True),
        ("$scheme$proxy_host$request_uri$http_authorization", True, True),
        ("$has_auth", True, False),
        ("$bearer", True, True),
        ("$bearer_named", True, True),
        ("$session_key", True, True),
        ("$set_from_auth", True, True),
        ("$auth_user", True, True),
        ("$write", False, False),
        ("$request_uri", False, False),
        ("$scheme$proxy_host$request_uri", False, False),
        ("$scheme://$proxy_host$request_uri", False, False),
        ("$arg_nocache", False, False),
        ("$http_x_forwarded_for", False, False),
        ("static", False, False),
        ("$never_defined", None, None),
        ("$request_uri$never_defined", None, None),
        ("$partial", None, None),
    ],
)
def test_credential_in_value(config, text, depends, carries):
    """Whether a value changes with the client's credentials (a cache bypass condition) and
    whether it holds the credential itself (a per-user cache key): Authorization, cookies,
    the user nginx checked, JWT claims, credential-named headers, what auth_request said, and
    variables built from them; a map from a credential to constants depends on it without
    carrying it; a variable defined nowhere in view (or a map with an unread include) is
    unknown.
    """
    ws = config(
        f"""
        {CREDENTIAL_MAPS}
        server {{
            location /c/ {{
                set $set_from_auth "k:$http_authorization";
                auth_request /auth;
                auth_request_set $auth_user $upstream_http_x_user;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    settings = scope_at(ws, "location /c/").settings
    assert credential_in(settings, text, values_only=False) is depends
    assert credential_in(settings, text, values_only=True) is carries


def set_chain(length: int, end: str) -> str:
    """`set $v1 $v2; ...` in the order nginx needs: `$v<length>` is `end`."""
    sets = "".join(f"set $v{i} $v{i + 1}; " for i in range(length - 1, 0, -1))
    return f"server {{ location /c/ {{ set $v{length} {end}; {sets}proxy_pass {UPSTREAM}; }} }}"


def map_chain(length: int, end: str) -> str:
    """`map $v2 $v1 {...}`, ...: each variable a flag computed from the next, the last from
    `end`."""
    maps = "".join(f'map $v{i + 1} $v{i} {{ default 1; "" 0; }}\n' for i in range(1, length))
    last = f'map {end} $v{length} {{ default 1; "" 0; }}\n'
    return f"{maps}{last}server {{ location /c/ {{ proxy_pass {UPSTREAM}; }} }}"


@pytest.mark.parametrize(
    ("text", "depends", "carries"),
    [
        (set_chain(DEPTH_LIMIT, "$http_authorization"), True, True),
        (set_chain(DEPTH_LIMIT + 1, "$http_authorization"), None, None),
        (set_chain(DEPTH_LIMIT, "$host"), False, False),
        (map_chain(DEPTH_LIMIT, "$http_authorization"), True, False),
        (map_chain(DEPTH_LIMIT + 1, "$http_authorization"), None, None),
    ],
    ids=["set", "set-too-deep", "set-builtin", "map", "map-too-deep"],
)
def test_credential_in_chains_of_variables(config, text, depends, carries):
    """nginx follows chains of variables of any length: authlint follows DEPTH_LIMIT of
    them, through `set` values or a map's source, and takes a longer chain as unknown. At
    the end of the deepest chain it reads, a variable nginx defines itself (`$host`) is
    still known to carry no credential.
    """
    settings = scope_at(config(text), "location /c/").settings
    assert credential_in(settings, "$v1", values_only=False) is depends
    assert credential_in(settings, "$v1", values_only=True) is carries


def test_credentials_sent_upstream_lists_header_entries_with_credentials(config):
    """proxy_set_header entries that send a credential upstream: the client's Authorization,
    a cookie, what auth_request found; not `$remote_user` (the name nginx checked), not a
    flag computed from the credential.
    """
    ws = config(
        f"""
        map $http_authorization $has_auth {{ default 1; "" 0; }}
        server {{
            location /api/ {{
                auth_request /auth;
                auth_request_set $user $upstream_http_x_user;
                proxy_set_header Authorization $http_authorization;
                proxy_set_header X-Remote-User $remote_user;
                proxy_set_header X-Session $cookie_session;
                proxy_set_header X-Auth-User $user;
                proxy_set_header X-Has-Auth $has_auth;
                proxy_set_header Host $host;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    sent = scope_at(ws, "location /api/").settings.credentials_sent_upstream()
    assert [entry.name for entry in sent] == ["Authorization", "X-Session", "X-Auth-User"]


def test_stock_fastcgi_params_send_no_credential(config):
    """Debian's fastcgi_params pass REMOTE_USER $remote_user (the checked name) and no
    credential; the client's Authorization still arrives as HTTP_AUTHORIZATION on its own.
    """
    ws = config(
        "server { location ~ \\.php$ { include fastcgi_params; fastcgi_pass 127.0.0.1:9000; } }"
    )
    settings = scope_at(ws, "location ~ \\.php$").settings
    assert settings.upstream.kind is UpstreamKind.FASTCGI
    assert "REMOTE_USER" in [entry.name for entry in settings.request_headers.entries]
    assert settings.credentials_sent_upstream() == ()


def test_no_upstream_sends_no_credentials(config):
    """A location that answers itself sends nothing upstream."""
    ws = config("server { location /s/ { return 204; } }")
    assert scope_at(ws, "location /s/").settings.credentials_sent_upstream() == ()


# --- Settings: internal locations, who authenticates --------------------------------------


def test_internal_applies_to_the_location_and_its_if_blocks(config):
    """nginx: `internal` keeps external requests out (404) of the location, also when an
    `if` block of it is in effect; other locations are external.
    """
    ws = config(
        f"""
        server {{
            location /auth {{
                internal;
                if ($http_x) {{ }}
                proxy_pass {UPSTREAM};
            }}
            location /public/ {{ proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    assert scope_at(ws, "location /auth").settings.subrequests_only
    assert scope_at(ws, "if $http_x").settings.subrequests_only
    assert not scope_at(ws, "location /public/").settings.subrequests_only
    assert not scope_at(ws, "server").settings.subrequests_only


def test_internal_location_of_live_config(live_model):
    """The live config's `location /int/` is internal; `location /go-nested` is not."""
    assert scope_at(live_model, "location /int/").settings.subrequests_only
    assert not scope_at(live_model, "location /go-nested").settings.subrequests_only


def test_internal_is_inherited_by_nested_locations(live_model):
    """nginx 1.22: GET /int/nested/ got 404 while an error_page redirect reached it."""
    assert scope_at(live_model, "location /int/nested/").settings.subrequests_only


@pytest.mark.parametrize(
    ("location", "authenticates", "origin"),
    [
        ('auth_basic "a"; auth_basic_user_file /etc/htpasswd;', True, "auth_basic"),
        ('auth_basic "a";', False, None),
        ("auth_request /auth;", True, "auth_request"),
        (
            'limit_except GET { auth_basic "a"; auth_basic_user_file /etc/htpasswd; }',
            True,
            "auth_basic",
        ),
        ("limit_except GET { auth_request /auth; }", True, "auth_request"),
        ("limit_except GET { deny all; }", False, None),
        ('auth_basic "a"; auth_basic_user_file /etc/htpasswd; auth_basic off;', False, None),
        ("", False, None),
    ],
)
def test_authenticates_some_methods(config, location, authenticates, origin):
    """nginx checks credentials for every method (location auth) or for the methods a
    limit_except does not list (its auth); Basic auth needs a realm and a user file.
    """
    ws = config(f"server {{ location /api/ {{ {location} proxy_pass {UPSTREAM}; }} }}")
    found = scope_at(ws, "location /api/").settings.authenticates_some_methods
    assert found.value is authenticates
    assert found.known
    assert (found.origin.name if found.origin is not None else None) == origin


def test_authenticates_some_methods_is_unknown_beside_an_unread_include(config):
    """An unread include in the location could turn authentication on."""
    ws = config(
        f"server {{ location /api/ {{ include /nowhere/auth.conf; proxy_pass {UPSTREAM}; }} }}"
    )
    found = scope_at(ws, "location /api/").settings.authenticates_some_methods
    assert not found.value
    assert not found.known
