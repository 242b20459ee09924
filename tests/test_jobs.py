"""``--jobs`` and the progress bar: parallel runs print what serial runs print.

Workers only parse; the model is built and the rules run in the main
process, in the serial order. These tests hold the output of every ``--jobs``
value to the serial run's bytes (fixtures, a tree with symlinks, broken and
uncommon files, and the corpus when it is there), check that a failing worker
ends the run with one line and exit 2, and check when the progress bar shows.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest

import authlint.nginx.parse_ahead as parse_ahead_module
from authlint.engine import Result, run
from authlint.formats import IncludeOptions
from authlint.model.source import SourceFile
from authlint.nginx.loader import FORMAT
from authlint.nginx.parse_ahead import ParsedFile, parse_ahead
from authlint.nginx.parser import parse_file
from authlint.parallel import WorkerError, worker_context, worker_pool
from authlint.progress import MIN_FILES, Progress, ProgressBar, show_progress
from authlint.reporters import renderer

from conftest import CORPUS, FIXTURES, REPO, lint, write

TERMINAL = {"TERM": "xterm"}

# Symlinked sites, a file included from two sites, an include the discovery
# does not pick (a .txt snippet), a stock include, a cycle, a missing include
# and a file that does not parse: every way a file reaches the loader.
TANGLED = {
    "nginx.conf": """\
