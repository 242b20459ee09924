"""The Apache benchmark's generated trees (tests/apache_tree.py) are what they claim: a
Debian server httpd accepts, whose ``.htaccess`` files httpd accepts in a directory,
the same for the same seed, with each planted problem in the file and at the line
the tree names."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from apache_httpd import available, httpd_reading
from apache_tree import (
    ANOTHER_REALM,
    CORS_WITHOUT_ALWAYS,
    PHP_WITHOUT_CREDENTIALS,
    PLANTED_KINDS,
    ApacheTree,
    generate,
    httpd_check,
)

from authlint.apache.parser import ApacheNode, parse_file
from authlint.model.source import SourceFile
from authlint.model.tree import Node

# Sites with and without HTTPS, a cache and raised limits; a problem every third
# site, each kind two or three times.
SITES = 24
PLANT_EVERY = 3


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> ApacheTree:
    return generate(tmp_path_factory.mktemp("apache"), SITES, plant_every=PLANT_EVERY)


@pytest.fixture
def apache2() -> None:
    """httpd must be there under CI; elsewhere the checks against it are skipped."""
    if not available():
        if os.environ.get("CI") == "true":
            pytest.fail("apache2 is required in CI: .ci/run installs the Debian package")
        pytest.skip("apache2 is not installed (apt-get install apache2)")


def _nodes(path: Path) -> list[ApacheNode]:
    source = SourceFile(path.name, path, "apache")
    assert parse_file(source) == [], path
    assert source.nodes is not None
    found: list[ApacheNode] = []
    pending: list[Node] = list(source.nodes)
    while pending:
        node = pending.pop()
        assert isinstance(node, ApacheNode)
        found.append(node)
        pending.extend(node.children or [])
    return found


@pytest.mark.usefixtures("apache2")
def test_httpd_accepts_the_tree_and_serves_every_site(tree: ApacheTree) -> None:
    """``apache2 -t`` says Syntax OK, and ``-S`` lists every site on port 80 and the
    HTTPS ones on 443: the includes, the modules' sections and the variables all read.
    The tree holds every kind of site (with and without HTTPS, a cache, raised limits)."""
    texts = [path.read_text() for path in tree.files]
    assert any("CacheEnable" in text for text in texts)
    assert any("LimitRequestFieldSize" in text for text in texts)
    checked = httpd_check(tree)
    assert checked.returncode == 0, checked.stderr
    assert "Syntax OK" in checked.stderr
    listed = httpd_check(tree, "-S").stdout
    assert tree.https_sites
    assert len(tree.https_sites) < SITES
    for name in tree.sites:
        ports = set(re.findall(rf"port (\d+) namevhost {re.escape(name)} ", listed))
        assert ports == ({"80", "443"} if name in tree.https_sites else {"80"}), name


@pytest.mark.usefixtures("apache2")
def test_httpd_accepts_every_htaccess_in_a_directory(tree: ApacheTree) -> None:
    """httpd reads ``.htaccess`` only when a request reaches its folder, so ``-t``
    never sees them: each is read by httpd inside ``<Directory>`` with
    ``AllowOverride All``, and must be accepted there."""
    for path in tree.htaccess:
        assert httpd_reading(path).refused is None, path


def test_every_file_parses_and_the_sites_have_one_to_three_htaccess(tree: ApacheTree) -> None:
    """authlint's parser refuses none of the files; each site's document root holds one
    to three ``.htaccess`` files."""
    for path in tree.files:
        assert _nodes(path), path
    per_site = {
        site: sum(1 for path in tree.htaccess if f"/{site.split('.')[0]}/" in str(path))
        for site in tree.sites
    }
    assert set(per_site.values()) <= {1, 2, 3}
    assert len(set(per_site.values())) > 1


def test_planted_problems_are_where_the_tree_says(tree: ApacheTree) -> None:
    """Every ``plant_every``-th site has one problem, the kinds in turn, at a line that
    holds the directive named."""
    assert [problem.kind for problem in tree.planted] == [
        PLANTED_KINDS[index % 3] for index in range(SITES // PLANT_EVERY)
    ]
    for problem in tree.planted:
        nodes = _nodes(problem.path)
        at_line = [node for node in nodes if node.line == problem.line]
        assert [node.key for node in at_line] == [problem.directive], problem
        if problem.kind == PHP_WITHOUT_CREDENTIALS:
            # No CGIPassAuth, nor the SetEnvIf workaround, in the file that hands PHP over.
            assert {"cgipassauth", "setenvif"}.isdisjoint(node.key for node in nodes)
            assert at_line[0].args[0].startswith("proxy:fcgi://")
        elif problem.kind == CORS_WITHOUT_ALWAYS:
            assert at_line[0].args[:2] == ["set", "Access-Control-Allow-Origin"]
        else:
            assert problem.kind == ANOTHER_REALM
            parent = problem.path.parent.parent / ".htaccess"
            realms = {
                node.args[0]
                for path in (parent, problem.path)
                for node in _nodes(path)
                if node.key == "authname"
            }
            assert len(realms) == 2


def test_a_planted_problem_is_not_everywhere(tree: ApacheTree) -> None:
    """The sites without a planted problem hand credentials to PHP and set CORS with
    ``always``: a linter's findings on the tree are the planted ones."""
    planted = {problem.path for problem in tree.planted}
    for path in tree.htaccess:
        if path in planted:
            continue
        keys = [node.key for node in _nodes(path)]
        if "sethandler" in keys:
            assert {"cgipassauth", "setenvif"} & set(keys), path
        cors = [
            node
            for node in _nodes(path)
            if node.key == "header" and any(arg.startswith("Access-Control-") for arg in node.args)
        ]
        assert all(node.args[0] == "always" for node in cors), path


def test_the_same_seed_writes_the_same_tree(tmp_path: Path) -> None:
    """Deterministic: two trees of one seed differ only by the folder they are in;
    another seed draws other sites."""
    first = generate(tmp_path / "a", 30)
    second = generate(tmp_path / "b", 30)
    other = generate(tmp_path / "c", 30, seed=13)

    def texts(tree: ApacheTree) -> dict[str, str]:
        return {
            str(path.relative_to(tree.root)): path.read_text().replace(str(tree.root), "ROOT")
            for path in tree.files
        }

    assert texts(first) == texts(second)
    assert texts(first) != texts(other)
