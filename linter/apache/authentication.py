"""Who checks credentials in an Apache scope: mod_auth_basic and mod_auth_digest, asked
for by mod_authz_core's ``Require`` rules.

- ``AuthType``, ``AuthName``, ``AuthUserFile``, ``AuthBasicProvider`` and
  ``AuthDigestProvider`` merge field by field over the sections
  (:func:`authlint.apache.scopes.merge_chain`): the latest one written wins.
- The ``Require`` rules of the latest section that has any replace the outer
  ones, unless that section says ``AuthMerging And`` or ``Or``, which joins
  them as ``<RequireAll>`` or ``<RequireAny>`` would (semantics.md §4.2). The
  rules of a section are one ``<RequireAny>``.
- httpd first runs the rules without a user: where they need one (a user,
  group or ``valid-user`` rule decides), it asks for credentials (401). Where
  an address, environment or ``all granted`` rule can grant the request
  first (``<RequireAny>``, ``Satisfy Any`` with ``Allow``), some requests pass
  without credentials: ``any_suffices``. Where the rule that grants is
  ``Require all granted``, an address rule for every address (``0.0.0.0/0``,
  ``::/0``) or ``Satisfy Any`` with ``Allow from all`` (no ``Deny`` that
  ``Order Allow,Deny`` lets win), every client passes so, and the rule that
  asks for a user never runs: ``open_to_all``.
- ``Require`` inside ``<Limit>`` applies to the methods listed, inside
  ``<LimitExcept>`` to the others (``GET`` brings ``HEAD``); ``Require method``
  decides by the method. A method no rule asks credentials of is exempt.
- An ``<If "%{REQUEST_METHOD} == 'OPTIONS'">`` with rules of its own merges
  last for preflights, and a server-context ``RewriteRule`` that answers
  ``OPTIONS`` itself runs before authentication.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, cast

from authlint.apache.config import conditions_of
from authlint.apache.forwarding import unread_htaccess_may_set
from authlint.apache.rewrite import rewrite_rules
from authlint.apache.scopes import host_of
from authlint.model.scope import ScopeRole
from authlint.model.settings import AuthCheck, Authentication, AuthKind, Setting

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.apache.settings import ApacheSettings
    from authlint.model.scope import Scope
    from authlint.model.settings import Upstream
    from authlint.model.tree import Node

_LIMITS = frozenset({"limit", "limitexcept"})
_CONTAINERS = frozenset({"requireany", "requireall", "requirenone"})
_CONDITIONAL = frozenset({"if", "elseif", "else"})
_AUTH_DIRECTIVES = frozenset(
    {"authtype", "authname", "authuserfile", "authbasicprovider", "require", "authmerging"}
)
# The methods httpd knows by name, as exempt methods are listed.
METHODS = (
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "CONNECT",
    "OPTIONS",
    "TRACE",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
)
# Rules that decide without a user (mod_authz_host, mod_authz_core).
_WITHOUT_USER = frozenset({"ip", "host", "forward-dns", "local", "env", "expr", "method"})
# The addresses that stand for every client (mod_authz_host; mod_access_compat's `all`).
_EVERY_ADDRESS = frozenset({"all", "0.0.0.0/0", "::/0"})
_OPTIONS_TEST = re.compile(r"%\{REQUEST_METHOD\}\s*(?:==|=~|-strmatch)\s*['\"/^]*OPTIONS", re.I)
_MERGE_PRODUCT_LIMIT = 4096


class Outcome(str, Enum):
    """What the rules answer a request without credentials."""

    GRANTED = "granted"
    DENIED = "denied"
    # A user must be known: httpd asks for credentials.
    NEEDS_USER = "needs-user"


@dataclass(frozen=True, slots=True)
class AccessRule:
    """One ``Require`` line, or a ``<Require*>`` container of them (``children``).

    ``methods`` is where a ``<Limit>``/``<LimitExcept>`` restricts it (``None``:
    every method), with ``limit`` that section.
    """

    node: Node
    op: str
    negated: bool = False
    children: tuple[AccessRule, ...] = ()
    methods: frozenset[str] | None = None
    limit: Node | None = None

    def outcomes(self, method: str) -> frozenset[Outcome] | None:
        """What this rule can answer a request of ``method`` without credentials
        (``None``: it does not apply to the method)."""
        if self.methods is not None and method not in self.methods:
            return None
        if self.op in _CONTAINERS:
            return _combine(self.op, [child.outcomes(method) for child in self.children])
        return _leaf(self, method)

    def for_anyone(self, method: str) -> frozenset[Outcome] | None:
        """What this rule can answer a client of any address, without credentials, for
        ``method``: as :meth:`outcomes`, but a rule for every address grants."""
        if self.methods is not None and method not in self.methods:
            return None
        if self.op in _CONTAINERS:
            return _combine(self.op, [child.for_anyone(method) for child in self.children])
        if _grants_anyone(self):
            return frozenset({Outcome.GRANTED})
        return _leaf(self, method)


def _grants_anyone(rule: AccessRule) -> bool:
    """``Require all granted``, or an address rule (``Require ip``, mod_access_compat's
    ``Allow from``) for every address, not negated."""
    if rule.negated:
        return False
    args = [arg.lower() for arg in rule.node.args]
    if rule.op == "all":
        return args[1:2] == ["granted"]
    return rule.op == "ip" and any(arg in _EVERY_ADDRESS for arg in args[1:])


def _asks_user(rule: AccessRule) -> bool:
    """A rule only a known user can pass (``valid-user``, ``user``, ``group``, ...)."""
    return Outcome.NEEDS_USER in _leaf(rule, "GET")


def _leaf(rule: AccessRule, method: str) -> frozenset[Outcome]:
    kind = rule.op
    if kind == "all":
        granted = rule.node.arg(1).lower() == "granted"
        found = {Outcome.GRANTED if granted else Outcome.DENIED}
    elif kind == "method":
        listed = method in (arg.upper() for arg in rule.node.args[1:])
        found = {Outcome.GRANTED if listed != rule.negated else Outcome.DENIED}
        return frozenset(found)
    elif kind == "expr" and "REMOTE_USER" in " ".join(rule.node.args).upper():
        found = {Outcome.NEEDS_USER}
    elif kind in _WITHOUT_USER:
        found = {Outcome.GRANTED, Outcome.DENIED}
    else:
        found = {Outcome.NEEDS_USER}
    if rule.negated and found == {Outcome.GRANTED}:
        return frozenset({Outcome.DENIED})
    return frozenset(found)


def _combine(op: str, parts: list[frozenset[Outcome] | None]) -> frozenset[Outcome] | None:
    present = [part for part in parts if part is not None]
    if not present:
        return None
    size = 1
    for part in present:
        size *= len(part)
    if size > _MERGE_PRODUCT_LIMIT:
        return frozenset(Outcome)
    return frozenset(_decide(op, choice) for choice in itertools.product(*present))


def _decide(op: str, choice: tuple[Outcome, ...]) -> Outcome:
    """mod_authz_core's answer of a container, given its rules' answers."""
    if op == "requireany":
        if Outcome.GRANTED in choice:
            return Outcome.GRANTED
        return Outcome.NEEDS_USER if Outcome.NEEDS_USER in choice else Outcome.DENIED
    if op == "requireall":
        if Outcome.DENIED in choice:
            return Outcome.DENIED
        return Outcome.NEEDS_USER if Outcome.NEEDS_USER in choice else Outcome.GRANTED
    # <RequireNone>: granted unless one of its rules grants.
    if Outcome.GRANTED in choice:
        return Outcome.DENIED
    return Outcome.NEEDS_USER if Outcome.NEEDS_USER in choice else Outcome.GRANTED


# --- Reading the sections -------------------------------------------------------------


def _levels(chain: tuple[Scope, ...]) -> list[Scope]:
    """The merged sections; a ``<Limit>`` belongs to the section it is written in."""
    return [level for level in chain if level.kind not in _LIMITS]


def _own(level: Scope) -> list[tuple[Node, Node | None]]:
    """A section's directives, each with the ``<Limit>`` it sits in (kept by its settings)."""
    return cast("ApacheSettings", level.settings).access_directives


