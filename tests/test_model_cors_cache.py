"""The model behind the CORS and caching rules: origin allow-lists, location choice, settings.

- ``authlint.model.origins``: which attacker origins an allow-list regex lets
  through (``check_origin_regex``), on regexes as nginx configs write them.
- ``authlint.nginx.locations``: the location nginx chooses for a URI
  (``match_location``) and the location a loopback ``proxy_pass`` lands in
  (``proxied_location``), compared with the real nginx on 127.0.0.1 by the
  tests marked ``realserver`` (skipped without nginx, failing under CI=true).
- ``authlint.nginx.settings``: ``cors``, credential-carrying values, preflight
  exemptions, ``internal``, ``authenticates_some_methods`` and ``cache``.

Each test names the behaviour it pins in its docstring (nginx 1.22; see
``shared/reference/semantics.md`` sections 2 and 5). A test marked ``xfail``
states how the model should behave and does not yet.
"""

from __future__ import annotations

import json
import os
import re
import signal
import string
import subprocess
import sys
import threading
import time
from textwrap import dedent

import pytest

import authlint.model.origins as origins_module
from authlint.model.origins import (
    Leak,
    LeakKind,
    PatternCheck,
    RegexTooSlow,
    check_origin_regex,
    compile_pcre,
    python_regex,
    search_pcre,
)
from authlint.model.scope import ScopeKind
from authlint.model.settings import OriginKind, UpstreamKind
from authlint.nginx.locations import match_location, proxied_location
from authlint.nginx.servers import select_server

from conftest import model, scope_at
from realserver import Nginx, nginx_binary, render, send

UPSTREAM = "http://127.0.0.1:9000"
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
    ],
)
def test_leak_origins_are_derived_from_the_example(pattern, origin):
    """Attacker origins are built from the pattern's own example: its host with the
    attacker's domain after it, a label glued before the registrable domain (co.uk style
    domains keep three labels), or the dot before the registrable domain replaced.
    """
    assert origin in [leak.origin for leak in check_origin_regex(pattern).leaks]


def test_case_insensitive_match_is_honoured():
    """`~*` (or map `~*`) compares in any case: `^HTTPS://.*` takes every origin only then."""
    assert check_origin_regex(r"^HTTPS://.*$", ignore_case=False).leaks == ()
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
    ],
)
def test_unanchored_leak_is_built_from_the_shortest_example(pattern, example):
    check = check_origin_regex(pattern)
    assert check.example == example
    assert [leak.origin for leak in check.leaks] == [f"{example}.attacker.invalid"]


def test_lookaround_gives_no_example():
    """A lookaround is not followed: that alternative gives no example, and no leak."""
    assert check_origin_regex(r"^https://(?!evil)[a-z]+\.example\.com") == PatternCheck(None, ())


# --- Regexes that backtrack without end ---------------------------------------------------

# Each `(.*a)` can take any share of the a's: Python's re tries them all (PCRE stops at
# its match limit, and nginx then takes the regex as not matching).
CATASTROPHIC = r"^https://(.*a){24}\.example\.net$"
SLOW_SUBJECT = "https://" + "a" * 40 + ".example.org"


@pytest.fixture
def quick_limit(monkeypatch):
    monkeypatch.setattr(origins_module, "SEARCH_SECONDS", 0.05)


def test_search_pcre_gives_up_on_a_regex_that_backtracks_without_end(quick_limit):
    compiled = compile_pcre(CATASTROPHIC)
    started = time.monotonic()
    with pytest.raises(RegexTooSlow):
        search_pcre(compiled, SLOW_SUBJECT)
    assert time.monotonic() - started < 5
    readable = compile_pcre(r"^https://a+\.example\.(net|org)$")
    assert search_pcre(readable, SLOW_SUBJECT)
    assert not search_pcre(readable, "https://b.example.org")


def test_an_allow_list_regex_too_slow_to_try_is_unknown(quick_limit):
    """No leak is claimed for it, and it costs one time limit, not minutes."""
    started = time.monotonic()
    assert check_origin_regex(CATASTROPHIC + "|^https://x\\.example\\.org$") == PatternCheck(
        None, ()
    )
    assert time.monotonic() - started < 5


def test_search_pcre_leaves_a_timer_already_armed_alone():
    previous = signal.signal(signal.SIGVTALRM, lambda *_: None)
    signal.setitimer(signal.ITIMER_VIRTUAL, 100)
    try:
        assert search_pcre(compile_pcre("^a"), "abc")
        assert signal.getitimer(signal.ITIMER_VIRTUAL)[0] > 90
        assert signal.getsignal(signal.SIGVTALRM) is not origins_module._too_slow
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def test_search_pcre_is_bounded_whatever_wall_clock_timer_the_process_has(quick_limit):
    # The bound counts CPU time, on a timer of its own: a wall-clock alarm
    # (a test runner's timeout) neither stops it nor is disturbed.
    previous = signal.signal(signal.SIGALRM, lambda *_: None)
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        with pytest.raises(RegexTooSlow):
            search_pcre(compile_pcre(CATASTROPHIC), SLOW_SUBJECT)
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 90
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_search_pcre_off_the_main_thread_searches_unbounded():
    answers = []
    thread = threading.Thread(target=lambda: answers.append(search_pcre(compile_pcre("b"), "abc")))
    thread.start()
    thread.join()
    assert answers == [True]


@pytest.mark.parametrize(
    "pattern",
    [
        "^https://a{4294967296}$",  # OverflowError: past Python's largest repeat
        "^https://a{" + "9" * 5000 + "}$",  # ValueError: too many digits to convert
        "^https://" + "(" * 1000 + "a" + ")" * 1000 + "$",  # RecursionError
    ],
)
def test_a_regex_python_cannot_compile_is_unknown(pattern):
    assert compile_pcre(pattern) is None
    assert check_origin_regex(pattern) == PatternCheck(None, ())


@pytest.mark.parametrize("repeated", ["a{999999999}", "(?:a{65535}){65535}"])
def test_a_huge_repeat_builds_no_huge_example_origin(repeated):
    """It compiles; an example origin of gigabytes is not built (nor tried)."""
    started = time.monotonic()
    check = check_origin_regex(f"^https://{repeated}\\.example\\.com$")
    assert check == PatternCheck(None, ())
    assert time.monotonic() - started < 1


def test_a_location_regex_too_slow_to_try_makes_the_choice_unknown(tree, quick_limit):
    root = tree({"site.conf": f'server {{ location / {{ }} location ~ "{CATASTROPHIC}" {{ }} }}\n'})
    found = match_location(server_on_any(model(root, cwd=root)), SLOW_SUBJECT)
    assert not found.known


def test_a_server_name_regex_too_slow_to_try_makes_the_server_unknown(tree, quick_limit):
    root = tree(
        {
            "site.conf": "server { listen 8011 default_server; }\n"
            f'server {{ listen 8011; server_name "~{CATASTROPHIC}"; }}\n'
        }
    )
    assert select_server(servers_on(model(root, cwd=root), 8011), SLOW_SUBJECT) is None


