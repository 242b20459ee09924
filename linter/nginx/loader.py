"""Loading nginx configs into the model: files become scope trees, includes are followed.

Each file is parsed once, on its own (:mod:`.parser`, on crossplane's lexer).
Includes are resolved here, not by crossplane, so that they follow nginx's
rules (relative paths against the configuration prefix, globs sorted), stay
inside the scanned tree, and map absolute paths such as ``/etc/nginx/...``
onto the repository.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from authlint.formats import IncludeOptions
from authlint.includes import Resolution, TreeLoader, outside, shortened
from authlint.model.scope import Scope, UnreadInclude
from authlint.model.source import SourceFile, Span
from authlint.model.tree import Node
from authlint.model.workspace import LoadProblem, ProblemKind, ReadBudget, Workspace
from authlint.nginx import blocks
from authlint.nginx.detect import CONFIG_DIRS, is_template, placeholder
from authlint.nginx.parser import parse_file
from authlint.nginx.settings import NginxSettings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from authlint.nginx.parser import ParseError

    # Fills a source's nodes from its file, returning the parse errors.
    Parse = Callable[[SourceFile], list[ParseError]]

FORMAT = "nginx"
# Blocks and includes nested deeper (through any number of files) are not
# read: the model and the rules walk them recursively. nginx takes any depth;
# real configs nest a handful deep. (The parser bounds one file's blocks.)
MAX_NESTING = 200

# Where distributions and builds keep nginx's configuration prefix.
CONF_PREFIXES = (
    "/etc/nginx",
    "/usr/local/nginx/conf",
    "/usr/local/etc/nginx",
    "/opt/homebrew/etc/nginx",
    "/etc/openresty",
    "/usr/local/openresty/nginx/conf",
)

# Block directives that open a scope, by the kind of the enclosing scope.
_CHILD_SCOPES: dict[str, dict[str, str]] = {
    blocks.MAIN: {"http": blocks.HTTP},
    blocks.HTTP: {"server": blocks.SERVER},
    blocks.SERVER: {"location": blocks.LOCATION, "if": blocks.IF},
    blocks.LOCATION: {
        "location": blocks.LOCATION,
        "if": blocks.IF,
        "limit_except": blocks.LIMIT_EXCEPT,
    },
}
_LOCATION_LEVEL = frozenset({"location", "if"})
_STOCK_DIR = Path(__file__).parent / "stock"
STOCK_FILES = frozenset(
    {
        "mime.types",
        "proxy_params",
        "fastcgi_params",
        "fastcgi.conf",
        "uwsgi_params",
        "scgi_params",
        "snippets/fastcgi-php.conf",
        "snippets/snakeoil.conf",
    }
)
_MAIN_BLOCKS = frozenset({"http", "events"})


@dataclass(frozen=True, eq=False)
class _Prefixes:
    """Where one config tree's includes resolve.

    ``conf_dirs`` are nginx's configuration prefix (several, tried in order,
    when it has to be guessed for a standalone snippet); ``fs_roots`` are
    folders that may mirror ``/`` for absolute paths. Compared by identity:
    one instance serves a whole tree, and keys the resolution cache.
    """

    conf_dirs: tuple[Path, ...]
    fs_roots: tuple[Path, ...]
    guessed: bool


@dataclass(frozen=True)
class _Context:
    """The prefixes of the tree being built, and the include chain that led here.

    ``depth`` counts the blocks and includes entered on the way here.
    """

    prefixes: _Prefixes
    stack: tuple[SourceFile, ...]
    depth: int = 0

    def entering(self, source: SourceFile) -> _Context:
        return _Context(self.prefixes, (*self.stack, source), self.depth + 1)

    def inside_block(self) -> _Context:
        return _Context(self.prefixes, self.stack, self.depth + 1)


class StockSource(SourceFile):
    """A stock file of the nginx packages, read in place of an include the tree lacks.

    Its directives are reported at the ``include`` that brought them in.
    """

    __slots__ = ("site",)

    def __init__(self, site: Node) -> None:
        super().__init__(site.file.path, site.file.abspath, FORMAT)
        self.site = site

    def span_of(self, node: Node) -> Span:
        return self.site.span


class NginxLoader(TreeLoader):
    """Loads the nginx files of one scanned tree into a workspace.

    ``parse`` reads a file into its source (files parsed ahead, in worker
    processes, come from there).
    """

    format = FORMAT

    def __init__(
        self,
        workspace: Workspace,
        boundary: Path,
        display_root: Path,
        options: IncludeOptions,
        names: Mapping[Path, str] | None = None,
        parse: Parse = parse_file,
    ) -> None:
        super().__init__(workspace, boundary, display_root, options, names)
        self.parse = parse
        self._covered: set[Path] = set()
        self._resolutions: dict[tuple[str, _Prefixes], Resolution] = {}

    def load(self, candidates: Iterable[Path], main: Path | None = None) -> None:
        """Lint each candidate once: main configs with their includes, then the rest.

        A file that a main config (or another standalone file) includes is
        linted in that context only; what remains is read as if included in
        ``http``. Files are known by their real path, so a symlink (Debian's
        ``sites-enabled``) and its target are one file. ``main``, when known
        (the config nginx started from), is read first as a main config, and
        the files it includes are not read as main configs of their own.
        """
        sources = self.candidate_sources(candidates)
        mains = [source for source in sources if _is_main(source)]
        if main is not None:
            self._build_main(self.source(main))
            mains = [source for source in mains if source.abspath not in self._covered]
        for source in mains:
            self._build_main(source)
        rest = [source for source in sources if source.abspath not in self._covered]
        for source in self.standalone_roots(rest):
            if source.abspath not in self._covered:
                self._build_standalone(source)

    def parsed(self, source: SourceFile) -> None:
        self._parse_problems(source, self.parse(source))
        self.workspace.reading.parsed += _count(source.nodes or source.partial_nodes)
        source.comments.sort(key=lambda comment: comment.line)

    def _parse_problems(self, source: SourceFile, errors: list[ParseError]) -> None:
        """Each error as AL001; a template's as one AL007, at its first placeholder.

        A template (template syntax, or a placeholder in a file named as a
        template) is rendered before nginx reads it: what the raw text does
        not parse is no config error, and one notice says it is not linted.
        """
        in_template = is_template(source.abspath)
        for error in errors:
            filled_in = placeholder(source.line_text(error.line), in_template)
            if filled_in is not None:
                self.workspace.problems.append(
                    LoadProblem(
                        ProblemKind.TEMPLATE_PLACEHOLDER,
                        Span(source.path, error.line, 1),
                        f"a template (`{shortened(filled_in)}` is filled in before use): nginx "
                        f"cannot read it as it is ({error.message}), and it is not linted",
                        format=FORMAT,
                    )
                )
                return
        self.workspace.problems.extend(
            LoadProblem(
                ProblemKind.PARSE_ERROR,
                Span(source.path, error.line, 1),
                error.message,
                error.fix,
                format=FORMAT,
            )
            for error in errors
        )

    def _build_main(self, source: SourceFile) -> None:
        conf_dir = source.abspath.parent
        prefixes = _Prefixes((conf_dir,), tuple(self.up_to_boundary(conf_dir)), guessed=False)
        self._build(source, prefixes, blocks.MAIN)

    def _build_standalone(self, source: SourceFile) -> None:
        self._build(source, self._guessed_prefixes(source), blocks.HTTP)

    def _build(self, source: SourceFile, prefixes: _Prefixes, kind: str) -> None:
        """The scope tree of one root file; a root that does not parse gives none."""
        context = _Context(prefixes, (source,))
        self._covered.add(source.abspath)
        if source.nodes is None:
            # Nothing it configures is known, so nothing it includes is linted
            # out of its context either.
            self._cover(source.partial_nodes, context)
            return
        root = Scope(FORMAT, kind, blocks.ROLES[kind], None, None)
        root.settings = NginxSettings(root)
        self._populate(root, source.nodes, context)
        self.workspace.roots.append(root)

    def _cover(self, nodes: list[Node], context: _Context) -> None:
        """Read, without linting, the files that ``nodes`` include, and theirs in turn."""
        if context.depth >= MAX_NESTING:
            return
        for node in _include_nodes(nodes):
            for path in self._resolve(node, context).files:
                source = self.source(path)
                if source.abspath not in self._covered and source not in context.stack:
                    self._covered.add(source.abspath)
                    self._cover(source.nodes or source.partial_nodes, context.entering(source))

    def included_by(self, source: SourceFile) -> Iterator[Path]:
        context = _Context(self._guessed_prefixes(source), (source,))
        for node in _include_nodes(source.nodes or source.partial_nodes):
            yield from self._resolve(node, context).files

    def _guessed_prefixes(self, source: SourceFile) -> _Prefixes:
        """Where a standalone file's includes may resolve: its folder and those above.

        A file in ``conf.d/`` or ``sites-enabled/`` is included by a main config
        in the folder above, nginx's prefix, so that folder is tried first.
        """
        dirs = list(self.up_to_boundary(source.abspath.parent))
        if len(dirs) > 1 and dirs[0].name in CONFIG_DIRS:
            dirs[0], dirs[1] = dirs[1], dirs[0]
        return _Prefixes(tuple(dirs), tuple(dirs), guessed=True)

    def _populate(self, scope: Scope, nodes: list[Node], context: _Context) -> None:
        self.workspace.reading.spent += len(nodes)
        implied_server: Scope | None = None
        child_kinds = _CHILD_SCOPES.get(scope.kind, {})
        for node in nodes:
            name = node.name
            if name == "include":
                self._include(scope, node, context)
                continue
            scope.add(node, name)
            if node.children is None:
                continue
            kind = child_kinds.get(name)
            parent = scope
            if kind is None and scope.kind == blocks.HTTP and name in _LOCATION_LEVEL:
                # A snippet read as if included in http may hold a server's
                # locations: read them inside an implied server.
                if implied_server is None:
                    implied_server = self._scope(blocks.SERVER, None, scope)
                parent, kind = implied_server, _CHILD_SCOPES[blocks.SERVER][name]
            if kind is None:
                self._cover_includes(node.children, context)
                continue
            if context.depth >= MAX_NESTING:
                self._too_deep(node)
                continue
            child = self._scope(kind, node, parent)
            self._populate(child, node.children, context.inside_block())
            if kind == blocks.SERVER:
                child.hosts = tuple(
                    arg for name_node in child.own.get("server_name", []) for arg in name_node.args
                )

    def _scope(self, kind: str, node: Node | None, parent: Scope) -> Scope:
        scope = Scope(FORMAT, kind, blocks.ROLES[kind], node, parent)
        scope.settings = NginxSettings(scope)
        return scope

    def _cover_includes(self, nodes: list[Node], context: _Context) -> None:
        """Read the includes inside blocks that are not scopes (``map``, ``upstream``, ...)."""
        for node in _include_nodes(nodes):
            for path in self._resolve_reporting(node, context, None):
                self._covered.add(self.source(path).abspath)

    def _include(self, scope: Scope, node: Node, context: _Context) -> None:
        if context.depth >= MAX_NESTING:
            scope.unread.append(UnreadInclude(node))
            self._too_deep(node)
            return
        reading = self.workspace.reading
        if not reading.allows_more():
            scope.unread.append(UnreadInclude(node))
            if not reading.said:
                reading.said = True
                self.report(
                    ProblemKind.PARSE_ERROR,
                    node,
                    "reading stopped at this include: the run read more through includes than "
                    f"authlint reads ({ReadBudget.BASE:,} directives, plus "
                    f"{ReadBudget.PER_PARSED} per directive of its files; an include counts as "
                    f"{ReadBudget.PER_INCLUDE})",
                    "Include each file once where it is needed: files that include the next "
                    "one several times, level after level, multiply what nginx reads.",
                )
            return
        reading.spent += ReadBudget.PER_INCLUDE
        resolution = self._resolve(node, context)
        if resolution.stock is not None:
            stock = StockSource(node)
            stock.nodes = _copy_to(_stock_nodes(resolution.stock), stock)
            self._populate(scope, stock.nodes, context)
            return
        for path in self._resolve_reporting(node, context, scope):
            source = self.source(path)
            self._covered.add(source.abspath)
            if source in context.stack:
                chain = " -> ".join(item.path for item in (*context.stack, source))
                self.report(
                    ProblemKind.INCLUDE_CYCLE,
                    node,
                    f"include cycle: {chain}; nginx cannot load a config that includes itself",
                )
                continue
            if source.nodes is None:
                scope.unread.append(UnreadInclude(node, source.top_level_names))
                continue
            self._populate(scope, source.nodes, context.entering(source))

    def _resolve_reporting(
        self, node: Node, context: _Context, scope: Scope | None
    ) -> tuple[Path, ...]:
        resolution = self._resolve(node, context)
        if resolution.problem is not None:
            consequence = ""
            if scope is not None:
                scope.unread.append(UnreadInclude(node))
                where = f"`{scope.label}`" if scope.node is not None else "this file"
                consequence = f"; what it sets in {where} is unknown"
            problem = LoadProblem(
                resolution.problem,
                node.span,
                f"include `{shortened(node.arg(0))}` {resolution.reason}{consequence}",
                resolution.fix,
                resolution.target,
                FORMAT,
            )
            self.add_problem(problem, node)
        return resolution.files

    def _too_deep(self, node: Node) -> None:
        self.report(
            ProblemKind.PARSE_ERROR,
            node,
            f"blocks and includes nested more than {MAX_NESTING} deep: authlint reads no deeper",
        )

    def _resolve(self, node: Node, context: _Context) -> Resolution:
        """The files an ``include`` reads, as nginx would find them in this tree."""
        pattern = node.arg(0)
        key = (pattern, context.prefixes)
        cached = self._resolutions.get(key)
        if cached is None:
            try:
                cached = self._resolve_pattern(pattern, context.prefixes)
            except (OSError, ValueError) as exc:
                # A name too long, a link loop on the way, a folder that cannot be listed.
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "invalid"
                cached = Resolution((), ProblemKind.PARSE_ERROR, f"cannot be read: {reason}")
            self._resolutions[key] = cached
        return cached

    def _resolve_pattern(self, pattern: str, prefixes: _Prefixes) -> Resolution:
        if not pattern:
            return Resolution(())
        magic = glob.has_magic(pattern)
        if pattern.startswith("/"):
            # nginx reads `//etc/nginx` as `/etc/nginx`.
            candidates, in_tree = self._absolute_candidates(
                PurePosixPath(pattern.lstrip("/")), prefixes
            )
        else:
            candidates = [directory / pattern for directory in prefixes.conf_dirs]
            # A mirror stands for the whole of /: nothing is outside it.
            in_tree = self.options.mirror or any(self.allowed(c) for c in candidates)
        found = self.first_found(candidates, lambda candidate: _expand(candidate, magic))
        if found is not None:
            return found
        stock = _stock_name(pattern)
        if stock is not None:
            return Resolution((), stock=stock)
        target = os.path.normpath(pattern if pattern.startswith("/") else candidates[0])
        if not in_tree:
            return outside(pattern, target)
        if magic and not prefixes.guessed:
            return Resolution(())  # nginx accepts a glob that matches nothing
        return Resolution(
            (),
            ProblemKind.INCLUDE_NOT_FOUND,
            "was not found in the scanned tree",
            fix=_not_found_fix(pattern, prefixes.guessed),
            target=target,
        )

    def _absolute_candidates(
        self, relative: PurePosixPath, prefixes: _Prefixes
    ) -> tuple[list[Path], bool]:
        """Where an absolute include (``relative`` to ``/``) may be, and if that is in the tree."""
        target = PurePosixPath("/", relative)
        mapped = next(
            (
                [directory / target.relative_to(prefix) for directory in prefixes.conf_dirs]
                for prefix in CONF_PREFIXES
                if target.is_relative_to(prefix)
            ),
            [],
        )
        return self.absolute_candidates(relative, mapped, prefixes.fs_roots)


def _not_found_fix(pattern: str, guessed: bool) -> str:
    """How to let authlint read an include it looked for in the tree and did not find."""
    path = PurePosixPath(pattern)
    prefix = next((PurePosixPath(p) for p in CONF_PREFIXES if path.is_relative_to(p)), None)
    if prefix is None and path.is_absolute():
        return (
            f"Add `{shortened(path.name)}` to the folder that `--include-map` maps its "
            "prefix onto, or correct the include."
        )
    rest = shortened(str(path.relative_to(prefix) if prefix is not None else path))
    where = (
        "the folder of the main config that includes this file"
        if guessed
        else "the main config's folder (nginx's prefix)"
    )
    mapped = (
        f", or map `{prefix}` onto the folder that holds it: `--include-map {prefix}=DIR`"
        if prefix is not None
        else ""
    )
    return f"Add `{rest}` to the tree, under {where}{mapped}."


def _copy_to(nodes: list[Node], source: StockSource) -> list[Node]:
    """``nodes`` as read at the include ``source`` stands for."""
    line = source.site.line
    return [
        Node(
            node.name,
            node.args,
            None if node.children is None else _copy_to(node.children, source),
            source,
            line,
        )
        for node in nodes
    ]


@cache
def _stock_nodes(name: str) -> list[Node]:
    path = _STOCK_DIR / name
    source = SourceFile(name, path, FORMAT)
    parse_file(source)
    return source.nodes or []


def _stock_name(pattern: str) -> str | None:
    """The stock file an include names, written relative or under a known prefix."""
    path = PurePosixPath(pattern)
    for prefix in CONF_PREFIXES:
        if path.is_relative_to(prefix):
            path = path.relative_to(prefix)
            break
    name = path.as_posix()
    return name if name in STOCK_FILES else None


def _is_main(source: SourceFile) -> bool:
    """A file nginx would start from: it has an ``http`` or ``events`` block at the top."""
    return any(
        node.name in _MAIN_BLOCKS and node.children is not None
        for node in (source.nodes if source.nodes is not None else source.partial_nodes)
    )


def _count(nodes: list[Node]) -> int:
    """The directives in ``nodes``, blocks' contents included."""
    return sum(1 if node.children is None else 1 + _count(node.children) for node in nodes)


def _include_nodes(nodes: list[Node]) -> Iterator[Node]:
    for node in nodes:
        if node.name == "include":
            yield node
        elif node.children:
            yield from _include_nodes(node.children)


def _expand(candidate: Path, magic: bool) -> list[Path]:
    if magic:
        return [Path(match) for match in sorted(glob.glob(str(candidate))) if os.path.isfile(match)]
    return [candidate] if candidate.is_file() else []
