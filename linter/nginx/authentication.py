"""Who checks credentials in an nginx scope.

- ``auth_basic`` and ``auth_basic_user_file`` inherit independently; Basic
  auth is only checked when both are in effect; ``auth_basic off`` cancels it.
- ``auth_request`` and ``auth_jwt`` (NGINX Plus) inherit like any directive;
  ``off`` cancels them.
- ``satisfy any`` lets a request through when any access module allows it;
  ``allow all`` (or ``0.0.0.0/0``, ``::/0``) among the access rules in effect
  (the nearest level's ``allow`` and ``deny`` lines, tried in order, the first
  that matches deciding) with no ``deny`` before it then admits every client
  without credentials.
- A ``limit_except`` block's checks apply to the methods it does not list.
- An ``if ($request_method = OPTIONS) { return ...; }`` answers preflights in
  the rewrite phase, before the access phase where credentials are checked;
  so does one whose negated test OPTIONS passes (``!= GET``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authlint.model.origins import RegexTooSlow, compile_pcre, search_pcre
from authlint.model.settings import AuthCheck, Authentication, AuthKind, Setting
from authlint.nginx import blocks
from authlint.nginx.values import only_variable

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node
    from authlint.nginx.settings import NginxSettings

_AUTH_DIRECTIVES = frozenset(
    {"auth_basic", "auth_basic_user_file", "auth_request", "auth_jwt", "satisfy", "allow", "deny"}
)
_ACCESS = ("allow", "deny")
# The addresses that stand for every client (ngx_http_access_rule: `all`, or a network of
# prefix length 0).
EVERY_ADDRESS = frozenset({"all", "0.0.0.0/0", "::/0"})


def authentication(settings: NginxSettings) -> Authentication:
    scope = settings.scope
    if scope.parent is not None and not scope.unread and not _AUTH_DIRECTIVES & scope.own.keys():
        return scope.parent.settings.authentication  # all of it inherited
    realm = settings.single("auth_basic")
    user_file = settings.single("auth_basic_user_file")
    subrequest = settings.single("auth_request")
    jwt = settings.single("auth_jwt")
    satisfy = settings.single("satisfy")
    basic_known = realm.known and (realm.value is None or user_file.known)
    exempt = _exempt_methods(scope.node) if scope.kind == blocks.LIMIT_EXCEPT else frozenset()
    checks = []
    if realm.value is not None:
        enforced = user_file.value is not None
        checks.append(
            AuthCheck(
                AuthKind.BASIC,
                realm.origin,
                enforced,
                basic_known,
                exempt_methods=exempt,
                store=user_file.value,
                store_origin=user_file.origin,
                idle_reason=None if enforced else "with no user list at this level or above",
            )
        )
    for kind, setting in ((AuthKind.SUBREQUEST, subrequest), (AuthKind.JWT, jwt)):
        if setting.value:
            checks.append(
                AuthCheck(kind, setting.origin, True, setting.known, setting.value, exempt)
            )
    # Unset is nginx's default, `all`; nginx reads the value in any case.
    any_suffices = (satisfy.value or "").lower() == "any"
    return Authentication(
        tuple(checks),
        Setting(any_suffices, satisfy.origin, satisfy.known),
        known=basic_known and subrequest.known and jwt.known,
        open_to_all=_allow_all(scope) if any_suffices and satisfy.known else None,
    )


def access_rules(scope: Scope) -> tuple[bool, list[Node]]:
    """The ``allow`` and ``deny`` lines in effect, in order: the nearest level's that has
    any (they inherit as one list); false first when an unread file could add one."""
    for level in (scope, *scope.ancestors()):
        if any(level.may_set(name) for name in _ACCESS):
            return False, []
        rules = [node for node in level.directives if node.name in _ACCESS]
        if rules:
            return True, rules
    return True, []


def _allow_all(scope: Scope) -> Node | None:
    """The access rule that admits every client: an ``allow`` for every address with no
    ``deny`` before it (one that names some clients keeps them out)."""
    known, rules = access_rules(scope)
    if not known:
        return None
    for rule in rules:
        if rule.name == "deny":
            return None
        if rule.arg(0) in EVERY_ADDRESS:
            return rule
    return None


def authenticates_some_methods(settings: NginxSettings) -> Setting[bool]:
    """nginx checks credentials here for all methods, or for those a ``limit_except``
    block does not list (its checks apply to every other method)."""
    own = settings.authentication.server_authenticates
    if own.value or not own.known:
        return own
    # nginx allows one limit_except per location; where it checks no credentials
    # either, its answer is the location's (no, and known).
    for child in settings.scope.children:
        if child.kind == blocks.LIMIT_EXCEPT:
            return child.settings.authentication.server_authenticates
    return own


def internal(settings: NginxSettings) -> bool:
    """Only nginx's own subrequests and redirects reach this scope: it or a location
    around it is ``internal``."""
    return any(
        level.kind == blocks.LOCATION and "internal" in level.own
        for level in (settings.scope, *settings.scope.ancestors())
    )


def preflight_answered_by(settings: NginxSettings) -> Node | None:
    """What keeps a CORS preflight (``OPTIONS``) from this scope's authentication.

    An ``if ($request_method = OPTIONS)`` (or a test OPTIONS passes, such as
    ``!= GET``) with a ``return`` in the location or its server (the rewrite
    phase runs before the access phase), or a
    ``limit_except`` that lists ``OPTIONS`` (its checks apply to the other
    methods).
    """
    scope = settings.scope
    if scope.kind == blocks.LIMIT_EXCEPT and _lists_options(scope.node):
        return scope.node
    location = scope.enclosing(blocks.LOCATION)
    server = scope.enclosing(blocks.SERVER)
    for level in (location, server):
        for child in level.children if level is not None else ():
            if child.kind == blocks.IF and "return" in child.own and _tests_options(child.node):
                return child.node
    return None


def _exempt_methods(node: Node | None) -> frozenset[str]:
    """The methods a ``limit_except`` lists: its checks apply to all others (GET brings
    HEAD)."""
    listed = frozenset(arg.upper() for arg in node.args) if node is not None else frozenset()
    return listed | {"HEAD"} if "GET" in listed else listed


def _lists_options(node: Node | None) -> bool:
    return node is not None and "OPTIONS" in (arg.upper() for arg in node.args)


def _tests_options(node: Node | None) -> bool:
    """Whether OPTIONS passes the test of ``if ($request_method ...)``: ``= OPTIONS``, a
    regex spelling, or a negated test (``!=``, ``!~``, ``!~*``) that OPTIONS is not."""
    condition = node.args if node is not None else []
    if len(condition) != 3 or only_variable(condition[0]) != "request_method":
        return False
    operator, value = condition[1], condition[2].strip("'\"")
    # nginx compares with `=`, `~` or `~*`, each negated by a leading `!`.
    negated = operator.startswith("!")
    operator = operator.removeprefix("!")
    if operator == "=":
        matches = value == "OPTIONS"
    else:
        compiled = compile_pcre(value, re.IGNORECASE if operator == "~*" else 0)
        try:
            matches = compiled is not None and search_pcre(compiled, "OPTIONS")
        except RegexTooSlow:
            return True  # unknown: no finding may rest on preflights reaching authentication
    return matches != negated
