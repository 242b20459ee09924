"""nginx's inheritance semantics as the model encodes them (``authlint.nginx.settings``).

Each test pins one behaviour of nginx 1.22 (verified on a real server unless
the docstring says otherwise; see ``shared/reference/semantics.md`` sections 1
and 2) on a small config, through the public model: ``Scope.settings``.
"""

from __future__ import annotations

import pytest

from authlint.model.settings import AuthKind, AuthorizationState, OriginKind, UpstreamKind
from authlint.model.workspace import ProblemKind
from authlint.nginx import blocks

from conftest import scope_at

UPSTREAM = "http://127.0.0.1:8081"


@pytest.fixture
def nginx(config):
    """Load ``site.conf`` (plus any ``extra`` files) from a fresh tree into the model."""
    return config


def at(workspace, label):
    return scope_at(workspace, label).settings


def single(workspace, kind):
    """The one scope of ``kind`` (the configs here have one server, one http)."""
    (found,) = [scope for scope in workspace.scopes() if scope.kind == kind]
    return found


def names(entries):
    return [entry.name for entry in entries]


# --- All-or-nothing inheritance of array-type directives ---------------------------------


SERVER_AND_TWO_LOCATIONS = """
server {
    proxy_set_header X-Server-Level yes;
    proxy_set_header Authorization "Bearer injected-by-server";
    location /default/ { proxy_pass http://127.0.0.1:8081; }
    location /override/ {
        proxy_set_header X-Loc-Level yes;
        proxy_pass http://127.0.0.1:8081;
    }
}
"""


def test_proxy_set_header_is_inherited_by_a_location_without_its_own(nginx):
    """nginx: a level with no proxy_set_header of its own inherits the outer level's list."""
    ws = nginx(SERVER_AND_TWO_LOCATIONS)
    headers = at(ws, "location /default/").request_headers
    assert names(headers.entries) == ["X-Server-Level", "Authorization"]
    assert headers.defined_in is single(ws, blocks.SERVER)
    assert headers.shadowed == ()
    assert headers.known


def test_proxy_set_header_at_location_replaces_whole_server_list(nginx):
    """nginx: proxy_set_header is inherited only if the level has none of its own
    (ngx_http_proxy_module docs); one location line drops every server line.
    """
    ws = nginx(SERVER_AND_TWO_LOCATIONS)
    headers = at(ws, "location /override/").request_headers
    assert names(headers.entries) == ["X-Loc-Level"]
    assert headers.defined_in is scope_at(ws, "location /override/")
    assert names(headers.shadowed) == ["X-Server-Level", "Authorization"]
    assert headers.shadowed_known


def test_proxy_set_header_http_list_reaches_location_through_server(nginx):
    """nginx: an http-level proxy_set_header list is inherited through server into location
    when neither sets its own.
    """
    ws = nginx(
        """
        proxy_set_header X-Http-Level yes;
        server {
            location /inherit/ { proxy_pass http://127.0.0.1:8081; }
        }
        """
    )
    headers = at(ws, "location /inherit/").request_headers
    assert names(headers.entries) == ["X-Http-Level"]
    assert headers.defined_in is single(ws, blocks.HTTP)


def test_proxy_set_header_at_server_replaces_http_list_for_its_locations(nginx):
    """nginx: http -> server -> location: the nearest level with its own list wins; the
    server's list replaces the http one, a location's list replaces the server one.
    """
    ws = nginx(
        """
        proxy_set_header X-Http-Level yes;
        server {
            proxy_set_header X-Server-Level yes;
            location /inherit/ { proxy_pass http://127.0.0.1:8081; }
            location /own/ { proxy_set_header X-Own yes; proxy_pass http://127.0.0.1:8081; }
        }
        """
    )
    assert names(at(ws, "location /inherit/").request_headers.entries) == ["X-Server-Level"]
    own = at(ws, "location /own/").request_headers
    assert names(own.entries) == ["X-Own"]
    assert names(own.shadowed) == ["X-Server-Level"]


def test_nested_location_with_own_proxy_set_header_drops_parent_location_list(nginx):
    """nginx: a nested location is one more level: its own proxy_set_header list drops the
    enclosing location's; without one it inherits the enclosing location's list.
    """
    ws = nginx(
        """
        server {
            proxy_set_header X-Server-Level yes;
            location /outer/ {
                proxy_set_header X-Outer yes;
                proxy_pass http://127.0.0.1:8081;
                location /outer/own/ {
                    proxy_set_header X-Nested yes;
                    proxy_pass http://127.0.0.1:8081;
                }
                location /outer/inherit/ { proxy_pass http://127.0.0.1:8081; }
            }
        }
        """
    )
    own = at(ws, "location /outer/own/").request_headers
    assert names(own.entries) == ["X-Nested"]
    assert names(own.shadowed) == ["X-Outer"]
    inherited = at(ws, "location /outer/inherit/").request_headers
    assert names(inherited.entries) == ["X-Outer"]
    assert inherited.defined_in is scope_at(ws, "location /outer/")


@pytest.mark.parametrize(
    ("list_name", "handler", "kind"),
    [
        ("grpc_set_header", "grpc_pass grpc://127.0.0.1:9000", UpstreamKind.GRPC),
        ("fastcgi_param", "fastcgi_pass 127.0.0.1:9000", UpstreamKind.FASTCGI),
        ("uwsgi_param", "uwsgi_pass 127.0.0.1:9000", UpstreamKind.UWSGI),
        ("scgi_param", "scgi_pass 127.0.0.1:9000", UpstreamKind.SCGI),
    ],
)
def test_each_module_header_list_at_location_replaces_server_list(nginx, list_name, handler, kind):
    """nginx: grpc_set_header, fastcgi_param, uwsgi_param and scgi_param follow the same
    all-or-nothing rule as proxy_set_header (inherited only if the level has none).
    """
    ws = nginx(
        f"""
        server {{
            {list_name} SERVER_LEVEL yes;
            location /inherit/ {{ {handler}; }}
            location /own/ {{ {list_name} LOC_LEVEL yes; {handler}; }}
        }}
        """
    )
    inherit = at(ws, "location /inherit/")
    assert inherit.upstream.kind is kind
    assert names(inherit.request_headers.entries) == ["SERVER_LEVEL"]
    own = at(ws, "location /own/").request_headers
    assert names(own.entries) == ["LOC_LEVEL"]
    assert names(own.shadowed) == ["SERVER_LEVEL"]


def test_request_header_list_is_the_one_of_the_upstream_module(nginx):
    """nginx: each module reads only its own list: a fastcgi location ignores
    proxy_set_header, a proxy location ignores fastcgi_param.
    """
    ws = nginx(
        """
        server {
            proxy_set_header X-Proxy yes;
            fastcgi_param FCGI_LEVEL yes;
            location /php { fastcgi_pass 127.0.0.1:9000; }
            location /app/ { proxy_pass http://127.0.0.1:8081; }
        }
        """
    )
    assert names(at(ws, "location /php").request_headers.entries) == ["FCGI_LEVEL"]
    assert names(at(ws, "location /app/").request_headers.entries) == ["X-Proxy"]


def test_add_header_at_location_replaces_server_add_headers(nginx):
    """nginx: add_header is inherited only if the level has none of its own
    (ngx_http_headers_module docs); the server's headers are discarded in that location.
    """
    ws = nginx(
        """
        server {
            add_header X-Server-Resp yes;
            add_header X-Frame-Options DENY;
            location /default/ { proxy_pass http://127.0.0.1:8081; }
            location /override/ { add_header X-Loc-Resp yes; proxy_pass http://127.0.0.1:8081; }
        }
        """
    )
    default = at(ws, "location /default/").response_headers
    assert names(default.entries) == ["X-Server-Resp", "X-Frame-Options"]
    assert default.defined_in is single(ws, blocks.SERVER)
    assert default.discarded == ()
    override = at(ws, "location /override/").response_headers
    assert names(override.entries) == ["X-Loc-Resp"]
    assert override.defined_in is scope_at(ws, "location /override/")
    assert names(override.discarded) == ["X-Server-Resp", "X-Frame-Options"]


def test_add_header_http_list_reaches_nested_location_unless_replaced(nginx):
    """nginx: add_header inherits http -> server -> location -> nested location, and any
    level with its own add_header replaces everything above it.
    """
    ws = nginx(
        """
        add_header X-Http yes;
        server {
            location /outer/ {
                location /outer/inherit/ { }
                location /outer/own/ { add_header X-Nested yes; }
            }
        }
        """
    )
    assert names(at(ws, "location /outer/inherit/").response_headers.entries) == ["X-Http"]
    own = at(ws, "location /outer/own/").response_headers
    assert names(own.entries) == ["X-Nested"]
    assert names(own.discarded) == ["X-Http"]


def test_proxy_hide_header_at_location_replaces_server_list(nginx):
    """nginx: proxy_hide_header is inherited only if the level has none of its own
    (ngx_http_upstream_hide_headers_hash); a location hiding X-Secret-B leaks X-Secret-A.
    """
    ws = nginx(
        """
        server {
            proxy_hide_header X-Secret-A;
            location /default/ { proxy_pass http://127.0.0.1:8081; }
            location /override/ {
                proxy_hide_header X-Secret-B;
                proxy_pass http://127.0.0.1:8081;
            }
        }
        """
    )
    assert at(ws, "location /default/").hidden_upstream_headers.value == {"x-secret-a"}
    hidden = at(ws, "location /override/").hidden_upstream_headers
    assert hidden.value == {"x-secret-b"}
    assert hidden.origin.args == ["X-Secret-B"]


def test_hide_header_list_is_the_one_of_the_upstream_module(nginx):
    """nginx: fastcgi_hide_header applies to fastcgi_pass; proxy_hide_header does not."""
    ws = nginx(
        """
        server {
            proxy_hide_header X-Proxy-Secret;
            location /php { fastcgi_hide_header X-Powered-By; fastcgi_pass 127.0.0.1:9000; }
            location /static/ { }
        }
        """
    )
    assert at(ws, "location /php").hidden_upstream_headers.value == {"x-powered-by"}
    assert at(ws, "location /static/").hidden_upstream_headers.value == frozenset()


