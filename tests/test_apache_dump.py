"""`apachectl -t -D DUMP_CONFIG | authlint check -`: a running server's whole Apache
configuration, linted at the paths and lines httpd names."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from authlint.dumps import DumpError
from authlint.engine import run_stdin
from authlint.formats import IncludeOptions
from tests.apache_httpd import APACHE2, MODULES, available

SITE = """\
<VirtualHost *:80>
  ServerName api.example.com
  Header always set Access-Control-Allow-Origin "expr=%{req:Origin}"
  Header always set Access-Control-Allow-Credentials "true"
</VirtualHost>
"""


def _server(root: Path) -> Path:
    (root / "sites-enabled").mkdir()
    (root / "sites-enabled" / "api.conf").write_text(SITE)
    modules = "".join(
        f"LoadModule {name}_module {MODULES}/mod_{name}.so\n"
        for name in ("mpm_event", "authz_core", "headers", "macro")
    )
    config = root / "apache2.conf"
    config.write_text(
        f"ServerRoot {root}\nPidFile {root}/pid\nErrorLog /dev/null\nListen 127.0.0.1:1\n"
        f"ServerName localhost\n{modules}"
        "<Macro Cors $origin>\n"
        "  Header always set Access-Control-Allow-Origin $origin\n"
        "  Header always set Access-Control-Allow-Credentials true\n"
        "</Macro>\n"
        "<VirtualHost *:80>\n  ServerName macro.example.com\n  Use Cors *\n</VirtualHost>\n"
        "IncludeOptional sites-enabled/*.conf\n"
    )
    return config


@pytest.mark.skipif(not available(), reason="apache2 is not installed")
def test_a_dump_is_linted_at_the_servers_paths_and_lines(tmp_path: Path) -> None:
    config = _server(tmp_path)
    dump = subprocess.run(
        [
            APACHE2,
            "-f",
            str(config),
            "-C",
            f"LoadModule info_module {MODULES}/mod_info.so",
            "-t",
            "-D",
            "DUMP_CONFIG",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    # As `2>&1` would give it: httpd's messages first.
    result = run_stdin(dump.stderr + dump.stdout, IncludeOptions())
    found = sorted((item.rule, item.span.path, item.span.line) for item in result.findings)
    assert found == [
        # The macro's lines, at the file that defines them.
        ("AL301", str(config), 11),
        ("AL302", str(tmp_path / "sites-enabled" / "api.conf"), 3),
    ]
    # The dump keeps no indentation: the directive starts the line written out.
    located = next(item for item in result.findings if item.rule == "AL302")
    assert (located.span.column, located.span.end_column) == (1, 67)
    # Nothing of the copy written to read it is left, or shown.
    assert all(str(tmp_path) in item.span.path for item in result.findings)


def test_messages_without_a_configuration_are_refused() -> None:
    with pytest.raises(DumpError, match="mod_info is not loaded"):
        run_stdin("Syntax OK\n# In file: /etc/apache2/apache2.conf\n", IncludeOptions())


@pytest.mark.parametrize(
    ("path", "message"),
    [("relative/apache2.conf", "relative path"), ("/etc/../../x.conf", "could lead out")],
)
def test_unsafe_paths_are_refused(path: str, message: str) -> None:
    with pytest.raises(DumpError, match=message):
        run_stdin(f"# In file: {path}\n#   1:\nServerName x\n", IncludeOptions())


def test_a_directive_before_any_file_is_refused() -> None:
    with pytest.raises(DumpError, match="before any `# In file:`"):
        run_stdin("ServerName x\n# In file: /etc/apache2/apache2.conf\n", IncludeOptions())
