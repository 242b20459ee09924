"""httpd's configuration as the model's scopes, and the sections that merge for a request.

The scope tree follows the configuration as written: the server (its main
level), each ``<VirtualHost>``, each section a request's path or file
selects (``<Directory>``, ``<Files>``, ``<Location>``, ``<Proxy>``, an
``.htaccess`` file, and their ``Match`` forms) and, inside them, the
sections that apply to some requests only (``<If>``, ``<Limit>``).

httpd does not merge along that tree. For one request it merges, in this
order: the main server's directives, then the virtual host's; the
``<Directory>`` sections of the file's folders, shortest path first, each
folder's ``.htaccess`` after its sections; ``<DirectoryMatch>``; ``<Files>``
and ``<FilesMatch>``; ``<Location>`` and ``<LocationMatch>``; ``<If>``
(semantics.md §4.1; httpd's ``sections.html``). A proxied request has
``<Proxy>`` sections in place of the folders'. Each scope is given the
request it stands for (its own path, or a file its pattern matches), and
:func:`merge_chain` lists the scopes whose directives merge for it.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlint.apache import regex, rewrite
from authlint.apache.parser import ApacheNode
from authlint.model.scope import Scope, ScopeRole, UnreadInclude

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from authlint.model.tree import Node

FORMAT = "apache"
SERVER = "server"
VIRTUAL_HOST = "virtualhost"
HTACCESS = ".htaccess"
# Sections that a request's path, file or proxied URL selects, by key.
_FOLDER = frozenset({"directory", "directorymatch"})
_FILES = frozenset({"files", "filesmatch"})
_LOCATION = frozenset({"location", "locationmatch"})
_PROXY = frozenset({"proxy", "proxymatch"})
ROUTES = _FOLDER | _FILES | _LOCATION | _PROXY
# Sections that apply to some requests only, inside a route or host.
CONDITIONS = frozenset({"if", "elseif", "else", "limit", "limitexcept"})
_UNREAD = frozenset({"include", "includeoptional", "use"})
# Where httpd's packages serve files from when no DocumentRoot is written.
DEFAULT_DOCUMENT_ROOT = "/var/www/html"


@dataclass(frozen=True, slots=True)
class Request:
    """The request a scope stands for: its URL path (``None``: none is known to reach
    it), the file it maps to (``None``: it maps to none), and whether it is proxied."""

    url: str | None
    file: str | None
    proxied: bool = False


def build(nodes: list[Node], root_label_node: ApacheNode | None = None) -> Scope:
    """The scope tree of one expanded configuration."""
    root = Scope(FORMAT, SERVER, ScopeRole.ROOT, root_label_node, None)
    _populate(root, nodes)
    return root


def _populate(scope: Scope, nodes: list[Node]) -> None:
    for node in nodes:
        assert isinstance(node, ApacheNode)
        key = node.key
        child: Scope | None = None
        if node.children is not None:
            if key == VIRTUAL_HOST and scope.role is ScopeRole.ROOT:
                child = Scope(FORMAT, VIRTUAL_HOST, ScopeRole.HOST, node, scope)
            elif key in ROUTES:
                child = Scope(FORMAT, key, ScopeRole.ROUTE, node, scope)
            elif key in CONDITIONS and scope.role is not ScopeRole.ROOT:
                child = Scope(FORMAT, key, ScopeRole.CONDITION, node, scope)
        elif key in _UNREAD:
            # Left in the tree by the expansion: an include or macro not read.
            scope.unread.append(UnreadInclude(node))
            continue
        if child is not None:
            assert node.children is not None
            _populate(child, node.children)
            if key == VIRTUAL_HOST:
                child.hosts = tuple(
                    arg
                    for name in ("servername", "serveralias")
                    for entry in child.own.get(name, [])
                    for arg in entry.args
                )
            continue
        scope.add(node, key)


def host_of(scope: Scope) -> Scope:
    """The virtual host a scope belongs to, or the server for its main level."""
    found = scope.enclosing(VIRTUAL_HOST)
    return found if found is not None else _root(scope)


def _root(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def document_root(host: Scope) -> str | None:
    """The folder a host serves files from, as written (the main server's where the
    host writes none)."""
    return written_document_root(host) or DEFAULT_DOCUMENT_ROOT


def written_document_root(host: Scope) -> str | None:
    """The host's ``DocumentRoot``, or the main server's, where the files read write one
    (``None``: httpd's packages' default applies, or a file not read sets it)."""
    for level in (host, _root(host)):
        written = level.own.get("documentroot")
        if written and written[-1].args:
            return written[-1].args[0].rstrip("/") or "/"
    return None


def request_of(scope: Scope) -> Request:
    """The request a scope stands for."""
    if scope.role is ScopeRole.CONDITION and scope.parent is not None:
        return request_of(scope.parent)
    if scope.role is not ScopeRole.ROUTE or scope.node is None:
        root = document_root(host_of(scope))
        return Request("/", f"{root}/" if root else None)
    key = scope.kind
    pattern = _pattern(scope.node)
    host = host_of(scope)
    root = document_root(host)
    if key == HTACCESS or key in _FOLDER:
        folder = pattern if key != "directorymatch" and not _is_regex(scope.node) else None
        if folder is None or _has_wildcard(folder):
            folder = _sample_path(pattern, scope.node) or folder
        if folder is None:
            return Request(None, None)
        folder = folder.rstrip("/") or "/"
        return Request(_url_of(folder + "/", root, host), folder + "/")
    if key in _FILES:
        name = _sample_name(scope.node)
        parent = request_of(scope.parent) if scope.parent is not None else None
        folder = parent.file if parent is not None and parent.file else f"{root}/"
        if name is None:
            # The folder is known even where no file name could be drawn.
            return Request(
                None, folder if folder.endswith("/") else posixpath.dirname(folder) + "/"
            )
        file = posixpath.join(folder if folder.endswith("/") else posixpath.dirname(folder), name)
        return Request(_url_of(file, root, host), file)
    if key in _LOCATION:
        url = pattern if key == "location" and not _is_regex(scope.node) else None
        if url is None:
            url = _sample_path(pattern, scope.node)
        if url is None:
            return Request(None, None)
        return Request(url, _file_of(url, root, host), proxied=False)
    return Request(_proxied_url(scope), None, proxied=True)


def _proxied_url(section: Scope) -> str | None:
    """A URL path whose request mod_proxy sends through a ``<Proxy>`` section: a
    ``ProxyPass`` (server-context, or in a ``<Location>``) whose backend it matches, or
    one below it (``None``: none is written)."""
    assert section.node is not None
    host = host_of(section)
    pattern = _pattern(section.node)
    below = not _is_regex(section.node) and not _has_wildcard(pattern)
    for path, backend in _proxy_passes(host):
        if _proxy_applies(section, backend):
            return path
        if below and pattern.startswith(backend):
            return path + pattern[len(backend) :]
    return None


def _proxy_passes(host: Scope) -> Iterator[tuple[str, str]]:
    """The plain ``ProxyPass`` mappings a host's requests meet: URL path and backend."""
    levels = [host] if host.parent is None else [host.parent, host]
    for level in levels:
        for node in level.directives:
            if node.name.lower() == "proxypass" and len(node.args) >= 2 and node.args[1] != "!":
                yield node.args[0], node.args[1]
        for section in level.children:
            if section.kind == "location" and section.node and not _is_regex(section.node):
                for node in section.directives:
                    if node.name.lower() == "proxypass" and node.args and "://" in node.args[0]:
                        yield _pattern(section.node), node.args[0]


