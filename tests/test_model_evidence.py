"""Evidence of authentication (``authlint.model.evidence``): whether a scope's answer can
depend on the client's credentials, and the sign that shows it, read from nginx configs."""

from __future__ import annotations

import pytest

from authlint.model.evidence import EvidenceKind

from conftest import scope_at

CACHE_ZONE = "proxy_cache_path /tmp/c keys_zone=pages:1m;\n"


def _evidence(config, location_body: str, server_body: str = "", head: str = ""):
    text = (
        f"{head}server {{\n    listen 8080;\n{server_body}\n"
        f"    location /api/ {{\n{location_body}\n"
        "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
    )
    return scope_at(config(text), "location /api/").settings.credential_evidence


@pytest.mark.parametrize(
    ("body", "server", "head", "kind", "line_text"),
    [
        (
            'auth_basic "x"; auth_basic_user_file /etc/htpasswd;',
            "",
            "",
            "SERVER_CHECKS",
            "auth_basic",
        ),
        ("", "    auth_request /auth;", "", "SERVER_CHECKS", "auth_request"),
        (
            "limit_except GET { auth_basic x; auth_basic_user_file f; }",
            "",
            "",
            "SERVER_CHECKS",
            "auth_basic",
        ),
        (
            "proxy_set_header X-Session $cookie_session;",
            "",
            "",
            "CREDENTIALS_SENT",
            "proxy_set_header",
        ),
        (
            "add_header Access-Control-Allow-Origin https://a.example; "
            "add_header Access-Control-Allow-Credentials true;",
            "",
            "",
            "CORS_CREDENTIALS",
            "add_header",
        ),
        (
            "add_header Access-Control-Allow-Headers 'Content-Type,authorization';",
            "",
            "",
            "AUTHORIZATION_ALLOWED",
            "add_header",
        ),
        (
            "proxy_cache pages; proxy_cache_key $host$uri$http_authorization;",
            "",
            CACHE_ZONE,
            "CACHE_BY_CREDENTIAL",
            "proxy_cache_key",
        ),
        (
            "proxy_cache pages; proxy_no_cache $cookie_session;",
            "",
            CACHE_ZONE,
            "CACHE_BY_CREDENTIAL",
            "proxy_no_cache",
        ),
        ('if ($http_authorization = "") { return 401; }', "", "", "CREDENTIAL_TESTED", "if"),
        (
            "",
            "    if ($cookie_session ~ admin) { set $admin 1; }",
            "",
            "CREDENTIAL_TESTED",
            "if",
        ),
    ],
)
def test_each_sign_is_evidence(config, body, server, head, kind, line_text) -> None:
    evidence = _evidence(config, body, server, head)
    assert evidence.value is True
    assert evidence.reason is not None
    assert evidence.reason.kind is EvidenceKind[kind]
    assert evidence.reason.origin.name == line_text
    assert evidence.reason.upstream == (kind != "SERVER_CHECKS")


@pytest.mark.parametrize(
    "body",
    [
        "",
        "add_header Access-Control-Allow-Origin *;",
        "add_header Access-Control-Allow-Headers 'Content-Type, X-Authorization-Id';",
        "add_header Access-Control-Allow-Headers *;",
        "add_header Access-Control-Allow-Credentials false;",
        "if ($request_method = OPTIONS) { return 204; }",
        "proxy_set_header X-Real-IP $remote_addr;",
        # The name nginx checked: empty unless nginx authenticates.
        "proxy_set_header X-User $remote_user;",
        'auth_basic "x";',  # no user file: nginx checks nothing
        "proxy_cache pages; proxy_cache_key $host$request_uri; proxy_no_cache $arg_nocache;",
    ],
)
def test_a_public_proxy_shows_none(config, body) -> None:
    evidence = _evidence(config, body, head=CACHE_ZONE)
    assert evidence.reason is None
    assert evidence.value is False


def test_signs_count_only_for_credentials_that_reach_the_upstream(config) -> None:
    allowed = "add_header Access-Control-Allow-Headers Authorization;"
    credentials = (
        "add_header Access-Control-Allow-Origin https://a.example; "
        "add_header Access-Control-Allow-Credentials true;"
    )
    removed = 'proxy_set_header Authorization "";'
    cleared = 'proxy_set_header Cookie "";'
    assert _evidence(config, f"{allowed} {removed}").value is False
    assert _evidence(config, f"{allowed} {cleared}").value is True
    assert _evidence(config, f"{credentials} {cleared}").value is False
    assert _evidence(config, f"{credentials} {removed}").value is True
    assert (
        _evidence(config, f"{allowed} {credentials} proxy_pass_request_headers off;").value is False
    )


