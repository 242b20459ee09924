"""Every rule carries the metadata the docs and reporters are built from."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from authlint.formats import references
from authlint.rule import DOC_SECTIONS, Family, Once, Rule, Severity, load_rules

from conftest import model, write

RULES = load_rules()


def test_rules_are_found_and_sorted() -> None:
    ids = [rule.id for rule in RULES]
    assert ids == sorted(ids)
    assert {"AL001", "AL101", "AL102", "AL103", "AL104"} <= set(ids)


def test_names_are_unique() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_metadata(rule: type[Rule]) -> None:
    assert isinstance(rule.severity, Severity)
    assert rule.summary.strip()
    assert "\n" not in rule.summary
    assert rule.summary.endswith(".")
    assert rule.fix.strip()
    assert all(tag == tag.lower() for tag in rule.tags)


# The authorities a rule's reference may cite: the server's own documentation
# and the standards browsers and caches follow; never another tool's docs.
REFERENCE_HOSTS = {"nginx.org", "httpd.apache.org", "fetch.spec.whatwg.org", "www.rfc-editor.org"}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_reference_cites_an_authority(rule: type[Rule]) -> None:
    """The rule's own reference is a standard (or None, the server's docs being the
    formats'); with the formats' documentation, every rule has one."""
    found = references(rule)
    if rule.id in ("AL005", "AL006"):
        # Suppression comments are authlint's own: nothing outside documents them.
        assert found == []
        return
    assert found
    if rule.reference_url is not None:
        assert urlsplit(rule.reference_url).hostname != "nginx.org", "a format's reference"
    for reference in found:
        url = urlsplit(reference)
        assert url.scheme == "https"
        assert url.hostname in REFERENCE_HOSTS, f"{reference}: add the host if it is an authority"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_docstring_has_the_house_sections_in_order(rule: type[Rule]) -> None:
    doc = rule.__doc__ or ""
    positions = [doc.find(section) for section in DOC_SECTIONS]
    assert -1 not in positions
    assert positions == sorted(positions)
    assert doc.splitlines()[0].strip(), "the first line is the one-line description"
    for section in ("## Example", "## Use instead"):
        body = doc[doc.find(section) :]
        assert "```" in body, f"{section} shows a config"


@pytest.mark.parametrize(
    ("rule_id", "family"),
    [
        ("AL001", Family.DIAGNOSTICS),
        ("AL101", Family.FORWARDING),
        ("AL201", Family.BASIC_AUTH),
        ("AL301", Family.CORS),
        ("AL401", Family.CACHING),
        ("AL501", Family.BUFFERS),
        ("AL601", Family.HYGIENE),
    ],
)
def test_family_is_the_hundreds_digit(rule_id: str, family: Family) -> None:
    assert Family.of(rule_id) is family


def test_each_family_has_its_own_digit() -> None:
    assert sorted(family.digit for family in Family) == list(range(len(Family)))
    for family in Family:
        assert Family.of(f"AL{family.digit}01") is family
    # Reports print the value: the diagnostics' family is still "linter".
    assert Family.DIAGNOSTICS.value == "linter"


def test_once_knows_each_node_by_identity(tmp_path: Path) -> None:
    workspace = model(write(tmp_path, {"nginx.conf": "user nginx;\nuser nginx;\n"}) / "nginx.conf")
    nodes = workspace.files[0].nodes
    assert nodes is not None
    first, second = nodes
    once = Once()
    assert not once.seen(first)
    assert once.first(first)
    assert once.seen(first)
    assert not once.first(first)
    assert not once.seen(second)
    assert once.first(second)
