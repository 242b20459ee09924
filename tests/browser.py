"""Run a page's ``fetch()`` in headless Chromium against a fixture config on the real nginx.

- :class:`PageServer` serves, over HTTPS on 127.0.0.1, a page whose script
  sends one ``fetch()`` to nginx and writes what it saw into the page: whether
  the promise resolved, the status and body the script could read, or the
  error. Chromium reaches it under the origin a proof names
  (``https://app.example.com``, ``https://evil.example``): its host resolver
  maps that host's port 443 to the server's loopback port, and the page's
  self-signed certificate is accepted. nginx, on ``http://127.0.0.1:<port>``,
  is another origin.
- :func:`run_page` runs Chromium on the page (``--dump-dom`` prints the DOM once
  the page's work is done) and returns a :class:`FetchResult`, with the console
  messages Chromium logged (its CORS errors). Given a cookie, Chromium first
  gets it from 127.0.0.1 (nginx's host), as a logged-in user holds one.
- :func:`run_browser_proof` runs a proof's page against nginx running its
  fixture (rendered and started by :mod:`realserver`, upstreams included) and
  compares what the script saw, the console, what nginx answered (its access
  log) and what an upstream got with what the proof expects (see
  ``fixtures/rules/*/browser.yaml``).
"""

from __future__ import annotations

import html
import http.server
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import threading
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from realserver import LOOPBACK, Answer, Rendered, free_port

# Debian's launcher; it runs the browser in the same process (exec).
CHROMIUM = "/usr/bin/chromium"
_RESULT = re.compile(r'<pre id="result">(.*?)</pre>', re.DOTALL)
_CONSOLE = re.compile(r':CONSOLE[^\]]*\] "(.*)", source: ')
# What nginx's access log (the combined format) says of each request, in order.
_LOGGED = re.compile(r'"(\S+) (\S+) HTTP/[\d.]+" (\d{3}) ')

_PREFERENCES = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
_PAGE = """<!doctype html>
<title>authlint browser proof</title>
<pre id="result">pending</pre>
<script>
const show = (outcome) => {
  document.getElementById("result").textContent = JSON.stringify(outcome);
};
fetch(%(url)s, %(init)s).then(
  async (response) => show({fetched: true, status: response.status, body: await response.text()}),
  (error) => show({fetched: false, error: String(error)}),
);
</script>
"""


def chromium_binary() -> str | None:
    return shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)


def required_chromium() -> str:
    """Chromium's binary; CI fails without it (or openssl), elsewhere the proofs are skipped."""
    binary = chromium_binary()
    for package, found in (("chromium", binary), ("openssl", shutil.which("openssl"))):
        if found is None:
            if os.environ.get("CI") == "true":
                pytest.fail(f"{package} is required in CI: .ci/run installs the Debian package")
            pytest.skip(
                f"{package} is not installed (apt-get install {package}): browser proofs skipped"
            )
    assert binary is not None
    return binary


def certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate and its key (Chromium is told to accept it)."""
    cert, key = folder / "page.crt", folder / "page.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=authlint.test", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@dataclass
class FetchResult:
    """What the page's script saw, and what Chromium logged on its console."""

    fetched: bool
    status: int | None
    body: str | None
    error: str | None
    console: list[str]


