"""Selectors, their resolution (ruff's semantics), per-file ignores and the globs they use.

Pins issue 5, point 2 and the selection part of point 9: rules are chosen by
ID or prefix, the most specific selector wins and ignore wins a tie, the
command line's selection comes after the config's, and AL001 (a file that
does not parse) is always on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authlint.engine import run
from authlint.formats import IncludeOptions
from authlint.globs import GlobError, Globs
from authlint.rule import load_rules
from authlint.selection import (
    PARSE_ERROR,
    PerFileIgnore,
    RuleSelection,
    Selection,
    SelectorError,
    expand,
    parse_ignores,
    parse_selectors,
    resolve,
    split_selectors,
)

from conftest import lint, write

IDS = ["AL001", "AL002", "AL004", "AL101", "AL102", "AL301", "AL302", "AL309", "AL310", "AL311"]
REAL_IDS = [rule.id for rule in load_rules()]

BROKEN = "server {\n    location / {\n        proxy_pass http://127.0.0.1:9000\n    }\n}\n"
STRIPPED = """\
server {
    listen 8080;
    location /api/ {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9001;
    }
}
"""


def enabled(*layers: RuleSelection) -> list[str]:
    return sorted(resolve(layers, IDS))


# --- selectors ---------------------------------------------------------------


def test_parse_error_is_the_parse_error_rule() -> None:
    rule = next(rule for rule in load_rules() if rule.id == PARSE_ERROR)
    assert rule.name == "parse-error"


@pytest.mark.parametrize("selector", ["AL", "AL0", "AL3", "AL30", "AL301", "AL001"])
def test_ids_and_prefixes_are_selectors(selector: str) -> None:
    assert parse_selectors([selector], IDS) == (selector,)


@pytest.mark.parametrize("selector", ["al3", "ALL", "AL3011", "X1", "", "AL 3", "AL3x", "3"])
def test_malformed_selector_is_an_error_naming_it(selector: str) -> None:
    with pytest.raises(SelectorError) as error:
        parse_selectors(["AL1", selector], IDS)
    assert repr(selector) in str(error.value)
    assert "not a rule ID or prefix" in str(error.value)


@pytest.mark.parametrize("selector", ["AL9", "AL2", "AL39", "AL303", "AL105"])
def test_selector_matching_no_rule_is_an_error_naming_it(selector: str) -> None:
    with pytest.raises(SelectorError) as error:
        parse_selectors([selector], IDS)
    assert str(error.value) == f"{selector!r} matches no rule"


def test_every_real_rule_id_and_family_prefix_is_a_selector() -> None:
    families = sorted({rule_id[:3] for rule_id in REAL_IDS})
    assert parse_selectors([*REAL_IDS, *families, "AL"], REAL_IDS)


def test_ignoring_al001_by_name_is_an_error_but_its_prefixes_are_not() -> None:
    with pytest.raises(SelectorError) as error:
        parse_ignores(["AL3", "AL001"], IDS)
    assert "AL001 cannot be ignored" in str(error.value)
    assert parse_ignores(["AL0", "AL00", "AL"], IDS) == ("AL0", "AL00", "AL")


def test_command_line_selectors_are_split_on_commas() -> None:
    assert split_selectors(["AL1,AL3", " AL4 ", "", "AL5,", "AL30 , AL301"]) == [
        "AL1",
        "AL3",
        "AL4",
        "AL5",
        "AL30",
        "AL301",
    ]


def test_expand_gives_the_ids_selectors_match() -> None:
    assert expand(["AL30", "AL1"], IDS) == {"AL101", "AL102", "AL301", "AL302", "AL309"}
    assert expand([], IDS) == frozenset()


# --- resolution --------------------------------------------------------------


def test_default_enables_every_rule() -> None:
    assert enabled() == IDS
    assert enabled(RuleSelection()) == IDS


def test_select_enables_only_what_it_names() -> None:
    assert enabled(RuleSelection(select=("AL1", "AL309"))) == ["AL001", "AL101", "AL102", "AL309"]


def test_extend_select_adds_to_select() -> None:
    assert enabled(RuleSelection(select=("AL1",), extend_select=("AL311",))) == [
        "AL001",
        "AL101",
        "AL102",
        "AL311",
    ]


def test_ignore_removes() -> None:
    assert enabled(RuleSelection(ignore=("AL3", "AL102"))) == [
        "AL001",
        "AL002",
        "AL004",
        "AL101",
    ]


def test_the_more_specific_selector_wins() -> None:
    # The README's example: AL30 ignores AL301-AL309, AL301 brings AL301 back.
    layer = RuleSelection(select=("AL3",), ignore=("AL30",), extend_select=("AL301",))
    assert enabled(layer) == ["AL001", "AL301", "AL310", "AL311"]
    # A specific select beats a broad ignore, and a specific ignore a broad select.
    assert enabled(RuleSelection(select=("AL301",), ignore=("AL3",))) == ["AL001", "AL301"]
    assert enabled(RuleSelection(select=("AL",), ignore=("AL31",))) == [
        rule_id for rule_id in IDS if not rule_id.startswith("AL31")
    ]


@pytest.mark.parametrize(
    "layer",
    [
        RuleSelection(select=("AL3",), ignore=("AL3",)),
        RuleSelection(select=("AL",), extend_select=("AL3",), ignore=("AL3",)),
        RuleSelection(extend_select=("AL3",), ignore=("AL3",)),
    ],
)
def test_on_a_tie_ignore_wins(layer: RuleSelection) -> None:
    assert not any(rule_id.startswith("AL3") for rule_id in enabled(layer))


def test_a_later_select_starts_over() -> None:
    config = RuleSelection(select=("AL1",), extend_select=("AL004",), ignore=("AL301",))
    command_line = RuleSelection(select=("AL3",))
    # The config's ignore of AL301 and its extend-select no longer apply.
    assert enabled(config, command_line) == ["AL001", "AL301", "AL302", "AL309", "AL310", "AL311"]


def test_a_later_extend_select_and_ignore_change_the_earlier_selection() -> None:
    config = RuleSelection(select=("AL1", "AL3"), ignore=("AL301",))
    command_line = RuleSelection(extend_select=("AL301", "AL004"), ignore=("AL1",))
    assert enabled(config, command_line) == [
        "AL001",
        "AL004",
        "AL301",
        "AL302",
        "AL309",
        "AL310",
        "AL311",
    ]
    # Specificity is decided within a layer: a later broad ignore still removes.
    assert enabled(RuleSelection(select=("AL301",)), RuleSelection(ignore=("AL3",))) == ["AL001"]


@pytest.mark.parametrize(
    "layers",
    [
        [RuleSelection(select=("AL3",))],
        [RuleSelection(ignore=("AL0",))],
        [RuleSelection(ignore=("AL",))],
        [RuleSelection(select=())],
        [RuleSelection(select=("AL1",)), RuleSelection(ignore=("AL", "AL00"))],
    ],
)
def test_al001_is_always_enabled(layers: list[RuleSelection]) -> None:
    assert PARSE_ERROR in resolve(layers, IDS)


# --- per-file ignores ----------------------------------------------------------


def test_per_file_ignores_apply_to_the_files_their_glob_matches(tmp_path: Path) -> None:
    base = tmp_path.resolve()
    selection = Selection.of(
        [],
        IDS,
        [
            PerFileIgnore(Globs.of(base, ["conf.d/*.conf"]), frozenset({"AL101", "AL102"})),
            PerFileIgnore(Globs.of(base, ["legacy/"]), frozenset({"AL301"})),
            PerFileIgnore(Globs.of(base, ["*.inc"]), frozenset({"AL102", "AL001", "AL002"})),
        ],
    )
    assert selection.enabled == frozenset(IDS)
    assert selection.ignored_in(base / "conf.d" / "a.conf") == {"AL101", "AL102"}
    assert selection.ignored_in(base / "legacy" / "x" / "a.conf") == {"AL301"}
    # AL001 is never ignored, even when a per-file ignore names it.
    assert selection.ignored_in(base / "snippets" / "b.inc") == {"AL102", "AL002"}
    assert selection.ignored_in(base / "site.conf") == frozenset()
    assert selection.ignored_in(base.parent / "conf.d" / "a.conf") == frozenset()


def test_engine_drops_findings_of_per_file_ignored_rules_but_never_al001(tmp_path: Path) -> None:
    files = {"a/site.conf": STRIPPED, "b/site.conf": STRIPPED, "broken.conf": BROKEN}
    root = write(tmp_path, files)
    base = root.resolve()
    selection = Selection.of(
        [],
        REAL_IDS,
        [PerFileIgnore(Globs.of(base, ["a/", "broken.conf"]), frozenset({"AL102", "AL001"}))],
    )
    result = lint(root, cwd=root, includes=IncludeOptions())
    everywhere = {(finding.rule, finding.span.path) for finding in result.findings}
    assert {("AL102", "a/site.conf"), ("AL102", "b/site.conf"), ("AL001", "broken.conf")} <= (
        everywhere
    )
    filtered = run([root], IncludeOptions(), cwd=root, selection=selection)
    remaining = {(finding.rule, finding.span.path) for finding in filtered.findings}
    assert remaining == everywhere - {("AL102", "a/site.conf")}


def test_engine_runs_only_enabled_rules(tmp_path: Path) -> None:
    root = write(tmp_path, {"site.conf": STRIPPED, "broken.conf": BROKEN})
    selection = Selection.of([RuleSelection(select=("AL3",))], REAL_IDS)
    result = run([root], IncludeOptions(), cwd=root, selection=selection)
    assert [finding.rule for finding in result.findings] == ["AL001"]


# --- globs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "expected"),
    [
        # A glob without "/" matches a name at any depth.
        ("*.bak.conf", "a/b/site.bak.conf", False, True),
        ("*.bak.conf", "site.bak.conf", False, True),
        ("*.bak.conf", "site.conf", False, False),
        ("legacy", "x/legacy/site.conf", False, True),
        ("site.conf", "a/site.conf", False, True),
        # One with "/" is anchored at the base.
        ("conf.d/*.conf", "conf.d/a.conf", False, True),
        ("conf.d/*.conf", "sub/conf.d/a.conf", False, False),
        ("/legacy", "legacy/a.conf", False, True),
        ("/legacy", "x/legacy/a.conf", False, False),
        ("/site.conf", "site.conf", False, True),
        # "*" and "?" stay within one name; "**" spans folders, none included.
        ("conf.d/*.conf", "conf.d/sub/a.conf", False, False),
        ("conf.d/?.conf", "conf.d/a.conf", False, True),
        ("conf.d/?.conf", "conf.d/ab.conf", False, False),
        ("deploy/**/gen-*.conf", "deploy/gen-a.conf", False, True),
        ("deploy/**/gen-*.conf", "deploy/x/y/gen-a.conf", False, True),
        ("deploy/**/gen-*.conf", "other/x/gen-a.conf", False, False),
        ("**/snippets", "a/b/snippets/x.conf", False, True),
        ("conf.d/[ab].conf", "conf.d/b.conf", False, True),
        ("conf.d/[!ab].conf", "conf.d/b.conf", False, False),
        # A glob matching a folder matches all in it; a trailing "/" only folders.
        ("legacy/", "legacy/a/b.conf", False, True),
        ("legacy/", "legacy", True, True),
        ("legacy/", "legacy", False, False),
        ("legacy/", "x/legacy", False, False),
        ("legacy", "legacy", False, True),
        # Case matters, as on the file systems nginx runs on.
        ("Legacy", "legacy/a.conf", False, False),
    ],
)
def test_glob_semantics(tmp_path: Path, pattern: str, path: str, is_dir: bool, expected: bool):
    base = tmp_path.resolve()
    assert Globs.of(base, [pattern]).match(base / path, is_dir) is expected


def test_globs_match_nothing_outside_their_folder_nor_the_folder_itself(tmp_path: Path) -> None:
    base = (tmp_path / "project").resolve()
    globs = Globs.of(base, ["*.conf", "**", "other/"])
    assert not globs.match(tmp_path.resolve() / "site.conf")
    assert not globs.match(tmp_path.resolve() / "other" / "site.conf")
    assert not globs.match(base, is_dir=True)
    assert globs.match(base / "site.conf")


@pytest.mark.parametrize("pattern", ["", "/", "//", "../site.conf", "a/../b", ".."])
def test_unusable_glob_is_an_error_naming_it(tmp_path: Path, pattern: str) -> None:
    with pytest.raises(GlobError) as error:
        Globs.of(tmp_path, ["ok.conf", pattern])
    assert repr(pattern) in str(error.value)
