"""Run fixture configs on the real Apache httpd, on 127.0.0.1 only: the twin of
:mod:`realserver`, whose recorders, requests and proof checks it reuses.

- :func:`render` copies a fixture (a vhost or server snippet, a whole server
  config, an ``.htaccess``, or a folder of them) into a temporary
  ``ServerRoot`` that is also the root of the paths it names: ``/var/www/app``
  becomes ``<root>/var/www/app``, so a ``.htaccess`` at ``var/www/app/`` in a
  folder fixture lands where its ``<Directory>`` says. Every ``Listen`` and
  ``<VirtualHost>`` address becomes ``127.0.0.1:<free port>`` (SSL is dropped:
  a ``*:443`` host is served in plain HTTP, and its ``SSL*`` lines are left
  out), every upstream on loopback or a Unix socket a recorder of
  :mod:`realserver`, user files an htpasswd of :data:`realserver.USERS`, and
  the machine's own files (pid, logs, mutexes, cache) files of the root. A
  snippet is wrapped in a main config; the modules loaded are those its
  directives belong to (from ``apache2 -L``), what they need, and a small base.
- :class:`Httpd` runs ``apache2 -t``, then httpd in the foreground as its own
  process group, waits for its ports, and stops it by its PID.
"""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import hashlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from apache_httpd import without_markers

from authlint.apache import modules as apache_modules
from authlint.apache.parser import ApacheNode, parse_text
from authlint.model.source import SourceFile
from authlint.model.tree import Node

from realserver import (
    _RUNNING,
    LOOPBACK,
    USERS,
    FastCgiRecorder,
    Recorder,
    Rendered,
    _Upstream,
    await_ports,
    free_port,
    server_log,
)

MODULES = Path("/usr/lib/apache2/modules")
# What every rendered server loads: the MPM, access control, and what serves a file.
BASE_MODULES = ("mpm_event", "authz_core", "mime", "dir")
# The modules a module's symbols or hooks need loaded before it (Debian's
# mods-available/*.load say the same in their "Depends:" lines).
_DEPENDS: dict[str, tuple[str, ...]] = {
    "auth_form": ("session", "request", "authn_core"),
    "auth_basic": ("authn_core",),
    "auth_digest": ("authn_core",),
    "authn_file": ("authn_core",),
    "cache_disk": ("cache",),
    "cache_socache": ("cache",),
    "session_cookie": ("session",),
    "session_crypto": ("session",),
    "proxy_balancer": ("proxy", "slotmem_shm", "lbmethod_byrequests"),
    "lbmethod_byrequests": ("proxy",),
    "authnz_ldap": ("ldap",),
    "dav_fs": ("dav",),
}
# A directive's argument that names a module it needs, beyond its own module.
_SCHEME_MODULES = {
    "fcgi": "proxy_fcgi",
    "http": "proxy_http",
    "https": "proxy_http",
    "balancer": "proxy_balancer",
    "ws": "proxy_wstunnel",
    "wss": "proxy_wstunnel",
    "scgi": "proxy_scgi",
    "ajp": "proxy_ajp",
}
_REQUIRE_PROVIDERS = {
    "valid-user": "authz_user",
    "user": "authz_user",
    "group": "authz_groupfile",
    "ip": "authz_host",
    "host": "authz_host",
    "forward-dns": "authz_host",
    "local": "authz_host",
}
# An auth type's module, and its default provider's (file).
_AUTH_TYPES = {
    "basic": ["auth_basic", "authn_file"],
    "digest": ["auth_digest", "authn_file"],
    "form": ["auth_form", "authn_file"],
}
_AUTH_PROVIDERS = {"file": "authn_file", "anon": "authn_anon", "dbm": "authn_dbm"}
_CACHE_PROVIDERS = {"disk": "cache_disk", "socache": "cache_socache"}

