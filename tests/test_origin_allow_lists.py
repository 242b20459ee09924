"""Which attacker origins a CORS allow-list regex lets through.

``authlint.model.origins``'s ``check_origin_regex``, on regexes as nginx configs
write them. A test marked ``xfail`` states how the model should behave and does
not yet.
"""

from __future__ import annotations

import re
import string

import pytest

from authlint.model.origins import (
    Leak,
    LeakKind,
    PatternCheck,
    check_origin_regex,
    compile_pcre,
    python_regex,
)

ANY, NULL = LeakKind.ANY_ORIGIN, LeakKind.NULL
UNANCHORED, SUFFIX, DOT = (
    LeakKind.UNANCHORED_END,
    LeakKind.SUFFIX_WITHOUT_DOT,
    LeakKind.UNESCAPED_DOT,
)


def kinds(check: PatternCheck) -> set[LeakKind]:
    return {leak.kind for leak in check.leaks}


def matches(pattern: str, text: str, ignore_case: bool = False) -> bool:
    flags = re.IGNORECASE if ignore_case else 0
    return re.search(python_regex(pattern), text, flags) is not None


# --- Origin allow-lists: what must not be reported ---------------------------------------


SAFE_ALLOW_LISTS = [
    # (pattern, ignore_case, the origin it is tried with)
    (r"^https://app\.example\.com$", False, "https://app.example.com"),
    (r"^https://(app|admin)\.example\.com$", False, "https://app.example.com"),
    (r"^https://(?:app|api)\.example\.com$", False, "https://app.example.com"),
    (r"^https://(www|app|admin)\.example\.(com|org)$", False, "https://www.example.com"),
    (
        r"^https://app\.example\.com$|^https://admin\.example\.com$",
        False,
        "https://app.example.com",
    ),
    (r"^https?://(www\.)?example\.com$", False, "http://example.com"),
    (r"^http(s)?://(www\.)?example\.com$", False, "http://example.com"),
    (r"^(https?://)?(www\.)?example\.com$", False, "https://example.com"),
    (r"^https://([a-z0-9-]+\.)?example\.com$", False, "https://example.com"),
    (r"^https://([a-z0-9-]+\.)*example\.com$", False, "https://example.com"),
    (r"^https://(.+\.)?example\.com$", False, "https://example.com"),
    (r"^https://(\w+\.)?example\.com$", False, "https://example.com"),
    (r"^https://[a-z0-9-]+\.example\.com$", False, "https://a.example.com"),
    (r"^https://[\w-]+\.example\.com$", False, "https://a.example.com"),
    (r"^https://[^.]+\.example\.com$", False, "https://a.example.com"),
    (r"^https?://[^/]*\.example\.com$", False, "https://a.example.com"),
    (r"^https://.*\.example\.com$", False, "https://a.example.com"),
    (r"^https://[a-z0-9]+(-[a-z0-9]+)*\.example\.com$", False, "https://a.example.com"),
    (r"^https://sub\d+\.example\.com$", False, "https://sub0.example.com"),
    (r"^https://app-[a-z]{2,5}\.example\.com$", False, "https://app-aa.example.com"),
    (r"^https://app\.example\.com(:\d+)?$", False, "https://app.example.com"),
    (r"^https://app\.example\.com(?::\d+)?$", False, "https://app.example.com"),
    (r"^https://(app|admin)\.example\.com(:\d{2,5})?$", False, "https://app.example.com"),
    (r"^(https?://(?:.+\.)?example\.com(?::\d{1,5})?)$", False, "http://example.com"),
    (r"^https://app\.example\.com:8443$", False, "https://app.example.com:8443"),
    (r"^http://127\.0\.0\.1(:\d+)?$", False, "http://127.0.0.1"),
    (r"^https?://(localhost|127\.0\.0\.1)(:\d+)?$", False, "http://127.0.0.1"),
    (r"^https://app\.example\.co\.uk$", False, "https://app.example.co.uk"),
    (r"^https://([a-z]+\.)?example\.co\.uk$", False, "https://example.co.uk"),
    (r"(?i)^https://app\.example\.com$", False, "https://app.example.com"),
    (r"^https://APP\.example\.com$", True, "https://APP.example.com"),
    (r"^(?<scheme>https)://(?<host>app\.example\.com)$", False, "https://app.example.com"),
    (r"^(?P<origin>https://app\.example\.com)$", False, "https://app.example.com"),
    (r"^https:\/\/app\.example\.com$", False, "https://app.example.com"),
    (r"^https://app[.]example[.]com$", False, "https://app.example.com"),
    (r"^https://([a-z0-9-]+[.])?example[.]com$", False, "https://example.com"),
    (r"^https://example\.com(/.*)?$", False, "https://example.com"),
    (r"^https://example\.com\.?$", False, "https://example.com"),
    (r"^https://app\.example\.com/?$", False, "https://app.example.com"),
    # Not anchored at the start, but the scheme is required: nothing to prepend.
    (r"https://app\.example\.com$", False, "https://app.example.com"),
    # Unescaped dots no one else can exploit: `app.examplexcom` has no TLD, and
    # `fooxbar.example.com` is still example.com's.
    (r"^https://app\.example.com$", False, "https://app.example.com"),
    (r"^https://example.com$", False, "https://example.com"),
    (r"^https://foo.bar\.example\.com$", False, "https://foo.bar.example.com"),
]


