"""Source files as the model reads them: their text, and where a directive is in it.

``SourceFile`` reads a file's text on first use (for spans, masking and
reports), apart from the parser's own reading: the two must agree on every
column, and a file that cannot be read, or no longer shows what was parsed,
must not make a span up.
"""

from __future__ import annotations

from pathlib import Path

from authlint.model.source import SourceFile, Span

from conftest import model, scope_at


def loaded(root: Path, name: str, data: bytes) -> SourceFile:
    """Write ``name`` under ``root``, load the tree, and return the file's ``SourceFile``."""
    (root / name).write_bytes(data)
    (source,) = [file for file in model(root, cwd=root).files if file.path == name]
    return source


def test_bytes_that_are_not_utf8_read_as_replacement_characters_as_the_parser_reads_them(
    tmp_path: Path,
) -> None:
    """A Latin-1 byte (``\\xe9``) is one U+FFFD, and CRLF ends a line: the columns of the
    directive after it are those the parser saw."""
    source = loaded(
        tmp_path,
        "site.conf",
        b"server {\r\n    add_header X-Caf\xe9 1; listen 80;\r\n}\r\n",
    )
    assert source.text() == "server {\n    add_header X-Caf\ufffd 1; listen 80;\n}\n"
    assert source.line_text(3) == "}"
    assert source.nodes is not None
    (server,) = source.nodes
    assert server.children is not None
    listen = server.children[1]
    start = source.line_text(2).index("listen 80") + 1
    assert source.span_of(listen) == Span("site.conf", 2, start, 2, start + len("listen 80"))


def test_a_readable_file_without_secrets_is_its_own_masked_text(tmp_path: Path) -> None:
    """Reports hash lines of the masked text; a readable file without secrets has its own."""
    text = "server {\n    listen 80;\n}\n"
    source = loaded(tmp_path, "site.conf", text.encode())
    assert source.masked_text() == text


def test_a_file_gone_after_parsing_has_no_text_and_no_columns(tmp_path: Path) -> None:
    """The text is read on first use: a file removed since it was parsed reads as empty,
    has no masked text (no line hashes), and its directives have a line but no column."""
    source = loaded(tmp_path, "site.conf", b"server {\n    listen 80;\n}\n")
    (tmp_path / "site.conf").unlink()
    assert source.text() == ""
    assert source.masked_text() is None
    assert source.nodes is not None
    assert source.span_of(source.nodes[0]) == Span("site.conf", 1)


def test_a_directive_its_line_no_longer_shows_is_placed_at_the_lines_indentation(
    tmp_path: Path,
) -> None:
    """A file edited after it was parsed: the span keeps the line and starts where the
    line's text does, with no end, rather than a column guessed from another word."""
    source = loaded(tmp_path, "site.conf", b"server {\n    listen 80;\n}\n")
    (tmp_path / "site.conf").write_text("server {\n      server_name a.example;\n}\n")
    assert source.nodes is not None
    (server,) = source.nodes
    assert server.children is not None
    listen = server.children[0]
    assert source.span_of(listen) == Span("site.conf", 2, 7)


def test_a_span_ends_at_the_last_argument_on_the_directives_own_line(config) -> None:
    """A directive whose arguments go on over lines, or whose block opens on the next
    line, spans its first line from its name to its last argument there."""
    workspace = config(
        """\
        server {
            location /api/
            {
                add_header X-Multi
                    "value";
                proxy_pass http://127.0.0.1:9000;
            }
        }
        """
    )
    location = scope_at(workspace, "location /api/").node
    assert location is not None
    assert location.children is not None
    assert location.file.span_of(location) == Span("site.conf", 2, 5, 2, 19)
    add_header = location.children[0]
    assert location.file.span_of(add_header) == Span("site.conf", 4, 9, 4, 27)


def test_utf16_columns_count_two_units_for_a_character_past_u_ffff_only(
    tmp_path: Path,
) -> None:
    """SARIF counts columns in UTF-16 code units: U+10000 and above take two, U+FFFF one."""
    line = 'add_header X-A "\uffff\U00010000\U0001f600";'
    source = loaded(tmp_path, "site.conf", f"{line}\n".encode())
    after = {character: line.index(character) + 2 for character in "\uffff\U00010000\U0001f600"}
    assert source.utf16_column(1, after["\uffff"]) == after["\uffff"]
    assert source.utf16_column(1, after["\U00010000"]) == after["\U00010000"] + 1
    assert source.utf16_column(1, after["\U0001f600"]) == after["\U0001f600"] + 2
    assert source.utf16_column(1, 1) == 1
