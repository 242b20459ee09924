"""Telling nginx configs apart from other files, by name and by content."""

from __future__ import annotations

import os
import re
from pathlib import PurePath

from crossplane.analyzer import DIRECTIVES

from authlint.sniff import SNIFF_BYTES, looks_like_apache

# Names that are nginx whatever their content.
NGINX_NAMES = frozenset({"nginx.conf"})
NGINX_SUFFIXES = frozenset({".nginx", ".nginxconf"})
# Folders of site files that the main config includes from its own folder:
# their files are nginx whatever they are called, and their relative includes
# start from the folder above.
CONFIG_DIRS = frozenset({"sites-enabled", "sites-available", "conf.d", "vhosts.d", "http.d"})

# Third-party modules crossplane does not know, seen at the start of real snippets.
_THIRD_PARTY_PREFIXES = (
    "more_",
    "lua_",
    "access_by_lua",
    "content_by_lua",
    "passenger_",
    "brotli",
    "zstd",
    "pagespeed",
    "geoip2",
    "modsecurity",
    "vhost_traffic_status",
    "opentelemetry",
    "otel_",
)

_FIRST_WORD = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_]*)(?=[\s;{]|$)")

# Files meant to be filled in before use: copies to edit (`site.conf.sample`),
# and what a template engine renders (`default.conf.template`, `templates/`).
TEMPLATE_SUFFIXES = frozenset({".sample", ".example", ".dist", ".template"})
# Template syntax no nginx config holds: `{{ .Env.PORT }}`, `{% if x %}`,
# `<%= port %>`, `%{PORT}`.
# Bounded, so that a search stays linear on a line of a thousand `{{`.
_TEMPLATE_SYNTAX = re.compile(
    r"\{\{[^\n]{0,200}?\}\}|\{%[^\n]{0,200}?%\}|<%[^\n]{0,200}?%>|%\{\w{1,200}\}"
)
_PLACEHOLDER_SPAN = 4096
# Placeholders that only a template's name makes one: `<http or https>`
# standing as a word (a regex's named group, `(?<name>...)`, does not), and an
# environment variable for envsubst (`${PORT}`, `$NGINX_PORT`; nginx's own
# variables are lower case).
_NAMED_TEMPLATE_PLACEHOLDER = re.compile(
    r"(?:^|(?<=[\s\"']))<[A-Za-z_][^<>;{}\n]{0,200}>|\$\{[A-Z][A-Z0-9_]{0,200}\}"
    r"|\$[A-Z][A-Z0-9]{0,200}_[A-Z0-9_]{1,200}"
)

_SAMPLED_STATEMENTS = 20


def is_nginx_directive(name: str) -> bool:
    return name in DIRECTIVES or name.startswith(_THIRD_PARTY_PREFIXES)


def is_template(path: PurePath) -> bool:
    """Whether a file's name or folder marks it as a template to fill in before use."""
    stem, suffix = os.path.splitext(path.name)
    return (
        suffix in TEMPLATE_SUFFIXES
        or "template" in stem.lower()
        or any(folder.lower() in ("template", "templates") for folder in path.parent.parts)
    )


def placeholder(line: str, in_template: bool) -> str | None:
    """The first template placeholder on ``line``, if any.

    Template syntax counts in any file; ``<...>`` and environment variables
    only ``in_template`` (a file :func:`is_template` names so). Only the line's
    first :data:`_PLACEHOLDER_SPAN` characters are searched: a template's lines
    are short, and a line of a megabyte would cost seconds.
    """
    head = line[:_PLACEHOLDER_SPAN]
    found = _TEMPLATE_SYNTAX.search(head)
    if found is None and in_template:
        found = _NAMED_TEMPLATE_PLACEHOLDER.search(head)
    return found.group(0) if found else None


def looks_like_nginx(text: str) -> bool:
    """Whether a file's beginning reads as nginx.

    Its statements must start with directives nginx knows: the first one, or
    at least half of the first few (a snippet may open with a directive newer
    than crossplane's table). Nothing may look like an Apache section
    (``<VirtualHost>``, ``<Directory>``, ...), so that an Apache ``.conf`` is
    left alone rather than misread as broken nginx.
    """
    head = text[:SNIFF_BYTES]
    if "\0" in head or looks_like_apache(head):
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