@pytest.mark.parametrize(("pattern", "ignore_case", "example"), SAFE_ALLOW_LISTS)
def test_anchored_escaped_allow_list_has_no_leak(pattern, ignore_case, example):
    """An allow-list anchored at both ends with its dots escaped accepts no origin someone
    else can own: it is tried (with an origin it is meant for) and reports no leak.
    """
    check = check_origin_regex(pattern, ignore_case)
    assert check.leaks == ()
    assert check.example is not None
    assert re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?", check.example)
    assert matches(pattern, check.example, ignore_case)
    assert matches(pattern, example, ignore_case)


# --- Origin allow-lists: what must be reported -------------------------------------------


LEAKY_ALLOW_LISTS = [
    # (pattern, ignore_case, leak kinds)
    (r"example\.com", False, {UNANCHORED, SUFFIX}),
    (r"example\.com$", False, {SUFFIX}),
    (r"^https://example\.com", False, {UNANCHORED}),
    (r"^https://app\.example\.com.*$", False, {UNANCHORED}),
    (r"^https://(www\.)?example\.com/?", False, {UNANCHORED}),
    (r"^https?://(.*\.)?example\.com", False, {UNANCHORED}),
    (r"https?://([a-z0-9-]+\.)?example\.com", False, {UNANCHORED}),
    (r"^https://([a-z0-9-]+\.)?example\.com(:\d+)?", False, {UNANCHORED}),
    (r"^https://app\.example\.co\.uk", False, {UNANCHORED}),
    (r"^https?://(127\.0\.0\.1|localhost)(:\d+)?", False, {UNANCHORED}),
    (r"^https://app\.example\.com|^https://admin\.example\.com$", False, {UNANCHORED}),
    (r"^https://example\.com|https://app\.example\.com$", False, {UNANCHORED}),
    (r"^https://.*example\.com$", False, {SUFFIX}),
    (r"^https://.*example.com$", False, {SUFFIX}),
    (r"^https://.+example\.com$", False, {SUFFIX}),
    (r"^https?://[^/]*example\.com$", False, {SUFFIX}),
    (r"^https://.*EXAMPLE\.com$", True, {SUFFIX}),
    (r"^https://app.example.com$", False, {DOT}),
    (r"^https://app.example\.com$", False, {DOT}),
    (r"^https://(app|admin).example.com$", False, {DOT}),
    (r"^https://[a-z]+.example\.com$", False, {SUFFIX, DOT}),
    (r"^https://foo\.bar.example\.com$", False, {DOT}),
    (r"^https://app.example.co.uk$", False, {DOT}),
    (r"^(null|https://app\.example\.com)$", False, {NULL}),
    (r"^(https://app\.example\.com|null)$", False, {NULL}),
    (r"^https://(www\.example\.com|example\.org|.*)$", False, {ANY}),
    (r"^(https://app\.example\.com|https?://.*)$", False, {ANY}),
]


@pytest.mark.parametrize(("pattern", "ignore_case", "expected"), LEAKY_ALLOW_LISTS)
def test_leaky_allow_list_reports_each_way_in(pattern, ignore_case, expected):
    """nginx matches `~` regexes as a search: an allow-list not anchored at the end, one
    that takes a suffix without its dot, an unescaped dot before the registrable domain,
    `null`, or a branch that takes anything lets someone else's origin through; each leak
    comes with an origin the pattern really accepts.
    """
    check = check_origin_regex(pattern, ignore_case)
    assert check.example is not None
    assert kinds(check) == expected
    for leak in check.leaks:
        assert matches(pattern, leak.origin, ignore_case), leak
        assert leak.origin != check.example


