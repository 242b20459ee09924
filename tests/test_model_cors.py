"""The model's CORS settings (``authlint.nginx.settings``).

How ``Access-Control-Allow-Origin`` is chosen (reflected, selected through a
map or an ``if``, literal), and which preflights nginx answers before
authentication. nginx 1.22; see ``shared/reference/semantics.md`` sections 2
and 5.
"""

from __future__ import annotations

import pytest

from authlint.model.settings import OriginKind
from authlint.nginx import blocks
from authlint.nginx.variables import DEPTH_LIMIT

from conftest import UPSTREAM, scope_at
from live_config import PREFLIGHTS

# --- Settings: how Access-Control-Allow-Origin is chosen ----------------------------------


def origins_at(workspace, label):
    return scope_at(workspace, label).settings.cors.allowed_origins


def test_cors_map_capture_is_selected_with_the_map_regex_as_filter(live_model):
    """nginx: a map from $http_origin whose value is a capture (`$1`) echoes only origins
    its regex takes (evil.example got no header): SELECTED, the regex key as filter.
    """
    (origin,) = origins_at(live_model, "location /cors-numbered/")
    assert origin.kind is OriginKind.SELECTED
    (filter_,) = origin.filters
    assert filter_.pattern == r"^(https://[a-z]+\.example\.com)$"
    assert filter_.regex
    assert not filter_.ignore_case
    assert filter_.origin.name == r"~^(https://[a-z]+\.example\.com)$"


def test_cors_http_origin_alone_is_reflected(live_model):
    """nginx: add_header Access-Control-Allow-Origin $http_origin echoed evil.example."""
    (origin,) = origins_at(live_model, "location /cors-reflected/")
    assert origin.kind is OriginKind.REFLECTED
    assert origin.filters == ()
    assert scope_at(live_model, "location /cors-reflected/").settings.cors.credentials


def test_cors_origin_echoed_under_a_map_flag_is_selected(live_model):
    """nginx 1.22: `map $http_origin $cors_allowed {...}` + `if ($cors_allowed) { add_header
    Access-Control-Allow-Origin $http_origin; }` did not echo evil.example.
    """
    (origin,) = origins_at(live_model, "if $cors_allowed")
    assert origin.kind is OriginKind.SELECTED


def test_cors_origin_cleared_by_a_negative_if_is_not_reflected(live_model):
    """nginx 1.22: the negative-if allow-list did not echo evil.example."""
    (origin,) = origins_at(live_model, "location /cors-negative/")
    assert origin.kind is not OriginKind.REFLECTED


def test_cors_map_named_capture_is_selected(live_model):
    """nginx 1.22: `"~^(?<allowed>https://.+)$" $allowed;` echoed https://evil.example."""
    (origin,) = origins_at(live_model, "location /cors-named/")
    assert origin.kind is OriginKind.SELECTED
    assert [f.pattern for f in origin.filters] == [r"^(?<allowed>https://.+)$"]


