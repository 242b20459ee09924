"""The listen addresses of an nginx ``http`` and the default server of each.

nginx groups its servers by the exact address and port they listen on
(``80``, ``*:80`` and ``0.0.0.0:80`` are one; ``127.0.0.1:80`` and ``[::]:80``
are others). A connection to an address is served by that address's group
only, even when nginx binds the wildcard alone: it asks the socket which
local address was reached (``ngx_http_init_connection``). The group's default
server is the one whose ``listen`` says ``default_server`` (or ``default``),
else the first in the config's order. Before the ``Host`` header picks a
server, the request is read with the default server's settings; on a TLS
address, the server named by SNI takes its place at the handshake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from authlint.nginx import blocks

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node
    from authlint.nginx.settings import NginxSettings

# A server without ``listen`` listens on ``*:80`` when nginx runs as root, on
# ``*:8000`` otherwise: which one is not in the config.
_IMPLIED = ("*:80", "*:8000")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_PORT = re.compile(r"\d+")
_DEFAULT_FLAGS = ("default_server", "default")


def is_default_listen(listen: Node) -> bool:
    """``listen ... default_server`` (or its old spelling, ``default``)."""
    return any(flag in listen.args for flag in _DEFAULT_FLAGS)


@dataclass(frozen=True, slots=True)
class ListenGroup:
    """The servers that listen on one address, in the config's order.

    ``default`` is ``None`` when it cannot be known: an unread file could add
    a server or a ``listen``, or a listen names a host to resolve. ``tls``:
    the address speaks TLS, so the server SNI names reads the request.
    """

    address: str
    servers: tuple[Scope, ...]
    default: Scope | None
    tls: bool


def address(written: str) -> str | None:
    """A ``listen`` address as nginx groups it (``*:80``, ``127.0.0.1:8080``, ``[::]:443``,
    ``unix:/run/app.sock``); ``None`` for a host name nginx resolves at start."""
    if written.startswith("unix:"):
        return written
    if _PORT.fullmatch(written):
        return f"*:{written}"
    host, port = written, "80"
    if written.startswith("["):
        inside, _, rest = written.partition("]")
        host, port = f"{inside}]", rest.removeprefix(":") or port
    elif ":" in written:
        host, _, port = written.rpartition(":")
    if not _PORT.fullmatch(port):
        return None
    if host in ("*", "0.0.0.0"):
        return f"*:{port}"
    if host.startswith("[") or _IPV4.fullmatch(host):
        return f"{host}:{port}"
    return None


def listen_groups(http: Scope) -> dict[Scope, tuple[ListenGroup, ...]]:
    """The addresses each server of ``http`` listens on, each with its servers and
    default (QUIC ones apart)."""
    members: dict[str, list[Scope]] = {}
    defaults: dict[str, Scope] = {}
    tls: set[str] = set()
    unknown_ports: set[str] = set()
    # An unread file that may add a server, or a listen to a server, may add
    # one to any address, or take its default.
    everything_unknown = http.may_set(blocks.SERVER)
    # nginx allows `server` in `http` only: the servers are its children.
    for server in http.children:
        listens = server.own.get("listen", ())
        if server.may_set("listen"):
            everything_unknown = True
        if not listens:
            unknown_ports.update(_IMPLIED)
        for listen in listens:
            key = address(listen.arg(0))
            if key is None:
                # A host name: its addresses, and the groups it joins, are nginx's to resolve.
                written = listen.arg(0)
                unknown_ports.add(f"*:{written.rpartition(':')[2] if ':' in written else '80'}")
                continue
            if "quic" in listen.args:
                key = f"{key} quic"
                tls.add(key)
            if "ssl" in listen.args:
                tls.add(key)
            group = members.setdefault(key, [])
            # Servers come in order: one listed twice on an address is the last one.
            if not group or group[-1] is not server:
                group.append(server)
            if is_default_listen(listen):
                defaults.setdefault(key, server)
    by_server: dict[Scope, list[ListenGroup]] = {}
    for key, servers in members.items():
        port = "*:" + key.split()[0].rpartition(":")[2]
        known = not everything_unknown and port not in unknown_ports
        default = defaults.get(key, servers[0]) if known else None
        listened = ListenGroup(key, tuple(servers), default, key in tls)
        for server in servers:
            by_server.setdefault(server, []).append(listened)
    return {server: tuple(groups) for server, groups in by_server.items()}


def server_groups(server: Scope) -> tuple[ListenGroup, ...] | None:
    """The addresses ``server`` listens on; ``None`` when its ``http`` is not in the
    files read (a snippet linted alone: which server is a default is unknown)."""
    http = server.enclosing(blocks.HTTP)
    # A file read alone has an implied http around it, with no line of its own.
    if http is None or http.node is None:
        return None
    return cast("NginxSettings", http.settings).listen_groups.get(server, ())