def own_directives(level: Scope) -> Iterator[tuple[Node, Node | None]]:
    """A section's directives, each with the ``<Limit>``/``<LimitExcept>`` it sits in."""
    for node in level.directives:
        if node.name.lower() in _LIMITS and node.children is not None:
            yield from ((inner, node) for inner in node.children)
        else:
            yield node, None
    # <Limit> sections sit in route sections only (httpd refuses them elsewhere): the
    # server's and the hosts' many children are not walked for each request.
    if level.role is not ScopeRole.ROUTE:
        return
    for section in level.children:
        if section.kind in _LIMITS and section.node is not None:
            yield from ((inner, section.node) for inner in section.directives)


def _limit_methods(limit: Node | None) -> frozenset[str] | None:
    if limit is None:
        return None
    listed = {arg.upper() for arg in limit.args}
    if "GET" in listed:
        listed.add("HEAD")
    if limit.name.lower() == "limit":
        return frozenset(listed)
    return frozenset(method for method in METHODS if method not in listed)


def _rule(node: Node, limit: Node | None) -> AccessRule | None:
    key = node.name.lower()
    methods = _limit_methods(limit)
    if key in _CONTAINERS:
        children = tuple(
            rule for child in node.children or () if (rule := _rule(child, None)) is not None
        )
        return AccessRule(node, key, children=children, methods=methods, limit=limit)
    if key != "require" or not node.args:
        return None
    args = list(node.args)
    negated = args[0].lower() == "not"
    kind = (args[1] if negated and len(args) > 1 else args[0]).lower()
    return AccessRule(node, kind, negated=negated, methods=methods, limit=limit)