@pytest.mark.parametrize(
    ("pattern", "ignore_case", "expected"),
    [
        (r".*", False, {ANY, NULL}),
        (r"^.*$", False, {ANY, NULL}),
        (r"^https?://.*$", False, {ANY}),
        (r"https?://.*", False, {ANY}),
        (r"^https://.+$", False, {ANY}),
        (r"^https?://", False, {ANY}),
        (r"^HTTPS://.*$", True, {ANY}),
        (r"null", False, {NULL}),
        (r"^null$", False, {NULL}),
    ],
)
def test_pattern_accepting_anything_or_only_null_has_no_example(pattern, ignore_case, expected):
    """A regex that takes any origin (or is only `null`) is meant for no origin in
    particular: the any-origin (and null) leaks are reported, nothing else is tried.
    """
    check = check_origin_regex(pattern, ignore_case)
    assert check.example is None
    assert kinds(check) == expected


def test_any_origin_leak_names_the_attacker_origin():
    """The any-origin leak proves itself with an origin under a reserved TLD."""
    (leak,) = check_origin_regex(r"^https?://.*$").leaks
    assert leak == Leak(ANY, "https://attacker.invalid")
    assert "any origin" in leak.describe()
    assert "`https://attacker.invalid` passes" in leak.describe()


def test_any_origin_stops_the_finer_checks():
    """Once any origin passes, the suffix and dot checks add nothing: only any-origin
    (and null) are reported even when the pattern also has an example.
    """
    check = check_origin_regex(r"^(https://app\.example\.com|https?://.*)$")
    assert check.example == "https://app.example.com"
    assert [leak.kind for leak in check.leaks] == [ANY]


@pytest.mark.parametrize(
    ("pattern", "origin"),
    [
        (r"^https://example\.com", "https://example.com.attacker.invalid"),
        (r"example\.com$", "https://evilexample.com"),
        (r"^https://app.example.com$", "https://appxexample.com"),
        (r"^https://app.example.co.uk$", "https://appxexample.co.uk"),
        (r"^https://foo\.bar.example\.com$", "https://foo.barxexample.com"),
        (r"example\.co\.uk$", "https://evilexample.co.uk"),
    ],
)
def test_leak_origins_are_derived_from_the_example(pattern, origin):
    """Attacker origins are built from the pattern's own example: its host with the
    attacker's domain after it, a label glued before the registrable domain (co.uk style
    domains keep three labels), or the dot before the registrable domain replaced.
    """
    assert origin in [leak.origin for leak in check_origin_regex(pattern).leaks]


def test_case_insensitive_match_is_honoured():
    """`~*` (or map `~*`) compares in any case: `^HTTPS://.*` takes every origin only then.
    Without ``ignore_case`` the regex is read as `~` reads it, case-sensitive.
    """
    assert check_origin_regex(r"^HTTPS://.*$").leaks == ()
    assert kinds(check_origin_regex(r"^HTTPS://.*$", ignore_case=True)) == {ANY}


def test_null_leak_is_described():
    """Allow-listing `null` lets sandboxed iframes and local files in (Chromium sent
    `Origin: null` from a sandboxed iframe and read the credentialed answer).
    """
    (leak,) = check_origin_regex(r"^(null|https://app\.example\.com)$").leaks
    assert leak == Leak(NULL, "null")
    assert "sandboxed" in leak.describe()


@pytest.mark.parametrize(
    "pattern",
    [
        r"^https://app\.example\.com/$",  # a trailing slash: never an origin
        r"^https://(?=app)app\.example\.com$",  # a lookahead
        r"^https://[.a-z]+\.example\.com$",  # a class starting with a dot
        r"^https://(?=app|api)[a-z]+\.example\.com$",  # a lookahead of alternatives
        r"^https://(?<!x)(?<sub>app)\.example\.com$",  # a lookbehind, then a named group
        r"^https://app\.example\.com/\?next=https://",  # a URL, not an origin
    ],
)
def test_pattern_without_a_witness_is_not_tried(pattern):
    """A pattern no origin could be built for reports `example` None and no invented leak."""
    check = check_origin_regex(pattern)
    assert check == PatternCheck(None, ())


def test_invalid_regex_is_not_tried():
    """A regex that does not compile is not tried (nginx -t would refuse it)."""
    assert check_origin_regex("(") == PatternCheck(None, ())
    assert check_origin_regex(r"^https://[a-z") == PatternCheck(None, ())
    # nginx -t: "missing terminating ] for character class", "unknown POSIX class name".
    assert check_origin_regex(r"^https://(?i)app[") == PatternCheck(None, ())
    assert compile_pcre(r"^https://[[:host:]]+\.example\.com$") is None


