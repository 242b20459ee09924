"""Hostile Apache input: bounded work, a finding where authlint stops, the rest linted.

The attacks of issue 9, in httpd's syntax: includes and macros that fan out,
a `Define` built from two others level after level (httpd would double the
line each time), sections nested without end (in a file, and through
includes), and section regexes that backtrack without end. Each ends in a
finding at its file and line (or one warning for the run), never in an
internal error or a hang, and another file of the tree is still linted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from authlint.apache.parser import MAX_DEPTH
from authlint.engine import run
from authlint.formats import IncludeOptions
from authlint.model.origins import RUN_SECONDS

from conftest import write

# PHP through PHP-FPM without CGIPassAuth: AL102 on line 4 whenever it is linted.
CANARY = """\
<VirtualHost *:80>
    DocumentRoot /var/www/app
    <FilesMatch \\.php$>
        SetHandler "proxy:fcgi://127.0.0.1:9000"
    </FilesMatch>
</VirtualHost>
"""
CANARY_FINDING = ("AL102", "canary.conf", 4)


def _lint(root: Path) -> list[tuple[str, str, int]]:
    result = run([root], IncludeOptions(), cwd=root)
    return sorted((item.rule, item.span.path, item.span.line) for item in result.findings)


def _messages(root: Path) -> list[str]:
    return [item.message for item in run([root], IncludeOptions(), cwd=root).findings]


def test_an_include_bomb_stops_at_one_finding_and_the_rest_is_linted(tmp_path: Path) -> None:
    files = {
        f"bomb/{level:02d}.conf": f"Include bomb/{level + 1:02d}.conf\n" * 2 for level in range(30)
    }
    files["bomb/30.conf"] = "Header set X-Depth deep\n"
    files["site.conf"] = "<VirtualHost *:80>\n    Include bomb/00.conf\n</VirtualHost>\n"
    write(tmp_path, {**files, "canary.conf": CANARY})
    found = _lint(tmp_path)
    stops = [item for item in found if item[0] == "AL001"]
    assert len(stops) == 1
    assert CANARY_FINDING in found


def test_a_macro_bomb_stops_at_one_finding(tmp_path: Path) -> None:
    macros = "".join(f"<Macro M{n}>\nUse M{n + 1}\nUse M{n + 1}\n</Macro>\n" for n in range(40))
    macros += "<Macro M40>\nHeader set X-Depth deep\n</Macro>\n"
    macros += "<VirtualHost *:80>\nUse M0\n</VirtualHost>\n"
    write(tmp_path, {"site.conf": macros, "canary.conf": CANARY})
    found = _lint(tmp_path)
    assert [item[0] for item in found].count("AL001") == 1
    assert CANARY_FINDING in found


def test_a_define_that_doubles_at_every_line_stops_at_one_finding(tmp_path: Path) -> None:
    # httpd would build a value of 8 TiB at the last line.
    defines = "Define V0 abcdefgh\n" + "".join(
        f"Define V{n + 1} ${{V{n}}}${{V{n}}}\n" for n in range(40)
    )
    write(
        tmp_path,
        {
            "site.conf": defines + "<VirtualHost *:80>\n    ServerName ${V40}\n</VirtualHost>\n",
            "canary.conf": CANARY,
        },
    )
    found = _lint(tmp_path)
    stops = [item for item in found if item[0] == "AL001"]
    assert len(stops) == 1
    # Stopped after a few megabytes of replacement, not at the end.
    assert stops[0][1] == "site.conf"
    assert stops[0][2] < 30
    assert "`${NAME}` replacements" in " ".join(_messages(tmp_path))
    assert CANARY_FINDING in found


def test_sections_nested_without_end_are_read_to_a_depth(tmp_path: Path) -> None:
    depth = MAX_DEPTH * 50
    nested = "<Location /a>\n" * depth + "Header set X a\n" + "</Location>\n" * depth
    conditions = "<IfModule x>\n" * depth + "Header set X a\n" + "</IfModule>\n" * depth
    write(
        tmp_path,
        {
            "nested.conf": f"<VirtualHost *:80>\n{nested}</VirtualHost>\n",
            "conditions.conf": conditions,
            "canary.conf": CANARY,
        },
    )
    found = _lint(tmp_path)
    # The section that opens past the limit, in each file.
    assert ("AL001", "nested.conf", MAX_DEPTH + 1) in found
    assert ("AL001", "conditions.conf", MAX_DEPTH + 1) in found
    assert CANARY_FINDING in found


def test_sections_nested_through_includes_are_read_to_a_depth(tmp_path: Path) -> None:
    # Each file is shallow; together they nest 40 x 60 sections deep.
    files = {
        f"deep/{level:02d}.conf": "<Location /a>\n" * 40
        + f"Include deep/{level + 1:02d}.conf\n"
        + "</Location>\n" * 40
        for level in range(60)
    }
    files["deep/60.conf"] = "Header set X a\n"
    # A main configuration: the files it includes are not read alone besides.
    files["httpd.conf"] = (
        "ServerRoot .\n<VirtualHost *:80>\n    Include deep/00.conf\n</VirtualHost>\n"
    )
    write(tmp_path, {**files, "canary.conf": CANARY})
    found = _lint(tmp_path)
    # Where the reading stopped; the files below it are then read alone, each to the depth.
    stops = [item for item in found if item[0] == "AL001"]
    assert 1 <= len(stops) <= len(files) // 3
    deep = [message for message in _messages(tmp_path) if "nested more than" in message]
    assert len(deep) == len(stops)
    assert all("through includes and macros: authlint reads no deeper" in m for m in deep)
    assert CANARY_FINDING in found


def test_section_regexes_that_backtrack_without_end_end_in_one_warning(tmp_path: Path) -> None:
    slow = "".join(
        f'<LocationMatch "^/(.*a){{{24 + n}}}\\.x{n}$">\n'
        f"    Header always set X-Slow {n}\n</LocationMatch>\n"
        for n in range(8)
    )
    write(
        tmp_path,
        {
            "site.conf": f"<VirtualHost *:80>\n{slow}<Location /{'a' * 60}>\n"
            "    Header set X-Long yes\n</Location>\n</VirtualHost>\n",
            "canary.conf": CANARY,
        },
    )
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", "--isolated", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stderr
    assert f"took more than {RUN_SECONDS:g} s" in done.stderr
    assert "canary.conf:4" in done.stdout