def test_the_command_ends_soon_on_a_regex_that_backtracks_without_end(tree):
    root = tree(
        {
            "site.conf": dedent(
                f"""\
                map $http_origin $cors {{
                    default "";
                    "~{CATASTROPHIC}" $http_origin;
                    "~^https://app.example.com$" $http_origin;
                }}
                server {{
                    listen 80;
                    location / {{
                        add_header Access-Control-Allow-Origin $cors always;
                        add_header Access-Control-Allow-Credentials true always;
                        proxy_pass http://127.0.0.1:9000;
                    }}
                }}
                """
            )
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", "--isolated", "--format", "json", "."],
        cwd=root,
        capture_output=True,
        timeout=60,
        check=False,
    )
    rules = [finding["rule"] for finding in json.loads(done.stdout)["findings"]]
    # The readable regex is still judged: its unescaped dot is reported.
    assert "AL303" in rules, done.stderr


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


# --- Location choice ----------------------------------------------------------------------

# One config served by the real nginx (tests marked realserver) and read by the model.
# Every location answers with its own name; ports are the originals, render() maps them.
LIVE_CONFIG = r"""
map $http_origin $cors_allowed {
    default 0;
    "~^https://app\.example\.com$" 1;
}
map $http_origin $named_origin {
    default "";
    "~^(?<allowed>https://.+)$" $allowed;
}
map $http_origin $numbered_origin {
    default "";
    "~^(https://[a-z]+\.example\.com)$" $1;
}

server {
    listen 8001;
    location = / { return 200 "exact-root"; }
    location / { return 200 "root"; }
    location = /exact { return 200 "exact"; }
    location /exact { return 200 "prefix-exact"; }
    location /docs/api/ { return 200 "docs-api"; }
    location /docs/ { return 200 "docs"; }
    location ^~ /docs/raw/ { return 200 "docs-raw"; }
    location ^~ /static/ { return 200 "static"; }
    location /static/js/ { return 200 "static-js"; }
    location /images/ {
        return 200 "images";
        location ~ \.png$ { return 200 "images-png"; }
        location /images/thumbs/ { return 200 "images-thumbs"; }
        location = /images/exact.png { return 200 "images-exact"; }
    }
    location ^~ /assets/ {
        return 200 "assets";
        location ~ \.css$ { return 200 "assets-css"; }
    }
    location ~ \.php$ { return 200 "php"; }
    location ~* \.(jpg|jpeg|png)$ { return 200 "img-ci"; }
    location ~ ^/api/v(?<version>\d+)/ { return 200 "api-version"; }
    location ~ /admin { return 200 "admin-regex"; }
    location /admin/ { return 200 "admin-prefix"; }
    location ~ ^/nested-regex/ {
        return 200 "nested-regex";
        location ~ \.txt$ { return 200 "nested-regex-txt"; }
    }
    location /outer/ {
        return 200 "outer";
        location /outer/inner/ {
            return 200 "outer-inner";
            location ~ \.json$ { return 200 "outer-inner-json"; }
        }
        location ^~ /outer/noregex/ { return 200 "outer-noregex"; }
    }
    location /Case/ { return 200 "case"; }
    location ~* ^/ci/ { return 200 "ci"; }
    location @named { return 200 "named"; }
    location /proxied/ { proxy_pass http://127.0.0.1:9000; }
}

server {
    listen 8002;
    location / { return 200 "sa-root"; }
    location =/sa-exact { return 200 "sa-exact"; }
    location ~\.sa$ { return 200 "sa-regex"; }
    location ~*\.SACI$ { return 200 "sa-regex-ci"; }
    location ^~/sa-noregex/ { return 200 "sa-noregex"; }
}

server {
    listen 8003;
    location /int/ {
        internal;
        return 200 "int";
        location /int/nested/ { return 200 "int-nested"; }
    }
    location /go-nested { error_page 418 = /int/nested/; return 418; }
}

server {
    listen 8004;
    location /cors-chained/ {
        if ($cors_allowed) {
            add_header Access-Control-Allow-Origin $http_origin always;
            add_header Access-Control-Allow-Credentials true always;
        }
        proxy_pass http://127.0.0.1:9000;
    }
    location /cors-negative/ {
        set $cors $http_origin;
        if ($http_origin !~ "^https://app\.example\.com$") { set $cors ""; }
        add_header Access-Control-Allow-Origin $cors always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://127.0.0.1:9000;
    }
    location /cors-named/ {
        add_header Access-Control-Allow-Origin $named_origin always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://127.0.0.1:9000;
    }
    location /cors-numbered/ {
        add_header Access-Control-Allow-Origin $numbered_origin always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://127.0.0.1:9000;
    }
    location /cors-reflected/ {
        add_header Access-Control-Allow-Origin $http_origin always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://127.0.0.1:9000;
    }
}

server {
    listen 8005;
    auth_basic_user_file /etc/nginx/htpasswd;
    location /pf-if/ {
        auth_basic "api";
        if ($request_method = OPTIONS) { return 204; }
        proxy_pass http://127.0.0.1:9000;
    }
    location /pf-parent/ {
        if ($request_method = OPTIONS) { return 204; }
        proxy_pass http://127.0.0.1:9000;
        location /pf-parent/child/ { auth_basic "api"; proxy_pass http://127.0.0.1:9000; }
    }
    location /pf-le/ {
        limit_except OPTIONS { auth_basic "api"; }
        proxy_pass http://127.0.0.1:9000;
    }
    location /pf-le-get/ {
        limit_except GET { auth_basic "api"; }
        proxy_pass http://127.0.0.1:9000;
    }
    location /pf-le-loc/ {
        auth_basic "api";
        limit_except OPTIONS GET { deny all; }
        proxy_pass http://127.0.0.1:9000;
    }
    location /pf-none/ { auth_basic "api"; proxy_pass http://127.0.0.1:9000; }
    location /pf-noreturn/ {
        auth_basic "api";
        if ($request_method = OPTIONS) { add_header X-Preflight yes; }
        proxy_pass http://127.0.0.1:9000;
    }
    location /pf-regex/ {
        auth_basic "api";
        if ($request_method ~* ^options$) { return 204; }
        proxy_pass http://127.0.0.1:9000;
    }
}

server {
    listen 8008;
    if ($request_method = OPTIONS) { return 204; }
    location /pf-server/ {
        auth_basic "api";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_pass http://127.0.0.1:9000;
    }
}

server {
    listen 8006;
    location /to-default/ { proxy_pass http://127.0.0.1:8007; }
    location /to-uri/ { proxy_pass http://127.0.0.1:8010/inner/; }
    location /to-upstream/ { proxy_pass http://loopback; }
}
upstream loopback { server 127.0.0.1:8010; }
server {
    listen 8007;
    server_name first.example;
    location / { return 200 "first"; }
}
server {
    listen 8007 default_server;
    server_name second.example;
    location / { return 200 "second"; }
}
server {
    listen 8010;
    location / { return 200 "other"; }
    location /inner/ { return 200 "other-inner"; }
    location /to-upstream/ { return 200 "other-to-upstream"; }
}

server {
    listen 8012;
    location / { return 200 "root"; }
    location /redir/ { proxy_pass http://127.0.0.1:9000; }
    location ~ ^/redir$ { return 200 "regex"; }
    location /has-exact/ { proxy_pass http://127.0.0.1:9000; }
    location = /has-exact { return 200 "exact"; }
    location /has-prefix/ { proxy_pass http://127.0.0.1:9000; }
    location /has-prefix { return 200 "prefix"; }
    location /served/ { return 200 "served"; }
    location /pre { return 200 "pre"; }
    location /prefixed/ { grpc_pass grpc://127.0.0.1:9000; }
    location = /exact-pass/ { proxy_pass http://127.0.0.1:9000; }
    location ^~ /no-regex/ { fastcgi_pass 127.0.0.1:9000; }
    location /outer/ {
        location /outer/inner/ { uwsgi_pass 127.0.0.1:9000; }
        return 200 "outer";
    }
}

server {
    listen 8011;
    server_name exact.test exact.wild.test;
    return 200 "exact";
}
server {
    listen 8011;
    server_name *.wild.test;
    return 200 "lead-wild";
}
server {
    listen 8011;
    server_name *.deep.wild.test;
    return 200 "lead-wild-longer";
}
server {
    listen 8011;
    server_name mail.* mail.deep.*;
    return 200 "trail-wild";
}
server {
    listen 8011;
    server_name mail.deeper.*;
    return 200 "trail-wild-longer";
}
server {
    listen 8011;
    server_name .dot.test;
    return 200 "dot";
}
server {
    listen 8011;
    server_name ~^www\d+\.regex\.test$;
    return 200 "regex-first";
}
server {
    listen 8011;
    server_name "~^(?<sub>[a-z]+)\.regex\.test$" ~^UPPER\.caseless\.test$;
    return 200 "regex-named";
}
server {
    listen 8011;
    server_name ~^www1\.regex\.test$ ~^mail\.;
    return 200 "regex-later";
}
server {
    listen 8011 default_server;
    server_name _;
    return 200 "default";
}
"""

# (URI, on port 8012: the location whose configuration answers, and whether nginx 1.22
# answers with a 301 to the URI with a slash added, else 200 and the location's body)
REDIRECT_MATRIX = [
    ("/redir", "location /redir/", True),
    ("/has-exact", "location = /has-exact", False),
    ("/has-prefix", "location /has-prefix", False),
    ("/served", "location /", False),
    ("/prefixed", "location /prefixed/", True),
    ("/exact-pass", "location = /exact-pass/", True),
    ("/no-regex", "location ^~ /no-regex/", True),
    ("/outer/inner", "location /outer/inner/", True),
    ("/outer/x", "location /outer/", False),
]

# (Host, the server that answers on port 8011 on nginx 1.22, as its body says)
SERVER_NAME_MATRIX = [
    ("exact.test", "exact"),
    ("EXACT.Test", "exact"),
    ("exact.test.", "exact"),
    ("exact.wild.test", "exact"),
    ("a.wild.test", "lead-wild"),
    ("a.b.wild.test", "lead-wild"),
    ("wild.test", "default"),
    ("a.deep.wild.test", "lead-wild-longer"),
    ("deep.wild.test", "lead-wild"),
    ("mail.wild.test", "lead-wild"),
    ("mail.example.com", "trail-wild"),
    ("mail.deep.x", "trail-wild"),
    ("mail.deeper.x", "trail-wild-longer"),
    ("dot.test", "dot"),
    ("x.dot.test", "dot"),
    ("xdot.test", "default"),
    ("www12.regex.test", "regex-first"),
    ("www1.regex.test", "regex-first"),
    ("abc.regex.test", "regex-named"),
    ("upper.caseless.test", "regex-named"),
    ("mailx.example.com", "default"),
    ("unknown.test", "default"),
]

# (uri, the location that answers on nginx 1.22, as its body says)
LOCATION_MATRIX = [
    ("/", "exact-root"),
    ("/index.html", "root"),
    ("/exact", "exact"),
    ("/exactly", "prefix-exact"),
    ("/exact/sub", "prefix-exact"),
    ("/docs/", "docs"),
    ("/docs/x", "docs"),
    ("/docs/api", "docs"),
    ("/docs/api/x", "docs-api"),
    ("/docs/a.php", "php"),
    ("/docs/raw/a.php", "docs-raw"),
    ("/static/a.php", "static"),
    ("/static/js/", "static-js"),
    ("/static/js/a.php", "php"),
    ("/images/", "images"),
    ("/images/a.png", "images-png"),
    ("/images/a.jpg", "img-ci"),
    ("/images/thumbs/a.png", "images-png"),
    ("/images/thumbs/a.gif", "images-thumbs"),
    ("/images/exact.png", "images-exact"),
    ("/assets/a.css", "assets-css"),
    ("/assets/a.php", "assets"),
    ("/assets/a.png", "assets"),
    ("/x.php", "php"),
    ("/x.PHP", "root"),
    ("/X.JPG", "img-ci"),
    ("/api/v2/users", "api-version"),
    ("/api/vx/", "root"),
    ("/admin/", "admin-regex"),
    ("/admin/x.php", "php"),
    ("/xadmin", "root"),
    ("/nested-regex/a", "nested-regex"),
    ("/nested-regex/a.txt", "nested-regex-txt"),
    ("/nested-regex/a.php", "php"),
    ("/outer/", "outer"),
    ("/outer/x.php", "php"),
    ("/outer/inner/a.json", "outer-inner-json"),
    ("/outer/inner/a.php", "php"),
    ("/outer/inner/x.png", "img-ci"),
    ("/outer/noregex/a.json", "outer-noregex"),
    ("/outer/noregex/a.php", "php"),
    ("/Case/", "case"),
    ("/case/", "root"),
    ("/CI/x", "ci"),
    ("/@named", "root"),
]

# (uri, answer) on the server whose modifiers are glued to the location name.
SINGLE_ARGUMENT_MATRIX = [
    ("/sa-exact", "sa-exact"),
    ("/x.sa", "sa-regex"),
    ("/x.saci", "sa-regex-ci"),
    ("/sa-noregex/x.sa", "sa-noregex"),
]


@pytest.fixture(scope="module")
def live_model(tmp_path_factory):
    root = tmp_path_factory.mktemp("live-model")
    (root / "site.conf").write_text(LIVE_CONFIG)
    return model(root, cwd=root)


def server_on(workspace, port):
    """The first server whose `listen` is ``port``."""
    found = servers_on(workspace, port)
    assert found, f"no server listens on {port}"
    return found[0]


def location_on(workspace, port, label):
    """The location labelled ``label`` directly in the server listening on ``port``."""
    (found,) = [scope for scope in server_on(workspace, port).children if scope.label == label]
    return found


def answer(scope):
    """What a location answers: the text of its `return 200 "..."` (None: no location)."""
    if scope is None:
        return None
    returned = scope.own.get("return")
    return returned[0].arg(1) if returned else scope.label


@pytest.mark.parametrize(("uri", "expected"), LOCATION_MATRIX)
def test_match_location_chooses_as_nginx_does(live_model, uri, expected):
    """nginx: `=` first; then the longest prefix; `^~` on it skips the regexes; the
    locations nested in the chosen prefix are searched the same way (a nested exact or
    regex wins); then the regexes of the level in order, the first match winning over the
    prefix (also over a nested prefix, and over a nested `^~`); `~*` ignores case; named
    locations are never matched by URI. Every row was observed on nginx 1.22.
    """
    found = match_location(server_on(live_model, 8001), uri)
    assert found.known
    assert answer(found.scope) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [pytest.param(*row) for row in SINGLE_ARGUMENT_MATRIX],
)
def test_match_location_reads_modifier_glued_to_the_name(live_model, uri, expected):
    """nginx accepts `location =/x`, `location ~\\.php$`, `location ~*\\.jpg$` and
    `location ^~/x` with the modifier glued to the name (observed on nginx 1.22).
    """
    assert answer(match_location(server_on(live_model, 8002), uri).scope) == expected


