"""httpd's directives and modules: which module gives a directive, where it may be
written, and which modules a configuration loads.

The table (``httpd.json``) is httpd's own account of itself: written by
``python tests/apache_httpd.py linter/apache/httpd.json`` from ``apache2 -L``
and ``apache2 -l`` with every module Debian ships loaded, and checked against
the installed httpd by the differential test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

# Any MPM provides the MPM directives; mod_cgi and mod_cgid the CGI ones.
# The table lists them under the one the listing loaded.
_ALTERNATIVES = {
    "event.c": frozenset({"event.c", "prefork.c", "worker.c"}),
    "mod_cgid.c": frozenset({"mod_cgi.c", "mod_cgid.c"}),
}


@dataclass(frozen=True, slots=True)
class Directive:
    """What httpd knows of a directive: its module (by source name, ``mod_headers.c``),
    where it may be written (``server``: outside every section; ``directory``: only
    inside ``<Directory>``, ``<Files>``, ``<Location>`` or ``<If>``; ``anywhere``), and
    the ``AllowOverride`` classes that let an ``.htaccess`` file hold it (``None``:
    never; empty: any class but ``None``), and its name as its module spells it
    (``<Location`` for a section)."""

    module: str
    context: str
    overrides: frozenset[str] | None
    name: str


@dataclass(frozen=True)
class _Table:
    built_in: frozenset[str]
    # Identifier (``rewrite_module``) and shared object (``mod_rewrite.so``) by
    # source name, and the source name by either of them.
    names: dict[str, tuple[str, str]]
    source_of: dict[str, str]
    directives: dict[str, Directive]


@cache
def _table() -> _Table:
    data = json.loads(files("authlint.apache").joinpath("httpd.json").read_text(encoding="utf-8"))
    names = {
        source: (identifier, shared) for source, (identifier, shared) in data["modules"].items()
    }
    source_of = {}
    for source, (identifier, shared) in names.items():
        source_of[identifier] = source
        source_of[shared] = source
    directives = {
        key: Directive(
            module,
            context,
            None if overrides is None else frozenset(overrides.split("|")) - {"*"},
            name,
        )
        for key, (module, context, overrides, name) in data["directives"].items()
    }
    return _Table(frozenset(data["built_in"]), names, source_of, directives)


def directive(key: str) -> Directive | None:
    """httpd's account of a directive (``key`` in lower case; a section as ``<location``);
    ``None`` for a directive of a module httpd's packages do not ship."""
    return _table().directives.get(key)


def directive_keys() -> Iterator[str]:
    """Every directive httpd's packages define (a section as ``<location``)."""
    return iter(_table().directives)


def shared_object(source: str) -> str | None:
    """The file a module (by source name) is loaded from (``mod_headers.so``); ``None``
    for one built into httpd."""
    names = _table().names.get(source)
    return None if names is None else names[1]


def module_names(identifier: str, shared_object: str) -> frozenset[str]:
    """The names ``<IfModule>`` knows a module loaded as ``LoadModule identifier path`` by:
    its identifier and its source name (``rewrite_module``, ``mod_rewrite.c``)."""
    table = _table()
    file_name = shared_object.rsplit("/", 1)[-1]
    source = table.source_of.get(identifier) or table.source_of.get(file_name)
    if source is None:
        # A module no package of httpd ships: its source is named as its file.
        source = file_name.removesuffix(".so") + ".c"
    return frozenset({identifier, source})


@dataclass
class LoadedModules:
    """The modules a configuration has loaded so far, as it is read in order.

    ``complete``: the configuration loads its modules itself and every file it
    named so far was read, so a module not loaded is absent. Otherwise
    (a virtual host or ``.htaccess`` read alone) ``implied`` are the modules
    that the directives written outside every condition need: httpd would
    refuse the file without them.
    """

    loaded: set[str] = field(default_factory=set)
    implied: frozenset[str] = frozenset()
    complete: bool = False

    def load(self, identifier: str, shared_object: str) -> None:
        self.loaded |= module_names(identifier, shared_object)

    def has(self, name: str) -> bool | None:
        """Whether the module ``name`` (identifier or source name) is loaded; ``None``:
        the configuration does not say."""
        if not name.endswith((".c", "_module")):
            # httpd knows a module by these two names only (compared as written).
            return False
        source = _table().source_of.get(name, name)
        if source in _table().built_in or name in self.loaded or source in self.implied:
            return True
        return False if self.complete else None

    def gives(self, key: str) -> bool | None:
        """Whether a directive (or ``<section``) exists here, its module loaded; ``None``
        for a directive of a module httpd's packages do not ship."""
        found = directive(key)
        if found is None:
            return None
        answers = [self.has(module) for module in _ALTERNATIVES.get(found.module, (found.module,))]
        if True in answers:
            return True
        return False if all(answer is False for answer in answers) else None
