"""Masking credentials in config text before a reporter prints it.

A finding's line can hold the very secret it is about (a fixed
``Authorization`` value, a password in an upstream URL). Reporters that show
source text pass it through :func:`mask_secrets` first. Each hidden character
becomes ``*``, so columns, and the caret under them, stay where they were.
"""

from __future__ import annotations

import re

_SCHEMES = r"basic|bearer|digest|negotiate|token|apikey"
# A token after an auth scheme: `Basic dXNlcjpwYXNz`, `Bearer eyJ...`.
_SCHEME_TOKEN = re.compile(rf"(?i)(?<![\w$-])({_SCHEMES})(\s+)([^\s\"';{{}}]+)")
# The value after a credential-carrying header name, in any directive's syntax:
# `proxy_set_header Authorization "..."`, `fastcgi_param HTTP_AUTHORIZATION x`,
# `RequestHeader set Cookie "..."`, `Authorization: ...`.
_CREDENTIAL_HEADER = re.compile(
    r"(?i)(?<![\w-])((?:http_)?(?:proxy[-_])?authorization|(?:http_)?cookie"
    r"|x[-_]api[-_]key|x[-_]auth[-_]token)(\s*:\s*|\s+)(\"[^\"]*\"|'[^']*'|[^\s;{}]+)"
)
# `scheme://user:password@host`: the whole user information.
_URL_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)([^/@\s\"';]+)@")
# A long run of base64 or JWT alphabet (not a path, not a `$variable`).
_LONG_TOKEN = re.compile(r"(?<![\w/$+=-])[A-Za-z0-9+_=-][A-Za-z0-9+/_=-]{19,}")
_HEX = re.compile(r"^[0-9a-fA-F]{32,}$")
_VARIABLE = re.compile(r"\$(?:\{\w+\}|\w+)")
_SCHEME_WORD = re.compile(rf"(?i)^(?:{_SCHEMES})$")


def mask_secrets(text: str) -> str:
    """``text`` with every credential-looking value replaced by ``*``s of its length."""
    text = _CREDENTIAL_HEADER.sub(_mask_header_value, text)
    text = _SCHEME_TOKEN.sub(_mask_scheme_token, text)
    text = _URL_USERINFO.sub(lambda match: match[1] + _stars(match[2]) + "@", text)
    return _LONG_TOKEN.sub(_mask_long_token, text)


def _mask_header_value(match: re.Match[str]) -> str:
    """Hide a header value's literal text; variables (``$http_authorization``) are no secret."""
    value = match[3]
    quote = value[0] if value[:1] in ("'", '"') else ""
    inner = value[len(quote) : len(value) - len(quote)] if quote else value
    return match[1] + match[2] + quote + _mask_literals(inner) + quote


def _mask_literals(value: str) -> str:
    parts: list[str] = []
    cursor = 0
    for variable in _VARIABLE.finditer(value):
        parts.append(_mask_words(value[cursor : variable.start()]))
        parts.append(variable[0])
        cursor = variable.end()
    parts.append(_mask_words(value[cursor:]))
    return "".join(parts)


def _mask_words(literal: str) -> str:
    """Stars for each word, except an auth scheme's name (``Basic``), which says what it was."""
    return re.sub(
        r"\S+", lambda word: word[0] if _SCHEME_WORD.match(word[0]) else _stars(word[0]), literal
    )


def _mask_scheme_token(match: re.Match[str]) -> str:
    token = match[3]
    # A realm such as `auth_basic "Basic Auth"` is no credential; tokens are
    # long, or hold base64's digits and padding.
    credential = len(token) >= 8 or any(char.isdigit() or char in "+/=" for char in token)
    return match[1] + match[2] + (_stars(token) if credential else token)


def _mask_long_token(match: re.Match[str]) -> str:
    """Random-looking runs only: identifiers such as ``keys_zone=cache_2024`` have no capitals."""
    token = match[0]
    mixed = (
        any(char.isupper() for char in token)
        and any(char.islower() for char in token)
        and any(char.isdigit() for char in token)
    )
    return _stars(token) if mixed or _HEX.match(token) else token


def _stars(secret: str) -> str:
    return "*" * len(secret)