events {}
http {
    include conf.d/*.conf;
    include sites-enabled/*;
}
""",
    "conf.d/api.conf": """\
server {
    listen 8080;
    location /api/ {
        include snippets/auth.txt;
        include proxy_params;
        proxy_pass http://127.0.0.1:9000;
    }
}
""",
    "conf.d/loop.conf": "include conf.d/loop.conf;\n",
    "snippets/auth.txt": 'proxy_set_header Authorization "";\n',
    "sites-available/one": """\
server {
    listen 8081;
    location / {
        include snippets/auth.txt;
        include snippets/missing.conf;
        proxy_pass http://127.0.0.1:9001;
    }
}
""",
    "sites-available/two": """\
server {
    listen 8082;
    location / {
        proxy_pass http://127.0.0.1:9002
    }
}
""",
    "standalone/extra.conf": """\
location /x/ {
    proxy_set_header Authorization "Bearer fixed-token";
    proxy_pass http://127.0.0.1:9003;
}
""",
}


def tangled(root: Path) -> Path:
    write(root, TANGLED)
    (root / "sites-enabled").mkdir()
    for name in ("one", "two"):
        (root / "sites-enabled" / name).symlink_to(Path("..", "sites-available", name))
    return root


def report(result: Result) -> str:
    return renderer("json")(result) + renderer("text")(result)


def authlint(*args: str, cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "authlint", *args],
        cwd=cwd,
        capture_output=True,
        timeout=120,
        check=False,
        env=env,
    )


# --- same output for every --jobs --------------------------------------------


@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_fixtures_give_the_serial_output(jobs):
    serial = lint(FIXTURES, cwd=REPO)
    assert serial.findings
    assert serial.files_scanned > 100
    assert report(lint_jobs(FIXTURES, REPO, jobs)) == report(serial)


@pytest.mark.parametrize("jobs", [2, 4])
def test_tangled_tree_gives_the_serial_output(tmp_path, jobs):
    root = tangled(tmp_path)
    serial = lint(root, cwd=root)
    rules = {finding.rule for finding in serial.findings}
    assert {"AL001", "AL002", "AL003", "AL102", "AL103"} <= rules
    assert report(lint_jobs(root, root, jobs)) == report(serial)


def lint_jobs(path: Path, cwd: Path, jobs: int) -> Result:
    return run([path], IncludeOptions(), cwd=cwd, jobs=jobs)


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_command_output_is_byte_identical(output_format):
    runs = {
        jobs: authlint("check", "--format", output_format, "--jobs", jobs, "fixtures", cwd=REPO)
        for jobs in ("1", "2", "0")
    }
    serial = runs["1"]
    assert serial.returncode == 1, serial.stderr
    # The fixtures' lone .htaccess files are said once, as a note; nothing else.
    assert [line.split(b":")[1] for line in serial.stderr.splitlines()] == [b" note"]
    for jobs, done in runs.items():
        assert (done.returncode, done.stdout, done.stderr) == (
            serial.returncode,
            serial.stdout,
            serial.stderr,
        ), f"--jobs {jobs}"


def test_files_named_one_by_one_with_jobs(tmp_path):
    root = tangled(tmp_path)
    names = ["conf.d/api.conf", "sites-enabled/one", "sites-available/two", "standalone/extra.conf"]
    serial = authlint("check", *names, cwd=root)
    parallel = authlint("check", "--jobs", "2", *names, cwd=root)
    assert serial.returncode == 1
    assert parallel.stdout == serial.stdout
    assert parallel.returncode == serial.returncode


def test_a_serial_run_does_not_import_multiprocessing():
    # What a pre-commit hook on a few files waits for: the worker machinery
    # would add about a fifth to the start-up.
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(name for name in sys.modules\n"
        "    if name.split('.')[0] in ('multiprocessing', 'concurrent')), file=sys.stderr))\n"
        "from authlint.cli import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "check", "--isolated", "fixtures/rules/AL101"],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.decode().splitlines()[-1] == "[]"


@pytest.mark.parametrize("value", ["-1", "two", ""])
def test_bad_jobs_value_is_a_usage_error(tmp_path, value):
    done = authlint("check", "--jobs", value, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("authlint: error: ")
    assert "--jobs" in lines[0]


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_corpus_gives_the_serial_output():
    serial = lint(CORPUS / "nginx", cwd=CORPUS)
    assert serial.files_scanned > 500
    assert report(lint_jobs(CORPUS / "nginx", CORPUS, 2)) == report(serial)


# --- worker processes ----------------------------------------------------------


def fail(number: int) -> int:
    raise LookupError(number)


def die(number: int) -> int:
    os._exit(3)


def test_a_worker_exception_is_raised_as_in_a_serial_run():
    with pytest.raises(LookupError), worker_pool(2, worker_context()) as pool:
        pool.submit(fail, 3).result()


def test_a_dead_worker_is_a_worker_error():
    with pytest.raises(WorkerError), worker_pool(2, worker_context()) as pool:
        pool.submit(die, 3).result()


def slow_parent(monkeypatch, seconds: float) -> list[str]:
    """Slow this process's own parse, so that the workers take most of the files.

    Returns the paths whose workers' results were taken.
    """
    parent = os.getpid()
    taken: list[str] = []

    def slow_parse(source: SourceFile):
        if os.getpid() == parent:
            time.sleep(seconds)
        return parse_file(source)

    restore = ParsedFile.restore

    def counted_restore(self: ParsedFile, source: SourceFile):
        taken.append(source.path)
        return restore(self, source)

    monkeypatch.setattr(parse_ahead_module, "parse_file", slow_parse)
    monkeypatch.setattr(ParsedFile, "restore", counted_restore)
    return taken


def shape(source: SourceFile, errors: list) -> tuple:
    def nodes(items):
        return [
            (n.name, n.args, n.line, None if n.children is None else nodes(n.children))
            for n in items
        ]

    return (
        None if source.nodes is None else nodes(source.nodes),
        nodes(source.partial_nodes),
        source.top_level_names,
        source.comments,
        errors,
    )


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_workers_parse_as_this_process_does(monkeypatch, start_method):
    """Spawned workers (macOS, Windows) get everything by pickle; forked ones inherit it."""
    if start_method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {start_method} here")
    files = sorted(path for path in FIXTURES.rglob("*") if path.is_file())
    expected = {}
    for path in files:
        source = SourceFile(path.name, path, FORMAT)
        expected[path] = shape(source, parse_file(source))
    taken = slow_parent(monkeypatch, 0.01)
    with parse_ahead(files, 2, Progress(), worker_context(start_method)) as parse:
        for path in files:
            source = SourceFile(path.name, path, FORMAT)
            assert shape(source, parse(source)) == expected[path], path
    assert taken, "the workers parsed nothing"


def test_output_is_the_same_when_workers_parse_most_files(monkeypatch, tmp_path):
    root = tangled(tmp_path)
    serial = report(lint(root, cwd=root))
    fixtures = report(lint(FIXTURES, cwd=REPO))
    taken = slow_parent(monkeypatch, 0.02)
    assert report(lint_jobs(root, root, 2)) == serial
    assert report(lint_jobs(FIXTURES, REPO, 3)) == fixtures
    assert "sites-available/one" in taken or "sites-available/two" in taken


# The main process's own parse is slowed, so that the worker surely takes
# chunks (and fails on them) before the main process could take them all.
CRASHING_RUN = """\
import os, sys, time
import authlint.nginx.parse_ahead as parse_ahead
from authlint.cli import main

MAIN = os.getpid()
parse_file = parse_ahead.parse_file

def slow_parse_file(source):
    if os.getpid() == MAIN:
        time.sleep(0.005)
    return parse_file(source)

def {name}(path):
    {body}

parse_ahead.parse_file = slow_parse_file
parse_ahead.parse_detached = {name}
sys.argv = ["authlint", "check", "--jobs", "2", "fixtures"]
main()
"""


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        (
            "die",
            "os._exit(3)",
            "authlint: internal error: a worker process stopped before returning its "
            "results; please report this",
        ),
        (
            "fail",
            "raise MemoryError",
            "authlint: internal error: MemoryError; please report this",
        ),
    ],
)
def test_failing_worker_is_one_line_and_exit_2(name, body, message):
    """A worker fails in the middle of a chunk it took: the run stops with one line."""
    script = CRASHING_RUN.format(name=name, body=body)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode() == message + "\n"


# --- progress ----------------------------------------------------------------


def shown(**overrides) -> bool:
    arguments = {
        "files": MIN_FILES + 1,
        "wanted": True,
        "stderr_is_terminal": True,
        "environ": TERMINAL,
    }
    arguments.update(overrides)
    return show_progress(**arguments)


def test_progress_shows_on_a_terminal_for_many_files():
    assert shown()


@pytest.mark.parametrize(
    "overrides",
    [
        {"files": MIN_FILES},
        {"files": 1},
        {"wanted": False},
        {"stderr_is_terminal": False},
        {"environ": {**TERMINAL, "CI": "true"}},
        {"environ": {**TERMINAL, "CI": "1"}},
        {"environ": {**TERMINAL, "PRE_COMMIT": "1"}},
        {"environ": {"TERM": "dumb"}},
    ],
)
def test_progress_stays_hidden(overrides):
    assert not shown(**overrides)


def test_bar_draws_counts_and_erases_itself():
    stream = StringIO()
    with ProgressBar(stream, lambda files: files > 2) as bar:
        bar.start("files", 4)
        for _ in range(4):
            bar.advance()
        bar.start("rules", 2)
        bar.advance(2)
    text = stream.getvalue()
    assert "] 0/4 files" in text
    assert "[" + "#" * 30 + "] 4/4 files" in text
    assert "] 2/2 rules" in text
    assert text.endswith("\r\033[K")
    assert "\n" not in text


def test_bar_decided_against_writes_nothing():
    stream = StringIO()
    with ProgressBar(stream, lambda files: False) as bar:
        bar.start("files", 400)
        bar.advance(400)
        bar.start("rules", 25)
        bar.advance(25)
    assert stream.getvalue() == ""


def many_files(root: Path) -> Path:
    files = {
        f"conf.d/site{index:02d}.conf": (
            f"server {{\n    listen {8000 + index};\n    location / {{\n"
            '        proxy_set_header Authorization "";\n'
            f"        proxy_pass http://127.0.0.1:{9000 + index};\n    }}\n}}\n"
        )
        for index in range(MIN_FILES + 5)
    }
    return write(root, files)


def run_on_terminal(
    root: Path, *args: str, env: dict[str, str], stdin: bytes = b""
) -> tuple[int, bytes, bytes]:
    """Run the command with stderr on a pseudo-terminal: (status, stdout, what the terminal got)."""
    controller, terminal = os.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "authlint", "check", *args],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=terminal,
            env=env,
        )
        assert process.stdin is not None
        process.stdin.write(stdin)
        process.stdin.close()
        os.close(terminal)
        terminal = -1
        seen = b""
        while True:
            ready, _, _ = select.select([controller], [], [], 60)
            if not ready:
                process.kill()
                pytest.fail("no output from the command within 60 s")
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed: the command exited
                break
            if not chunk:
                break
            seen += chunk
        assert process.stdout is not None
        stdout = process.stdout.read()
        status = process.wait(timeout=60)
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    return status, stdout, seen


def terminal_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "PRE_COMMIT")}
    return {**env, **TERMINAL, **extra}


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals on this system")
def test_bar_shows_on_a_terminal_and_leaves_stdout_alone(tmp_path):
    root = many_files(tmp_path)
    plain = authlint("check", cwd=root)
    for jobs in ("1", "2"):
        status, stdout, terminal = run_on_terminal(root, "--jobs", jobs, env=terminal_env())
        assert status == plain.returncode == 1
        assert stdout == plain.stdout
        assert f"] {MIN_FILES + 5}/{MIN_FILES + 5} files".encode() in terminal
        assert b"rules" in terminal
        assert terminal.endswith(b"\r\033[K")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals on this system")
@pytest.mark.parametrize(
    ("args", "extra"),
    [
        ((), {"CI": "true"}),
        ((), {"PRE_COMMIT": "1"}),
        (("--no-progress",), {}),
        (("--quiet",), {}),
    ],
)
def test_bar_stays_hidden_on_a_terminal(tmp_path, args, extra):
    root = many_files(tmp_path)
    status, stdout, terminal = run_on_terminal(root, *args, env=terminal_env(**extra))
    assert status == 1
    assert stdout.startswith(b"conf.d/site00.conf:4:")
    assert terminal == b""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals on this system")
def test_bar_stays_hidden_for_a_dump_on_standard_input(tmp_path):
    root = many_files(tmp_path / "tree")
    dump = "".join(
        f"# configuration file /etc/nginx/{path.relative_to(root).as_posix()}:\n"
        f"{path.read_text()}\n"
        for path in sorted(root.rglob("*.conf"))
    )
    main = "# configuration file /etc/nginx/nginx.conf:\nhttp {\n    include conf.d/*.conf;\n}\n\n"
    status, stdout, terminal = run_on_terminal(
        tmp_path, "-", env=terminal_env(), stdin=(main + dump).encode()
    )
    assert status == 1
    assert stdout.startswith(b"/etc/nginx/conf.d/site00.conf:4:")
    assert terminal == b""


def test_bar_stays_hidden_when_stderr_is_a_pipe(tmp_path):
    root = many_files(tmp_path)
    done = authlint("check", cwd=root, env=terminal_env())
    assert done.returncode == 1
    assert done.stderr == b""
