"""Apache's routing facet, on the model: which section of a host answers a path, the one
path a section answers, and where a ``ProxyPass`` to this same server lands.

httpd merges every section that applies to a request (semantics.md §4.1); the route is
the last of them, known where its own settings stand for the path's merge. The AL203 and
AL308 ``apache/`` proofs show the httpd side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import model, scope_at, write

AUTH = (
    '    AuthType Basic\n    AuthName "ops"\n    AuthUserFile /etc/apache2/htpasswd\n'
    "    Require valid-user\n"
)


def _settings(tmp_path: Path, text: str, label: str) -> Any:
    write(tmp_path, {"site.conf": text})
    return scope_at(model(tmp_path / "site.conf", cwd=tmp_path), label).settings


def _host(body: str) -> str:
    return (
        "<VirtualHost *:80>\n    ServerName ops.example.com\n"
        f"    DocumentRoot /srv/www\n{body}</VirtualHost>\n"
    )


HOST = _host(
    f"<Location />\n{AUTH}</Location>\n"
    '<LocationMatch "^/hooks$">\n    Require all granted\n</LocationMatch>\n'
    "<Location /hooks/>\n    Header set X-Hook 1\n</Location>\n"
)


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/hooks", "LocationMatch ^/hooks$"),
        ("/hooks/deploy", "Location /hooks/"),
        ("/a", "Location /"),
    ],
)
def test_the_last_section_that_applies_answers(tmp_path: Path, path: str, label: str) -> None:
    route = _settings(tmp_path, HOST, "VirtualHost *:80").route(path)
    assert route.scope is not None
    assert route.scope.label == label
    assert route.known


def test_a_host_without_sections_answers_itself(tmp_path: Path) -> None:
    route = _settings(tmp_path, _host(""), "VirtualHost *:80").route("/")
    assert route.scope is None
    assert route.known


def test_a_path_the_route_s_own_merge_misses_is_not_known(tmp_path: Path) -> None:
    # /a/b merges <Location /a> and the <LocationMatch>; the request drawn for the
    # <LocationMatch> (/b) merges it alone, so its settings do not stand for /a/b.
    text = _host(
        "<Location /a>\n    Header set X-A 1\n</Location>\n<LocationMatch b$>\n</LocationMatch>\n"
    )
    route = _settings(tmp_path, text, "VirtualHost *:80").route("/a/b")
    assert route.scope is not None
    assert route.scope.label == "LocationMatch b$"
    assert not route.known


def test_an_alias_maps_the_path_to_its_folder(tmp_path: Path) -> None:
    text = _host("Alias /files /srv/files\n<Directory /srv/files>\n</Directory>\n")
    route = _settings(tmp_path, text, "VirtualHost *:80").route("/files/a")
    assert route.scope is not None
    assert route.scope.label == "Directory /srv/files"


def test_a_pattern_alias_makes_the_route_unknown(tmp_path: Path) -> None:
    text = _host("AliasMatch ^/files/(.*) /srv/files/$1\n<Location /files>\n</Location>\n")
    assert not _settings(tmp_path, text, "VirtualHost *:80").route("/files/a").known


@pytest.mark.parametrize(
    ("section", "exact"),
    [
        ('<LocationMatch "^/hooks$">', "/hooks"),
        ('<Location ~ "^/robots\\.txt$">', "/robots.txt"),
        ('<LocationMatch "^/hooks(/|$)">', None),
        ("<Location /hooks>", None),
        ('<LocationMatch "/hooks$">', None),
    ],
)
def test_only_a_regex_anchored_at_both_ends_answers_one_path(
    tmp_path: Path, section: str, exact: str | None
) -> None:
    closing = "</LocationMatch>" if "Match" in section else "</Location>"
    text = _host(f"{section}\n    Require all granted\n{closing}\n")
    label = section.strip("<>").replace('"', "")
    assert _settings(tmp_path, text, label).exact_path == exact


LOOPBACK = (
    "Listen 80\n"
    "<VirtualHost *:80>\n    ServerName api.example.com\n"
    "    ProxyPass / http://127.0.0.1:8081/\n</VirtualHost>\n"
    "Listen 8081\n"
    "<VirtualHost 127.0.0.1:8081>\n    ServerName backend.internal\n"
    "    Header set X-Backend 1\n    ProxyPass / http://127.0.0.1:9001/\n</VirtualHost>\n"
)


def test_a_proxy_to_this_server_lands_on_the_host_of_that_address(tmp_path: Path) -> None:
    route = _settings(tmp_path, LOOPBACK, "VirtualHost *:80").upstream_route
    assert route is not None
    assert route.scope is not None
    assert route.scope.label == "VirtualHost 127.0.0.1:8081"
    assert route.known


def test_a_proxy_elsewhere_has_no_upstream_route(tmp_path: Path) -> None:
    text = LOOPBACK.replace("http://127.0.0.1:8081/", "http://10.0.0.5:8081/")
    assert _settings(tmp_path, text, "VirtualHost *:80").upstream_route is None


def test_several_hosts_on_the_address_leave_the_choice_unknown(tmp_path: Path) -> None:
    text = LOOPBACK + (
        "<VirtualHost 127.0.0.1:8081>\n    ServerName other.internal\n</VirtualHost>\n"
    )
    route = _settings(tmp_path, text, "VirtualHost *:80").upstream_route
    assert route is not None
    assert not route.known


def test_httpd_has_no_section_for_subrequests_only(tmp_path: Path) -> None:
    assert not _settings(tmp_path, HOST, "Location /hooks/").subrequests_only
