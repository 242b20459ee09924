"""Apache httpd as a format of the registry: which files are Apache, and how a run loads them.

It provides no facets yet: its files are parsed, and what httpd would refuse
is reported (AL001), but no rule reads its settings until httpd's merge
semantics are in the model.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import TYPE_CHECKING

from authlint.apache.wording import FIX_HINTS, REFERENCES
from authlint.formats import Format
from authlint.model.settings import Facet
from authlint.model.workspace import ProblemKind
from authlint.nginx.detect import SNIFF_BYTES, looks_like_apache, sniffed_text

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

    from authlint.formats import GroupLoader, IncludeOptions
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace
    from authlint.progress import Progress

# Names that are Apache whatever their content.
APACHE_NAMES = frozenset({".htaccess", "httpd.conf", "apache2.conf"})
# A line that starts with a directive only Apache has: an Apache snippet
# without a section (``Header set ...``, ``RewriteRule ...``). nginx has none
# of these names in any case, and nginx is offered a file first.
_APACHE_DIRECTIVE = re.compile(
    r"^[ \t]*(?:RewriteEngine|RewriteRule|RewriteCond|RewriteBase|Header|RequestHeader"
    r"|AuthType|AuthName|AuthUserFile|Require|Options|AllowOverride|DocumentRoot|ServerName"
    r"|ServerAlias|ProxyPass|ProxyPassReverse|SetEnvIf|SetEnvIfNoCase|AddType|AddHandler"
    r"|SetHandler|LoadModule|DirectoryIndex|ErrorDocument|ExpiresActive|ExpiresByType)"
    # An INI file's `Options = ...` is no directive.
    r"[ \t]+(?![ \t=])",
    re.MULTILINE,
)


def looks_like_apache_config(text: str) -> bool:
    """Whether text holds an Apache section, or a line that starts with an Apache
    directive (spelled as Apache's documentation spells it) and its arguments."""
    head = text[:SNIFF_BYTES]
    return looks_like_apache(head) or _APACHE_DIRECTIVE.search(head) is not None


class ApacheFormat(Format):
    """Apache httpd: ``.htaccess``, ``httpd.conf``, ``apache2.conf``, and ``*.conf`` files
    whose content is Apache's."""

    name = "apache"
    server = "Apache httpd"
    reading = "Apache configs"
    provides = frozenset({Facet.CORS})
    fix_hints: Mapping[str, str] = FIX_HINTS
    references: Mapping[str, str] = REFERENCES
    problems = frozenset(
        {
            ProblemKind.PARSE_ERROR,
            ProblemKind.INCLUDE_CYCLE,
            ProblemKind.INCLUDE_NOT_FOUND,
            ProblemKind.INCLUDE_OUTSIDE_TREE,
        }
    )

    def worth_reading(self, name: str, folder: str) -> bool:
        return name in APACHE_NAMES or name.endswith(".conf")

    def claims(self, path: Path, named: bool) -> bool:
        if path.name in APACHE_NAMES:
            return True
        if path.suffix != ".conf":
            return False
        try:
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError:
            return False
        text, binary = sniffed_text(head)
        return not binary and looks_like_apache_config(text)

    def conditions(self, node: Node) -> str | None:
        from authlint.apache.config import conditions_of

        sections = conditions_of(node)
        if not sections:
            return None
        written = " and ".join(
            f"`<{section.name} {' '.join(section.args)}>`" for section in sections
        )
        return f"{written} {'hold' if len(sections) > 1 else 'holds'}"

    @contextmanager
    def loading(
        self,
        files: Sequence[Path],
        cwd: Path,
        includes: IncludeOptions,
        jobs: int,
        progress: Progress,
    ) -> Iterator[GroupLoader]:
        # Imported here: lark is loaded only by a run that reads an Apache file.
        from authlint.apache.loader import load_files

        def load(workspace: Workspace, boundary: Path, files: Sequence[Path]) -> None:
            load_files(workspace, boundary, cwd, includes, files, progress)

        yield load


APACHE = ApacheFormat()