# Lines the rendered root sets itself, left out of a fixture.
_MACHINE = frozenset(
    {
        "serverroot",
        "pidfile",
        "mutex",
        "defaultruntimedir",
        "scoreboardfile",
        "user",
        "group",
        "errorlog",
        "customlog",
        "transferlog",
        "globallog",
        "loadfile",
        # The wrapper loads what the fixture loads, from this machine's modules.
        "loadmodule",
    }
)
_UPSTREAM_DIRECTIVES = frozenset(
    {
        "proxypass",
        "proxypassmatch",
        "proxypassreverse",
        "balancermember",
        "sethandler",
        "addhandler",
        "rewriterule",
        "proxyset",
        "proxy",
        "proxymatch",
    }
)
_PATH_ARGUMENT = {
    "documentroot": 0,
    "alias": 1,
    "scriptalias": 1,
    "aliasmatch": 1,
    "scriptaliasmatch": 1,
    "directory": 0,
    "include": 0,
    "includeoptional": 0,
}
# An upstream on this machine that a recorder can stand in for (FastCGI, HTTP; not AJP
# nor SCGI): a URL on loopback, or a socket named for mod_proxy by the URL after it
# (`unix:/run/php/x.sock|fcgi://localhost/`).
_UPSTREAM = re.compile(
    r"unix:(?P<socket>[^|\s\"]+)\|(?P<socket_scheme>\w+)://[^/\s\"]*"
    r"|\b(?P<scheme>fcgi|https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])(?::(?P<port>\d+))?",
    re.IGNORECASE,
)
# mod_proxy's port for a URL without one (apr_uri_port_of_scheme).
_DEFAULT_PORTS = {"http": "80", "https": "443", "fcgi": "8000", "ws": "80", "wss": "443"}


def apache_binary() -> str | None:
    return shutil.which("apache2") or next(
        (path for path in ("/usr/sbin/apache2", "/usr/sbin/httpd") if os.path.exists(path)), None
    )


def required_apache() -> str:
    """httpd's binary; CI fails without it, elsewhere the proofs are skipped."""
    binary = apache_binary()
    if binary is None or not MODULES.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("apache2 is required in CI: .ci/run installs the Debian package")
        pytest.skip("apache2 is not installed (apt-get install apache2): Apache proofs skipped")
    return binary


def server_root() -> Path:
    """A fresh folder for one rendered server. httpd's workers drop root for ``www-data``,
    who must read the files and write the cache: pytest's ``tmp_path`` is private to
    root, so the server's root is a folder of its own, open to read."""
    root = Path(tempfile.mkdtemp(prefix="authlint-httpd-"))
    root.chmod(0o755)
    return root


@cache
def directive_modules() -> dict[str, str]:
    """Each directive (``<location`` for a section), lower case, and the module that
    defines it (``headers``; built-in ones are left out), from authlint's table of
    httpd's own ``-L`` (checked against the installed httpd by its test)."""
    found = {}
    for key in apache_modules.directive_keys():
        known = apache_modules.directive(key)
        assert known is not None
        names = apache_modules.shared_object(known.module)
        if names is not None and (MODULES / names).exists():
            found[key] = names.removeprefix("mod_").removesuffix(".so")
    return found


def modules_for(nodes: list[ApacheNode]) -> list[str]:
    """The modules ``nodes`` need, in an order httpd can load them, the base first: those
    the fixture loads itself (``LoadModule``; its MPM instead of the base's), those its
    directives belong to, and what these need."""
    known = directive_modules()
    loaded = [
        Path(node.args[1]).stem.removeprefix("mod_")
        for node in nodes
        if node.key == "loadmodule" and len(node.args) > 1
    ]
    base = [m for m in BASE_MODULES if not (m.startswith("mpm_") and _loads_an_mpm(loaded))]
    wanted = [*base, *loaded]
    for node in nodes:
        key = f"<{node.key}" if node.children is not None else node.key
        if key in known:
            wanted.append(known[key])
        wanted += _argument_modules(node)
    ordered: list[str] = []

    def add(module: str) -> None:
        if module in ordered:
            return
        # A proxy_* module calls mod_proxy's functions: mod_proxy loads first.
        needed = _DEPENDS.get(module, ()) + (("proxy",) if module.startswith("proxy_") else ())
        for dependency in needed:
            add(dependency)
        ordered.append(module)

    for module in wanted:
        if (MODULES / f"mod_{module}.so").exists():
            add(module)
    return ordered


