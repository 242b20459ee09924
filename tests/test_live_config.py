"""``LIVE_CONFIG`` (``live_config.py``) on the real nginx on 127.0.0.1.

The real nginx answers as the model's tables say: the location and the server
chosen, redirects, ``internal``, preflights meeting authentication, and the
origins a CORS allow-list echoes. Marked ``realserver`` (skipped without nginx,
failing under CI=true).
"""

from __future__ import annotations

import pytest

from authlint.nginx.locations import match_location
from authlint.nginx.servers import select_server

from live_config import (
    LIVE_CONFIG,
    LOCATION_MATRIX,
    PREFLIGHTS,
    REDIRECT_MATRIX,
    SERVER_NAME_MATRIX,
    SINGLE_ARGUMENT_MATRIX,
    answer,
    in_server,
    server_on,
    servers_on,
)
from realserver import Nginx, render, required_nginx, send

# --- Real nginx: location choice, internal, preflight, CORS allow-lists --------------------


@pytest.fixture(scope="session")
def nginx() -> str:
    return required_nginx()


@pytest.fixture(scope="module")
def live(nginx, tmp_path_factory):
    """LIVE_CONFIG running on 127.0.0.1 (one nginx for the module); yields a GET helper."""
    source = tmp_path_factory.mktemp("live-source") / "site.conf"
    source.write_text(LIVE_CONFIG)
    rendered = render(source, tmp_path_factory.mktemp("live-prefix"))
    with Nginx(nginx, rendered) as server:

        def request(port, path, method="GET", headers=None):
            request = {"path": path, "method": method, "headers": headers or {}}
            return send(rendered.port_for(port), request)

        request.log = server.log
        yield request


@pytest.mark.realserver
@pytest.mark.parametrize(
    ("port", "uri", "expected"),
    [(8001, *row) for row in LOCATION_MATRIX] + [(8002, *row) for row in SINGLE_ARGUMENT_MATRIX],
)
def test_real_nginx_answers_from_the_expected_location(live, port, uri, expected):
    """The location tables above are what nginx 1.22 does."""
    response = live(port, uri)
    assert (response.status, response.body) == (200, expected), live.log()


@pytest.mark.realserver
@pytest.mark.parametrize(
    ("port", "uri"),
    [(8001, uri) for uri, _ in LOCATION_MATRIX]
    + [pytest.param(8002, uri) for uri, _ in SINGLE_ARGUMENT_MATRIX],
)
def test_match_location_agrees_with_real_nginx(live, live_model, port, uri):
    """match_location names the location whose body the real nginx answered with."""
    body = live(port, uri).body
    assert answer(match_location(server_on(live_model, port), uri).scope) == body


@pytest.mark.realserver
def test_real_nginx_redirects_uri_one_slash_short_of_a_proxied_prefix(live):
    """nginx 1.22: GET /proxied next to `location /proxied/ { proxy_pass ...; }` is a 301
    to /proxied/, not an answer from `location /`.
    """
    response = live(8001, "/proxied")
    assert response.status == 301
    assert response.header("location")[0].endswith("/proxied/")


@pytest.mark.realserver
@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/to-uri/x", "other-inner"),
        ("/to-upstream/x", "other-to-upstream"),
        ("/to-default/x", "second"),
    ],
)
def test_real_nginx_lands_proxied_requests(live, uri, expected):
    """Loopback proxy_pass within one config: the URI part replaces the location name; with
    two servers on a port and no server_name matching, the default_server answers.
    """
    assert live(8006, uri).body == expected


@pytest.mark.realserver
@pytest.mark.parametrize(("host", "expected"), SERVER_NAME_MATRIX)
def test_real_nginx_chooses_the_server_by_host(live, live_model, host, expected):
    """The server-name table above is what nginx 1.22 does, and select_server agrees."""
    response = live(8011, "/", headers={"Host": host})
    assert (response.status, response.body) == (200, expected), live.log()
    assert answer(select_server(servers_on(live_model, 8011), host)) == response.body


@pytest.mark.realserver
@pytest.mark.parametrize(("uri", "label", "redirects"), REDIRECT_MATRIX)
def test_real_nginx_redirects_as_the_table_says(live, live_model, uri, label, redirects):
    """The redirect table above is what nginx 1.22 does."""
    response = live(8012, uri)
    if redirects:
        assert response.status == 301, live.log()
        assert response.header("location")[0].endswith(uri + "/")
    else:
        assert response.status == 200, live.log()
        assert response.body == answer(in_server(live_model, 8012, label))


@pytest.mark.realserver
def test_real_nginx_inherits_internal_into_nested_locations(live):
    """nginx 1.22: a location nested in an `internal` one is internal too: a direct request
    gets 404, an internal redirect (error_page) reaches it.
    """
    assert live(8003, "/int/nested/").status == 404
    assert live(8003, "/int/").status == 404
    redirected = live(8003, "/go-nested")
    assert (redirected.status, redirected.body) == (200, "int-nested")


@pytest.mark.realserver
@pytest.mark.parametrize(("port", "path", "_", "answered", "authenticates", "status"), PREFLIGHTS)
def test_real_nginx_preflight_meets_auth_only_where_the_model_says(
    live, port, path, _, answered, authenticates, status
):
    """A preflight (OPTIONS, no credentials) gets 401 exactly where the scope whose checks
    apply to it authenticates and nothing answers OPTIONS first.
    """
    response = live(port, path, method="OPTIONS")
    assert response.status == status, live.log()
    assert (response.status == 401) is (authenticates and not answered)


# (path, Origin, echoed)
CORS_REQUESTS = [
    ("/cors-chained/", "https://app.example.com", True),
    ("/cors-chained/", "https://evil.example", False),
    ("/cors-negative/", "https://app.example.com", True),
    ("/cors-negative/", "https://evil.example", False),
    ("/cors-named/", "https://evil.example", True),
    ("/cors-numbered/", "https://app.example.com", True),
    ("/cors-numbered/", "https://evil.example", False),
    ("/cors-reflected/", "https://evil.example", True),
]


@pytest.mark.realserver
@pytest.mark.parametrize(("path", "origin", "echoed"), CORS_REQUESTS)
def test_real_nginx_echoes_origin_only_through_its_allow_list(live, path, origin, echoed):
    """nginx 1.22: an allow-list through a map flag, a negative `if`, or a map capture
    decides which origins are echoed; `$http_origin` alone echoes every one.
    """
    response = live(8004, path, headers={"Origin": origin})
    assert response.header("access-control-allow-origin") == ([origin] if echoed else [])
