"""`.htaccess` files where httpd reads them: placed in the folders the virtual hosts serve,
under the `AllowOverride` in effect there, or read alone as under `AllowOverride All`."""

from __future__ import annotations

from pathlib import Path

from authlint.engine import load, run
from authlint.formats import IncludeOptions

from conftest import write

CORS = (
    'Header always set Access-Control-Allow-Origin "expr=%{req:Origin}"\n'
    'Header always set Access-Control-Allow-Credentials "true"\n'
)


def _host(directory: str, overrides: str, port: int = 80, root: str = "/srv/app/public") -> str:
    return (
        f"<VirtualHost *:{port}>\n  ServerName app.example.com\n  DocumentRoot {root}\n"
        f"  <Directory {directory}>\n    {overrides}\n  </Directory>\n</VirtualHost>\n"
    )


def _lint(root: Path) -> tuple[list[tuple[str, str, int]], list[str], list[str]]:
    result = run([root], IncludeOptions(), cwd=root)
    found = sorted((item.rule, item.span.path, item.span.line) for item in result.findings)
    return found, [item.message for item in result.findings], result.notes


def test_a_file_in_a_served_folder_is_read_there(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sites-enabled/app.conf": _host("/srv/app/public", "AllowOverride All"),
            # The tree is a copy of /: the folder at its own path.
            "srv/app/public/api/.htaccess": CORS,
        },
    )
    found, messages, notes = _lint(tmp_path)
    assert found == [("AL302", "srv/app/public/api/.htaccess", 1)]
    assert "`.htaccess /srv/app/public/api`" in messages[0]
    assert notes == []


def test_a_repository_layout_is_placed_by_the_folders_last_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "deploy/apache/app.conf": _host(
                "/var/www/app/public", "AllowOverride FileInfo", root="/var/www/app/public"
            ),
            "app/public/.htaccess": CORS,
        },
    )
    found, _, notes = _lint(tmp_path)
    assert found == [("AL302", "app/public/.htaccess", 1)]
    assert notes == []


def test_httpd_reads_no_file_under_allow_override_none(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sites-enabled/app.conf": _host("/srv/app/public", "Require all granted"),
            "srv/app/public/.htaccess": CORS,
        },
    )
    found, _, notes = _lint(tmp_path)
    assert found == []
    assert notes == [
        "`srv/app/public/.htaccess` is not read by httpd for /srv/app/public: "
        "`AllowOverride None` (httpd's default) there"
    ]


def test_the_deepest_directory_decides_and_a_class_it_lacks_is_refused(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sites-enabled/app.conf": _host("/srv/app", "AllowOverride All").replace(
                "</VirtualHost>",
                "  <Directory /srv/app/public>\n    AllowOverride AuthConfig\n  </Directory>\n"
                "</VirtualHost>",
            ),
            "srv/app/public/.htaccess": "Require valid-user\n" + CORS,
        },
    )
    found, messages, _ = _lint(tmp_path)
    assert found == [("AL008", "srv/app/public/.htaccess", 2)]
    assert "`AllowOverride AuthConfig` (sites-enabled/app.conf:8)" in messages[0]


def test_two_hosts_serving_one_folder_read_its_file_each(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sites-enabled/app.conf": _host("/srv/app/public", "AllowOverride All")
            + _host("/srv/app/public", "AllowOverride All", port=443),
            "srv/app/public/.htaccess": CORS,
        },
    )
    found, _, _ = _lint(tmp_path)
    # One place, one finding, whichever host reads it.
    assert found == [("AL302", "srv/app/public/.htaccess", 1)]


def test_a_file_no_host_serves_is_read_alone(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sites-enabled/app.conf": _host("/srv/app/public", "AllowOverride All"),
            "other/site/.htaccess": CORS,
            "other/site/api/.htaccess": "Header always unset Access-Control-Allow-Credentials\n",
        },
    )
    found, messages, notes = _lint(tmp_path)
    # The folder's own file is merged after the one above: below api/, no credentials.
    assert found == [("AL302", "other/site/.htaccess", 1)]
    assert "`.htaccess other/site`" in messages[0]
    assert len(notes) == 1
    assert "AllowOverride All" in notes[0]


def test_a_folder_an_alias_serves_reads_its_file(tmp_path: Path) -> None:
    host = (
        "<VirtualHost *:80>\n  ServerName app.example.com\n  DocumentRoot /srv/app/public\n"
        "  Alias /reports /opt/reports/html\n"
        "  <Directory /opt/reports/html>\n    AllowOverride All\n  </Directory>\n"
        "  <Location /reports/>\n    Header always set X-Reports yes\n  </Location>\n"
        "</VirtualHost>\n"
    )
    write(tmp_path, {"sites-enabled/app.conf": host, "opt/reports/html/.htaccess": CORS})
    found, _, notes = _lint(tmp_path)
    assert found == [("AL302", "opt/reports/html/.htaccess", 1)]
    # Placed in the folder: not read alone, no note.
    assert notes == []
    # The file's requests are /reports/...: the <Location> merges after it.
    workspace = load([tmp_path], IncludeOptions(), tmp_path)
    scope = next(s for s in workspace.scopes() if s.label == ".htaccess /opt/reports/html")
    chain = scope.settings.chain  # type: ignore[attr-defined]
    assert [level.label for level in chain][-1] == "Location /reports/"


def test_an_include_map_says_where_a_folder_is_served(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(
        site,
        {
            "apache/app.conf": _host("/var/www/shop", "AllowOverride All", root="/var/www/shop"),
            # Two names only: the folder's last two names say nothing of /var/www/shop.
            "web/.htaccess": CORS,
        },
    )
    alone = run([site], IncludeOptions(), cwd=site)
    assert [item.rule for item in alone.findings] == ["AL302"]
    assert len(alone.notes) == 1
    mapped = run(
        [site], IncludeOptions(maps=(("/var/www/shop", (site / "web").resolve()),)), cwd=site
    )
    assert [(item.rule, item.span.path) for item in mapped.findings] == [("AL302", "web/.htaccess")]
    # Placed in the host's document root: not read alone, no note.
    assert mapped.notes == []