def test_python_regex_spells_pcre_named_groups_the_python_way():
    """PCRE's `(?<name>...)` becomes `(?P<name>...)`; lookbehinds stay as they are."""
    assert python_regex(r"^(?<scheme>https)://(?<host>[^/]+)$") == (
        r"^(?P<scheme>https)://(?P<host>[^/]+)$"
    )
    assert python_regex(r"(?<=a)b(?<!c)") == r"(?<=a)b(?<!c)"
    assert python_regex(r"(?P<x>a)") == r"(?P<x>a)"


# PCRE's POSIX classes, as PCRE reads them on ASCII text (nginx's PCRE, no UCP).
POSIX_CLASSES = {
    "alnum": str.isalnum,
    "alpha": str.isalpha,
    "digit": str.isdigit,
    "lower": str.islower,
    "upper": str.isupper,
    "xdigit": lambda char: char in string.hexdigits,
    "space": str.isspace,
    "word": lambda char: char.isalnum() or char == "_",
    "punct": lambda char: char in string.punctuation,
}


@pytest.mark.parametrize("name", sorted(POSIX_CLASSES))
def test_posix_class_matches_what_pcre_matches(name):
    compiled = re.compile(python_regex(f"[[:{name}:]]"))
    for char in map(chr, range(128)):
        assert (compiled.fullmatch(char) is not None) == POSIX_CLASSES[name](char), repr(char)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # PCRE's (?i) after the start holds to the end of its group; Python takes
        # flags mid-pattern only as a group of their own.
        (r"^https://(?i)app\.example\.com$", r"^https://(?i:app\.example\.com$)"),
        (r"(x(?i)y)z", r"(x(?i:y))z"),
        (r"a(?i)b(c)d", r"a(?i:b(c)d)"),
        (r"a(?i)\)b", r"a(?i:\)b)"),
        (r"a(?i)[)]b", r"a(?i:[)]b)"),
        (r"a(?i)[]x)]b", r"a(?i:[]x)]b)"),
        (r"a(?i)[^])]b", r"a(?i:[^])]b)"),
        (r"(?i)^https://APP", r"(?i)^https://APP"),
        # Escapes, classes and groups inside the flags' group do not end it.
        (r"(a(?i)\.)b", r"(a(?i:\.))b"),
        (r"(a(?i)b(c)d)e", r"(a(?i:b(c)d))e"),
        (r"(a(?i)[]])b", r"(a(?i:[]]))b"),
        (r"(a(?i)[\]])b", r"(a(?i:[\]]))b"),
    ],
)
def test_flags_set_mid_pattern_hold_to_the_end_of_their_group(pattern, expected):
    assert python_regex(pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "example"),
    [
        # What a site would use: https, the default port, the names written out.
        (r"^(http|https)://app\.example\.com(:8443)?$", "https://app.example.com"),
        (r"^https?://(www\.)?example\.com$", "https://www.example.com"),
        (r"^https://[a-z]+\.example\.com$", "https://a.example.com"),
        (r"^https://.?app\.example\.com$", "https://app.example.com"),
        (r"^https://app\.example\.com:\d{4}$", "https://app.example.com:0000"),
        (r"^https://(localhost|app\.example\.com)$", "https://app.example.com"),
        (r"^https://(?:localhost|app\.example\.com)$", "https://app.example.com"),
    ],
)
def test_example_origin_is_the_one_a_site_would_use(pattern, example):
    assert check_origin_regex(pattern).example == example


@pytest.mark.parametrize(
    ("pattern", "example"),
    [
        # Each unanchored at the end: the attack is the example with the attacker's
        # domain after it, so the example is what the message shows.
        (r"^https://(?P<sub>[a-z]+)\.example\.com", "https://a.example.com"),
        (r"^https://(?<sub>[a-z]+)\.example\.com", "https://a.example.com"),
        (r"^https://(?:www\.)?example\.com", "https://example.com"),
        (
            r"^https://(?=a)[a-z]+\.example\.com|^https://app\.example\.com",
            "https://app.example.com",
        ),
        (r"^https://[a-z]{3,5}\.example\.com", "https://aaa.example.com"),
        (r"^https://a{2}\.example\.com", "https://aa.example.com"),
        (r"^https://[^.]+\.example\.com", "https://a.example.com"),
        (r"^https://\d+\.example\.com", "https://0.example.com"),
        (r"^https://\w+-\s*api\.example\.com", "https://a-api.example.com"),
        (r"^https://app.?\.example\.com", "https://app.example.com"),
        (r"^https://(app|api)\.example\.com", "https://app.example.com"),
        (r"^https://(?i:APP)\.example\.com", "https://APP.example.com"),
        (r"^https://.+\.example\.com", "https://a.example.com"),
        (r"^https://x+?\.example\.com", "https://x.example.com"),
        (r"^https://[\-a]pp\.example\.com", "https://app.example.com"),
        (r"^https://(a(b|c))\.example\.com", "https://ab.example.com"),
        (r"^https://app\.example\.com(:(443|8443))?", "https://app.example.com"),
        (r"^https://[a-z]+?-api\.example\.com", "https://a-api.example.com"),
        (r"^https://[^]/]+\.example\.com", "https://a.example.com"),
        (r"^https://(?P<sub>app)\.example\.com", "https://app.example.com"),
        (r"^https://(?<s>app)\.example\.com", "https://app.example.com"),
        # A label the pattern leaves open is `a`, in lower case as browsers send hosts.
        (r"\.example\.com", "https://a.example.com"),
    ],
)
def test_unanchored_leak_is_built_from_the_shortest_example(pattern, example):
    check = check_origin_regex(pattern)
    assert check.example == example
    assert [leak.origin for leak in check.leaks] == [f"{example}.attacker.invalid"]