def test_match_location_searches_inside_a_location_scope(live_model):
    """Given a location, only the locations nested in it are searched; none matching
    leaves no location (the caller keeps the one it has).
    """
    images = scope_at(live_model, "location /images/")
    assert answer(match_location(images, "/images/a.png").scope) == "images-png"
    assert answer(match_location(images, "/images/thumbs/x").scope) == "images-thumbs"
    assert match_location(images, "/images/a.jpg").scope is None


def test_no_matching_location_is_none(tree):
    """nginx: a URI no location matches is handled by the server's own configuration."""
    root = tree({"site.conf": "server { location /api/ { } location ~ \\.php$ { } }"})
    found = match_location(server_on_any(model(root, cwd=root)), "/other")
    assert found.scope is None
    assert found.known


def server_on_any(workspace):
    (server,) = [scope for scope in workspace.scopes() if scope.kind is ScopeKind.SERVER]
    return server


def test_locations_from_an_included_file_are_matched(tree):
    """nginx: locations in an included file are the server's own, in include order."""
    root = tree(
        {
            "site.conf": "server { include locations/*.conf; location / { return 200 root; } }",
            "locations/api.conf": "location /api/ { return 200 api; }",
            "locations/php.conf": "location ~ \\.php$ { return 200 php; }",
        }
    )
    server = server_on_any(model(root, cwd=root))
    assert answer(match_location(server, "/api/x").scope) == "api"
    assert answer(match_location(server, "/api/x.php").scope) == "php"
    assert match_location(server, "/api/x").known


