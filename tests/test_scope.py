"""What a scope's settings say in every format's terms (``authlint.model.settings``),
on nginx configs."""

from __future__ import annotations

import pytest

from conftest import UPSTREAM, scope_at

AUTH_CONFIG = f"""
server {{
    location /basic/ {{
        auth_basic "realm";
        auth_basic_user_file htpasswd;
        proxy_pass {UPSTREAM};
    }}
    location /realm-only/ {{
        auth_basic "realm";
        proxy_pass {UPSTREAM};
    }}
    location /satisfy-any/ {{
        satisfy any;
        allow 10.0.0.0/8;
        deny all;
        auth_basic "realm";
        auth_basic_user_file htpasswd;
        proxy_pass {UPSTREAM};
    }}
}}
"""


@pytest.mark.parametrize(
    ("location", "refused"),
    [
        ("location /basic/", True),
        # nginx checks nothing for auth_basic without a user file (200 without credentials).
        ("location /realm-only/", False),
        # satisfy any: a client from 10.0.0.0/8 gets in without credentials.
        ("location /satisfy-any/", False),
    ],
)
def test_every_request_authenticated_only_where_a_running_check_refuses(config, location, refused):
    """Every request without credentials is refused only where a Basic (or Digest) check
    runs and no other access rule lets a request in instead."""
    ws = config(AUTH_CONFIG, {"htpasswd": "alice:$apr1$x$y\n"})
    authentication = scope_at(ws, location).settings.authentication
    assert authentication.every_request_authenticated is refused
