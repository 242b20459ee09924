"""What httpd passes on, and to whom: the handler of a request, the request headers it
changes, and what becomes of the client's ``Authorization`` on the way.

- The handler: ``ProxyPass``/``ProxyPassMatch`` and ``RewriteRule ... [P]``
  (mod_proxy: HTTP, FastCGI, SCGI, uwsgi by the URL's scheme), ``SetHandler``
  and ``AddHandler`` (``proxy:fcgi://...``, ``cgi-script``, mod_fcgid's
  ``fcgid-script``, a handler an ``Action`` maps to a script), ``ScriptAlias``.
  ``SetHandler`` wins over ``AddHandler`` wherever each is written (core
  overrides mod_mime's choice).
- ``RequestHeader`` (mod_headers, in the fixups) changes the headers in merge
  order; mod_proxy_http passes the client's headers on.
- CGI, FastCGI and SCGI get the headers as ``HTTP_*`` variables from
  ``ap_add_common_vars``, which leaves ``Authorization`` out unless
  ``CGIPassAuth On`` (semantics.md §4.3; mod_fcgid calls it too). uwsgi gets
  it: mod_proxy_uwsgi adds the request's headers itself (seen on httpd 2.4).
  Variables set before the handler reach the script anyway:
  ``SetEnvIf[NoCase] Authorization "(.+)" HTTP_AUTHORIZATION=$1`` and
  ``RewriteRule ... [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]`` are the
  working copies. ``%{HTTP_AUTHORIZATION}`` is no mod_rewrite variable: it
  copies an empty value.

Assumed, as frameworks do: a copy made by a per-directory ``RewriteRule`` that
ends in an internal redirect (a front controller) reaches the script renamed
``REDIRECT_HTTP_AUTHORIZATION``; Laravel, Symfony and the PHP libraries that
read the header read both names, so such a copy counts as passing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlint.apache import regex, rewrite
from authlint.apache.htaccess import directory_sections, overrides_at
from authlint.apache.scopes import (
    HTACCESS,
    host_of,
    proxy_pass_maps,
    request_of,
    search,
    written_document_root,
)
from authlint.model.credentials import is_credential_header
from authlint.model.scope import ScopeRole
from authlint.model.settings import (
    AuthorizationForwarding,
    AuthorizationState,
    HeaderEntry,
    RequestHeaders,
    Setting,
    Upstream,
    UpstreamKind,
)

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node

# A PHP script's name, alone or in a handler's line (a path, an extension, a regex).
_PHP = re.compile(r"\.(?:php\d?|phtml)(?![\w-])", re.IGNORECASE)
_PROXY_SCHEMES = {
    "fcgi": UpstreamKind.FASTCGI,
    "scgi": UpstreamKind.SCGI,
    "uwsgi": UpstreamKind.UWSGI,
}
# The handlers that get the request's headers from ap_add_common_vars alone
# (mod_proxy_uwsgi adds every header itself: Authorization reaches uwsgi).
HIDDEN_FROM = frozenset({UpstreamKind.CGI, UpstreamKind.FASTCGI, UpstreamKind.SCGI})
REASON = "Apache hides `Authorization` from CGI and FastCGI unless `CGIPassAuth On`"
_AUTHORIZATION_VARIABLE = "HTTP_AUTHORIZATION"
_FLAG_ENV = re.compile(r"^(?:E|env)=(!?)([^:]+)(?::(.*))?$", re.IGNORECASE)
_REWRITE = frozenset(
    {"rewriteengine", "rewriterule", "rewritecond", "rewriteoptions", "rewritebase"}
)
# Two Authorization values a working copy must hand over whole.
_SAMPLES = ("Bearer client", "Basic YWxpY2U6c2VjcmV0")
_MAPPED_BY_PROXY = frozenset({"proxypass", "proxypassmatch", "rewriterule"})
_COPYING = frozenset({"cgipassauth", "setenvif", "setenvifnocase", "rewriteengine", "rewriterule"})
_MODIFYING = frozenset({"set", "append", "add", "merge", "setifempty", "edit", "edit*"})


# --- The handler ----------------------------------------------------------------------


def upstream(chain: tuple[Scope, ...], scope: Scope) -> Upstream:
    """Who answers the request ``scope`` stands for: a proxied backend, a FastCGI or CGI
    script, or files.

    The URL is mapped first: a server-context ``RewriteRule [P]`` that runs, else a
    ``ProxyPass`` in a ``<Location>``, else the first server-context one that matches
    (``!`` keeps the path here), else a ``RewriteRule [P]`` that may run. Then the
    handler: ``SetHandler`` (or ``ScriptAlias``), else ``AddHandler``.
    """
    request = request_of(scope)
    url, file = request.url, request.file
    rewritten = rewrite.server_proxy(host_of(scope), url)
    if rewritten is not None:
        return _proxy_upstream(rewritten.node.args[1], rewritten.node)
    name = file.rsplit("/", 1)[-1] if file and not file.endswith("/") else ""
    handler: Upstream | None = None
    added: Upstream | None = None
    located: Upstream | None = None
    mapped: Upstream | None = None
    decided = False
    actions = _actions(chain)
    for level in chain:
        for node in level.directives:
            key = node.name.lower()
            if key == "sethandler" and node.args:
                handler = _handler(node.args[0], node, actions, chain) or handler
            elif key == "addhandler" and len(node.args) >= 2 and _has_extension(name, node):
                added = _handler(node.args[0], node, actions, chain) or added
            elif key in ("proxypass", "proxypassmatch") and node.args:
                if level.role is ScopeRole.ROUTE:
                    target = node.args[0] if "://" in node.args[0] else None
                    located = _proxy_upstream(target, node) if target else located
                elif not decided and proxy_pass_maps(node, url):
                    decided = True
                    target = node.args[1]
                    mapped = _proxy_upstream(target, node) if target != "!" else None
            elif (
                key in ("scriptalias", "scriptaliasmatch")
                and len(node.args) >= 2
                and url is not None
                and _alias_applies(node, url)
            ):
                handler = Upstream(UpstreamKind.CGI, node.args[1], node)
    for level in _rewrite_levels(chain, scope):
        rules = rewrite.rewrite_rules(level)
        for index in range(len(rules)):
            mapped = mapped or _rewrite_proxy(rules, index, _subject(level, scope))
    found = located or mapped or handler or added
    if found is None:
        return Upstream(UpstreamKind.STATIC, "files", None)
    if found.kind in HIDDEN_FROM and _runs_php(name, found):
        found.application = "PHP"
    return found


def _runs_php(name: str, handler: Upstream) -> bool:
    """The handler runs PHP scripts: the request's file is one, or the handler's line
    names them (``AddHandler ... .php``, a ``ProxyPassMatch`` for them, a backend script
    ``app.php``); a FastCGI status page or a CGI folder does not."""
    words = " ".join(handler.origin.args) if handler.origin is not None else ""
    return bool(_PHP.search(name) or _PHP.search(words))


def _has_extension(name: str, node: Node) -> bool:
    """mod_mime matches each dot-separated part of a file name after the first."""
    parts = {part.lower() for part in name.split(".")[1:]}
    return any(arg.lower().lstrip(".") in parts for arg in node.args[1:] if arg != "#")


def _actions(chain: tuple[Scope, ...]) -> dict[str, Node]:
    """mod_actions' ``Action handler-name /script``, by handler name (lower case)."""
    found: dict[str, Node] = {}
    for level in chain:
        for node in level.own.get("action", ()):
            if len(node.args) >= 2:
                found[node.args[0].lower()] = node
    return found