def test_unread_include_makes_the_choice_unknown(tree):
    """An include that was not read could hold another location: the answer is not known."""
    root = tree({"site.conf": "server { include /nowhere/*.conf; location / { } }"})
    found = match_location(server_on_any(model(root, cwd=root)), "/x")
    assert found.scope is not None
    assert not found.known


def test_flags_set_mid_pattern_apply_from_there_on(tree):
    """PCRE's `(?i)` after `^` makes the rest of the regex case-insensitive, not what came
    before: `/a/B.php` matches `^/a/(?i)b`, `/A/b.php` does not.
    """
    root = tree(
        {
            "site.conf": """
            server {
                location ~ ^/a/(?i)b { return 200 flagged; }
                location ~ \\.php$ { return 200 php; }
            }
            """
        }
    )
    server = server_on_any(model(root, cwd=root))
    assert answer(match_location(server, "/a/B.php").scope) == "flagged"
    assert answer(match_location(server, "/A/b.php").scope) == "php"


def test_regex_python_cannot_read_makes_the_choice_unknown(tree):
    """A location regex PCRE takes but Python does not (recursion, `(?R)`) is skipped;
    the choice made without it is not known.
    """
    root = tree(
        {
            "site.conf": """
            server {
                location ~ ^/a/(?R)?b { return 200 flagged; }
                location ~ \\.php$ { return 200 php; }
            }
            """
        }
    )
    found = match_location(server_on_any(model(root, cwd=root)), "/a/B.php")
    assert answer(found.scope) == "php"
    assert not found.known


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_posix_character_class_in_location_regex(tree):
    """PCRE reads `[[:digit:]]` as a digit (nginx 1.22 answered /n/123 from
    `location ~ ^/n/[[:digit:]]+$`): the model must match it or say it does not know.
    """
    root = tree(
        {
            "site.conf": """
            server {
                location / { return 200 root; }
                location ~ ^/n/[[:digit:]]+$ { return 200 posix; }
            }
            """
        }
    )
    found = match_location(server_on_any(model(root, cwd=root)), "/n/123")
    assert answer(found.scope) == "posix" or not found.known


def test_uri_one_slash_short_of_a_proxied_prefix_goes_to_that_prefix(live_model):
    """nginx 1.22: GET /proxied with `location /proxied/ { proxy_pass ...; }` gets a 301
    to /proxied/ from that location, although `location /` also matches.
    """
    found = match_location(server_on(live_model, 8001), "/proxied")
    assert found.scope is scope_at(live_model, "location /proxied/")
    assert found.redirects
    assert found.known


def in_server(workspace, port, label):
    """The one scope labelled ``label`` inside the server listening on ``port``."""
    server = server_on(workspace, port)
    (found,) = [
        scope
        for scope in workspace.scopes()
        if scope.label == label and scope.enclosing(ScopeKind.SERVER) is server
    ]
    return found


@pytest.mark.parametrize(("uri", "label", "redirects"), REDIRECT_MATRIX)
def test_match_location_redirects_as_nginx_does(live_model, uri, label, redirects):
    """The redirect comes only from a location ending in `/` that passes requests on
    (proxy, fastcgi, uwsgi, scgi, memcached or grpc; prefix, `^~` or exact), only when no
    location is named as the URI itself, before any regex, and inside nested locations
    too (see the real-server test below)."""
    found = match_location(server_on(live_model, 8012), uri)
    assert found.scope is in_server(live_model, 8012, label)
    assert found.redirects is redirects


def test_proxied_location_to_a_uri_one_slash_short_redirects(tree):
    """`proxy_pass http://127.0.0.1:8081/x;` next to `location /x/ { proxy_pass ...; }`
    there: the upstream answers with its 301."""
    servers = (
        "server { listen 8081; location / { return 200 root; } "
        "location /x/ { proxy_pass http://127.0.0.1:9000; } }"
    )
    found = proxied(tree, "location /front/ { proxy_pass http://127.0.0.1:8081/x; }", servers)
    assert found.scope.label == "location /x/"
    assert found.redirects


# --- proxied_location ---------------------------------------------------------------------


def test_proxied_location_follows_proxy_pass_uri_to_loopback_server(live_model):
    """A location proxying to a loopback port of the same config lands in that server's
    location for the URI part of proxy_pass (nginx 1.22: /to-uri/x answered other-inner).
    """
    found = proxied_location(scope_at(live_model, "location /to-uri/"))
    assert answer(found.scope) == "other-inner"
    assert found.known


def test_proxied_location_follows_upstream_group_of_loopback_servers(live_model):
    """`proxy_pass http://name` with `upstream name { server 127.0.0.1:port; }` lands in
    the server listening there, at the location's own path.
    """
    found = proxied_location(location_on(live_model, 8006, "location /to-upstream/"))
    assert answer(found.scope) == "other-to-upstream"


def proxied(tree, location, servers):
    root = tree({"site.conf": f"server {{ listen 8000; {location} }}\n{servers}"})
    workspace = model(root, cwd=root)
    front = next(
        scope
        for scope in workspace.scopes()
        if scope.kind is ScopeKind.LOCATION and "front" in scope.label
    )
    return proxied_location(front)


TARGET = "server { listen 8081; location / { return 200 root; } location /x/ { return 200 x; } }"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("location /front/ { proxy_pass http://127.0.0.1:8081; }", "root"),
        ("location /front/ { proxy_pass http://localhost:8081/x/; }", "x"),
        ("location = /front { proxy_pass http://127.0.0.1:8081/x/a; }", "x"),
        ("location ^~ /front/ { proxy_pass http://127.0.0.1:8081/x/; }", "x"),
        ("location /front/ { if ($arg_a) { } proxy_pass http://127.0.0.1:8081/x/; }", "x"),
    ],
)
def test_proxied_location_path_is_the_proxy_pass_uri_or_the_location_name(tree, location, expected):
    """The request path upstream is proxy_pass's URI part, or the location's own name when
    proxy_pass has none; `localhost` is loopback too.
    """
    assert answer(proxied(tree, location, TARGET).scope) == expected


@pytest.mark.parametrize(
    "location",
    [
        "location /front/ { proxy_pass http://10.0.0.5:8081; }",
        "location /front/ { proxy_pass http://127.0.0.1:9999; }",
        "location /front/ { proxy_pass http://127.0.0.1:$port; }",
        "location /front/ { proxy_pass $backend; }",
        "location ~ ^/front/ { proxy_pass http://127.0.0.1:8081; }",
        "location /front/ { fastcgi_pass 127.0.0.1:8081; }",
        "location /front/ { return 200 front; }",
    ],
)
def test_proxied_location_is_none_when_not_followed(tree, location):
    """Not followed: another host, a port no server of the config listens on, variables,
    a regex location (its request path is unknown), a non-HTTP upstream, no upstream.
    """
    assert proxied(tree, location, TARGET) is None


def test_proxied_location_https_defaults_to_port_443(tree):
    """`proxy_pass https://127.0.0.1` connects to port 443."""
    servers = "server { listen 443 ssl; location / { return 200 tls; } }\n" + TARGET
    found = proxied(tree, "location /front/ { proxy_pass https://127.0.0.1; }", servers)
    assert answer(found.scope) == "tls"


def servers_on(workspace, port):
    """Every server whose `listen` is ``port``, in config order."""
    return [
        scope
        for scope in workspace.scopes()
        if scope.kind is ScopeKind.SERVER
        and str(port) in [node.arg(0).rpartition(":")[2] for node in scope.own.get("listen", ())]
    ]


@pytest.mark.parametrize(("host", "expected"), SERVER_NAME_MATRIX)
def test_select_server_chooses_by_host_as_nginx_does(live_model, host, expected):
    """Exact name, then the longest leading wildcard, the longest trailing wildcard, the
    first matching regex (caseless), then the default_server (nginx 1.22, see the
    real-server test below)."""
    found = select_server(servers_on(live_model, 8011), host)
    assert answer(found) == expected