def test_the_server_check_comes_first(config) -> None:
    evidence = _evidence(
        config,
        "proxy_set_header X-Session $cookie_session; auth_request /auth;",
    )
    assert evidence.reason is not None
    assert evidence.reason.kind is EvidenceKind.SERVER_CHECKS
    assert evidence.reason.describe().startswith("`auth_request` at ")
    assert evidence.reason.describe().endswith(" checks credentials")


def test_an_upstream_sign_names_its_setting(config) -> None:
    reason = _evidence(config, "add_header Access-Control-Allow-Headers Authorization;").reason
    assert reason is not None
    assert reason.describe() == (
        "`add_header Access-Control-Allow-Headers` at site.conf:5 lets scripts send `Authorization`"
    )


def test_static_answers_need_the_server_check(config) -> None:
    ws = config(
        """
        server {
            listen 8080;
            location /files/ {
                add_header Access-Control-Allow-Origin https://app.example.com;
                add_header Access-Control-Allow-Credentials true;
                add_header Access-Control-Allow-Headers Authorization;
                root /srv;
            }
            location /private/ {
                auth_basic x;
                auth_basic_user_file /etc/htpasswd;
                root /srv;
            }
        }
        """
    )
    assert scope_at(ws, "location /files/").settings.credential_evidence.value is False
    assert scope_at(ws, "location /private/").settings.credential_evidence.value is True


def test_an_unread_include_leaves_it_open(config) -> None:
    ws = config(
        """
        server {
            listen 8080;
            location /api/ {
                include snippets/auth.conf;
                proxy_pass http://127.0.0.1:9000;
            }
            location /open/ {
                include snippets/headers.conf;
                proxy_set_header X-Session $cookie_session;
                proxy_pass http://127.0.0.1:9000;
            }
        }
        """
    )
    unknown = scope_at(ws, "location /api/").settings.credential_evidence
    assert unknown.reason is None
    assert unknown.value is None
    # A sign in view is evidence whatever the unread file holds.
    assert scope_at(ws, "location /open/").settings.credential_evidence.value is True


def test_a_map_on_a_session_cookie_read_here_is_a_test(config) -> None:
    ws = config(
        """
        map $cookie_session $pool { default anonymous; ~. members; }
        map $cookie_session $unused { default 0; ~. 1; }
        server {
            listen 8080;
            location /api/ {
                proxy_set_header X-Pool $pool;
                proxy_pass http://127.0.0.1:9000;
            }
            location /other/ {
                proxy_pass http://127.0.0.1:9000;
            }
        }
        """
    )
    reason = scope_at(ws, "location /api/").settings.credential_evidence.reason
    assert reason is not None
    assert reason.kind is EvidenceKind.CREDENTIAL_TESTED
    assert reason.origin.args[:2] == ["$cookie_session", "$pool"]
    assert scope_at(ws, "location /other/").settings.credential_evidence.value is False


def test_an_unread_include_around_an_own_header_list_leaves_it_open(config) -> None:
    # The location's own list is known, but the server's include could turn the
    # client's headers off.
    ws = config(
        """
        server {
            listen 8080;
            include snippets/proxy.conf;
            location /api/ {
                proxy_set_header X-Real-IP $remote_addr;
                add_header Access-Control-Allow-Headers Authorization;
                proxy_pass http://127.0.0.1:9000;
            }
        }
        """
    )
    settings = scope_at(ws, "location /api/").settings
    assert settings.request_headers is not None
    assert settings.request_headers.known
    assert settings.credential_evidence.value is None


def test_only_maps_on_a_credential_read_up_to_the_server_are_tests(config) -> None:
    """A map on a credential tests it where its variable is read: not where only a log
    format of http reads it (logs answer nobody), nor where a map of another value is
    read; a map block names its variable without reading it."""
    ws = config(
        """
        map $cookie_session $pool { default anonymous; ~. members; }
        map $host $site { default main; }
        log_format pools '$pool';
        server {
            listen 8080;
            location /api/ {
                proxy_set_header X-Site $site;
                proxy_pass http://127.0.0.1:9000;
            }
        }
        """
    )
    assert scope_at(ws, "location /api/").settings.credential_tests == ()
    # At http the log format is a directive of the level itself.
    tests = scope_at(ws, "http (implied)").settings.credential_tests
    assert [node.args for node in tests] == [["$cookie_session", "$pool"]]
    unread = config("map $cookie_session $pool { default anonymous; ~. members; }")
    assert scope_at(unread, "http (implied)").settings.credential_tests == ()