# --- if, limit_except, nested locations: who handles the request -------------------------


IF_CONFIG = """
server {
    add_header X-Server-Resp yes;
    location /if/ {
        proxy_set_header X-Loc yes;
        add_header X-Loc-Resp yes;
        proxy_pass http://127.0.0.1:8081;
        if ($arg_x) { add_header X-If-Resp yes; }
        if ($arg_y) { set $flag 1; }
    }
}
"""


def test_add_header_inside_if_replaces_location_add_headers(nginx):
    """nginx: an if block is a location-level configuration inheriting from its location;
    its own add_header drops the location's (response had only X-If-Resp).
    """
    ws = nginx(IF_CONFIG)
    in_if = at(ws, "if $arg_x").response_headers
    assert names(in_if.entries) == ["X-If-Resp"]
    assert names(in_if.discarded) == ["X-Loc-Resp"]


def test_if_without_add_header_inherits_location_add_headers(nginx):
    """nginx: an if block without add_header inherits its location's add_header list."""
    ws = nginx(IF_CONFIG)
    assert names(at(ws, "if $arg_y").response_headers.entries) == ["X-Loc-Resp"]


def test_if_block_inherits_proxy_pass_and_request_headers_from_its_location(nginx):
    """nginx: "configurations inside the if directives are inherited from the previous
    configuration level": the if proxies to the location's upstream with its headers.
    """
    ws = nginx(IF_CONFIG)
    in_if = scope_at(ws, "if $arg_x")
    assert in_if.kind == blocks.IF
    upstream = in_if.settings.upstream
    assert upstream.kind is UpstreamKind.PROXY
    assert upstream.target == UPSTREAM
    headers = in_if.settings.request_headers
    assert names(headers.entries) == ["X-Loc"]
    assert headers.defined_in is scope_at(ws, "location /if/")


def test_if_with_own_proxy_pass_proxies_while_its_location_serves_files(nginx):
    """nginx: proxy_pass is allowed in "if in location"; only requests matching the if
    reach the upstream, the location itself has no proxy_pass.
    """
    ws = nginx(
        """
        server {
            location /ifpass/ {
                if ($arg_x) { proxy_pass http://127.0.0.1:8081; }
            }
        }
        """
    )
    assert at(ws, "if $arg_x").upstream.kind is UpstreamKind.PROXY
    location = at(ws, "location /ifpass/").upstream
    assert location.kind is UpstreamKind.STATIC
    assert location.target == "files"


def test_limit_except_inherits_proxy_pass_from_its_location(nginx):
    """nginx: limit_except is a nameless location-level configuration: the methods it
    restricts are still proxied to the location's upstream, with the location's headers.
    """
    ws = nginx(
        """
        server {
            location /le/ {
                proxy_set_header X-Loc yes;
                proxy_pass http://127.0.0.1:8081;
                limit_except GET { allow 127.0.0.1; deny all; }
            }
        }
        """
    )
    limited = scope_at(ws, "limit_except GET")
    assert limited.kind == blocks.LIMIT_EXCEPT
    assert limited.settings.upstream.kind is UpstreamKind.PROXY
    assert limited.settings.upstream.target == UPSTREAM
    assert names(limited.settings.request_headers.entries) == ["X-Loc"]


def test_nested_location_does_not_inherit_proxy_pass(nginx):
    """nginx: proxy_pass is not inherited by a nested location: a nested location without
    its own handler serves files (404 where the proxying parent answered 200).
    """
    ws = nginx(
        """
        server {
            location /outer/ {
                proxy_pass http://127.0.0.1:8081;
                location /outer/nested/ { }
            }
        }
        """
    )
    nested = at(ws, "location /outer/nested/")
    assert nested.upstream.kind is UpstreamKind.STATIC
    assert nested.upstream.target == "files"
    assert nested.upstream.known
    assert nested.request_headers is None
    assert nested.authorization is None


def test_http_and_server_levels_have_no_upstream(nginx):
    """nginx: only location-level configurations (location, if, limit_except) choose a
    content handler; http and server have none.
    """
    ws = nginx("server { location / { proxy_pass http://127.0.0.1:8081; } }")
    assert single(ws, blocks.SERVER).settings.upstream is None
    assert single(ws, blocks.HTTP).settings.upstream is None
    assert single(ws, blocks.SERVER).settings.request_headers is None


def test_return_at_location_makes_upstream_static(nginx):
    """nginx: return runs in the rewrite phase, before the content handler: a location with
    return and proxy_pass never proxies (204 without reaching the upstream).
    """
    ws = nginx(
        """
        server {
            location /ret/ { proxy_pass http://127.0.0.1:8081; return 204; }
        }
        """
    )
    upstream = at(ws, "location /ret/").upstream
    assert upstream.kind is UpstreamKind.STATIC
    assert upstream.target == "return"
    assert upstream.origin.name == "return"
    assert not upstream.forwards_headers
    assert at(ws, "location /ret/").request_headers is None


def test_return_at_server_level_makes_every_location_static(nginx):
    """nginx: a server-level return answers in the server rewrite phase, before a location
    is chosen: no location of that server proxies (418 for a proxy_pass location).
    """
    ws = nginx(
        """
        server {
            return 418;
            location /p/ { proxy_pass http://127.0.0.1:8081; }
        }
        """
    )
    upstream = at(ws, "location /p/").upstream
    assert upstream.kind is UpstreamKind.STATIC
    assert upstream.origin.args == ["418"]


def test_return_in_if_makes_only_the_if_static(nginx):
    """nginx: a return inside if only answers the requests that match the if; the location
    keeps proxying the others.
    """
    ws = nginx(
        """
        server {
            location /ifret/ {
                proxy_pass http://127.0.0.1:8081;
                if ($arg_x) { return 403; }
            }
        }
        """
    )
    assert at(ws, "if $arg_x").upstream.kind is UpstreamKind.STATIC
    assert at(ws, "location /ifret/").upstream.kind is UpstreamKind.PROXY


def test_location_return_applies_to_its_if_and_limit_except_blocks(nginx):
    """nginx: the location's rewrite phase (its return) runs for requests that end in its
    if or limit_except configuration too.
    """
    ws = nginx(
        """
        server {
            location /ret/ {
                proxy_pass http://127.0.0.1:8081;
                return 204;
                if ($arg_x) { set $flag 1; }
                limit_except GET { deny all; }
            }
        }
        """
    )
    assert at(ws, "if $arg_x").upstream.kind is UpstreamKind.STATIC
    assert at(ws, "limit_except GET").upstream.kind is UpstreamKind.STATIC


def test_nested_location_does_not_run_parent_location_return(nginx):
    """nginx: a request matched by a nested location runs only that location's rewrite
    phase: the parent's return does not apply (the nested proxy_pass answered 200).
    """
    ws = nginx(
        """
        server {
            location /r/ {
                return 403;
                location /r/inner/ { proxy_pass http://127.0.0.1:8081; }
            }
        }
        """
    )
    assert at(ws, "location /r/").upstream.kind is UpstreamKind.STATIC
    assert at(ws, "location /r/inner/").upstream.kind is UpstreamKind.PROXY


def test_memcached_upstream_receives_no_request_headers(nginx):
    """nginx: memcached_pass sends only a key, never the client's headers."""
    ws = nginx(
        "server { location /m/ { set $memcached_key $uri; memcached_pass 127.0.0.1:11211; } }"
    )
    settings = at(ws, "location /m/")
    assert settings.upstream.kind is UpstreamKind.MEMCACHED
    assert not settings.upstream.forwards_headers
    assert settings.request_headers is None
    assert settings.authorization is None
    assert settings.cache is None


# --- Authorization forwarding -------------------------------------------------------------


def authorization(nginx, location_body, server_body=""):
    ws = nginx(
        f"""
        server {{
            {server_body}
            location /t/ {{ {location_body} }}
        }}
        """
    )
    return at(ws, "location /t/").authorization


def test_authorization_passes_by_default(nginx):
    """nginx: every client header, Authorization included, is copied to the upstream unless
    something removes it (plain proxy_pass: upstream got the client's Authorization).
    """
    forwarding = authorization(nginx, f"proxy_pass {UPSTREAM};")
    assert forwarding.state is AuthorizationState.PASSES
    assert forwarding.origin is None
    assert not forwarding.literal
    assert forwarding.known
    assert forwarding.shadowed is None


def test_authorization_set_to_empty_string_is_removed(nginx):
    """nginx: proxy_set_header Authorization "" removes the header (an empty value is not
    sent).
    """
    forwarding = authorization(nginx, f'proxy_set_header Authorization ""; proxy_pass {UPSTREAM};')
    assert forwarding.state is AuthorizationState.REMOVED
    assert forwarding.origin.name == "proxy_set_header"


def test_authorization_header_name_is_case_insensitive(nginx):
    """nginx: proxy_set_header names are matched case-insensitively: `authorization ""`
    removes the client's Authorization too.
    """
    forwarding = authorization(nginx, f'proxy_set_header authorization ""; proxy_pass {UPSTREAM};')
    assert forwarding.state is AuthorizationState.REMOVED


@pytest.mark.parametrize("value", ["$http_authorization", "${http_authorization}"])
def test_authorization_set_to_http_authorization_passes(nginx, value):
    """nginx: proxy_set_header Authorization $http_authorization re-sends the client's own
    header.
    """
    forwarding = authorization(
        nginx, f"proxy_set_header Authorization {value}; proxy_pass {UPSTREAM};"
    )
    assert forwarding.state is AuthorizationState.PASSES
    assert forwarding.origin.name == "proxy_set_header"


def test_authorization_set_to_fixed_value_is_replaced_literal(nginx):
    """nginx: proxy_set_header Authorization "<fixed>" replaces the client's value for
    every request.
    """
    forwarding = authorization(
        nginx, f'proxy_set_header Authorization "Basic Zm9vOmJhcg=="; proxy_pass {UPSTREAM};'
    )
    assert forwarding.state is AuthorizationState.REPLACED
    assert forwarding.literal
    assert forwarding.origin.args == ["Authorization", "Basic Zm9vOmJhcg=="]