def _section_rules(level: Scope) -> list[AccessRule]:
    return cast("ApacheSettings", level.settings).access_rules


def section_rules(level: Scope) -> list[AccessRule]:
    """A section's own authorization rules, each with the methods its ``<Limit>`` gives."""
    return [rule for node, limit in _own(level) if (rule := _rule(node, limit)) is not None]


def _merging(level: Scope) -> str | None:
    for node, _ in _own(level):
        if node.name.lower() == "authmerging" and node.args:
            return node.arg(0).lower()
    return None


@dataclass(frozen=True, slots=True)
class _Authz:
    """The rules in effect: a ``<RequireAny>`` of ``rules`` (joined with the outer ones
    where ``AuthMerging`` says so), as a tree."""

    root: AccessRule | None

    def outcomes(self, method: str) -> frozenset[Outcome]:
        found = self.root.outcomes(method) if self.root is not None else None
        # No rule at all: httpd grants the request.
        return found if found is not None else frozenset({Outcome.GRANTED})


def _merged(levels: list[Scope], satisfy_any: Node | None, allow: Node | None) -> _Authz:
    current: AccessRule | None = None
    for level in levels:
        rules = _section_rules(level)
        if not rules:
            continue
        node = rules[0].node
        own = AccessRule(node, "requireany", children=tuple(rules))
        merging = _merging(level)
        if current is not None and merging in ("and", "or"):
            op = "requireall" if merging == "and" else "requireany"
            current = AccessRule(node, op, children=(current, own))
        else:
            current = own
    if current is not None and satisfy_any is not None and allow is not None:
        # Satisfy Any: passing mod_access_compat's address rules is enough.
        host = AccessRule(allow, "ip")
        current = AccessRule(satisfy_any, "requireany", children=(current, host))
    return _Authz(current)


def _last(levels: list[Scope], key: str) -> Node | None:
    for level in reversed(levels):
        found = cast("ApacheSettings", level.settings).last_access.get(key)
        if found is not None:
            return found
    return None


def last_directives(level: Scope) -> dict[str, Node]:
    """A section's last directive of each name (lower case)."""
    return {node.name.lower(): node for node, _ in _own(level)}


def _conditional_rules(levels: list[Scope], preflight_levels: list[Scope]) -> Node | None:
    """An ``<If>``, ``<ElseIf>`` or ``<Else>`` below the merged sections, not one for
    preflights, that has rules of its own."""
    for level in levels:
        # <If> sections are scopes inside hosts and sections only.
        if level.role is ScopeRole.ROOT:
            continue
        for child in level.children:
            if (
                child.kind in _CONDITIONAL
                and child not in levels
                and child not in preflight_levels
                and _section_rules(child)
            ):
                return child.node
    return None


