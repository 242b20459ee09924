"""The Apache parser on its own, without httpd: what tests/test_apache_httpd.py found httpd
to do, pinned here so that it holds where no httpd is installed."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from authlint.apache.parser import ApacheNode, parse_text, split_words, substituted_line
from authlint.model.source import SourceFile
from authlint.model.tree import Node


def parsed(text: str) -> tuple[SourceFile, list[tuple[int, str]]]:
    source = SourceFile("site.conf", Path("site.conf"), "apache")
    errors = parse_text(text, source)
    return source, [(error.line, error.message) for error in errors]


def shape(nodes: list[Node]) -> list[object]:
    """Each node as (name, args, line, httpd's line[, children])."""
    found: list[object] = []
    for node in nodes:
        assert isinstance(node, ApacheNode)
        entry: tuple[object, ...] = (node.name, node.args, node.line, node.httpd_line)
        if node.children is not None:
            entry = (*entry, shape(node.children))
        found.append(entry)
    return found


# Each as httpd's `Options` named its illegal second word (tests/test_apache_httpd.py).
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('"a\\"b"', ['a"b']),
        ("'c\\'d'", ["c'd"]),
        ("\\\\z", ["\\z"]),
        ('"x\\\\\\\\y"', ["x\\\\y"]),
        ('"unterminated to the end', ["unterminated to the end"]),
        ('"a"b', ["a", "b"]),
        ("a\\b", ["a\\b"]),
        ('""', [""]),
        ("'single \"inner\"'", ['single "inner"']),
        ("'a\\\"b'", ['a\\"b']),
        ("  Require user alice # note", ["Require", "user", "alice", "#", "note"]),
    ],
)
def test_words_split_as_httpd_splits_them(text: str, words: list[str]) -> None:
    assert split_words(text) == words


def test_a_continued_line_has_httpds_line_and_its_own() -> None:
    source, errors = parsed(
        '<Location /a>\n  Header set X "#fff" \\\n    early\n  Header set Y y\n</LOCATION>\n'
    )
    assert errors == []
    assert shape(source.nodes or []) == [
        (
            "Location",
            ["/a"],
            1,
            1,
            [("Header", ["set", "X", "#fff", "early"], 2, 3), ("Header", ["set", "Y", "y"], 4, 4)],
        )
    ]


def test_a_comment_ending_in_a_backslash_swallows_the_next_line() -> None:
    source, errors = parsed("# note \\\nHeader set Gone 1\nHeader set Kept 1\n")
    assert errors == []
    assert shape(source.nodes or []) == [("Header", ["set", "Kept", "1"], 3, 3)]
    assert [(comment.line, comment.text) for comment in source.comments] == [
        (1, " note Header set Gone 1")
    ]


def test_a_backslash_followed_by_a_space_does_not_continue() -> None:
    source, _ = parsed("AddType text/plain a\\ \nAddType text/plain b\n")
    assert shape(source.nodes or []) == [
        ("AddType", ["text/plain", "a\\"], 1, 1),
        ("AddType", ["text/plain", "b"], 2, 2),
    ]


def test_crlf_and_non_utf8_comments_read_as_text() -> None:
    data = b"# caf\xe9 \x82\xa0\r\n<Files x>\r\n  Require all denied\r\n</Files>\r\n"
    source, errors = parsed(data.decode("utf-8", errors="replace"))
    assert errors == []
    assert shape(source.nodes or []) == [
        ("Files", ["x"], 2, 2, [("Require", ["all", "denied"], 3, 3)])
    ]


def test_if_keeps_its_expression_whole_and_else_takes_none() -> None:
    source, errors = parsed(
        '<If "%{REQUEST_URI} =~ m#^/x/#">\n</If>\n'
        "<ElseIf -n req('X')>\n</ElseIf>\n<Else>\n</Else>\n"
    )
    assert errors == []
    assert [(node.name, node.args) for node in source.nodes or []] == [
        ("If", ["%{REQUEST_URI} =~ m#^/x/#"]),
        ("ElseIf", ["-n req('X')"]),
        ("Else", []),
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("<Location /a>\nHeader set A b\n</Directory>\n", 3),
        ("Header set A b\n</Location>\n", 2),
        ("<Location /a>\n</Location /a>\n", 2),
        ("<Location /a>\n<Location /b>\n", 1),
        ("<Location \\\n /a\n", 2),
        ('<If "true">\n</If>\n<Else foo>\n</Else>\n', 3),
        ('<Location /a>\n<If "true">\n</If>\n</Location>\n<Else>\n</Else>\n', 5),
        ("\ufeffHeader set A b\n", 1),
    ],
)
def test_what_httpd_refuses_is_an_error_at_its_line(text: str, line: int) -> None:
    source, errors = parsed(text)
    assert [number for number, _ in errors] == [line]
    assert source.nodes is None


