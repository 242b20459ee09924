"""nginx's rewrite directives as the model follows them (``authlint.nginx.rewrite``).

Each claim about the order and reach of ``set``, ``if``, ``break``, ``return`` and
``rewrite`` was seen on nginx 1.22: a server's ``break`` stops the server's own later
``set`` only, an ``if``'s ``break`` stops the location's later directives, a parent
location's ``set`` does not run for a nested one.
"""

from __future__ import annotations

from authlint.nginx.rewrite import (
    PATH_LIMIT,
    Input,
    Opaque,
    Text,
    method_passes,
    true_by_credentials,
    values_of,
)
from authlint.nginx.variables import DEPTH_LIMIT

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
                if ($mode ~ ^ON$) {{ set $c sensitive; }}
                if ($mode ~ ^o+n$) {{ set $p repeated; }}
                if ($mode ~* ^ON$) {{ set $i insensitive; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    last = "if $mode ~* ^ON$"
    assert finals(ws, "location /", "v") == [("exact", last, True)]
    assert finals(ws, "location /", "c") == [("", last, True)]
    assert finals(ws, "location /", "i") == [("insensitive", last, True)]
    assert finals(ws, "location /", "p") == [("repeated", last, True)]
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
            "~^(?<name>[a-z]+)$" "https://$name.example.org$other";
        }}
        server {{ location / {{ set $v $allowed; proxy_pass {UPSTREAM}; }} }}
        """
    )
    values = {parts for _, parts, _ in finals_parts(ws)}
    site = Input("http_origin")
    assert values == {
        (),
        (site,),
        (Text("https://"), site, Text(".example.org"), Opaque("other")),
    }


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


def test_the_limit_of_ways_is_1024_followed_and_one_more_not(config):
    ifs = " ".join(f"if ($arg_{i}) {{ set $v{i} x; }}" for i in range(10))
    ws = config(f"server {{ location / {{ {ifs} proxy_pass {UPSTREAM}; }} }}")
    paths = scope_at(ws, "location /").settings.rewrite_paths
    assert len(paths) == 1024
    assert all(path.known for path in paths)
    # 25 values of one map times 41 of another: 1,025 ways.
    keys = {
        name: " ".join(f"k{i} v{i};" for i in range(size - 1))
        for name, size in (("a", 25), ("b", 41))
    }
    maps = "".join(
        f"map $arg_{name} ${name} {{ default d; {lines} }}" for name, lines in keys.items()
    )
    ws = config(
        f"{maps} server {{ location / {{ set $x $a; set $y $b; proxy_pass {UPSTREAM}; }} }}"
    )
    (path,) = scope_at(ws, "location /").settings.rewrite_paths
    assert not path.known


def test_a_way_not_followed_leaves_a_condition_on_credentials_unknown(config):
    ws = config(
        f"""
        server {{
            location / {{
                if ($arg_r) {{ rewrite ^ /other last; }}
                if ($http_authorization) {{ set $skip 1; rewrite ^ /other last; }}
                if ($arg_s) {{ set $quiet 1; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    settings = scope_at(ws, "location /").settings
    # Whatever the ways searched again do, the ones followed set neither on credentials.
    assert true_by_credentials(settings, "$quiet") is None
    assert true_by_credentials(settings, "$skip") is None


def test_a_condition_set_false_after_a_test_of_credentials_is_not_on_credentials(config):
    ws = config(
        f"""
        server {{
            location / {{
                if ($http_authorization) {{ set $skip 0; }}
                if ($cookie_session) {{ set $bypass 1; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    settings = scope_at(ws, "location /").settings
    # `0` and empty are false to nginx, whichever way the request went.
    assert true_by_credentials(settings, "$skip") is False
    assert true_by_credentials(settings, "$bypass") is True


def test_a_return_with_a_url_ends_the_way_and_the_servers_end_it_there(config):
    ws = config(
        f"""
        server {{
            if ($arg_s) {{ return 403; }}
            if ($arg_r) {{ rewrite ^ https://example.com/; }}
            if ($arg_l) {{ rewrite ^ /other last; }}
            location / {{
                set $v start;
                if ($arg_old) {{ return 301 https://example.com/new; }}
                set $v end;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    # The server's return and redirect end the request before the location is searched;
    # after its `rewrite ... last` the location is searched again (not followed).
    assert finals(ws, "location /", "v") == [
        ("", "location /", False),
        ("", "location /", True),
        ("", "location /", True),
        ("end", "location /", True),
        ("start", "if $arg_old", True),
    ]


def test_only_tests_of_the_method_choose_by_the_method(config):
    ws = config(
        f"""
        server {{
            location / {{
                if ($arg_a = on) {{ set $v a; }}
                if ($request_method = OPTIONS) {{ set $w preflight; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    settings = scope_at(ws, "location /").settings
    taken = {
        (path.value_of("v") is not None, path.value_of("w") is not None): (
            method_passes(path, "OPTIONS"),
            method_passes(path, "GET"),
        )
        for path in settings.rewrite_paths
    }
    # Keyed by whether `$v` and `$w` were set: the test of `$arg_a` leaves both methods.
    assert taken == {
        (False, False): (False, True),
        (True, False): (False, True),
        (False, True): (True, False),
        (True, True): (True, False),
    }


def test_a_rewrite_with_two_arguments_has_no_flag_whatever_its_replacement(config):
    ws = config(
        f"""
        server {{
            location / {{
                set $v start;
                if ($arg_x) {{ rewrite ^/x$ last; }}
                set $v ${{v}}-after;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    # nginx 1.22 rewrote /x to the URI `last` and ran the later `set`.
    assert finals(ws, "location /", "v") == [
        ("start-after", "if $arg_x", True),
        ("start-after", "location /", True),
    ]


def test_a_replacement_starting_with_a_scheme_redirects_and_ends_the_way(config):
    ws = config(
        f"""
        server {{
            location / {{
                set $v start;
                if ($arg_a) {{ rewrite ^ http://example.com/a; }}
                if ($arg_b) {{ rewrite ^ https://example.com/b; }}
                if ($arg_c) {{ rewrite ^ $scheme://example.com/c; }}
                if ($arg_d) {{ rewrite ^ /d/ redirect; }}
                if ($arg_p) {{ rewrite ^ /p/ permanent; }}
                if ($arg_k) {{ rewrite ^ /k break; }}
                if ($arg_u) {{ rewrite ^ HTTP://example.com/u; }}
                set $v ${{v}}-end;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    # nginx 1.22 redirected (302, and 301 for `permanent`) on each, and after `break`
    # ran no later directive of the location, but took `HTTP://` as a URI and went on.
    ended = {label for value, label, _ in finals(ws, "location /", "v") if value == "start"}
    assert ended == {f"if $arg_{name}" for name in "abcdpk"}
    went_on = {label for value, label, _ in finals(ws, "location /", "v") if value == "start-end"}
    assert went_on == {"location /", "if $arg_u"}


def test_set_names_the_variable_after_its_dollar_in_any_case(config):
    ws = config(
        f"""
        server {{
            location / {{
                set $V upper;
                set $w before;
                set "${{w}}" braced;
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    # nginx 1.22 answered `v=upper w=before`: `${w}` names a variable `{w}`.
    assert finals(ws, "location /", "v") == [("upper", "location /", True)]
    assert finals(ws, "location /", "w") == [("before", "location /", True)]


def test_a_servers_passing_if_leaves_the_answer_to_the_location(config):
    ws = config(
        f"""
        server {{
            if ($arg_s) {{ set $s x; }}
            location / {{ add_header X-Loc 1; proxy_pass {UPSTREAM}; }}
        }}
        """
    )
    # nginx 1.22 answered `?s=1` with the location's `X-Loc` and `$s` = `x`.
    assert finals(ws, "location /", "s") == [("", "location /", True), ("x", "location /", True)]


def test_a_file_test_records_which_way_it_went(config):
    ws = config(
        f"""
        server {{
            location / {{
                if (!-f $request_filename) {{ set $v missing; }}
                if (-d $request_filename) {{ set $w directory; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    settings = scope_at(ws, "location /").settings
    outcomes = {
        (path.value_of("v") is not None, path.value_of("w") is not None): tuple(
            (test.operator, test.passed) for test in path.tests
        )
        for path in settings.rewrite_paths
    }
    # A negated test is kept as the test it negates: `!-f` taken means `-f` failed.
    assert outcomes == {
        (True, True): (("-f", False), ("-d", True)),
        (True, False): (("-f", False), ("-d", False)),
        (False, True): (("-f", True), ("-d", True)),
        (False, False): (("-f", True), ("-d", False)),
    }


def map_chain(length):
    """``$m1`` maps to ``$m2`` ... to ``end``: ``length`` maps read one after another."""
    return "".join(
        f"map $arg_a $m{i} {{ default {'end' if i == length else f'$m{i + 1}'}; }}"
        for i in range(1, length + 1)
    )


def test_a_chain_of_maps_is_followed_to_the_limit_wherever_it_is_read(config):
    body = (
        "set $v $m1; if ($m1) { set $t true; } if ($m1 = end) { set $e equal; } "
        f"proxy_pass {UPSTREAM};"
    )
    ws = config(f"{map_chain(DEPTH_LIMIT)} server {{ location / {{ {body} }} }}")
    (path,) = scope_at(ws, "location /").settings.rewrite_paths
    assert [path.value_of(name) for name in ("v", "t", "e")] == [
        (Text("end"),),
        (Text("true"),),
        (Text("equal"),),
    ]
    ws = config(f"{map_chain(DEPTH_LIMIT + 1)} server {{ location / {{ {body} }} }}")
    # One map more: the last is a value the model does not follow, each `if` two ways.
    assert {value for value, _, _ in finals(ws, "location /", "v")} == {None}
    assert len(scope_at(ws, "location /").settings.rewrite_paths) == 4


def test_an_if_the_model_cannot_read_goes_both_ways(config):
    ws = config(
        f"""
        server {{
            location / {{
                if ($arg_a = b c) {{ set $v x; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    # nginx refuses the config; whatever it would mean, either way may be taken.
    assert finals(ws, "location /", "v") == [
        ("", "location /", True),
        ("x", "if $arg_a = b c", True),
    ]


def test_a_regex_that_does_not_match_clears_the_captures_and_equality_keeps_them(config):
    origin = '"^(https://.+)$"'
    ws = config(
        f"""
        server {{
            location /failed {{
                if ($http_origin ~ {origin}) {{ set $o $1; }}
                if ($arg_b ~ zz) {{ return 404; }}
                set $x $1;
                proxy_pass {UPSTREAM};
            }}
            location /negated {{
                if ($http_origin ~ {origin}) {{ set $o $1; }}
                if ($arg_b !~ (z)z) {{ set $x $1; }}
                proxy_pass {UPSTREAM};
            }}
            location /equal {{
                if ($http_origin ~ {origin}) {{ set $o $1; }}
                if ($arg_b = q) {{ set $x $1; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )

    def captured(label):
        settings = scope_at(ws, label).settings
        return {
            parts
            for path in settings.rewrite_paths
            if path.value_of("o") is not None and path.value_of("x") is not None
            for _, parts in values_of(settings, path, "$x")
        }

    # nginx 1.22, with the Origin matched first: `x=` after `$arg_b` failed `~ zz` or
    # passed `!~ (z)z`, `x=<the origin>` after `$arg_b = q`.
    assert captured("location /failed") == {()}
    assert captured("location /negated") == {()}
    assert captured("location /equal") == {(Input("http_origin"),)}


def test_a_map_of_credentials_to_a_true_value_is_true_by_credentials(config):
    ws = config(
        f"""
        map $http_authorization $skip {{ default 0; "~." 1; }}
        map $http_authorization $never {{ default 0; "~." 0; }}
        map $http_authorization $by_default {{ default 1; "" 0; }}
        server {{ location / {{ proxy_pass {UPSTREAM}; }} }}
        """
    )
    settings = scope_at(ws, "location /").settings
    assert true_by_credentials(settings, "$skip") is True
    assert true_by_credentials(settings, "$never") is False
    # The default is chosen when no key matches: here, whenever a credential is sent.
    assert true_by_credentials(settings, "$by_default") is True


def test_one_value_of_more_than_the_limit_of_choices_is_not_followed(config):
    def maps(sizes):
        return "".join(
            f"map $arg_{name} ${name} {{ default d; "
            + " ".join(f"k{i} v{i};" for i in range(size - 1))
            + " }"
            for name, size in sizes.items()
        )

    # 32 times 32 values of one expression are followed, 25 times 41 are not.
    ws = config(f"{maps({'a': 32, 'b': 32})} server {{ location / {{ set $v $a$b; }} }}")
    assert len({value for value, _, _ in finals(ws, "location /", "v")}) == PATH_LIMIT
    ws = config(f"{maps({'a': 25, 'b': 41})} server {{ location / {{ set $v $a$b; }} }}")
    settings = scope_at(ws, "location /").settings
    (path,) = settings.rewrite_paths
    assert path.value_of("v") == (Opaque("$a$b"),)


def test_an_if_inside_an_if_is_passed_over(config):
    ws = config(
        f"""
        server {{
            location / {{
                if ($arg_a) {{ if ($arg_b) {{ set $v inner; }} set $w outer; }}
                proxy_pass {UPSTREAM};
            }}
        }}
        """
    )
    # nginx refuses the inner `if` ("not allowed here"); the model reads no scope for it.
    assert finals(ws, "location /", "w") == [("", "location /", True), ("outer", "if $arg_a", True)]