def _options_sections(levels: list[Scope]) -> list[Scope]:
    """``<If>`` sections that apply to ``OPTIONS`` requests and hold rules of their own."""
    return [
        child
        for level in levels
        if level.role is not ScopeRole.ROOT
        for child in level.children
        if child.kind == "if"
        and child not in levels
        and child.node is not None
        and _OPTIONS_TEST.search(" ".join(child.node.args))
        and _section_rules(child)
    ]


# --- The facet ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApacheAuthentication:
    """A scope's authentication, and what keeps preflights from it."""

    authentication: Authentication
    preflight: Node | None


def authentication(
    chain: tuple[Scope, ...], scope: Scope, handler: Upstream | None, known: bool
) -> ApacheAuthentication:
    levels = _levels(chain)
    satisfy = _last(levels, "satisfy")
    satisfy_any = satisfy if satisfy is not None and satisfy.arg(0).lower() == "any" else None
    authz = _merged(levels, satisfy_any, _last(levels, "allow"))
    preflight_levels = _options_sections(levels)
    preflight_authz = _merged(levels + preflight_levels, satisfy_any, _last(levels, "allow"))
    outcomes = {
        method: (preflight_authz if method == "OPTIONS" else authz).outcomes(method)
        for method in METHODS
    }
    asked = [method for method in METHODS if Outcome.NEEDS_USER in outcomes[method]]
    mixed = any(
        Outcome.NEEDS_USER in found and Outcome.GRANTED in found for found in outcomes.values()
    )
    opening = _opening(authz.root, satisfy_any) if mixed else None
    if asked and not mixed:
        # An <If> with rules of its own replaces them for the requests it matches.
        opening = _conditional_rules(levels, preflight_levels)
        mixed = opening is not None
    # An .htaccess not read may add checks (AuthConfig), and in an <If> with rules of
    # its own they replace the others for some requests only.
    known = known and not unread_htaccess_may_set(chain, scope, handler, _AUTH_DIRECTIVES)
    known = known and not any(
        level.kind in _CONDITIONAL and _section_rules(level) for level in levels
    )
    any_suffices = Setting(mixed, opening, known)
    auth_type = _last(levels, "authtype")
    open_to_all = _open_to_all(authz, levels, auth_type) if known else None
    kind = {"basic": AuthKind.BASIC, "digest": AuthKind.DIGEST}.get(
        auth_type.arg(0).lower() if auth_type is not None else ""
    )
    checks: tuple[AuthCheck, ...] = ()
    if kind is not None and auth_type is not None:
        store, store_origin = _store(levels, kind)
        exempt = frozenset(method for method in METHODS if method not in asked)
        checks = (
            AuthCheck(
                kind,
                auth_type,
                bool(asked),
                known,
                exempt_methods=exempt if asked else frozenset(),
                store=store,
                store_origin=store_origin,
                idle_reason=None if asked else _idle_reason(levels, auth_type, authz, outcomes),
            ),
        )
    preflight = None
    if asked and "OPTIONS" not in asked:
        preflight = _exempting(authz.root, preflight_levels)
    preflight = preflight or _rewrite_answers_options(scope)
    return ApacheAuthentication(
        Authentication(checks, any_suffices, known, open_to_all=open_to_all), preflight
    )


def _open_to_all(authz: _Authz, levels: list[Scope], auth_type: Node | None) -> Node | None:
    """The rule that grants every client without credentials, where the rules in effect
    also hold one that asks for a user (which then never runs), for every method; the
    two, and the ``AuthType``, under conditions that can hold together."""
    root = authz.root
    leaves = [rule for rule in _walk(root) if rule.op not in _CONTAINERS]
    granting = next((rule for rule in leaves if _grants_anyone(rule)), None)
    if root is None or granting is None:
        return None
    if auth_type is not None and _exclusive(granting.node, auth_type):
        return None
    if not any(_asks_user(rule) and not _exclusive(granting.node, rule.node) for rule in leaves):
        return None
    for method in METHODS:
        found = root.for_anyone(method)
        if found is not None and found != {Outcome.GRANTED}:
            return None
    if granting.node.name.lower() == "allow" and _deny_wins(levels):
        return None
    return granting.node


