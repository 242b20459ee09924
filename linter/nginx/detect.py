"""Telling nginx configs apart from other files, by name and by content."""

from __future__ import annotations

import re

from crossplane.analyzer import DIRECTIVES

# Names that are nginx whatever their content.
NGINX_NAMES = frozenset({"nginx.conf"})
NGINX_SUFFIXES = frozenset({".nginx", ".nginxconf"})
# Folders of site files that the main config includes from its own folder:
# their files are nginx whatever they are called, and their relative includes
# start from the folder above.
CONFIG_DIRS = frozenset({"sites-enabled", "sites-available", "conf.d", "vhosts.d", "http.d"})

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
_SAMPLED_STATEMENTS = 20


def is_nginx_directive(name: str) -> bool:
    return name in DIRECTIVES or name.startswith(_THIRD_PARTY_PREFIXES)


def looks_like_nginx(text: str) -> bool:
    """Whether a file's beginning reads as nginx.

    Its statements must start with directives nginx knows: the first one, or
    at least half of the first few (a snippet may open with a directive newer
    than crossplane's table). Nothing may look like an Apache section
    (``<VirtualHost>``, ``<Directory>``, ...), so that an Apache ``.conf`` is
    left alone rather than misread as broken nginx.
    """
    head = text[:SNIFF_BYTES]
    if "\0" in head or _APACHE_SECTION.search(head):
        return False
    if ";" not in head and "{" not in head:
        return False
    words: list[str] = []
    for line in head.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "}")):
            continue
        match = _FIRST_WORD.match(line)
        words.append(match.group(1) if match else "")
        if len(words) == _SAMPLED_STATEMENTS:
            break
    if not words:
        return False
    known = sum(1 for word in words if is_nginx_directive(word))
    return is_nginx_directive(words[0]) or (known >= 2 and 2 * known >= len(words))
