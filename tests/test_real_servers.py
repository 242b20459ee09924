"""Proof against the real servers: what the rules claim, observed on 127.0.0.1.

A case runs on the server of its format folder: ``nginx/`` on nginx
(:mod:`realserver`), ``apache/`` on httpd (:mod:`realapache`). The proofs are
the rules' (``fixtures/rules/<ID>/proofs.yaml``) and the harness's own proofs
of the Apache facts the rules rest on (``tests/real_apache/proofs.yaml``).

Run with ``pytest -m realserver``. Without a server installed its tests skip
with a one-line reason; with ``CI=true`` they fail instead, so CI cannot pass
without them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from authlint.rule import Severity, load_rules

import realapache
import realserver
from conftest import (
    EXAMPLES,
    RULE_FIXTURES,
    case_id,
    case_rule,
    cases,
    expected_findings,
    lint,
)
from realapache import Httpd, required_apache
from realserver import Nginx, Rendered, required_nginx, run_proof

pytestmark = pytest.mark.realserver

# The harness's proofs of httpd's behaviour, in the rules' format.
REAL_APACHE = Path(__file__).parent / "real_apache"


def _proofs() -> list[tuple[str, dict[str, Any]]]:
    """Every proof, with its rule (or ``real_apache``); a proof's ``config`` is relative
    to the folder of its ``proofs.yaml``."""
    found = []
    for file in [*sorted(RULE_FIXTURES.glob("*/proofs.yaml")), REAL_APACHE / "proofs.yaml"]:
        found += [(file.parent.name, proof) for proof in yaml.safe_load(file.read_text())]
    return found


def _fixture(owner: str, config: str) -> Path:
    return (REAL_APACHE if owner == REAL_APACHE.name else RULE_FIXTURES / owner) / config


def _format(case: Path) -> str:
    """The server a case runs on: httpd for a case in an ``apache/`` folder, else nginx
    (the rules' ``nginx/`` cases, the example site)."""
    return "apache" if case.parent.name == "apache" else "nginx"


def _render(case: Path, prefix: Path, without: str | None = None) -> Rendered:
    if _format(case) == "apache":
        # Rendering asks httpd which module holds each directive.
        required_apache()
        return realapache.render(case, prefix, without)
    return realserver.render(case, prefix, without)


@contextmanager
def _prefix(case: Path, tmp_path: Path) -> Iterator[Path]:
    """Where a case is rendered: ``tmp_path`` for nginx; for httpd, whose workers drop
    root, a folder they may read (removed afterwards)."""
    if _format(case) != "apache":
        yield tmp_path
        return
    root = realapache.server_root()
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _running(
    case: Path, tmp_path: Path, proof: dict[str, Any], without: str | None = None
) -> Iterator[tuple[Rendered, Nginx | Httpd]]:
    """The case rendered and its server running (httpd after ``apache2 -t``), with the
    files the proof requests created where httpd looks for them."""
    with _prefix(case, tmp_path) as prefix:
        rendered = _render(case, prefix, without)
        server: Nginx | Httpd
        if isinstance(rendered, realapache.ApacheRendered):
            rendered.create([request.get("path", "/") for request in proof["requests"]])
            server = Httpd(required_apache(), rendered)
        else:
            server = Nginx(required_nginx(), rendered)
        with server:
            yield rendered, server


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
    """A case meant to be valid for its server: recognised, with no AL0xx expected nor a
    refusal of the config test."""
    expected = expected_findings(case)
    return lint(case).files_scanned > 0 and not any(
        rule < "AL100" or _refused_by_config_test(rule) for rule, _, _ in expected
    )


def _refused_by_config_test(rule: str) -> bool:
    return rule in CONFIG_TEST_RULES and CONFIG_TEST_RULES[rule].severity is Severity.ERROR


def _syntax_check(case: Path, rendered: Rendered) -> tuple[int, str]:
    """The config test of the case's server on its rendering: its exit code and stderr."""
    if _format(case) == "apache":
        result = realapache.syntax_check(required_apache(), rendered)
    else:
        result = realserver.syntax_check(required_nginx(), rendered)
    return result.returncode, result.stderr


@pytest.mark.parametrize(("rule", "proof"), PROOFS, ids=[_proof_id(p) for p in PROOFS])
def test_proof(rule: str, proof: dict[str, Any], tmp_path: Path) -> None:
    with _running(_fixture(rule, proof["config"]), tmp_path, proof) as (rendered, server):
        problems = run_proof(proof, rendered)
        assert not problems, "\n".join([*problems, server.log()])


@pytest.mark.parametrize(("rule", "proof"), BREAKABLE, ids=[_proof_id(p) for p in BREAKABLE])
def test_proof_fails_once_its_fix_is_removed(
    rule: str, proof: dict[str, Any], tmp_path: Path
) -> None:
    """The proofs observe behaviour: a good fixture without its fix no longer passes."""
    fixture = _fixture(rule, proof["config"])
    texts = [p.read_text() for p in fixture.rglob("*") if p.is_file()] or [fixture.read_text()]
    assert any(proof["breaks_without"] in text for text in texts)
    with _running(fixture, tmp_path, proof, proof["breaks_without"]) as (rendered, server):
        assert run_proof(proof, rendered), server.log()


@pytest.mark.parametrize("rule", RUNTIME_RULES)
def test_every_runtime_rule_has_proofs_on_a_bad_and_a_good_fixture(rule: str) -> None:
    configs = [Path(proof["config"]) for proof_rule, proof in PROOFS if proof_rule == rule]
    assert any(config.name.startswith("bad_") for config in configs), f"{rule}: no bad proof"
    assert any(config.name.startswith("good_") for config in configs), f"{rule}: no good proof"
    for config in configs:
        # A proof runs one of the rule's cases, on the server of its format folder.
        assert config.parts[0] in ("nginx", "apache"), config
        assert (RULE_FIXTURES / rule / config).exists(), config


APACHE_CASES = sorted(
    path for path in (REAL_APACHE / "apache").iterdir() if path.name.startswith(("bad_", "good_"))
)
VALID = [case for case in cases() if _server_valid(case)] + APACHE_CASES + [EXAMPLES]


def _valid_id(case: Path) -> str:
    if case == EXAMPLES:
        return "examples"
    if REAL_APACHE in case.parents:
        return case.relative_to(REAL_APACHE.parent).as_posix()
    return case_id(case)


@pytest.mark.parametrize("case", VALID, ids=_valid_id)
def test_fixture_passes_its_servers_syntax_test(case: Path, tmp_path: Path) -> None:
    with _prefix(case, tmp_path) as prefix:
        code, stderr = _syntax_check(case, _render(case, prefix))
        assert code == 0, stderr


CONFIG_TESTED = [
    case
    for case in cases()
    if case_rule(case) in CONFIG_TEST_RULES
    and not any(rule < "AL100" for rule, _, _ in expected_findings(case))
]


@pytest.mark.parametrize("case", CONFIG_TESTED, ids=case_id)
def test_config_test_says_what_the_finding_quotes(case: Path, tmp_path: Path) -> None:
    """A config-test rule's finding quotes nginx -t's own error or warning, and nginx -t
    fails exactly where the rule reports an error; its near misses load without a word."""
    rule = CONFIG_TEST_RULES[case_rule(case)]
    findings = [finding for finding in lint(case).findings if finding.rule == rule.id]
    with _prefix(case, tmp_path) as prefix:
        code, stderr = _syntax_check(case, _render(case, prefix))
    if case.name.startswith("good_"):
        assert not findings
        assert code == 0, stderr
        assert "[warn]" not in stderr, stderr
        return
    assert findings
    assert (code != 0) == (rule.severity is Severity.ERROR), stderr
    for finding in findings:
        quoted = _QUOTED.search(finding.message)
        assert quoted is not None, finding.message
        assert quoted.group(1) in stderr, (quoted.group(1), stderr)


@pytest.mark.parametrize("case", VALID, ids=_valid_id)
def test_rendered_fixture_listens_on_loopback_only(case: Path, tmp_path: Path) -> None:
    with _prefix(case, tmp_path) as prefix:
        addresses = _render(case, prefix).listen_addresses()
    assert all(address.startswith("127.0.0.1:") for address in addresses), addresses


@pytest.mark.parametrize(
    "case",
    [
        RULE_FIXTURES / "AL104" / "nginx" / "bad_location_auth.conf",
        REAL_APACHE / "apache" / "bad_fcgi_default.conf",
    ],
    ids=_valid_id,
)
def test_server_is_gone_once_stopped(case: Path, tmp_path: Path) -> None:
    with _running(case, tmp_path, {"requests": []}) as (_, server):
        process = server.process
        assert process is not None
        assert process.poll() is None
    assert process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)
    if isinstance(server, Httpd):
        # httpd's children too: its whole process group.
        with pytest.raises(ProcessLookupError):
            os.killpg(process.pid, 0)
