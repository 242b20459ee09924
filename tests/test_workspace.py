"""The run's model as a whole: the scopes rules walk, each format's view, the include budget."""

from __future__ import annotations

from authlint.model.scope import Scope, ScopeRole
from authlint.model.workspace import ReadBudget

from conftest import UPSTREAM, scope_at

# --- the scopes rules walk ---------------------------------------------------------------


def test_forwarding_scopes_are_those_whose_upstream_gets_the_clients_headers(config) -> None:
    """A location that answers itself (``return``, static files, memcached) forwards no
    header; proxy, FastCGI and gRPC upstreams do."""
    workspace = config(
        f"""\
        server {{
            location /proxied/ {{ proxy_pass {UPSTREAM}; }}
            location /returned/ {{ return 204; }}
            location /files/ {{ root /srv/www; }}
            location /cached/ {{ memcached_pass 127.0.0.1:11211; }}
            location /php/ {{ fastcgi_pass 127.0.0.1:9001; }}
            location /grpc/ {{ grpc_pass grpc://127.0.0.1:9002; }}
        }}
        """
    )
    labels = [scope.label for scope in workspace.forwarding_scopes()]
    assert labels == ["location /proxied/", "location /php/", "location /grpc/"]
    answering = [scope.label for scope in workspace.answering_scopes()]
    assert "location /returned/" in answering
    assert "location /cached/" in answering


# --- each format's view ---------------------------------------------------------------


def test_a_rule_reading_every_format_of_the_run_sees_the_run_itself(config) -> None:
    """No copy is made: the scope lists built for one such rule serve the next."""
    workspace = config(f"server {{ location / {{ proxy_pass {UPSTREAM}; }} }}\n")
    assert workspace.only(frozenset({"nginx"})) is workspace
    assert workspace.only(frozenset({"nginx", "apache"})) is workspace


def test_a_rule_sees_only_the_scopes_of_the_formats_it_reads(config) -> None:
    """With an nginx tree and another format's root in one run, each rule gets its own
    format's roots, and the run's files and problems alike."""
    workspace = config(f"server {{ location / {{ proxy_pass {UPSTREAM}; }} }}\n")
    nginx_roots = list(workspace.roots)
    other = Scope("apache", "server config", ScopeRole.ROOT, None, None)
    workspace.roots.append(other)
    view = workspace.only(frozenset({"nginx"}))
    assert view.roots == nginx_roots
    assert view.files is workspace.files
    assert view.problems is workspace.problems
    assert scope_at(view, "location /").format == "nginx"
    assert workspace.only(frozenset({"apache"})).roots == [other]
    assert list(workspace.only(frozenset()).scopes()) == []


# --- the include budget -----------------------------------------------------------------


def test_includes_are_read_up_to_the_allowance_and_not_past_it() -> None:
    reading = ReadBudget()
    reading.spent = reading.allowance
    assert reading.allows_more()
    reading.spent += 1
    assert not reading.allows_more()
    assert reading.exhausted


def test_once_the_budget_is_spent_no_include_is_read_again() -> None:
    """More files parsed later raise the allowance, but a run that stopped following
    includes does not start again (its report says where it stopped, once)."""
    reading = ReadBudget(spent=ReadBudget.BASE + 1)
    assert not reading.allows_more()
    reading.parsed += 1_000
    assert reading.spent < reading.allowance
    assert not reading.allows_more()
