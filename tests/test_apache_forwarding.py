"""Apache's forwarding and authentication facets, on the model: what reaches the handler
(mod_proxy, CGI, FastCGI) and who checks credentials, merged as httpd merges them.

The httpd facts they rest on were observed on Debian's httpd 2.4 (semantics.md §4.2,
§4.3, §4.4; the rules' ``apache/`` proofs): ``Authorization`` is hidden from CGI and
FastCGI unless ``CGIPassAuth On`` or a copy into ``HTTP_AUTHORIZATION``; the inner
section's ``Require`` rules replace the outer ones unless ``AuthMerging``; the auth
fields merge one by one; a request ``ProxyPass`` takes meets no ``<Directory>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from authlint.apache.forwarding import REASON
from authlint.model.settings import AuthKind, AuthorizationState, UpstreamKind

from conftest import model, scope_at, write

PHP = '<FilesMatch \\.php$>\n    SetHandler "proxy:fcgi://127.0.0.1:9000"\n</FilesMatch>\n'


def _host(body: str) -> str:
    return (
        "<VirtualHost *:80>\n    ServerName app.example.com\n"
        f"    DocumentRoot /var/www/app\n{body}</VirtualHost>\n"
    )


# The scope's settings (Any: the tests read members the protocol leaves optional).
def _settings(tmp_path: Path, text: str, label: str, name: str = "site.conf") -> Any:
    write(tmp_path, {name: text})
    return scope_at(model(tmp_path / name, cwd=tmp_path), label).settings


# --- Authorization on its way to the handler ----------------------------------------------


def test_fastcgi_gets_no_authorization_by_default(tmp_path: Path) -> None:
    settings = _settings(tmp_path, _host(PHP), "FilesMatch \\.php$")
    assert settings.upstream.kind is UpstreamKind.FASTCGI
    forwarding = settings.authorization
    assert forwarding.state is AuthorizationState.REMOVED
    assert forwarding.origin.name == "SetHandler"
    assert forwarding.reason == REASON
    assert forwarding.known


@pytest.mark.parametrize(
    ("directives", "origin"),
    [
        ("<Directory /var/www/app>\n CGIPassAuth On\n</Directory>\n", "CGIPassAuth"),
        ('SetEnvIf Authorization "(.+)" HTTP_AUTHORIZATION=$1\n', "SetEnvIf"),
        ('SetEnvIfNoCase authorization "^(.*)$" HTTP_AUTHORIZATION=$1\n', "SetEnvIfNoCase"),
        ('SetEnvIf Authorization ".+" HTTP_AUTHORIZATION=$0\n', "SetEnvIf"),
        (
            "RewriteEngine On\nRewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]\n",
            "RewriteRule",
        ),
        # Symfony's spelling: the condition's whole match.
        (
            "RewriteEngine On\nRewriteCond %{HTTP:Authorization} .+\n"
            "RewriteRule ^ - [E=HTTP_AUTHORIZATION:%0]\n",
            "RewriteRule",
        ),
    ],
)
def test_each_working_workaround_passes_it(tmp_path: Path, directives: str, origin: str) -> None:
    forwarding = _settings(tmp_path, _host(directives + PHP), "FilesMatch \\.php$").authorization
    assert forwarding.state is AuthorizationState.PASSES
    assert forwarding.origin.name == origin
    assert forwarding.known


@pytest.mark.parametrize(
    "directives",
    [
        # Not a mod_rewrite variable: an empty copy.
        "RewriteEngine On\nRewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP_AUTHORIZATION}]\n",
        # The engine is off: no rule runs.
        "RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]\n",
        # Only the credentials after the scheme, or a fixed value.
        'SetEnvIf Authorization "Bearer (.+)" HTTP_AUTHORIZATION=$1\n',
        'SetEnvIf Authorization "(.+)" HTTP_AUTHORIZATION=1\n',
        # Environment variable names are case-sensitive.
        'SetEnvIf Authorization "(.+)" http_authorization=$1\n',
        "<Directory /var/www/app>\n CGIPassAuth On\n</Directory>\n"
        "<Directory /var/www/app>\n CGIPassAuth Off\n</Directory>\n",
    ],
)
def test_near_misses_leave_it_hidden(tmp_path: Path, directives: str) -> None:
    forwarding = _settings(tmp_path, _host(directives + PHP), "FilesMatch \\.php$").authorization
    assert forwarding.state is AuthorizationState.REMOVED
    assert forwarding.origin.name == "SetHandler"
    assert forwarding.known


def test_the_rewrite_near_miss_is_named_in_the_reason(tmp_path: Path) -> None:
    rule = "RewriteEngine On\nRewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP_AUTHORIZATION}]\n"
    forwarding = _settings(tmp_path, _host(rule + PHP), "FilesMatch \\.php$").authorization
    assert forwarding.reason.startswith(REASON + " (`RewriteRule` at site.conf:5 copies nothing")


def test_a_copy_that_only_some_requests_make_is_not_known(tmp_path: Path) -> None:
    # The front controller's own rule copies only where no file matches.
    htaccess = (
        PHP + "RewriteEngine On\nRewriteCond %{REQUEST_FILENAME} !-f\n"
        "RewriteRule ^ index.php [L,E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]\n"
    )
    write(tmp_path, {"app/.htaccess": htaccess})
    workspace = model(tmp_path / "app/.htaccess", cwd=tmp_path)
    (php,) = [scope for scope in workspace.scopes() if scope.kind == "filesmatch"]
    assert not php.settings.authorization.known


def test_a_per_directory_copy_counts_where_the_section_has_the_engine_on(tmp_path: Path) -> None:
    htaccess = (
        PHP + "RewriteEngine On\nRewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]\n"
    )
    write(tmp_path, {"app/.htaccess": htaccess})
    workspace = model(tmp_path / "app/.htaccess", cwd=tmp_path)
    (php,) = [scope for scope in workspace.scopes() if scope.kind == "filesmatch"]
    forwarding = php.settings.authorization
    assert (forwarding.state, forwarding.origin.name) == (AuthorizationState.PASSES, "RewriteRule")
    assert [entry.name for entry in php.settings.credentials_sent_upstream()] == [
        "HTTP_AUTHORIZATION"
    ]


@pytest.mark.parametrize(
    ("line", "state", "literal", "known"),
    [
        ("RequestHeader unset Authorization", AuthorizationState.REMOVED, False, True),
        (
            'RequestHeader set Authorization "Basic c2VydmljZQ=="',
            AuthorizationState.REPLACED,
            True,
            True,
        ),
        (
            'RequestHeader set Authorization "Bearer %{TOKEN}e"',
            AuthorizationState.REPLACED,
            False,
            True,
        ),
        ("RequestHeader unset Authorization env=INTERNAL", AuthorizationState.PASSES, False, False),
        ("RequestHeader unset Cookie", AuthorizationState.PASSES, False, True),
    ],
)
def test_request_header_before_mod_proxy_http(
    tmp_path: Path, line: str, state: AuthorizationState, literal: bool, known: bool
) -> None:
    body = f'<Location /api/>\n{line}\nProxyPass "http://127.0.0.1:9001/api/"\n</Location>\n'
    settings = _settings(tmp_path, _host(body), "Location /api/")
    assert settings.upstream.kind is UpstreamKind.PROXY
    forwarding = settings.authorization
    assert (forwarding.state, forwarding.literal, forwarding.known) == (state, literal, known)
    assert settings.request_headers.entries[0].origin.name == "RequestHeader"


def test_an_unset_after_the_copy_leaves_the_variable(tmp_path: Path) -> None:
    # SetEnvIf copies before mod_headers' fixup removes the header; `early` runs first.
    copy = 'SetEnvIf Authorization "(.+)" HTTP_AUTHORIZATION=$1\n'
    late = _settings(
        tmp_path, _host(copy + "RequestHeader unset Authorization\n" + PHP), "FilesMatch \\.php$"
    )
    assert late.authorization.state is AuthorizationState.PASSES
    early = _settings(
        tmp_path,
        _host(copy + "RequestHeader unset Authorization early\n" + PHP),
        "FilesMatch \\.php$",
    )
    assert early.authorization.state is AuthorizationState.REMOVED


@pytest.mark.parametrize(
    ("body", "label", "kind", "target"),
    [
        (
            "<Directory /var/www/app/cgi>\nSetHandler cgi-script\n</Directory>\n",
            "Directory /var/www/app/cgi",
            UpstreamKind.CGI,
            "cgi-script",
        ),
        (
            "<Directory /var/www/app>\nAddHandler fcgid-script .php\n"
            "FcgidWrapper /usr/bin/php-cgi .php\n<Files index.php>\nOptions +ExecCGI\n"
            "</Files>\n</Directory>\n",
            "Files index.php",
            UpstreamKind.FASTCGI,
            "/usr/bin/php-cgi",
        ),
        (
            '<Location /app>\nProxyPass "scgi://127.0.0.1:4000/"\n</Location>\n',
            "Location /app",
            UpstreamKind.SCGI,
            "scgi://127.0.0.1:4000/",
        ),
        (
            "RewriteEngine On\nRewriteRule ^/api/(.*)$ http://127.0.0.1:9001/$1 [P]\n"
            "<Location /api/>\nHeader set X-Api yes\n</Location>\n",
            "Location /api/",
            UpstreamKind.PROXY,
            "http://127.0.0.1:9001/$1",
        ),
    ],
)
def test_the_handlers_httpd_hands_requests_to(
    tmp_path: Path, body: str, label: str, kind: UpstreamKind, target: str
) -> None:
    upstream = _settings(tmp_path, _host(body), label).upstream
    assert (upstream.kind, upstream.target) == (kind, target)


@pytest.mark.parametrize(
    ("scheme", "state"),
    [("scgi", AuthorizationState.REMOVED), ("uwsgi", AuthorizationState.PASSES)],
)
def test_scgi_hides_it_and_uwsgi_does_not(
    tmp_path: Path, scheme: str, state: AuthorizationState
) -> None:
    # Seen on httpd 2.4: mod_proxy_uwsgi sends every request header, Authorization too.
    body = f'<Location /app>\nProxyPass "{scheme}://127.0.0.1:4000/"\n</Location>\n'
    assert _settings(tmp_path, _host(body), "Location /app").authorization.state is state


def test_fcgid_pass_header_passes_it(tmp_path: Path) -> None:
    body = (
        "FcgidPassHeader Authorization\n<Directory /var/www/app>\nAddHandler fcgid-script .php\n"
        "<Files index.php>\nOptions +ExecCGI\n</Files>\n</Directory>\n"
    )
    forwarding = _settings(tmp_path, _host(body), "Files index.php").authorization
    assert (forwarding.state, forwarding.origin.name) == (
        AuthorizationState.PASSES,
        "FcgidPassHeader",
    )


def test_a_handler_an_action_names_runs_elsewhere_unknown(tmp_path: Path) -> None:
    body = (
        "Action php-script /cgi-bin/php\n<Directory /var/www/app>\nAddHandler php-script .php\n"
        "<Files index.php>\nOptions +ExecCGI\n</Files>\n</Directory>\n"
    )
    settings = _settings(tmp_path, _host(body), "Files index.php")
    assert settings.upstream.target == "/cgi-bin/php"
    assert not settings.authorization.known


# --- Authentication ---------------------------------------------------------------------------

BASIC = 'AuthType Basic\nAuthName "A realm"\nAuthUserFile /etc/apache2/htpasswd\n'


def test_the_auth_fields_merge_one_by_one_and_require_is_replaced(tmp_path: Path) -> None:
    # semantics.md §4.2's table, verified on httpd 2.4: b inherits a's realm and user
    # file, and its own Require replaces a's; c joins a's rule with `AuthMerging Or`.
    text = _host(
        f"<Directory /var/www/app/a>\n{BASIC}Require user alice\n</Directory>\n"
        "<Directory /var/www/app/a/b>\nRequire user bob\n</Directory>\n"
        "<Directory /var/www/app/a/b/c>\nAuthMerging Or\nRequire user alice\n</Directory>\n"
        "<Directory /var/www/app/a/open>\nRequire all granted\n</Directory>\n"
        "<Directory /var/www/app/a/both>\nAuthMerging And\nRequire all granted\n</Directory>\n"
    )
    write(tmp_path, {"site.conf": text})
    workspace = model(tmp_path / "site.conf", cwd=tmp_path)
    a = scope_at(workspace, "Directory /var/www/app/a").settings.authentication.basic
    for folder in ("a/b", "a/b/c", "a/both"):
        check = scope_at(workspace, f"Directory /var/www/app/{folder}").settings
        basic = check.authentication.check(AuthKind.BASIC)
        assert basic.enforced, folder
        assert basic.known, folder
        assert basic.origin is a.origin, folder
        assert basic.store == "/etc/apache2/htpasswd"
        assert check.outer_scope is not None
    opened = scope_at(workspace, "Directory /var/www/app/a/open").settings
    assert not opened.authentication.basic.value
    assert not opened.authenticates_some_methods.value


@pytest.mark.parametrize(
    ("rules", "any_suffices", "opening"),
    [
        (
            "<RequireAny>\nRequire ip 10.0.0.0/8\nRequire valid-user\n</RequireAny>\n",
            True,
            "Require",
        ),
        ("Require ip 10.0.0.0/8\nRequire valid-user\n", True, "Require"),
        ("<RequireAll>\nRequire ip 10.0.0.0/8\nRequire valid-user\n</RequireAll>\n", False, None),
        (
            "Require valid-user\nSatisfy Any\nOrder deny,allow\nDeny from all\n"
            "Allow from 10.0.0.0/8\n",
            True,
            "Satisfy",
        ),
        ("Require valid-user\n", False, None),
    ],
)
def test_rules_that_grant_without_credentials(
    tmp_path: Path, rules: str, any_suffices: bool, opening: str | None
) -> None:
    text = _host(f"<Location /admin/>\n{BASIC}{rules}</Location>\n")
    authentication = _settings(tmp_path, text, "Location /admin/").authentication
    assert authentication.any_suffices.value is any_suffices
    origin = authentication.any_suffices.origin
    assert (origin.name if origin else None) == opening
    assert authentication.basic.value
    assert authentication.every_request_authenticated is not any_suffices


@pytest.mark.parametrize(
    ("section", "exempt", "preflight"),
    [
        ("<Limit POST PUT>\nRequire valid-user\n</Limit>\n", {"GET", "HEAD", "OPTIONS"}, "Limit"),
        ("<LimitExcept GET>\nRequire valid-user\n</LimitExcept>\n", {"GET", "HEAD"}, None),
        ("<LimitExcept OPTIONS>\nRequire valid-user\n</LimitExcept>\n", {"OPTIONS"}, "LimitExcept"),
        ("Require valid-user\n", set(), None),
        (
            "Require valid-user\n<If \"%{REQUEST_METHOD} == 'OPTIONS'\">\n"
            "Require all granted\n</If>\n",
            set(),
            "If",
        ),
    ],
)
def test_methods_the_rules_leave_out(
    tmp_path: Path, section: str, exempt: set[str], preflight: str | None
) -> None:
    text = _host(f"<Location /api/>\n{BASIC}{section}</Location>\n")
    settings = _settings(tmp_path, text, "Location /api/")
    basic = settings.authentication.check(AuthKind.BASIC)
    assert basic.enforced
    assert exempt <= basic.exempt_methods
    assert ("POST" in basic.exempt_methods) is False
    assert settings.authenticates_some_methods.value
    answered = settings.preflight_answered_by
    assert (answered.name if answered else None) == preflight


def test_no_check_without_auth_type_or_for_other_providers(tmp_path: Path) -> None:
    text = _host(
        "<Location /a/>\nRequire valid-user\n</Location>\n"
        f"<Location /b/>\n{BASIC}AuthBasicProvider ldap\nRequire valid-user\n</Location>\n"
    )
    write(tmp_path, {"site.conf": text})
    workspace = model(tmp_path / "site.conf", cwd=tmp_path)
    assert scope_at(workspace, "Location /a/").settings.authentication.checks == ()
    basic = scope_at(workspace, "Location /b/").settings.authentication.check(AuthKind.BASIC)
    assert basic.enforced
    assert basic.store is None
    assert basic.store_origin is None


def test_a_proxied_request_meets_no_folder_section(tmp_path: Path) -> None:
    text = _host(
        f"<Directory /var/www/app>\n{BASIC}Require valid-user\n</Directory>\n"
        '<Location /app/>\nProxyPass "http://127.0.0.1:9001/app/"\n</Location>\n'
    )
    settings = _settings(tmp_path, text, "Location /app/")
    assert not settings.authentication.basic.value
    assert settings.authenticates_some_methods.known


@pytest.mark.parametrize(
    ("allow", "known"),
    [
        ("AllowOverride All", False),
        ("AllowOverride FileInfo", False),
        ("AllowOverride AuthConfig Indexes", False),
        ("AllowOverride None\nAllowOverrideList CGIPassAuth", False),
        ("AllowOverrideList Header", True),
        ("AllowOverride Indexes Limit", True),
        ("AllowOverride None", True),
        ("", True),
    ],
)
def test_an_htaccess_not_read_may_decide(tmp_path: Path, allow: str, known: bool) -> None:
    # The app's own .htaccess (not in the tree) may hold the copy or CGIPassAuth.
    text = _host(f"<Directory /var/www/app>\n{allow}\n</Directory>\n" + PHP)
    settings = _settings(tmp_path, text, "FilesMatch \\.php$")
    assert settings.authorization.state is AuthorizationState.REMOVED
    assert settings.authorization.known is known
    auth_config = bool({"AuthConfig", "All"} & set(allow.split()))
    assert settings.authentication.known is not auth_config