def test_reading_stops_at_an_unconditional_error() -> None:
    """httpd reads nothing after it, and executes what came before it first (a ``Use``
    that fails): the expansion reports it in its place (tests/test_apache_config.py)."""
    source, errors = parsed('Header set A b\n<Location /a>\nError "stop"\n</Files>\n')
    assert errors == []
    assert [node.name for node in source.nodes or []] == ["Header", "Location"]
    (location,) = (source.nodes or [])[1:]
    assert [node.name for node in location.children or []] == ["Error"]


def test_a_macro_that_opens_a_section_another_closes_is_read_in_place() -> None:
    """mod_macro reads a Use's lines in place of it: a section may open in one macro and
    close in another (the differential test holds httpd to it)."""
    source, errors = parsed(
        "<Macro Open $path>\n<Location $path>\n</Macro>\n<Macro Close>\n</Location>\n</Macro>\n"
        "Use Open /a\nHeader set X-A a\nUse Close\nUse Close\n"
    )
    assert errors == [
        (
            10,
            "line 1 of macro 'close' (defined on line 4 of \"site.conf\"): </Location> without "
            "matching <Location> section",
        )
    ]
    assert [(node.name, node.args, node.line) for node in source.partial_nodes[2:]] == [
        ("Location", ["/a"], 2)
    ]
    (location,) = source.partial_nodes[2:]
    assert [(node.name, node.line) for node in location.children or []] == [("Header", 8)]


@pytest.mark.parametrize(
    ("text", "parameters", "values", "substituted"),
    [
        # From the left; where two parameters start at once, the longer.
        ("<$directive $dir>", ["$dir", "$directive"], ["/x", "Directory"], "<Directory /x>"),
        # A value is not searched again.
        ("Header set $a $b", ["$a", "$b"], ["$b", "v"], "Header set $b v"),
        # An @ parameter's value is quoted, its quotes and backslashes escaped.
        ("Header set X @v", ["@v"], ['a "b"'], 'Header set X "a \\"b\\""'),
        # A line that outgrows mod_macro's buffer (8 KiB, its newline included): the
        # edge measured on apache2.
        ("Header set X-A $a", ["$a"], ["y" * 8176], None),
        ("Header set X-A $a", ["$a"], ["y" * 8175], "Header set X-A " + "y" * 8175),
    ],
)
def test_a_macro_line_is_substituted_as_mod_macro_substitutes_it(
    text: str, parameters: list[str], values: list[str], substituted: str | None
) -> None:
    assert substituted_line(text, parameters, values) == substituted


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<Location /a>\n</Files>\n", "Expected </Location> but saw </Files>"),
        (
            "<IfModule headers_module>\n<Location /a>\n</Files>\n",
            "Expected </Location> but saw </Files>",
        ),
        # A condition that holds is transparent to httpd: the tag matches nothing.
        ("<IfModule headers_module>\n</Files>\n", "</Files> without matching <Files> section"),
        (
            "<Location /a>\n<IfDefine !X>\n</Location>\n</IfDefine>\n",
            "</Location> without matching <Location> section",
        ),
        # A section is named as its module spells it; the closing tag as written.
        ('<directorymatch "x">\n</files>\n', "Expected </DirectoryMatch> but saw </files>"),
        ("<ifModule headers_module\n</ifModule>\n", "<IfModule> directive missing closing '>'"),
        ("<location>\n</location>\n", "<Location> directive requires additional arguments"),
        ('<directorymatch "x">\n', "<DirectoryMatch> was not closed."),
        # mod_version: the '>' of '>=' closes nothing.
        ("<IfVersion >= 2.3\n</IfVersion>\n", "<IfVersion> directive missing closing '>'"),
        ("<IfVersion = 2.4 x>\n</IfVersion>\n", "<IfVersion> directive missing closing '>'"),
    ],
)
def test_a_refusal_is_named_as_httpd_names_it(text: str, message: str) -> None:
    """httpd 2.4's words, checked against apache2 in tests/test_apache_httpd.py."""
    assert [text for _, text in parsed(text)[1]] == [message]


@pytest.mark.parametrize(
    "text",
    [
        "<IfModule headers_module>\n<Location /a>\n",  # a condition reads to the end
        '<IfModule !headers_module>\nError "no headers"\n</IfModule>\n',
        "<Location /a> ignored\n</Location> ignored\n",
        "<Macro Site $name>\n</Location>\n<Macro Inner>\n</Macro>\n</Macro>\n",
        "<Proxy>\n</Proxy>\n",
        '<IfVersion >= "2.3">\n</IfVersion>\n',
        '<IfVersion >= 2.3 ">"\n</IfVersion>\n',
    ],
)
def test_what_httpd_accepts_parses(text: str) -> None:
    assert parsed(text)[1] == []


def test_any_text_parses_or_fails_without_crashing() -> None:
    alphabet = ["<", ">", "/", "\\", '"', "'", "#", " ", "\t", "\r", "\n", "\0", "a", "If", "é"]
    chooser = random.Random(12)
    for _ in range(2000):
        text = "".join(chooser.choice(alphabet) for _ in range(chooser.randrange(40)))
        source, errors = parsed(text)
        assert (source.nodes is None) == bool(errors)
