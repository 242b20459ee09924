"""The Apache proof harness renders fixtures safely: loopback only, every machine path
inside its root, the modules the directives need (tests/realapache.py)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from authlint.apache.parser import ApacheNode, parse_text
from authlint.model.source import SourceFile
from authlint.model.tree import Node

from conftest import write
from realapache import (
    MODULES,
    ApacheRendered,
    Httpd,
    modules_for,
    render,
    required_apache,
    server_root,
    syntax_check,
)
from realserver import LOOPBACK, FastCgiRecorder, Recorder, send

pytestmark = pytest.mark.realserver


@pytest.fixture(autouse=True)
def _httpd() -> None:
    """Rendering asks httpd which module holds each directive: without it these tests
    skip, and under ``CI=true`` fail."""
    required_apache()


# A fixture tied to a machine in every way the renderer knows.
MACHINE_BOUND = """\
Listen 80
Listen 0.0.0.0:8080
PidFile /run/apache2/apache2.pid
Mutex file:/var/lock/apache2 default
ErrorLog /var/log/apache2/error.log
User www-data
<IfModule ssl_module>
    Listen [::]:443 https
</IfModule>
<VirtualHost *:80 [::]:80>
    ServerName app.example.com
    DocumentRoot /var/www/app
    CustomLog /var/log/apache2/access.log combined
    Alias /static /srv/static
    ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/
    CacheRoot /var/cache/apache2/mod_cache_disk
    CacheEnable disk /
    <Directory /var/www/app>
        AllowOverride All
    </Directory>
    <Location /admin>
        AuthType Basic
        AuthName "Admin"
        AuthUserFile /etc/apache2/.htpasswd
        Require valid-user
    </Location>
    ProxyPass /api http://127.0.0.1:9001/api
    ProxyPassReverse /api http://127.0.0.1:9001/api
    ProxyPass /self http://localhost:8080/
    ProxyPass /fpm fcgi://127.0.0.1:9000/var/www/app/index.php
    ProxyPassMatch ^/(.*\\.php)$ fcgi://127.0.0.1:9000/var/www/app/$1
    AddHandler "proxy:fcgi://localhost:9005" .php5
    <DirectoryMatch "^/var/www/app/private">
        Require all denied
    </DirectoryMatch>
    <FilesMatch \\.php$>
        SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"
    </FilesMatch>
    <Proxy balancer://pool>
        BalancerMember http://127.0.0.1:9002
        BalancerMember http://localhost:9003
    </Proxy>
    ProxyPass /pool balancer://pool/
    RewriteEngine On
    RewriteRule ^/old/(.*)$ http://127.0.0.1:9004/$1 [P,L]
</VirtualHost>
<VirtualHost 192.0.2.10:8080>
    ServerName other.example.com
</VirtualHost>
<VirtualHost *:443>
    ServerName app.example.com
    SSLEngine on
    SSLCertificateFile /etc/ssl/certs/app.pem
    SSLCertificateKeyFile /etc/ssl/private/app.key
