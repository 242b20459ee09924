"""The format registry: each file goes to the format that claims it, and a file named on
the command line that none claims is said to be left out, never silently skipped."""

from __future__ import annotations

import pytest

from authlint.formats import claimed_formats, fix_hint, registered
from authlint.rule import load_rules

from test_cli import authlint

APACHE = "<Directory /var/www>\n    Require all granted\n</Directory>\n"
NGINX = "server {\n    listen 80;\n    location / { proxy_pass http://app; }\n}\n"


def test_format_names_are_unique() -> None:
    names = [item.name for item in registered()]
    assert len(names) == len(set(names))


def test_every_rule_runs_on_some_format() -> None:
    for rule in load_rules():
        assert claimed_formats(rule), f"{rule.id} reads facets no format provides"


def test_fix_hints_are_for_known_rules() -> None:
    ids = {rule.id for rule in load_rules()}
    for item in registered():
        assert set(item.fix_hints) <= ids, item.name
    assert fix_hint("no-such-format", "AL101") is None


@pytest.mark.parametrize(
    ("name", "text"),
    [("httpd.conf", APACHE), ("values.yaml", "cors:\n  origins: ['*']\n"), (".htaccess", APACHE)],
)
def test_a_named_file_no_format_claims_is_reported(tree, name: str, text: str) -> None:
    root = tree({name: text, "site.conf": NGINX})
    run = authlint("check", name, "site.conf", cwd=root)
    assert run.status == 0
    assert "in 1 file" in run.stdout
    assert f"authlint: warning: {name} is not linted: authlint reads nginx configs" in run.stderr


def test_quiet_keeps_the_unclaimed_notice_back(tree) -> None:
    root = tree({"httpd.conf": APACHE})
    run = authlint("check", "--quiet", "httpd.conf", cwd=root)
    assert run.status == 0
    assert run.stderr == ""


def test_unclaimed_files_found_in_a_walk_are_not_named(tree) -> None:
    # A folder holds many files that are no configs (READMEs, YAML): only the
    # files named one by one are worth a notice.
    root = tree({"conf/httpd.conf": APACHE, "conf/README.md": "# notes\n", "conf/site.conf": NGINX})
    run = authlint("check", "conf", cwd=root)
    assert "not linted" not in run.stderr
