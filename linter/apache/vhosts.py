"""httpd's virtual hosts by the address a connection reaches, and the default of each.

httpd matches a connection on the local IP address and port it reached: the
virtual hosts written with that exact address first; only where none is,
those of the wildcard address of the port (``*``, ``_default_``, ``0.0.0.0``
and ``[::]`` are one address); then those of ``*:*`` (``<VirtualHost *>``);
and with none of these, the main server. Among the hosts of the address
matched, ``ServerName`` and ``ServerAlias`` choose by ``Host``, and the first
one written is the address's default (httpd's ``vhosts/details.html``; seen
on httpd 2.4.71 with ``apache2 -S`` and requests to 127.0.0.1 and 127.0.0.2).

That default reads every request of the connection: httpd reads its request
line and header lines under the default's limits before it knows the
``Host``, whichever header comes first, over TLS too (SNI does not change it)
and over h2c (seen on httpd 2.4.71).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlint.apache.config import conditions_of
from authlint.model.scope import ScopeRole

if TYPE_CHECKING:
    from authlint.model.scope import Scope

_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_WILDCARDS = frozenset({"*", "_default_", "0.0.0.0", "[::]"})
_ANY_PORT = "*"


@dataclass(frozen=True, slots=True)
class AddressGroup:
    """The virtual hosts of one address (``*:80``, ``10.0.0.5:80``), in the config's order.

    ``default`` is ``None`` when it cannot be known: an unread file could add a
    host, a host is read under a condition the config does not decide, or a
    host names its address by a name httpd resolves at start.
    """

    address: str
    hosts: tuple[Scope, ...]
    default: Scope | None


def address(written: str) -> str | None:
    """A ``<VirtualHost>`` address as httpd matches it (``*:80``, ``10.0.0.5:80``,
    ``[::1]:443``, ``*:*`` for a port left out); ``None`` for a host name httpd
    resolves at start."""
    host, port = written, _ANY_PORT
    if written.startswith("["):
        inside, _, rest = written.partition("]")
        host, port = f"{inside}]", rest.removeprefix(":") or _ANY_PORT
    elif ":" in written:
        host, _, port = written.rpartition(":")
    if port != _ANY_PORT and not port.isdigit():
        return None
    if host.lower() in _WILDCARDS:
        return f"*:{port}"
    if host.startswith("[") or _IPV4.fullmatch(host):
        return f"{host}:{port}"
    return None


def address_groups(root: Scope) -> dict[Scope, tuple[AddressGroup, ...]] | None:
    """The addresses each virtual host of a server is matched on, each with its hosts and
    default; ``None`` when what was read is not a whole server (no ``Listen``: a virtual
    host file read alone, whose server may hold other hosts before it)."""
    if "listen" not in root.own:
        return None
    members: dict[str, list[Scope]] = {}
    undecided: set[str] = set()
    # Ports where a host name is resolved to some address: any exact address of
    # the port may gain a host.
    resolved_ports: set[str] = set()
    for host in root.children:
        if host.role is not ScopeRole.HOST or host.node is None:
            continue
        for written in host.node.args:
            key = address(written)
            if key is None:
                resolved_ports.add(written.rpartition(":")[2] if ":" in written else _ANY_PORT)
                continue
            group = members.setdefault(key, [])
            # Hosts come in order: one that names an address twice is its last.
            if not group or group[-1] is not host:
                group.append(host)
            if conditions_of(host.node):
                undecided.add(key)
    everything_unknown = bool(root.unread)
    by_host: dict[Scope, list[AddressGroup]] = {}
    for key, hosts in members.items():
        known = (
            not everything_unknown
            and key not in undecided
            and not _may_gain(key, members, resolved_ports)
        )
        listed = AddressGroup(key, tuple(hosts), hosts[0] if known else None)
        for host in hosts:
            by_host.setdefault(host, []).append(listed)
    return {host: tuple(groups) for host, groups in by_host.items()}


def _may_gain(key: str, members: dict[str, list[Scope]], resolved_ports: set[str]) -> bool:
    """Whether an exact address's connections may go to hosts not listed under it: a host
    name that may resolve to it, or the same address written with any port (which of
    the two httpd prefers is not shown here)."""
    host, _, port = key.rpartition(":")
    if host == "*":
        return False
    if port == _ANY_PORT:
        return bool(resolved_ports) or any(
            other != key and other.rpartition(":")[0] == host for other in members
        )
    return bool({port, _ANY_PORT} & resolved_ports) or f"{host}:{_ANY_PORT}" in members
