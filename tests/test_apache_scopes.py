"""httpd's merge order, as the scopes of an Apache configuration list it: for the request
each scope stands for, the sections that apply, the main server's among them, then the
folders (shortest first, each folder's `.htaccess` after its sections), `<DirectoryMatch>`,
`<Files>`, `<Location>`, and a proxied request without the folders."""

from __future__ import annotations

from pathlib import Path

from authlint.engine import load
from authlint.formats import IncludeOptions
from authlint.model.scope import Scope

from conftest import write

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


def _order(scope: Scope) -> list[str]:
    """The values of `X-Order` the merged sections set, in their order."""
    return [
        node.args[2]
        for level in scope.settings.chain  # type: ignore[attr-defined]
        for node in level.own.get("header", ())
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