def merge_chain(scope: Scope, sections_of: Callable[[Scope], list[Scope]]) -> tuple[Scope, ...]:
    """The scopes whose directives httpd merges, in its order, for the request ``scope``
    stands for; ``scope`` and the sections it sits in among them. ``sections_of`` lists a
    server's or host's route sections (kept by their settings, so that a thousand hosts
    are listed once, not once per request)."""
    chain, _ = request_chain(host_of(scope), request_of(scope), sections_of)
    # The scope itself and the sections it sits in, where the request drawn for it
    # missed them (a pattern authlint could not draw a request for).
    for level in reversed([scope, *scope.ancestors()]):
        if level not in chain:
            chain.append(level)
    return tuple(chain)


def request_chain(
    host: Scope, request: Request, sections_of: Callable[[Scope], list[Scope]]
) -> tuple[list[Scope], bool]:
    """The scopes httpd merges, in its order, for ``request`` to ``host`` (the main
    server, the host, the sections its file and URL select), and whether mod_proxy
    passes it on (then no folder's sections apply)."""
    root = _root(host)
    chain: list[Scope] = [root] if host is root else [root, host]
    sections = [*sections_of(root), *([] if host is root else sections_of(host))]
    locations = (
        []
        if request.url is None
        else [
            section
            for section in sections
            if section.kind in _LOCATION and _location_applies(section, request.url)
        ]
    )
    passed = _passed_to(request.url, host, chain, locations)
    proxied = request.proxied or passed is not None
    if proxied:
        # mod_proxy maps the request to its backend's URL: the <Proxy> sections that
        # URL matches merge where the folders' would.
        target = passed.target if passed is not None else None
        chain += [
            section
            for section in sections
            if section.kind in _PROXY and _proxy_applies(section, target or "")
        ]
    elif request.file is not None:
        chain += _file_sections(sections, request.file)
    chain += locations
    return chain, proxied


