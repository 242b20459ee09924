"""Telling nginx configs apart from other files, by name and by content."""

from __future__ import annotations

import re

from crossplane.analyzer import DIRECTIVES

# Names that are nginx whatever their content.
NGINX_NAMES = frozenset({"nginx.conf"})
NGINX_SUFFIXES = frozenset({".nginx", ".nginxconf"})

# Third-party modules crossplane does not know, seen at the start of real snippets.
_THIRD_PARTY_PREFIXES = ("more_", "lua_", "access_by_lua", "content_by_lua", "passenger_")

_APACHE_SECTION = re.compile(
    r"^[ \t]*</?(?:VirtualHost|Directory|DirectoryMatch|Location|LocationMatch|Files|FilesMatch"
    r"|IfModule|IfDefine|IfVersion|Proxy|ProxyMatch|Macro|RequireAll|RequireAny|Limit|LimitExcept)"
    r"[\s>]",
    re.IGNORECASE | re.MULTILINE,
)
_FIRST_WORD = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_]*)(?=[\s;{]|$)")

SNIFF_BYTES = 16384


def is_nginx_directive(name: str) -> bool:
    return name in DIRECTIVES or name.startswith(_THIRD_PARTY_PREFIXES)


def looks_like_nginx(text: str) -> bool:
    """Whether a file's beginning reads as nginx.

    The first statement must start with a directive nginx knows, and nothing may
    look like an Apache section (``<VirtualHost>``, ``<Directory>``, ...), so
    that an Apache ``.conf`` is left alone rather than misread as broken nginx.
    """
    head = text[:SNIFF_BYTES]
    if "\0" in head or _APACHE_SECTION.search(head):
        return False
    if ";" not in head and "{" not in head:
        return False
    for line in head.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _FIRST_WORD.match(line)
        return match is not None and is_nginx_directive(match.group(1))
    return False
