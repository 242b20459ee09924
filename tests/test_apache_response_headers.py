"""Apache's response-header facet, on the model: what mod_headers does to an upstream's own
headers, and the lifetime mod_expires adds.

The httpd facts they rest on were observed on Debian's httpd 2.4 (semantics.md §4.4;
``tests/real_apache`` and the AL309/AL407 ``apache/`` proofs): mod_proxy_http's headers
are in the table ``Header`` (onsuccess) edits, a FastCGI or CGI answer's in the one
``Header always`` edits (``good_fcgi_always_unset``, ``bad_fcgi_unset_onsuccess``,
``bad_proxy_unset_always``); ``ExpiresDefault`` adds ``Cache-Control: max-age`` to files and
proxied answers alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from authlint.apache.expires import fresh

from conftest import model, scope_at, write

PHP = '<FilesMatch \\.php$>\n    SetHandler "proxy:fcgi://127.0.0.1:9000"\n</FilesMatch>\n'
PROXY = "ProxyPass / http://127.0.0.1:9001/\n"


def _settings(tmp_path: Path, body: str, label: str) -> Any:
    text = (
        "<VirtualHost *:80>\n    ServerName app.example.com\n"
        f"    DocumentRoot /var/www/app\n{body}</VirtualHost>\n"
    )
    write(tmp_path, {"site.conf": text})
    return scope_at(model(tmp_path / "site.conf", cwd=tmp_path), label).settings


@pytest.mark.parametrize(
    ("body", "label", "hidden"),
    [
        ("Header unset X-Powered-By\n" + PROXY, "VirtualHost *:80", {"x-powered-by"}),
        ("Header always unset X-Powered-By\n" + PROXY, "VirtualHost *:80", set()),
        (
            "Header set Access-Control-Allow-Origin *\n" + PROXY,
            "VirtualHost *:80",
            {"access-control-allow-origin"},
        ),
        ("Header always unset X-Powered-By\n" + PHP, "FilesMatch \\.php$", {"x-powered-by"}),
        ("Header unset X-Powered-By\n" + PHP, "FilesMatch \\.php$", set()),
        ("Header always unset X-Powered-By env=HIDE\n" + PHP, "FilesMatch \\.php$", set()),
    ],
)
def test_hidden_upstream_headers_follow_the_table_the_answer_arrives_in(
    tmp_path: Path, body: str, label: str, hidden: set[str]
) -> None:
    setting = _settings(tmp_path, body, label).hidden_upstream_headers
    assert setting.value == hidden
    assert setting.known


def test_static_files_have_no_upstream_headers_to_hide(tmp_path: Path) -> None:
    setting = _settings(tmp_path, "Header unset ETag\n", "VirtualHost *:80").hidden_upstream_headers
    assert setting.value == frozenset()


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ("access plus 1 day", True),
        ("now plus 0 seconds 5 minutes", True),
        ("A3600", True),
        ("access plus 0 seconds", False),
        ("A0", False),
        ("modification plus 1 day", False),
        ("M3600", False),
        ("access plus day", False),
    ],
)
def test_lifetimes_counted_from_the_request(time: str, expected: bool) -> None:
    assert fresh(time) is expected


@pytest.mark.parametrize(
    ("body", "fresh_origin"),
    [
        ('ExpiresActive On\nExpiresDefault "access plus 1 hour"\n', "ExpiresDefault"),
        ('ExpiresActive On\nExpiresByType text/html "access plus 1 hour"\n', "ExpiresByType"),
        ('ExpiresDefault "access plus 1 hour"\n', None),
        (
            'ExpiresActive On\nExpiresDefault "access plus 1 hour"\n'
            "<Directory /var/www/app>\n    ExpiresActive Off\n</Directory>\n",
            None,
        ),
        (
            'ExpiresActive On\nExpiresDefault "access plus 1 hour"\n'
            '<Directory /var/www/app>\n    ExpiresDefault "access plus 0 seconds"\n</Directory>\n',
            None,
        ),
    ],
)
def test_added_freshness_merges_as_mod_expires_does(
    tmp_path: Path, body: str, fresh_origin: str | None
) -> None:
    label = "Directory /var/www/app" if "<Directory" in body else "VirtualHost *:80"
    setting = _settings(tmp_path, body, label).added_freshness
    assert setting.value is (fresh_origin is not None)
    if fresh_origin is not None:
        assert setting.origin.name == fresh_origin
