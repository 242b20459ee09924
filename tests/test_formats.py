"""The format registry: each file goes to the format that claims it, and a file named on
the command line that none claims is said to be left out, never silently skipped."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from authlint import formats
from authlint.engine import run
from authlint.formats import Format, IncludeOptions, claimed_formats, fix_hint, registered
from authlint.model.scope import Scope, ScopeRole
from authlint.model.settings import (
    Authentication,
    AuthorizationForwarding,
    AuthorizationState,
    Facet,
    HeaderEntry,
    Setting,
    Upstream,
    UpstreamKind,
)
from authlint.model.source import SourceFile
from authlint.model.tree import Node
from authlint.model.workspace import ProblemKind, Workspace
from authlint.rule import load_rules

from test_cli import authlint

APACHE = "<Directory /var/www>\n    Require all granted\n</Directory>\n"
NGINX = "server {\n    listen 80;\n    location / { proxy_pass http://app; }\n}\n"
REGISTERED = registered()


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
    [("values.yaml", "cors:\n  origins: ['*']\n"), ("cors.yml", "origins: ['*']\n")],
)
def test_a_named_file_no_format_claims_is_reported(tree, name: str, text: str) -> None:
    root = tree({name: text, "site.conf": NGINX})
    run = authlint("check", name, "site.conf", cwd=root)
    assert run.status == 0
    assert "in 1 file" in run.stdout
    reads = "authlint reads nginx configs, Apache configs"
    assert f"authlint: warning: {name} is not linted: {reads}" in run.stderr


def test_quiet_keeps_the_unclaimed_notice_back(tree) -> None:
    root = tree({"values.yaml": "cors: {}\n"})
    run = authlint("check", "--quiet", "values.yaml", cwd=root)
    assert run.status == 0
    assert run.stderr == ""


def test_unclaimed_files_found_in_a_walk_are_not_named(tree) -> None:
    # A folder holds many files that are no configs (READMEs, YAML): only the
    # files named one by one are worth a notice.
    root = tree({"conf/app.yaml": "a: 1\n", "conf/README.md": "# notes\n", "conf/site.conf": NGINX})
    run = authlint("check", "conf", cwd=root)
    assert "not linted" not in run.stderr


# --- A second format: the rules' claims hold for whatever format provides the facets ----


class ToySettings:
    """A toy server that runs every route's PHP as CGI and, like Apache, hides
    Authorization from CGI by default; it checks no credentials and knows nothing of
    CORS or caches."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.authentication = Authentication((), Setting(False), known=True)
        self.authenticates_some_methods = Setting(False)
        self.subrequests_only = False  # every toy route answers clients
        self.request_headers = None
        self.upstream: Upstream | None = None
        self.exact_path: str | None = None
        self.outer_scope = scope.parent
        self.authorization: AuthorizationForwarding | None = None
        if scope.node is not None:
            self.upstream = Upstream(
                UpstreamKind.CGI, scope.node.arg(0), scope.node, application="PHP"
            )
            self.authorization = AuthorizationForwarding(
                AuthorizationState.REMOVED,
                scope.node,
                literal=False,
                known=True,
                reason="the toy server hides `Authorization` from CGI unless told otherwise",
            )

    def credentials_sent_upstream(self) -> tuple[HeaderEntry, ...]:
        return ()  # the toy server sends no header of its own to CGI


class ToyFormat(Format):
    """``*.toy`` files: one route per line, ``route PATH``."""

    name = "toy"
    server = "toyd"
    reading = "toy configs"
    provides = frozenset(
        {Facet.ROUTING, Facet.FORWARDING, Facet.AUTHENTICATION, Facet.REPLACED_LISTS}
    )
    fix_hints: Mapping[str, str] = {"AL102": "Add `pass-authorization` to the route."}
    references: Mapping[str, str] = {}
    problems = frozenset({ProblemKind.PARSE_ERROR})

    def worth_reading(self, name: str, folder: str) -> bool:
        return name.endswith(".toy")

    def claims(self, path: Path, named: bool) -> bool:
        return path.suffix == ".toy"

    @contextmanager
    def loading(self, files, cwd, includes, jobs, progress) -> Iterator[object]:
        def load(workspace: Workspace, boundary: Path, files: list[Path]) -> None:
            for path in files:
                source = SourceFile(path.relative_to(cwd).as_posix(), path, self.name)
                workspace.files.append(source)
                root = Scope(self.name, "server", ScopeRole.ROOT, None, None)
                root.settings = ToySettings(root)
                workspace.roots.append(root)
                for number, line in enumerate(path.read_text().splitlines(), start=1):
                    node = Node("route", line.split()[1:], None, source, number)
                    route = Scope(self.name, "route", ScopeRole.ROUTE, node, root)
                    route.settings = ToySettings(route)
                progress.advance()

        yield load


