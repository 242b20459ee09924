"""Masking credentials, once, for everything a run writes.

A config can hold the very secret a finding is about (a fixed
``Authorization`` value, a password in an upstream URL, a webhook's secret
path). Nothing leaves a run unmasked: reporters show a file's text only
through :meth:`SourceFile.masked_line_text
<authlint.model.source.SourceFile.masked_line_text>`, SARIF fingerprints and
baseline line hashes are computed on the masked text, and the engine masks
every finding's message and fix with :func:`mask_findings` before any output
sees them.

Each hidden character becomes ``*`` and line breaks stay, so a masked text
has the lines, columns and carets of the file. What is hidden:

- in nginx statements, read as nginx reads them (quotes, ``\\`` escapes,
  comments, a statement over several lines): the value of a credential
  header (``Authorization``, ``Cookie``, ``X-Api-Key``...) in any directive
  that sets one, ``*_param NAME value`` where NAME names a secret, the
  arguments of ``*_passwd``, ``*_password`` and ``*_secret`` directives, and
  ``env`` / ``set`` / ``map`` / ``if`` values of variables that name a secret;
- in any text: the token after an auth scheme (``Basic dXNl...``), a URL's
  user information, the values of secret query parameters (``?api_key=``),
  and random-looking runs (long hex, base64, JWTs, mixed-case tokens);
- in messages and fixes: the same patterns, and every string that masking
  the files of the run's findings hid.

``$variables``, directive and header names, auth scheme names and paths stay
visible: they are no secret and they make a report useful.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from authlint.model.source import SourceFile
    from authlint.rule import Finding


@dataclass(frozen=True, slots=True)
class Masked:
    """A text with its secrets hidden, and the strings it hid (messages may quote them)."""

    text: str
    secrets: frozenset[str]


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_VARIABLE = re.compile(r"\$(?:\{\w*\}?|\w+)")
# A text's pieces: variables (kept) and the literal words between them; a
# space escaped as nginx escapes it (`Basic\ dXNl`) separates words too.
_PIECE = re.compile(r"\$\{\w*\}?|\$\w+|(?P<literal>(?:\\\S|[^\s$\\]|\$(?![{\w]))+)")
_ALPHANUMERIC = re.compile(r"[^\W_]")
_QUOTED_MINIMUM = 4

_SCHEMES = frozenset({"basic", "bearer", "digest", "negotiate", "token", "apikey", "ntlm", "hoba"})
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# Words in a header, parameter or variable name that say its value is secret.
# `key` ends a word: `api_key`, `X-Api-Key`, `APP_KEY`, not `keys_zone`.
_SECRET_WORD = re.compile(
    r"passw(?:or)?d|passphrase|secret|token|credential|signature|key(?![a-z])"
    r"|(?<![a-z])(?:pass|pwd|sig)(?![a-z])"
)
# Names of what describes or locates a secret, not of the secret:
# `$memcached_key`, `X-Cache-Key`, `$oauth_token_endpoint`, `SECRET_KEY_FILE`.
_NOT_THE_SECRET = re.compile(
    r"cached?-key(?![a-z])"
    r"|-(?:endpoint|url|uri|hint|file|path|dir|name|type|header|zone|size|length|timeout|ttl)$"
)
# Its value is `true` (or a mistake, which can be a credential written there).
_ALLOW_CREDENTIALS = "access-control-allow-credentials"
_FLAG_WORDS = frozenset({"true", "false", "on", "off", "yes", "no", "1", "0"})


def _names_secret(name: str) -> bool:
    """Whether a header, parameter or variable name says its value is a credential.

    ``Authorization``, ``Cookie``, ``X-Api-Key``, ``HTTP_AUTHORIZATION``,
    ``DB_PASSWORD``, ``secret_key``; not ``Access-Control-Allow-Credentials``,
    whose value is a flag.
    """
    plain = name.lower().replace("_", "-")
    plain = plain.removeprefix("http-")
    if plain == _ALLOW_CREDENTIALS or _NOT_THE_SECRET.search(plain):
        return False
    return plain in _CREDENTIAL_HEADERS or _SECRET_WORD.search(plain) is not None


class _Hider:
    """The ranges of a text to hide, gathered by the passes, then applied at once."""

    __slots__ = ("ranges", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ranges: list[tuple[int, int]] = []

    def hide(self, start: int, end: int) -> None:
        if start < end:
            self.ranges.append((start, end))

    def hide_literals(self, start: int, end: int) -> None:
        """Hide the literal words of ``text[start:end]``.

        Variables, auth scheme names (``Basic``) and words without a letter
        or digit (``...``, ``-``) say what the value is, not what it holds.
        """
        for piece in _PIECE.finditer(self.text, start, end):
            word = piece["literal"]
            if word is None or word.lower() in _SCHEMES or not _ALPHANUMERIC.search(word):
                continue
            self.hide(piece.start(), piece.end())

    def masked(self) -> Masked:
        if not self.ranges:
            return Masked(self.text, frozenset())
        text = self.text
        parts: list[str] = []
        secrets: set[str] = set()
        cursor = 0
        for start, end in _visible_variables(text, _merged(self.ranges)):
            parts.append(text[cursor:start])
            # Line by line, each line's break kept (those str.splitlines() knows).
            for line in text[start:end].splitlines(keepends=True):
                content = line.splitlines()[0]
                parts.append("*" * len(content) + line[len(content) :])
                secret = content.strip()
                if secret:
                    # Messages quote values as crossplane reads them, unescaped.
                    secrets.update((secret, _ESCAPE.sub(r"\1", secret)))
            cursor = end
        parts.append(text[cursor:])
        return Masked("".join(parts), frozenset(secrets))


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _visible_variables(text: str, ranges: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """``ranges`` less the variables in them: ``$http_authorization`` is no secret."""
    for start, end in ranges:
        for variable in _VARIABLE.finditer(text, start, end):
            yield start, variable.start()
            start = variable.end()
        if start < end:
            yield start, end


# --- any text ----------------------------------------------------------------

# The token after an auth scheme: `Basic dXNlcjpwYXNz`, `Bearer eyJ...`, `Basic\ dXNl`, on
# the scheme's line (`AuthType Basic` ends a line; the next one's first word is no token).
# (A scheme's first letter is checked before the look-behind: it rules most
# places out sooner.)
_SCHEME_TOKEN = re.compile(
    rf"(?i)(?=[{''.join(sorted({scheme[0] for scheme in _SCHEMES}))}])(?<![\w$-])"
    rf"(?:{'|'.join(sorted(_SCHEMES))})(?:[ \t]|\\[ \t])+"
    r"(?P<token>[^\s\"'`;{}\\$][^\s\"'`;{}\\]*)"
)
# After `://`, a URL's user information runs to its last `@`: a password can hold `/` or `@`.
_URL = re.compile(r"://(?P<rest>[^\s\"'`<>]+)")
_QUERY_VALUE = re.compile(r"[?&](?P<name>[\w.-]+)=(?P<value>[^&\s\"'`#;]+)")
# Runs that could be random: base64 (with `/`, `+`, `_`, `-`), its `=`
# padding only at the end (`api_key=` is a name, not part of a run).
_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
# Runs are ASCII: each letter or digit as its kind (`0`, `a`, `A`), the rest dropped.
_PUNCTUATION = "".join(chr(code) for code in range(128) if not chr(code).isalnum())
_KINDS = str.maketrans(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0" * 10 + "a" * 26 + "A" * 26,
    _PUNCTUATION,
)
_LETTERS_AND_DIGITS = str.maketrans("", "", _PUNCTUATION)
_HEX = re.compile(r"[0-9a-fA-F]+")
_SAME_KIND = re.compile(r"(.)\1*")
# `Name: value` (to the end of the line) and `name=value`, in free text. A
# value is read only after its name, and at most this long, so that no text
# makes the search quadratic.
_NAME = re.compile(
    r"(?<![\w$-])(?P<quote>[\"']?)(?P<name>[A-Za-z][\w-]*)(?P=quote)"
    r"[ \t]*(?P<separator>[:=])[ \t]*"
)
_VALUE_AFTER = {
    separator: re.compile(
        r"\"(?P<double>[^\"\n]{0,1024})\"|'(?P<single>[^'\n]{0,1024})'|(?P<bare>"
        + bare
        + "{1,1024})"
    )
    for separator, bare in ((":", r"[^\n\"'`]"), ("=", r"[^\s;{}\"'`,&]"))
}
# The plain words (not `X-Api-Key`, `DB_PASSWORD`) that name a value.
_SECRET_KEYS = frozenset(
    {"authorization", "cookie", "password", "passwd", "pwd", "secret", "token", "apikey"}
)
_WORD = re.compile(r"[A-Z]?[a-z]{3,}|[A-Z]{4,}")


def _value_patterns(hider: _Hider, start: int, end: int) -> None:
    """Secrets that look the same in any text: after a scheme, in a URL, random runs."""
    text = hider.text
    for match in _SCHEME_TOKEN.finditer(text, start, end):
        if _credential_like(match["token"]):
            hider.hide(match.start("token"), match.end("token"))
    for match in _URL.finditer(text, start, end):
        rest = match["rest"]
        user_info = rest[: rest.rfind("@")] if "@" in rest else ""
        slash = user_info.find("/")
        # A `/` before any `:` is a path's (`http://host/users/@me`), not a password's.
        if user_info and (slash < 0 or 0 <= user_info.find(":") < slash):
            hider.hide(match.start("rest"), match.start("rest") + len(user_info))
    for match in _QUERY_VALUE.finditer(text, start, end):
        if _names_secret(match["name"]):
            hider.hide(match.start("value"), match.end("value"))
    for match in _RUN.finditer(text, start, end):
        if match.start() > 0 and text[match.start() - 1] in "$\\":
            continue  # a variable's name, or an escape
        _random_runs(hider, match[0], match.start())


def _random_runs(hider: _Hider, run: str, start: int) -> None:
    """Hide a run, or its path segments, that look random.

    A run is base64 with `/` (hidden whole) unless it starts with `/` or a
    word stands between its slashes (`h5bp/commit/37b5...`): then it is a
    path, and each segment is judged alone (`/webhook/Wh7kQ2mZ...`).
    """
    segments = run.split("/")
    if (
        len(segments) > 1
        and segments[0]
        and not any(map(_WORD.fullmatch, segments))
        and _random_looking(run)
    ):
        hider.hide(start, start + len(run))
        return
    for segment in segments:
        if len(segment) >= 16 and _random_looking(segment):
            hider.hide(start, start + len(segment))
        start += len(segment) + 1


def _named_values(hider: _Hider, start: int, end: int) -> None:
    """Values named as secret in free text (comments, messages): ``X-Api-Key: k3y``, ``password=x``.

    A plain word names a value only if it is one of :data:`_SECRET_KEYS` and
    the value is one word or quoted: ``the cookie: per-user, not fixed`` is prose.
    """
    text = hider.text
    position = start
    while (name := _NAME.search(text, position, end)) is not None:
        position = name.end()
        if not _names_secret(name["name"]):
            continue
        value = _VALUE_AFTER[name["separator"]].match(text, position, end)
        if value is None or value.lastgroup is None:
            continue
        group = value.lastgroup
        if "-" not in name["name"] and "_" not in name["name"]:
            if name["name"].lower() not in _SECRET_KEYS:
                continue
            if group == "bare" and len(value[group].split()) > 1:
                continue
        hider.hide_literals(value.start(group), value.end(group))
        position = value.end()


def _credential_like(token: str) -> bool:
    """A scheme's token, not a word: ``auth_basic "Basic Auth"`` names a realm.

    Credentials are long, and hold digits, ``+`` or ``/``, or mixed case.
    """
    body = token.rstrip("=")
    return len(body) >= 24 or (
        len(body) >= 8
        and (
            any(char.isdigit() or char in "+/" for char in body)
            or (any(char.isupper() for char in body[1:]) and any(char.islower() for char in body))
        )
    )


def _random_looking(run: str) -> bool:
    """Whether ``run`` looks random: long hex, or letters and digits that change kind often.

    Words and identifiers (``keys_zone=my_cache_20240101``,
    ``includeSubDomains``, ``ECDHE-RSA-AES256-GCM-SHA384``) change kind a few
    times; a random base62 or base64 token about every other character.
    """
    kinds = run.translate(_KINDS)
    if len(kinds) < 16:
        return False
    present = set(kinds)
    if "0" in present and len(present) > 1 and _HEX.fullmatch(run.translate(_LETTERS_AND_DIGITS)):
        return True
    if len(present) < 2:
        return False
    changes = len(_SAME_KIND.findall(kinds)) - 1
    return changes >= (len(kinds) - 1) * (0.3 if "0" in present else 0.45)


# --- nginx ---------------------------------------------------------------------

# nginx's tokens, as crossplane reads them: a `#` starts a comment only at a
# token's start, quotes only start a token, `\` escapes any character, and
# `;`, `{` and `}` end a word (except in `${name}`). Every match takes the
# spaces before it, and some token (or the end) always follows them: the
# search never fails, so it never backtracks.
_NGINX_TOKEN = re.compile(
    r"""
    \s*(?:
    \#(?P<comment>[^\n]*)
    |"(?P<double>(?:[^"\\]+|\\.)*)(?:"|\\?\Z)
    |'(?P<single>(?:[^'\\]+|\\.)*)(?:'|\\?\Z)
    |(?P<end>[;{}])
    |(?P<word>(?![\#"'])(?:[^\s;{}\\$]+|\\.|\\\Z|\$\{[^}\s]*\}?|\$)+)
    |\Z)
    """,
    re.VERBOSE | re.DOTALL,
)
_COMPARISONS = frozenset({"=", "!="})
_MATCHES = frozenset({"~", "~*", "!~", "!~*"})
_MAP_KEYWORDS = frozenset({"default", "hostnames", "include", "volatile"})
# Directives whose every argument is a secret: `secure_link_secret`,
# nginx-auth-ldap's `binddn_passwd`; `secure_link_md5`'s literals are the secret.
_SECRET_SUFFIXES = frozenset({"passwd", "password", "passphrase", "secret"})
# What a comment must hold to be worth reading as config: a directive of those below.
_CONFIG_HINT = re.compile(
    r"_header|_trailer|_param|more_set|passw|passphrase|secret|secure_link|\b(?:env|set|if|map)\b"
)
_VARIABLE_PREFIXES = ("sent_http_", "upstream_http_", "http_", "arg_", "cookie_")
_Token = re.Match[str]


@dataclass(frozen=True, slots=True)
class _Map:
    """A ``map`` block: are its keys secret (a credential source), its values (a secret's name)?"""

    keys: bool
    values: bool


def _nginx(hider: _Hider, start: int, end: int, *, in_comment: bool = False) -> None:
    """Hide the secret arguments of each statement of nginx text."""
    words: list[_Token] = []
    blocks: list[_Map | None] = []
    for token in _NGINX_TOKEN.finditer(hider.text, start, end):
        kind = token.lastgroup
        if kind == "end":
            if words:
                _statement(hider, words, blocks[-1] if blocks else None)
            if token[kind] == "{":
                blocks.append(_map_block(words))
            elif blocks and token[kind] == "}":
                blocks.pop()
            words = []
        elif kind == "comment":
            if not in_comment:
                _comment(hider, token.start(kind), token.end(kind))
        elif kind is not None:
            words.append(token)
    if words:
        _statement(hider, words, blocks[-1] if blocks else None)


def _comment(hider: _Hider, start: int, end: int) -> None:
    """Commented-out config, and notes: read as config and as free text.

    Only where they could hold such things (a statement's `;`, a name's `:`
    or `=`): most comments are prose, and a file has many.
    """
    body = hider.text[start:end]
    if ";" in body and _CONFIG_HINT.search(body):
        _nginx(hider, start, end, in_comment=True)
    if ":" in body or "=" in body:
        _named_values(hider, start, end)


def _value(token: _Token) -> str:
    """A token's value as crossplane reads it: a quoted one without its quotes, `\\"` as `"`."""
    kind = token.lastgroup or "word"
    value = token[kind]
    if kind == "double":
        return value.replace('\\"', '"')
    if kind == "single":
        return value.replace("\\'", "'")
    return value


def _span(token: _Token) -> tuple[int, int]:
    """Where a token's value is in the text (inside its quotes)."""
    kind = token.lastgroup or "word"
    return token.start(kind), token.end(kind)


def _statement(hider: _Hider, words: list[_Token], block: _Map | None) -> None:
    directive = _value(words[0]).lower()
    args = words[1:]
    if block is not None:
        # A map's entries, `key value;`. A regex key (`~^Bearer`) is a pattern, not a value.
        if block.keys and directive not in _MAP_KEYWORDS and not directive.startswith("~"):
            hider.hide_literals(*_span(words[0]))
        # `default` is followed by a value; `include`, `hostnames`, `volatile` are not.
        if block.values and (directive == "default" or directive not in _MAP_KEYWORDS):
            for arg in args:
                hider.hide_literals(*_span(arg))
        return
    if directive.endswith(("_header", "_trailer", "_param")) and len(args) >= 2:
        _header_value(hider, _value(args[0]), *_span(args[1]))
    elif directive in ("more_set_headers", "more_set_input_headers"):
        _more_set_headers(hider, args)
    elif _secret_directive(directive):
        for arg in args:
            hider.hide_literals(*_span(arg))
    elif directive == "env":
        for arg in args:
            variable, equals, _ = _value(arg).partition("=")
            if equals and _names_secret(variable):
                start, end = _span(arg)
                hider.hide_literals(start + len(variable) + 1, end)
    elif directive == "set" and len(args) >= 2 and _secret_variable(_value(args[0])):
        hider.hide_literals(*_span(args[1]))
    elif directive == "if":
        _if_condition(hider, args)


def _secret_directive(directive: str) -> bool:
    """``secure_link_secret``, ``binddn_passwd``, ``secure_link_md5``: arguments all secret."""
    return directive == "secure_link_md5" or directive.rpartition("_")[2] in _SECRET_SUFFIXES


def _header_value(hider: _Hider, header: str, start: int, end: int) -> None:
    """Hide a header's (or a parameter's) value if its name says it is a credential."""
    if header.lower().replace("_", "-").removeprefix("http-") == _ALLOW_CREDENTIALS:
        # Only a value other than a flag is hidden: a mistake worth showing is `True`.
        value = hider.text[start:end].strip()
        if value.lower() not in _FLAG_WORDS:
            hider.hide_literals(start, end)
    elif _names_secret(header):
        hider.hide_literals(start, end)


def _more_set_headers(hider: _Hider, args: list[_Token]) -> None:
    """headers-more's ``more_set_headers [-s status] [-t type] "Name: value" ...``."""
    options = iter(args)
    for arg in options:
        if _value(arg) in ("-s", "-t"):
            next(options, None)
            continue
        start, end = _span(arg)
        header, colon, _ = hider.text[start:end].partition(":")
        if colon:
            _header_value(hider, header.strip(), start + len(header) + 1, end)


def _secret_variable(text: str) -> bool:
    """Whether the first variable in ``text`` holds a credential (``$http_x_api_key``)."""
    variable = _VARIABLE.search(text)
    if variable is None:
        return False
    name = variable[0].lstrip("$").strip("{}")
    for prefix in _VARIABLE_PREFIXES:
        if name.startswith(prefix):
            return _names_secret(name[len(prefix) :])
    return _names_secret(name)


def _if_condition(hider: _Hider, args: list[_Token]) -> None:
    """``if ($http_x_api_key != "k3y")``: what a credential is compared with is one.

    A regex (``~``) is a pattern, not a value: ``$http_cookie ~ "session="``.
    """
    values = [_value(arg) for arg in args]
    if any(value in _MATCHES for value in values) or not any(map(_secret_variable, values)):
        return
    for arg, value in zip(args, values, strict=True):
        if value in _COMPARISONS or _secret_variable(value):
            continue
        start, end = _span(arg)
        while start < end and hider.text[start] == "(":
            start += 1
        while end > start and hider.text[end - 1] == ")":
            end -= 1
        hider.hide_literals(start, end)


def _map_block(words: list[_Token]) -> _Map | None:
    if len(words) < 3 or _value(words[0]) != "map":
        return None
    return _Map(keys=_secret_variable(_value(words[1])), values=_secret_variable(_value(words[2])))


# --- entry points ----------------------------------------------------------------


def mask_source(text: str, format: str) -> Masked:
    """A file's text, masked: statement by statement for nginx, by pattern otherwise."""
    hider = _Hider(text)
    if format == "nginx":
        _nginx(hider, 0, len(text))
    else:
        _named_values(hider, 0, len(text))
    _value_patterns(hider, 0, len(text))
    return hider.masked()


class MessageMasker:
    """Masks free text (messages, fixes): named values, the patterns, and ``secrets`` where quoted.

    A secret is hidden as a whole word, from 4 characters: a shorter one
    would hide ordinary words. Each text is masked once.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        quoted = sorted({s for s in secrets if len(s) >= _QUOTED_MINIMUM}, key=len, reverse=True)
        alternatives = "|".join(map(re.escape, quoted))
        self._quoted = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if quoted else None
        self._done: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if text not in self._done:
            hider = _Hider(text)
            _named_values(hider, 0, len(text))
            _value_patterns(hider, 0, len(text))
            if self._quoted is not None:
                for match in self._quoted.finditer(text):
                    hider.hide(match.start(), match.end())
            self._done[text] = hider.masked().text
        return self._done[text]


def mask_findings(findings: list[Finding], files: Mapping[str, SourceFile]) -> list[Finding]:
    """``findings`` with their messages and fixes masked: the one place findings are masked.

    A message can quote a config's value (a location's path, a header's
    value), so it is masked as free text, and loses every string that
    masking the files of the findings hid, however short.
    """
    if not findings:
        return findings
    secrets: set[str] = set()
    for path in {finding.span.path for finding in findings}:
        source = files.get(path)
        if source is not None:
            secrets.update(source.masked().secrets)
    mask = MessageMasker(secrets)
    masked = []
    for finding in findings:
        message, fix = mask(finding.message), mask(finding.fix)
        if message != finding.message or fix != finding.fix:
            finding = replace(finding, message=message, fix=fix)
        masked.append(finding)
    return masked