def _file_sections(sections: list[Scope], file: str) -> list[Scope]:
    """The sections a request mapped to ``file`` merges, in httpd's order: folders
    shortest first (each folder's ``.htaccess`` after its sections), ``DirectoryMatch``,
    then ``Files`` (those written in the folders' sections after the others)."""
    folder = file if file.endswith("/") else posixpath.dirname(file)
    name = "" if file.endswith("/") else posixpath.basename(file)
    folders: list[tuple[int, int, Scope]] = []
    matches: list[Scope] = []
    files: list[Scope] = []
    for section in sections:
        node = section.node
        if node is None:
            continue
        if section.kind in ("directory", HTACCESS) and folder_applies(section, folder):
            folders.append((_depth(_pattern(node)), 1 if section.kind == HTACCESS else 0, section))
        elif section.kind == "directorymatch" and _regex_search(node, folder):
            matches.append(section)
        elif section.kind in _FILES and name and _file_applies(section, name):
            files.append(section)
    folders.sort(key=lambda item: (item[0], item[1]))
    applied = [section for _, _, section in folders] + matches
    for section in applied:
        files.extend(
            child
            for child in section.children
            if child.kind in _FILES and name and _file_applies(child, name)
        )
    return applied + files


@dataclass(frozen=True, slots=True)
class _Pass:
    """A request mod_proxy takes: the backend URL it sends it to (``None``: one
    authlint cannot spell out)."""

    target: str | None


def _passed_to(
    url: str | None, host: Scope, levels: list[Scope], locations: list[Scope]
) -> _Pass | None:
    """Whether mod_proxy takes the request for ``url``, and to where; then it maps to no
    file, and no folder's sections apply. mod_rewrite maps the URL first (a server-context
    ``RewriteRule [P]`` that runs), then the ``ProxyPass`` of the last ``<Location>`` that
    has one, then the first server-context ``ProxyPass`` that matches (``!`` keeps the
    path local); all seen on httpd 2.4."""
    if url is None:
        return None
    rewritten = rewrite.server_proxy(host, url)
    if rewritten is not None:
        return _Pass(rewrite.substitution(rewritten, url))
    for location in reversed(locations):
        for node in reversed(location.directives):
            if node.name.lower() == "proxypass" and node.args and "://" in node.args[0]:
                return _Pass(_location_target(location, node.args[0], url))
    for level in levels:
        for node in level.directives:
            if node.name.lower() in ("proxypass", "proxypassmatch") and proxy_pass_maps(node, url):
                return None if node.args[1] == "!" else _Pass(_mapped_target(node, url))
    return None


def _location_target(location: Scope, backend: str, url: str) -> str | None:
    """The URL a ``ProxyPass`` written in a ``<Location>`` sends ``url`` to: the backend's,
    followed by what is below the location's path."""
    assert location.node is not None
    if _is_regex(location.node):
        return None
    path = _pattern(location.node)
    return backend + url[len(path) :] if url.startswith(path) else backend


def _mapped_target(node: Node, url: str) -> str | None:
    """The URL a server-context ``ProxyPass[Match]`` sends ``url`` to."""
    if node.name.lower() == "proxypass":
        return node.args[1] + url[len(node.args[0]) :]
    try:
        found = regex.find(node.args[0], url)
    except regex.Unanswered:
        return None
    return None if found is None else rewrite.expand(node.args[1], found)


def _proxy_applies(section: Scope, target: str) -> bool:
    """Whether a ``<Proxy>`` section applies to a request sent to ``target``: its regex
    matches in it, its wildcard pattern matches all of it, or it starts with its URL
    (httpd's ``proxy_walk``)."""
    assert section.node is not None
    pattern = _pattern(section.node)
    if _is_regex(section.node):
        return search(pattern, target)
    if _has_wildcard(pattern):
        return fnmatch.fnmatchcase(target, pattern)
    return target.startswith(pattern)