def _loads_an_mpm(modules: list[str]) -> bool:
    return any(m.startswith("mpm_") and (MODULES / f"mod_{m}.so").exists() for m in modules)


def _argument_modules(node: ApacheNode) -> list[str]:
    """Modules named by what a directive says rather than by its name: a proxy
    scheme, a Require provider, an auth or cache provider, a handler."""
    args = [arg.lower() for arg in node.args]
    found = [
        _SCHEME_MODULES[scheme]
        for arg in args
        for scheme in re.findall(r"(?:^|[|:\"])(\w+)://", arg)
        if scheme in _SCHEME_MODULES
    ]
    if node.key == "rewriterule" and re.search(r"\[([^\]]*,)?p(,|\])", " ".join(args)):
        found += ["proxy", "proxy_http"]
    if node.key == "require" and args:
        name = args[1] if args[0] == "not" and len(args) > 1 else args[0]
        found += [_REQUIRE_PROVIDERS[name]] if name in _REQUIRE_PROVIDERS else []
    if node.key == "authtype" and args:
        found += _AUTH_TYPES.get(args[0], [])
    if node.key in ("authbasicprovider", "authdigestprovider", "authformprovider"):
        found += [_AUTH_PROVIDERS[arg] for arg in args if arg in _AUTH_PROVIDERS]
    if node.key == "cacheenable" and args:
        found += [_CACHE_PROVIDERS.get(args[0], "cache")]
    if node.key in ("sethandler", "addhandler") and args and args[0] == "cgi-script":
        found.append("cgid")
    if node.key in ("scriptalias", "scriptaliasmatch"):
        found.append("cgid")
    return found


@dataclass
class ApacheRendered(Rendered):
    """A rendered httpd config: the root, the main config, ports and upstreams, the
    modules it loads, and where requested files go (document roots, aliases)."""

    modules: list[str] = field(default_factory=list)
    document_roots: list[Path] = field(default_factory=list)
    aliases: dict[str, Path] = field(default_factory=dict)

    def listen_addresses(self) -> list[str]:
        """Every address a ``Listen`` or a ``<VirtualHost>`` of the rendered config names."""
        addresses = []
        for path in self.prefix.rglob("*"):
            if not path.is_file() or not _is_config(path):
                continue
            for node, _ in _parse(path.read_text(), path):
                if node.key in ("listen", "virtualhost"):
                    addresses += node.args[:1] if node.key == "listen" else node.args
        return addresses

    def create(self, url_paths: list[str]) -> None:
        """Create the files requested at ``url_paths`` (those whose last segment names a
        file, ``/index.php``) where httpd maps them, so that a handler that needs a file
        (PHP through ``<FilesMatch>``) finds one; ``/users/5`` stays absent, for a front
        controller to rewrite."""
        for url_path in url_paths:
            path = url_path.split("?", 1)[0]
            if "." not in path.rsplit("/", 1)[-1]:
                continue
            alias = max((url for url in self.aliases if path.startswith(url)), key=len, default="")
            if alias:
                targets = [self.aliases[alias] / path[len(alias) :].lstrip("/")]
            else:
                targets = [root / path.lstrip("/") for root in self.document_roots]
            for target in targets:
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(f"file {url_path}\n")
        _open_to_workers(self.prefix)


def _open_to_workers(root: Path) -> None:
    """Let httpd's workers (``www-data`` when the tests run as root) read every file of
    ``root`` and write its cache folders."""
    for path in (root, *root.rglob("*")):
        if path.is_symlink():
            continue
        writable = path == root / "cache" or root / "cache" in path.parents
        path.chmod((0o777 if writable else 0o755) if path.is_dir() else 0o644)