def test_select_server_does_not_guess_past_a_regex_python_cannot_read(tree):
    """A PCRE-only regex name might match: with no exact or wildcard name matching, the
    server is unknown rather than the default."""
    root = tree(
        {
            "site.conf": dedent(
                """\
                server { listen 8011 default_server; return 200 "default"; }
                server { listen 8011; server_name "~^(a)(?1)\\.test$"; return 200 "pcre"; }
                server { listen 8011; server_name known.test; return 200 "known"; }
                """
            )
        }
    )
    servers = servers_on(model(root, cwd=root), 8011)
    assert select_server(servers, "other.test") is None
    assert answer(select_server(servers, "known.test")) == "known"


def test_select_server_with_an_unknown_host(live_model):
    """A Host that depends on the request: known only when one server listens."""
    assert select_server(servers_on(live_model, 8011), None) is None
    (only,) = servers_on(live_model, 8010)
    assert select_server([only], None) is only


def test_proxied_location_follows_a_wildcard_server_name(tree):
    """`proxy_set_header Host api.internal.test` reaches `server_name *.internal.test`,
    not the default server."""
    servers = dedent(
        """\
        server { listen 8081 default_server; location / { return 200 "default"; } }
        server {
            listen 8081;
            server_name *.internal.test;
            location / { return 200 "wildcard"; }
        }
        """
    )
    location = (
        "location /front/ { proxy_set_header Host api.internal.test; "
        "proxy_pass http://127.0.0.1:8081; }"
    )
    found = proxied(tree, location, servers)
    assert answer(found.scope) == "wildcard"


def test_proxied_location_lands_in_the_default_server(live_model):
    """nginx 1.22: two servers on one port, the second `default_server`: the proxied
    request (Host: 127.0.0.1:8007) was answered by the second.
    """
    found = proxied_location(scope_at(live_model, "location /to-default/"))
    assert answer(found.scope) == "second"


@pytest.mark.parametrize(
    ("location", "servers"),
    [
        pytest.param(
            "location /front/ { proxy_pass http://127.0.0.1:8081/x/; }",
            TARGET.replace("listen 8081", "listen 0.0.0.0:8081"),
            id="listen-0.0.0.0",
        ),
        pytest.param(
            "location /front/ { proxy_pass http://[::1]:8081/x/; }",
            TARGET.replace("listen 8081", "listen [::1]:8081"),
            id="proxy-pass-ipv6-loopback",
        ),
        pytest.param(
            "location /front/ { proxy_pass http://backend/x/; }",
            "upstream backend { server 127.0.0.1; }\n" + TARGET.replace("8081", "80"),
            id="upstream-server-default-port",
        ),
    ],
)
def test_proxied_location_follows_other_loopback_spellings(tree, location, servers):
    """Loopback spelled otherwise: a server on 0.0.0.0, proxy_pass to [::1], an upstream
    `server 127.0.0.1;` (port 80).
    """
    found = proxied(tree, location, servers)
    assert found is not None
    assert answer(found.scope) == "x"


# --- Real nginx: location choice, internal, preflight, CORS allow-lists --------------------


@pytest.fixture(scope="session")
def nginx() -> str:
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is required in CI: .ci/run installs the Debian package")
        pytest.skip("nginx is not installed (apt-get install nginx): real-server proofs skipped")
    return binary


@pytest.fixture(scope="module")
def live(nginx, tmp_path_factory):
    """LIVE_CONFIG running on 127.0.0.1 (one nginx for the module); yields a GET helper."""
    source = tmp_path_factory.mktemp("live-source") / "site.conf"
    source.write_text(LIVE_CONFIG)
    rendered = render(source, tmp_path_factory.mktemp("live-prefix"))
    with Nginx(nginx, rendered) as server:

        def request(port, path, method="GET", headers=None):
            request = {"path": path, "method": method, "headers": headers or {}}
            return send(rendered.port_for(port), request)

        request.log = server.log
        yield request


@pytest.mark.realserver
@pytest.mark.parametrize(
    ("port", "uri", "expected"),
    [(8001, *row) for row in LOCATION_MATRIX] + [(8002, *row) for row in SINGLE_ARGUMENT_MATRIX],
)
def test_real_nginx_answers_from_the_expected_location(live, port, uri, expected):
    """The location tables above are what nginx 1.22 does."""
    response = live(port, uri)
    assert (response.status, response.body) == (200, expected), live.log()


@pytest.mark.realserver
@pytest.mark.parametrize(
    ("port", "uri"),
    [(8001, uri) for uri, _ in LOCATION_MATRIX]
    + [pytest.param(8002, uri) for uri, _ in SINGLE_ARGUMENT_MATRIX],
)
def test_match_location_agrees_with_real_nginx(live, live_model, port, uri):
    """match_location names the location whose body the real nginx answered with."""
    body = live(port, uri).body
    assert answer(match_location(server_on(live_model, port), uri).scope) == body


@pytest.mark.realserver
def test_real_nginx_redirects_uri_one_slash_short_of_a_proxied_prefix(live):
    """nginx 1.22: GET /proxied next to `location /proxied/ { proxy_pass ...; }` is a 301
    to /proxied/, not an answer from `location /`.
    """
    response = live(8001, "/proxied")
    assert response.status == 301
    assert response.header("location")[0].endswith("/proxied/")


@pytest.mark.realserver
@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/to-uri/x", "other-inner"),
        ("/to-upstream/x", "other-to-upstream"),
        ("/to-default/x", "second"),
    ],
)
def test_real_nginx_lands_proxied_requests(live, uri, expected):
    """Loopback proxy_pass within one config: the URI part replaces the location name; with
    two servers on a port and no server_name matching, the default_server answers.
    """
    assert live(8006, uri).body == expected


@pytest.mark.realserver
@pytest.mark.parametrize(("host", "expected"), SERVER_NAME_MATRIX)
def test_real_nginx_chooses_the_server_by_host(live, live_model, host, expected):
    """The server-name table above is what nginx 1.22 does, and select_server agrees."""
    response = live(8011, "/", headers={"Host": host})
    assert (response.status, response.body) == (200, expected), live.log()
    assert answer(select_server(servers_on(live_model, 8011), host)) == response.body


@pytest.mark.realserver
@pytest.mark.parametrize(("uri", "label", "redirects"), REDIRECT_MATRIX)
def test_real_nginx_redirects_as_the_table_says(live, live_model, uri, label, redirects):
    """The redirect table above is what nginx 1.22 does."""
    response = live(8012, uri)
    if redirects:
        assert response.status == 301, live.log()
        assert response.header("location")[0].endswith(uri + "/")
    else:
        assert response.status == 200, live.log()
        assert response.body == answer(in_server(live_model, 8012, label))


@pytest.mark.realserver
def test_real_nginx_inherits_internal_into_nested_locations(live):
    """nginx 1.22: a location nested in an `internal` one is internal too: a direct request
    gets 404, an internal redirect (error_page) reaches it.
    """
    assert live(8003, "/int/nested/").status == 404
    assert live(8003, "/int/").status == 404
    redirected = live(8003, "/go-nested")
    assert (redirected.status, redirected.body) == (200, "int-nested")


# (port, path, scope whose checks apply to OPTIONS, preflight answered, authenticates, status)
PREFLIGHTS = [
    (8005, "/pf-if/", "location /pf-if/", True, True, 204),
    (8005, "/pf-parent/", "location /pf-parent/", True, False, 204),
    (8005, "/pf-parent/child/", "location /pf-parent/child/", False, True, 401),
    (8005, "/pf-le/", "limit_except OPTIONS", True, True, 200),
    (8005, "/pf-le-get/", "limit_except GET", False, True, 401),
    (8005, "/pf-le-loc/", "location /pf-le-loc/", False, True, 401),
    (8005, "/pf-none/", "location /pf-none/", False, True, 401),
    (8005, "/pf-noreturn/", "location /pf-noreturn/", False, True, 401),
    (8005, "/pf-regex/", "location /pf-regex/", True, True, 204),
    (8008, "/pf-server/", "location /pf-server/", True, True, 204),
]


