"""mod_rewrite as httpd runs it: a level's rules with their conditions, whether the
engine runs them, and whether a rule runs for a request's URL.

In server context (the main server or a virtual host) the rules run while the
URL is mapped, before any folder's sections are merged; a virtual host runs
none of the main server's unless ``RewriteOptions Inherit``, and only where it
turns the engine on itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlint.apache import regex

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node

# How a request header is named in a rewrite condition, a flag or a RequestHeader value.
HEADER_VALUE = re.compile(r"%\{HTTP:([^}]+)\}|%\{([^}]+)\}i|%\{(?:req|http):([^}]+)\}", re.I)
_PROXY_FLAGS = frozenset({"P", "PROXY"})
_ENDING_FLAGS = frozenset({"L", "END", "LAST"})
# A substitution authlint cannot expand: a condition's group, a variable, a map.
_UNEXPANDED = re.compile(r"%\d|%\{|\$\{")


@dataclass(frozen=True, slots=True)
class Rule:
    """A ``RewriteRule`` with the conditions written before it."""

    node: Node
    conditions: tuple[Node, ...]
    flags: tuple[str, ...]

    @property
    def proxies(self) -> bool:
        """The rule hands the request to mod_proxy (``[P]``, to an absolute URL)."""
        return (
            any(flag.upper() in _PROXY_FLAGS for flag in self.flags)
            and len(self.node.args) >= 2
            and "://" in self.node.args[1]
        )


@dataclass(frozen=True, slots=True)
class Reached:
    """Whether a rule runs for the request: ``known`` false when a condition or a
    pattern decides what authlint cannot."""

    runs: bool
    known: bool


def rewrite_rules(level: Scope) -> list[Rule]:
    """The rules written at a level, in order, each with its conditions."""
    rules: list[Rule] = []
    conditions: list[Node] = []
    for node in level.directives:
        key = node.name.lower()
        if key == "rewritecond":
            conditions.append(node)
        elif key == "rewriterule":
            rules.append(Rule(node, tuple(conditions), flags(node)))
            conditions = []
    return rules


def flags(node: Node) -> tuple[str, ...]:
    """A rule's flags, as written between the brackets."""
    last = next((arg for arg in node.args[2:] if arg.startswith("[")), "")
    return tuple(flag.strip() for flag in last.strip("[]").split(",") if flag.strip())


def server_levels(host: Scope) -> list[Scope]:
    """The server-context levels whose rules run for a host's requests: its own, after the
    main server's with ``RewriteOptions Inherit``, where it turns the engine on."""
    levels = [host] if host.own.get("rewriteengine") else []
    if levels and inherits(host) and host.parent is not None:
        levels.insert(0, host.parent)
    return [level for level in levels if engine_on(level)]


def server_proxy(host: Scope, url: str | None) -> Rule | None:
    """The server-context ``RewriteRule [P]`` that surely runs for ``url`` to ``host``:
    it maps the URL to a backend before mod_proxy's ``ProxyPass`` does (seen on httpd 2.4)."""
    for level in server_levels(host):
        rules = rewrite_rules(level)
        for index, rule in enumerate(rules):
            if rule.proxies and reaches(rules, index, url) == Reached(runs=True, known=True):
                return rule
    return None


def engine_on(level: Scope) -> bool:
    written = level.own.get("rewriteengine")
    return written is not None and written[-1].arg(0).lower() == "on"


def inherits(level: Scope) -> bool:
    return any(
        arg.lower() in ("inherit", "inheritbefore")
        for node in level.own.get("rewriteoptions", ())
        for arg in node.args
    )


def reaches(rules: list[Rule], index: int, subject: str | None) -> Reached:
    """Whether ``rules[index]`` runs: its pattern matches, its conditions hold (one
    on the Authorization header alone holds whenever there is one to copy), and no
    rule before it that matches ends the rewriting."""
    rule = rules[index]
    matched = matches(rule.node, subject)
    if matched is None:
        return Reached(False, known=False)
    if not matched:
        return Reached(False, known=True)
    known = all(tests_authorization(condition) for condition in rule.conditions)
    for earlier in rules[:index]:
        if any(flag.upper() in _ENDING_FLAGS for flag in earlier.flags):
            stops = matches(earlier.node, subject)
            if stops is None or (stops and earlier.conditions):
                known = False
            elif stops:
                return Reached(False, known=True)
    return Reached(True, known)


def matches(node: Node, subject: str | None) -> bool | None:
    """Whether a rule's pattern matches ``subject`` (``None``: authlint cannot tell)."""
    found = _search(node, subject)
    if found is None:
        return None
    negated = node.args[0].startswith("!")
    return (found is False) if negated else (found is not False)


def _search(node: Node, subject: str | None) -> re.Match[str] | bool | None:
    if subject is None or not node.args:
        return None
    ignore = any(flag.upper() in ("NC", "NOCASE") for flag in flags(node))
    try:
        found = regex.find(node.args[0].removeprefix("!"), subject, ignore)
    except regex.Unanswered:
        return None
    return False if found is None else found


def substitution(rule: Rule, subject: str) -> str | None:
    """The URL a rule that runs for ``subject`` rewrites it to, its ``$N`` filled from
    the pattern's groups (``None``: it names what authlint cannot fill)."""
    target = rule.node.arg(1)
    found = _search(rule.node, subject)
    if not isinstance(found, re.Match) or _UNEXPANDED.search(target):
        return None
    return expand(target, found)


def expand(template: str, found: re.Match[str]) -> str:
    """``template`` with each ``$N`` replaced by group N of ``found`` (``$0``: all it
    matched; a group that took no part, or none of that number, is empty)."""
    groups = (found.group(0), *found.groups())

    def group(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return (groups[number] or "") if number < len(groups) else ""

    return re.sub(r"\$(\d)", group, template)


def header_name(value: str) -> str | None:
    """The request header a value is exactly, in lower case (``%{HTTP:Name}``)."""
    match = HEADER_VALUE.fullmatch(value.strip())
    if match is None:
        return None
    return next(group for group in match.groups() if group is not None).lower()


def tests_authorization(condition: Node) -> bool:
    """A ``RewriteCond`` on the request's ``Authorization`` header."""
    return bool(condition.args) and header_name(condition.args[0]) == "authorization"
