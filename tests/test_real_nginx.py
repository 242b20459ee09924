"""Proof against the real nginx: what the rules claim, observed on 127.0.0.1.

Run with ``pytest -m realserver``. Without nginx installed these tests skip
with a one-line reason; with ``CI=true`` they fail instead, so CI cannot pass
without them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from authlint.rule import Severity, load_rules

from conftest import (
    EXAMPLES,
    RULE_FIXTURES,
    case_id,
    case_rule,
    cases,
    expected_findings,
    lint,
)
from realserver import Nginx, render, required_nginx, run_proof, syntax_check

pytestmark = pytest.mark.realserver


def _proofs() -> list[tuple[str, dict[str, Any]]]:
    """Every proof, with its rule; a proof's ``config`` is relative to the rule's folder."""
    found = []
    for file in sorted(RULE_FIXTURES.glob("*/proofs.yaml")):
        found += [(file.parent.name, proof) for proof in yaml.safe_load(file.read_text())]
    return found


PROOFS = _proofs()
BREAKABLE = [(rule, proof) for rule, proof in PROOFS if "breaks_without" in proof]
# Rules whose message states what the server does; each needs proofs, but a
# rule that quotes the config test's verdict is proved by that test instead.
RUNTIME_RULES = [
    rule.id for rule in load_rules() if rule.states_server_behaviour and not rule.config_test
]
CONFIG_TEST_RULES = {rule.id: rule for rule in load_rules() if rule.config_test}
# What a message quotes of the config test: its last `...`.
_QUOTED = re.compile(r"`([^`]+)`[^`]*$")


def _proof_id(item: tuple[str, dict[str, Any]]) -> str:
    return f"{item[0]}/{item[1]['config']}"


def _server_valid(case: Path) -> bool:
    """A case meant to be valid nginx: recognised as nginx, with no AL0xx expected nor a
    refusal of the config test."""
    expected = expected_findings(case)
    return lint(case).files_scanned > 0 and not any(
        rule < "AL100" or _refused_by_config_test(rule) for rule, _, _ in expected
    )


def _refused_by_config_test(rule: str) -> bool:
    return rule in CONFIG_TEST_RULES and CONFIG_TEST_RULES[rule].severity is Severity.ERROR


@pytest.fixture(scope="session")
def nginx() -> str:
    return required_nginx()


@pytest.mark.parametrize(("rule", "proof"), PROOFS, ids=[_proof_id(p) for p in PROOFS])
def test_proof(nginx: str, rule: str, proof: dict[str, Any], tmp_path: Path) -> None:
    rendered = render(RULE_FIXTURES / rule / proof["config"], tmp_path)
    with Nginx(nginx, rendered) as server:
        problems = run_proof(proof, rendered, server)
        assert not problems, "\n".join([*problems, server.log()])


@pytest.mark.parametrize(("rule", "proof"), BREAKABLE, ids=[_proof_id(p) for p in BREAKABLE])
def test_proof_fails_once_its_fix_is_removed(
    nginx: str, rule: str, proof: dict[str, Any], tmp_path: Path
) -> None:
    """The proofs observe behaviour: a good fixture without its fix no longer passes."""
    fixture = RULE_FIXTURES / rule / proof["config"]
    assert proof["breaks_without"] in fixture.read_text()
    rendered = render(fixture, tmp_path, without=proof["breaks_without"])
    with Nginx(nginx, rendered) as server:
        assert run_proof(proof, rendered, server), server.log()


@pytest.mark.parametrize("rule", RUNTIME_RULES)
def test_every_runtime_rule_has_proofs_on_a_bad_and_a_good_fixture(rule: str) -> None:
    configs = [Path(proof["config"]) for proof_rule, proof in PROOFS if proof_rule == rule]
    assert any(config.name.startswith("bad_") for config in configs), f"{rule}: no bad proof"
    assert any(config.name.startswith("good_") for config in configs), f"{rule}: no good proof"
    for config in configs:
        # The real server is nginx: a proof runs one of the rule's nginx cases.
        assert config.parent == Path("nginx"), config
        assert (RULE_FIXTURES / rule / config).exists(), config


VALID = [case for case in cases() if _server_valid(case)] + [EXAMPLES]


def _valid_id(case: Path) -> str:
    return "examples" if case == EXAMPLES else case_id(case)


@pytest.mark.parametrize("case", VALID, ids=_valid_id)
def test_fixture_passes_nginx_syntax_test(nginx: str, case: Path, tmp_path: Path) -> None:
    result = syntax_check(nginx, render(case, tmp_path))
    assert result.returncode == 0, result.stderr


CONFIG_TESTED = [
    case
    for case in cases()
    if case_rule(case) in CONFIG_TEST_RULES
    and not any(rule < "AL100" for rule, _, _ in expected_findings(case))
]


@pytest.mark.parametrize("case", CONFIG_TESTED, ids=case_id)
def test_config_test_says_what_the_finding_quotes(nginx: str, case: Path, tmp_path: Path) -> None:
    """A config-test rule's finding quotes nginx -t's own error or warning, and nginx -t
    fails exactly where the rule reports an error; its near misses load without a word."""
    rule = CONFIG_TEST_RULES[case_rule(case)]
    findings = [finding for finding in lint(case).findings if finding.rule == rule.id]
    result = syntax_check(nginx, render(case, tmp_path))
    if case.name.startswith("good_"):
        assert not findings
        assert result.returncode == 0, result.stderr
        assert "[warn]" not in result.stderr, result.stderr
        return
    assert findings
    assert (result.returncode != 0) == (rule.severity is Severity.ERROR), result.stderr
    for finding in findings:
        quoted = _QUOTED.search(finding.message)
        assert quoted is not None, finding.message
        assert quoted.group(1) in result.stderr, (quoted.group(1), result.stderr)


@pytest.mark.parametrize("case", VALID, ids=_valid_id)
def test_rendered_fixture_listens_on_loopback_only(case: Path, tmp_path: Path) -> None:
    addresses = render(case, tmp_path).listen_addresses()
    assert all(address.startswith("127.0.0.1:") for address in addresses), addresses


def test_nginx_is_gone_once_stopped(nginx: str, tmp_path: Path) -> None:
    rendered = render(RULE_FIXTURES / "AL104" / "nginx" / "bad_location_auth.conf", tmp_path)
    with Nginx(nginx, rendered) as server:
        process = server.process
        assert process is not None
        assert process.poll() is None
    assert process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)