@pytest.mark.parametrize(
    ("map_body", "kind"),
    [
        ('default "";\n"~^https://a\\.example\\.com$" $http_origin;', OriginKind.SELECTED),
        ('default "";\n"~*^https://a\\.example\\.com$" $http_origin;', OriginKind.SELECTED),
        ('default "";\nhttps://a.example.com $http_origin;', OriginKind.SELECTED),
        ('default $http_origin;\n"https://blocked.example" "";', OriginKind.REFLECTED),
        (
            'default "";\n"~^https://a\\.example\\.com$" "https://a.example.com";',
            OriginKind.LITERAL,
        ),
        ('default "";\ninclude origins.map;', OriginKind.UNKNOWN),
    ],
)
def test_cors_origin_through_a_map(config, map_body, kind):
    """nginx map on $http_origin: entries echoing $http_origin are an allow-list (SELECTED);
    a default echoing it takes every other origin (REFLECTED); fixed values are LITERAL; a
    map with an unread include could echo anything (UNKNOWN).
    """
    ws = config(
        f"""
        map $http_origin $cors_origin {{
            {map_body}
        }}
        server {{
            location /api/ {{
                add_header Access-Control-Allow-Origin $cors_origin always;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (origin,) = origins_at(ws, "location /api/")
    assert origin.kind is kind
    if kind is OriginKind.REFLECTED:
        # The map's default echoes any origin: messages point at it.
        assert origin.fallback is not None
        assert origin.fallback.name == "map"


def test_cors_map_filters_keep_their_kind(config):
    """Map keys become filters: `~` a regex, `~*` a case-insensitive regex, a plain key an
    exact value (a leading backslash escapes a key starting with `~`).
    """
    ws = config(
        r"""
        map $http_origin $cors_origin {
            default "";
            "~^https://a\.example\.com$" $http_origin;
            "~*^https://b\.example\.com$" $http_origin;
            https://c.example.com $http_origin;
            \~tilde $http_origin;
            https://d.example.com "";
        }
        server { location /api/ { add_header Access-Control-Allow-Origin $cors_origin; } }
        """
    )
    (origin,) = origins_at(ws, "location /api/")
    assert [(f.pattern, f.regex, f.ignore_case) for f in origin.filters] == [
        (r"^https://a\.example\.com$", True, False),
        (r"^https://b\.example\.com$", True, True),
        ("https://c.example.com", False, False),
        ("~tilde", False, False),
    ]


@pytest.mark.parametrize(
    ("condition", "pattern", "regex", "ignore_case"),
    [
        ('$http_origin = "https://a.example.com"', "https://a.example.com", False, False),
        ('$http_origin ~ "^https://a\\.example\\.com$"', r"^https://a\.example\.com$", True, False),
        ('$http_origin ~* "^https://a\\.example\\.com$"', r"^https://a\.example\.com$", True, True),
    ],
)
def test_cors_add_header_inside_if_on_origin_is_selected(
    config, condition, pattern, regex, ignore_case
):
    """nginx: `add_header ... $http_origin` inside `if ($http_origin = / ~ / ~* ...)` is
    sent only for origins that pass the test: SELECTED with the condition as filter.
    """
    ws = config(
        f"""
        server {{
            location /api/ {{
                if ({condition}) {{ add_header Access-Control-Allow-Origin $http_origin; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (if_scope,) = [scope for scope in ws.scopes() if scope.kind == blocks.IF]
    (origin,) = if_scope.settings.cors.allowed_origins
    assert origin.kind is OriginKind.SELECTED
    (filter_,) = origin.filters
    assert (filter_.pattern, filter_.regex, filter_.ignore_case) == (pattern, regex, ignore_case)
    assert filter_.origin is if_scope.node


@pytest.mark.parametrize(
    "body",
    [
        "add_header Access-Control-Allow-Origin ${http_origin};",
        "add_header Access-Control-Allow-Origin $HTTP_ORIGIN;",
        "set $a $http_origin; set $b $a; add_header Access-Control-Allow-Origin $b;",
        "if ($http_origin) { set $c $http_origin; } add_header Access-Control-Allow-Origin $c;",
    ],
)
def test_cors_reflection_through_spellings_and_variables(config, body):
    """nginx variables are case-insensitive and may be braced; a chain of `set` keeps the
    origin; `if ($http_origin)` only tests that there is one: all echo any origin.
    """
    ws = config(f"server {{ location /api/ {{ {body} proxy_pass {UPSTREAM}; }} }}")
    (origin,) = origins_at(ws, "location /api/")
    assert origin.kind is OriginKind.REFLECTED


def test_cors_headers_are_inherited_and_counted(config):
    """nginx: a location without add_header takes the server's; the CORS view lists each
    Access-Control-* header (any case) and Vary; credentials need the exact value `true`.
    """
    ws = config(
        f"""
        server {{
            add_header access-control-allow-origin "*";
            add_header Access-Control-Allow-Credentials True;
            add_header Access-Control-Allow-Headers Authorization;
            add_header Vary Origin;
            location /api/ {{ proxy_pass {UPSTREAM}; }}
            location /own/ {{
                add_header Access-Control-Allow-Origin https://app.example.com;
                add_header Access-Control-Allow-Credentials true;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    inherited = scope_at(ws, "location /api/").settings.cors
    (origin,) = inherited.allowed_origins
    assert origin.kind is OriginKind.WILDCARD
    assert not inherited.credentials
    assert [h.value for h in inherited.allow_headers] == ["Authorization"]
    assert [h.value for h in inherited.vary] == ["Origin"]
    assert inherited.known
    own = scope_at(ws, "location /own/").settings.cors
    assert [o.kind for o in own.allowed_origins] == [OriginKind.LITERAL]
    assert own.credentials
    assert own.vary == ()


def test_cors_value_is_read_without_the_spaces_around_it(config):
    """nginx 1.22 sends `add_header Access-Control-Allow-Origin " * ";` as written, but an
    HTTP field value is read without the whitespace around it (RFC 9110, 5.5): a browser
    sees `*`.
    """
    ws = config('server { location /api/ { add_header Access-Control-Allow-Origin " * "; } }')
    (origin,) = origins_at(ws, "location /api/")
    assert origin.kind is OriginKind.WILDCARD


def test_cors_map_named_capture_in_any_case_is_selected(config):
    r"""nginx 1.22: `"~^(?<Allowed>https://a\.example\.com)$" $allowed;` echoed
    https://a.example.com and nothing for other origins: a named capture is a variable,
    and variable names are case-insensitive.
    """
    ws = config(
        r"""
        map $http_origin $cors_origin {
            default "";
            "~^(?<Allowed>https://a\.example\.com)$" $allowed;
        }
        server { location /api/ { add_header Access-Control-Allow-Origin $cors_origin; } }
        """
    )
    (origin,) = origins_at(ws, "location /api/")
    assert origin.kind is OriginKind.SELECTED
    assert [f.pattern for f in origin.filters] == [r"^(?<Allowed>https://a\.example\.com)$"]


def test_cors_map_flags_are_no_keys_but_a_flag_word_with_a_value_is(config):
    """nginx takes `volatile;` and `hostnames;` as flags only without a value: with one
    they are keys like any other (nginx 1.22 echoed `Origin: hostnames` through
    `hostnames $http_origin;`).
    """
    ws = config(
        r"""
        map $http_origin $cors_origin {
            default "";
            volatile;
            hostnames $http_origin;
            "~^https://a\.example\.com$" $http_origin;
        }
        server { location /api/ { add_header Access-Control-Allow-Origin $cors_origin; } }
        """
    )
    (origin,) = origins_at(ws, "location /api/")
    assert origin.kind is OriginKind.SELECTED
    assert [f.pattern for f in origin.filters] == ["hostnames", r"^https://a\.example\.com$"]


def test_cors_map_flag_filters_are_the_keys_with_a_true_value(config):
    """nginx: `if ($cors_allowed) { add_header ... $http_origin; }` echoes the origins whose
    map value `if` takes as true: not empty and not `0`. Those keys are the filters; flag
    lines and the default are no keys.
    """
    ws = config(
        rf"""
        map $http_origin $cors_allowed {{
            default 0;
            volatile;
            "~^https://a\.example\.com$" 1;
            https://b.example.com yes;
            https://c.example.com 0;
            https://d.example.com "";
        }}
        server {{
            location /api/ {{
                if ($cors_allowed) {{ add_header Access-Control-Allow-Origin $http_origin; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (origin,) = origins_at(ws, "if $cors_allowed")
    assert origin.kind is OriginKind.SELECTED
    assert [(f.pattern, f.regex) for f in origin.filters] == [
        (r"^https://a\.example\.com$", True),
        ("https://b.example.com", False),
    ]


def test_cors_if_on_a_flag_not_keyed_on_the_origin_selects_nothing(config):
    """nginx 1.22: `if ($flag)` with `map $host $flag` echoed https://evil.example: the
    test is on the host, any origin gets through.
    """
    ws = config(
        f"""
        map $host $flag {{ default 0; api.example.com 1; }}
        server {{
            location /api/ {{
                if ($flag) {{ add_header Access-Control-Allow-Origin $http_origin; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (origin,) = origins_at(ws, "if $flag")
    assert origin.kind is OriginKind.REFLECTED


def test_cors_header_inherited_by_an_if_on_the_origin_stays_reflected(config):
    """nginx 1.22 echoed https://evil.example from a location's `add_header ... $http_origin`
    beside an `if ($http_origin ~ ...)` block: the `if` that chooses a header is the one
    holding it, and one that holds none is no allow-list for the location's.
    """
    ws = config(
        rf"""
        server {{
            location /api/ {{
                add_header Access-Control-Allow-Origin $http_origin;
                if ($http_origin ~ "^https://a\.example\.com$") {{ set $known 1; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (origin,) = origins_at(ws, "if $http_origin ~ ^https://a\\.example\\.com$")
    assert origin.kind is OriginKind.REFLECTED


@pytest.mark.parametrize(
    ("operator", "pattern", "regex", "ignore_case"),
    [
        ("!=", "https://a.example.com", False, False),
        ("!~", r"^https://a\.example\.com$", True, False),
        ("!~*", r"^https://a\.example\.com$", True, True),
    ],
)
def test_cors_origin_cleared_unless_it_passes_a_negated_test(
    config, operator, pattern, regex, ignore_case
):
    """nginx: `set $cors $http_origin;` then `if ($http_origin <negated test>) { set $cors
    ""; }` keeps the origin only when it passes the test: SELECTED, the test's pattern the
    filter, exact for `!=`, a regex for `!~`, case-insensitive for `!~*`.
    """
    ws = config(
        f"""
        server {{
            location /api/ {{
                set $cors $http_origin;
                if ($http_origin {operator} "{pattern}") {{ set $cors ""; }}
                add_header Access-Control-Allow-Origin $cors;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (origin,) = origins_at(ws, "location /api/")
    assert origin.kind is OriginKind.SELECTED
    (filter_,) = origin.filters
    assert (filter_.pattern, filter_.regex, filter_.ignore_case) == (pattern, regex, ignore_case)
    assert filter_.origin.name == "if"


CLEAR = r'if ($http_origin !~ "^https://a\.example\.com$") { set $cors ""; }'


@pytest.mark.parametrize(
    ("server", "location", "kind"),
    [
        ("", f"set $cors $http_origin; {CLEAR}", OriginKind.SELECTED),
        ("", f"{CLEAR} set $cors $http_origin;", OriginKind.REFLECTED),
        ("set $cors $http_origin;", CLEAR, OriginKind.SELECTED),
        ("set $cors $http_origin;", "include clear.conf;", OriginKind.SELECTED),
    ],
)
def test_cors_origin_is_cleared_by_an_if_that_runs_after_the_set(config, server, location, kind):
    """nginx 1.22 runs `set` and `if` in order, a server's before a location's wherever
    they are written: the negated test clears what a `set` before it echoed, on the same
    line or through an include, and clears nothing when it runs first (evil.example then
    got its origin back).
    """
    ws = config(
        f"""
        server {{
            location /api/ {{
                {location}
                add_header Access-Control-Allow-Origin $cors;
                proxy_pass {UPSTREAM};
            }}
            {server}
        }}
        """,
        {"clear.conf": CLEAR},
    )
    (origin,) = origins_at(ws, "location /api/")
    assert origin.kind is kind


def test_cors_fixed_value_cleared_for_other_origins_is_literal(config):
    """nginx 1.22: `set $c "https://a.example.com";` cleared by `if ($http_origin !=
    ...)` sends that fixed origin or nothing, never the request's: LITERAL.
    """
    ws = config(
        f"""
        server {{
            location /api/ {{
                set $c "https://a.example.com";
                if ($http_origin != "https://a.example.com") {{ set $c ""; }}
                add_header Access-Control-Allow-Origin $c;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (origin,) = origins_at(ws, "location /api/")
    assert origin.kind is OriginKind.LITERAL


def test_cors_chain_of_sets_is_followed_whatever_its_length(config):
    """nginx runs `set`s in order, each reading what the one before left: a chain of any
    length still echoes the origin."""
    length = DEPTH_LIMIT * 4
    sets = "".join(f"set $v{i} $v{i + 1}; " for i in range(length - 1, 0, -1))
    ws = config(
        f"""
        server {{
            location / {{
                set $v{length} $http_origin; {sets}
                add_header Access-Control-Allow-Origin $v1;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (origin,) = origins_at(ws, "location /")
    assert origin.kind is OriginKind.REFLECTED


def test_cors_chain_of_maps_is_followed_as_deep_as_authlint_reads(config):
    """A `map` whose source is another map's variable is computed from it: authlint
    follows DEPTH_LIMIT of them and takes a longer chain's value as unknown, never as a
    fixed value."""

    def chain(prefix: str, length: int) -> str:
        first = f"map $http_origin ${prefix}1 {{ default $http_origin; }}"
        rest = "".join(
            f" map ${prefix}{i} ${prefix}{i + 1} {{ default ${prefix}{i}; }}"
            for i in range(1, length)
        )
        return first + rest

    ws = config(
        f"""
        {chain("a", DEPTH_LIMIT)}
        {chain("b", DEPTH_LIMIT + 1)}
        server {{
            location /followed/ {{
                add_header Access-Control-Allow-Origin $a{DEPTH_LIMIT};
                proxy_pass {UPSTREAM};
            }}
            location /too-deep/ {{
                add_header Access-Control-Allow-Origin $b{DEPTH_LIMIT + 1};
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    (followed,) = origins_at(ws, "location /followed/")
    assert followed.kind is OriginKind.REFLECTED
    (too_deep,) = origins_at(ws, "location /too-deep/")
    assert too_deep.kind is OriginKind.UNKNOWN


# --- Settings: preflights answered before authentication --------------------------------


@pytest.mark.parametrize(("port", "path", "label", "answered", "authenticates", "_"), PREFLIGHTS)
def test_preflight_answered_by(live_model, port, path, label, answered, authenticates, _):
    """nginx: an `if ($request_method = OPTIONS)` (or a regex spelling) with `return` in the
    location or its server answers preflights in the rewrite phase, before auth_basic; one
    in a parent location does not run for a nested location; an `if` without `return` does
    not answer; a limit_except listing OPTIONS keeps its checks from OPTIONS, not the
    location's own.
    """
    settings = scope_at(live_model, label).settings
    assert (settings.preflight_answered_by is not None) is answered
    assert settings.authentication.server_authenticates.value is authenticates
    if answered and label.startswith("location"):
        node = settings.preflight_answered_by
        assert node.name == "if"
        assert node.args[0] == "$request_method"