@pytest.mark.parametrize(("port", "path", "label", "answered", "authenticates", "_"), PREFLIGHTS)
def test_preflight_answered_by(live_model, port, path, label, answered, authenticates, _):
    """nginx: an `if ($request_method = OPTIONS)` (or a regex spelling) with `return` in the
    location or its server answers preflights in the rewrite phase, before auth_basic; one
    in a parent location does not run for a nested location; an `if` without `return` does
    not answer; a limit_except listing OPTIONS keeps its checks from OPTIONS, not the
    location's own.
    """
    settings = scope_at(live_model, label).settings
    assert (settings.preflight_answered_by is not None) is answered
    assert settings.authentication.server_authenticates.value is authenticates
    if answered and label.startswith("location"):
        node = settings.preflight_answered_by
        assert node.name == "if"
        assert node.args[0] == "$request_method"


@pytest.mark.realserver
@pytest.mark.parametrize(("port", "path", "_", "answered", "authenticates", "status"), PREFLIGHTS)
def test_real_nginx_preflight_meets_auth_only_where_the_model_says(
    live, port, path, _, answered, authenticates, status
):
    """A preflight (OPTIONS, no credentials) gets 401 exactly where the scope whose checks
    apply to it authenticates and nothing answers OPTIONS first.
    """
    response = live(port, path, method="OPTIONS")
    assert response.status == status, live.log()
    assert (response.status == 401) is (authenticates and not answered)


# (path, Origin, echoed)
CORS_REQUESTS = [
    ("/cors-chained/", "https://app.example.com", True),
    ("/cors-chained/", "https://evil.example", False),
    ("/cors-negative/", "https://app.example.com", True),
    ("/cors-negative/", "https://evil.example", False),
    ("/cors-named/", "https://evil.example", True),
    ("/cors-numbered/", "https://app.example.com", True),
    ("/cors-numbered/", "https://evil.example", False),
    ("/cors-reflected/", "https://evil.example", True),
]


@pytest.mark.realserver
@pytest.mark.parametrize(("path", "origin", "echoed"), CORS_REQUESTS)
def test_real_nginx_echoes_origin_only_through_its_allow_list(live, path, origin, echoed):
    """nginx 1.22: an allow-list through a map flag, a negative `if`, or a map capture
    decides which origins are echoed; `$http_origin` alone echoes every one.
    """
    response = live(8004, path, headers={"Origin": origin})
    assert response.header("access-control-allow-origin") == ([origin] if echoed else [])


# --- Settings: how Access-Control-Allow-Origin is chosen ----------------------------------


@pytest.fixture
def config(tree):
    """Load ``site.conf`` (and ``extra`` files) from a fresh tree into the model."""

    def load(text, extra=None):
        files = {"site.conf": dedent(text)}
        files.update({name: dedent(body) for name, body in (extra or {}).items()})
        root = tree(files)
        return model(root, cwd=root)

    return load


def origins_at(workspace, label):
    return scope_at(workspace, label).settings.cors.allowed_origins


def test_cors_map_capture_is_selected_with_the_map_regex_as_filter(live_model):
    """nginx: a map from $http_origin whose value is a capture (`$1`) echoes only origins
    its regex takes (evil.example got no header): SELECTED, the regex key as filter.
    """
    (origin,) = origins_at(live_model, "location /cors-numbered/")
    assert origin.kind is OriginKind.SELECTED
    (filter_,) = origin.filters
    assert filter_.pattern == r"^(https://[a-z]+\.example\.com)$"
    assert filter_.regex
    assert not filter_.ignore_case
    assert filter_.origin.name == r"~^(https://[a-z]+\.example\.com)$"


def test_cors_http_origin_alone_is_reflected(live_model):
    """nginx: add_header Access-Control-Allow-Origin $http_origin echoed evil.example."""
    (origin,) = origins_at(live_model, "location /cors-reflected/")
    assert origin.kind is OriginKind.REFLECTED
    assert origin.filters == ()
    assert scope_at(live_model, "location /cors-reflected/").settings.cors.credentials


def test_cors_origin_echoed_under_a_map_flag_is_selected(live_model):
    """nginx 1.22: `map $http_origin $cors_allowed {...}` + `if ($cors_allowed) { add_header
    Access-Control-Allow-Origin $http_origin; }` did not echo evil.example.
    """
    (origin,) = origins_at(live_model, "if $cors_allowed")
    assert origin.kind is OriginKind.SELECTED


def test_cors_origin_cleared_by_a_negative_if_is_not_reflected(live_model):
    """nginx 1.22: the negative-if allow-list did not echo evil.example."""
    (origin,) = origins_at(live_model, "location /cors-negative/")
    assert origin.kind is not OriginKind.REFLECTED


def test_cors_map_named_capture_is_selected(live_model):
    """nginx 1.22: `"~^(?<allowed>https://.+)$" $allowed;` echoed https://evil.example."""
    (origin,) = origins_at(live_model, "location /cors-named/")
    assert origin.kind is OriginKind.SELECTED
    assert [f.pattern for f in origin.filters] == [r"^(?<allowed>https://.+)$"]


