"""httpd's merge order, as the scopes of an Apache configuration list it: for the request
each scope stands for, the sections that apply, the main server's among them, then the
folders (shortest first, each folder's `.htaccess` after its sections), `<DirectoryMatch>`,
`<Files>`, `<Location>`, and a proxied request without the folders."""

from __future__ import annotations

import shutil
from pathlib import Path

from authlint.engine import load
from authlint.formats import IncludeOptions
from authlint.model.scope import Scope

import realapache
from conftest import write
from realapache import Httpd, required_apache, server_root
from realserver import send

SITE = """\
<Directory /srv>
  Header set X-Order srv
</Directory>
<VirtualHost *:80>
  ServerName app.example.com
  DocumentRoot /srv/app
  ProxyPass /static/ !
  ProxyPass / http://127.0.0.1:9000/
  <Location /static/>
    Header set X-Order location
  </Location>
  <Location /staticfiles>
    Header set X-Order other-location
  </Location>
  <FilesMatch "\\.css$">
    Header set X-Order files
  </FilesMatch>
  <DirectoryMatch "^/srv/app/static">
    Header set X-Order directorymatch
  </DirectoryMatch>
  <Directory /srv/app/static>
    AllowOverride FileInfo
    Header set X-Order static
    <Files "*.css">
      Header set X-Order nested-files
    </Files>
  </Directory>
  <Directory /srv/app>
    Header set X-Order app
  </Directory>
  <Location /api/>
    Header set X-Order api
  </Location>
</VirtualHost>
"""


def _scopes(tmp_path: Path, files: dict[str, str]) -> dict[str, Scope]:
    write(tmp_path, files)
    workspace = load([tmp_path], IncludeOptions(), tmp_path)
    return {scope.label: scope for scope in workspace.scopes()}


def _order(scope: Scope, directive: str = "header") -> list[str]:
    """The values of `X-Order` the merged sections set, in their order."""
    return [
        node.args[2]
        for level in scope.settings.chain  # type: ignore[attr-defined]
        for node in level.own.get(directive, ())
    ]


def test_sections_merge_in_httpds_order(tmp_path: Path) -> None:
    scopes = _scopes(
        tmp_path, {"site.conf": SITE, "srv/app/static/.htaccess": "Header set X-Order htaccess\n"}
    )
    # A file below /static/: kept local by `ProxyPass /static/ !`.
    assert _order(scopes["Files *.css"]) == [
        "srv",
        "app",
        "static",
        "htaccess",
        "directorymatch",
        "files",
        "nested-files",
        "location",
    ]
    # `<Location /static/>` does not apply to /staticfiles.
    assert "location" not in _order(scopes["Location /staticfiles"])


def test_a_proxied_request_merges_no_folder(tmp_path: Path) -> None:
    scopes = _scopes(tmp_path, {"site.conf": SITE})
    assert _order(scopes["Location /api/"]) == ["api"]


def test_a_folder_whose_path_is_proxied_merges_only_itself(tmp_path: Path) -> None:
    # `/` goes to the backend: the folder's own request maps to no file.
    scopes = _scopes(tmp_path, {"site.conf": SITE})
    assert _order(scopes["Directory /srv/app"]) == ["app"]


PROXIED = """\
<Proxy "http://127.0.0.1:9001/">
  RequestHeader append X-Order main-proxy
</Proxy>
<VirtualHost *:80>
  ServerName merge.example
  DocumentRoot /srv/merge
  RewriteEngine On
  RewriteRule ^/rw/(.*) http://127.0.0.1:9002/rewritten/$1 [P]
  ProxyPass /rw/ http://127.0.0.1:9001/never/
  ProxyPass /pp/ http://127.0.0.1:9001/pp/
  <Directory /srv/merge>
    RequestHeader append X-Order folder
  </Directory>
  <Proxy "http://127.0.0.1:9001/pp">
    RequestHeader append X-Order proxy-prefix
  </Proxy>
  <ProxyMatch "/rewritten/">
    RequestHeader append X-Order proxy-match
  </ProxyMatch>
  <Proxy "http://127.0.0.1:9002/*">
    RequestHeader append X-Order proxy-wildcard
  </Proxy>
  <Proxy "http://127.0.0.1:9001/other">
    RequestHeader append X-Order proxy-other
  </Proxy>
  <Location /pp/>
    RequestHeader append X-Order location-pp
  </Location>
  <Location /rw/>
    RequestHeader append X-Order location-rw
  </Location>
  <Location /local/>
    ProxyPass http://127.0.0.1:9001/other/
    RequestHeader append X-Order location-local
  </Location>
</VirtualHost>
"""
# What httpd 2.4 merges for each request, as its backend receives `X-Order` (checked on
# httpd by the test below): the <Proxy> sections the backend's URL matches, main
# server's first, in place of the folders; a server-context `RewriteRule [P]` wins over
# `ProxyPass`.
PROXIED_ORDER = {
    "/pp/items": ("Location /pp/", ["main-proxy", "proxy-prefix", "location-pp"]),
    "/rw/items": ("Location /rw/", ["proxy-match", "proxy-wildcard", "location-rw"]),
    "/local/items": ("Location /local/", ["main-proxy", "proxy-other", "location-local"]),
}


def _request_order(scope: Scope) -> list[str]:
    return _order(scope, "requestheader")


def test_a_proxied_request_merges_the_proxy_sections_its_backend_matches(tmp_path: Path) -> None:
    scopes = _scopes(tmp_path, {"site.conf": PROXIED})
    for label, order in PROXIED_ORDER.values():
        assert _request_order(scopes[label]) == order, label


def test_a_proxy_section_stands_for_a_request_passed_through_it(tmp_path: Path) -> None:
    scopes = _scopes(tmp_path, {"site.conf": PROXIED})
    # `ProxyPass /pp/ http://127.0.0.1:9001/pp/` sends /pp/ through it.
    assert _request_order(scopes["Proxy http://127.0.0.1:9001/pp"]) == [
        "main-proxy",
        "proxy-prefix",
        "location-pp",
    ]
    # Reached through the `ProxyPass` of `<Location /local/>`.
    assert "proxy-other" in _request_order(scopes["Proxy http://127.0.0.1:9001/other"])


def test_a_server_rewrite_to_a_backend_wins_over_proxypass(tmp_path: Path) -> None:
    scopes = _scopes(tmp_path, {"site.conf": PROXIED})
    upstream = scopes["Location /rw/"].settings.upstream
    assert upstream is not None
    assert upstream.target == "http://127.0.0.1:9002/rewritten/$1"
    assert upstream.origin is not None
    assert upstream.origin.name == "RewriteRule"


def test_httpd_merges_the_proxy_sections_as_the_model_says(tmp_path: Path) -> None:
    binary = required_apache()
    site = tmp_path / "site.conf"
    site.write_text(PROXIED)
    root = server_root()
    try:
        rendered = realapache.render(site, root)
        with Httpd(binary, rendered):
            for path, (_, order) in PROXIED_ORDER.items():
                before = {label: up.hits for label, up in rendered.upstreams.items()}
                response = send(rendered.port_for(None), {"path": path})
                assert response.status == 200, path
                reached = [
                    up for label, up in rendered.upstreams.items() if up.hits > before[label]
                ]
                assert len(reached) == 1, path
                assert reached[0].received[-1].header("X-Order") == [", ".join(order)], path
    finally:
        shutil.rmtree(root, ignore_errors=True)
