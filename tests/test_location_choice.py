"""The location and the server nginx chooses, as the model encodes them.

- ``authlint.nginx.locations``: the location nginx chooses for a URI
  (``match_location``) and the location a loopback ``proxy_pass`` lands in
  (``proxied_location``);
- ``authlint.nginx.servers``: the server chosen by Host (``select_server``).

Each test names the behaviour it pins in its docstring (nginx 1.22; see
``shared/reference/semantics.md`` sections 2 and 5); ``test_live_config.py``
checks the tables of ``live_config.py`` against the real nginx.
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from authlint.nginx import blocks
from authlint.nginx.locations import match_location, proxied_location
from authlint.nginx.servers import select_server

from conftest import model, scope_at
from live_config import (
    LOCATION_MATRIX,
    REDIRECT_MATRIX,
    SERVER_NAME_MATRIX,
    SINGLE_ARGUMENT_MATRIX,
    answer,
    in_server,
    server_on,
    server_on_any,
    servers_on,
)


def location_on(workspace, port, label):
    """The location labelled ``label`` directly in the server listening on ``port``."""
    (found,) = [scope for scope in server_on(workspace, port).children if scope.label == label]
    return found


@pytest.mark.parametrize(("uri", "expected"), LOCATION_MATRIX)
def test_match_location_chooses_as_nginx_does(live_model, uri, expected):
    """nginx: `=` first; then the longest prefix; `^~` on it skips the regexes; the
    locations nested in the chosen prefix are searched the same way (a nested exact or
    regex wins); then the regexes of the level in order, the first match winning over the
    prefix (also over a nested prefix, and over a nested `^~`); `~*` ignores case; named
    locations are never matched by URI. Every row was observed on nginx 1.22.
    """
    found = match_location(server_on(live_model, 8001), uri)
    assert found.known
    assert answer(found.scope) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [pytest.param(*row) for row in SINGLE_ARGUMENT_MATRIX],
)
def test_match_location_reads_modifier_glued_to_the_name(live_model, uri, expected):
    """nginx accepts `location =/x`, `location ~\\.php$`, `location ~*\\.jpg$` and
    `location ^~/x` with the modifier glued to the name (observed on nginx 1.22).
    """
    assert answer(match_location(server_on(live_model, 8002), uri).scope) == expected


def test_match_location_searches_inside_a_location_scope(live_model):
    """Given a location, only the locations nested in it are searched; none matching
    leaves no location (the caller keeps the one it has).
    """
    images = scope_at(live_model, "location /images/")
    assert answer(match_location(images, "/images/a.png").scope) == "images-png"
    assert answer(match_location(images, "/images/thumbs/x").scope) == "images-thumbs"
    assert match_location(images, "/images/a.jpg").scope is None


def test_no_matching_location_is_none(tree):
    """nginx: a URI no location matches is handled by the server's own configuration."""
    root = tree({"site.conf": "server { location /api/ { } location ~ \\.php$ { } }"})
    found = match_location(server_on_any(model(root, cwd=root)), "/other")
    assert found.scope is None
    assert found.known


def test_locations_from_an_included_file_are_matched(tree):
    """nginx: locations in an included file are the server's own, in include order."""
    root = tree(
        {
            "site.conf": "server { include locations/*.conf; location / { return 200 root; } }",
            "locations/api.conf": "location /api/ { return 200 api; }",
            "locations/php.conf": "location ~ \\.php$ { return 200 php; }",
        }
    )
    server = server_on_any(model(root, cwd=root))
    assert answer(match_location(server, "/api/x").scope) == "api"
    assert answer(match_location(server, "/api/x.php").scope) == "php"
    assert match_location(server, "/api/x").known


def test_unread_include_makes_the_choice_unknown(tree):
    """An include that was not read could hold another location: the answer is not known."""
    root = tree({"site.conf": "server { include /nowhere/*.conf; location / { } }"})
    found = match_location(server_on_any(model(root, cwd=root)), "/x")
    assert found.scope is not None
    assert not found.known


def test_flags_set_mid_pattern_apply_from_there_on(tree):
    """PCRE's `(?i)` after `^` makes the rest of the regex case-insensitive, not what came
    before: `/a/B.php` matches `^/a/(?i)b`, `/A/b.php` does not.
    """
    root = tree(
        {
            "site.conf": """
            server {
                location ~ ^/a/(?i)b { return 200 flagged; }
                location ~ \\.php$ { return 200 php; }
            }
            """
        }
    )
    server = server_on_any(model(root, cwd=root))
    assert answer(match_location(server, "/a/B.php").scope) == "flagged"
    assert answer(match_location(server, "/A/b.php").scope) == "php"


