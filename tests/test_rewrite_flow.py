"""nginx's rewrite directives as the model follows them (``authlint.nginx.rewrite``).

Each claim about the order and reach of ``set``, ``if``, ``break``, ``return`` and
``rewrite`` was seen on nginx 1.22: a server's ``break`` stops the server's own later
``set`` only, an ``if``'s ``break`` stops the location's later directives, a parent
location's ``set`` does not run for a nested one.
"""

from __future__ import annotations

from authlint.nginx.rewrite import PATH_LIMIT, Input, Opaque, Text, values_of

from conftest import UPSTREAM, scope_at


def finals(ws, label, variable):
    """The value of ``$variable`` at the end of each way through ``label``'s flow, as text
    (``None`` when it holds request values), with the scope that answers."""
    settings = scope_at(ws, label).settings
    found = []
    for path in settings.rewrite_paths:
        for _, parts in values_of(settings, path, f"${variable}"):
            text = "".join(p.text for p in parts if isinstance(p, Text))
            whole = all(isinstance(p, Text) for p in parts)
            found.append((text if whole else None, path.answering.label, path.known))
    return sorted(found, key=str)


def test_return_ends_the_way_and_later_sets_do_not_run(config):
    ws = config(
        f"""
        server {{
            location / {{
                set $v before;
                if ($arg_stop) {{ return 403; }}
                set $v after;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    assert finals(ws, "location /", "v") == [
        ("after", "location /", True),
        ("before", "if $arg_stop", True),
    ]


def test_break_in_an_if_stops_the_locations_later_directives(config):
    ws = config(
        f"""
        server {{
            location / {{
                set $v loc;
                if ($arg_b) {{ set $v if; break; }}
                set $v ${{v}}-later;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    assert finals(ws, "location /", "v") == [
        ("if", "if $arg_b", True),
        ("loc-later", "location /", True),
    ]


def test_a_servers_break_stops_its_own_sets_not_the_locations(config):
    ws = config(
        f"""
        server {{
            set $s before;
            break;
            set $s after;
            location / {{ set $x loc; proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    assert finals(ws, "location /", "s") == [("before", "location /", True)]
    assert finals(ws, "location /", "x") == [("loc", "location /", True)]


def test_a_parent_locations_sets_do_not_run_for_a_nested_one(config):
    ws = config(
        f"""
        server {{
            location /a {{
                set $x parent;
                location /a/b {{ proxy_pass {UPSTREAM}; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    # Set somewhere, not on the way: empty, as nginx 1.22 answered `x=`.
    assert finals(ws, "location /a/b", "x") == [("", "location /a/b", True)]
    assert finals(ws, "location /a", "x") == [("parent", "location /a", True)]


def test_rewrite_last_searches_the_locations_again_and_is_not_followed(config):
    ws = config(
        f"""
        server {{
            location / {{
                if ($arg_r) {{ rewrite ^ /other last; }}
                set $v seen;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    known = {(value, known) for value, _, known in finals(ws, "location /", "v")}
    assert known == {("", False), ("seen", True)}


def test_a_redirect_ends_the_way_and_rewrite_break_stops_the_rest(config):
    ws = config(
        f"""
        server {{
            location / {{
                set $v start;
                if ($arg_old) {{ rewrite ^ https://example.com/new redirect; }}
                if ($arg_b) {{ rewrite ^/(.*)$ /$1 break; }}
                if ($arg_p) {{ rewrite ^ /moved permanent; }}
                rewrite ^/x$ /y;
                set $v end;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    values = {value for value, _, _ in finals(ws, "location /", "v")}
    # The redirects and the break leave `start`; a rewrite without a flag goes on.
    assert values == {"start", "end"}


def test_a_later_passing_if_answers_instead_of_an_earlier_one(config):
    ws = config(
        f"""
        server {{
            location / {{
                if ($arg_a) {{ set $v a; }}
                if ($arg_b) {{ set $v ${{v}}b; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    assert finals(ws, "location /", "v") == [
        ("", "location /", True),
        ("a", "if $arg_a", True),
        ("ab", "if $arg_b", True),
        ("b", "if $arg_b", True),
    ]


def test_a_tested_text_is_decided_and_takes_no_way_of_its_own(config):
    ws = config(
        f"""
        server {{
            location / {{
                set $mode on;
                if ($mode = on) {{ set $v exact; }}
                if ($mode ~* ^OFF$) {{ set $v regex; }}
                if ($mode !~ ^on$) {{ set $v negated; }}
                if ($mode) {{ set $w set; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    assert finals(ws, "location /", "v") == [("exact", "if $mode", True)]
    settings = scope_at(ws, "location /").settings
    (path,) = settings.rewrite_paths
    assert path.tests == ()


def test_a_regex_test_lends_its_captures(config):
    ws = config(
        f"""
        server {{
            location / {{
                if ($http_origin ~* "^https://([a-z]+)\\.example\\.com$") {{ set $v $1; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    settings = scope_at(ws, "location /").settings
    captured = [
        parts
        for path in settings.rewrite_paths
        if path.answering.label != "location /"
        for _, parts in values_of(settings, path, "$v")
    ]
    assert captured == [(Input("http_origin"),)]


def test_a_file_test_and_an_unknown_variable_are_request_values(config):
    ws = config(
        f"""
        server {{
            location / {{
                if (!-f $request_filename) {{ set $v missing; }}
                set $w $from_elsewhere;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    settings = scope_at(ws, "location /").settings
    tests = {test.operator for path in settings.rewrite_paths for test in path.tests}
    assert tests == {"-f"}
    (path, *_) = settings.rewrite_paths
    assert values_of(settings, path, "$w") == [((), (Opaque("from_elsewhere"),))]


def test_a_map_value_names_its_keys_group(config):
    ws = config(
        f"""
        map $http_origin $allowed {{
            default "";
            "~^(?<site>https://[a-z]+\\.example\\.com)$" $site;
        }}
        server {{ location / {{ set $v $allowed; proxy_pass {UPSTREAM}; }} }}
        """
    )
    values = {parts for _, parts, _ in finals_parts(ws)}
    assert values == {(), (Input("http_origin"),)}


def finals_parts(ws):
    settings = scope_at(ws, "location /").settings
    return [
        (path, parts, tests)
        for path in settings.rewrite_paths
        for tests, parts in values_of(settings, path, "$v")
    ]


def test_past_the_limit_of_ways_the_flow_is_unknown(config):
    ifs = " ".join(f"if ($arg_{i}) {{ set $v{i} x; }}" for i in range(PATH_LIMIT.bit_length()))
    ws = config(f"server {{ location / {{ {ifs} proxy_pass {UPSTREAM}; }} }}")
    (path,) = scope_at(ws, "location /").settings.rewrite_paths
    assert not path.known