def test_lookaround_gives_no_example():
    """A lookaround is not followed: that alternative gives no example, and no leak."""
    assert check_origin_regex(r"^https://(?!evil)[a-z]+\.example\.com") == PatternCheck(None, ())


# --- Origin allow-lists: known gaps (xfail: the behaviour wanted) -------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param(
            r"^https://app\.example\.com$|^https://admin\.example\.com",
            UNANCHORED,
            id="top-level-alternation",
        ),
        pytest.param(
            r"^https://(app\.example\.com|admin\.example\.com.*)$",
            UNANCHORED,
            id="grouped-alternation-unanchored",
        ),
        pytest.param(
            r"^https://(example\.com|.*partner\.com)$",
            SUFFIX,
            id="grouped-alternation-suffix",
        ),
        pytest.param(
            "^https://("
            + "|".join(rf"app{number}\.example\.com" for number in range(39))
            + r"|app39\.example\.com.*)$",
            UNANCHORED,
            id="fortieth-alternative",
        ),
    ],
)
def test_leak_in_a_later_alternative_is_found(pattern, expected):
    """Every alternative of an allow-list is a way in: `^https://admin\\.example\\.com`
    without `$` in the second branch accepts admin.example.com.attacker.invalid.
    """
    check = check_origin_regex(pattern)
    assert expected in kinds(check)
    assert all(matches(pattern, leak.origin) for leak in check.leaks)


def test_unescaped_dot_in_optional_group_is_found():
    """`^https?://(www.)?example\\.com$` accepts https://wwwxexample.com (or www-example.com),
    a domain anyone can register.
    """
    pattern = r"^https?://(www.)?example\.com$"
    assert matches(pattern, "https://wwwxexample.com")
    assert DOT in kinds(check_origin_regex(pattern))


def test_inline_flag_after_anchor_is_tried():
    """PCRE takes `(?i)` anywhere: `^(?i)https?://.*` accepts every origin in nginx."""
    check = check_origin_regex(r"^(?i)https?://.*")
    assert ANY in kinds(check)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param(
            r"^https?://localhost",
            {UNANCHORED},
            id="localhost-unanchored",
        ),
        pytest.param(
            r"\.example\.com",
            {UNANCHORED},
            id="dot-leading-unanchored",
        ),
    ],
)
def test_unanchored_pattern_without_full_host_is_tried(pattern, expected):
    """`^https?://localhost` (a common dev allow-list) accepts
    http://localhost.attacker.invalid; `\\.example\\.com` accepts
    https://x.example.com.attacker.invalid.
    """
    check = check_origin_regex(pattern)
    assert check.example is not None
    assert kinds(check) == expected


def test_anchored_localhost_allow_list_is_tried():
    """`^https?://localhost(:\\d+)?$` is meant for http://localhost and is safe."""
    assert check_origin_regex(r"^https?://localhost(:\d+)?$") == PatternCheck(
        "http://localhost", ()
    )


def test_unescaped_dot_inside_co_uk_registrable_domain_is_found():
    """`^https://example.co.uk$` accepts https://examplexco.uk (examplexco.uk is open to
    anyone under .uk).
    """
    pattern = r"^https://example.co.uk$"
    assert matches(pattern, "https://examplexco.uk")
    assert DOT in kinds(check_origin_regex(pattern))


def test_any_http_origin_is_found():
    """`^http://.*$` accepts http://attacker.invalid: any plain-http origin."""
    assert ANY in kinds(check_origin_regex(r"^http://.*$"))


def test_example_is_always_a_full_origin():
    """The example is an origin a browser sends: scheme://host[:port]."""
    check = check_origin_regex(r"://app\.example\.com$")
    assert check.example == "https://app.example.com"