def _is_htaccess(path: Path) -> bool:
    return "htaccess" in path.name.lower()


def _is_config(path: Path) -> bool:
    """A file httpd reads as configuration (others, a page or a script, are copied as they are)."""
    return _is_htaccess(path) or path.suffix in (".conf", ".load")


def _is_main(path: Path) -> bool:
    return path.name in ("apache2.conf", "httpd.conf")


# A node, and the arguments of the <IfModule> sections around it.
_Read = tuple[ApacheNode, tuple[str, ...]]


def _parse(text: str, path: Path) -> list[_Read]:
    """Every node of ``text``, sections before what they hold."""
    source = SourceFile(path.name, path, "apache")
    errors = parse_text(text, source)
    assert not errors, f"{path}: {errors[0].line}: {errors[0].message}"
    return _walk(source.nodes or [], ())


def _walk(nodes: list[Node], around: tuple[str, ...]) -> list[_Read]:
    found: list[_Read] = []
    for node in nodes:
        assert isinstance(node, ApacheNode)
        found.append((node, around))
        inside = (*around, node.args[0]) if node.key == "ifmodule" and node.args else around
        found += _walk(node.children or [], inside)
    return found


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(fixture: Path, prefix: Path, without: str | None = None) -> ApacheRendered:
    """Copy ``fixture`` into ``prefix`` ready to run; ``without`` drops the lines holding it.

    A folder holding a main config (``apache2.conf``, ``httpd.conf``) runs it, with its
    folder as ``ServerRoot``; otherwise the wrapper includes the fixture's top-level
    ``.conf`` files. A fixture of ``.htaccess`` files alone is the document root.
    """
    files = sorted(p for p in fixture.rglob("*") if p.is_file()) if fixture.is_dir() else [fixture]
    base = fixture if fixture.is_dir() else fixture.parent
    for folder in ("logs", "run", "cache", "htdocs"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    htaccess_only = not any(_is_config(file) and not _is_htaccess(file) for file in files)
    texts: dict[Path, str] = {}
    for file in files:
        # A fixture's markers (`  # [AL301]`) are no part of what a user writes.
        text = without_markers(file.read_text())
        if without is not None:
            text = "".join(line for line in text.splitlines(True) if without not in line)
        if not fixture.is_dir():
            target = prefix / ("htdocs/.htaccess" if _is_htaccess(file) else file.name)
        else:
            target = prefix / ("htdocs" if htaccess_only else ".") / file.relative_to(base)
        texts[target.resolve()] = text
    mains = sorted((target for target in texts if _is_main(target)), key=lambda p: len(p.parts))
    state = _RenderState(prefix.resolve(), mains[0].parent if mains else prefix.resolve())
    parsed = {target: _parse(text, target) for target, text in texts.items() if _is_config(target)}
    entries = mains[:1] or [
        target for target in parsed if target.parent == state.prefix or _is_htaccess(target)
    ]
    read = state.reachable(entries, parsed)
    read |= {target for target in parsed if _is_htaccess(target)}
    every = [item for target in parsed if target in read for item in parsed[target]]
    modules = modules_for([node for node, _ in every])
    heard = [node for node, around in every if _applies(around, modules)]
    for node in heard:
        state.reserve_listen(node)
    for target, text in texts.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if target in parsed:
            text = state.rewrite(text, [node for node, _ in parsed[target]])
        target.write_text(text)
    header = state.machine_lines(modules)
    if not any(node.key == "listen" for node in heard):
        # A virtual host or a snippet alone: the wrapper listens for it (on port 80's
        # stand-in when nothing names a port).
        ports = list(state.ports.values()) or [state.listen_port("80")]
        header += "".join(f"Listen {LOOPBACK}:{port}\n" for port in ports)
    if mains:
        body = f"Include {_quote(str(mains[0]))}\n"
    else:
        htdocs = _quote(str(state.prefix / "htdocs"))
        state.document_roots.insert(0, state.prefix / "htdocs")
        body = f"DocumentRoot {htdocs}\n<Directory {htdocs}>\n    AllowOverride All\n</Directory>\n"
        body += "".join(
            f"Include {_quote(str(target))}\n" for target in entries if not _is_htaccess(target)
        )
    main = state.prefix / "authlint-httpd.conf"
    main.write_text(header + body)
    _open_to_workers(state.prefix)
    return ApacheRendered(
        state.prefix,
        main,
        state.ports,
        state.upstreams,
        modules,
        state.document_roots,
        state.aliases,
    )


# Modules compiled into Debian's httpd: an <IfModule> naming them always holds.
_BUILT_IN = frozenset({"core", "so", "http", "log_config", "logio", "version", "unixd", "watchdog"})


def _applies(around: tuple[str, ...], modules: list[str]) -> bool:
    """Whether httpd reads a node inside the ``<IfModule>`` sections ``around`` with
    ``modules`` loaded (the other conditions are taken to hold)."""
    for condition in around:
        negated = condition.startswith("!")
        name = condition.lstrip("!").removesuffix(".c").removesuffix("_module")
        name = name.removeprefix("mod_")
        if (name in modules or name in _BUILT_IN) == negated:
            return False
    return True


class _RenderState:
    """What rendering a fixture decides as it goes: ports, upstreams, caches, roots."""

    def __init__(self, prefix: Path, root: Path) -> None:
        self.prefix = prefix
        # The fixture's ServerRoot: where its relative paths and /etc/apache2/ are.
        self.root = root
        self.ports: dict[str, int] = {}
        self.upstreams: dict[str, _Upstream] = {}
        self.caches = 0
        self.document_roots: list[Path] = []
        self.aliases: dict[str, Path] = {}

    def reachable(self, entries: list[Path], parsed: dict[Path, list[_Read]]) -> set[Path]:
        """The files httpd reads from ``entries``, following ``Include``s (globs and
        folders) among the fixture's own files."""
        seen: set[Path] = set()
        todo = list(entries)
        while todo:
            file = todo.pop()
            if file in seen or file not in parsed:
                continue
            seen.add(file)
            for node, _ in parsed[file]:
                if node.key in ("include", "includeoptional") and node.args:
                    # Matched among the fixture's files, not yet written.
                    pattern = self._path(node.args[0])
                    todo += [
                        target
                        for target in sorted(parsed)
                        if fnmatch.fnmatchcase(str(target), str(pattern))
                        or pattern in target.parents
                    ]
        return seen

    def reserve_listen(self, node: ApacheNode) -> None:
        """Give each port a fixture listens on its free port first, so that a proxy to a
        host of the same fixture reaches that host, not a recorder."""
        if node.key == "listen" and node.args:
            self.listen_port(node.args[0])
        elif node.key == "virtualhost":
            for address in node.args:
                self.listen_port(address)

    def listen_port(self, address: str) -> int:
        """The free port for a fixture's address (``*:443``, ``8080``; ``*`` is port 80)."""
        original = self._original_port(address)
        if original not in self.ports:
            self.ports[original] = free_port()
        return self.ports[original]

    @staticmethod
    def _original_port(address: str) -> str:
        tail = address.rsplit(":", 1)[-1]
        return tail if tail.isdigit() else "80"

    def _rendered_port(self, address: str) -> int:
        """The port a ``Listen`` or ``<VirtualHost>`` address is rendered with: its reserved
        one, or, where httpd does not read it (inside a false ``<IfModule>``), any port,
        which is then not waited for."""
        return self.ports.get(self._original_port(address)) or free_port()

    def machine_lines(self, modules: list[str]) -> str:
        """The main config's first lines: what ties httpd to a machine, inside the root."""
        prefix = self.prefix
        lines = [
            f"ServerRoot {_quote(str(self.root))}",
            f"PidFile {_quote(str(prefix / 'run' / 'httpd.pid'))}",
            f"DefaultRuntimeDir {_quote(str(prefix / 'run'))}",
            f"Mutex file:{prefix / 'run'} default",
            f"ErrorLog {_quote(str(prefix / 'logs' / 'error.log'))}",
            "LogLevel info",
            "ServerName localhost",
        ]
        if os.geteuid() == 0:
            # httpd refuses to serve as root; its workers become www-data (or nobody).
            user = next(name for name in ("www-data", "nobody") if _user_exists(name))
            lines += [f"User {user}", f"Group #{pwd.getpwnam(user).pw_gid}"]
        lines += [
            f"LoadModule {module}_module {MODULES / f'mod_{module}.so'}" for module in modules
        ]
        lines.append(f"CustomLog {_quote(str(prefix / 'logs' / 'access.log'))} common")
        # mod_mime would read its types from the root; no proof needs them.
        lines.append("TypesConfig /dev/null")
        return "\n".join(lines) + "\n"

    def rewrite(self, text: str, nodes: list[ApacheNode]) -> str:
        """``text`` with each node that ties it to a machine rewritten on its lines (the
        lines of a continued directive kept, empty, so that httpd's line numbers stay)."""
        lines = text.split("\n")
        for node in nodes:
            replacement = self._rewritten(node)
            if replacement is None:
                continue
            first, last = node.line - 1, node.httpd_line - 1
            indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
            lines[first] = indent + replacement
            for index in range(first + 1, last + 1):
                lines[index] = ""
        return "\n".join(lines)

    def _rewritten(self, node: ApacheNode) -> str | None:
        """The line that replaces ``node``'s (a section: its opening tag), or None to keep it."""
        key, args = node.key, node.args
        if key in _MACHINE or key.startswith("ssl"):
            # The wrapper sets these; SSL is dropped (a *:443 host is served in plain HTTP).
            return f"# {node.name}: set by the proof harness"
        if key == "listen" and args:
            return f"Listen {LOOPBACK}:{self._rendered_port(args[0])}"
        if key == "virtualhost":
            ports = dict.fromkeys(self._rendered_port(address) for address in args)
            return "<VirtualHost " + " ".join(f"{LOOPBACK}:{port}" for port in ports) + ">"
        if key in _UPSTREAM_DIRECTIVES and any("://" in arg or "unix:" in arg for arg in args):
            return self._line(node, [self._upstream_address(arg) for arg in args])
        if key == "authuserfile" and args:
            return self._line(node, [str(self._user_file(args[0]))])
        if key == "cacheroot" and args:
            self.caches += 1
            cache_root = self.prefix / "cache" / str(self.caches)
            cache_root.mkdir(parents=True, exist_ok=True)
            return self._line(node, [str(cache_root)])
        if key in _PATH_ARGUMENT and len(args) > _PATH_ARGUMENT[key]:
            index = _PATH_ARGUMENT[key]
            path = self._path(args[index])
            if key == "documentroot":
                self.document_roots.append(path)
            if key in ("alias", "scriptalias"):
                self.aliases[args[0]] = path
            if key in ("documentroot", "alias", "scriptalias", "directory"):
                path.mkdir(parents=True, exist_ok=True)
            return self._line(node, [*args[:index], str(path), *args[index + 1 :]])
        if key == "directorymatch" and args and args[0].startswith("^/"):
            return self._line(node, ["^" + re.escape(str(self.prefix)) + args[0][1:]])
        return None

    def _line(self, node: ApacheNode, args: list[str]) -> str:
        words = " ".join(_quote(arg) for arg in args)
        return f"<{node.name} {words}>" if node.children is not None else f"{node.name} {words}"

    def _path(self, written: str) -> Path:
        """A path of the fixture as a path in the root: ``/etc/apache2/`` (``/etc/httpd/``)
        is the fixture's ServerRoot, another absolute path the same path below the root,
        a relative one relative to the ServerRoot."""
        for server_root in ("/etc/apache2/", "/etc/httpd/"):
            if written.startswith(server_root):
                return self.root / written[len(server_root) :]
        if written.startswith("/"):
            return self.prefix / written.lstrip("/")
        return self.root / written

    def _upstream_address(self, arg: str) -> str:
        def replace(match: re.Match[str]) -> str:
            if match.group("socket"):
                return self._upstream(f"unix:{match['socket']}", match["socket_scheme"].lower())
            scheme = match["scheme"].lower()
            return self._upstream(match["port"] or _DEFAULT_PORTS.get(scheme, "80"), scheme)

        return _UPSTREAM.sub(replace, arg)

    def _upstream(self, label: str, scheme: str) -> str:
        fastcgi = scheme == "fcgi"
        # The recorders speak plain HTTP: a TLS upstream is reached without TLS.
        scheme = {"https": "http", "wss": "ws"}.get(scheme, scheme)
        if label in self.ports:
            return f"{scheme}://{LOOPBACK}:{self.ports[label]}"
        if label not in self.upstreams:
            self.upstreams[label] = (FastCgiRecorder if fastcgi else Recorder)(label)
        return f"{scheme}://{LOOPBACK}:{self.upstreams[label].port}"

    def _user_file(self, written: str) -> Path:
        """The user file a fixture names, where it names it (a file inside the document
        root is served as httpd would serve it): ``htpasswd.<user>`` lists that user alone,
        any other name every user; passwords as ``{SHA}``, which httpd reads everywhere."""
        user = Path(written).name.removeprefix("htpasswd.")
        users = {user: USERS[user]} if user in USERS else USERS
        path = self._path(written)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "".join(
                f"{name}:{{SHA}}{base64.b64encode(hashlib.sha1(pw.encode()).digest()).decode()}\n"
                for name, pw in users.items()
            )
        )
        return path


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