def _handler(
    name: str, node: Node, actions: dict[str, Node], chain: tuple[Scope, ...]
) -> Upstream | None:
    lowered = name.lower()
    if lowered.startswith("proxy:"):
        target = lowered.removeprefix("proxy:")
        return _proxy_upstream(target.split("|", 1)[-1], node)
    if lowered == "cgi-script":
        return Upstream(UpstreamKind.CGI, "cgi-script", node)
    if lowered == "fcgid-script":
        wrapper = _last(chain, "fcgidwrapper")
        return Upstream(UpstreamKind.FASTCGI, wrapper.arg(0) if wrapper else "fcgid", node)
    if lowered in ("none", "default-handler"):
        return Upstream(UpstreamKind.STATIC, "files", node)
    action = actions.get(lowered)
    if action is not None:
        # The script the action names runs in an internal redirect, whose own
        # sections authlint does not follow: what it receives is not known.
        return Upstream(UpstreamKind.CGI, action.args[1], node, known=False)
    return None


def _proxy_upstream(target: str, node: Node) -> Upstream:
    scheme = target.split(":", 1)[0].lower()
    return Upstream(_PROXY_SCHEMES.get(scheme, UpstreamKind.PROXY), target, node)


def _alias_applies(node: Node, url: str) -> bool:
    if node.name.lower() == "scriptaliasmatch":
        return search(node.args[0], url)
    return url.startswith(node.args[0])