@pytest.fixture
def with_toy(monkeypatch):
    toy = ToyFormat()
    monkeypatch.setattr(formats, "registered", lambda: (*REGISTERED, toy))
    formats._by_name.cache_clear()
    yield toy
    formats._by_name.cache_clear()


def test_a_rule_runs_on_every_format_that_provides_its_facets(tree, with_toy) -> None:
    root = tree({"app.toy": "route /cgi-bin/\n", "site.conf": NGINX})
    result = run([root], IncludeOptions(), cwd=root)
    assert result.crashes == []  # no CORS or cache rule ran on the toy's scopes
    (finding,) = result.findings
    assert (finding.rule, finding.span.path, finding.span.line) == ("AL102", "app.toy", 1)
    assert finding.message.startswith(
        "the toy server hides `Authorization` from CGI unless told otherwise: `route /cgi-bin/` "
    )
    assert "toyd does not authenticate" in finding.message
    assert finding.fix == "Add `pass-authorization` to the route."


def test_a_rule_claims_the_formats_that_provide_what_it_reads(with_toy) -> None:
    claims = {rule.id: claimed_formats(rule) for rule in load_rules()}
    assert claims["AL102"] == ("nginx", "apache", "toy")
    assert claims["AL101"] == ("nginx", "toy")  # httpd merges header lists: none replaces
    # Diagnostics read no settings: each runs where its problem can be met.
    assert claims["AL001"] == ("nginx", "apache", "toy")
    assert claims["AL003"] == ("nginx", "apache")
    assert claims["AL007"] == ("nginx",)
    assert claims["AL005"] == ("nginx", "apache", "toy")
    assert claims["AL301"] == ("nginx", "apache")
    assert claims["AL305"] == ("nginx", "apache")
    assert claims["AL307"] == ("nginx",)  # a list replaced: not httpd's merge
    # httpd's request limits, not nginx's upstream buffers nor its ignored HTTP/2 limits.
    assert claims["AL501"] == claims["AL505"] == ("nginx", "apache")
    assert claims["AL502"] == claims["AL503"] == claims["AL504"] == ("nginx",)
    assert fix_hint("toy", "AL102") == "Add `pass-authorization` to the route."


def test_apache_files_are_read_as_apache(tree) -> None:
    root = tree({"httpd.conf": APACHE, ".htaccess": "RewriteEngine On\n", "site.conf": NGINX})
    run = authlint("check", ".", cwd=root)
    assert run.status == 0, run.stdout
    assert "in 3 files" in run.stdout
    assert "not linted" not in run.stderr


@pytest.mark.parametrize(
    ("name", "text", "claimed"),
    [
        ("site.conf", APACHE, True),
        ("rewrites.conf", "RewriteEngine On\nRewriteRule ^old$ /new [R=301,L]\n", True),
        ("httpd.conf", "", True),
        (".htaccess", "", True),
        ("htaccess.txt", "RewriteEngine On\n", True),
        ("example.htaccess", "", True),
        ("sites-available/000-default", APACHE, True),
        ("sites-available/notes", "some text\n", False),
        ("pool.conf", "[www]\nOptions = none\nuser = www-data\n", False),
        ("site.conf", NGINX, False),  # offered to nginx first; never Apache's
        ("notes.txt", APACHE, False),
    ],
)
def test_apache_claims_by_name_then_by_content(
    tmp_path: Path, name: str, text: str, claimed: bool
) -> None:
    from authlint.apache.format import APACHE as APACHE_FORMAT

    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    assert APACHE_FORMAT.claims(path, named=False) is claimed
