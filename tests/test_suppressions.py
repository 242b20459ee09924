"""Inline suppressions: ``# authlint: ignore[...]`` and ``ignore-file[...]`` comments.

A suppression removes exactly the findings it covers (its rules, on its line
or in its file, in its own file), an unused or invalid one is reported (AL005,
AL006), and neither AL001 nor those two can be hidden by a comment.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from authlint.engine import Result
from authlint.engine import run as run_engine
from authlint.formats import IncludeOptions
from authlint.reporters import renderer
from authlint.rule import load_rules
from authlint.rules.diagnostics.unused_suppression import UnusedSuppression
from authlint.selection import Selection
from authlint.suppression import Suppression, scan

from conftest import REPO, RULE_FIXTURES, expected_findings, model

ALL_RULES = frozenset(rule.id for rule in load_rules())


def site(*lines: str, then: tuple[str, ...] = ()) -> dict[str, str]:
    """A one-file tree: a server whose ``/api/`` location holds ``lines`` from line 5.

    ``then`` fills a second location, ``/v2/``, whose lines start at
    ``len(lines) + 8``.
    """

    def location(path: str, body: tuple[str, ...], port: int) -> str:
        indented = "".join(f"        {line}\n" if line else "\n" for line in body)
        upstream = f"        proxy_pass http://127.0.0.1:{port};\n"
        return f"    location {path} {{\n{indented}{upstream}    }}\n"

    second = location("/v2/", then, 9002) if then else ""
    return {
        "site.conf": f"server {{\n    listen 8080;\n\n{location('/api/', lines, 9001)}{second}}}\n"
    }


def run(root: Path, enabled: frozenset[str] | None = None) -> Result:
    selection = None if enabled is None else Selection(enabled)
    return run_engine([root], IncludeOptions(), cwd=root, selection=selection)


def found(result: Result) -> list[tuple[str, int]]:
    """(rule, line) per finding, in the reported order: by line, then column."""
    return [(finding.rule, finding.span.line) for finding in result.findings]


STRIP = 'proxy_set_header Authorization "";'


def test_unsuppressed_lines_are_found(tree) -> None:
    root = tree(site(STRIP, then=(STRIP,)))
    assert found(run(root)) == [("AL102", 5), ("AL102", 9)]


def test_trailing_suppression_removes_only_its_finding(tree) -> None:
    root = tree(site(f"{STRIP}  # authlint: ignore[AL102] the API is public", then=(STRIP,)))
    result = run(root)
    assert found(result) == [("AL102", 9)]
    assert result.suppressed == 1


def test_other_rule_named_on_the_line_hides_nothing(tree) -> None:
    root = tree(site(f"{STRIP}  # authlint: ignore[AL103]"))
    result = run(root)
    assert found(result) == [("AL102", 5), ("AL005", 5)]
    assert result.findings[1].message == (
        "`ignore[AL103]` suppresses nothing: no AL103 finding on line 5"
    )
    assert result.suppressed == 0


def test_own_line_suppression_covers_the_line_below(tree) -> None:
    root = tree(site("# authlint: ignore[AL102]", STRIP, then=(STRIP,)))
    result = run(root)
    assert found(result) == [("AL102", 10)]
    assert result.suppressed == 1


def test_own_line_suppression_covers_the_next_line_only(tree) -> None:
    root = tree(site("# authlint: ignore[AL102]", "proxy_set_header Host $host;", STRIP))
    assert found(run(root)) == [("AL005", 5), ("AL102", 7)]


def test_trailing_suppression_does_not_cover_the_next_line(tree) -> None:
    root = tree(site("proxy_set_header Host $host;  # authlint: ignore[AL102]", STRIP))
    assert found(run(root)) == [("AL005", 5), ("AL102", 6)]


@pytest.mark.parametrize("position", [0, 1, 2])
def test_run_of_comments_above_counts(tree, position: int) -> None:
    comments = ["# why the API is public:", "# the gateway checks the token"]
    comments.insert(position, "# authlint: ignore[AL102]")
    result = run(tree(site(*comments, STRIP)))
    assert found(result) == []
    assert result.suppressed == 1


@pytest.mark.parametrize(
    "lines",
    [
        ("# authlint: ignore[AL102]", "", STRIP),
        ("# authlint: ignore[AL102]", "# the gateway checks the token", "", STRIP),
        ("# authlint: ignore[AL102]", "", "# the gateway checks the token", STRIP),
    ],
)
def test_blank_line_breaks_the_line_above(tree, lines: tuple[str, ...]) -> None:
    result = run(tree(site(*lines)))
    assert found(result) == [("AL005", 5), ("AL102", 4 + len(lines))]
    assert result.findings[0].message == (
        "`ignore[AL102]` suppresses nothing: a blank line or the end of the file follows "
        "the comment, so it covers no line"
    )
    assert result.suppressed == 0


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_file_level_suppression_anywhere_covers_the_whole_file(tree, where: str) -> None:
    comment = "# authlint: ignore-file[AL102] both locations are public"
    files = site(STRIP, then=(STRIP,))
    lines = files["site.conf"].splitlines()
    index = {"first": 0, "middle": 7, "last": len(lines)}[where]
    lines.insert(index, comment if where != "middle" else f"        {comment}")
    files["site.conf"] = "\n".join(lines) + "\n"
    result = run(tree(files))
    assert found(result) == []
    assert result.suppressed == 2


@pytest.mark.parametrize("selector", ["AL", "AL1", "AL10", "AL102", " AL102 ", "AL3, AL102"])
def test_selectors_that_match(tree, selector: str) -> None:
    result = run(tree(site(f"{STRIP}  # authlint: ignore[{selector}]")))
    assert [rule for rule, _ in found(result)] == (["AL005"] if "AL3" in selector else [])
    assert result.suppressed == 1


@pytest.mark.parametrize("selector", ["AL103", "AL104", "AL3", "AL40"])
def test_selectors_that_do_not_match(tree, selector: str) -> None:
    result = run(tree(site(f"{STRIP}  # authlint: ignore[{selector}]")))
    assert found(result) == [("AL102", 5), ("AL005", 5)]
    assert result.suppressed == 0


def test_each_unused_selector_is_its_own_finding_at_its_text(tree) -> None:
    root = tree(site(f"{STRIP}  # authlint: ignore[AL3, AL102,AL4]"))
    result = run(root)
    line = (root / "site.conf").read_text().splitlines()[4]
    unused = [finding for finding in result.findings if finding.rule == "AL005"]
    spans = [(finding.span.column, finding.span.end_column) for finding in unused]
    assert [line[start - 1 : end - 1] for start, end in spans] == ["AL3", "AL4"]
    assert result.suppressed == 1


def test_hash_inside_quotes_is_no_comment(tree) -> None:
    root = tree(site(f'{STRIP} add_header X-Note "# authlint: ignore[AL102]" always;'))
    result = run(root)
    assert found(result) == [("AL102", 5)]
    assert list(scan(model(root, cwd=root))) == []


def test_suppression_covers_only_its_own_file(tree) -> None:
    root = tree(
        {
            "nginx.conf": (
                "events {}\nhttp {\n    include conf.d/*.conf;  # authlint: ignore-file[AL102]\n}\n"
            ),
            "conf.d/site.conf": site(STRIP)["site.conf"],
        }
    )
    result = run(root)
    assert [(f.rule, f.span.path, f.span.line) for f in result.findings] == [
        ("AL102", "conf.d/site.conf", 5),
        ("AL005", "nginx.conf", 3),
    ]


def test_finding_at_an_include_site_belongs_to_the_including_file(tree) -> None:
    root = tree(
        site("include snippets/elsewhere.conf;  # authlint: ignore[AL003] from the package")
    )
    result = run(root)
    assert found(result) == []
    assert result.suppressed == 1


BROKEN = "server {\n    listen 8080;\n    proxy_pass http://127.0.0.1:9001\n}\n"


def test_fixture_marker_is_no_suppression_and_suppression_no_marker() -> None:
    case = RULE_FIXTURES / "AL005" / "nginx" / "bad_one_rule_unused.conf"
    assert "# authlint: ignore[AL102, AL103] # [AL005]" in case.read_text()
    assert expected_findings(case) == Counter({("AL005", case.relative_to(REPO).as_posix(), 6): 1})


def test_parse_error_cannot_be_suppressed(tree) -> None:
    broken = BROKEN.replace("9001\n", "9001  # authlint: ignore[AL001]\n")
    root = tree({"site.conf": "# authlint: ignore-file[AL]\n" + broken})
    result = run(root)
    assert found(result) == [("AL005", 1), ("AL001", 4), ("AL006", 4)]
    assert {f.rule: f.message for f in result.findings}["AL006"] == (
        "invalid suppression: AL001 cannot be suppressed by a comment"
    )
    assert result.suppressed == 0


def test_findings_about_suppressions_cannot_be_suppressed(tree) -> None:
    root = tree(site("# authlint: ignore-file[AL0]", "# authlint: ignore[AL999]", STRIP))
    result = run(root)
    assert found(result) == [("AL005", 5), ("AL006", 6), ("AL102", 7)]


@pytest.mark.parametrize(
    "comment",
    [
        "# authlint: ignore AL102",
        "# authlint: ignore[AL102",
        "# authlint: ignore[]",
        "# authlint: ignore-line[AL102]",
        "# Authlint: ignore[AL102]",
        "#authlint:",
    ],
)
def test_malformed_comment_is_reported_and_hides_nothing(tree, comment: str) -> None:
    root = tree(site(f"{STRIP}  {comment}"))
    result = run(root)
    assert found(result) == [("AL102", 5), ("AL006", 5)]
    malformed = result.findings[1]
    line = (root / "site.conf").read_text().splitlines()[4]
    assert line[malformed.span.column - 1 : malformed.span.end_column - 1] == comment


@pytest.mark.parametrize(
    ("selectors", "problems"),
    [
        ("AL999", ["AL999 matches no rule"]),
        ("AL12", ["AL12 matches no rule"]),
        ("al102", ["a selector is a rule ID or a prefix of one, such as AL301 or AL3"]),
        ("AL102,", ["an empty selector names no rule"]),
        (
            "AL005, AL006",
            [f"{rule} cannot be suppressed by a comment" for rule in ("AL005", "AL006")],
        ),
    ],
)
def test_invalid_selectors_are_reported_one_by_one(
    tree, selectors: str, problems: list[str]
) -> None:
    result = run(tree(site(f"{STRIP}  # authlint: ignore[{selectors}]")))
    invalid = [f.message for f in result.findings if f.rule == "AL006"]
    assert invalid == [f"invalid suppression: {problem}" for problem in problems]
    assert "AL005" not in {f.rule for f in result.findings}, (
        "an invalid selector is not also unused"
    )


def test_secret_looking_selector_is_not_echoed(tree) -> None:
    result = run(tree(site(f"{STRIP}  # authlint: ignore[s3cret-token]")))
    assert all("s3cret" not in finding.message for finding in result.findings)


def test_rule_not_enabled_is_said_so(tree) -> None:
    root = tree(site(f"{STRIP}  # authlint: ignore[AL102, AL3]"))
    result = run(
        root, enabled=ALL_RULES - {"AL102"} - {r for r in ALL_RULES if r.startswith("AL3")}
    )
    assert [f.message for f in result.findings] == [
        "`ignore[AL102]` suppresses nothing: AL102 is not enabled in this run",
        "`ignore[AL3]` suppresses nothing: no rule matching AL3 is enabled in this run",
    ]


def test_only_enabled_rules_run(tree) -> None:
    root = tree(site(STRIP, "# authlint: bad"))
    assert found(run(root, enabled=frozenset({"AL102"}))) == [("AL102", 5)]
    assert found(run(root, enabled=frozenset({"AL006"}))) == [("AL006", 6)]


def test_suppressions_apply_without_al005(tree) -> None:
    root = tree(site(f"{STRIP}  # authlint: ignore[AL102, AL103]"))
    result = run(root, enabled=ALL_RULES - {"AL005"})
    assert found(result) == []
    assert result.suppressed == 1


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", ""),
        (" the API is public", "the API is public"),
        (" -- the API is public", "the API is public"),
        (": the API is public", "the API is public"),
        ("the API is public", "the API is public"),
    ],
)
def test_reason_is_the_text_after_the_bracket(tree, written: str, reason: str) -> None:
    root = tree(site(f"{STRIP}  # authlint: ignore[AL102]{written}"))
    (suppression,) = scan(model(root, cwd=root))
    assert isinstance(suppression, Suppression)
    assert suppression.reason == reason
    assert [selector.text for selector in suppression.selectors] == ["AL102"]


def test_comment_on_the_last_line_without_a_newline(tree) -> None:
    # crossplane's own lexer drops such a comment; the parser feeds it a newline.
    files = site(STRIP)
    files["site.conf"] += "# authlint: ignore-file[AL102]"
    assert found(run(tree(files))) == []


def test_unused_comment_on_the_last_line_without_a_newline_is_reported(tree) -> None:
    files = site(STRIP)
    files["site.conf"] += "# authlint: ignore-file[AL301]"
    last = files["site.conf"].count("\n") + 1
    assert found(run(tree(files))) == [("AL102", 5), ("AL005", last)]


def test_same_input_gives_identical_output(tree) -> None:
    root = tree(
        site(
            f"{STRIP}  # authlint: ignore[AL103, AL102,AL3]",
            "# authlint: ignore[AL999, AL001]",
            "",
            STRIP,
            "# authlint: what",
        )
    )
    for name in ("json", "text"):
        outputs = {renderer(name)(run(root)) for _ in range(3)}
        assert len(outputs) == 1, name


def test_command_exits_0_when_every_finding_is_suppressed(tree) -> None:
    root = tree(site(f"{STRIP}  # authlint: ignore[AL102]"))
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "No findings in 1 file.\n")


def test_crashing_run_rule_is_reported_and_hides_nothing(tree, monkeypatch) -> None:
    def fail(self: UnusedSuppression, workspace: object) -> None:
        raise RuntimeError

    monkeypatch.setattr(UnusedSuppression, "check", fail)
    result = run(tree(site(f"{STRIP}  # authlint: ignore[AL103]", then=(STRIP,))))
    assert [(crash.rule, crash.error) for crash in result.crashes] == [("AL005", "RuntimeError")]
    assert found(result) == [("AL102", 5), ("AL102", 9)]
