"""The model members family 6 reads, on both formats: the access rule that admits every
client (``Authentication.open_to_all``), how a host answers a request for a file of its
disk (``served_file``), and how clients reach it (``transport``).

The server facts are the AL601-AL603 proofs' (fixtures/rules/AL60x/proofs.yaml, nginx
and httpd on 127.0.0.1): nginx tries ``allow``/``deny`` in order; httpd's
``Order allow,deny`` refuses every client no ``Allow`` names; a ``Redirect /`` answers
before the password is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import model, scope_at, write

_USERS = "auth_basic_user_file /etc/nginx/htpasswd;"


def _settings(tmp_path: Path, text: str, label: str, name: str = "site.conf") -> Any:
    write(tmp_path, {name: text})
    return scope_at(model(tmp_path / name, cwd=tmp_path), label).settings


def _nginx(body: str, server: str = "") -> str:
    return (
        f"server {{\n    listen 80;\n    server_name a.example;\n{server}\n"
        f"    location /admin/ {{\n        auth_basic x;\n        {_USERS}\n{body}\n    }}\n}}\n"
    )


@pytest.mark.parametrize(
    ("rules", "opens"),
    [
        ("satisfy any; allow all;", True),
        ("satisfy any; allow 10.0.0.0/8; allow 0.0.0.0/0;", True),
        ("satisfy any; allow 10.0.0.0/8; deny all;", False),
        ("satisfy any; deny 192.0.2.1; allow all;", False),
        ("allow all;", False),
    ],
)
def test_nginx_allow_all_opens_only_where_one_rule_suffices(
    tmp_path: Path, rules: str, opens: bool
) -> None:
    settings = _settings(tmp_path, _nginx(rules), "location /admin/")
    assert (settings.authentication.open_to_all is not None) is opens


def test_nginx_location_rules_replace_the_servers_list(tmp_path: Path) -> None:
    text = _nginx("deny all;", server="    satisfy any;\n    allow all;")
    assert _settings(tmp_path, text, "location /admin/").authentication.open_to_all is None


_APACHE_AUTH = (
    "AuthType Basic\n AuthName x\n AuthUserFile /etc/apache2/htpasswd\n Require valid-user\n"
)


@pytest.mark.parametrize(
    ("rules", "opens"),
    [
        ("Require all granted\n", True),
        ("Require ip 0.0.0.0/0\n", True),
        ("Require ip 10.0.0.0/8\n", False),
        ("Satisfy Any\n Allow from all\n", True),
        ("Satisfy Any\n Order allow,deny\n Allow from all\n Deny from all\n", False),
        ("<IfDefine !X>\n Require all granted\n </IfDefine>\n", True),
    ],
)
def test_apache_grant_beside_a_user_rule_opens(tmp_path: Path, rules: str, opens: bool) -> None:
    text = f"<Directory /var/www/a>\n {_APACHE_AUTH} {rules}</Directory>\n"
    settings = _settings(tmp_path, text, "Directory /var/www/a")
    assert (settings.authentication.open_to_all is not None) is opens


def test_apache_exclusive_defines_never_open(tmp_path: Path) -> None:
    text = (
        "<Directory /var/www/a>\n<IfDefine !X>\n Require all granted\n</IfDefine>\n"
        f"<IfDefine X>\n {_APACHE_AUTH}</IfDefine>\n</Directory>\n"
    )
    settings = _settings(tmp_path, text, "Directory /var/www/a")
    assert settings.authentication.open_to_all is None


def test_nginx_serves_a_file_below_an_alias_at_the_locations_url(tmp_path: Path) -> None:
    text = "server {\n listen 80;\n location /files/ {\n  alias /srv/files/;\n }\n}\n"
    served = _settings(tmp_path, text, "server").served_file("/srv/files/a/users")
    assert served is not None
    assert (served.url, served.denied_by, served.known) == ("/files/a/users", None, True)


@pytest.mark.parametrize(
    ("locations", "answer"),
    [
        ("location ~ /\\.ht { deny all; }", "refused"),
        ("location / { proxy_pass http://127.0.0.1:9000; }", None),
        ("location / { try_files /index.html =404; }", None),
        ("location / { internal; }", None),
        ("location / { }", "sent"),
    ],
)
def test_nginx_what_answers_the_files_url(
    tmp_path: Path, locations: str, answer: str | None
) -> None:
    text = f"server {{\n listen 80;\n root /var/www;\n {locations}\n}}\n"
    served = _settings(tmp_path, text, "server").served_file("/var/www/.htpasswd")
    found = None if served is None else "refused" if served.denied_by else "sent"
    assert found == answer


@pytest.mark.parametrize(
    ("sections", "refused"),
    [
        ('<Files "users">\n Require all denied\n</Files>\n', True),
        ('<FilesMatch "^u">\n Order allow,deny\n</FilesMatch>\n', True),
        ('<Files "users">\n Order deny,allow\n Deny from all\n Allow from all\n</Files>\n', False),
        ('<Files "other">\n Require all denied\n</Files>\n', False),
    ],
)
def test_apache_sections_that_refuse_a_file(tmp_path: Path, sections: str, refused: bool) -> None:
    text = (
        "<VirtualHost *:80>\n ServerName a.example\n DocumentRoot /var/www/a\n"
        f"{sections}</VirtualHost>\n"
    )
    served = _settings(tmp_path, text, "VirtualHost *:80").served_file("/var/www/a/users")
    assert served is not None
    assert served.known
    assert (served.denied_by is not None) is refused


def test_apache_ht_file_is_unknown_without_the_main_configuration(tmp_path: Path) -> None:
    text = "<VirtualHost *:80>\n DocumentRoot /var/www/a\n</VirtualHost>\n"
    served = _settings(tmp_path, text, "VirtualHost *:80").served_file("/var/www/a/.htpasswd")
    assert served is not None
    assert not served.known


@pytest.mark.parametrize(
    ("listens", "plain", "tls"),
    [
        ("listen 80;", True, False),
        ("listen 80; listen 443 ssl;", True, True),
        ("listen 127.0.0.1:8080; listen 443 ssl;", False, True),
        ("listen unix:/run/a.sock;", False, False),
    ],
)
def test_nginx_transport_by_listen(tmp_path: Path, listens: str, plain: bool, tls: bool) -> None:
    transport = _settings(tmp_path, f"server {{\n {listens}\n}}\n", "server").transport
    assert (transport.plain is not None, transport.tls is not None) == (plain, tls)


def test_nginx_conditional_redirect_makes_transport_unknown(tmp_path: Path) -> None:
    text = "server {\n listen 80;\n if ($scheme = http) { return 301 https://$host; }\n}\n"
    assert not _settings(tmp_path, text, "server").transport.known


@pytest.mark.parametrize(
    ("host", "plain", "tls", "answered", "known"),
    [
        ("<VirtualHost *:443>\n", True, False, False, True),
        ("<VirtualHost *:443>\n SSLEngine on\n", False, True, False, True),
        ("<VirtualHost *:80>\n Redirect permanent / https://a.example/\n", True, False, True, True),
        ("<VirtualHost *:80>\n Redirect /old https://a.example/new\n", True, False, False, False),
        ("<VirtualHost 127.0.0.1:80>\n", False, False, False, True),
    ],
)
def test_apache_transport(
    tmp_path: Path, host: str, plain: bool, tls: bool, answered: bool, known: bool
) -> None:
    text = f"{host} ServerName a.example\n</VirtualHost>\n"
    label = "VirtualHost " + host.split(">")[0].split()[1]
    transport = _settings(tmp_path, text, label).transport
    found = (
        transport.plain is not None,
        transport.tls is not None,
        transport.answered_first is not None,
        transport.known,
    )
    assert found == (plain, tls, answered, known)


def test_apache_main_server_sslengine_makes_its_hosts_tls(tmp_path: Path) -> None:
    text = "SSLEngine on\n<VirtualHost *:8443>\n ServerName a.example\n</VirtualHost>\n"
    transport = _settings(tmp_path, text, "VirtualHost *:8443").transport
    assert transport.tls is not None
    assert transport.plain is None