@pytest.mark.parametrize(
    ("map_body", "kind"),
    [
        ('default "";\n"~^https://a\\.example\\.com$" $http_origin;', OriginKind.SELECTED),
        ('default "";\n"~*^https://a\\.example\\.com$" $http_origin;', OriginKind.SELECTED),
        ('default "";\nhttps://a.example.com $http_origin;', OriginKind.SELECTED),
        ('default $http_origin;\n"https://blocked.example" "";', OriginKind.REFLECTED),
        (
            'default "";\n"~^https://a\\.example\\.com$" "https://a.example.com";',
            OriginKind.LITERAL,
        ),
        ('default "";\ninclude origins.map;', OriginKind.UNKNOWN),
    ],
)
def test_cors_origin_through_a_map(config, map_body, kind):
    """nginx map on $http_origin: entries echoing $http_origin are an allow-list (SELECTED);
    a default echoing it takes every other origin (REFLECTED); fixed values are LITERAL; a
    map with an unread include could echo anything (UNKNOWN).
    """
    ws = config(
        f"""
        map $http_origin $cors_origin {{
            {map_body}
        }}
        server {{
            location /api/ {{
                add_header Access-Control-Allow-Origin $cors_origin always;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (origin,) = origins_at(ws, "location /api/")
    assert origin.kind is kind
    (definition,) = origin.definitions
    assert definition.kind == "map"


def test_cors_map_filters_keep_their_kind(config):
    """Map keys become filters: `~` a regex, `~*` a case-insensitive regex, a plain key an
    exact value (a leading backslash escapes a key starting with `~`).
    """
    ws = config(
        r"""
        map $http_origin $cors_origin {
            default "";
            "~^https://a\.example\.com$" $http_origin;
            "~*^https://b\.example\.com$" $http_origin;
            https://c.example.com $http_origin;
            \~tilde $http_origin;
            https://d.example.com "";
        }
        server { location /api/ { add_header Access-Control-Allow-Origin $cors_origin; } }
        """
    )
    (origin,) = origins_at(ws, "location /api/")
    assert [(f.pattern, f.regex, f.ignore_case) for f in origin.filters] == [
        (r"^https://a\.example\.com$", True, False),
        (r"^https://b\.example\.com$", True, True),
        ("https://c.example.com", False, False),
        ("~tilde", False, False),
    ]


@pytest.mark.parametrize(
    ("condition", "pattern", "regex", "ignore_case"),
    [
        ('$http_origin = "https://a.example.com"', "https://a.example.com", False, False),
        ('$http_origin ~ "^https://a\\.example\\.com$"', r"^https://a\.example\.com$", True, False),
        ('$http_origin ~* "^https://a\\.example\\.com$"', r"^https://a\.example\.com$", True, True),
    ],
)
def test_cors_add_header_inside_if_on_origin_is_selected(
    config, condition, pattern, regex, ignore_case
):
    """nginx: `add_header ... $http_origin` inside `if ($http_origin = / ~ / ~* ...)` is
    sent only for origins that pass the test: SELECTED with the condition as filter.
    """
    ws = config(
        f"""
        server {{
            location /api/ {{
                if ({condition}) {{ add_header Access-Control-Allow-Origin $http_origin; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (if_scope,) = [scope for scope in ws.scopes() if scope.kind is ScopeKind.IF]
    (origin,) = if_scope.settings.cors.allowed_origins
    assert origin.kind is OriginKind.SELECTED
    (filter_,) = origin.filters
    assert (filter_.pattern, filter_.regex, filter_.ignore_case) == (pattern, regex, ignore_case)
    assert filter_.origin is if_scope.node


@pytest.mark.parametrize(
    "body",
    [
        "add_header Access-Control-Allow-Origin ${http_origin};",
        "add_header Access-Control-Allow-Origin $HTTP_ORIGIN;",
        "set $a $http_origin; set $b $a; add_header Access-Control-Allow-Origin $b;",
        "if ($http_origin) { set $c $http_origin; } add_header Access-Control-Allow-Origin $c;",
    ],
)
def test_cors_reflection_through_spellings_and_variables(config, body):
    """nginx variables are case-insensitive and may be braced; a chain of `set` keeps the
    origin; `if ($http_origin)` only tests that there is one: all echo any origin.
    """
    ws = config(f"server {{ location /api/ {{ {body} proxy_pass {UPSTREAM}; }} }}")
    (origin,) = origins_at(ws, "location /api/")
    assert origin.kind is OriginKind.REFLECTED


def test_cors_headers_are_inherited_and_counted(config):
    """nginx: a location without add_header takes the server's; the CORS view lists each
    Access-Control-* header (any case) and Vary; credentials need the exact value `true`.
    """
    ws = config(
        f"""
        server {{
            add_header access-control-allow-origin "*";
            add_header Access-Control-Allow-Credentials True;
            add_header Access-Control-Allow-Headers Authorization;
            add_header Vary Origin;
            location /api/ {{ proxy_pass {UPSTREAM}; }}
            location /own/ {{
                add_header Access-Control-Allow-Origin https://app.example.com;
                add_header Access-Control-Allow-Credentials true;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    inherited = scope_at(ws, "location /api/").settings.cors
    (origin,) = inherited.allowed_origins
    assert origin.kind is OriginKind.WILDCARD
    assert not inherited.credentials
    assert [h.value for h in inherited.allow_headers] == ["Authorization"]
    assert [h.value for h in inherited.vary] == ["Origin"]
    assert inherited.known
    own = scope_at(ws, "location /own/").settings.cors
    assert [o.kind for o in own.allowed_origins] == [OriginKind.LITERAL]
    assert own.credentials
    assert own.vary == ()


# --- Settings: values that carry credentials ----------------------------------------------


CREDENTIAL_MAPS = r"""
map $http_authorization $has_auth { default 1; "" 0; }
map $http_authorization $bearer { default ""; "~^Bearer\s+(.+)$" $1; }
map $http_authorization $bearer_named { default ""; "~^Bearer\s+(?<token>.+)$" $token; }
map $cookie_session $session_key { default $cookie_session; }
map $request_method $write { default 0; POST 1; }
map $host $partial { default 0; include more.map; }
"""


@pytest.mark.parametrize(
    ("text", "depends", "carries"),
    [
        ("$http_authorization", True, True),
        ("${http_authorization}", True, True),
        ("$HTTP_AUTHORIZATION", True, True),
        ("$http_cookie", True, True),
        ("$cookie_session", True, True),
        ("$remote_user", True, True),
        ("$jwt_claim_sub", True, True),
        ("$http_x_api_key", True, True),
        ("$http_x_auth_token", True, True),
        ("$scheme$proxy_host$request_uri$http_authorization", True, True),
        ("$has_auth", True, False),
        ("$bearer", True, True),
        ("$bearer_named", True, True),
        ("$session_key", True, True),
        ("$set_from_auth", True, True),
        ("$auth_user", True, True),
        ("$write", False, False),
        ("$request_uri", False, False),
        ("$scheme$proxy_host$request_uri", False, False),
        ("$scheme://$proxy_host$request_uri", False, False),
        ("$arg_nocache", False, False),
        ("$http_x_forwarded_for", False, False),
        ("static", False, False),
        ("$never_defined", None, None),
        ("$request_uri$never_defined", None, None),
        ("$partial", None, None),
    ],
)
def test_credential_in_value(config, text, depends, carries):
    """Whether a value changes with the client's credentials (a cache bypass condition) and
    whether it holds the credential itself (a per-user cache key): Authorization, cookies,
    the user nginx checked, JWT claims, credential-named headers, what auth_request said, and
    variables built from them; a map from a credential to constants depends on it without
    carrying it; a variable defined nowhere in view (or a map with an unread include) is
    unknown.
    """
    ws = config(
        f"""
        {CREDENTIAL_MAPS}
        server {{
            location /c/ {{
                set $set_from_auth "k:$http_authorization";
                auth_request /auth;
                auth_request_set $auth_user $upstream_http_x_user;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    settings = scope_at(ws, "location /c/").settings
    assert settings.depends_on_credential(text) is depends
    assert settings.carries_credential(text) is carries


def test_credentials_sent_upstream_lists_header_entries_with_credentials(config):
    """proxy_set_header entries that send a credential upstream: the client's Authorization,
    a cookie, what auth_request found; not `$remote_user` (the name nginx checked), not a
    flag computed from the credential.
    """
    ws = config(
        f"""
        map $http_authorization $has_auth {{ default 1; "" 0; }}
        server {{
            location /api/ {{
                auth_request /auth;
                auth_request_set $user $upstream_http_x_user;
                proxy_set_header Authorization $http_authorization;
                proxy_set_header X-Remote-User $remote_user;
                proxy_set_header X-Session $cookie_session;
                proxy_set_header X-Auth-User $user;
                proxy_set_header X-Has-Auth $has_auth;
                proxy_set_header Host $host;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    sent = scope_at(ws, "location /api/").settings.credentials_sent_upstream()
    assert [entry.name for entry in sent] == ["Authorization", "X-Session", "X-Auth-User"]


def test_stock_fastcgi_params_send_no_credential(config):
    """Debian's fastcgi_params pass REMOTE_USER $remote_user (the checked name) and no
    credential; the client's Authorization still arrives as HTTP_AUTHORIZATION on its own.
    """
    ws = config(
        "server { location ~ \\.php$ { include fastcgi_params; fastcgi_pass 127.0.0.1:9000; } }"
    )
    settings = scope_at(ws, "location ~ \\.php$").settings
    assert settings.upstream.kind is UpstreamKind.FASTCGI
    assert "REMOTE_USER" in [entry.name for entry in settings.request_headers.entries]
    assert settings.credentials_sent_upstream() == ()


def test_no_upstream_sends_no_credentials(config):
    """A location that answers itself sends nothing upstream."""
    ws = config("server { location /s/ { return 204; } }")
    assert scope_at(ws, "location /s/").settings.credentials_sent_upstream() == ()


# --- Settings: internal locations, who authenticates --------------------------------------


def test_internal_applies_to_the_location_and_its_if_blocks(config):
    """nginx: `internal` keeps external requests out (404) of the location, also when an
    `if` block of it is in effect; other locations are external.
    """
    ws = config(
        f"""
        server {{
            location /auth {{
                internal;
                if ($http_x) {{ }}
                proxy_pass {UPSTREAM};
            }}
            location /public/ {{ proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    assert scope_at(ws, "location /auth").settings.internal
    assert scope_at(ws, "if $http_x").settings.internal
    assert not scope_at(ws, "location /public/").settings.internal
    assert not scope_at(ws, "server").settings.internal


def test_internal_location_of_live_config(live_model):
    """The live config's `location /int/` is internal; `location /go-nested` is not."""
    assert scope_at(live_model, "location /int/").settings.internal
    assert not scope_at(live_model, "location /go-nested").settings.internal


def test_internal_is_inherited_by_nested_locations(live_model):
    """nginx 1.22: GET /int/nested/ got 404 while an error_page redirect reached it."""
    assert scope_at(live_model, "location /int/nested/").settings.internal


@pytest.mark.parametrize(
    ("location", "authenticates", "origin"),
    [
        ('auth_basic "a"; auth_basic_user_file /etc/htpasswd;', True, "auth_basic"),
        ('auth_basic "a";', False, None),
        ("auth_request /auth;", True, "auth_request"),
        (
            'limit_except GET { auth_basic "a"; auth_basic_user_file /etc/htpasswd; }',
            True,
            "auth_basic",
        ),
        ("limit_except GET { auth_request /auth; }", True, "auth_request"),
        ("limit_except GET { deny all; }", False, None),
        ('auth_basic "a"; auth_basic_user_file /etc/htpasswd; auth_basic off;', False, None),
        ("", False, None),
    ],
)
def test_authenticates_some_methods(config, location, authenticates, origin):
    """nginx checks credentials for every method (location auth) or for the methods a
    limit_except does not list (its auth); Basic auth needs a realm and a user file.
    """
    ws = config(f"server {{ location /api/ {{ {location} proxy_pass {UPSTREAM}; }} }}")
    found = scope_at(ws, "location /api/").settings.authenticates_some_methods
    assert found.value is authenticates
    assert found.known
    assert (found.origin.name if found.origin is not None else None) == origin


def test_authenticates_some_methods_is_unknown_beside_an_unread_include(config):
    """An unread include in the location could turn authentication on."""
    ws = config(
        f"server {{ location /api/ {{ include /nowhere/auth.conf; proxy_pass {UPSTREAM}; }} }}"
    )
    found = scope_at(ws, "location /api/").settings.authenticates_some_methods
    assert not found.value
    assert not found.known


# --- Settings: caches -----------------------------------------------------------------------


def cache_at(config, location, server="", http=""):
    ws = config(f"{http}\nserver {{ {server}\n location /c/ {{ {location} }} }}")
    return scope_at(ws, "location /c/").settings


def test_default_proxy_cache_key_carries_no_credential(config):
    """nginx: the default key (scheme, upstream host, URI) holds no header or cookie: one
    user's cached answer is served to the next (HIT(alice) for an anonymous request).
    """
    settings = cache_at(config, f"proxy_cache c1; proxy_pass {UPSTREAM};")
    cache = settings.cache
    assert settings.carries_credential(cache.key.value) is False
    assert cache.bypass.value == ()
    assert cache.no_cache.value == ()


def test_cache_key_with_authorization_carries_credential(config):
    """nginx: `$http_authorization` in proxy_cache_key keeps one entry per credential (MISS
    for the anonymous request).
    """
    settings = cache_at(
        config,
        f"proxy_cache c1; proxy_cache_key $scheme$proxy_host$request_uri$http_authorization;"
        f" proxy_pass {UPSTREAM};",
    )
    assert settings.carries_credential(settings.cache.key.value) is True


def test_bypass_and_no_cache_words_from_all_lines_in_order(config):
    """nginx: each proxy_cache_bypass / proxy_no_cache line adds conditions; any non-empty,
    non-"0" one applies; the docs' own example is `$http_pragma $http_authorization`.
    """
    settings = cache_at(
        config,
        "proxy_cache c1; proxy_cache_bypass $cookie_nocache $arg_nocache;"
        " proxy_cache_bypass $http_authorization; proxy_no_cache $http_pragma $http_authorization;"
        f" proxy_pass {UPSTREAM};",
    )
    cache = settings.cache
    assert cache.bypass.value == ("$cookie_nocache", "$arg_nocache", "$http_authorization")
    assert cache.bypass.origin.args == ["$cookie_nocache", "$arg_nocache"]
    assert cache.no_cache.value == ("$http_pragma", "$http_authorization")
    assert all(settings.depends_on_credential(word) is not None for word in cache.bypass.value)
    assert settings.depends_on_credential(" ".join(cache.no_cache.value)) is True


def test_cache_conditions_inherited_from_http(config):
    """nginx: cache zone, key, bypass and no_cache set at http reach the location."""
    settings = cache_at(
        config,
        f"proxy_pass {UPSTREAM};",
        http=(
            "proxy_cache_path /var/cache/n keys_zone=c1:10m;\n"
            "proxy_cache c1; proxy_cache_key $host$request_uri$cookie_session;"
            " proxy_no_cache $http_authorization; proxy_cache_bypass $http_authorization;"
        ),
    )
    cache = settings.cache
    assert cache.zone.value == "c1"
    assert cache.zone_definition.name == "proxy_cache_path"
    assert cache.key.value == "$host$request_uri$cookie_session"
    assert settings.carries_credential(cache.key.value) is True
    assert cache.no_cache.value == cache.bypass.value == ("$http_authorization",)


def test_cache_of_if_and_limit_except_blocks_is_their_locations(config):
    """nginx: `if` and `limit_except` blocks inherit the location's proxy_pass and cache."""
    ws = config(
        f"""
        server {{
            location /c/ {{
                proxy_cache c1;
                proxy_cache_valid 200 5m;
                if ($arg_x) {{ }}
                limit_except GET {{ deny all; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    for label in ("if $arg_x", "limit_except GET"):
        cache = scope_at(ws, label).settings.cache
        assert cache.zone.value == "c1"
        assert [(v.statuses, v.time) for v in cache.valid.value] == [(("200",), "5m")]


def test_cache_with_variable_zone_has_no_zone_definition(config):
    """nginx: `proxy_cache $zone` chooses the zone at run time: no declaration to point at."""
    cache = cache_at(config, f"proxy_cache $cache_zone; proxy_pass {UPSTREAM};").cache
    assert cache.zone.value == "$cache_zone"
    assert cache.zone_definition is None


def test_cache_of_a_location_that_returns_is_none(config):
    """nginx: a location that answers with `return` never reaches an upstream or its cache,
    whatever proxy_cache says.
    """
    assert cache_at(config, "return 200 ok;", server="proxy_cache c1;").cache is None


def test_cgi_style_cache_directives(config):
    """nginx: fastcgi/uwsgi/scgi caches read their own key, bypass, no_cache, valid, ignore
    and methods directives (ignore_headers compared in any case, methods upper-cased).
    """
    settings = cache_at(
        config,
        "fastcgi_cache f1; fastcgi_cache_key $request_uri$cookie_session;"
        " fastcgi_cache_bypass $http_authorization; fastcgi_no_cache $http_authorization;"
        " fastcgi_cache_valid any 1m; fastcgi_ignore_headers Cache-Control Set-Cookie;"
        " fastcgi_cache_methods post; proxy_cache_key $request_uri;"
        " fastcgi_pass 127.0.0.1:9000;",
    )
    cache = settings.cache
    assert cache.zone.value == "f1"
    assert cache.key.value == "$request_uri$cookie_session"
    assert cache.bypass.value == cache.no_cache.value == ("$http_authorization",)
    assert [(v.statuses, v.time) for v in cache.valid.value] == [(("any",), "1m")]
    assert cache.ignore_headers.value == {"cache-control", "set-cookie"}
    assert cache.methods.value == {"GET", "HEAD", "POST"}


def test_cache_beside_an_unread_include_is_not_known(config):
    """An unread include in the location could set any cache directive there."""
    cache = cache_at(
        config, f"include /nowhere/cache.conf; proxy_pass {UPSTREAM};", server="proxy_cache c1;"
    ).cache
    assert not cache.zone.known
    assert not cache.bypass.known
    assert not cache.ignore_headers.known
