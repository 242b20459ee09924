"""Discovery: which files under the given paths are read as nginx, and which are left alone.

Pins issue 2, item 4: directories are walked in sorted order, skipping VCS,
virtual environments and dependency folders; nginx files are recognised by
name and by content; an Apache ``.conf`` and files that are not configs are
ignored rather than reported as broken nginx.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from authlint.cli import main
from authlint.discovery import PathNotFoundError, discover

from conftest import lint, write

SITE = "server {\n    listen 80;\n    server_name example.com;\n}\n"
VIRTUAL_HOST = """\
<VirtualHost *:80>
    ServerName example.com
    ProxyPass / http://127.0.0.1:9000/;
</VirtualHost>
"""
DIRECTORY = """\
# Apache main config
ServerRoot "/etc/httpd"
Listen 80
<Directory "/var/www/html">
    Options Indexes FollowSymLinks;
    Require all granted
</Directory>
"""


def found(root: Path, *paths: Path, cwd: Path | None = None) -> list[str]:
    """The files discovery yields for ``paths`` (default: ``root``), relative to ``root``."""
    groups = discover(list(paths) or [root], (cwd or root).resolve())
    real = root.resolve()
    return [
        file.relative_to(real).as_posix() if file.is_relative_to(real) else file.as_posix()
        for group in groups
        for file in group.files.get("nginx", ())
    ]


def test_directories_are_walked_in_sorted_order(tree) -> None:
    root = tree(
        {
            "zeta/site.conf": SITE,
            "beta.conf": SITE,
            "alpha/b.conf": SITE,
            "alpha/a.conf": SITE,
            "alpha/sub/c.conf": SITE,
            "gamma.conf": SITE,
        }
    )
    assert found(root) == [
        "alpha/a.conf",
        "alpha/b.conf",
        "alpha/sub/c.conf",
        "beta.conf",
        "gamma.conf",
        "zeta/site.conf",
    ]


@pytest.mark.parametrize(
    "folder", [".git", ".git/hooks", "node_modules/pkg", "__pycache__", ".venv", "venv"]
)
def test_tooling_folders_are_skipped(tree, folder: str) -> None:
    root = tree({"site.conf": SITE, f"{folder}/site.conf": SITE, f"{folder}/nginx.conf": SITE})
    assert found(root) == ["site.conf"]


def test_a_virtualenv_is_skipped_by_its_pyvenv_cfg_whatever_its_name(tree) -> None:
    root = tree(
        {
            "site.conf": SITE,
            "py311/pyvenv.cfg": "home = /usr/bin\n",
            "py311/lib/site.conf": SITE,
            "py311/nginx.conf": SITE,
        }
    )
    assert found(root) == ["site.conf"]


def test_hidden_files_are_skipped(tree) -> None:
    root = tree(
        {
            ".site.conf": SITE,
            "conf.d/.old.conf": SITE,
            "sites-enabled/.default.swp": SITE,
            "conf.d/site.conf": SITE,
        }
    )
    assert found(root) == ["conf.d/site.conf"]
    result = lint(root, cwd=root)
    assert result.files_scanned == 1


@pytest.mark.parametrize("text", [VIRTUAL_HOST, DIRECTORY], ids=["VirtualHost", "Directory"])
@pytest.mark.parametrize("name", ["site.conf", "conf.d/ssl.conf", "sites-enabled/000-default"])
def test_an_apache_conf_is_read_as_apache_not_reported_as_broken_nginx(
    tree, name: str, text: str
) -> None:
    root = tree({name: text})
    result = lint(root, cwd=root)
    assert result.findings == []
    assert all(source.format != "nginx" for source in result.files.values())


def test_an_apache_section_after_nginx_looking_lines_is_still_apache(tree) -> None:
    root = tree(
        {"vhost.conf": "# generated\nuser www-data;\n\n<VirtualHost *:80>\n</VirtualHost>\n"}
    )
    assert found(root) == []


@pytest.mark.parametrize(
    "name", ["README.md", "app.py", "values.yaml", "docker-compose.yml", "notes.txt", "data.json"]
)
def test_files_that_are_not_configs_are_ignored(tree, name: str) -> None:
    # Even with nginx-looking content: a walk reads config-like names only.
    root = tree({name: SITE, "site.conf": SITE})
    assert found(root) == ["site.conf"]


def test_a_conf_that_is_not_nginx_is_ignored(tree) -> None:
    root = tree(
        {
            "app.conf": "[section]\nkey = value\n",
            "supervisord.conf": "[program:app]\ncommand=/usr/bin/app\n",
            "empty.conf": "",
            "site.conf": SITE,
        }
    )
    assert found(root) == ["site.conf"]
    assert lint(root, cwd=root).findings == []


def test_extensionless_nginx_files_in_sites_enabled_are_found(tree) -> None:
    root = tree(
        {
            "sites-enabled/default": SITE,
            "sites-enabled/example.com": SITE,
            "sites-available/api": SITE,
            "sites-enabled/README": "These files are symlinked by the deploy script.\n",
        }
    )
    assert found(root) == [
        "sites-available/api",
        "sites-enabled/default",
        "sites-enabled/example.com",
    ]


def test_nginx_conf_and_conf_samples_are_recognised(tree) -> None:
    root = tree(
        {
            "nginx.conf": "user www-data;\nevents {}\nhttp {}\n",
            "site.conf.sample": SITE,
            "deploy/nginx.conf.sample": "events {}\nhttp {}\n",
            "example.conf.example": SITE,
        }
    )
    assert found(root) == [
        "deploy/nginx.conf.sample",
        "example.conf.example",
        "nginx.conf",
        "site.conf.sample",
    ]


def test_a_file_named_nginx_conf_is_nginx_whatever_its_content(tree) -> None:
    # Named like nginx's main config: read, and reported when it does not parse.
    root = tree({"nginx.conf": "this is not a config\n"})
    assert found(root) == ["nginx.conf"]
    assert [f.rule for f in lint(root, cwd=root).findings] == ["AL001"]


@pytest.mark.parametrize("name", ["notes.txt", "README.md", "nginx-site", "site.j2"])
def test_a_file_given_explicitly_is_checked_by_content_whatever_its_name(tree, name: str) -> None:
    root = tree({name: SITE})
    assert found(root, root / name) == [name]
    assert lint(root / name, cwd=root).files_scanned == 1


@pytest.mark.parametrize("text", ["Just some notes.\n", "key: value\n"])
def test_a_file_given_explicitly_that_is_not_nginx_is_ignored(tree, text: str) -> None:
    root = tree({"site.conf": text})
    assert found(root, root / "site.conf") == []
    result = lint(root / "site.conf", cwd=root)
    assert result.findings == []
    assert result.files_scanned == 0


def test_files_given_one_by_one_share_the_current_directory_as_their_tree(tree) -> None:
    root = tree({"a/site.conf": SITE, "b/site.conf": SITE})
    groups = discover([Path("b/site.conf"), Path("a/site.conf")], root.resolve())
    assert len(groups) == 1
    assert groups[0].boundary == root.resolve()
    assert [path.relative_to(root.resolve()).as_posix() for path in groups[0].files["nginx"]] == [
        "b/site.conf",
        "a/site.conf",
    ]


def test_a_file_given_twice_or_also_inside_a_given_directory_is_read_once(tree) -> None:
    root = tree({"conf.d/site.conf": SITE})
    assert found(root, root, root / "conf.d/site.conf", root / "conf.d") == ["conf.d/site.conf"]


def test_a_nonexistent_path_raises_path_not_found(tree) -> None:
    root = tree({"site.conf": SITE})
    with pytest.raises(PathNotFoundError, match=r"missing\.conf"):
        discover([root / "site.conf", Path("missing.conf")], root)


def test_a_nonexistent_path_on_the_command_line_exits_2_with_one_line(
    tree, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tree({"site.conf": SITE})
    monkeypatch.chdir(root)
    monkeypatch.setattr(sys, "argv", ["authlint", "check", "site.conf", "no/such/dir"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "no/such/dir" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_symlinked_folder_is_not_entered_so_a_loop_does_not_hang(tree) -> None:
    root = tree({"conf.d/site.conf": SITE})
    os.symlink("..", root / "conf.d" / "loop")
    os.symlink("conf.d", root / "conf.d-link")
    assert found(root) == ["conf.d/site.conf"]


def test_a_symlinked_file_and_its_target_inside_the_tree_are_linted_once(tree) -> None:
    """Discovery yields both paths; the loader knows files by their real path."""
    root = tree({"sites-available/example": SITE})
    (root / "sites-enabled").mkdir()
    os.symlink("../sites-available/example", root / "sites-enabled" / "example")
    assert found(root) == ["sites-available/example", "sites-enabled/example"]
    assert lint(root, cwd=root).files_scanned == 1


def test_a_symlink_pointing_outside_the_tree_is_not_read(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"site.conf": SITE.replace("80;", "80")})
    root = write(tmp_path / "repo", {"conf.d/ok.conf": SITE})
    os.symlink(outside / "site.conf", root / "conf.d" / "linked.conf")
    assert found(root) == ["conf.d/linked.conf", "conf.d/ok.conf"]
    result = lint(root, cwd=root)
    assert not [f for f in result.findings if f.span.path.startswith("/")]
    assert result.files_scanned == 1
    outside_links = [f for f in result.findings if f.rule == "AL004"]
    assert [(f.span.path, f.span.line) for f in outside_links] == [("conf.d/linked.conf", 1)]


@pytest.mark.parametrize(
    "first",
    ["brotli on;", "pagespeed on;", "geoip2 /etc/GeoIP2/country.mmdb {\n}", "modsecurity on;"],
)
def test_a_snippet_opening_with_a_third_party_module_is_nginx(tree, first: str) -> None:
    root = tree({"compression.conf": f"{first}\ngzip on;\n"})
    assert found(root) == ["compression.conf"]


def test_show_files_lists_what_a_run_reads_included_files_too(tree, capsys, monkeypatch) -> None:
    root = tree(
        {
            "nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
            "conf.d/site.conf": SITE,
            "snippets/unused.conf": "gzip on;\n",
            "README.md": SITE,
            "apache.conf": VIRTUAL_HOST,
        }
    )
    monkeypatch.chdir(root)
    monkeypatch.setattr(sys, "argv", ["authlint", "check", "--show-files"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out == "apache.conf\nconf.d/site.conf\nnginx.conf\nsnippets/unused.conf\n"


def test_an_htaccess_is_apaches_whatever_it_holds(tree) -> None:
    # `deny all;` would read as nginx; a file called .htaccess is httpd's.
    root = tree({"public/.htaccess": "deny from all;\n", "public/.hidden.conf": "deny all;\n"})
    result = lint(root, cwd=root)
    assert {path: source.format for path, source in result.files.items()} == {
        "public/.htaccess": "apache"
    }