def _exclusive(first: Node, second: Node) -> bool:
    """Two directives read under conditions that cannot both hold (``<IfDefine X>`` and
    ``<IfDefine !X>``, the same for ``<IfModule>``): no server reads both."""
    theirs = {(section.key, section.arg(0)) for section in conditions_of(second)}
    for section in conditions_of(first):
        written = section.arg(0)
        flipped = written[1:] if written.startswith("!") else "!" + written
        if (section.key, flipped) in theirs:
            return True
    return False


def _deny_wins(levels: list[Scope]) -> bool:
    """A ``Deny`` line in effect that mod_access_compat's ``Order`` lets refuse a client
    ``Allow from all`` admits (all orders but ``Deny,Allow``, the default)."""
    order = _last(levels, "order")
    written = "".join(order.args).lower() if order is not None else "deny,allow"
    return _last(levels, "deny") is not None and written != "deny,allow"


def _idle_reason(
    levels: list[Scope], auth_type: Node, authz: _Authz, outcomes: dict[str, frozenset[Outcome]]
) -> str | None:
    """Why a declared check asks nobody, where the config forgot its rules: the section
    that sets ``AuthType`` has no ``Require``, and the rules in effect (an outer
    section's ``Require all granted``) grant every request without a user. Rules written
    beside it that ask nobody are on purpose; with no rule at all httpd answers 500."""
    if any(found != {Outcome.GRANTED} for found in outcomes.values()):
        return None
    declaring = next(
        (level for level in levels if any(node is auth_type for node, _ in _own(level))), None
    )
    if declaring is None or _section_rules(declaring):
        return None
    granting = _opening(authz.root, None)
    if granting is None:
        return None
    return (
        f"while its section has no `Require` and `{granting.name} {' '.join(granting.args)}` "
        f"at {granting.where} grants every request"
    )


def _store(levels: list[Scope], kind: AuthKind) -> tuple[str | None, Node | None]:
    """The user file a Basic or Digest check reads, where its provider is ``file`` (the
    default); ``None`` for other providers."""
    key = "authbasicprovider" if kind is AuthKind.BASIC else "authdigestprovider"
    provider = _last(levels, key)
    if provider is not None and "file" not in (arg.lower() for arg in provider.args):
        return None, None
    user_file = _last(levels, "authuserfile")
    return (user_file.arg(0), user_file) if user_file is not None else (None, None)


def _walk(rule: AccessRule | None) -> Iterator[AccessRule]:
    if rule is None:
        return
    yield rule
    for child in rule.children:
        yield from _walk(child)


def _opening(root: AccessRule | None, satisfy_any: Node | None) -> Node | None:
    """The rule that lets some requests through without credentials."""
    if satisfy_any is not None:
        return satisfy_any
    for rule in _walk(root):
        if rule.op not in _CONTAINERS and rule.op in (_WITHOUT_USER | {"all"}):
            return rule.node
    return None


def _exempting(root: AccessRule | None, preflight_levels: list[Scope]) -> Node | None:
    """What keeps ``OPTIONS`` from the rules that ask for credentials: an ``<If>`` for
    preflights, a ``<Limit>``/``<LimitExcept>``, or a ``Require method`` rule."""
    if preflight_levels and preflight_levels[0].node is not None:
        return preflight_levels[0].node
    for rule in _walk(root):
        if rule.limit is not None and rule.methods is not None and "OPTIONS" not in rule.methods:
            return rule.limit
    for rule in _walk(root):
        if rule.op == "method":
            return rule.node
    return root.node if root is not None else None


def _rewrite_answers_options(scope: Scope) -> Node | None:
    """A server-context ``RewriteRule`` with a condition on ``OPTIONS``: it runs when the
    URL is mapped, before authentication (and answers or redirects the preflight)."""
    for rule in rewrite_rules(host_of(scope)):
        if any(
            condition.arg(0).upper() == "%{REQUEST_METHOD}"
            and "OPTIONS" in condition.arg(1).upper()
            and not condition.arg(1).startswith("!")
            for condition in rule.conditions
        ):
            return rule.node
    return None