def route_sections(level: Scope) -> list[Scope]:
    """The route sections written at a level (main server or host), in file order."""
    return [child for child in level.children if child.role is ScopeRole.ROUTE]


def _pattern(node: Node) -> str:
    """A section's path or pattern (after a ``~``, for the regex form)."""
    if node.name == HTACCESS:
        # A folder on the server, or one of the tree for a file read alone.
        folder = node.arg(0)
        return folder if folder.startswith("/") else "/" + folder
    args = node.args
    if args and args[0] == "~":
        return args[1] if len(args) > 1 else ""
    return args[0] if args else ""


def _is_regex(node: Node) -> bool:
    return node.name.lower().endswith("match") or node.arg(0) == "~"


def _has_wildcard(path: str) -> bool:
    return any(char in path for char in "*?[")


def _depth(path: str) -> int:
    return len([part for part in path.split("/") if part])


def depth_of(section: Scope) -> int:
    """How deep a folder section's path is (``/`` is 0)."""
    assert section.node is not None
    return _depth(_pattern(section.node))


def folder_applies(section: Scope, folder: str) -> bool:
    """Whether a ``<Directory>`` (or an ``.htaccess``) applies to files in ``folder``:
    its path, wildcards matching one component each, is the folder or one above it."""
    assert section.node is not None
    if section.kind == "directory" and _is_regex(section.node):
        return _regex_search(section.node, folder)
    wanted = [part for part in _pattern(section.node).split("/") if part]
    parts = [part for part in folder.split("/") if part]
    if len(wanted) > len(parts):
        return False
    return all(fnmatch.fnmatchcase(part, want) for part, want in zip(parts, wanted, strict=False))


def _file_applies(section: Scope, name: str) -> bool:
    assert section.node is not None
    if _is_regex(section.node):
        return _regex_search(section.node, name)
    return fnmatch.fnmatchcase(name, _pattern(section.node))


def _location_applies(section: Scope, url: str) -> bool:
    """``<Location /a>`` applies to ``/a``, ``/a/`` and what is below, not to ``/ab``."""
    assert section.node is not None
    if _is_regex(section.node):
        return _regex_search(section.node, url)
    path = _pattern(section.node)
    if _has_wildcard(path):
        return fnmatch.fnmatchcase(url, path) or fnmatch.fnmatchcase(url, path + "/*")
    if path.endswith("/"):
        return url.startswith(path)
    return url == path or url.startswith(path + "/")


def _regex_search(node: Node, text: str) -> bool:
    return search(_pattern(node), text)


def search(pattern: str, text: str) -> bool:
    """Whether httpd's regex ``pattern`` matches in ``text`` (one Python cannot read, or
    that takes too long, matches nothing: :func:`regex.too_slow` counts the latter)."""
    try:
        return regex.find(pattern, text) is not None
    except regex.Unanswered:
        return False


def proxy_pass_maps(node: Node, url: str | None) -> bool:
    """Whether a server-context ``ProxyPass`` or ``ProxyPassMatch`` matches ``url``."""
    if len(node.args) < 2 or url is None:
        return False
    if node.name.lower() == "proxypassmatch":
        return search(node.args[0], url)
    return url.startswith(node.args[0])


def _url_of(file: str, root: str | None, host: Scope) -> str | None:
    """The URL path that maps to ``file``: under the document root, else under the folder
    an ``Alias`` serves (``None``: neither serves it)."""
    if root is not None:
        base = root.rstrip("/")
        if file == base or file.startswith(base + "/"):
            return file[len(base) :] or "/"
    for path, folder in aliases(host):
        base = folder.rstrip("/")
        if file == base or file.startswith(base + "/"):
            return path.rstrip("/") + (file[len(base) :] or "/")
    return None


def url_request(host: Scope, url: str) -> Request:
    """A request for ``url`` to ``host``: the file it maps to as a ``<Location>``'s does."""
    return Request(url, _file_of(url, document_root(host), host))


def _file_of(url: str, root: str | None, host: Scope) -> str | None:
    """The file a URL path maps to: the first ``Alias`` whose path it is under, else the
    document root's."""
    for path, folder in aliases(host):
        if _alias_matches(path, url):
            return folder.rstrip("/") + url[len(path.rstrip("/")) :]
    return None if root is None else root + url