# --- running httpd -----------------------------------------------------------------------


def syntax_check(binary: str, rendered: Rendered) -> subprocess.CompletedProcess[str]:
    """``apache2 -t`` on the rendered config."""
    return subprocess.run(
        [binary, "-f", str(rendered.main), "-t"],
        capture_output=True,
        text=True,
        timeout=30,
        env=_environment(rendered),
    )


def _environment(rendered: Rendered) -> dict[str, str]:
    """Debian's apache2.conf reads ``${APACHE_RUN_DIR}`` and its kin from the environment
    (apachectl sets them from /etc/apache2/envvars): here they point into the root."""
    run, logs = str(rendered.prefix / "run"), str(rendered.prefix / "logs")
    return {
        **os.environ,
        "APACHE_RUN_DIR": run,
        "APACHE_LOCK_DIR": run,
        "APACHE_PID_FILE": str(rendered.prefix / "run" / "httpd.pid"),
        "APACHE_LOG_DIR": logs,
    }


class Httpd:
    """httpd in the foreground, its own process group, stopped by its PID."""

    def __init__(self, binary: str, rendered: ApacheRendered) -> None:
        self.binary = binary
        self.rendered = rendered
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Httpd:
        checked = syntax_check(self.binary, self.rendered)
        if checked.returncode != 0:
            raise RuntimeError(f"apache2 -t refuses the rendered fixture:\n{checked.stderr}")
        for upstream in self.rendered.upstreams.values():
            upstream.start()
        with (self.rendered.prefix / "logs" / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [self.binary, "-f", str(self.rendered.main), "-D", "FOREGROUND"],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=_environment(self.rendered),
                start_new_session=True,
            )
        _RUNNING.add(self.process)
        await_ports("httpd", self.process, self.rendered, self.stop)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """SIGTERM to httpd's parent, which stops its children and waits for them; then
        whatever is left of its process group is killed."""
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None:
            _RUNNING.discard(process)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        for upstream in self.rendered.upstreams.values():
            upstream.stop()

    def log(self) -> str:
        return server_log(self.rendered)