# The AuthType of logins kept in a cookie the module sets (mod_auth_form's session,
# mod_auth_openidc, mod_shib, mod_auth_cas, mod_auth_mellon): the requests they let
# through carry no Authorization header.
_COOKIE_LOGINS = frozenset({"form", "openid-connect", "shibboleth", "cas", "mellon"})
# Rules that decide by the request itself, without a user.
_BY_REQUEST = _WITHOUT_USER - {"method"}


def admitted_without_authorization(chain: tuple[Scope, ...]) -> Node | None:
    """What lets some ``GET`` requests through without an ``Authorization`` header while
    others are refused: the address, environment or expression rule (or ``Satisfy Any``)
    that grants them, or the ``AuthType`` of a cookie login a user rule asks for.
    ``None`` where nothing is refused, or every request let through carries its
    credentials in ``Authorization`` (Basic, Digest, or a login authlint cannot tell)."""
    levels, satisfy_any, authz = _access(chain)
    outcomes = authz.outcomes("GET")
    if Outcome.GRANTED in outcomes:
        refused = Outcome.DENIED in outcomes or Outcome.NEEDS_USER in outcomes
        if not refused:
            return None
        deciding = next(
            (rule.node for rule in _walk(authz.root) if rule.op in _BY_REQUEST),
            None,
        )
        return satisfy_any or deciding
    auth_type = _last(levels, "authtype")
    if (
        Outcome.NEEDS_USER in outcomes
        and auth_type is not None
        and auth_type.arg(0).lower() in _COOKIE_LOGINS
    ):
        return auth_type
    return None


def refused_by(chain: tuple[Scope, ...]) -> tuple[Node | None, bool]:
    """The rule that refuses a ``GET`` to every client, credentials or not, and whether
    that is known: ``Require all denied`` (the rules in effect deny it whatever the user),
    or mod_access_compat's ``Order`` and ``Deny`` lines that refuse any address but those
    an ``Allow`` names (unknown with ``Satisfy Any``, where a password may admit it)."""
    levels, satisfy_any, authz = _access(chain)
    if authz.root is not None and authz.outcomes("GET") == {Outcome.DENIED}:
        denied = (
            rule.node
            for rule in _walk(authz.root)
            if rule.op == "all" and rule.node.arg(1).lower() == "denied"
        )
        return next(denied, authz.root.node), True
    lines = [node for level in levels for node, _ in _own(level)]
    compat = [node for node in lines if node.name.lower() in ("order", "allow", "deny")]
    if not compat:
        return None, True
    refusing = _compat_refusing(compat)
    if refusing is not None and satisfy_any is not None:
        return None, False
    return refusing, True


def _compat_refusing(lines: list[Node]) -> Node | None:
    """The ``Order`` or ``Deny`` line by which mod_access_compat refuses the clients no
    ``Allow`` names: ``Order Allow,Deny`` (and ``Mutual-failure``) refuse by default
    unless ``Allow from all``, and then refuse with ``Deny from all``; ``Deny,Allow`` (the
    default) refuses with ``Deny from all`` unless ``Allow from all``."""
    order = next((node for node in reversed(lines) if node.name.lower() == "order"), None)
    allow_all = any(
        node.name.lower() == "allow" and node.arg(1).lower() in _EVERY_ADDRESS for node in lines
    )
    deny_all = next(
        (
            node
            for node in lines
            if node.name.lower() == "deny" and node.arg(1).lower() in _EVERY_ADDRESS
        ),
        None,
    )
    written = "".join(order.args).lower() if order is not None else "deny,allow"
    if written == "deny,allow":
        return deny_all if not allow_all else None
    if deny_all is not None:
        return deny_all
    return order if not allow_all else None


def _access(chain: tuple[Scope, ...]) -> tuple[list[Scope], Node | None, _Authz]:
    """The levels whose access directives merge for ``chain``, the ``Satisfy Any`` in
    effect, and the authorization rules they make."""
    levels = _levels(chain)
    satisfy = _last(levels, "satisfy")
    satisfy_any = satisfy if satisfy is not None and satisfy.arg(0).lower() == "any" else None
    return levels, satisfy_any, _merged(levels, satisfy_any, _last(levels, "allow"))