def test_regex_python_cannot_read_makes_the_choice_unknown(tree):
    """A location regex PCRE takes but Python does not (recursion, `(?R)`) is skipped;
    the choice made without it is not known.
    """
    root = tree(
        {
            "site.conf": """
            server {
                location ~ ^/a/(?R)?b { return 200 flagged; }
                location ~ \\.php$ { return 200 php; }
            }
            """
        }
    )
    found = match_location(server_on_any(model(root, cwd=root)), "/a/B.php")
    assert answer(found.scope) == "php"
    assert not found.known


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_posix_character_class_in_location_regex(tree):
    """PCRE reads `[[:digit:]]` as a digit (nginx 1.22 answered /n/123 from
    `location ~ ^/n/[[:digit:]]+$`): the model must match it or say it does not know.
    """
    root = tree(
        {
            "site.conf": """
            server {
                location / { return 200 root; }
                location ~ ^/n/[[:digit:]]+$ { return 200 posix; }
            }
            """
        }
    )
    found = match_location(server_on_any(model(root, cwd=root)), "/n/123")
    assert answer(found.scope) == "posix" or not found.known


def test_uri_one_slash_short_of_a_proxied_prefix_goes_to_that_prefix(live_model):
    """nginx 1.22: GET /proxied with `location /proxied/ { proxy_pass ...; }` gets a 301
    to /proxied/ from that location, although `location /` also matches.
    """
    found = match_location(server_on(live_model, 8001), "/proxied")
    assert found.scope is scope_at(live_model, "location /proxied/")
    assert found.redirects
    assert found.known


@pytest.mark.parametrize(("uri", "label", "redirects"), REDIRECT_MATRIX)
def test_match_location_redirects_as_nginx_does(live_model, uri, label, redirects):
    """The redirect comes only from a location ending in `/` that passes requests on
    (proxy, fastcgi, uwsgi, scgi, memcached or grpc; prefix, `^~` or exact), only when no
    location is named as the URI itself, before any regex, and inside nested locations
    too (see the real-server test below)."""
    found = match_location(server_on(live_model, 8012), uri)
    assert found.scope is in_server(live_model, 8012, label)
    assert found.redirects is redirects


def test_proxied_location_to_a_uri_one_slash_short_redirects(tree):
    """`proxy_pass http://127.0.0.1:8081/x;` next to `location /x/ { proxy_pass ...; }`
    there: the upstream answers with its 301."""
    servers = (
        "server { listen 8081; location / { return 200 root; } "
        "location /x/ { proxy_pass http://127.0.0.1:9000; } }"
    )
    found = proxied(tree, "location /front/ { proxy_pass http://127.0.0.1:8081/x; }", servers)
    assert found.scope.label == "location /x/"
    assert found.redirects


# --- proxied_location ---------------------------------------------------------------------


def test_proxied_location_follows_proxy_pass_uri_to_loopback_server(live_model):
    """A location proxying to a loopback port of the same config lands in that server's
    location for the URI part of proxy_pass (nginx 1.22: /to-uri/x answered other-inner).
    """
    found = proxied_location(scope_at(live_model, "location /to-uri/"))
    assert answer(found.scope) == "other-inner"
    assert found.known


def test_proxied_location_follows_upstream_group_of_loopback_servers(live_model):
    """`proxy_pass http://name` with `upstream name { server 127.0.0.1:port; }` lands in
    the server listening there, at the location's own path.
    """
    found = proxied_location(location_on(live_model, 8006, "location /to-upstream/"))
    assert answer(found.scope) == "other-to-upstream"


def proxied(tree, location, servers):
    root = tree({"site.conf": f"server {{ listen 8000; {location} }}\n{servers}"})
    workspace = model(root, cwd=root)
    front = next(
        scope
        for scope in workspace.scopes()
        if scope.kind == blocks.LOCATION and "front" in scope.label
    )
    return proxied_location(front)


TARGET = "server { listen 8081; location / { return 200 root; } location /x/ { return 200 x; } }"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("location /front/ { proxy_pass http://127.0.0.1:8081; }", "root"),
        ("location /front/ { proxy_pass http://localhost:8081/x/; }", "x"),
        ("location = /front { proxy_pass http://127.0.0.1:8081/x/a; }", "x"),
        ("location ^~ /front/ { proxy_pass http://127.0.0.1:8081/x/; }", "x"),
        ("location /front/ { if ($arg_a) { } proxy_pass http://127.0.0.1:8081/x/; }", "x"),
    ],
)
def test_proxied_location_path_is_the_proxy_pass_uri_or_the_location_name(tree, location, expected):
    """The request path upstream is proxy_pass's URI part, or the location's own name when
    proxy_pass has none; `localhost` is loopback too.
    """
    assert answer(proxied(tree, location, TARGET).scope) == expected


