"""Regexes that backtrack without end: ``search_pcre`` gives up after a time limit.

Whatever depends on such a regex (an allow-list, a location, a server name) is
then unknown rather than guessed, and the command ends soon.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from textwrap import dedent

import pytest

import authlint.model.origins as origins_module
from authlint.model.origins import (
    FREE_SECONDS,
    PatternCheck,
    RegexTooSlow,
    check_origin_regex,
    compile_pcre,
    regex_clock,
    search_pcre,
)
from authlint.nginx.locations import match_location
from authlint.nginx.servers import select_server

from conftest import model
from live_config import server_on_any, servers_on

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


@pytest.mark.parametrize("pattern", [r"^/x{,3}y$", r"^/x{,}y$"])
def test_a_repeat_without_a_lower_bound_is_unknown(pattern):
    """nginx 1.22's PCRE2 (10.42) reads `{,3}` and `{,}` as text: `location ~ "^/x{,3}y$"`
    answered /x{,3}y and not /xxy. Python reads a repeat: the regex is unknown. An escaped
    brace is text to both, and is read.
    """
    assert compile_pcre(pattern) is None
    escaped = pattern.replace("{", "\\{")
    assert compile_pcre(escaped).search(pattern.strip("^$"))


def test_a_run_clock_gives_each_search_its_free_share():
    """Every search of a run counts once, and takes its FREE_SECONDS off the CPU time spent."""
    with regex_clock() as clock:
        for _ in range(3):
            assert search_pcre(compile_pcre("b"), "abc")
    assert clock.searches == 3
    assert clock.spent == max(0.0, clock.seconds - 3 * FREE_SECONDS)


def test_a_run_that_has_spent_its_time_searches_no_more():
    """Once the run's searches have taken its whole limit, the next search is unknown at once."""
    with regex_clock(limit=1.0) as clock:
        clock.seconds = 1.0  # as if the run's searches so far had taken the whole second
        with pytest.raises(RegexTooSlow):
            search_pcre(compile_pcre("b"), "abc")


@pytest.mark.parametrize("repeated", ["a{999999999}", "(?:a{65535}){65535}"])
def test_a_huge_repeat_builds_no_huge_example_origin(repeated):
    """It compiles; an example origin of gigabytes is not built (nor tried)."""
    started = time.monotonic()
    check = check_origin_regex(f"^https://{repeated}\\.example\\.com$")
    assert check == PatternCheck(None, ())
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(("last_label", "tried"), [(57, True), (58, False)])
def test_an_example_origin_is_no_longer_than_an_origin_can_be(last_label, tried):
    """A host name has at most 253 characters (DNS): an allow-list for a host of 253 (with
    a five-digit port: the longest origin a browser sends) is tried; one for a host of 254
    is meant for no origin anyone can have.
    """
    host = ".".join(["a" * 63] * 3 + ["a" * last_label, "com"])
    origin = f"https://{host}:10443"
    check = check_origin_regex(f"^{re.escape(origin)}$")
    assert check == (PatternCheck(origin, ()) if tried else PatternCheck(None, ()))


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
