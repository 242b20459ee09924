"""Proof in a real browser: what the CORS rules say Chromium does with nginx's answers.

A rule's ``browser.yaml`` beside its fixtures lists pages: each runs one
``fetch()`` from a page origin to nginx started with one of the rule's nginx
cases (see ``tests/browser.py``). Run with ``pytest -m browser``. Without
Chromium (or nginx) these tests skip with a one-line reason; with ``CI=true``
they fail instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from authlint.rule import load_rules

from browser import PageServer, certificate, required_chromium, run_browser_proof
from conftest import RULE_FIXTURES
from realserver import Nginx, render, required_nginx

pytestmark = [pytest.mark.browser, pytest.mark.realserver]

BROWSER_PROOFS = "browser.yaml"
# The sentence a rule's documentation carries when its browser claim is proven here.
PROVEN = "Proven in a real browser:"


def _proofs() -> list[tuple[str, dict[str, Any]]]:
    """Every browser proof, with its rule; each knows its place in its file (for its name)."""
    found = []
    for file in sorted(RULE_FIXTURES.glob(f"*/{BROWSER_PROOFS}")):
        proofs = yaml.safe_load(file.read_text())
        found += [(file.parent.name, {**proof, "number": n}) for n, proof in enumerate(proofs, 1)]
    return found


PROOFS = _proofs()
BREAKABLE = [(rule, proof) for rule, proof in PROOFS if "breaks_without" in proof]
PROVEN_RULES = sorted({rule for rule, _ in PROOFS})


def _proof_id(item: tuple[str, dict[str, Any]]) -> str:
    rule, proof = item
    return f"{rule}#{proof['number']}/{proof['config']}@{proof['page']}"


@pytest.fixture(scope="session")
def chromium() -> str:
    return required_chromium()


@pytest.fixture(scope="session")
def nginx() -> str:
    return required_nginx()


@pytest.fixture(scope="session")
def page(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageServer]:
    with PageServer(*certificate(tmp_path_factory.mktemp("tls"))) as server:
        yield server


@pytest.mark.parametrize(("rule", "proof"), PROOFS, ids=[_proof_id(p) for p in PROOFS])
def test_browser_proof(
    chromium: str, nginx: str, page: PageServer, rule: str, proof: dict[str, Any], tmp_path: Path
) -> None:
    rendered = render(RULE_FIXTURES / rule / proof["config"], tmp_path / "nginx")
    with Nginx(nginx, rendered) as server:
        result, problems = run_browser_proof(chromium, proof, rendered, page, tmp_path / "profile")
        assert not problems, "\n".join([*problems, repr(result), server.log()])
    # A rejected fetch shows the script no status: that is the browser's side of it.
    assert result.fetched or result.status is None


@pytest.mark.parametrize(("rule", "proof"), BREAKABLE, ids=[_proof_id(p) for p in BREAKABLE])
def test_browser_proof_fails_once_its_fix_is_removed(
    chromium: str, nginx: str, page: PageServer, rule: str, proof: dict[str, Any], tmp_path: Path
) -> None:
    """The proofs observe the browser: a good fixture without its fix no longer passes."""
    fixture = RULE_FIXTURES / rule / proof["config"]
    assert proof["breaks_without"] in fixture.read_text()
    rendered = render(fixture, tmp_path / "nginx", without=proof["breaks_without"])
    with Nginx(nginx, rendered) as server:
        result, problems = run_browser_proof(chromium, proof, rendered, page, tmp_path / "profile")
        assert problems, "\n".join([repr(result), server.log()])


@pytest.mark.parametrize("rule", PROVEN_RULES)
def test_every_proven_rule_shows_a_bad_case_failing_and_a_good_one_passing(rule: str) -> None:
    proofs = [proof for proof_rule, proof in PROOFS if proof_rule == rule]
    for proof in proofs:
        # The browser meets nginx: a proof runs one of the rule's nginx cases.
        assert Path(proof["config"]).parent == Path("nginx"), proof["config"]
        assert (RULE_FIXTURES / rule / proof["config"]).exists(), proof["config"]
    assert any(Path(proof["config"]).name.startswith("bad_") for proof in proofs), rule
    assert any(
        Path(proof["config"]).name.startswith("good_") and proof["expect"]["fetched"]
        for proof in proofs
    ), f"{rule}: no good case the browser accepts"


@pytest.mark.parametrize("rule", load_rules(), ids=lambda rule: rule.id)
def test_rule_docs_say_proven_in_a_browser_exactly_when_it_is(rule: Any) -> None:
    says = PROVEN in " ".join((rule.__doc__ or "").split())
    assert says == (rule.id in PROVEN_RULES), (
        f"{rule.id}: docstring says {PROVEN!r}: {says}; has {BROWSER_PROOFS}: {not says}"
    )
