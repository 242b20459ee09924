"""authlint reads Apache files as httpd reads them: compared with the real httpd's own
``-D DUMP_CONFIG`` on the corpus and on the cases httpd's reader makes tricky."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from authlint.apache.parser import parse_text, split_words
from authlint.model.source import SourceFile
from tests.apache_httpd import (
    APACHE2,
    authlint_refusals,
    available,
    differences,
    first_refusal,
    is_htaccess,
    server_config,
    syntax_refusal,
    wrapped_reading,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "apache"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"

pytestmark = pytest.mark.skipif(not available(), reason="apache2 is not installed")

# Each case: its bytes, and the line httpd refuses (None: httpd accepts it).
TRICKY: dict[str, tuple[bytes, int | None]] = {
    "continuation.conf": (
        b'<Location /a>\n  Header set X-A "#fff" \\\n    early\n'
        b"  AddType text/plain a\\\\\n b\n  AddType text/plain c\\\n\\\nd\n</Location>\n",
        None,
    ),
    "comment_continued.conf": (b"# a comment \\\nHeader set X-Gone 1\nHeader set X-B b\n", None),
    "space_after_backslash.conf": (b"AddType text/plain a\\ \nAddType text/plain b\n", None),
    "hash_inside.conf": (
        b'Header set X-Color "#fff"\nAddType text/plain x # y\n  # indented comment\n',
        None,
    ),
    "quotes.conf": (
        b'AddType "a\\"b" "x"y \'c\\\'d\' \\\\z "" \'e f\'\n'
        b'AddType text/plain "unterminated \\" to the end\n',
        None,
    ),
    "case.conf": (
        b"HEADER set A b\n<location /x>\nheader set A b\n</LOCATION>\n"
        b"<ifmodule headers_module>\nHeader set C d\n</IFMODULE>\n",
        None,
    ),
    "if_else.conf": (
        b'<If "%{REQUEST_URI} =~ m#^/x/#">\nHeader set X-D d\n</If>\n'
        b"<ElseIf \"-n req('X')\">\nHeader set X-E e\n</ElseIf>\n"
        b"<Else>\nHeader set X-F f\n</Else>\n",
        None,
    ),
    "crlf.conf": (b'<Location /a>\r\n  AddType "text/plain" a \\\r\n   c\r\n</Location>\r\n', None),
    "latin1_sjis_comments.conf": (
        b"# caf\xe9 na\xefve\n# \x82\xa0\x82\xa2 \x93\xfa\x96\x7b\nHeader set A b\n",
        None,
    ),
    "bom.conf": (b"\xef\xbb\xbfHeader set A b\n", 1),
    "bom_comment.conf": (b"\xef\xbb\xbf# a comment\nHeader set A b\n", 1),
    "wrong_close.conf": (b"<Location /a>\nHeader set A b\n</Directory>\n", 3),
    "stray_close.conf": (b"Header set A b\n</Location>\n", 2),
    "close_with_args.conf": (b"<Location /a>\n</Location /a>\n", 2),
    "close_junk_after.conf": (b"<Location /a>\nHeader set A b\n</Location> junk\n", None),
    "not_closed.conf": (b"Header set A b\n<Location /a>\nHeader set A b\n", 2),
    "not_closed_nested.conf": (b"<Location /a>\n<Location /b>\nHeader set A b\n", 1),
    "open_missing_gt.conf": (b"<Location /a\nHeader set A b\n</Location>\n", 1),
    "else_with_argument.conf": (b'<If "true">\n</If>\n<Else foo>\n</Else>\n', 3),
    "else_alone.conf": (b"<Else>\n</Else>\n", 1),
    "continued_refusal.conf": (b"<Location \\\n /a\n", 2),
    "open_condition_at_end.conf": (b"<IfModule headers_module>\nHeader set A b\n", None),
    "else_after_other_sections.conf": (
        b'<If "true">\n</If>\nHeader set A b\n<Location /x>\n</Location>\n<Else>\n</Else>\n',
        None,
    ),
    "else_after_else.conf": (b'<If "true">\n</If>\n<Else>\n</Else>\n<Else>\n</Else>\n', 5),
    "elseif_after_else.conf": (
        b'<If "true">\n</If>\n<Else>\n</Else>\n<ElseIf "true">\n</ElseIf>\n',
        5,
    ),
    "else_through_a_condition.conf": (
        b'<IfModule headers_module>\n<If "true">\n</If>\n</IfModule>\n<Else>\n</Else>\n',
        None,
    ),
    "else_in_another_scope.conf": (
        b'<Location /a>\n<If "true">\n</If>\n</Location>\n<Else>\n</Else>\n',
        5,
    ),
    "require_all_with_argument.conf": (
        b"<Directory /x>\n<RequireAll a>\nRequire all granted\n</RequireAll>\n</Directory>\n",
        2,
    ),
    "proxy_without_argument.conf": (b"<Proxy>\n</Proxy>\n", None),
    "quoted_gt.conf": (b'<Location "/a>b">\nHeader set A b\n</Location> ignored\n', None),
    "text_after_gt.conf": (b"<Location /a> ignored\nHeader set A b\n</Location>\n", None),
    "condition_open_around_section.conf": (
        b"<IfDefine !NOT_DEFINED>\n<Location /a>\nHeader set A b\n",
        None,
    ),
    "section_open_around_condition.conf": (
        b"<Location /a>\n<IfModule headers_module>\nHeader set A b\n",
        1,
    ),
    "continued_at_end.conf": (b"<Location /a>\n</Location>\nAddType text/plain a \\\n", None),
    # httpd fills a variable it has no Define for from its environment; the
    # harness gives it none, so the file says what it says on any machine.
    "environment_variable.conf": (b"Header set X-Home ${HOME}\n", None),
    # mod_version reads <IfVersion>'s words itself: the '>' must end the
    # version or stand alone after it.
    "ifversion_third_word.conf": (b"<IfVersion = 2.4 x>\n</IfVersion>\n", 1),
    "ifversion_quoted.conf": (b'<IfVersion >= "2.3">\nHeader set A b\n</IfVersion>\n', None),
    "ifversion_gt_apart.conf": (b'<IfVersion >= 2.3 ">"\nHeader set A b\n</IfVersion>\n', None),
    "wrong_close_in_condition.conf": (
        b"<Location /a>\n<IfModule headers_module>\n</Location>\n</IfModule>\n</Location>\n",
        3,
    ),
    "error_directive.conf": (b'Header set A b\nError "stop here"\n', 2),
    "error_under_condition.conf": (
        b'<IfModule !headers_module>\nError "no headers"\n</IfModule>\nHeader set A b\n',
        None,
    ),
    # mod_macro reads a macro's lines in place of its Use, in file order.
    "error_after_a_failing_use.conf": (b'<Macro M>\n</Macro>\nUse N\nError "late"\n', 3),
    "error_in_a_holding_condition_first.conf": (
        b'<IfModule headers_module>\nError "first"\n</IfModule>\nError "second"\n',
        2,
    ),
    "macro_sections_split_across_uses.conf": (
        b"<Macro Open $path>\n<Location $path>\n</Macro>\n<Macro Close>\n</Location>\n</Macro>\n"
        b"Use Open /a\nHeader set X-A a\nUse Close\n",
        None,
    ),
    "macro_closes_a_section_opened_outside.conf": (
        b"<Macro Close>\n</Location>\n</Macro>\n<Location /a>\nUse Close\n</Location>\n",
        6,
    ),
    "macro_opens_a_section_none_closes.conf": (
        b"<Macro Open $a>\n<Location $a>\n</Macro>\nUse Open /x\nHeader set X-A a\n",
        4,
    ),
    "macro_line_too_long_once_substituted.conf": (
        b"<Macro Long $a>\nHeader set X-Long "
        + b"$a" * 200
        + b"\n</Macro>\nUse Long "
        + b"x" * 60
        + b"\n",
        4,
    ),
    "macro_in_a_section_it_may_not_be_in.conf": (
        b"<Macro Dir $d>\n<Directory $d>\n</Directory>\n</Macro>\n<Directory /x>\nUse Dir /y\n"
        b"</Directory>\n",
        6,
    ),
    "macro_recursion_under_a_condition.conf": (
        b"<Macro A>\n<IfDefine NOT_DEFINED>\nUse A\n</IfDefine>\nHeader set X-A a\n</Macro>\n"
        b"Use A\nHeader set X-B b\n",
        None,
    ),
    # Where httpd executes a directive (its context in `apache2 -L`).
    "path_directive_at_the_top.conf": (b"AuthType Basic\n", 1),
    "path_directive_in_a_virtual_host.conf": (
        b"<VirtualHost *:80>\nAuthType Basic\n</VirtualHost>\n",
        2,
    ),
    "server_directive_in_a_location.conf": (
        b"<Location /a>\nHeader set A b\nCacheIgnoreHeaders Set-Cookie\n</Location>\n",
        3,
    ),
    "server_directive_through_a_holding_condition.conf": (
        b"<Directory /x>\n<IfModule headers_module>\nKeepAlive On\n</IfModule>\n</Directory>\n",
        3,
    ),
    "server_directive_under_an_undecided_condition.conf": (
        b"<Directory /x>\n<IfDefine NOT_DEFINED>\nKeepAlive On\n</IfDefine>\n</Directory>\n",
        None,
    ),
    "server_directive_in_a_limit.conf": (
        b"<Directory /x>\n<Limit GET>\nListen 8080\n</Limit>\n</Directory>\n",
        3,
    ),
    "section_in_a_section.conf": (b"<Location /a>\n<Location /b>\n</Location>\n</Location>\n", 2),
    "read_time_directive_in_a_location.conf": (b"<Location /a>\nDefine X y\n</Location>\n", None),
    "module_section_reads_its_own_way.conf": (
        b"<AuthnProviderAlias file users>\nAuthUserFile /x\n</AuthnProviderAlias>\n",
        None,
    ),
}


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(path for path in CORPUS.rglob("*") if path.is_file())


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_the_corpus_reads_as_httpd_reads_it() -> None:
    files = _corpus_files()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(differences, files))
    wrong = {
        str(path): problems for path, (_, problems) in zip(files, results, strict=True) if problems
    }
    assert not wrong
    accepted = sum(1 for reading, _ in results if reading.refused is None)
    refused_for_syntax = sum(
        1 for reading, _ in results if reading.refused and syntax_refusal(reading.refused[1])
    )
    # Most of the corpus is accepted; what httpd refuses for its syntax is AL001
    # at httpd's line (checked above), the rest for a module's own checks.
    assert accepted > len(files) * 3 // 4
    assert refused_for_syntax >= 5
    assert any(is_htaccess(path) for path in files)


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_a_tricky_case_reads_as_httpd_reads_it(name: str, tmp_path: Path) -> None:
    data, refused_line = TRICKY[name]
    path = tmp_path / name
    path.write_bytes(data)
    reading, problems = differences(path)
    assert not problems
    if refused_line is None:
        assert reading.refused is None, reading.refused
        assert reading.entries, "httpd read nothing of it"
    else:
        assert reading.refused is not None
        assert reading.refused[0] == refused_line


@pytest.mark.parametrize(
    "path",
    sorted(path for path in FIXTURES.glob("*/apache/**/*") if path.is_file()),
    ids=lambda path: path.relative_to(FIXTURES).as_posix(),
)
def test_a_fixture_reads_as_httpd_reads_it(path: Path) -> None:
    """A bad AL001 case is refused by httpd at its marker's line; every other case is
    accepted, and read as httpd reads it."""
    reading, problems = differences(path)
    assert not problems
    marked = [
        number
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "# [AL001]" in line
    ]
    if marked:
        assert reading.refused is not None
        assert [reading.refused[0]] == marked
    else:
        assert reading.refused is None, reading.refused


# What follows `Options FollowSymLinks` on a line, and the word httpd names as
# an illegal option: the second word as ap_getword_conf splits and unquotes it.
SPLITS = [
    '"a\\"b"',
    "'c\\'d'",
    "\\\\z",
    '"x\\\\\\\\y"',
    '"unterminated to the end',
    '"a"b',
    "a\\b",
    '""',
    "'single \"inner\"'",
    "'a\\\"b'",
]


@pytest.mark.parametrize("words", SPLITS)
def test_words_split_as_httpd_splits_them(words: str, tmp_path: Path) -> None:
    config = tmp_path / "httpd.conf"
    config.write_text(server_config(tmp_path) + f"Options FollowSymLinks {words}\n")
    result = subprocess.run(
        [APACHE2, "-f", str(config), "-t"], capture_output=True, text=True, check=False
    )
    named = result.stderr.rstrip("\n").splitlines()[-1]
    assert named.startswith("Illegal option "), result.stderr
    # httpd's log writes a backslash as two.
    illegal = named.removeprefix("Illegal option ").replace("\\\\", "\\")
    assert split_words(f"FollowSymLinks {words}")[1] == illegal


# What httpd refuses for its syntax, in its words: a closing tag that closes
# nothing (the message depends on whether the innermost open section is a
# condition, which, holding, httpd reads through); a section named as its
# module spells it, whatever the case it was written in.
WRONG_CLOSES = [
    b'<directorymatch "x">\n</files>\n',
    b"<ifModule headers_module\n</ifModule>\n",
    b'<directorymatch "x">\nHeader set A b\n',
    b"<Directory /x>\n<requireall a>\n</requireall>\n</Directory>\n",
    b"<location>\n</location>\n",
    b"<LOCATION /a>\n</Files>\n",
    b"<IfVersion >= 2.3\n</IfVersion>\n",
    b"<IfVersion = 2.3 x y>\n</IfVersion>\n",
    b"<Location /a>\n</Files>\n",
    b"<IfModule headers_module>\n</Files>\n",
    b"<Location /a>\n<IfModule headers_module>\n</Location>\n</IfModule>\n</Location>\n",
    b"<IfModule headers_module>\n<Location /a>\n</IfModule>\n</Location>\n</IfModule>\n",
    b"<IfDefine !NOT_DEFINED>\n<IfModule headers_module>\n</IfDefine>\n",
]


@pytest.mark.parametrize("data", WRONG_CLOSES)
def test_a_syntax_refusal_is_in_httpds_words(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "site.conf"
    path.write_bytes(data)
    reading, problems = differences(path)
    assert not problems
    assert reading.refused is not None
    source = SourceFile(path.name, path, "apache")
    errors = parse_text(data.decode(), source)
    # httpd puts the file and line before some of its messages.
    line, message = reading.refused
    message = re.sub(r"^\S+:\d+: ", "", message)
    assert [(error.line, error.message) for error in errors] == [(line, message)]


# What httpd refuses where it executes a directive, in its words: the section around
# it as its module spells it; in a macro's lines, at the Use that reads them.
CONTEXTS = [
    b"AuthType Basic\n",
    b"<virtualhost *:80>\nauthtype Basic\n</virtualhost>\n",
    b"<location /a>\ncacheignoreheaders Set-Cookie\n</location>\n",
    b"<Directory /x>\n<Directory /y>\n</Directory>\n</Directory>\n",
    b"<Limit GET>\n</Limit>\n",
    b"<Proxy *>\nServerName x\n</Proxy>\n",
    b'<If "true">\nServerAlias x\n</If>\n',
    b"<Location /a>\n<RequireAll>\nKeepAlive on\n</RequireAll>\n</Location>\n",
    b"<Files a>\n<Location /b>\n</Location>\n</Files>\n",
    b"<Macro M>\nServerName x\n</Macro>\n<Location /a>\nUse M\n</Location>\n",
]


@pytest.mark.parametrize("data", CONTEXTS)
def test_a_context_refusal_is_in_httpds_words(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "given.conf"
    path.write_bytes(data)
    folder = tmp_path / "wrapped"
    folder.mkdir()
    reading, config = wrapped_reading(path, folder)
    assert reading.refused is not None
    line, message = reading.refused
    ours, said = first_refusal(authlint_refusals(config))
    assert ours == line
    assert said.endswith(message.strip())