def _last(chain: tuple[Scope, ...], key: str) -> Node | None:
    found = None
    for level in chain:
        written = level.own.get(key)
        if written:
            found = written[-1]
    return found


def unread_htaccess_may_set(
    chain: tuple[Scope, ...], scope: Scope, handler: Upstream | None, names: frozenset[str]
) -> bool:
    """Whether an ``.htaccess`` authlint did not read could set one of the directives
    ``names`` for the request: it maps to a file (mod_proxy did not take it when its
    URL was mapped), the ``AllowOverride`` in effect there allows one of them, and no
    ``.htaccess`` of its folders was read (a tree without them may not be the one
    served)."""
    if any(level.kind == HTACCESS for level in chain):
        return False
    origin = handler.origin if handler is not None else None
    if origin is not None and origin.name.lower() in _MAPPED_BY_PROXY:
        return False
    file = request_of(scope).file
    if file is None:
        return False
    host = host_of(scope)
    folder = file.rstrip("/") if file.endswith("/") else file.rsplit("/", 1)[0]
    folders = [folder or "/"]
    if written_document_root(host) is None:
        # Where the files are served from is not written in what was read: any folder
        # whose <Directory> lets .htaccess files set them may be the one.
        folders += [section.node.arg(0) for section in directory_sections(host) if section.node]
    return any(
        overrides_at(host, candidate).allows(name) is not False
        for candidate in folders
        for name in names
    )


# --- mod_rewrite ------------------------------------------------------------------------


def _per_directory(level: Scope) -> bool:
    return level.role in (ScopeRole.ROUTE, ScopeRole.CONDITION)


def _rewrite_levels(chain: tuple[Scope, ...], scope: Scope) -> list[Scope]:
    """The levels whose rewrite rules run for the request, with the engine on.

    Server context: the host's own rules (a virtual host inherits none of the
    main server's unless ``RewriteOptions Inherit``). Per-directory: the rules of the
    last section with mod_rewrite directives of its own (a section's list replaces the
    outer one unless ``RewriteOptions Inherit``); the engine's state is inherited.
    """
    found = rewrite.server_levels(host_of(scope))
    per_directory = [level for level in chain if _per_directory(level) and _rewrites(level)]
    engine = next(
        (level for level in reversed(per_directory) if level.own.get("rewriteengine")), None
    )
    if engine is None or not rewrite.engine_on(engine):
        return found
    kept: list[Scope] = []
    for level in reversed(per_directory):
        kept.insert(0, level)
        if not rewrite.inherits(level):
            break
    return found + kept


def _rewrites(level: Scope) -> bool:
    return any(key in level.own for key in _REWRITE)


def _subject(level: Scope, scope: Scope) -> str | None:
    """What a level's rules match: the URL path in server context; per directory, the
    path below the section's folder."""
    request = request_of(scope)
    if not _per_directory(level):
        return request.url
    folder = request_of(level).file
    if folder and request.file and request.file.startswith(folder):
        return request.file[len(folder) :]
    return request.url.lstrip("/") if request.url is not None else None


def _rewrite_proxy(rules: list[rewrite.Rule], index: int, subject: str | None) -> Upstream | None:
    """The backend a ``RewriteRule ... [P]`` proxies to, where it may apply."""
    rule = rules[index]
    node = rule.node
    if not rule.proxies:
        return None
    reached = rewrite.reaches(rules, index, subject)
    if not reached.runs and reached.known:
        return None
    found = _proxy_upstream(node.args[1], node)
    found.known = reached.runs and reached.known
    return found


# --- Request headers ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _HeaderAction:
    """A ``RequestHeader`` line as mod_headers reads it."""

    action: str
    name: str
    value: str
    conditional: bool
    early: bool
    origin: Node


def _request_actions(chain: tuple[Scope, ...]) -> list[_HeaderAction]:
    found = []
    for level in chain:
        for node in level.own.get("requestheader", ()):
            words = [word for word in node.args if word != "#"]
            early = "early" in (word.lower() for word in words)
            words = [word for word in words if word.lower() != "early"]
            if len(words) < 2:
                continue
            action, name = words[0].lower(), words[1]
            rest = words[2:] if action != "unset" else []
            value = rest[0] if rest else ""
            conditional = any(
                word.startswith(("env=", "expr="))
                for word in words[2 if action == "unset" else 3 :]
            )
            if action == "unset" or action in _MODIFYING:
                found.append(_HeaderAction(action, name, value, conditional, early, node))
    return found


