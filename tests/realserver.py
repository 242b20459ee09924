"""Run fixture configs on the real nginx, on 127.0.0.1 only, and observe what it does.

- :func:`render` copies a fixture (a file or a folder) into a temporary prefix,
  rewriting what ties it to a machine: every ``listen`` becomes
  ``127.0.0.1:<free port>``, every upstream address (``127.0.0.1:9000``,
  ``unix:/run/php/...``) a recorder of this module, and file paths (user
  files, document roots, cache folders, absolute includes) paths in the
  prefix. A snippet is wrapped in a minimal main config.
- :class:`Recorder` (HTTP) and :class:`FastCgiRecorder` are loopback upstreams
  that record what they receive (headers, or FastCGI parameters) and answer
  as told, counting their hits.
- :class:`Nginx` starts nginx in the foreground as one process, waits for its
  ports, and stops it by its PID; :func:`syntax_check` runs ``nginx -t``.
- :func:`run_proof` sends a proof's requests and compares what was observed
  with what the proof expects (see ``fixtures/rules/*/proofs.yaml``).
"""

from __future__ import annotations

import atexit
import http.client
import http.server
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from base64 import b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import crossplane
import pytest

import authlint.nginx

STOCK = Path(authlint.nginx.__file__).parent / "stock"
USERS = {"alice": "secret", "bob": "bobpw"}
LOOPBACK = "127.0.0.1"

_UPSTREAM_DIRECTIVES = {"proxy_pass", "grpc_pass", "uwsgi_pass", "scgi_pass", "fastcgi_pass"}
_ADDRESS = re.compile(r"(?:127\.0\.0\.1|localhost):(\d+)|unix:[^\s;]+")
_PORT = re.compile(r"(\d+)$")
_DROPPED_LISTEN_PARAMS = re.compile(r"^(ssl|ipv6only=.*|reuseport|proxy_protocol)$")
_MACHINE_LEVEL = {"user", "pid", "error_log", "worker_processes", "daemon", "master_process"}
_RUNNING: set[subprocess.Popen[bytes]] = set()


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(path)),
        None,
    )


def required_nginx() -> str:
    """nginx's binary; CI fails without it, elsewhere the proofs are skipped."""
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is required in CI: .ci/run installs the Debian package")
        pytest.skip("nginx is not installed (apt-get install nginx): real-server proofs skipped")
    return binary


_GIVEN: set[int] = set()


def free_port() -> int:
    """A loopback port no listener holds, and never one given out before in this run:
    the kernel may hand the same free port to two probes in a row, and a fixture's
    nginx and its recorders would then fight over it."""
    while True:
        with socket.socket() as probe:
            probe.bind((LOOPBACK, 0))
            port: int = probe.getsockname()[1]
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port


# --- upstreams -------------------------------------------------------------------------


@dataclass
class Received:
    """One request an upstream got: header (or parameter) names in lower case."""

    method: str
    path: str
    headers: dict[str, list[str]]

    def header(self, name: str) -> list[str]:
        return self.headers.get(name.lower(), [])


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    # Headers of exactly that many bytes each, "Name: xxx...\r\n" included.
    long_headers: dict[str, int] = field(default_factory=dict)