def aliases(host: Scope) -> list[tuple[str, str]]:
    """The plain ``Alias`` and ``ScriptAlias`` mappings a host's requests meet, URL path
    and folder: the host's own, then the main server's (mod_alias's merge)."""
    levels = [host] if host.parent is None else [host, host.parent]
    return [
        (node.args[0], node.args[1])
        for level in levels
        for node in level.directives
        if node.name.lower() in ("alias", "scriptalias") and len(node.args) >= 2
    ]


def _alias_matches(path: str, url: str) -> bool:
    """mod_alias's test: ``url`` is ``path`` or below it, whole segments only (a path
    written with its trailing slash needs it in the URL too)."""
    if path.endswith("/"):
        return url.startswith(path)
    return url == path or url.startswith(path + "/")


_SIMPLE = re.compile(r"[A-Za-z0-9_./-]")


def _sample_path(pattern: str, node: Node) -> str | None:
    """A path the regex (or wildcard path) of a section matches, drawn from its literal
    text; ``None`` when the drawing does not match."""
    if not pattern:
        return None
    if _is_regex(node):
        sample = _sample_regex(pattern)
        if not sample.startswith("/"):
            sample = "/" + sample
        return sample if _regex_search(node, sample) else None
    sample = re.sub(r"\[[^\]]*\]", "x", pattern).replace("*", "x").replace("?", "x")
    return sample if fnmatch.fnmatchcase(sample, pattern) else None


def _sample_name(node: Node) -> str | None:
    """A file name a ``<Files>`` or ``<FilesMatch>`` section matches."""
    pattern = _pattern(node)
    if _is_regex(node):
        sample = _sample_regex(pattern).rsplit("/", 1)[-1]
        if not sample or sample.startswith("."):
            sample = "index" + sample
        return sample if _regex_search(node, sample) else None
    sample = re.sub(r"\[[^\]]*\]", "x", pattern).replace("*", "index").replace("?", "x")
    return sample if fnmatch.fnmatchcase(sample, pattern) else None


def _sample_regex(pattern: str) -> str:
    """The literal text of a simple regex: anchors dropped, the first alternative of each
    group, escapes read as the character, any other class or repetition as one letter."""
    text = pattern.removeprefix("^").removesuffix("$")
    text = re.sub(r"\(\?[a-zA-Z]+\)", "", text)
    # First alternative of each innermost group, until none is left.
    group = re.compile(r"\((?:\?:)?([^()|]*)(?:\|[^()]*)?\)[?*+]?")
    while True:
        replaced = group.sub(lambda match: match.group(1), text)
        if replaced == text:
            break
        text = replaced
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            piece = text[index + 1] if not text[index + 1].isalpha() else "x"
            index += 2
        elif char == "[":
            end = text.find("]", index + 1)
            piece = "x"
            index = len(text) if end < 0 else end + 1
        else:
            piece = "x" if char == "." else char if _SIMPLE.match(char) else ""
            index += 1
        # A piece that may be absent (`?`, `*`) is left out.
        if text[index : index + 1] in ("?", "*"):
            index += 1
            continue
        out.append(piece)
    return "".join(out)


def build_htaccess_server(files: list[tuple[str, list[Node], ApacheNode]]) -> Scope:
    """The scopes of ``.htaccess`` files found without a server configuration, read as
    httpd reads them with ``AllowOverride All`` under a document root at the topmost
    one's folder. ``files`` are each file's folder (as reported), its expanded
    directives, and a node standing for the file, whose argument is that folder; the
    first is the topmost."""
    root = Scope(FORMAT, SERVER, ScopeRole.ROOT, None, None)
    _, _, top = files[0]
    served = ApacheNode("DocumentRoot", [_pattern(top)], None, top.file, top.line, top.line)
    root.add(served, "documentroot")
    for _, nodes, node in files:
        htaccess_scope(root, node, nodes)
    return root


def htaccess_scope(host: Scope, node: ApacheNode, nodes: list[Node]) -> Scope:
    """The scope of an ``.htaccess`` file (``node`` stands for it, its argument the folder)
    among a host's sections: httpd merges it after the folder's ``<Directory>`` sections."""
    scope = Scope(FORMAT, HTACCESS, ScopeRole.ROUTE, node, host)
    _populate(scope, nodes)
    return scope