def _environment_copies(chain: tuple[Scope, ...], scope: Scope) -> list[HeaderEntry]:
    """The variables set before the handler that CGI-style handlers receive, as
    entries named for the variable (``HTTP_AUTHORIZATION``)."""
    found = []
    for level in chain:
        for node in level.directives:
            key = node.name.lower()
            if key in ("setenvif", "setenvifnocase") and len(node.args) >= 3:
                for word in node.args[2:]:
                    name, _, value = word.partition("=")
                    if name.startswith("HTTP_") and not name.startswith("!"):
                        found.append(HeaderEntry(name, value, node))
            elif key == "fcgidpassheader" and node.args:
                found.append(HeaderEntry(f"HTTP_{node.args[0].upper()}", "", node))
    for level in _rewrite_levels(chain, scope):
        for rule in rewrite.rewrite_rules(level):
            for flag in rule.flags:
                match = _FLAG_ENV.match(flag)
                if match and not match.group(1) and match.group(2).startswith("HTTP_"):
                    found.append(HeaderEntry(match.group(2), match.group(3) or "", rule.node))
    return found


def request_headers(
    chain: tuple[Scope, ...], scope: Scope, handler: Upstream, known: bool
) -> RequestHeaders | None:
    """``RequestHeader`` changes in merge order (``unset`` as an empty value), and for
    CGI-style handlers the ``HTTP_*`` variables set before them."""
    if not handler.forwards_headers:
        return None
    entries = [
        HeaderEntry(action.name, action.value, action.origin) for action in _request_actions(chain)
    ]
    if handler.kind in HIDDEN_FROM:
        entries += _environment_copies(chain, scope)
    return RequestHeaders(
        tuple(entries), host_of(scope), (), True, Setting(True), known and handler.known
    )


def credentials_sent_upstream(headers: RequestHeaders | None) -> tuple[HeaderEntry, ...]:
    """Entries whose value reads a credential of the request: ``%{HTTP:Authorization}``,
    ``%{Cookie}i``, a token header, or the capture of a ``SetEnvIf`` on one."""
    if headers is None:
        return ()
    found = []
    for entry in headers.entries:
        names = [
            next(group for group in match.groups() if group is not None)
            for match in rewrite.HEADER_VALUE.finditer(entry.value)
        ]
        copier = entry.origin.name.lower()
        if copier == "fcgidpassheader" or (copier.startswith("setenvif") and "$" in entry.value):
            names.append(entry.origin.arg(0))
        if any(is_credential_header(name) for name in names):
            found.append(entry)
    return tuple(found)


# --- Authorization ----------------------------------------------------------------------


def authorization(
    chain: tuple[Scope, ...], scope: Scope, handler: Upstream, known: bool
) -> AuthorizationForwarding | None:
    """What becomes of the client's ``Authorization`` on its way to the handler."""
    if not handler.forwards_headers:
        return None
    known = known and handler.known
    state, origin, literal, early = AuthorizationState.PASSES, None, False, False
    for action in _request_actions(chain):
        if action.name.lower() != "authorization":
            continue
        if action.conditional:
            known = False
            continue
        if action.action == "unset":
            state, origin, literal, early = (
                AuthorizationState.REMOVED,
                action.origin,
                False,
                action.early,
            )
        elif action.action == "setifempty":
            if state is AuthorizationState.REMOVED:
                state, origin, literal = AuthorizationState.REPLACED, action.origin, _fixed(action)
        elif action.action == "set":
            state, origin, literal = AuthorizationState.REPLACED, action.origin, _fixed(action)
        else:
            state, origin, literal = AuthorizationState.REPLACED, action.origin, False
    if handler.kind not in HIDDEN_FROM:
        return AuthorizationForwarding(state, origin, literal, known)
    if state is AuthorizationState.REMOVED and early:
        # Removed before anything could copy it.
        return AuthorizationForwarding(state, origin, literal, known)
    copy = _working_copy(chain, scope, handler)
    if copy.origin is not None:
        # The copy ran before mod_headers changed the header (fixups run last).
        copied_known = known and copy.known and state is not AuthorizationState.REPLACED
        return AuthorizationForwarding(AuthorizationState.PASSES, copy.origin, False, copied_known)
    passed = _last(chain, "cgipassauth")
    if passed is not None and passed.arg(0).lower() == "on":
        if state is AuthorizationState.PASSES:
            return AuthorizationForwarding(state, passed, False, known)
        return AuthorizationForwarding(state, origin, literal, known)
    if state is AuthorizationState.REMOVED:
        return AuthorizationForwarding(state, origin, literal, known and copy.known)
    known = known and not unread_htaccess_may_set(chain, scope, handler, _COPYING)
    reason = REASON + "".join(f" ({miss})" for miss in copy.misses)
    return AuthorizationForwarding(
        AuthorizationState.REMOVED, handler.origin, False, known and copy.known, reason=reason
    )