@pytest.mark.parametrize(
    "location",
    [
        "location /front/ { proxy_pass http://10.0.0.5:8081; }",
        "location /front/ { proxy_pass http://127.0.0.1:9999; }",
        "location /front/ { proxy_pass http://127.0.0.1:$port; }",
        "location /front/ { proxy_pass $backend; }",
        "location ~ ^/front/ { proxy_pass http://127.0.0.1:8081; }",
        "location /front/ { fastcgi_pass 127.0.0.1:8081; }",
        "location /front/ { return 200 front; }",
    ],
)
def test_proxied_location_is_none_when_not_followed(tree, location):
    """Not followed: another host, a port no server of the config listens on, variables,
    a regex location (its request path is unknown), a non-HTTP upstream, no upstream.
    """
    assert proxied(tree, location, TARGET) is None


def test_proxied_location_https_defaults_to_port_443(tree):
    """`proxy_pass https://127.0.0.1` connects to port 443."""
    servers = "server { listen 443 ssl; location / { return 200 tls; } }\n" + TARGET
    found = proxied(tree, "location /front/ { proxy_pass https://127.0.0.1; }", servers)
    assert answer(found.scope) == "tls"


@pytest.mark.parametrize(("host", "expected"), SERVER_NAME_MATRIX)
def test_select_server_chooses_by_host_as_nginx_does(live_model, host, expected):
    """Exact name, then the longest leading wildcard, the longest trailing wildcard, the
    first matching regex (caseless), then the default_server (nginx 1.22, see the
    real-server test below)."""
    found = select_server(servers_on(live_model, 8011), host)
    assert answer(found) == expected


def test_select_server_does_not_guess_past_a_regex_python_cannot_read(tree):
    """A PCRE-only regex name might match: with no exact or wildcard name matching, the
    server is unknown rather than the default."""
    root = tree(
        {
            "site.conf": dedent(
                """\
                server { listen 8011 default_server; return 200 "default"; }
                server { listen 8011; server_name "~^(a)(?1)\\.test$"; return 200 "pcre"; }
                server { listen 8011; server_name known.test; return 200 "known"; }
                """
            )
        }
    )
    servers = servers_on(model(root, cwd=root), 8011)
    assert select_server(servers, "other.test") is None
    assert answer(select_server(servers, "known.test")) == "known"


def test_select_server_with_an_unknown_host(live_model):
    """A Host that depends on the request: known only when one server listens."""
    assert select_server(servers_on(live_model, 8011), None) is None
    (only,) = servers_on(live_model, 8010)
    assert select_server([only], None) is only


def test_proxied_location_follows_a_wildcard_server_name(tree):
    """`proxy_set_header Host api.internal.test` reaches `server_name *.internal.test`,
    not the default server."""
    servers = dedent(
        """\
        server { listen 8081 default_server; location / { return 200 "default"; } }
        server {
            listen 8081;
            server_name *.internal.test;
            location / { return 200 "wildcard"; }
        }
        """
    )
    location = (
        "location /front/ { proxy_set_header Host api.internal.test; "
        "proxy_pass http://127.0.0.1:8081; }"
    )
    found = proxied(tree, location, servers)
    assert answer(found.scope) == "wildcard"


def test_proxied_location_lands_in_the_default_server(live_model):
    """nginx 1.22: two servers on one port, the second `default_server`: the proxied
    request (Host: 127.0.0.1:8007) was answered by the second.
    """
    found = proxied_location(scope_at(live_model, "location /to-default/"))
    assert answer(found.scope) == "second"


@pytest.mark.parametrize(
    ("location", "servers"),
    [
        pytest.param(
            "location /front/ { proxy_pass http://127.0.0.1:8081/x/; }",
            TARGET.replace("listen 8081", "listen 0.0.0.0:8081"),
            id="listen-0.0.0.0",
        ),
        pytest.param(
            "location /front/ { proxy_pass http://[::1]:8081/x/; }",
            TARGET.replace("listen 8081", "listen [::1]:8081"),
            id="proxy-pass-ipv6-loopback",
        ),
        pytest.param(
            "location /front/ { proxy_pass http://backend/x/; }",
            "upstream backend { server 127.0.0.1; }\n" + TARGET.replace("8081", "80"),
            id="upstream-server-default-port",
        ),
    ],
)
def test_proxied_location_follows_other_loopback_spellings(tree, location, servers):
    """Loopback spelled otherwise: a server on 0.0.0.0, proxy_pass to [::1], an upstream
    `server 127.0.0.1;` (port 80).
    """
    found = proxied(tree, location, servers)
    assert found is not None
    assert answer(found.scope) == "x"
