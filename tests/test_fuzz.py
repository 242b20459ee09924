"""The fuzzer in the suite: mutated real configs through the command (``tests/fuzzing.py``).

Each case must end without an internal error or a traceback, with exit status
0 or 1 (2 only for a refusal the README documents), with every file named on
the command line accounted for, with the same output twice, and in time.

The suite runs the same ``CASES`` cases from ``SEED`` every time, the slow
mutations seldom; ``AUTHLINT_FUZZ_SEED`` and ``AUTHLINT_FUZZ_CASES`` choose
others. A failure names its case's seed: ``python tests/benchmarks/fuzz.py
--slow 0.3 --case SEED`` runs that case again and minimises it; the same
script without ``--case`` is the long mode, for minutes.
"""

from __future__ import annotations

import os
import time
from functools import cache
from itertools import islice
from pathlib import Path

import pytest

from authlint.nginx.format import NginxFormat

from fuzzing import MUTATIONS, SHAPES, Case, case_seeds, check, generate

SEED = int(os.environ.get("AUTHLINT_FUZZ_SEED", "2026"))
CASES = int(os.environ.get("AUTHLINT_FUZZ_CASES", "250"))
# The slow mutations take seconds a case: a few of them fit the suite's time.
# (A case depends on it: the docstring's command repeats it.)
SLOW_WEIGHT = 0.3
ARGS = [b"--isolated", b"--format", b"json"]
CANARY = b"""\
server {
    location / {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9000;
    }
}
"""


@cache
def cases() -> tuple[Case, ...]:
    return tuple(generate(seed, SLOW_WEIGHT) for seed in islice(case_seeds(SEED), CASES))


def test_mutated_configs_never_break_the_command(tmp_path: Path) -> None:
    failures = [
        f"{case.describe()}\n    {failure.kind}: {failure.detail[:1000]}"
        for case in cases()
        for failure in check(case, tmp_path)
    ]
    assert not failures, (
        f"{len(failures)} failures (one again: "
        f"python tests/benchmarks/fuzz.py --slow {SLOW_WEIGHT} --case SEED)\n"
        + "\n".join(failures[:10])
    )


def test_the_cases_cover_every_mutation_shape_and_way_to_run() -> None:
    used = {mutation.split("(")[0] for case in cases() for mutation in case.mutations}
    assert used == set(MUTATIONS)
    assert {case.shape for case in cases()} == set(SHAPES)
    assert {case.via for case in cases()} == {"in-process", "subprocess", "jobs"}
    assert any(case.extra for case in cases())


def named(files: dict[bytes, bytes], *names: bytes, **fields) -> Case:
    """A case that names ``names`` (default: every file) on the command line."""
    paths = [b"./" + name for name in names or sorted(files)]
    return Case(0, "test", "named", files, args=[*ARGS, b"--", *paths], **fields)


def test_the_checks_see_an_internal_error(tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError

    monkeypatch.setattr("authlint.engine._lint", broken)
    (failure,) = check(named({b"site.conf": CANARY}), tmp_path)
    assert (
        failure.kind == "internal error: authlint: internal error: RuntimeError; please report this"
    )


def test_the_checks_see_output_that_changes(tmp_path: Path, monkeypatch) -> None:
    from authlint import cli

    render = cli._render
    runs = []

    def counting(*args, **kwargs):
        runs.append(1)
        return render(*args, **kwargs).replace('"version": 1', f'"version": {len(runs)}')

    monkeypatch.setattr(cli, "_render", counting)
    (failure,) = check(named({b"site.conf": CANARY}), tmp_path)
    assert failure.kind == "not deterministic"


def test_the_checks_see_a_named_file_left_out(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(NginxFormat, "claims", lambda self, path, named: False)
    (failure,) = check(named({b"site.conf": CANARY}), tmp_path)
    assert failure.kind == "named file not accounted for"


def test_the_checks_see_a_run_past_its_time(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("authlint.engine._lint", lambda *args, **kwargs: time.sleep(5))
    (failure,) = check(named({b"site.conf": CANARY}), tmp_path, timeout=0.2)
    assert failure.kind == "timed out"


# Failures the fuzzer found (and, for the superscript count and the regexes, a look at
# the code next to what it found), minimised. Each is fixed, and pinned by a test of its
# own (test_hostile_input.py, test_nginx_semantics.py, test_regex_limits.py).
REGRESSIONS = {
    # RuntimeError: `include /;` has no parent folder to suggest an --include-map for.
    "include-of-the-root-folder": named({b"site.conf": b"include /;\n"}),
    # A link to /dev/zero named on the command line was read to the end of the memory.
    "device-named-through-a-link": named(
        {}, b"zero.conf", links={b"zero.conf": b"/dev/zero"}, via="subprocess"
    ),
    # UnicodeEncodeError: a file name that is not UTF-8, on standard output (strict UTF-8)...
    "name-not-utf8-on-standard-output": named({b"sites-enabled/\xfe": b"include ;\n"}),
    # ... and in each writer of files.
    **{
        f"name-not-utf8-{writer}": named({b"x\xff.conf": CANARY}, extra=extra)
        for writer, extra in {
            "output": ([b"--format", b"sarif", b"--output", b"{out}/report.sarif"], {}),
            "baseline": ([b"--write-baseline", b"{out}/baseline.json"], {}),
            "step-summary": ([b"--format", b"github"], {"GITHUB_STEP_SUMMARY": "{out}/summary"}),
        }.items()
    },
    # ValueError in AL501: Python converts no number of more than 4,300 digits.
    "size-of-5000-digits": named(
        {b"site.conf": b"client_header_buffer_size " + b"9" * 5000 + b";\nserver {}\n"}
    ),
    "buffer-count-in-superscript": named(
        {b"site.conf": b"large_client_header_buffers \xc2\xb2 8k;\nserver {}\n"}
    ),
    # OverflowError, ValueError and RecursionError from re.compile in AL302-AL304, and
    # example origins of a gigabyte from a{999999999} (a minute) and of four from
    # (?:a{65535}){65535} (MemoryError).
    **{
        f"origin-regex-{label}": named(
            {
                b"site.conf": b'map $http_origin $cors {\n    "~^https://'
                + pattern
                + b'\\.example\\.com$" $http_origin;\n}\nserver {\n    location / {\n'
                b"        add_header Access-Control-Allow-Origin $cors always;\n"
                b"        add_header Access-Control-Allow-Credentials true always;\n"
                b"        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
            }
        )
        for label, pattern in {
            "repeat-past-python": b"a{4294967296}",
            "repeat-of-5000-digits": b"a{" + b"9" * 5000 + b"}",
            "groups-1000-deep": b"(" * 1000 + b"a" + b")" * 1000,
            "repeat-of-a-gigabyte": b"a{999999999}",
            "repeats-of-repeats": b"(?:a{65535}){65535}",
        }.items()
    },
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_a_failure_the_fuzzer_found_stays_fixed(tmp_path: Path, name: str) -> None:
    assert check(REGRESSIONS[name], tmp_path, timeout=10) == []