def _fixed(action: _HeaderAction) -> bool:
    return "%{" not in action.value and not action.value.startswith("expr=")


@dataclass(frozen=True, slots=True)
class _Copy:
    """The directive that copies ``Authorization`` into ``HTTP_AUTHORIZATION`` (``None``:
    none does), whether that is known, and the near-misses that copy nothing, as
    messages name them."""

    origin: Node | None
    known: bool
    misses: tuple[str, ...]


def _working_copy(chain: tuple[Scope, ...], scope: Scope, handler: Upstream) -> _Copy:
    known = True
    misses: list[str] = []
    for level in chain:
        for node in level.directives:
            key = node.name.lower()
            if key in ("setenvif", "setenvifnocase") and _setenvif_copies(node):
                return _Copy(node, True, ())
            if (
                key == "fcgidpassheader"
                and _fcgid(handler)
                and node.arg(0).lower() == "authorization"
            ):
                return _Copy(node, True, ())
    for level in _rewrite_levels(chain, scope):
        rules = rewrite.rewrite_rules(level)
        for index, rule in enumerate(rules):
            value = _rewrite_copy(rule)
            if value is None:
                continue
            if not _copies_header(value, rule):
                misses.append(
                    f"`{rule.node.name}` at {rule.node.where} copies nothing: `{value}` is no "
                    "mod_rewrite variable, the header is `%{HTTP:Authorization}`"
                )
                continue
            reached = rewrite.reaches(rules, index, _subject(level, scope))
            if reached.runs:
                return _Copy(rule.node, reached.known, ())
            known = known and reached.known
    return _Copy(None, known, tuple(misses))


def _fcgid(handler: Upstream) -> bool:
    return handler.origin is not None and handler.origin.arg(0).lower() == "fcgid-script"


def _rewrite_copy(rule: rewrite.Rule) -> str | None:
    """The value a rule's ``E=HTTP_AUTHORIZATION:value`` flag sets, if it has one."""
    for flag in rule.flags:
        match = _FLAG_ENV.match(flag)
        if match and not match.group(1) and match.group(2) == _AUTHORIZATION_VARIABLE:
            return match.group(3) or ""
    return None


def _copies_header(value: str, rule: rewrite.Rule) -> bool:
    """``%{HTTP:Authorization}``, or ``%N`` of a condition on the header whose group N
    is the whole value."""
    if rewrite.header_name(value) == "authorization":
        return True
    backreference = re.fullmatch(r"%(\d)", value)
    if backreference is None or not rule.conditions:
        return False
    condition = rule.conditions[-1]
    if not rewrite.tests_authorization(condition) or len(condition.args) < 2:
        return False
    return _captures_whole(condition.args[1], int(backreference.group(1)))


def _setenvif_copies(node: Node) -> bool:
    """``SetEnvIf Authorization REGEX HTTP_AUTHORIZATION=$N`` whose group N is the
    whole header, whatever it holds."""
    if node.arg(0).lower() != "authorization":
        return False
    for word in node.args[2:]:
        name, _, value = word.partition("=")
        backreference = re.fullmatch(r"\$(\d)", value)
        if name == _AUTHORIZATION_VARIABLE and backreference is not None:
            return _captures_whole(node.args[1], int(backreference.group(1)))
    return False


def _captures_whole(pattern: str, group: int) -> bool:
    if pattern.startswith("!"):
        return False
    for sample in _SAMPLES:
        try:
            match = regex.find(pattern, sample)
        except regex.Unanswered:
            return False
        if match is None or group > len(match.groups()) or match.group(group) != sample:
            return False
    return True
