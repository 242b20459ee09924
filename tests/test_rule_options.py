"""A rule option set in the config changes what the rule reports: AL501's largest header."""

from __future__ import annotations

import pytest

from test_cli import authlint

OIDC_SERVER = """\
server {
    listen 8080;
    server_name app.example.com;
    location = /oauth2/auth {
        internal;
        proxy_pass http://127.0.0.1:4180;
    }
    location / {
        auth_request /oauth2/auth;
        proxy_pass http://127.0.0.1:9000;
    }
}
"""


def places(run) -> list[tuple[str, int]]:
    return [(finding["rule"], finding["line"]) for finding in run.json()["findings"]]


def test_default_buffers_pass_without_the_option(tree):
    root = tree({"site.conf": OIDC_SERVER})
    assert places(authlint("check", "--format", "json", cwd=root)) == []


def test_option_asks_for_larger_buffers(tree):
    root = tree(
        {
            "site.conf": OIDC_SERVER,
            ".authlint.toml": '[rules.AL501]\nlargest-request-header = "16k"\n',
        }
    )
    run = authlint("check", "--format", "json", cwd=root)
    assert run.status == 1
    assert places(run) == [("AL501", 1)]
    assert "the site's `largest-request-header` is 16384" in run.json()["findings"][0]["message"]

    enlarged = OIDC_SERVER.replace(
        "    server_name app.example.com;\n",
        "    server_name app.example.com;\n    large_client_header_buffers 4 16k;\n",
    )
    (root / "site.conf").write_text(enlarged)
    assert places(authlint("check", "--format", "json", cwd=root)) == []


def test_option_claims_nothing_where_an_unread_include_may_set_the_buffers(tree):
    # nginx's default 8k falls short of the site's 16k, but the include may
    # enlarge the buffers.
    unread = OIDC_SERVER.replace(
        "    server_name app.example.com;\n",
        "    server_name app.example.com;\n    include snippets/limits.conf;\n",
    )
    root = tree(
        {
            "site.conf": unread,
            ".authlint.toml": '[rules.AL501]\nlargest-request-header = "16k"\n',
        }
    )
    run = authlint("check", "--format", "json", cwd=root)
    assert places(run) == [("AL003", 4)]


@pytest.mark.parametrize(
    "value",
    # A committed config is written by whoever opens a pull request: 5,000
    # digits (past what Python's int() converts) or digits of another script.
    ['"huge"', '"' + "9" * 5000 + 'k"', '"\u0663k"'],
    ids=["word", "5000-digits", "arabic-indic-digit"],
)
def test_bad_option_value_names_the_key(tree, value):
    root = tree(
        {
            "site.conf": OIDC_SERVER,
            ".authlint.toml": f"[rules.AL501]\nlargest-request-header = {value}\n",
        }
    )
    run = authlint("check", cwd=root)
    assert run.status == 2
    assert "rules.AL501.largest-request-header" in run.stderr
    assert len(run.stderr.splitlines()) == 1
