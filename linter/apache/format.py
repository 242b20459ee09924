"""Apache httpd as a format of the registry: which files are Apache, and how a run loads them.

Its files are read whole, as httpd reads them (:mod:`.config`), into the
model's scopes with httpd's merging (:mod:`.scopes`, :mod:`.settings`).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import TYPE_CHECKING

from authlint.apache.wording import FIX_HINTS, REFERENCES
from authlint.formats import Format
from authlint.model.settings import Facet
from authlint.model.workspace import ProblemKind
from authlint.sniff import SNIFF_BYTES, looks_like_apache, sniffed_text

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

    from authlint.formats import GroupLoader, IncludeOptions
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace
    from authlint.progress import Progress

# Names that are Apache whatever their content.
APACHE_NAMES = frozenset({".htaccess", "httpd.conf", "apache2.conf"})
# Folders of Debian's, RHEL's and the httpd image's layouts: their files are read
# by an Include whatever they are called (Debian's older sites had no suffix).
APACHE_DIRS = frozenset(
    {
        "sites-available",
        "sites-enabled",
        "conf-available",
        "conf-enabled",
        "conf.d",
        "conf.modules.d",
        "vhosts.d",
        "extra",
    }
)


def is_htaccess(name: str) -> bool:
    """Whether a file is an ``.htaccess`` file, or one kept to become one (``htaccess.txt``,
    ``example.htaccess``, as applications ship them)."""
    return name in (".htaccess", "htaccess", "htaccess.txt") or name.endswith(".htaccess")


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
    """Apache httpd: ``.htaccess`` (and the ``htaccess.txt`` applications ship),
    ``httpd.conf``, ``apache2.conf``, and ``*.conf`` files, or any file of Debian's and
    RHEL's configuration folders, whose content is Apache's."""

    name = "apache"
    server = "Apache httpd"
    reading = "Apache configs"
    provides = frozenset(
        {
            Facet.CORS,
            Facet.FORWARDING,
            Facet.AUTHENTICATION,
            Facet.CACHE,
            Facet.EARLY_CACHE,
            Facet.STORED_COOKIES,
            Facet.STORED_PRIVATE,
            Facet.HEADER_LIMITS,
            Facet.SERVED_FILES,
            Facet.TRANSPORT,
            Facet.RESPONSE_HEADERS,
            Facet.ROUTING,
        }
    )
    fix_hints: Mapping[str, str] = FIX_HINTS
    references: Mapping[str, str] = REFERENCES
    problems = frozenset(
        {
            ProblemKind.PARSE_ERROR,
            ProblemKind.INCLUDE_CYCLE,
            ProblemKind.INCLUDE_NOT_FOUND,
            ProblemKind.INCLUDE_OUTSIDE_TREE,
            ProblemKind.OVERRIDE_REFUSED,
        }
    )

    def worth_reading(self, name: str, folder: str) -> bool:
        return (
            name in APACHE_NAMES
            or is_htaccess(name)
            or name.endswith(".conf")
            or folder in APACHE_DIRS
        )

    def claims(self, path: Path, named: bool) -> bool:
        if path.name in APACHE_NAMES or is_htaccess(path.name):
            return True
        if path.suffix != ".conf" and path.parent.name not in APACHE_DIRS:
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