</VirtualHost>
"""
# Directive -> the index of its argument that is a path on the machine.
_PATHS = {
    "serverroot": 0,
    "pidfile": 0,
    "defaultruntimedir": 0,
    "errorlog": 0,
    "customlog": 0,
    "documentroot": 0,
    "directory": 0,
    "alias": 1,
    "scriptalias": 1,
    "cacheroot": 0,
    "authuserfile": 0,
    "include": 0,
    "loadmodule": 1,
}


@pytest.fixture
def root() -> Iterator[Path]:
    folder = server_root()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _nodes(nodes: list[Node]) -> list[ApacheNode]:
    found: list[ApacheNode] = []
    for node in nodes:
        assert isinstance(node, ApacheNode)
        found += [node, *_nodes(node.children or [])]
    return found


def _rendered_nodes(rendered: ApacheRendered) -> list[ApacheNode]:
    found = []
    for path in sorted(rendered.prefix.rglob("*.conf")) + sorted(rendered.prefix.rglob(".ht*")):
        source = SourceFile(path.name, path, "apache")
        assert not parse_text(path.read_text(), source)
        found += _nodes(source.nodes or [])
    return found


def _module_list(text: str, tmp_path: Path) -> list[str]:
    source = SourceFile("site.conf", tmp_path / "site.conf", "apache")
    assert not parse_text(text, source)
    return modules_for(_nodes(source.nodes or []))


def test_a_rendered_config_listens_on_loopback_only(tmp_path: Path, root: Path) -> None:
    rendered = render(write(tmp_path, {"site.conf": MACHINE_BOUND}) / "site.conf", root)
    addresses = rendered.listen_addresses()
    assert addresses
    assert all(address.startswith(f"{LOOPBACK}:") for address in addresses), addresses
    # *:80 and [::]:80 are one port; 443 is served, in plain HTTP.
    assert set(rendered.ports) == {"80", "8080", "443"}
    assert f"{LOOPBACK}:{rendered.ports['80']}" in addresses
    assert f"{LOOPBACK}:{rendered.ports['443']}" in addresses


def test_every_machine_path_is_inside_the_root(tmp_path: Path, root: Path) -> None:
    rendered = render(write(tmp_path, {"site.conf": MACHINE_BOUND}) / "site.conf", root)
    nodes = _rendered_nodes(rendered)
    checked = 0
    for node in nodes:
        if node.key in _PATHS and len(node.args) > _PATHS[node.key]:
            path = Path(node.args[_PATHS[node.key]])
            inside = root.resolve() in path.parents or path == root.resolve()
            assert inside or (node.key == "loadmodule" and path.parent == MODULES), node
            checked += 1
        if node.key == "mutex":
            assert node.args[0].startswith(f"file:{root.resolve()}"), node
    assert checked >= len(_PATHS) - 1
    # What ties the fixture to the machine is left out of it: the wrapper sets its own.
    fixture_nodes = [node for node in nodes if node.file.abspath == root / "site.conf"]
    assert fixture_nodes
    assert not [n for n in fixture_nodes if n.key.startswith("ssl") or n.key in ("user", "pidfile")]
    assert (root / "var" / "www" / "app").is_dir()
    assert (root / ".htpasswd").read_text().startswith("alice:{SHA}")
    matched = next(node for node in fixture_nodes if node.key == "directorymatch")
    assert matched.args[0] == f"^{re.escape(str(root.resolve()))}/var/www/app/private"
    rendered.create(["/static/app.css", "/cgi-bin/run.cgi", "/page.html"])
    assert (root / "srv" / "static" / "app.css").is_file()
    assert (root / "usr" / "lib" / "cgi-bin" / "run.cgi").is_file()
    assert (root / "var" / "www" / "app" / "page.html").is_file()


def test_upstreams_become_the_recorders(tmp_path: Path, root: Path) -> None:
    rendered = render(write(tmp_path, {"site.conf": MACHINE_BOUND}) / "site.conf", root)
    upstreams = rendered.upstreams
    assert set(upstreams) == {
        "9000",
        "9001",
        "9002",
        "9003",
        "9004",
        "9005",
        "unix:/run/php/php8.2-fpm.sock",
    }
    assert isinstance(upstreams["9000"], FastCgiRecorder)
    assert isinstance(upstreams["9005"], FastCgiRecorder)
    assert isinstance(upstreams["unix:/run/php/php8.2-fpm.sock"], FastCgiRecorder)
    assert all(type(upstreams[label]) is Recorder for label in ("9001", "9002", "9003", "9004"))
    text = (root / "site.conf").read_text()
    for label, upstream in upstreams.items():
        assert f"127.0.0.1:{upstream.port}" in text, label
    # A proxy to a port the fixture listens on reaches the fixture's own server.
    assert f"http://127.0.0.1:{rendered.ports['8080']}/" in text
    assert "unix:" not in text
    assert ":9001" not in text
    assert "localhost:" not in text


def test_the_machine_bound_fixture_passes_httpd_syntax_test(tmp_path: Path, root: Path) -> None:
    rendered = render(write(tmp_path, {"site.conf": MACHINE_BOUND}) / "site.conf", root)
    result = syntax_check(required_apache(), rendered)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("text", "modules"),
    [
        (
            '<FilesMatch \\.php$>\n SetHandler "proxy:fcgi://127.0.0.1:9000"\n</FilesMatch>\n',
            ["proxy", "proxy_fcgi"],
        ),
        (
            "RewriteEngine On\nRewriteRule ^/a http://127.0.0.1:9001/ [P]\n",
            ["rewrite", "proxy", "proxy_http"],
        ),
        (
            "<Proxy balancer://b>\n BalancerMember http://127.0.0.1:9001\n</Proxy>\n",
            ["proxy", "slotmem_shm", "lbmethod_byrequests", "proxy_balancer", "proxy_http"],
        ),
        ("CacheEnable disk /\n", ["cache", "cache_disk"]),
        (
            "AuthType Basic\nAuthName x\nAuthUserFile /x\nRequire valid-user\n",
            ["authn_core", "auth_basic", "authn_file", "authz_user"],
        ),
        ("Header always set X-A 1\nRequestHeader unset Authorization\n", ["headers"]),
        ('SetEnvIf Authorization "(.+)" HTTP_AUTHORIZATION=$1\n', ["setenvif"]),
        ("ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/\n", ["alias", "cgid"]),
        ("LoadModule expires_module /usr/lib/apache2/modules/mod_expires.so\n", ["expires"]),
        ("ServerName app.example.com\n", []),
    ],
)
def test_the_modules_loaded_are_those_the_directives_need(
    text: str, modules: list[str], tmp_path: Path
) -> None:
    loaded = _module_list(text, tmp_path)
    base = ["mpm_event", "authz_core", "mime", "dir"]
    assert sorted(loaded) == sorted(dict.fromkeys(base + modules))
    # A module loads after those whose functions it calls.
    for before, after in (
        ("proxy", "proxy_fcgi"),
        ("proxy", "proxy_http"),
        ("cache", "cache_disk"),
    ):
        if after in loaded:
            assert loaded.index(before) < loaded.index(after)


def test_a_fixtures_own_mpm_replaces_the_base_one(tmp_path: Path) -> None:
    loaded = _module_list(
        "LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so\n", tmp_path
    )
    assert "mpm_prefork" in loaded
    assert "mpm_event" not in loaded


def test_an_htaccess_alone_is_the_document_root(tmp_path: Path, root: Path) -> None:
    fixture = write(tmp_path, {"bad.htaccess": "Header set X-A 1\n"}) / "bad.htaccess"
    rendered = render(fixture, root)
    assert (root / "htdocs" / ".htaccess").read_text() == "Header set X-A 1\n"
    assert rendered.document_roots == [root.resolve() / "htdocs"]
    assert "headers" in rendered.modules


def test_a_folders_htaccess_lands_where_its_path_says(tmp_path: Path, root: Path) -> None:
    fixture = write(
        tmp_path,
        {
            "site.conf": "<VirtualHost *:80>\n DocumentRoot /var/www/app\n</VirtualHost>\n",
            "var/www/app/sub/.htaccess": "Require all denied\n",
        },
    )
    rendered = render(fixture, root)
    assert (root / "var/www/app/sub/.htaccess").exists()
    rendered.create(["/sub/page.html", "/users/5", "/index.php?x=1"])
    app = root.resolve() / "var" / "www" / "app"
    assert (app / "sub" / "page.html").exists()
    assert (app / "index.php").exists()
    assert not (app / "users").exists()


def test_without_drops_the_lines_holding_it(tmp_path: Path, root: Path) -> None:
    fixture = write(
        tmp_path,
        {"site.conf": "<Directory /var/www>\n CGIPassAuth On\n Header set X-A 1\n</Directory>\n"},
    )
    render(fixture / "site.conf", root, without="CGIPassAuth")
    text = (root / "site.conf").read_text()
    assert "CGIPassAuth" not in text
    assert "Header set X-A 1" in text


# A Debian layout of this project's own writing: apache2.conf at its ServerRoot, its
# machine paths from the environment apachectl would set.
DEBIAN = {
    "apache2.conf": (
        "PidFile ${APACHE_PID_FILE}\nMutex file:${APACHE_LOCK_DIR} default\n"
        "User ${APACHE_RUN_USER}\nErrorLog ${APACHE_LOG_DIR}/error.log\n"
        "IncludeOptional mods-enabled/*.load\nInclude ports.conf\n"
        "IncludeOptional sites-enabled/*.conf\n"
    ),
    "ports.conf": "Listen 80\n<IfModule ssl_module>\n    Listen 443\n</IfModule>\n",
    "mods-enabled/headers.load": (
        "LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so\n"
    ),
    "sites-enabled/000-default.conf": (
        "<VirtualHost *:80>\n    DocumentRoot /var/www/html\n"
        "    CustomLog ${APACHE_LOG_DIR}/access.log combined\n"
        '    Header always set X-Layout "debian"\n</VirtualHost>\n'
    ),
    "sites-available/default-ssl.conf": (
        "<VirtualHost *:443>\n    SSLEngine on\n    Header set X-Unread 1\n</VirtualHost>\n"
    ),
}


def test_a_debian_layout_runs_without_etc_apache2(tmp_path: Path, root: Path) -> None:
    rendered = render(write(tmp_path / "etc" / "apache2", DEBIAN).parents[1], root)
    # Port 443 is inside an <IfModule> that does not hold; sites-available is not read.
    assert set(rendered.ports) == {"80"}
    assert "ssl" not in rendered.modules
    assert "headers" in rendered.modules
    rendered.create(["/index.html"])
    assert (root / "var" / "www" / "html" / "index.html").exists()
    with Httpd(required_apache(), rendered):
        response = send(rendered.ports["80"], {"path": "/index.html"})
    assert response.status == 200
    assert response.header("X-Layout") == ["debian"]


def test_an_ssl_host_is_served_in_plain_http(tmp_path: Path, root: Path) -> None:
    fixture = write(
        tmp_path,
        {
            "site.conf": (
                "<IfModule mod_ssl.c>\n<VirtualHost *:443>\n    SSLEngine on\n"
                "    SSLCertificateFile /etc/ssl/certs/app.pem\n"
                "    Header always set X-Served yes\n</VirtualHost>\n</IfModule>\n"
            )
        },
    )
    rendered = render(fixture / "site.conf", root)
    with Httpd(required_apache(), rendered):
        response = send(rendered.port_for(443), {"path": "/"})
    assert response.header("X-Served") == ["yes"]


def test_a_fixture_httpd_refuses_fails_with_httpds_message(tmp_path: Path, root: Path) -> None:
    fixture = write(tmp_path, {"site.conf": "Header bogus X-A 1\n"}) / "site.conf"
    rendered = render(fixture, root)
    with pytest.raises(
        RuntimeError, match=r"apache2 -t refuses(.|\n)*Syntax error on line 1 of .*site\.conf"
    ):
        Httpd(required_apache(), rendered).__enter__()
    assert all(upstream.hits == 0 for upstream in rendered.upstreams.values())
