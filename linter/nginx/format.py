"""nginx as a format of the registry: which files are nginx, and how a run loads them."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import TYPE_CHECKING

from authlint.formats import Format
from authlint.model.settings import Facet
from authlint.model.workspace import ProblemKind
from authlint.nginx.detect import (
    CONFIG_DIRS,
    NGINX_NAMES,
    NGINX_SUFFIXES,
    TEMPLATE_SUFFIXES,
    looks_like_nginx,
)
from authlint.nginx.wording import FIX_HINTS, REFERENCES
from authlint.sniff import SNIFF_BYTES, looks_like_apache, sniffed_text

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

    from authlint.formats import GroupLoader, IncludeOptions
    from authlint.model.workspace import Workspace
    from authlint.progress import Progress

# Suffixes worth reading to see whether a file is nginx; ".sample" and the
# like are looked through (``site.conf.sample``).
_CONFIG_SUFFIXES = frozenset({".conf", ".nginx", ".nginxconf", ".vhost", ".inc", ".site", ""})
# YAML is never nginx, even a Kubernetes ConfigMap whose nginx config would
# pass the content sniff: pre-commit names every YAML file of a repository.
_YAML_SUFFIXES = frozenset({".yaml", ".yml"})


class NginxFormat(Format):
    """nginx: files by name (``nginx.conf``, ``*.nginx``, ``conf.d/``...) or by content."""

    name = "nginx"
    server = "nginx"
    reading = "nginx configs"
    # nginx's cache is read after its access checks, and keeps no answer that sets a
    # cookie or says `private`/`no-store` unless told to (proxy_ignore_headers, which
    # AL404 judges).
    provides = frozenset(Facet) - {Facet.EARLY_CACHE, Facet.STORED_COOKIES, Facet.STORED_PRIVATE}
    fix_hints: Mapping[str, str] = FIX_HINTS
    references: Mapping[str, str] = REFERENCES
    # Every load problem but Apache's own (.htaccess files and their overrides).
    problems = frozenset(ProblemKind) - {ProblemKind.OVERRIDE_REFUSED}

    def worth_reading(self, name: str, folder: str) -> bool:
        if folder in CONFIG_DIRS or name in NGINX_NAMES or name.endswith("_params"):
            return True
        stem, suffix = os.path.splitext(name)
        if suffix in TEMPLATE_SUFFIXES:
            suffix = os.path.splitext(stem)[1]
        return suffix in _CONFIG_SUFFIXES or name == "mime.types"

    def claims(self, path: Path, named: bool) -> bool:
        """By name, else by content.

        A file that nginx would read by its name, or that was ``named`` on the
        command line, is read even when its bytes are no config text (UTF-16, a
        NUL byte), so that the parser reports it; found in a walk, such a file
        is read only if its text, decoded, looks like nginx.
        """
        if path.name in NGINX_NAMES or path.suffix in NGINX_SUFFIXES:
            return True
        if path.name == ".htaccess":
            return False  # Apache's by its name, whatever it holds (`deny from all;`)
        if path.suffix in _YAML_SUFFIXES:
            return False
        try:
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError:
            return True  # let the loader report why it cannot be read
        text, binary = sniffed_text(head)
        return looks_like_nginx(text) or (named and binary and not looks_like_apache(text))

    @contextmanager
    def loading(
        self,
        files: Sequence[Path],
        cwd: Path,
        includes: IncludeOptions,
        jobs: int,
        progress: Progress,
    ) -> Iterator[GroupLoader]:
        # Imported here: a run that meets no nginx file needs neither.
        from authlint.nginx.loader import NginxLoader
        from authlint.nginx.parse_ahead import parse_ahead

        with parse_ahead(files, jobs, progress) as parse:

            def load(workspace: Workspace, boundary: Path, files: Sequence[Path]) -> None:
                NginxLoader(workspace, boundary, cwd, includes, parse=parse).load(files)

            yield load


NGINX = NginxFormat()