class _Upstream(ABC):
    """What both recorders share: a label, a port, what was received, the answer."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.port = free_port()
        self.received: list[Received] = []
        self.answer = Answer()
        self._lock = threading.Lock()

    @property
    def hits(self) -> int:
        return len(self.received)

    @abstractmethod
    def start(self) -> None:
        """Listen on 127.0.0.1:``port`` in a thread."""

    def serve(self, server: socketserver.BaseServer) -> None:
        """Serve in a thread, polling often: ``stop`` waits for a poll, and every proof
        stops its recorders (the default half-second dominated a proof's time)."""
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()

    def stop(self) -> None:
        server = getattr(self, "_server", None)
        if server is not None:
            server.shutdown()
            server.server_close()

    def record(self, received: Received) -> tuple[Answer, str]:
        with self._lock:
            self.received.append(received)
            body = self.answer.body or f"response {self.hits} from upstream {self.label}\n"
        return self.answer, body


class Recorder(_Upstream):
    """An HTTP upstream on 127.0.0.1."""

    def start(self) -> None:
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                headers: dict[str, list[str]] = {}
                for name, value in self.headers.items():
                    headers.setdefault(name.lower(), []).append(value)
                answer, body = recorder.record(Received(self.command, self.path, headers))
                payload = body.encode()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                for name, line_bytes in answer.long_headers.items():
                    self.send_header(name, "x" * (line_bytes - len(name) - 4))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.serve(http.server.ThreadingHTTPServer((LOOPBACK, self.port), Handler))


class FastCgiRecorder(_Upstream):
    """A FastCGI responder on 127.0.0.1 that records the parameters nginx sends."""

    def start(self) -> None:
        recorder = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                params = b""
                request_id = 1
                while True:
                    header = _read_exactly(self.request, 8)
                    if header is None:
                        return
                    kind = header[1]
                    request_id = int.from_bytes(header[2:4], "big")
                    length = int.from_bytes(header[4:6], "big")
                    content = _read_exactly(self.request, length + header[6]) or b""
                    if kind == 4 and length:  # FCGI_PARAMS
                        params += content[:length]
                    if kind == 5 and length == 0:  # end of FCGI_STDIN
                        break
                headers = {name.lower(): [value] for name, value in _fastcgi_pairs(params)}
                method = headers.get("request_method", ["GET"])[0]
                path = headers.get("request_uri", ["/"])[0]
                answer, body = recorder.record(Received(method, path, headers))
                lines = [f"Status: {answer.status}", "Content-Type: text/plain"]
                lines += [f"{name}: {value}" for name, value in answer.headers.items()]
                output = ("\r\n".join(lines) + "\r\n\r\n" + body).encode()
                self.request.sendall(
                    _fastcgi_record(6, request_id, output)
                    + _fastcgi_record(6, request_id, b"")
                    + _fastcgi_record(3, request_id, bytes(8))
                )

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        server = socketserver.ThreadingTCPServer((LOOPBACK, self.port), Handler)
        server.daemon_threads = True
        self.serve(server)


def _read_exactly(connection: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _fastcgi_pairs(data: bytes) -> list[tuple[str, str]]:
    pairs = []
    index = 0

    def length() -> int:
        nonlocal index
        if data[index] < 128:
            index += 1
            return data[index - 1]
        value = int.from_bytes(data[index : index + 4], "big") & 0x7FFFFFFF
        index += 4
        return value

    while index < len(data):
        name_length, value_length = length(), length()
        name = data[index : index + name_length].decode("latin-1")
        index += name_length
        value = data[index : index + value_length].decode("latin-1")
        index += value_length
        pairs.append((name, value))
    return pairs


def _fastcgi_record(kind: int, request_id: int, content: bytes) -> bytes:
    padding = -len(content) % 8
    header = bytes([1, kind]) + request_id.to_bytes(2, "big") + len(content).to_bytes(2, "big")
    return header + bytes([padding, 0]) + content + bytes(padding)


# --- rendering -------------------------------------------------------------------------


@dataclass
class Rendered:
    """A fixture made runnable: its main config, ports, and upstreams by label."""

    prefix: Path
    main: Path
    ports: dict[str, int]
    upstreams: dict[str, _Upstream]

    def port_for(self, listen: str | int | None) -> int:
        if listen is None:
            return next(iter(self.ports.values()))
        return self.ports[str(listen)]

    def listen_addresses(self) -> list[str]:
        """Every address the rendered config listens on (for the loopback check)."""
        addresses = []
        for path in (self.prefix / "conf").rglob("*"):
            if path.is_file():
                text = path.read_text(errors="replace")
                addresses += re.findall(r"^\s*listen\s+(\S+?)[\s;]", text, re.MULTILINE)
        return addresses


def render(fixture: Path, prefix: Path, without: str | None = None) -> Rendered:
    """Copy ``fixture`` into ``prefix`` ready to run; ``without`` drops the lines holding it."""
    conf = prefix / "conf"
    for folder in ("conf", "logs", "temp", "www", "cache"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    (prefix / "htpasswd").write_text(
        "".join(f"{user}:{{PLAIN}}{password}\n" for user, password in USERS.items())
    )
    root = fixture if fixture.is_dir() else fixture.parent
    files = sorted(p for p in fixture.rglob("*") if p.is_file()) if fixture.is_dir() else [fixture]
    parsed = {
        file: _parse(file, prefix / "source" / file.relative_to(root), without) for file in files
    }
    main_file = next((file for file in files if _is_main(parsed[file])), None)
    # nginx's prefix, where relative includes resolve and /etc/nginx/ points.
    conf_dir = conf / main_file.parent.relative_to(root) if main_file else conf
    state = _RenderState(prefix, conf_dir)
    for statements in parsed.values():
        state.reserve_listen_ports(statements)
        state.reserve_folders(statements)
    for file in files:
        statements = state.rewrite(parsed[file], ())
        if file == main_file:
            statements = state.main_level(statements)
        target = conf / file.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(crossplane.build(statements) + "\n")
    for stock in STOCK.rglob("*"):
        target = conf_dir / stock.relative_to(STOCK)
        if stock.is_file() and stock.name != "README.md" and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(stock, target)
    if main_file is not None:
        main = conf / main_file.relative_to(root)
    else:
        main = conf / "authlint-wrapper.conf"
        includes = [conf / file.relative_to(root) for file in files if file.parent == root]
        statements = state.main_level(
            [
                {"directive": "events", "args": [], "block": []},
                {
                    "directive": "http",
                    "args": [],
                    "block": [{"directive": "include", "args": [str(p)]} for p in includes],
                },
            ]
        )
        main.write_text(crossplane.build(statements) + "\n")
    return Rendered(prefix, main, state.ports, state.upstreams)


def _parse(file: Path, copy: Path, without: str | None) -> list[dict[str, Any]]:
    """crossplane's statements of ``file`` (copied first, without the lines holding ``without``)."""
    text = file.read_text()
    if without is not None:
        text = "".join(line for line in text.splitlines(True) if without not in line)
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(text)
    parsed = crossplane.parse(str(copy), single=True, check_ctx=False, check_args=False)
    statements: list[dict[str, Any]] = parsed["config"][0]["parsed"]
    return statements


def _is_main(statements: list[dict[str, Any]]) -> bool:
    return any(statement["directive"] in ("http", "events") for statement in statements)


class _RenderState:
    def __init__(self, prefix: Path, conf_dir: Path) -> None:
        self.prefix = prefix
        self.conf_dir = conf_dir
        self.ports: dict[str, int] = {}
        self.upstreams: dict[str, _Upstream] = {}
        self.caches = 0
        # The folders the fixture serves (each rendered as www/), as written.
        self.folders: list[str] = []

    def rewrite(
        self, statements: list[dict[str, Any]], context: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        out = []
        seen_listen: set[int] = set()
        for statement in statements:
            name, args = statement["directive"], statement["args"]
            if name == "listen":
                port = self._listen_port(args[0])
                if port in seen_listen:
                    continue
                seen_listen.add(port)
                params = [arg for arg in args[1:] if not _DROPPED_LISTEN_PARAMS.match(arg)]
                args = [f"{LOOPBACK}:{port}", *params]
            elif name in _UPSTREAM_DIRECTIVES or (
                name == "server" and context[-1:] == ("upstream",)
            ):
                kind = FastCgiRecorder if name == "fastcgi_pass" else Recorder
                args = [_ADDRESS.sub(partial(self._upstream, kind=kind), args[0]), *args[1:]]
            elif name == "auth_basic_user_file":
                args = [str(self._user_file(args[0]))]
            elif name in ("root", "alias"):
                args = [str(self.prefix / "www") + ("/" if name == "alias" else "")]
            elif name.endswith("_cache_path"):
                self.caches += 1
                args = [str(self.prefix / "cache" / str(self.caches)), *args[1:]]
            elif name in ("access_log", "error_log"):
                args = [str(self.prefix / "logs" / f"{name}.log")]
            elif name == "include" and args and args[0].startswith("/etc/nginx/"):
                args = [str(self.conf_dir / args[0][len("/etc/nginx/") :])]
            rewritten = {"directive": name, "args": args}
            if "comment" in statement:
                # A comment inside a directive written over lines (a marker).
                rewritten["comment"] = statement["comment"]
            if "block" in statement:
                rewritten["block"] = self.rewrite(statement["block"], (*context, name))
            out.append(rewritten)
        return out

    def _user_file(self, written: str) -> Path:
        """The user file a fixture's names: ``htpasswd.<user>`` lists that user alone (for
        proofs where two files admit different users), any other name every user. One in
        a folder the fixture serves is written there, where nginx serves it."""
        for folder in self.folders:
            base = folder.rstrip("/") + "/"
            if written.startswith(base):
                path = self.prefix / "www" / written[len(base) :]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text((self.prefix / "htpasswd").read_text())
                return path
        user = Path(written).name.removeprefix("htpasswd.")
        if user not in USERS:
            return self.prefix / "htpasswd"
        path = self.prefix / f"htpasswd.{user}"
        path.write_text(f"{user}:{{PLAIN}}{USERS[user]}\n")
        return path

    def main_level(self, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The main config's machine-level lines replaced by the prefix's."""
        out = [
            {"directive": "pid", "args": [str(self.prefix / "nginx.pid")]},
            {"directive": "error_log", "args": [str(self.prefix / "logs" / "error.log"), "info"]},
        ]
        for statement in statements:
            if statement["directive"] in _MACHINE_LEVEL:
                continue
            if statement["directive"] == "http":
                temp = self.prefix / "temp"
                statement = dict(statement)
                statement["block"] = (
                    [
                        {"directive": f"{kind}_temp_path", "args": [str(temp / kind)]}
                        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
                    ]
                    + [
                        {
                            "directive": "access_log",
                            "args": [str(self.prefix / "logs" / "access.log")],
                        }
                    ]
                    + [s for s in statement["block"] if s["directive"] != "access_log"]
                )
            out.append(statement)
        return out

    def reserve_folders(self, statements: list[dict[str, Any]]) -> None:
        """Note the folders the fixture serves (``root``, ``alias``), before any is rewritten."""
        for statement in statements:
            if statement["directive"] in ("root", "alias") and statement["args"]:
                self.folders.append(statement["args"][0])
            self.reserve_folders(statement.get("block") or [])

    def reserve_listen_ports(self, statements: list[dict[str, Any]]) -> None:
        """Give each listen port its free port first, so that a proxy_pass to a
        server of the same fixture reaches that server, not a recorder."""
        for statement in statements:
            if statement["directive"] == "listen":
                self._listen_port(statement["args"][0])
            self.reserve_listen_ports(statement.get("block") or [])

    def _listen_port(self, address: str) -> int:
        match = _PORT.search(address)
        original = match.group(1) if match else "80"
        if original not in self.ports:
            self.ports[original] = free_port()
        return self.ports[original]

    def _upstream(self, match: re.Match[str], kind: type[_Upstream]) -> str:
        label = match.group(1) or match.group(0)
        if label in self.ports:
            return f"{LOOPBACK}:{self.ports[label]}"
        if label not in self.upstreams:
            self.upstreams[label] = kind(label)
        return f"{LOOPBACK}:{self.upstreams[label].port}"


# --- running nginx ---------------------------------------------------------------------


def syntax_check(binary: str, rendered: Rendered) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on the rendered config."""
    return subprocess.run(
        [binary, "-t", "-q", *_prefix_options(rendered)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def _prefix_options(rendered: Rendered) -> list[str]:
    prefix = rendered.prefix
    return ["-p", str(prefix), "-e", str(prefix / "logs" / "error.log"), "-c", str(rendered.main)]


class Nginx:
    """nginx in the foreground as a single process, stopped by its PID."""

    def __init__(self, binary: str, rendered: Rendered) -> None:
        self.binary = binary
        self.rendered = rendered
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Nginx:
        for upstream in self.rendered.upstreams.values():
            upstream.start()
        options = [*_prefix_options(self.rendered), "-g", "daemon off; master_process off;"]
        with (self.rendered.prefix / "logs" / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [self.binary, *options], stdout=subprocess.DEVNULL, stderr=stderr
            )
        _RUNNING.add(self.process)
        await_ports("nginx", self.process, self.rendered, self.stop)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None:
            _RUNNING.discard(self.process)
        for upstream in self.rendered.upstreams.values():
            upstream.stop()

    def log(self) -> str:
        return server_log(self.rendered)


def await_ports(
    name: str, process: subprocess.Popen[bytes], rendered: Rendered, stop: Callable[[], None]
) -> None:
    """Wait until the server ``process`` listens on every port of ``rendered``; if it exits
    first or does not within 10 s, ``stop`` it and raise with its log."""
    deadline = time.monotonic() + 10
    waiting = set(rendered.ports.values())
    while waiting and time.monotonic() < deadline:
        if process.poll() is not None:
            stop()
            raise RuntimeError(f"{name} exited with {process.returncode}\n{server_log(rendered)}")
        for port in list(waiting):
            with socket.socket() as probe:
                if probe.connect_ex((LOOPBACK, port)) == 0:
                    waiting.discard(port)
        time.sleep(0.02)
    if waiting:
        stop()
        raise RuntimeError(f"{name} did not listen on {sorted(waiting)}\n{server_log(rendered)}")


def server_log(rendered: Rendered) -> str:
    """A server's error log and stderr (``logs/`` of its prefix), for a failing test's message."""
    logs = rendered.prefix / "logs"
    parts = []
    for name in ("error.log", "stderr.log"):
        path = logs / name
        if path.exists() and path.read_text(errors="replace").strip():
            parts.append(f"--- {name} ---\n{path.read_text(errors='replace')[-4000:]}")
    return "\n".join(parts)


def stop_all() -> None:
    """Kill every server (nginx, or httpd of :mod:`realapache`) started and still running."""
    for process in list(_RUNNING):
        if process.poll() is None:
            if os.getpgid(process.pid) == process.pid:
                # httpd leads its own process group: its children go with it.
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
            process.wait()
        _RUNNING.discard(process)


atexit.register(stop_all)


# --- proofs ----------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: str

    def header(self, name: str) -> list[str]:
        return self.headers.get(name.lower(), [])


def send(port: int, request: dict[str, Any]) -> Response:
    headers = dict(request.get("headers") or {})
    for name, line_bytes in (request.get("long_headers") or {}).items():
        # A header line of exactly this many bytes: "Name: Bearer xxx...\r\n".
        prefix = f"{name}: Bearer "
        headers[name] = "Bearer " + "x" * (line_bytes - len(prefix) - 2)
    for number in range(request.get("extra_headers", 0)):
        # Many short header lines: a limit on how many fields a request may have.
        headers[f"X-Extra-{number}"] = "x"
    if "user" in request:
        headers["Authorization"] = "Basic " + b64encode(request["user"].encode()).decode()
    if request.get("host_last") and "Host" in headers:
        # Sent after the other lines: nginx picks the server at Host, and reads the
        # lines before it with the default server's settings.
        headers["Host"] = headers.pop("Host")
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        path = request.get("path", "/")
        if "long_query" in request:
            path += "?" + "x" * request["long_query"]
        connection.request(request.get("method", "GET"), path, headers=headers)
        reply = connection.getresponse()
        received: dict[str, list[str]] = {}
        for name, value in reply.getheaders():
            received.setdefault(name.lower(), []).append(value)
        return Response(reply.status, received, reply.read().decode(errors="replace"))
    finally:
        connection.close()


def run_proof(proof: dict[str, Any], rendered: Rendered) -> list[str]:
    """Send the proof's requests; return what differs from what it expects."""
    for label, answer in (proof.get("answers") or {}).items():
        rendered.upstreams[str(label)].answer = Answer(**answer)
    problems: list[str] = []
    bodies: list[str] = []
    for number, request in enumerate(proof["requests"], start=1):
        for label, answer in (request.get("answers") or {}).items():
            rendered.upstreams[str(label)].answer = Answer(**answer)
        before = {label: upstream.hits for label, upstream in rendered.upstreams.items()}
        response = send(rendered.port_for(request.get("listen")), request)
        bodies.append(response.body)
        expect = request.get("expect") or {}
        where = f"request {number} ({request.get('method', 'GET')} {request.get('path', '/')})"
        if "status" in expect and response.status != expect["status"]:
            problems.append(f"{where}: status {response.status}, expected {expect['status']}")
        reached = [
            label for label, upstream in rendered.upstreams.items() if upstream.hits > before[label]
        ]
        if "upstream" in expect:
            wanted = expect["upstream"]
            wanted = sorted(
                map(str, wanted if isinstance(wanted, list) else [wanted] if wanted else [])
            )
            if sorted(reached) != wanted:
                problems.append(f"{where}: reached upstreams {reached}, expected {wanted}")
        if "received" in expect:
            # The upstream that answered: the one named, or the only one reached.
            label = (
                str(expect["upstream"]) if isinstance(expect.get("upstream"), (str, int)) else None
            )
            if label is None and len(reached) == 1:
                label = reached[0]
            if label is None or label not in reached:
                problems.append(f"{where}: no single upstream received it ({reached})")
            else:
                got = rendered.upstreams[label].received[-1]
                problems += _compare(where, "upstream got", got.header, expect["received"])
        # Several upstreams reached (an auth subrequest's, then the app's): what each got.
        for label, headers in expect.get("upstream_received", {}).items():
            if str(label) not in reached:
                problems.append(f"{where}: upstream {label} did not receive it ({reached})")
            else:
                got = rendered.upstreams[str(label)].received[-1]
                problems += _compare(where, f"upstream {label} got", got.header, headers)
        if "response_headers" in expect:
            problems += _compare(where, "response had", response.header, expect["response_headers"])
        if "body_contains" in expect and expect["body_contains"] not in response.body:
            problems.append(f"{where}: body {response.body!r} lacks {expect['body_contains']!r}")
        if "same_body_as" in expect and response.body != bodies[expect["same_body_as"] - 1]:
            problems.append(
                f"{where}: body {response.body!r} is not request {expect['same_body_as']}'s"
            )
    return problems


def _compare(where: str, what: str, values_of: Any, expected: dict[str, Any]) -> list[str]:
    problems = []
    for name, wanted in expected.items():
        values = values_of(name)
        if wanted is None:
            ok = not values
        elif isinstance(wanted, dict) and "not" in wanted:
            ok = bool(values) and wanted["not"] not in values
        elif isinstance(wanted, list):
            ok = values == wanted
        else:
            ok = values == [str(wanted)]
        if not ok:
            problems.append(f"{where}: {what} {name}: {values}, expected {wanted!r}")
    return problems