def test_authorization_set_from_other_variable_is_replaced_non_literal(nginx):
    """nginx: proxy_set_header Authorization $http_x_token replaces the client's value with
    a per-request one (upstream got the X-Token value).
    """
    forwarding = authorization(
        nginx, f"proxy_set_header Authorization $http_x_token; proxy_pass {UPSTREAM};"
    )
    assert forwarding.state is AuthorizationState.REPLACED
    assert not forwarding.literal


def test_proxy_pass_request_headers_off_removes_authorization(nginx):
    """nginx: proxy_pass_request_headers off sends only Host and Connection (and the
    proxy_set_header list): the client's Authorization is not sent.
    """
    ws = nginx(
        f"""
        server {{
            location /t/ {{ proxy_pass_request_headers off; proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    settings = at(ws, "location /t/")
    assert not settings.request_headers.pass_client_headers.value
    forwarding = settings.authorization
    assert forwarding.state is AuthorizationState.REMOVED
    assert forwarding.origin.name == "proxy_pass_request_headers"


def test_proxy_pass_request_headers_off_is_inherited_from_server(nginx):
    """nginx: proxy_pass_request_headers is an ordinary flag: inherited unless the level
    sets its own.
    """
    ws = nginx(
        f"""
        server {{
            proxy_pass_request_headers off;
            location /off/ {{ proxy_pass {UPSTREAM}; }}
            location /on/ {{ proxy_pass_request_headers on; proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    assert at(ws, "location /off/").authorization.state is AuthorizationState.REMOVED
    assert at(ws, "location /on/").authorization.state is AuthorizationState.PASSES


def test_proxy_pass_request_headers_off_passes_authorization_re_added(nginx):
    """nginx: with proxy_pass_request_headers off, proxy_set_header Authorization
    $http_authorization still sends the client's header (upstream got only Authorization).
    """
    forwarding = authorization(
        nginx,
        "proxy_pass_request_headers off; proxy_set_header Authorization $http_authorization;"
        f" proxy_pass {UPSTREAM};",
    )
    assert forwarding.state is AuthorizationState.PASSES
    assert forwarding.origin.name == "proxy_set_header"


@pytest.mark.parametrize(
    ("list_name", "handler"),
    [
        ("fastcgi_param", "fastcgi_pass 127.0.0.1:9000"),
        ("uwsgi_param", "uwsgi_pass 127.0.0.1:9000"),
        ("scgi_param", "scgi_pass 127.0.0.1:9000"),
    ],
)
def test_cgi_style_upstream_gets_http_authorization_despite_own_param_list(
    nginx, list_name, handler
):
    """nginx: fastcgi/uwsgi/scgi pass every client header as an HTTP_* param
    (*_pass_request_headers on): a location's own param list drops the server's params
    but HTTP_AUTHORIZATION still arrives (VERIFIED in semantics.md 1.2).
    """
    ws = nginx(
        f"""
        server {{
            {list_name} SERVER_LEVEL yes;
            location /own {{ {list_name} SCRIPT_FILENAME /srv/app.php; {handler}; }}
        }}
        """
    )
    settings = at(ws, "location /own")
    assert names(settings.request_headers.shadowed) == ["SERVER_LEVEL"]
    assert settings.authorization.state is AuthorizationState.PASSES
    assert settings.authorization.shadowed is None


def test_fastcgi_param_http_authorization_empty_removes_it(nginx):
    """nginx: fastcgi_param HTTP_AUTHORIZATION "" suppresses the client's header; no
    HTTP_AUTHORIZATION param reaches the application.
    """
    forwarding = authorization(
        nginx, 'fastcgi_param HTTP_AUTHORIZATION ""; fastcgi_pass 127.0.0.1:9000;'
    )
    assert forwarding.state is AuthorizationState.REMOVED


def test_fastcgi_param_http_authorization_value_replaces_it(nginx):
    """nginx: fastcgi_param HTTP_AUTHORIZATION "overridden" replaces the client's value."""
    forwarding = authorization(
        nginx, 'fastcgi_param HTTP_AUTHORIZATION "overridden"; fastcgi_pass 127.0.0.1:9000;'
    )
    assert forwarding.state is AuthorizationState.REPLACED
    assert forwarding.literal


def test_fastcgi_param_name_after_http_prefix_is_case_insensitive(nginx):
    """nginx: after the (upper-case) HTTP_ prefix, a param name matches a client header
    case-insensitively: HTTP_Authorization suppresses the client's Authorization.
    """
    forwarding = authorization(
        nginx, 'fastcgi_param HTTP_Authorization "mixed"; fastcgi_pass 127.0.0.1:9000;'
    )
    assert forwarding.state is AuthorizationState.REPLACED


def test_lowercase_http_prefix_param_does_not_replace_client_authorization(nginx):
    """nginx: fastcgi/uwsgi/scgi compare the "HTTP_" prefix case-sensitively
    (ngx_strncmp in *_init_params): fastcgi_param http_authorization "x" is sent as one
    more param, and the client's Authorization still arrives as HTTP_AUTHORIZATION.
    """
    forwarding = authorization(
        nginx, 'fastcgi_param http_authorization "lower"; fastcgi_pass 127.0.0.1:9000;'
    )
    assert forwarding.state is AuthorizationState.PASSES


def test_fastcgi_pass_request_headers_off_removes_authorization(nginx):
    """nginx: fastcgi_pass_request_headers off: no HTTP_* param from the client's headers."""
    forwarding = authorization(
        nginx, "fastcgi_pass_request_headers off; fastcgi_pass 127.0.0.1:9000;"
    )
    assert forwarding.state is AuthorizationState.REMOVED
    assert forwarding.origin.name == "fastcgi_pass_request_headers"


def test_grpc_set_header_authorization_empty_removes_it(nginx):
    """nginx: grpc_set_header Authorization "" removes the header from the gRPC request;
    without it, the client's authorization is passed.
    """
    removed = authorization(
        nginx, 'grpc_set_header Authorization ""; grpc_pass grpc://127.0.0.1:9000;'
    )
    assert removed.state is AuthorizationState.REMOVED
    passes = authorization(nginx, "grpc_pass grpc://127.0.0.1:9000;")
    assert passes.state is AuthorizationState.PASSES


def test_server_authorization_injection_inherited_replaces_client_value(nginx):
    """nginx: an inherited server-level proxy_set_header Authorization replaces the client's
    value in a location without its own list.
    """
    forwarding = authorization(
        nginx,
        f"proxy_pass {UPSTREAM};",
        server_body='proxy_set_header Authorization "Bearer injected-by-server";',
    )
    assert forwarding.state is AuthorizationState.REPLACED
    assert forwarding.literal
    assert forwarding.shadowed is None


def test_location_list_dropping_outer_authorization_entry_sets_shadowed(nginx):
    """nginx: a location's own proxy_set_header list drops the server's Authorization line:
    the client's header passes instead of the injected one; `shadowed` says what the
    server line would have done.
    """
    forwarding = authorization(
        nginx,
        f"proxy_set_header X-Loc-Level yes; proxy_pass {UPSTREAM};",
        server_body='proxy_set_header Authorization "Bearer injected-by-server";',
    )
    assert forwarding.state is AuthorizationState.PASSES
    shadowed = forwarding.shadowed
    assert shadowed is not None
    assert shadowed.state is AuthorizationState.REPLACED
    assert shadowed.literal
    assert shadowed.origin.args == ["Authorization", "Bearer injected-by-server"]


def test_location_list_dropping_outer_authorization_clear_sets_shadowed_removed(nginx):
    """nginx: a server-level proxy_set_header Authorization "" is lost in a location with its
    own list: the client's credential reaches the upstream there.
    """
    forwarding = authorization(
        nginx,
        f"proxy_set_header X-Loc-Level yes; proxy_pass {UPSTREAM};",
        server_body='proxy_set_header Authorization "";',
    )
    assert forwarding.state is AuthorizationState.PASSES
    assert forwarding.shadowed.state is AuthorizationState.REMOVED


def test_shadowed_is_unset_when_outer_list_does_not_mention_authorization(nginx):
    """nginx: replacing an outer list that never touched Authorization changes nothing for
    Authorization.
    """
    forwarding = authorization(
        nginx,
        f"proxy_set_header X-Loc-Level yes; proxy_pass {UPSTREAM};",
        server_body="proxy_set_header X-Server-Level yes;",
    )
    assert forwarding.state is AuthorizationState.PASSES
    assert forwarding.shadowed is None


def test_shadowed_is_unset_when_location_sets_authorization_itself(nginx):
    """nginx: a location list that sets Authorization itself decides it; the dropped outer
    line does not matter.
    """
    forwarding = authorization(
        nginx,
        f'proxy_set_header Authorization ""; proxy_pass {UPSTREAM};',
        server_body='proxy_set_header Authorization "Bearer injected-by-server";',
    )
    assert forwarding.state is AuthorizationState.REMOVED
    assert forwarding.shadowed is None


# --- Authentication: auth_basic, auth_request, satisfy -------------------------------------


AUTH_CONFIG = f"""
server {{
    auth_basic "server realm";
    auth_basic_user_file htpasswd;
    location /inherit/ {{ proxy_pass {UPSTREAM}; }}
    location /off/ {{ auth_basic off; proxy_pass {UPSTREAM}; }}
    location /realm/ {{ auth_basic "other realm"; proxy_pass {UPSTREAM}; }}
    location /file/ {{
        auth_basic_user_file htpasswd2;
        proxy_pass {UPSTREAM};
        location /file/nested/ {{ proxy_pass {UPSTREAM}; }}
    }}
    location /le/ {{
        auth_basic off;
        proxy_pass {UPSTREAM};
        limit_except GET {{ auth_basic "le realm"; }}
    }}
}}
"""


def test_auth_basic_and_user_file_are_inherited(nginx):
    """nginx: auth_basic and auth_basic_user_file set at server level protect a location
    that sets neither (401 realm="server realm").
    """
    settings = at(nginx(AUTH_CONFIG), "location /inherit/")
    auth = settings.authentication
    assert auth.check(AuthKind.BASIC).exempt_methods == frozenset()
    assert settings.single("auth_basic").value == "server realm"
    assert settings.single("auth_basic_user_file").value == "htpasswd"
    assert auth.basic.value
    assert auth.basic.known
    assert auth.server_authenticates.value


def test_auth_basic_realm_alone_keeps_inherited_user_file(nginx):
    """nginx: auth_basic and auth_basic_user_file inherit independently: a location setting
    only a realm still checks the server's user file.
    """
    settings = at(nginx(AUTH_CONFIG), "location /realm/")
    auth = settings.authentication
    assert settings.single("auth_basic").value == "other realm"
    assert settings.single("auth_basic_user_file").value == "htpasswd"
    assert (
        settings.single("auth_basic_user_file").origin.line
        != settings.single("auth_basic").origin.line
    )
    assert auth.basic.value


def test_auth_basic_user_file_alone_keeps_inherited_realm(nginx):
    """nginx: a location setting only auth_basic_user_file keeps the server's realm and
    replaces the file (bob, not alice, gets in); a nested location inherits both.
    """
    ws = nginx(AUTH_CONFIG)
    for label in ("location /file/", "location /file/nested/"):
        settings = at(ws, label)
        auth = settings.authentication
        assert settings.single("auth_basic").value == "server realm"
        assert settings.single("auth_basic_user_file").value == "htpasswd2"
        assert auth.basic.value


def test_basic_check_reads_the_user_file_in_effect(nginx):
    """nginx: the Basic check's user list is the auth_basic_user_file in effect: the
    server's where the location sets only a realm, the location's own where it sets one,
    and that one again in a location nested in it."""
    ws = nginx(AUTH_CONFIG)
    server_file = at(ws, "location /inherit/").single("auth_basic_user_file").origin
    own_file = at(ws, "location /file/").single("auth_basic_user_file").origin
    assert server_file.line != own_file.line
    for label, store, origin in (
        ("location /inherit/", "htpasswd", server_file),
        ("location /realm/", "htpasswd", server_file),
        ("location /file/", "htpasswd2", own_file),
        ("location /file/nested/", "htpasswd2", own_file),
    ):
        check = at(ws, label).authentication.check(AuthKind.BASIC)
        assert check.store == store, label
        assert check.store_origin is origin, label


def test_basic_check_without_user_file_has_no_store(nginx):
    ws = nginx(f'server {{ location /r/ {{ auth_basic "x"; proxy_pass {UPSTREAM}; }} }}')
    check = at(ws, "location /r/").authentication.check(AuthKind.BASIC)
    assert check.store is None
    assert check.store_origin is None


def test_exact_path_is_the_uri_of_an_exact_location_only(nginx):
    """nginx: `location = /api` (or `=/api`) matches /api alone; other locations, servers
    and the blocks inside an exact location answer no single path of their own."""
    ws = nginx(
        f"""
server {{
    location = /api {{ proxy_pass {UPSTREAM}; if ($arg_x) {{ return 404; }} }}
    location =/login {{ proxy_pass {UPSTREAM}; }}
    location /api/ {{ proxy_pass {UPSTREAM}; }}
    location ~ ^/exact$ {{ proxy_pass {UPSTREAM}; }}
}}
"""
    )
    assert at(ws, "location = /api").exact_path == "/api"
    assert at(ws, "location =/login").exact_path == "/login"
    assert at(ws, "location /api/").exact_path is None
    assert at(ws, "location ~ ^/exact$").exact_path is None
    assert at(ws, "if $arg_x").exact_path is None
    server = at(ws, "location /api/").scope.parent
    assert server.settings.exact_path is None


def test_auth_basic_off_cancels_inherited_basic_auth(nginx):
    """nginx: "the special value off cancels the effect of the auth_basic directive inherited
    from the previous configuration level" (200 without credentials).
    """
    settings = at(nginx(AUTH_CONFIG), "location /off/")
    auth = settings.authentication
    assert settings.single("auth_basic").value is None
    assert settings.single("auth_basic").origin.args == ["off"]
    assert settings.single("auth_basic_user_file").value == "htpasswd"
    assert not auth.basic.value
    assert auth.basic.known
    assert not auth.server_authenticates.value
    assert auth.server_authenticates.known


def test_auth_basic_in_limit_except_applies_to_other_methods_only(nginx):
    """nginx: auth_basic inside limit_except GET applies to the other methods (POST got 401
    realm="le realm", GET passed without credentials).
    """
    ws = nginx(AUTH_CONFIG)
    assert not at(ws, "location /le/").authentication.basic.value
    limited_settings = at(ws, "limit_except GET")
    limited = limited_settings.authentication
    assert limited.check(AuthKind.BASIC).exempt_methods == {"GET", "HEAD"}
    assert limited_settings.single("auth_basic").value == "le realm"
    assert limited_settings.single("auth_basic_user_file").value == "htpasswd"
    assert limited.basic.value


def test_auth_basic_realm_without_user_file_is_no_authentication(nginx):
    """nginx: auth_basic without any auth_basic_user_file in effect checks nothing
    (ngx_http_auth_basic_module declines; 200 without credentials).
    """
    ws = nginx(f'server {{ location /r/ {{ auth_basic "x"; proxy_pass {UPSTREAM}; }} }}')
    settings = at(ws, "location /r/")
    auth = settings.authentication
    assert settings.single("auth_basic").value == "x"
    assert settings.single("auth_basic_user_file").value is None
    assert not auth.basic.value
    assert auth.basic.known
    assert not auth.server_authenticates.value


def test_auth_basic_is_inherited_by_if_blocks(nginx):
    """nginx: auth_basic is not allowed inside if; an if block takes its location's."""
    ws = nginx(
        f"""
        server {{
            location /a/ {{
                auth_basic "realm";
                auth_basic_user_file htpasswd;
                proxy_pass {UPSTREAM};
                if ($arg_x) {{ set $flag 1; }}
            }}
        }}
        """
    )
    assert at(ws, "if $arg_x").authentication.basic.value


def test_auth_request_is_inherited_and_cancelled_by_off(nginx):
    """nginx: auth_request inherits into nested locations; auth_request off cancels it
    (nested location answered 200 while the parent got the subrequest's 401).
    """
    ws = nginx(
        f"""
        server {{
            location /ar/ {{
                auth_request /auth;
                proxy_pass {UPSTREAM};
                location /ar/inherit/ {{ proxy_pass {UPSTREAM}; }}
                location /ar/off/ {{ auth_request off; proxy_pass {UPSTREAM}; }}
            }}
            location = /auth {{ internal; proxy_pass {UPSTREAM}/check; }}
        }}
        """
    )
    for label in ("location /ar/", "location /ar/inherit/"):
        settings = at(ws, label)
        auth = settings.authentication
        assert auth.check(AuthKind.SUBREQUEST).target == "/auth"
        assert auth.server_authenticates.value
        assert auth.server_authenticates.origin.name == "auth_request"
    off = at(ws, "location /ar/off/").authentication
    assert off.check(AuthKind.SUBREQUEST) is None
    assert not off.server_authenticates.value


def test_satisfy_defaults_to_all_and_is_inherited(nginx):
    """nginx: satisfy defaults to all; satisfy any (IP alone suffices) inherits into nested
    levels.
    """
    ws = nginx(
        f"""
        server {{
            location /all/ {{ proxy_pass {UPSTREAM}; }}
            location /any/ {{
                satisfy any;
                allow 127.0.0.1;
                deny all;
                auth_basic "r";
                auth_basic_user_file htpasswd;
                location /any/nested/ {{ proxy_pass {UPSTREAM}; }}
            }}
        }}
        """
    )
    default = at(ws, "location /all/").authentication.any_suffices
    assert default.value is False
    assert default.origin is None
    for label in ("location /any/", "location /any/nested/"):
        satisfy = at(ws, label).authentication.any_suffices
        assert satisfy.value is True
        assert satisfy.origin.args == ["any"]


# --- add_header: always, add_header_inherit -----------------------------------------------


def test_add_header_always_flag(nginx):
    """nginx: add_header without `always` is added only to 200/201/204/206/301/302/303/304/
    307/308 responses; with `always` also to errors (401 had only X-Always).
    """
    ws = nginx(
        """
        server {
            location /al/ {
                add_header X-Plain yes;
                add_header X-Always yes always;
            }
        }
        """
    )
    entries = {entry.name: entry for entry in at(ws, "location /al/").response_headers.entries}
    assert not entries["X-Plain"].always
    assert entries["X-Always"].always
    assert entries["X-Always"].value == "yes"


def test_add_header_inherit_merge_appends_outer_headers(nginx):
    """nginx 1.29.3+ (DOC): add_header_inherit merge appends the previous level's add_header
    values after the current level's; nothing is discarded.
    """
    ws = nginx(
        """
        server {
            add_header X-Server yes;
            location /m/ {
                add_header_inherit merge;
                add_header X-Loc yes;
            }
        }
        """
    )
    headers = at(ws, "location /m/").response_headers
    assert names(headers.entries) == ["X-Loc", "X-Server"]
    assert headers.discarded == ()
    assert headers.defined_in is scope_at(ws, "location /m/")


def test_add_header_inherit_is_itself_inherited_and_merges_recursively(nginx):
    """nginx 1.29.3+ (DOC): "add_header_inherit merge; specified at the top level will be
    inherited in all nested levels recursively unless redefined later".
    """
    ws = nginx(
        """
        add_header X-Http yes;
        add_header_inherit merge;
        server {
            add_header X-Server yes;
            location /m/ { add_header X-Loc yes; }
            location /plain/ { }
        }
        """
    )
    assert names(at(ws, "location /m/").response_headers.entries) == [
        "X-Loc",
        "X-Server",
        "X-Http",
    ]
    assert names(at(ws, "location /plain/").response_headers.entries) == ["X-Server", "X-Http"]


def test_add_header_inherit_off_cancels_inheritance(nginx):
    """nginx 1.29.3+ (DOC): add_header_inherit off: the level takes none of the previous
    level's add_header values, with or without its own (and reports none as discarded).
    """
    ws = nginx(
        """
        server {
            add_header X-Server yes;
            location /own/ { add_header_inherit off; add_header X-Loc yes; }
            location /none/ { add_header_inherit off; }
        }
        """
    )
    own = at(ws, "location /own/").response_headers
    assert names(own.entries) == ["X-Loc"]
    assert own.discarded == ()
    none = at(ws, "location /none/").response_headers
    assert none.entries == ()
    assert none.defined_in is None


# --- Caching ------------------------------------------------------------------------------


def cache_of(nginx, location_body, http_body="", server_body=""):
    ws = nginx(
        f"""
        {http_body}
        server {{
            {server_body}
            location /c/ {{ {location_body} }}
        }}
        """
    )
    return at(ws, "location /c/").cache


def test_proxy_cache_key_defaults_to_scheme_proxy_host_request_uri(nginx):
    """nginx: with no proxy_cache_key the key is the upstream URL, scheme://host/uri (the docs
    write it "close to $scheme$proxy_host$request_uri"; nginx 1.22 keyed on
    "http://127.0.0.1:28081/path?q"): no request header, cookie or credential is in it.
    """
    cache = cache_of(nginx, f"proxy_cache c1; proxy_pass {UPSTREAM};")
    assert cache.key.value == "$scheme://$proxy_host$request_uri"
    assert cache.key.origin is None
    assert cache.store.value == "c1"


def test_explicit_proxy_cache_key_is_inherited(nginx):
    """nginx: proxy_cache_key is an ordinary single value, inherited from the server."""
    cache = cache_of(
        nginx,
        f"proxy_cache c1; proxy_pass {UPSTREAM};",
        server_body="proxy_cache_key $scheme$host$request_uri$http_authorization;",
    )
    assert cache.key.value == "$scheme$host$request_uri$http_authorization"
    assert cache.key.origin.name == "proxy_cache_key"


@pytest.mark.parametrize(
    ("prefix", "handler"),
    [
        ("fastcgi", "fastcgi_pass 127.0.0.1:9000"),
        ("uwsgi", "uwsgi_pass 127.0.0.1:9000"),
        ("scgi", "scgi_pass 127.0.0.1:9000"),
    ],
)
def test_cgi_style_cache_has_no_default_key(nginx, prefix, handler):
    """nginx: fastcgi_cache_key (uwsgi, scgi) has no default: `nginx -t` only warns
    `no "fastcgi_cache_key" for "fastcgi_cache"` and every URL shares one entry.
    """
    cache = cache_of(nginx, f"{prefix}_cache z; {handler};")
    assert cache.store.value == "z"
    assert cache.key.value is None


def test_proxy_cache_off_cancels_inherited_cache(nginx):
    """nginx: proxy_cache off cancels a cache inherited from the previous level."""
    inherited = cache_of(nginx, f"proxy_pass {UPSTREAM};", server_body="proxy_cache c1;")
    assert inherited.store.value == "c1"
    off = cache_of(nginx, f"proxy_cache off; proxy_pass {UPSTREAM};", server_body="proxy_cache c1;")
    assert off.store.value is None
    assert off.store.origin.args == ["off"]


def test_proxy_cache_valid_time_only_covers_200_301_302(nginx):
    """nginx: "if only caching time is specified, only 200, 301, and 302 responses are
    cached" (403 and 404 were not cached with proxy_cache_valid 10m).
    """
    cache = cache_of(nginx, f"proxy_cache c1; proxy_cache_valid 10m; proxy_pass {UPSTREAM};")
    (valid,) = cache.lifetimes.value
    assert valid.statuses == ("200", "301", "302")
    assert valid.time == "10m"


def test_proxy_cache_valid_any_and_explicit_codes(nginx):
    """nginx: proxy_cache_valid any caches every status (403, 404, 500 were cached); an
    explicit code list covers just those codes.
    """
    cache = cache_of(
        nginx,
        f"proxy_cache c1; proxy_cache_valid any 1m; proxy_cache_valid 404 410 5m;"
        f" proxy_pass {UPSTREAM};",
    )
    assert [(valid.statuses, valid.time) for valid in cache.lifetimes.value] == [
        (("any",), "1m"),
        (("404", "410"), "5m"),
    ]


def test_proxy_cache_valid_at_location_replaces_server_lines(nginx):
    """nginx: proxy_cache_valid lines are inherited only if the level has none: server
    `404 1m` cached 404s except in a location with its own `200 1m`.
    """
    server = "proxy_cache c1; proxy_cache_valid 404 1m;"
    inherited = cache_of(nginx, f"proxy_pass {UPSTREAM};", server_body=server)
    assert [valid.statuses for valid in inherited.lifetimes.value] == [("404",)]
    own = cache_of(nginx, f"proxy_cache_valid 200 1m; proxy_pass {UPSTREAM};", server_body=server)
    assert [valid.statuses for valid in own.lifetimes.value] == [("200",)]


def test_no_proxy_cache_valid_means_no_time_based_caching(nginx):
    """nginx: without proxy_cache_valid, only responses with caching headers are stored."""
    cache = cache_of(nginx, f"proxy_cache c1; proxy_pass {UPSTREAM};")
    assert cache.lifetimes.value == ()
    assert cache.lifetimes.origin is None


def test_proxy_ignore_headers_at_location_replaces_server_setting(nginx):
    """nginx: proxy_ignore_headers is replaced, not merged: a location ignoring Expires no
    longer ignores the server's Cache-Control (Cache-Control: private was not cached there).
    """
    server = "proxy_cache c1; proxy_ignore_headers Cache-Control Set-Cookie;"
    inherited = cache_of(nginx, f"proxy_pass {UPSTREAM};", server_body=server)
    assert inherited.ignored_headers.value == {"cache-control", "set-cookie"}
    own = cache_of(
        nginx, f"proxy_ignore_headers Expires; proxy_pass {UPSTREAM};", server_body=server
    )
    assert own.ignored_headers.value == {"expires"}


def test_proxy_no_cache_and_bypass_at_location_replace_server_conditions(nginx):
    """nginx: proxy_no_cache / proxy_cache_bypass are inherited only if the level has none:
    a location with its own condition caches requests carrying Authorization again.
    """
    server = (
        "proxy_cache c1; proxy_no_cache $http_authorization;"
        " proxy_cache_bypass $http_authorization;"
    )
    inherited = cache_of(nginx, f"proxy_pass {UPSTREAM};", server_body=server)
    assert inherited.skip_store.value == ("$http_authorization",)
    assert inherited.skip_lookup.value == ("$http_authorization",)
    own = cache_of(
        nginx,
        f"proxy_no_cache $cookie_nocache; proxy_cache_bypass $cookie_nocache $arg_nocache;"
        f" proxy_pass {UPSTREAM};",
        server_body=server,
    )
    assert own.skip_store.value == ("$cookie_nocache",)
    assert own.skip_lookup.value == ("$cookie_nocache", "$arg_nocache")


def test_proxy_cache_methods_always_include_get_and_head(nginx):
    """nginx: proxy_cache_methods defaults to GET HEAD, and GET and HEAD are always added."""
    default = cache_of(nginx, f"proxy_cache c1; proxy_pass {UPSTREAM};")
    assert default.methods.value == {"GET", "HEAD"}
    post = cache_of(nginx, f"proxy_cache c1; proxy_cache_methods POST; proxy_pass {UPSTREAM};")
    assert post.methods.value == {"GET", "HEAD", "POST"}


def test_cache_settings_follow_the_upstream_module(nginx):
    """nginx: each module has its own cache directives; a static or gRPC location has no
    upstream cache, a fastcgi location reads fastcgi_cache, not proxy_cache.
    """
    ws = nginx(
        """
        server {
            proxy_cache c1;
            location /static/ { }
            location /grpc/ { grpc_pass grpc://127.0.0.1:9000; }
            location /php { fastcgi_pass 127.0.0.1:9000; }
        }
        """
    )
    assert at(ws, "location /static/").cache is None
    assert at(ws, "location /grpc/").cache is None
    assert at(ws, "location /php").cache.store.value is None


# --- Header buffers -----------------------------------------------------------------------


def test_header_buffer_defaults(nginx):
    """nginx: client_header_buffer_size 1k, large_client_header_buffers 4 8k, and
    proxy_buffer_size one memory page (4k on x86-64 Linux).
    """
    ws = nginx(f"server {{ location /p/ {{ proxy_pass {UPSTREAM}; }} location /s/ {{ }} }}")
    buffers = at(ws, "location /p/").buffers
    assert buffers.client_header_buffer_size.value == 1024
    assert buffers.client_header_buffer_size.origin is None
    assert buffers.large_client_header_buffers.value == (4, 8192)
    assert buffers.upstream_header_buffer_size.value == 4096
    assert at(ws, "location /s/").buffers.upstream_header_buffer_size.value is None


@pytest.mark.parametrize(
    ("text", "size"),
    [("512", 512), ("2k", 2048), ("2K", 2048), ("1m", 1048576), ("1M", 1048576)],
)
def test_size_units_bytes_k_and_m(nginx, text, size):
    """nginx: sizes are bytes, or k/K (KiB), or m/M (MiB) (syntax docs)."""
    ws = nginx(f"client_header_buffer_size {text};\nserver {{ location / {{ }} }}")
    assert at(ws, "location /").buffers.client_header_buffer_size.value == size


def test_gigabyte_unit_is_not_a_size(nginx):
    """nginx: ngx_parse_size knows only k/K and m/M: `client_header_buffer_size 1g`,
    `large_client_header_buffers 4 1g` and `proxy_buffer_size 1g` fail `nginx -t`.
    """
    ws = nginx(
        f"""
        client_header_buffer_size 1g;
        large_client_header_buffers 4 1g;
        server {{ location / {{ proxy_buffer_size 1g; proxy_pass {UPSTREAM}; }} }}
        """
    )
    buffers = at(ws, "location /").buffers
    assert buffers.client_header_buffer_size.value is None
    assert buffers.large_client_header_buffers.value is None
    assert buffers.upstream_header_buffer_size.value is None


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("9223372036854775807", 2**63 - 1),
        ("9007199254740991k", 9007199254740991 * 1024),
        ("0" * 5000 + "1", 1),
        ("9223372036854775808", None),
        ("9007199254740992k", None),
        ("9" * 5000, None),
        ("\u0663k", None),
    ],
)
def test_sizes_past_the_largest_or_in_other_digits_are_not_sizes(nginx, text, size):
    """nginx: ngx_parse_size refuses a size past NGX_MAX_SIZE_T_VALUE (2**63 - 1 on 64-bit
    systems) and digits other than 0-9 (`nginx -t`: invalid value; leading zeros are fine).
    """
    ws = nginx(f"client_header_buffer_size {text};\nserver {{ location / {{ }} }}")
    assert at(ws, "location /").buffers.client_header_buffer_size.value == size


@pytest.mark.parametrize(
    ("count", "value"),
    [
        ("9223372036854775807", (2**63 - 1, 8192)),
        ("0004", (4, 8192)),
        ("9223372036854775808", None),
        ("9" * 5000, None),
        ("\u00b2", None),
    ],
)
def test_a_buffer_count_past_the_largest_or_in_other_digits_is_no_count(nginx, count, value):
    """nginx: ngx_atoi refuses a number past NGX_MAX_INT_T_VALUE and digits other than 0-9
    (`large_client_header_buffers 9223372036854775808 8k` fails `nginx -t`)."""
    ws = nginx(f"large_client_header_buffers {count} 8k;\nserver {{ location / {{ }} }}")
    assert at(ws, "location /").buffers.large_client_header_buffers.value == value


def test_header_buffers_inherit_and_read_each_module_buffer_size(nginx):
    """nginx: client header buffers set at server level apply to its locations; the upstream
    header buffer is the module's own *_buffer_size.
    """
    ws = nginx(
        """
        server {
            large_client_header_buffers 8 32k;
            client_header_buffer_size 4k;
            proxy_buffer_size 16k;
            location /p/ { proxy_pass http://127.0.0.1:8081; }
            location /php { fastcgi_buffer_size 32k; fastcgi_pass 127.0.0.1:9000; }
        }
        """
    )
    proxy = at(ws, "location /p/").buffers
    assert proxy.large_client_header_buffers.value == (8, 32768)
    assert proxy.client_header_buffer_size.value == 4096
    assert proxy.upstream_header_buffer_size.value == 16384
    assert at(ws, "location /php").buffers.upstream_header_buffer_size.value == 32768


@pytest.mark.parametrize(
    "setting",
    [
        "proxy_buffers 8 4x",
        "proxy_buffers x 4k",
        "proxy_busy_buffers_size 4x",
        "proxy_temp_file_write_size 4x",
        "proxy_max_temp_file_size 4x",
    ],
)
def test_buffer_sizes_nginx_cannot_read_are_no_refusal_of_their_own(nginx, setting):
    """nginx: `proxy_buffers 8 4x` and the like fail `nginx -t` with "invalid value", before
    any check of the sizes together (here `proxy_buffer_size 16k` with the default
    `proxy_buffers 8 4k` would fail one)."""
    ws = nginx(
        f"server {{ location / {{ proxy_buffer_size 16k; {setting}; proxy_pass {UPSTREAM}; }} }}"
    )
    assert at(ws, "location /").refused_buffers == ()


# --- CORS: how Access-Control-Allow-Origin is chosen ---------------------------------------


def allowed_origin(nginx, location_body, http_body=""):
    ws = nginx(
        f"""
        {http_body}
        server {{
            location /api/ {{
                {location_body}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    cors = at(ws, "location /api/").cors
    (origin,) = cors.allowed_origins
    return origin, cors


def test_cors_wildcard_origin(nginx):
    """Fetch: Access-Control-Allow-Origin * allows any origin (never with credentials)."""
    origin, cors = allowed_origin(nginx, "add_header Access-Control-Allow-Origin *;")
    assert origin.kind is OriginKind.WILDCARD
    assert not cors.credentials


def test_cors_literal_origin(nginx):
    """nginx: a fixed add_header Access-Control-Allow-Origin value allows that origin only."""
    origin, _ = allowed_origin(nginx, "add_header Access-Control-Allow-Origin https://app.example;")
    assert origin.kind is OriginKind.LITERAL


def test_cors_http_origin_is_reflected_with_credentials(nginx):
    """nginx: add_header Access-Control-Allow-Origin $http_origin echoes any request Origin
    (evil.example was echoed); with Allow-Credentials true.
    """
    origin, cors = allowed_origin(
        nginx,
        "add_header Access-Control-Allow-Origin $http_origin always;"
        " add_header Access-Control-Allow-Credentials true always;",
    )
    assert origin.kind is OriginKind.REFLECTED
    assert origin.header.always
    assert cors.credentials


def test_cors_origin_through_map_of_http_origin_is_selected(nginx):
    """nginx: a map from $http_origin chooses which origins are echoed (evil.example got no
    header): SELECTED, with the map as its definition.
    """
    origin, _ = allowed_origin(
        nginx,
        "add_header Access-Control-Allow-Origin $cors_origin;",
        http_body=r"""
        map $http_origin $cors_origin {
            default "";
            "~^https://ok\.example$" $http_origin;
        }
        """,
    )
    assert origin.kind is OriginKind.SELECTED
    (allowed,) = origin.filters
    assert allowed.pattern == r"^https://ok\.example$"
    assert allowed.regex
    assert allowed.origin.name == r"~^https://ok\.example$"  # the map line


def test_cors_origin_set_inside_if_is_selected(nginx):
    """nginx: `set $x $http_origin` inside an if runs only when the condition matches, so
    the origin is filtered (evil.example got no header): SELECTED, guarded by the if.
    """
    origin, _ = allowed_origin(
        nginx,
        r"""
        add_header Access-Control-Allow-Origin $cors always;
        if ($http_origin ~ "^https://ok\.example$") { set $cors $http_origin; }
        """,
    )
    assert origin.kind is OriginKind.SELECTED
    (allowed,) = origin.filters
    assert allowed.origin.name == "if"
    assert allowed.pattern == r"^https://ok\.example$"


def test_cors_origin_set_unconditionally_is_reflected(nginx):
    """nginx: an unconditional `set $x $http_origin` echoes every origin: REFLECTED."""
    origin, _ = allowed_origin(
        nginx, "set $cors $http_origin; add_header Access-Control-Allow-Origin $cors;"
    )
    assert origin.kind is OriginKind.REFLECTED


def test_cors_origin_from_unknown_variable_is_unknown(nginx):
    """nginx: a variable the config never defines (built-in or module) gives an origin the
    linter cannot classify.
    """
    origin, _ = allowed_origin(nginx, "add_header Access-Control-Allow-Origin $scheme://$host;")
    assert origin.kind is OriginKind.UNKNOWN


def test_variable_definition_inside_if_is_listed_once(nginx):
    """nginx: one `set` directive is one definition of the variable, seen the same from the
    if block that holds it and from its location.
    """
    ws = nginx(
        f"""
        server {{
            location /api/ {{
                proxy_pass {UPSTREAM};
                if ($http_origin) {{ set $cors $http_origin; }}
            }}
        }}
        """
    )
    assert len(at(ws, "location /api/").variable_definitions("cors")) == 1
    assert len(at(ws, "if $http_origin").variable_definitions("cors")) == 1


# --- Unread includes ----------------------------------------------------------------------


def test_missing_include_makes_what_it_could_set_unknown(nginx):
    """An include that was not read could set any directive at its level: lists and values
    it could change are not known, so no finding rests on them.
    """
    ws = nginx(
        f"""
        server {{
            location /a/ {{
                include missing.conf;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    assert [problem.kind for problem in ws.problems] == [ProblemKind.INCLUDE_NOT_FOUND]
    scope = scope_at(ws, "location /a/")
    assert [unread.node.args for unread in scope.unread] == [["missing.conf"]]
    settings = scope.settings
    assert not settings.request_headers.known
    assert not settings.authorization.known
    assert not settings.response_headers.known
    assert not settings.single("auth_basic").known
    assert not settings.authentication.known
    assert not settings.cache.store.known


def test_explicit_single_valued_directive_beside_missing_include_stays_known(nginx):
    """nginx: a single-valued directive may appear once per level (`"auth_basic" directive
    is duplicate`), so the include cannot have set it again: an explicit one stays known.
    """
    ws = nginx(
        f"""
        server {{
            location /a/ {{
                include missing.conf;
                auth_basic "realm";
                proxy_cache c1;
                satisfy any;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    settings = at(ws, "location /a/")
    assert settings.upstream.kind is UpstreamKind.PROXY
    auth = settings.authentication
    assert auth.basic.origin.args == ["realm"]
    assert auth.any_suffices.known
    assert settings.cache.store.known
    # The user file could still come from the include.
    assert not settings.single("auth_basic_user_file").known
    assert not auth.basic.known


def test_missing_include_leaves_handler_unknown_when_none_is_explicit(nginx):
    """An unread include could hold proxy_pass (or return): the handler of a location with
    none of its own is not known.
    """
    ws = nginx("server { location /a/ { include missing.conf; } }")
    upstream = at(ws, "location /a/").upstream
    assert upstream.kind is UpstreamKind.STATIC
    assert not upstream.known


@pytest.mark.parametrize("where", ["location", "server"])
def test_unread_include_could_return_before_explicit_proxy_pass(nginx, where):
    """nginx: return (rewrite phase) wins over proxy_pass (content phase), and an include
    may hold one beside proxy_pass without a duplicate error (a location including
    `return 403;` next to proxy_pass answered 403), so the handler is not known.
    """
    include_in_server = "include missing.conf;" if where == "server" else ""
    include_in_location = "include missing.conf;" if where == "location" else ""
    ws = nginx(
        f"""
        server {{
            {include_in_server}
            location /a/ {{
                {include_in_location}
                proxy_set_header X-Own yes;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    assert not at(ws, "location /a/").upstream.known


def test_location_own_list_is_known_despite_missing_include_at_server(nginx):
    """nginx: a location's own proxy_set_header list replaces whatever the server level has,
    so an unread include at server level cannot change it; the dropped list is unknown.
    """
    ws = nginx(
        f"""
        server {{
            include missing.conf;
            location /own/ {{ proxy_set_header X-Own yes; proxy_pass {UPSTREAM}; }}
            location /inherit/ {{ proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    own = at(ws, "location /own/").request_headers
    assert own.known
    assert not own.shadowed_known
    assert not at(ws, "location /inherit/").request_headers.known


def test_unparsable_include_can_only_set_its_top_level_directives(nginx):
    """A file that fails to parse but whose tokens were all read can only set the directives
    seen at its top level where it is included.
    """
    ws = nginx(
        f"""
        server {{
            location /b/ {{ include broken.conf; proxy_pass {UPSTREAM}; }}
        }}
        """,
        extra={"broken.conf": "add_header X-A 1;\nadd_header X-B 2 always extra;\n"},
    )
    assert [problem.kind for problem in ws.problems] == [ProblemKind.PARSE_ERROR]
    settings = at(ws, "location /b/")
    assert not settings.response_headers.known
    assert settings.request_headers.known
    assert settings.authorization.known


# --- Stock files of the nginx packages -----------------------------------------------------


@pytest.mark.parametrize("include", ["proxy_params", "/etc/nginx/proxy_params"])
def test_include_proxy_params_brings_debian_proxy_set_header_lines(nginx, include):
    """Debian's /etc/nginx/proxy_params sets Host, X-Real-IP, X-Forwarded-For and
    X-Forwarded-Proto; read when the tree lacks it (the upstream got those headers and the
    client's Authorization).
    """
    ws = nginx(f"server {{ location /p/ {{ include {include}; proxy_pass {UPSTREAM}; }} }}")
    assert ws.problems == []
    settings = at(ws, "location /p/")
    headers = settings.request_headers
    assert [(entry.name, entry.value) for entry in headers.entries] == [
        ("Host", "$host"),
        ("X-Real-IP", "$remote_addr"),
        ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
        ("X-Forwarded-Proto", "$scheme"),
    ]
    assert headers.known
    assert headers.defined_in is scope_at(ws, "location /p/")
    assert settings.authorization.state is AuthorizationState.PASSES
    assert settings.authorization.known


def test_include_proxy_params_is_a_location_list_that_drops_server_headers(nginx):
    """nginx: proxy_params read in a location is that location's own proxy_set_header list,
    so it drops the server's proxy_set_header lines.
    """
    ws = nginx(
        f"""
        server {{
            proxy_set_header Authorization "";
            location /p/ {{ include proxy_params; proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    forwarding = at(ws, "location /p/").authorization
    assert forwarding.state is AuthorizationState.PASSES
    assert forwarding.shadowed.state is AuthorizationState.REMOVED


def test_include_fastcgi_params_brings_debian_params(nginx):
    """Debian's fastcgi_params sets the CGI params (and HTTP_HOST $host, not
    HTTP_AUTHORIZATION): the client's Authorization still reaches the application.
    """
    ws = nginx(
        """
        server {
            location ~ \\.php$ {
                include fastcgi_params;
                fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
                fastcgi_pass 127.0.0.1:9000;
            }
        }
        """
    )
    assert ws.problems == []
    settings = at(ws, "location ~ \\.php$")
    params = {entry.name: entry.value for entry in settings.request_headers.entries}
    assert params["QUERY_STRING"] == "$query_string"
    assert params["HTTP_HOST"] == "$host"
    assert params["SCRIPT_FILENAME"] == "$document_root$fastcgi_script_name"
    assert "HTTP_AUTHORIZATION" not in params
    assert settings.authorization.state is AuthorizationState.PASSES


def test_file_in_tree_wins_over_stock_file(nginx):
    """A proxy_params kept in the scanned tree is read instead of the stock one."""
    ws = nginx(
        f"server {{ location /p/ {{ include proxy_params; proxy_pass {UPSTREAM}; }} }}",
        extra={"proxy_params": 'proxy_set_header Authorization "";\n'},
    )
    settings = at(ws, "location /p/")
    assert names(settings.request_headers.entries) == ["Authorization"]
    assert settings.authorization.state is AuthorizationState.REMOVED


@pytest.mark.parametrize(
    ("value", "fresh"),
    [
        ("1h", True),
        ("max", True),
        ("modified +24h", True),
        ("@15h30m", True),
        ("off", False),
        ("epoch", False),
        ("-1", False),
        ("0", False),
        ("0s", False),
        ("modified -1h", False),
        ("$expires_for_type", False),
    ],
)
def test_expires_adds_freshness_only_with_a_positive_time(nginx, value, fresh):
    """nginx: `expires` with a positive time or `max` sends `Cache-Control: max-age=N`;
    `off` sends nothing, `epoch` and a negative time `no-cache`, `0` `max-age=0` (stale at
    once; AL407's proofs show `off` and `0`). A variable is unknown: no freshness claimed.
    """
    ws = nginx(f"server {{ location /e/ {{ expires {value}; proxy_pass {UPSTREAM}; }} }}")
    freshness = at(ws, "location /e/").added_freshness
    assert freshness.value is fresh
    assert freshness.origin.name == "expires"


def test_satisfy_is_read_in_any_case(nginx):
    """nginx reads `satisfy` without case (ngx_conf_set_enum_slot): ANY is any, ALL is all."""
    for value, any_suffices in (("ANY", True), ("Any", True), ("ALL", False)):
        ws = nginx(f"server {{ location /s/ {{ satisfy {value}; proxy_pass {UPSTREAM}; }} }}")
        assert at(ws, "location /s/").authentication.any_suffices.value is any_suffices


def test_auth_jwt_is_a_check_that_runs(nginx):
    """NGINX Plus: `auth_jwt realm` checks a JWT (the realm is its argument); `off` cancels."""
    ws = nginx(
        f"""
        server {{
            auth_jwt "api";
            location /a/ {{ proxy_pass {UPSTREAM}; }}
            location /b/ {{ auth_jwt off; proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    check = at(ws, "location /a/").authentication.check(AuthKind.JWT)
    assert (check.target, check.enforced, check.known) == ("api", True, True)
    assert at(ws, "location /a/").authentication.server_authenticates.origin.name == "auth_jwt"
    assert at(ws, "location /b/").authentication.check(AuthKind.JWT) is None


def test_limit_except_methods_are_read_in_any_case(nginx):
    """nginx reads limit_except's methods without case; GET brings HEAD."""
    ws = nginx(
        f"""
        server {{
            location /l/ {{
                proxy_pass {UPSTREAM};
                limit_except get {{ auth_basic "r"; auth_basic_user_file htpasswd; }}
            }}
        }}
        """
    )
    check = at(ws, "limit_except get").authentication.check(AuthKind.BASIC)
    assert check.exempt_methods == {"GET", "HEAD"}


def test_cors_policy_keeps_allowed_methods_and_exposed_headers(nginx):
    """Access-Control-Allow-Methods and -Expose-Headers, in any case, land in their fields."""
    _, cors = allowed_origin(
        nginx,
        """
        add_header Access-Control-Allow-Origin https://a.example.com always;
        add_header access-control-allow-methods "GET, POST" always;
        add_header Access-Control-Expose-Headers X-Total always;
        """,
    )
    assert [header.value for header in cors.allow_methods] == ["GET, POST"]
    assert [header.value for header in cors.expose_headers] == ["X-Total"]


@pytest.mark.parametrize(
    ("operator", "regex", "ignore_case"),
    [("=", False, False), ("~", True, False), ("~*", True, True)],
)
def test_an_if_on_the_origin_filters_as_its_operator_says(nginx, operator, regex, ignore_case):
    """nginx: `=` compares the whole value, `~` is a regex, `~*` one without case."""
    origin, _ = allowed_origin(
        nginx,
        f"""
        add_header Access-Control-Allow-Origin $cors always;
        if ($http_origin {operator} "https://ok.example") {{ set $cors $http_origin; }}
        """,
    )
    assert origin.kind is OriginKind.SELECTED
    (allowed,) = origin.filters
    assert (allowed.pattern, allowed.regex, allowed.ignore_case) == (
        "https://ok.example",
        regex,
        ignore_case,
    )


# --- Authentication: which levels decide, and what is known --------------------------------


def test_auth_basic_user_file_alone_turns_an_inherited_realm_into_a_check(nginx):
    """nginx: a server's `auth_basic` without a user file checks nothing (200 without
    credentials); a location adding only `auth_basic_user_file` makes the inherited realm
    checked there (401), as the two inherit independently.
    """
    ws = nginx(
        f"""
        server {{
            auth_basic "server realm";
            location /open/ {{ proxy_pass {UPSTREAM}; }}
            location /file/ {{ auth_basic_user_file htpasswd; proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    assert not at(ws, "location /open/").authentication.server_authenticates.value
    checked = at(ws, "location /file/").authentication
    assert checked.server_authenticates.value
    assert checked.check(AuthKind.BASIC).origin.args == ["server realm"]


def test_no_credentials_are_checked_at_the_top_level_without_auth_directives(nginx):
    """The top scope (a snippet's implied ``http``) has no level to inherit from: with no
    auth directive, no check, and that is known."""
    ws = nginx(f"server {{ location / {{ proxy_pass {UPSTREAM}; }} }}")
    (root,) = ws.roots
    authentication = root.settings.authentication
    assert authentication.checks == ()
    assert authentication.known
    assert authentication.any_suffices.value is False


def test_explicit_basic_auth_beside_an_unread_include_leaves_other_checks_unknown(nginx):
    """An unread include cannot set `auth_basic` again (nginx refuses a duplicate), so the
    Basic check is known; it could still add an `auth_request`, so the whole is not."""
    ws = nginx(
        f"""
        server {{
            location /a/ {{
                include missing.conf;
                auth_basic "realm";
                auth_basic_user_file htpasswd;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    authentication = at(ws, "location /a/").authentication
    basic = authentication.check(AuthKind.BASIC)
    assert (basic.enforced, basic.known) == (True, True)
    assert not authentication.known


LIMITED_LOCATIONS = f"""
server {{
    location /own/ {{
        auth_basic "realm";
        auth_basic_user_file htpasswd;
        proxy_pass {UPSTREAM};
        limit_except GET {{ include missing.conf; }}
    }}
    location /limited/ {{
        proxy_pass {UPSTREAM};
        if ($arg_debug) {{ set $debug 1; }}
        limit_except GET {{ auth_basic "realm"; auth_basic_user_file htpasswd; }}
    }}
    location /open/ {{
        proxy_pass {UPSTREAM};
        if ($arg_debug) {{ set $debug 1; }}
        limit_except GET {{ allow 127.0.0.1; deny all; }}
    }}
}}
"""


def test_a_location_that_checks_credentials_does_so_whatever_its_limit_except_holds(nginx):
    """nginx: the location's check applies to the methods its limit_except lists (GET), so
    credentials are checked for some methods even if the block's own checks are unknown."""
    some = at(nginx(LIMITED_LOCATIONS), "location /own/").authenticates_some_methods
    assert (some.value, some.known) == (True, True)
    assert some.origin.name == "auth_basic"


def test_a_limit_except_that_checks_credentials_does_so_for_some_methods(nginx):
    """nginx: `limit_except GET { auth_basic ...; }` checks the methods it does not list
    (POST got 401); a limit_except without credentials, like an `if`, checks none."""
    ws = nginx(LIMITED_LOCATIONS)
    limited = at(ws, "location /limited/").authenticates_some_methods
    assert (limited.value, limited.known) == (True, True)
    assert limited.origin.name == "auth_basic"
    open_ = at(ws, "location /open/").authenticates_some_methods
    assert (open_.value, open_.known) == (False, True)


# --- Preflights: which `if ($request_method ...)` answers OPTIONS -------------------------


@pytest.mark.parametrize(
    ("condition", "answered"),
    [
        ("= OPTIONS", True),
        ("!= OPTIONS", False),
        ("!= GET", True),
        ("~ ^OPT.*$", True),
        ("~ ^OPTIONS$", True),
        ("~ ^options$", False),
        ("~* ^options$", True),
        ("~ ^POST$", False),
        ("!~ ^(GET|POST)$", True),
        ("!~* ^options$", False),
    ],
)
def test_an_if_on_the_method_answers_preflights_when_options_passes_its_test(
    nginx, condition, answered
):
    """nginx (each verified: OPTIONS got the `return`'s 204, or auth_basic's 401): the if
    answers OPTIONS when the method passes its test; `~` is case-sensitive, `~*` not, and
    `!=`, `!~`, `!~*` hold for the methods the test without `!` does not.
    """
    ws = nginx(
        f"""
        server {{
            auth_basic "realm";
            auth_basic_user_file htpasswd;
            location /p/ {{
                if ($request_method {condition}) {{ return 204; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    answered_by = at(ws, "location /p/").preflight_answered_by
    assert (answered_by is not None) is answered
    if answered_by is not None:
        assert answered_by.name == "if"


def test_a_method_regex_too_slow_to_try_is_not_taken_to_let_preflights_through(nginx, monkeypatch):
    """A regex that backtracks past the time limit leaves the if's answer unknown: no
    finding may then rest on preflights reaching authentication."""
    import authlint.model.origins as origins_module

    monkeypatch.setattr(origins_module, "SEARCH_SECONDS", 0.05)
    ws = nginx(
        f"""
        server {{
            auth_basic "realm";
            auth_basic_user_file htpasswd;
            location /p/ {{
                if ($request_method ~ "^(.*){{25}}Z") {{ return 204; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    answered_by = at(ws, "location /p/").preflight_answered_by
    assert answered_by is not None
    assert answered_by.args[-1] == "^(.*){25}Z"


# --- Handlers: unread files that could answer, gRPC's own directives -------------------------


@pytest.mark.parametrize(
    ("broken", "location_body", "kind"),
    [
        ("return 403;\nif ($x) {\n", f"proxy_pass {UPSTREAM};", UpstreamKind.PROXY),
        ("return 403;\nif ($x) {\n", "root /srv/www;", UpstreamKind.STATIC),
        (f"proxy_pass {UPSTREAM};\nif ($x) {{\n", "root /srv/www;", UpstreamKind.STATIC),
    ],
)
def test_an_unparsable_include_that_could_return_or_proxy_leaves_the_handler_unknown(
    nginx, broken, location_body, kind
):
    """A file that fails to parse can still set the directives seen at its top level: a
    `return` there would answer first, a `proxy_pass` would take over from the files."""
    ws = nginx(
        f"server {{ location /a/ {{ include broken.conf; {location_body} }} }}",
        extra={"broken.conf": broken},
    )
    upstream = at(ws, "location /a/").upstream
    assert upstream.kind is kind
    assert not upstream.known


def test_an_unparsable_include_of_other_directives_leaves_the_handler_known(nginx):
    """A broken file whose top level holds neither `return` nor a handler cannot change
    who answers."""
    ws = nginx(
        "server { location /a/ { include broken.conf; root /srv/www; } }",
        extra={"broken.conf": "add_header X-A 1;\nif ($x) {\n"},
    )
    upstream = at(ws, "location /a/").upstream
    assert upstream.kind is UpstreamKind.STATIC
    assert upstream.known


def test_an_unread_include_in_an_if_could_return_before_the_inherited_proxy_pass(nginx):
    """nginx: an `if` block takes its location's proxy_pass, but a `return` in a file it
    includes answers first (POST got the included `return 403`), so an unread one leaves
    the handler unknown while the location's own stays known."""
    ws = nginx(
        f"""
        server {{
            location /a/ {{
                proxy_pass {UPSTREAM};
                if ($request_method = POST) {{ include missing.conf; }}
            }}
        }}
        """
    )
    location = at(ws, "location /a/").upstream
    assert location.known
    inside = at(ws, "if $request_method = POST").upstream
    assert (inside.kind, inside.target, inside.origin) == (
        location.kind,
        location.target,
        location.origin,
    )
    assert not inside.known


def test_grpc_reads_its_own_buffer_size_and_hidden_headers(nginx):
    """nginx: a gRPC upstream's response headers must fit grpc_buffer_size, and
    grpc_hide_header hides a header of its response (the grpc module's own directives)."""
    ws = nginx(
        """
        server {
            location /g/ {
                grpc_buffer_size 16k;
                grpc_hide_header X-Internal;
                grpc_pass grpc://127.0.0.1:9000;
            }
        }
        """
    )
    settings = at(ws, "location /g/")
    assert settings.buffers.upstream_header_buffer_size.value == 16384
    assert settings.hidden_upstream_headers.value == {"x-internal"}


@pytest.mark.parametrize(
    ("location_body", "state", "literal"),
    [
        ('proxy_set_header Authorization "Basic Zm9vOmJhcg==";', AuthorizationState.REPLACED, True),
        ("proxy_set_header Authorization $http_authorization;", AuthorizationState.PASSES, False),
        ('proxy_set_header Authorization "";', AuthorizationState.REMOVED, False),
        ("proxy_pass_request_headers off;", AuthorizationState.REMOVED, False),
    ],
)
def test_only_a_fixed_replacement_is_a_literal_authorization(nginx, location_body, state, literal):
    """A fixed value is the same credential for every request; the client's own header,
    passed on or removed, is no literal one."""
    forwarding = authorization(nginx, f"{location_body} proxy_pass {UPSTREAM};")
    assert (forwarding.state, forwarding.literal) == (state, literal)


# --- Caching and header buffers: what has no store, no size, or is unknown -----------------


def test_a_scope_without_a_caching_upstream_has_no_cache_store(nginx):
    """Only proxy, FastCGI, uwsgi and SCGI cache: a server, a location serving files or
    returning, and a gRPC upstream have no store, whatever an unread include holds."""
    ws = nginx(
        """
        server {
            location /files/ { root /srv/www; }
            location /g/ { include missing.conf; grpc_pass grpc://127.0.0.1:9000; }
        }
        """
    )
    for settings in (
        single(ws, blocks.SERVER).settings,
        at(ws, "location /files/"),
        at(ws, "location /g/"),
    ):
        store = settings.cache_store
        assert (store.value, store.known) == (None, True)
        assert settings.cache is None


def test_a_cache_key_with_a_flag_of_the_credential_is_shared_by_its_users(nginx):
    """nginx: a key holding only whether a request has credentials (a map to 1 or 0) is
    the same for every authenticated user, so they share entries; the credential itself
    in the key gives each user their own."""
    http_body = 'map $http_authorization $authed { default 1; "" 0; }'
    flagged = cache_of(
        nginx,
        f"proxy_cache c1; proxy_cache_key $request_uri$authed; proxy_pass {UPSTREAM};",
        http_body=http_body,
    )
    assert flagged.key_per_user is False
    own = cache_of(
        nginx,
        f"proxy_cache c1; proxy_cache_key $request_uri$http_authorization; proxy_pass {UPSTREAM};",
        http_body=http_body,
    )
    assert own.key_per_user is True


def test_a_cgi_style_cache_without_a_key_keeps_no_entry_per_user(nginx):
    """nginx: fastcgi_cache without fastcgi_cache_key keys every request the same (one
    entry for all), so no user has an entry of their own."""
    cache = cache_of(nginx, "fastcgi_cache z; fastcgi_pass 127.0.0.1:9000;")
    assert cache.key.value is None
    assert cache.key_per_user is False


def test_a_size_nginx_refuses_leaves_the_header_line_limit_unknown(nginx):
    """nginx refuses `client_header_buffer_size 1g` (or `large_client_header_buffers 4 1g`):
    the longest header line cannot be said."""
    for server_body in ("client_header_buffer_size 1g;", "large_client_header_buffers 4 1g;"):
        ws = nginx(f"server {{ {server_body} location / {{ proxy_pass {UPSTREAM}; }} }}")
        assert at(ws, "location /").header_limits.request_line.value is None


def test_an_unread_include_leaves_the_header_line_limit_unknown(nginx):
    """An unread include at server level could set client_header_buffer_size, which a
    header line may fit if it is larger than a large buffer: the limit is unknown even with
    large_client_header_buffers explicit."""
    ws = nginx(
        f"""
        server {{
            include missing.conf;
            large_client_header_buffers 4 16k;
            location / {{ proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    limit = at(ws, "location /").header_limits.request_line
    assert limit.value == 16384
    assert not limit.known


# --- Routing ------------------------------------------------------------------------------


def test_no_route_is_known_outside_a_server(nginx):
    """Above the server level no virtual server is chosen yet: which location a path
    reaches is not known there."""
    ws = nginx(f"server {{ location / {{ proxy_pass {UPSTREAM}; }} }}")
    (root,) = ws.roots
    route = root.settings.route("/")
    assert (route.scope, route.known) == (None, False)