class PageServer:
    """An HTTPS server on 127.0.0.1: ``/`` is the page; ``/login`` sets a cookie, then goes on."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.port = free_port()
        self.page = b""
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/login":
                    # The user's session with the API's host (cookies ignore the
                    # port, so nginx's port gets it too), then the page.
                    query = parse_qs(url.query)
                    self.send_response(302)
                    cookie = f"{query['cookie'][0]}; Path=/; SameSite=None; Secure"
                    self.send_header("Set-Cookie", cookie)
                    self.send_header("Location", query["next"][0])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                found = url.path == "/"
                payload = server.page if found else b""
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server = http.server.ThreadingHTTPServer((LOOPBACK, self.port), Handler)
        self._server.daemon_threads = True
        # The handshake waits for the first read, in the connection's own thread:
        # a connection Chromium opens ahead and never uses must not block accept().
        self._server.socket = context.wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )

    def __enter__(self) -> PageServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def fetch_init(fetch: dict[str, Any]) -> dict[str, Any]:
    """``fetch()``'s options from a proof's ``fetch``: credentials default to ``include``."""
    headers = dict(fetch.get("headers") or {})
    if "user" in fetch:
        headers["Authorization"] = "Basic " + b64encode(fetch["user"].encode()).decode()
    init: dict[str, Any] = {
        "method": fetch.get("method", "GET"),
        "credentials": fetch.get("credentials", "include"),
    }
    if headers:
        init["headers"] = headers
    return init


def run_page(
    chromium: str,
    page: PageServer,
    origin: str,
    url: str,
    init: dict[str, Any],
    profile: Path,
    cookie: str | None = None,
) -> FetchResult:
    """Load a page at ``origin`` whose script fetches ``url``; return what it saw.

    With ``cookie`` (``name=value``), Chromium first gets it from 127.0.0.1, the
    way a user logged in to the API holds a session, then loads the page.
    """
    parts = urlsplit(origin)
    # Port 443 of the page's host is the one mapped to the page server.
    assert parts.scheme == "https", origin
    assert parts.hostname, origin
    assert not parts.port, origin
    page.page = (_PAGE % {"url": json.dumps(url), "init": json.dumps(init)}).encode()
    # Only the page's host resolves (to the page server); nginx is an IP address.
    rules = f"MAP {parts.hostname}:443 {LOOPBACK}:{page.port}, MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}"
    start = f"{origin}/"
    if cookie is not None:
        query = urlencode({"cookie": cookie, "next": start})
        start = f"https://{LOOPBACK}:{page.port}/login?{query}"
        # Third-party cookies allowed, as in Chrome's regular windows: a fresh
        # profile here blocks them, and with them the cookie a cross-site
        # request carries. Only then: allowed, a cross-site Basic challenge
        # waits for a login prompt that headless never shows.
        (profile / "Default").mkdir(parents=True, exist_ok=True)
        (profile / "Default" / "Preferences").write_text(json.dumps(_PREFERENCES))
    command = [
        chromium,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        f"--user-data-dir={profile}",
        f"--host-resolver-rules={rules}",
        "--ignore-certificate-errors",
        "--enable-logging=stderr",
        # Virtual time runs only while the page waits on nothing: the fetch ends first.
        "--virtual-time-budget=5000",
        "--dump-dom",
        start,
    ]
    # Its own process group, so that a hung run is stopped with every child it started.
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        dom, log = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        dom, log = process.communicate()
        raise AssertionError(f"Chromium did not finish in 60 s\n{log[-4000:]}") from None
    found = _RESULT.search(dom)
    text = html.unescape(found.group(1)) if found else "pending"
    assert text != "pending", f"the page's fetch did not finish\n{dom}\n{log[-4000:]}"
    outcome = json.loads(text)
    return FetchResult(
        fetched=outcome["fetched"],
        status=outcome.get("status"),
        body=outcome.get("body"),
        error=outcome.get("error"),
        console=_CONSOLE.findall(log),
    )


def answered(rendered: Rendered) -> list[str]:
    """What nginx answered, from its access log: ``METHOD path status`` per request."""
    log = rendered.prefix / "logs" / "access.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return [" ".join(match) for match in _LOGGED.findall(text)]


def run_browser_proof(
    chromium: str,
    proof: dict[str, Any],
    rendered: Rendered,
    page: PageServer,
    profile: Path,
) -> tuple[FetchResult, list[str]]:
    """Run a proof's page against the running nginx; return the result and what differs."""
    for label, answer in (proof.get("answers") or {}).items():
        rendered.upstreams[str(label)].answer = Answer(**answer)
    fetch = proof["fetch"]
    url = f"http://{LOOPBACK}:{rendered.port_for(fetch.get('listen'))}{fetch.get('path', '/')}"
    result = run_page(
        chromium, page, proof["page"], url, fetch_init(fetch), profile, fetch.get("cookie")
    )
    expect = proof["expect"]
    problems: list[str] = []
    if result.fetched != expect["fetched"]:
        problems.append(f"fetch() {'resolved' if result.fetched else 'was rejected'}")
    problems += [
        f"the script saw {name} {getattr(result, name)!r}, not {expect[name]!r}"
        for name in ("status", "body", "error")
        if name in expect and getattr(result, name) != expect[name]
    ]
    if "console" in expect and not any(expect["console"] in line for line in result.console):
        problems.append(f"no console message holds {expect['console']!r}: {result.console}")
    for label, headers in (expect.get("upstream_received") or {}).items():
        received = rendered.upstreams[str(label)].received
        got = received[-1].headers if received else {}
        problems += [
            f"upstream {label} got {name} {got.get(name.lower())}, not {value!r}"
            for name, value in headers.items()
            if got.get(name.lower()) != [value]
        ]
    if "nginx_answered" in expect and answered(rendered) != expect["nginx_answered"]:
        problems.append(f"nginx answered {answered(rendered)}, not {expect['nginx_answered']}")
    return result, problems
