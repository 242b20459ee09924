"""`authlint check -`: one config, or a server's whole config from `nginx -T`, on standard input.

`fixtures/stdin/nginx-T.txt` is what `nginx -T 2>&1` prints for :data:`TREE`
standing at `/` (a test checks it against the real nginx). A dump is linted
as the tree it came from, with every finding at the file's path on the
server; the temporary copy authlint writes never shows and never stays.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from authlint.dumps import DumpedFile, DumpError, written_out
from authlint.engine import run_stdin
from authlint.formats import IncludeOptions
from authlint.nginx.dump import split_dump

from conftest import FIXTURES, MARKER, write
from hostile import dump, slow_allow_list
from realserver import required_nginx

DUMP = FIXTURES / "stdin" / "nginx-T.txt"
RULE = re.compile(r"AL\d{3}")

# A server's config as a Debian host keeps it. `@ROOT@` is where the host's
# `/` stands: nothing on the server, a temporary folder when a test runs nginx.
TREE = {
    "etc/nginx/nginx.conf": """\
pid @ROOT@/run/nginx.pid;

events {}

http {
    include mime.types;
    access_log off;
    include conf.d/*.conf;
    include @ROOT@/etc/nginx/sites-enabled/*;
}
""",
    "etc/nginx/mime.types": """\
types {
    text/html         html;
    application/json  json;
}
""",
    "etc/nginx/conf.d/api.conf": """\
server {
    listen 127.0.0.1:8080;
    server_name api.example.com;
    proxy_set_header Authorization "Bearer $cookie_token";

    location / {
        proxy_pass http://127.0.0.1:9000;
    }

    location /v2/ {
        include ./snippets/headers.conf;
        proxy_pass http://127.0.0.1:9001;
    }
}
""",
    "etc/nginx/snippets/headers.conf": "proxy_set_header X-Request-Id $request_id;  # [AL101]\n",
    # No newline at the end: nginx adds one of its own after every file.
    "etc/nginx/conf.d/static.conf": "server {\n    listen 127.0.0.1:8081;\n    root /var/www;\n}",
    "etc/nginx/sites-enabled/admin": """\
server {
    listen 127.0.0.1:8082;

    location /admin/ {
        proxy_set_header Authorization "";  # [AL102]
        proxy_pass http://127.0.0.1:9002;
    }
}
""",
}
EXPECTED = [
    ("AL102", "/etc/nginx/sites-enabled/admin", 5),
    ("AL101", "/etc/nginx/snippets/headers.conf", 1),
]

STRIPPED = """\
server {
    listen 127.0.0.1:8080;
    location / {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9000;
    }
}
"""


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def authlint(*args: str, stdin: bytes | str, cwd: Path, tmpdir: Path | None = None) -> Run:
    """`python -m authlint check ARGS` with ``stdin`` on standard input.

    ``tmpdir`` becomes TMPDIR, so that a test can see what authlint leaves there.
    """
    env = dict(os.environ)
    if tmpdir is not None:
        tmpdir.mkdir(exist_ok=True)
        env["TMPDIR"] = str(tmpdir)
    data = stdin.encode() if isinstance(stdin, str) else stdin
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", *args],
        input=data,
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def places(document: dict) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["path"], f["line"]) for f in document["findings"]]


def assert_one_line_error(run: Run, *fragments: str) -> None:
    assert run.status == 2, run
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert run.stderr.startswith("authlint: error: ")
    for fragment in fragments:
        assert fragment in run.stderr


def write_tree(root: Path, files: dict[str, str] = TREE) -> Path:
    """``files`` written under ``root`` (standing for `/`); returns its /etc/nginx."""
    write(root, {name: text.replace("@ROOT@", str(root)) for name, text in files.items()})
    (root / "run").mkdir(exist_ok=True)
    return root / "etc" / "nginx"


def nginx_dump(binary: str, root: Path, *, merged: bool, relative: bool = False) -> bytes:
    """What `nginx -T` prints for the tree under ``root`` (with its messages when ``merged``).

    ``relative``: nginx is given its prefix as `.`, from inside /etc/nginx.
    """
    conf = root / "etc" / "nginx"
    prefix = "." if relative else f"{conf}/"
    error_log = str(root / "run" / "error.log")
    done = subprocess.run(
        [binary, "-T", "-p", prefix, "-e", error_log, "-c", "nginx.conf"],
        cwd=conf,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        timeout=30,
        check=False,
    )
    return done.stdout


def marked(text: str) -> list[tuple[str, str, int]]:
    """The findings a dump's `# [ALnnn]` comments expect, at the paths it names."""
    expected = []
    for dumped in split_dump(text) or []:
        for number, line in enumerate(dumped.text.split("\n"), start=1):
            for match in MARKER.finditer(line):
                expected += [(rule, dumped.path, number) for rule in RULE.findall(match.group(1))]
    return sorted(expected, key=lambda item: (item[1], item[2], item[0]))


@pytest.fixture(scope="module")
def nginx() -> str:
    return required_nginx()


# --- the dump fixture --------------------------------------------------------


def test_dump_is_linted_at_the_original_paths(tmp_path):
    run = authlint(
        "-", "--format", "json", stdin=DUMP.read_bytes(), cwd=tmp_path, tmpdir=tmp_path / "tmp"
    )
    assert run.status == 1, run
    assert run.stderr == ""
    document = run.json()
    assert places(document) == EXPECTED == marked(DUMP.read_text())
    assert document["files_scanned"] == len(TREE)
    for finding in document["findings"]:
        assert finding["column"] is not None
    assert list((tmp_path / "tmp").iterdir()) == []
    assert "authlint-" not in run.stdout


def test_dump_text_report_and_determinism(tmp_path):
    first = authlint("-", "--format", "text", stdin=DUMP.read_bytes(), cwd=tmp_path)
    second = authlint("-", "--format", "text", stdin=DUMP.read_bytes(), cwd=tmp_path)
    assert first == second
    # Headlines start at the margin; source, caret and fix lines are indented.
    lines = [line for line in first.stdout.splitlines() if not line.startswith(" ")]
    assert lines[0].startswith("/etc/nginx/sites-enabled/admin:5:9: AL102 warning ")
    assert lines[1].startswith("/etc/nginx/snippets/headers.conf:1:1: AL101 error ")
    # A message that names another file names it as the server knows it.
    assert "from /etc/nginx/conf.d/api.conf:4 " in " ".join(first.stdout.split())
    # The source lines are shown although the dump's files were only temporary.
    assert "  5 |         proxy_set_header Authorization" in first.stdout
    assert first.stdout.endswith("Found 2 findings (1 error, 1 warning) in 6 files.\n")


def test_split_dump_gives_back_each_file():
    files = split_dump(DUMP.read_text())
    assert files is not None
    assert [dumped.path for dumped in files] == [
        "/etc/nginx/nginx.conf",
        "/etc/nginx/mime.types",
        "/etc/nginx/conf.d/api.conf",
        # nginx prints the path it opened, `/etc/nginx/./snippets/headers.conf`
        "/etc/nginx/snippets/headers.conf",
        "/etc/nginx/conf.d/static.conf",
        "/etc/nginx/sites-enabled/admin",
    ]
    for dumped in files:
        original = TREE[dumped.path.lstrip("/")].replace("@ROOT@", "")
        assert dumped.text == original, dumped.path


def test_split_dump_keeps_text_that_is_no_header():
    text = (
        "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
        "# configuration file /etc/nginx/nginx.conf:\n"
        "# configuration file without a colon at the end\n"
        "  # configuration file /indented.conf:\n"
        "events {}\n"
        "\n"
        "# configuration file /etc/nginx/empty.conf:\n"
        "\n"
    )
    files = split_dump(text)
    assert files == [
        DumpedFile(
            "/etc/nginx/nginx.conf",
            "# configuration file without a colon at the end\n"
            "  # configuration file /indented.conf:\nevents {}\n",
        ),
        DumpedFile("/etc/nginx/empty.conf", ""),
    ]
    assert split_dump("events {}\n# not a dump\n") is None


def test_written_out_is_private_and_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # A byte that is not UTF-8 goes back to the file unchanged.
    text = b"# caf\xe9\nevents {}\n".decode("utf-8", "surrogateescape")
    files = [DumpedFile("/etc/nginx/nginx.conf", text), DumpedFile("/srv/x.conf", "")]
    with written_out(files) as (root, written):
        assert root.parent == tmp_path.resolve()
        assert stat.S_IMODE(root.stat().st_mode) == 0o700
        assert written == {
            root / "etc/nginx/nginx.conf": "/etc/nginx/nginx.conf",
            root / "srv/x.conf": "/srv/x.conf",
        }
        assert (root / "etc/nginx/nginx.conf").read_bytes() == b"# caf\xe9\nevents {}\n"
    assert list(tmp_path.iterdir()) == []


def slow_dump() -> str:
    """A dump whose lint takes seconds: its CORS allow-list regexes backtrack without end."""
    return dump({"nginx.conf": f"events {{}}\nhttp {{\n{slow_allow_list(40)}}}\n"})


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_the_dump_folder_is_removed_when_the_run_is_stopped(tmp_path, number):
    # The folder holds a server's whole config: no way out may leave it behind.
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "authlint", "check", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        # A shell's background job ignores SIGINT, and a child inherits that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdin is not None
    process.stdin.write(slow_dump().encode())
    process.stdin.close()
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob("authlint-*")):
        assert time.monotonic() < deadline, "the dump was never written out"
        assert process.poll() is None, "the run ended before it could be stopped"
        time.sleep(0.01)
    process.send_signal(number)
    process.wait(timeout=30)
    assert process.stderr is not None
    stderr = process.stderr.read()
    assert list(tmp_path.iterdir()) == []
    assert b"Traceback" not in stderr
    assert process.returncode == (2 if number == signal.SIGINT else 128 + number)


def test_source_lines_outlive_the_temporary_folder(tmp_path, monkeypatch):
    """Reporters quote `Result.files[path].line_text(n)` after the copy is gone."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = run_stdin(DUMP.read_text(), IncludeOptions())
    assert list(tmp_path.iterdir()) == []
    assert sorted(result.files) == sorted(f"/{name}" for name in TREE)
    for finding in result.findings:
        line = result.files[finding.span.path].line_text(finding.span.line)
        assert f"[{finding.rule}]" in line
    assert result.files["/etc/nginx/conf.d/static.conf"].line_text(4) == "}"


# --- the real nginx ----------------------------------------------------------


@pytest.mark.realserver
def test_fixture_is_what_nginx_prints(nginx, tmp_path):
    root = tmp_path.resolve()
    write_tree(root)
    printed = nginx_dump(nginx, root, merged=True)
    assert printed.replace(str(root).encode(), b"") == DUMP.read_bytes()


@pytest.mark.realserver
@pytest.mark.parametrize("merged", [False, True], ids=["stdout", "2>&1"])
def test_real_dump_gives_the_findings_of_the_tree(nginx, tmp_path, merged):
    root = (tmp_path / "server").resolve()
    conf = write_tree(root)
    dump = nginx_dump(nginx, root, merged=merged)
    assert dump.startswith(b"nginx: " if merged else b"# configuration file ")
    run = authlint("-", "--format", "json", stdin=dump, cwd=tmp_path, tmpdir=tmp_path / "tmp")
    assert run.status == 1, run
    assert run.stderr == ""
    from_dump = run.json()
    assert places(from_dump) == [(rule, f"{root}{path}", line) for rule, path, line in EXPECTED]
    # The tree itself, its absolute include mapped onto it.
    direct = authlint(
        ".", "--include-map", f"{conf}=.", "--format", "json", stdin="", cwd=conf
    ).json()
    for finding in from_dump["findings"]:
        finding["path"] = Path(finding["path"]).relative_to(conf).as_posix()
        finding["message"] = finding["message"].replace(f"{conf}/", "")
    assert from_dump == direct
    assert list((tmp_path / "tmp").iterdir()) == []
    text = authlint("-", "--format", "text", stdin=dump, cwd=tmp_path, tmpdir=tmp_path / "tmp")
    for output in (run.stdout, text.stdout, text.stderr):
        assert str(tmp_path / "tmp") not in output
        assert "authlint-" not in output


@pytest.mark.realserver
def test_real_dump_of_a_config_nginx_rejects(nginx, tmp_path):
    root = tmp_path.resolve()
    files = {**TREE, "etc/nginx/conf.d/static.conf": "server {\n    gzip maybe;\n}\n"}
    write_tree(root, files)
    dump = nginx_dump(nginx, root, merged=True)
    assert b"test failed" in dump
    assert b"# configuration file" not in dump
    assert_one_line_error(authlint("-", stdin=dump, cwd=tmp_path), "`nginx -T` failed")


@pytest.mark.realserver
def test_real_dump_with_dotdot_include_is_refused(nginx, tmp_path):
    """nginx prints the include as written after its prefix: `/x/conf.d/../snippets/...`."""
    root = tmp_path.resolve()
    api = TREE["etc/nginx/conf.d/api.conf"].replace("./snippets", "conf.d/../snippets")
    write_tree(root, {**TREE, "etc/nginx/conf.d/api.conf": api})
    dump = nginx_dump(nginx, root, merged=False)
    assert f"# configuration file {root}/etc/nginx/conf.d/../snippets/".encode() in dump
    run = authlint("-", stdin=dump, cwd=tmp_path)
    assert_one_line_error(run, "standard input line ", "`..` could lead out of the dump")


@pytest.mark.realserver
def test_real_dump_with_relative_prefix_is_refused(nginx, tmp_path):
    root = tmp_path.resolve()
    write_tree(root)
    dump = nginx_dump(nginx, root, merged=False, relative=True)
    assert dump.startswith(b"# configuration file ./nginx.conf:\n")
    run = authlint("-", stdin=dump, cwd=tmp_path)
    assert_one_line_error(run, "standard input line 1:", "relative path `./nginx.conf`")


# --- resolution inside a dump ------------------------------------------------


def test_first_file_is_the_main_config(tmp_path):
    """Relative includes start from the main config's folder, as in nginx, wherever they are."""
    dump = """\
# configuration file /srv/nginx/nginx.conf:
events {}
include sub/http.conf;

# configuration file /srv/nginx/sub/http.conf:
http {
    include conf.d/*.conf;
}

# configuration file /srv/nginx/conf.d/app.conf:
server {
    location / {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9000;
    }
}

"""
    run = authlint("-", "--format", "json", "--fail-on", "info", stdin=dump, cwd=tmp_path)
    assert places(run.json()) == [("AL102", "/srv/nginx/conf.d/app.conf", 3)]


def test_no_include_resolves_outside_the_dump(tmp_path):
    outside = write(tmp_path / "host", {"outside.conf": 'proxy_set_header Authorization "";\n'})
    climb = "../" * len(tmp_path.parts) + str(outside / "outside.conf").lstrip("/")
    dump = f"""\
# configuration file /etc/nginx/nginx.conf:
events {{}}
http {{
    server {{
        location / {{
            include {outside}/outside.conf;
            include {climb};
            proxy_pass http://127.0.0.1:9000;
        }}
    }}
}}

"""
    for options in ([], ["--follow-outside-includes", "--include-map", f"{outside}={outside}"]):
        run = authlint("-", "--format", "json", *options, stdin=dump, cwd=tmp_path)
        assert run.status == 0, run
        # Both name the same file: one finding, the second include related to it.
        assert places(run.json()) == [("AL003", "/etc/nginx/nginx.conf", 5)]
        (finding,) = run.json()["findings"]
        assert finding["related"] == [{"path": "/etc/nginx/nginx.conf", "line": 6, "column": 13}]
        assert run.json()["files_scanned"] == 1


def test_doubled_slashes_as_nginx_prints_them(tmp_path):
    """`include //etc/nginx//snippets/auth.conf` is /etc/nginx/snippets/auth.conf, in a dump
    and in a tree."""
    main = """\
events {}
http {
    server {
        location / {
            include //etc/nginx//snippets/auth.conf;
            proxy_pass http://127.0.0.1:9000;
        }
    }
}
"""
    auth = 'proxy_set_header Authorization "";\n'
    dump = (
        f"# configuration file /etc/nginx/nginx.conf:\n{main}\n"
        f"# configuration file //etc/nginx//snippets/auth.conf:\n{auth}\n"
    )
    run = authlint("-", "--format", "json", stdin=dump, cwd=tmp_path)
    assert places(run.json()) == [("AL102", "/etc/nginx/snippets/auth.conf", 1)]
    tree = write(tmp_path / "tree", {"nginx.conf": main, "snippets/auth.conf": auth})
    run = authlint(".", "--format", "json", stdin="", cwd=tree)
    assert places(run.json()) == [("AL102", "snippets/auth.conf", 1)]


# --- plain standard input ----------------------------------------------------


@pytest.mark.parametrize(
    ("options", "name"),
    [
        (["-"], "<stdin>"),
        (["-", "--stdin-filename", "conf.d/app.conf"], "conf.d/app.conf"),
        # As in ruff, the name alone means standard input too.
        (["--stdin-filename", "/etc/nginx/app.conf"], "/etc/nginx/app.conf"),
    ],
)
def test_plain_config_is_one_file(tmp_path, options, name):
    run = authlint(
        *options, "--format", "json", stdin=STRIPPED, cwd=tmp_path, tmpdir=tmp_path / "tmp"
    )
    assert run.status == 1
    assert run.stderr == ""
    document = run.json()
    assert places(document) == [("AL102", name, 4)]
    assert document["files_scanned"] == 1
    text = authlint(*options, "--format", "text", stdin=STRIPPED, cwd=tmp_path).stdout
    assert text.startswith(f"{name}:4:9: AL102 warning ")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_plain_config_includes_are_not_read(tmp_path):
    write(tmp_path, {"snippets/auth.conf": 'proxy_set_header Authorization "";\n'})
    config = """\
server {
    location / {
        include snippets/auth.conf;
        include /etc/nginx/snippets/auth.conf;
        include /opt/auth.conf;
        include proxy_params;
        proxy_pass http://127.0.0.1:9000;
    }
}
"""
    run = authlint("-", "--format", "json", stdin=config, cwd=tmp_path)
    assert run.status == 0
    assert places(run.json()) == [
        ("AL003", "<stdin>", 3),
        ("AL003", "<stdin>", 4),
        ("AL004", "<stdin>", 5),
    ]


def test_plain_main_config(tmp_path):
    config = """\
events {}
http {
    proxy_set_header Authorization "Bearer $cookie_token";
    server {
        location / {
            proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:9000;
        }
    }
}
"""
    run = authlint("-", "--format", "json", stdin=config, cwd=tmp_path)
    assert places(run.json()) == [("AL101", "<stdin>", 6)]


def test_empty_stdin_is_an_empty_config(tmp_path):
    run = authlint("-", "--format", "text", stdin="", cwd=tmp_path)
    assert (run.status, run.stdout, run.stderr) == (0, "No findings in 1 file.\n", "")


# --- usage errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("dump", "fragment"),
    [
        ("# configuration file etc/nginx/nginx.conf:\nevents {}\n", "relative path"),
        ("# configuration file /etc/nginx/../../x.conf:\nevents {}\n", "`..`"),
        ("# configuration file /etc/nginx/a\0b.conf:\nevents {}\n", "control character"),
        ("# configuration file /etc/nginx/a\x1b[2Jb.conf:\nevents {}\n", "control character"),
        (b"# configuration file /etc/nginx/\xff.conf:\nevents {}\n", "not in UTF-8"),
        ("# configuration file /:\nevents {}\n", "no file"),
        ("hello\n# configuration file /etc/nginx/nginx.conf:\nevents {}\n", "line 1: text before"),
        (
            "# configuration file /a.conf:\nevents {}\n\n# configuration file /a.conf:\n\n",
            "`/a.conf` is dumped twice",
        ),
        (
            "# configuration file /a:\nevents {}\n\n# configuration file /a/b.conf:\n\n",
            "`/a` is dumped as a file and as a folder",
        ),
        ("nginx: [emerg] unknown directive\nnginx: configuration file x test failed\n", "failed"),
    ],
    ids=[
        "relative",
        "dotdot",
        "nul",
        "escape",
        "not-utf8",
        "root",
        "text-before",
        "twice",
        "file-and-folder",
        "messages-only",
    ],
)
def test_unsafe_dump_is_refused(tmp_path, dump, fragment):
    run = authlint("-", stdin=dump, cwd=tmp_path, tmpdir=tmp_path / "tmp")
    assert_one_line_error(run, fragment)
    assert list((tmp_path / "tmp").iterdir()) == []
    with pytest.raises(DumpError):
        split_dump(dump if isinstance(dump, str) else dump.decode("utf-8", "surrogateescape"))


@pytest.mark.parametrize(
    "args",
    [
        ["-", "."],
        [".", "-"],
        ["-", "-"],
        ["--stdin-filename", "x.conf", "."],
        ["--stdin-filename", "x.conf", "-", "."],
    ],
    ids=lambda args: " ".join(args),
)
def test_stdin_usage_errors(tmp_path, args):
    assert_one_line_error(authlint(*args, stdin=STRIPPED, cwd=tmp_path))


def test_file_named_dash_is_still_reachable(tmp_path):
    write(tmp_path, {"-": STRIPPED})
    run = authlint("./-", "--format", "json", stdin="", cwd=tmp_path)
    assert places(run.json()) == [("AL102", "-", 4)]
