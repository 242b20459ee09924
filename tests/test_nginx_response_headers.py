"""The model's response headers of nginx scopes (``authlint.nginx.headers``).

``add_header`` is inherited all or nothing: a level with its own takes none of
the outer level's. ``add_header_inherit`` (nginx 1.29.3+) changes that:
``merge`` appends the outer level's list, ``off`` inherits nothing. An unread
include at a level could add headers there.
"""

from __future__ import annotations

import pytest

from conftest import UPSTREAM, scope_at


def headers_at(workspace, label):
    return scope_at(workspace, label).settings.response_headers


def test_no_add_header_anywhere_is_known_to_add_nothing(config):
    """nginx adds no header where no level has an add_header."""
    ws = config(f"server {{ location /api/ {{ proxy_pass {UPSTREAM}; }} }}")
    headers = headers_at(ws, "location /api/")
    assert headers.entries == ()
    assert headers.defined_in is None
    assert headers.known


def test_own_add_header_replaces_the_outer_list(config):
    """nginx: a location with an add_header of its own sends none of the server's; only
    `always` (in lower case: nginx 1.22 refuses `ALWAYS`) adds it to error answers too.
    """
    ws = config(
        f"""
        server {{
            add_header X-Server s;
            location /api/ {{
                add_header X-Own a always;
                add_header X-Other b;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    headers = headers_at(ws, "location /api/")
    assert [(h.name, h.always) for h in headers.entries] == [("X-Own", True), ("X-Other", False)]
    assert [h.name for h in headers.discarded] == ["X-Server"]
    assert headers.defined_in is scope_at(ws, "location /api/")
    assert headers.known


@pytest.mark.parametrize("mode", ["merge", "MERGE", "Merge"])
def test_add_header_inherit_merge_in_any_case_appends_the_outer_list(config, mode):
    """nginx 1.29.3 reads add_header_inherit as an enum, whose values nginx takes in any
    case: `merge` appends the server's headers to the location's and discards none.
    """
    ws = config(
        f"""
        server {{
            add_header X-Server s;
            location /api/ {{
                add_header_inherit {mode};
                add_header X-Own a;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    headers = headers_at(ws, "location /api/")
    assert [h.name for h in headers.entries] == ["X-Own", "X-Server"]
    assert headers.discarded == ()


def test_nested_location_without_add_header_takes_its_parents_list(config):
    """nginx: a nested location without add_header sends its parent location's headers; it
    replaced nothing itself (the parent discarded the server's).
    """
    ws = config(
        f"""
        server {{
            add_header X-Server s;
            location /api/ {{
                add_header X-Api a;
                location /api/v1/ {{ proxy_pass {UPSTREAM}; }}
            }}
        }}
        """
    )
    parent = headers_at(ws, "location /api/")
    assert [h.name for h in parent.discarded] == ["X-Server"]
    nested = headers_at(ws, "location /api/v1/")
    assert [h.name for h in nested.entries] == ["X-Api"]
    assert nested.discarded == ()
    assert nested.defined_in is scope_at(ws, "location /api/")
    assert nested.known


@pytest.mark.parametrize(
    ("location", "known"),
    [
        ("add_header X-Own a;", True),
        ("", False),
        ("add_header_inherit merge; add_header X-Own a;", False),
        ("add_header_inherit off;", True),
    ],
)
def test_unread_include_of_the_server_leaves_unknown_what_is_inherited(config, location, known):
    """An unread include in the server could add headers there: a location that inherits
    them (by default, or merged) sends unknown headers; one with its own list (nginx then
    takes none of the server's) or that inherits nothing sends known ones.
    """
    ws = config(
        f"""
        server {{
            include /nowhere/headers.conf;
            location /api/ {{ {location} proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    assert headers_at(ws, "location /api/").known is known


def test_unread_include_of_the_location_leaves_its_headers_unknown(config):
    """An unread include in the location itself could add an add_header of its own."""
    ws = config(
        f"""
        server {{
            add_header X-Server s;
            location /api/ {{ include /nowhere/headers.conf; proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    assert not headers_at(ws, "location /api/").known
