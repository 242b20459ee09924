"""httpd's request limits and the virtual host that reads a request under them: the
default (first) host of the address a connection reaches (`apache/vhosts.py`,
`apache/limits.py`), as seen on httpd 2.4.71 with `apache2 -S` and requests."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from authlint.apache import limits, vhosts
from authlint.apache.settings import ApacheSettings
from authlint.engine import load
from authlint.formats import IncludeOptions
from authlint.model.scope import Scope, ScopeRole

from conftest import write


def _hosts(tmp_path: Path, text: str) -> list[Scope]:
    """The virtual hosts of one config, in order."""
    write(tmp_path, {"httpd.conf": text})
    workspace = load([tmp_path], IncludeOptions(), tmp_path)
    return [scope for scope in workspace.scopes() if scope.role is ScopeRole.HOST]


def _defaults(host: Scope) -> dict[str, str | None]:
    """Each address of a host, and the first ServerName of its default (None: unknown)."""
    assert host.parent is not None
    groups = cast("ApacheSettings", host.parent.settings).address_groups
    assert groups is not None
    return {
        group.address: None if group.default is None else group.default.hosts[0]
        for group in groups[host]
    }


def _vhost(address: str, name: str, *lines: str) -> str:
    body = "".join(f"    {line}\n" for line in lines)
    return f"<VirtualHost {address}>\n    ServerName {name}\n{body}</VirtualHost>\n"


@pytest.mark.parametrize(
    ("written", "matched"),
    [
        ("*:80", "*:80"),
        ("_default_:80", "*:80"),
        ("0.0.0.0:80", "*:80"),
        ("[::]:80", "*:80"),
        ("*", "*:*"),
        ("_default_", "*:*"),
        ("10.0.0.5:80", "10.0.0.5:80"),
        ("10.0.0.5", "10.0.0.5:*"),
        ("[2001:db8::1]:443", "[2001:db8::1]:443"),
        ("www.example.com:80", None),
        ("*:http", None),
    ],
)
def test_virtual_host_addresses_match_as_httpd_matches_them(written: str, matched: str) -> None:
    assert vhosts.address(written) == matched


def test_the_first_host_of_an_address_is_its_default_whatever_its_spelling(
    tmp_path: Path,
) -> None:
    www, sso = _hosts(
        tmp_path,
        "Listen 80\n"
        + _vhost("_default_:80", "www.example.com")
        + _vhost("*:80", "sso.example.com"),
    )
    assert _defaults(sso) == {"*:80": "www.example.com"}
    assert _defaults(www) == {"*:80": "www.example.com"}


def test_an_exact_address_is_matched_apart_from_the_wildcard(tmp_path: Path) -> None:
    hosts = _hosts(
        tmp_path,
        "Listen 80\n"
        + _vhost("*:80", "www.example.com")
        + _vhost("10.0.0.5:80", "sso.example.com")
        + _vhost("10.0.0.5:80 *:80", "both.example.com"),
    )
    assert _defaults(hosts[1]) == {"10.0.0.5:80": "sso.example.com"}
    assert _defaults(hosts[2]) == {"10.0.0.5:80": "sso.example.com", "*:80": "www.example.com"}


@pytest.mark.parametrize(
    "text",
    [
        # An include not read may add a host before these.
        "Listen 80\nInclude sites/*.conf\n"
        + _vhost("*:80", "www.example.com")
        + _vhost("*:80", "sso.example.com"),
        # A host read only where a module is loaded.
        "Listen 80\n<IfModule mod_nothing.c>\n"
        + _vhost("*:80", "www.example.com")
        + "</IfModule>\n"
        + _vhost("*:80", "sso.example.com"),
    ],
)
def test_default_is_unknown_when_a_file_or_a_condition_could_change_it(
    tmp_path: Path, text: str
) -> None:
    sso = _hosts(tmp_path, text)[-1]
    assert _defaults(sso) == {"*:80": None}


def test_a_name_to_resolve_leaves_the_exact_addresses_of_its_port_unknown(tmp_path: Path) -> None:
    hosts = _hosts(
        tmp_path,
        "Listen 80\n"
        + _vhost("10.0.0.5:80", "www.example.com")
        + _vhost("10.0.0.5:80", "sso.example.com")
        + _vhost("*:80", "any.example.com")
        + _vhost("internal.example.com:80", "named.example.com"),
    )
    assert _defaults(hosts[1]) == {"10.0.0.5:80": None}
    assert _defaults(hosts[2]) == {"*:80": "any.example.com"}


def test_virtual_hosts_read_without_the_server_have_no_known_default(tmp_path: Path) -> None:
    hosts = _hosts(tmp_path, _vhost("*:80", "www.example.com") + _vhost("*:80", "sso.example.com"))
    assert hosts[1].parent is not None
    assert cast("ApacheSettings", hosts[1].parent.settings).address_groups is None


@pytest.mark.parametrize(
    ("written", "value"),
    [("16384", 16384), ("16k", 16), (" 8190 ", 8190), ("1e4", 1), ("0", 0), ("-1", None)],
)
def test_limits_are_read_as_atoi_reads_them(tmp_path: Path, written: str, value: int) -> None:
    (host,) = _hosts(
        tmp_path, "Listen 80\n" + _vhost("*:80", "a", f"LimitRequestFieldSize {written}")
    )
    assert limits.limit(host, limits.FIELD_SIZE).value == value


def test_a_host_without_a_limit_takes_the_main_servers(tmp_path: Path) -> None:
    (host,) = _hosts(tmp_path, "Listen 80\nLimitRequestLine 4000\n" + _vhost("*:80", "a"))
    found = limits.limit(host, limits.REQUEST_LINE)
    assert found.value == 4000
    assert found.origin is not None
    assert found.origin.line == 2
    assert limits.limit(host, limits.FIELDS).value == 100


def test_a_request_is_read_under_its_address_defaults_limit(tmp_path: Path) -> None:
    www, sso = _hosts(
        tmp_path,
        "Listen 80\n"
        + _vhost("*:80", "www.example.com", "LimitRequestFieldSize 4000")
        + _vhost("*:80", "sso.example.com", "LimitRequestFieldSize 16384"),
    )
    # One byte past the limit, and the line ending.
    assert sso.settings.header_limits.request_line.value == 4003
    assert sso.settings.header_limits.request_line.origin is www.own["limitrequestfieldsize"][0]
    (partly,) = sso.settings.partly_applied_limits
    assert partly.decided_by is www
    assert partly.listen == "*:80"
    assert "a header line of at most 4001 bytes" in partly.applies
    assert not www.settings.partly_applied_limits


def test_a_host_of_several_addresses_is_read_under_the_smallest_default(tmp_path: Path) -> None:
    hosts = _hosts(
        tmp_path,
        "Listen 80\nListen 8080\n"
        + _vhost("*:80", "www.example.com", "LimitRequestFieldSize 4000")
        + _vhost("*:8080", "alt.example.com", "LimitRequestFieldSize 6000")
        + _vhost("*:80 *:8080", "sso.example.com"),
    )
    assert hosts[2].settings.header_limits.request_line.value == 4003


def test_a_route_is_read_under_its_hosts_limit(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "httpd.conf": "Listen 80\n"
            + _vhost("*:80", "a", "LimitRequestFieldSize 2000", "<Location /api/>", "</Location>")
        },
    )
    workspace = load([tmp_path], IncludeOptions(), tmp_path)
    (route,) = [scope for scope in workspace.scopes() if scope.role is ScopeRole.ROUTE]
    assert route.settings.header_limits.request_line.value == 2003


def test_a_default_limit_under_an_undecided_condition_claims_nothing(tmp_path: Path) -> None:
    _, sso = _hosts(
        tmp_path,
        "Listen 80\n"
        + _vhost(
            "*:80",
            "www.example.com",
            "<IfModule mod_nothing.c>",
            "LimitRequestFieldSize 4000",
            "</IfModule>",
        )
        + _vhost("*:80", "sso.example.com", "LimitRequestFieldSize 16384"),
    )
    assert not sso.settings.partly_applied_limits


def test_an_unread_file_of_the_main_server_leaves_a_hosts_own_limit_known(tmp_path: Path) -> None:
    (host,) = _hosts(
        tmp_path,
        "Listen 80\nInclude missing.conf\n" + _vhost("*:80", "a", "LimitRequestFieldSize 4000"),
    )
    assert limits.limit(host, limits.FIELD_SIZE).known
    assert not limits.limit(host, limits.REQUEST_LINE).known
