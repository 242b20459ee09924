"""``.htaccess`` files where httpd reads them: in the folder a virtual host serves, under
the ``AllowOverride`` in effect there.

A file of the tree is placed in a host's ``DocumentRoot`` (or a ``<Directory>``
it writes) when the tree holds that folder: at its own path (the tree is a
copy of ``/``), or where the tree's path ends with the folder's last two names at least
(``srv/app/public`` for ``/var/www/app/public``). httpd reads it only where
``AllowOverride`` (in the ``<Directory>`` sections of that folder, the
deepest one winning; ``None`` by default) or ``AllowOverrideList`` lets it:
with neither, the file is not read at all, and a directive of a class they
do not allow makes httpd answer 500 to every request below that folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from authlint.apache import scopes
from authlint.apache.modules import directive
from authlint.apache.parser import ApacheNode
from authlint.model.scope import Scope, ScopeRole

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.tree import Node

# The classes `AllowOverride All` stands for.
_ALL = frozenset({"AuthConfig", "FileInfo", "Indexes", "Limit", "Options"})
# The fewest trailing names a tree folder must share with a served folder.
_SHARED_NAMES = 2


@dataclass(frozen=True)
class Overrides:
    """What ``.htaccess`` files may set in a folder: the ``AllowOverride`` classes, the
    directives ``AllowOverrideList`` names (lower case), and the nodes that say so
    (``None``: httpd's default, ``None``)."""

    classes: frozenset[str]
    listed: frozenset[str]
    origin: Node | None
    list_origin: Node | None

    @property
    def reads(self) -> bool:
        """Whether httpd reads ``.htaccess`` files here at all."""
        return bool(self.classes or self.listed)

    def allows(self, key: str) -> bool | None:
        """Whether a directive (``<section`` for a section) may be set here (``None``: a
        module httpd's packages do not ship, which authlint cannot judge)."""
        if key.lstrip("<") in self.listed:
            return True
        known = directive(key)
        if known is None:
            return None
        if known.overrides is None:
            return False
        return bool(self.classes) and (not known.overrides or bool(known.overrides & self.classes))

    def describe(self) -> str:
        """The setting in force, as a message quotes it."""
        if self.origin is None:
            return "`AllowOverride None` (httpd's default)"
        return f"`AllowOverride {' '.join(self.origin.args)}` ({self.origin.where})"


@dataclass(frozen=True)
class Placement:
    """Where httpd reads an ``.htaccess`` file: the host, the folder on the server, and
    what may be set there."""

    host: Scope
    folder: str
    overrides: Overrides


# How a file found with no server configuration is read.
ALL_OVERRIDES = Overrides(_ALL, frozenset(), None, None)


def placements(tree_folder: PurePosixPath, roots: list[Scope]) -> list[Placement]:
    """Every host whose served folders hold ``tree_folder`` (relative to the scanned tree's
    top), and where: the deepest served folder that maps onto it, for each host."""
    found = []
    for root in roots:
        for host in (root, *(child for child in root.children if child.role is ScopeRole.HOST)):
            folder = max(
                (
                    mapped
                    for served in _served_folders(host)
                    if (mapped := _on_server(tree_folder, served)) is not None
                ),
                key=len,
                default=None,
            )
            if folder is not None:
                found.append(Placement(host, folder, overrides_at(host, folder)))
    return found


def _served_folders(host: Scope) -> Iterator[str]:
    """The folders a host serves files from, as its configuration names them."""
    levels = [host] if host.role is ScopeRole.ROOT else [host, host.parent]
    for level in levels:
        if level is None:
            continue
        for node in level.own.get("documentroot", ()):
            if node.args:
                yield node.args[0].rstrip("/") or "/"
        for section in level.children:
            if section.kind == "directory" and section.node is not None:
                path = section.node.arg(0)
                if path.startswith("/") and not any(char in path for char in "*?[~"):
                    yield path.rstrip("/") or "/"


def _on_server(tree_folder: PurePosixPath, served: str) -> str | None:
    """The folder on the server that ``tree_folder`` is, where it lies in the copy of
    ``served`` the tree holds (``None``: it does not)."""
    served_parts = PurePosixPath(served).parts[1:]
    parts = tree_folder.parts
    if not served_parts:
        # `<Directory />` holds every folder of every tree: it places nothing.
        return None
    # The tree as a copy of /: the served folder at its own path.
    if parts[: len(served_parts)] == served_parts:
        return "/" + "/".join(parts)
    shared = min(len(served_parts), _SHARED_NAMES)
    if shared < 1 or len(served_parts) < _SHARED_NAMES:
        return None
    tail = served_parts[-shared:]
    for end in range(len(parts), shared - 1, -1):
        if parts[end - shared : end] == tail:
            return "/" + "/".join((*served_parts, *parts[end:]))
    return None


def overrides_at(host: Scope, folder: str) -> Overrides:
    """``AllowOverride`` and ``AllowOverrideList`` in effect for ``.htaccess`` files of
    ``folder``: the deepest ``<Directory>`` of the main server or the host that sets each."""
    sections = [
        section
        for level in ((host,) if host.role is ScopeRole.ROOT else (host.parent, host))
        if level is not None
        for section in level.children
        if section.kind == "directory" and section.node is not None and section.node.arg(0) != "~"
    ]
    applying = sorted(
        (section for section in sections if scopes.folder_applies(section, folder + "/")),
        key=lambda section: scopes.depth_of(section),
    )
    classes: frozenset[str] = frozenset()
    listed: frozenset[str] = frozenset()
    origin = list_origin = None
    for section in applying:
        for node in section.own.get("allowoverride", ()):
            origin = node
            classes = _classes(node.args)
        for node in section.own.get("allowoverridelist", ()):
            list_origin = node
            names = [arg.lower() for arg in node.args]
            listed = frozenset() if names == ["none"] else frozenset(names)
    return Overrides(classes, listed, origin, list_origin)


def _classes(args: list[str]) -> frozenset[str]:
    found: set[str] = set()
    for arg in args:
        name = arg.split("=", 1)[0]
        if name.lower() == "all":
            found |= _ALL
        elif name.lower() != "none":
            found.add(name)
    return frozenset(found)


def refused(nodes: list[Node], overrides: Overrides) -> ApacheNode | None:
    """The first directive of an ``.htaccess`` file that ``overrides`` do not allow."""
    for node in nodes:
        assert isinstance(node, ApacheNode)
        key = f"<{node.key}" if node.children is not None else node.key
        if overrides.allows(key) is False:
            return node
        if node.children:
            inner = refused(node.children, overrides)
            if inner is not None:
                return inner
    return None


def add_scope(placement: Placement, nodes: list[Node], file_node: ApacheNode) -> Scope:
    """The scope of an ``.htaccess`` file placed in a host's folder."""
    node = ApacheNode(
        scopes.HTACCESS,
        [placement.folder],
        [],
        file_node.file,
        file_node.line,
        file_node.httpd_line,
    )
    return scopes.htaccess_scope(placement.host, node, nodes)
