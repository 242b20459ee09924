"""Line fingerprints: the content hash for baselines, and GitHub's ``primaryLocationLineHash``.

The expected values of GitHub's hash are the test vectors of
``github/codeql-action`` (``src/fingerprints.test.ts``); the line with a
character beyond U+FFFF was computed by a separate JavaScript implementation
working on JavaScript's own (UTF-16) strings.
"""

from __future__ import annotations

import re

import pytest

from authlint.fingerprint import line_hash, primary_location_line_hashes

HELLO_HASHES = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    "c129715d7a2bc9a3:1",
]

VECTORS = [
    ("", ["c129715d7a2bc9a3:1"]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
    (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n", HELLO_HASHES),
    (" hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r", HELLO_HASHES),
    (" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n", HELLO_HASHES),
    (" hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n", HELLO_HASHES),
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            *(f"a7f2ff13bc495cf2:{count}" for count in range(1, 7)),
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
        [
            "e54938cc54b302f1:1",
            "bb609acbe9138d60:1",
            "1131fd5871777f34:1",
            "5c482a0f8b35ea28:1",
            "54517377da7028d2:1",
            "2c644846cb18d53e:1",
            "f1b89f20de0d133:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        'add_header X-Emoji "\U0001f600";\r\n\tlocation / {}\n',
        ["b2118f0b80a5d5:1", "8af698fbbf510245:1", "c129715d7a2bc9a3:1"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), VECTORS, ids=lambda value: repr(value)[:30])
def test_primary_location_line_hash_matches_github(text, expected):
    assert primary_location_line_hashes(text) == expected


@pytest.mark.parametrize(("text", "_expected"), VECTORS, ids=lambda value: repr(value)[:30])
def test_one_hash_per_line_as_github_counts_lines(text, _expected):
    assert len(primary_location_line_hashes(text)) == len(re.split(r"\r\n|\r|\n", text))


def test_character_beyond_the_bmp_hashes_as_its_utf16_surrogates():
    assert primary_location_line_hashes("a\U0001f600b\n") == primary_location_line_hashes(
        "a\ud83d\ude00b\n"
    )


def test_hash_looks_100_units_ahead_across_lines():
    """A line's hash covers what follows it: the last lines differ, the first does not."""
    first = primary_location_line_hashes("a\n" + "b" * 97 + "\nc\n")
    second = primary_location_line_hashes("a\n" + "b" * 97 + "\nd\n")
    assert first[0] == second[0]
    assert first[1:3] != second[1:3]


def test_line_hash_ignores_whitespace_differences():
    assert line_hash('proxy_set_header Authorization "";') == line_hash(
        '  \tproxy_set_header   Authorization\t"";  '
    )
    assert line_hash("") == line_hash("   \t")


def test_line_hash_tells_contents_apart():
    assert line_hash('proxy_set_header Authorization "";') != line_hash(
        'proxy_set_header Authorization "x";'
    )
    assert line_hash("a b") != line_hash("ab")


def test_line_hash_is_short_stable_hex():
    value = line_hash("proxy_pass http://127.0.0.1:9000;")
    assert re.fullmatch(r"[0-9a-f]{16}", value)
    assert value == line_hash("proxy_pass http://127.0.0.1:9000;")
    # Baselines on disk hold these values: the hash must not change between versions.
    assert line_hash("listen 8080;") == "1a9e26967e56f09e"
