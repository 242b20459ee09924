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
from typing import TYPE_CHECKING, cast

from authlint.apache import scopes
from authlint.apache.modules import directive
from authlint.apache.parser import ApacheNode
from authlint.model.scope import Scope, ScopeRole

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from authlint.apache.settings import ApacheSettings
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


def directory_sections(host: Scope) -> list[Scope]:
    """The ``<Directory>`` sections (not their regex form) of the main server and a host,
    once settings are attached (each level's route sections are listed once, not once per
    request: a server of a thousand hosts would be read for each)."""
    levels = (host,) if host.role is ScopeRole.ROOT else (host.parent, host)
    return [
        section
        for level in levels
        if level is not None
        for section in cast("ApacheSettings", level.settings).route_sections
        if _plain_directory(section)
    ]


def _own_folders(level: Scope) -> list[Scope]:
    """The ``<Directory>`` sections (not their regex form) written at one level."""
    return [section for section in level.children if _plain_directory(section)]


def _plain_directory(section: Scope) -> bool:
    return section.kind == "directory" and section.node is not None and section.node.arg(0) != "~"


class ServedFolders:
    """The folders the hosts of some configurations serve, indexed for placing a tree's
    ``.htaccess`` files in them: by their whole path (the tree as a copy of ``/``) and by
    their last two names, so that each file costs a look-up per folder level."""

    def __init__(self, roots: list[Scope]) -> None:
        self._hosts: list[Scope] = []
        # Each host's <Directory> sections, the main server's listed once for all.
        self._directories: list[list[Scope]] = []
        self._by_path: dict[tuple[str, ...], list[tuple[int, tuple[str, ...]]]] = {}
        self._by_tail: dict[tuple[str, ...], list[tuple[int, tuple[str, ...]]]] = {}
        for root in roots:
            main = _own_folders(root)
            for host in (root, *(c for c in root.children if c.role is ScopeRole.HOST)):
                number = len(self._hosts)
                self._hosts.append(host)
                self._directories.append(main if host is root else main + _own_folders(host))
                for served in _served_folders(host):
                    parts = PurePosixPath(served).parts[1:]
                    # `<Directory />` holds every folder of every tree: it places nothing.
                    if parts:
                        self._by_path.setdefault(parts, []).append((number, parts))
                    if len(parts) >= _SHARED_NAMES:
                        tail = parts[-_SHARED_NAMES:]
                        self._by_tail.setdefault(tail, []).append((number, parts))

    def placements(
        self, tree_folder: PurePosixPath, on_server: Sequence[PurePosixPath] = ()
    ) -> list[Placement]:
        """Every host whose served folders hold ``tree_folder`` (relative to the scanned
        tree's top), and where: the deepest folder on the server it maps onto, per host.
        ``on_server`` are where the command line says the folder is on the server."""
        parts = tree_folder.parts
        found: dict[int, str] = {}

        def offer(number: int, folder: str) -> None:
            if len(folder) > len(found.get(number, "")):
                found[number] = folder

        for whole in (parts, *(path.parts[1:] for path in on_server)):
            for end in range(1, len(whole) + 1):
                for number, _ in self._by_path.get(whole[:end], ()):
                    offer(number, "/" + "/".join(whole))
        seen: set[tuple[int, tuple[str, ...]]] = set()
        for end in range(len(parts), _SHARED_NAMES - 1, -1):
            for number, served in self._by_tail.get(parts[end - _SHARED_NAMES : end], ()):
                # The deepest place the tree holds the folder, for each folder.
                if (number, served) not in seen:
                    seen.add((number, served))
                    offer(number, "/" + "/".join((*served, *parts[end:])))
        return [
            Placement(
                self._hosts[number],
                folder,
                overrides_at(self._hosts[number], folder, self._directories[number]),
            )
            for number, folder in sorted(found.items())
        ]


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
    for _, folder in scopes.aliases(host):
        if folder.startswith("/"):
            yield folder.rstrip("/") or "/"


def overrides_at(host: Scope, folder: str, directories: list[Scope] | None = None) -> Overrides:
    """``AllowOverride`` and ``AllowOverrideList`` in effect for ``.htaccess`` files of
    ``folder``: the deepest ``<Directory>`` of the main server or the host that sets each
    (``directories``: those sections, where the caller has listed them)."""
    sections = directories if directories is not None else directory_sections(host)
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
