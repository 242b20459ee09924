"""The nginx loader: main configs and their includes, standalone snippets, and the AL0xx problems.

Pins issue 2, items 4 and 5. AL104 (nginx's Basic credentials forwarded
upstream) serves as a canary: its finding shows that a file was linted, in a
context that is known; its absence, that the context was left unknown.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from authlint.engine import Result, run
from authlint.formats import IncludeOptions
from authlint.nginx import blocks
from authlint.nginx.loader import MAX_NESTING
from authlint.nginx.parser import MAX_DEPTH

from conftest import lint, model, scope_at, write

# AL104 fires on the proxy_pass (line 6) unless the http level clears Authorization.
CANARY = """\
server {
    listen 80;
    location / {
        auth_basic "admin";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_pass http://127.0.0.1:9000;
    }
}
"""
CANARY_LINE = 6
# The same location on its own, for a server-level snippet: AL104 at line 4.
CANARY_LOCATION = """\
location / {
    auth_basic "admin";
    auth_basic_user_file /etc/nginx/htpasswd;
    proxy_pass http://127.0.0.1:9000;
}
"""
AUTH = 'auth_basic "admin";\nauth_basic_user_file /etc/nginx/htpasswd;\n'
CLEAR = 'proxy_set_header Authorization "";\n'


def main_conf(*http: str) -> str:
    body = "".join(f"    {line}\n" for line in http)
    return f"events {{}}\nhttp {{\n{body}}}\n"


def places(result: Result, rule: str | None = None) -> list[tuple[str, str, int]]:
    return [
        (f.rule, f.span.path, f.span.line)
        for f in result.findings
        if rule is None or f.rule == rule
    ]


def only(result: Result, rule: str) -> str:
    """The message of the one finding of ``rule``."""
    messages = [f.message for f in result.findings if f.rule == rule]
    assert len(messages) == 1, places(result)
    return messages[0]


# --- main configs and what they include ------------------------------------------


def test_a_main_config_is_parsed_with_its_includes(tree) -> None:
    root = tree({"nginx.conf": main_conf("include conf.d/*.conf;"), "conf.d/site.conf": CANARY})
    workspace = model(root, cwd=root)
    assert [scope.kind for scope in workspace.roots] == [blocks.MAIN]
    http = workspace.roots[0].children[0]
    assert http.kind == blocks.HTTP
    assert [child.kind for child in http.children] == [blocks.SERVER]
    assert places(lint(root, cwd=root)) == [("AL104", "conf.d/site.conf", CANARY_LINE)]


def test_an_events_block_alone_makes_a_main_config(tree) -> None:
    root = tree({"nginx.conf": "events {}\n", "other/main.conf": "events {\n}\n"})
    workspace = model(root, cwd=root)
    assert [scope.kind for scope in workspace.roots] == [blocks.MAIN, blocks.MAIN]


def test_an_included_file_is_linted_in_context_and_not_again_on_its_own(tree) -> None:
    # The http level clears Authorization: read in context, the site is clean;
    # read on its own as well, it would yield AL104.
    root = tree(
        {
            "nginx.conf": main_conf(CLEAR.strip(), "include conf.d/*.conf;"),
            "conf.d/site.conf": CANARY,
        }
    )
    result = lint(root, cwd=root)
    assert result.findings == []
    assert result.files_scanned == 2
    workspace = model(root, cwd=root)
    assert sorted(source.path for source in workspace.files) == ["conf.d/site.conf", "nginx.conf"]
    assert len(workspace.roots) == 1


def test_a_file_included_twice_is_scanned_once_and_reported_once(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf(
                "server {",
                "    location /a/ { include snippets/auth.conf; proxy_pass http://a; }",
                "    location /b/ { include snippets/auth.conf; proxy_pass http://b; }",
                "}",
            ),
            "snippets/auth.conf": AUTH,
        }
    )
    result = lint(root, cwd=root)
    assert result.files_scanned == 2
    assert places(result) == [("AL104", "nginx.conf", 4), ("AL104", "nginx.conf", 5)]


def test_main_and_included_file_given_together_yield_no_duplicates(tree) -> None:
    root = tree({"nginx.conf": main_conf("include conf.d/*.conf;"), "conf.d/site.conf": CANARY})
    result = lint(root / "nginx.conf", root / "conf.d/site.conf", root, cwd=root)
    assert result.files_scanned == 2
    assert places(result) == [("AL104", "conf.d/site.conf", CANARY_LINE)]


def test_a_standalone_conf_d_file_is_linted_as_if_included_in_http(tree) -> None:
    root = tree({"conf.d/site.conf": CANARY})
    workspace = model(root, cwd=root)
    assert [scope.kind for scope in workspace.roots] == [blocks.HTTP]
    assert [scope.kind for scope in workspace.roots[0].children] == [blocks.SERVER]
    assert places(lint(root, cwd=root)) == [("AL104", "conf.d/site.conf", CANARY_LINE)]


def test_a_standalone_snippet_of_locations_is_read_inside_an_implied_server(tree) -> None:
    root = tree(
        {
            "snippets/admin.conf": (
                "location /admin/ {\n"
                '    auth_basic "admin";\n'
                "    auth_basic_user_file /etc/nginx/htpasswd;\n"
                "    proxy_pass http://127.0.0.1:9000;\n"
                "}\n"
                "location /api/ {\n"
                "    proxy_pass http://127.0.0.1:9001;\n"
                "}\n"
            )
        }
    )
    workspace = model(root, cwd=root)
    admin = scope_at(workspace, "location /admin/")
    api = scope_at(workspace, "location /api/")
    assert admin.parent is api.parent
    assert admin.parent is not None
    assert admin.parent.kind == blocks.SERVER
    assert admin.parent.node is None  # implied
    assert admin.parent.parent is workspace.roots[0]
    assert places(lint(root, cwd=root)) == [("AL104", "snippets/admin.conf", 4)]


def test_a_standalone_file_that_includes_another_lints_the_included_one_only_in_context(
    tree,
) -> None:
    root = tree(
        {
            "conf.d/site.conf": (
                "server {\n"
                "    location / {\n"
                "        include snippets/auth.conf;\n"
                "        proxy_pass http://127.0.0.1:9000;\n"
                "    }\n"
                "}\n"
            ),
            "snippets/auth.conf": AUTH,
        }
    )
    result = lint(root, cwd=root)
    assert result.files_scanned == 2
    assert places(result) == [("AL104", "conf.d/site.conf", 4)]
    assert len(model(root, cwd=root).roots) == 1


# --- where relative includes resolve ---------------------------------------------


def test_includes_resolve_against_the_main_configs_folder_also_from_subfolders(tree) -> None:
    root = tree(
        {
            "deploy/nginx/nginx.conf": main_conf("include sites-enabled/*;"),
            "deploy/nginx/sites-enabled/example": (
                "server {\n"
                "    location / {\n"
                "        include snippets/auth.conf;\n"
                "        proxy_pass http://127.0.0.1:9000;\n"
                "    }\n"
                "}\n"
            ),
            "deploy/nginx/snippets/auth.conf": AUTH,
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL104", "deploy/nginx/sites-enabled/example", 4)]
    assert result.files_scanned == 3


def test_an_include_is_not_resolved_against_the_including_files_own_folder(tree) -> None:
    # nginx resolves `include b.conf` in conf.d/a.conf against its prefix, not conf.d/.
    root = tree(
        {
            "nginx.conf": main_conf("include conf.d/a.conf;"),
            "conf.d/a.conf": "include b.conf;\n",
            "conf.d/b.conf": "server { listen 80; }\n",
        }
    )
    result = lint(root, cwd=root)
    assert places(result, "AL003") == [("AL003", "conf.d/a.conf", 1)]
    assert "`b.conf`" in only(result, "AL003")


def test_glob_matches_are_read_in_sorted_order(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf("include conf.d/*.conf;"),
            "conf.d/b.conf": "server { server_name b.example; }\n",
            "conf.d/a.conf": "server { server_name a.example; }\n",
            "conf.d/c.conf": "server { server_name c.example; }\n",
            "conf.d/B.conf": "server { server_name B.example; }\n",
        }
    )
    workspace = model(root, cwd=root)
    servers = [scope.hosts for scope in workspace.scopes() if scope.kind == blocks.SERVER]
    assert servers == [("B.example",), ("a.example",), ("b.example",), ("c.example",)]


def test_a_glob_does_not_match_hidden_files(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf("include conf.d/*;"),
            "conf.d/.site.conf": CANARY,
            "conf.d/site.conf": "server { server_name visible.example; }\n",
        }
    )
    result = lint(root, cwd=root)
    assert result.findings == []
    assert result.files_scanned == 2
    hosts = [scope.hosts for scope in model(root, cwd=root).scopes()]
    assert ("visible.example",) in hosts


def test_a_glob_matching_nothing_in_a_main_config_is_fine(tree) -> None:
    root = tree({"nginx.conf": main_conf("include conf.d/*.conf;", "server { listen 80; }")})
    assert lint(root, cwd=root).findings == []


def test_a_glob_matching_nothing_leaves_the_rest_known(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf("include conf.d/*.conf;", "include sites/*.conf;"),
            "sites/site.conf": CANARY,
        }
    )
    assert places(lint(root, cwd=root)) == [("AL104", "sites/site.conf", CANARY_LINE)]


# --- missing includes, cycles, escapes -------------------------------------------


def test_a_missing_include_is_reported_at_its_line_naming_the_block_left_unknown(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf(
                "server {",
                "    location /api/ {",
                "        include snippets/missing.conf;",
                '        auth_basic "admin";',
                "        auth_basic_user_file /etc/nginx/htpasswd;",
                "        proxy_pass http://127.0.0.1:9000;",
                "    }",
                "    location /other/ {",
                '        auth_basic "admin";',
                "        auth_basic_user_file /etc/nginx/htpasswd;",
                "        proxy_pass http://127.0.0.1:9001;",
                "    }",
                "}",
            )
        }
    )
    result = lint(root, cwd=root)
    # The missing file could clear Authorization in /api/: no AL104 there; /other/ stays known.
    assert places(result) == [("AL003", "nginx.conf", 5), ("AL104", "nginx.conf", 13)]
    finding = next(f for f in result.findings if f.rule == "AL003")
    assert finding.severity.value == "info"
    assert finding.span.column == 13
    assert "snippets/missing.conf" in finding.message
    assert "`location /api/`" in finding.message
    assert "unknown" in finding.message


def test_a_missing_include_at_http_level_leaves_every_server_below_unknown(tree) -> None:
    root = tree(
        {"nginx.conf": main_conf("include missing/*.conf.d;", "include gone.conf;", CANARY)}
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL003", "nginx.conf", 4)]
    assert "`http`" in only(result, "AL003")


def test_an_include_cycle_is_reported_without_hanging(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf("include snippets/a.conf;", CANARY),
            "snippets/a.conf": "include snippets/b.conf;\n",
            "snippets/b.conf": "include snippets/a.conf;\n",
        }
    )
    result = lint(root, cwd=root)
    assert places(result, "AL002") == [("AL002", "snippets/b.conf", 1)]
    message = only(result, "AL002")
    assert "nginx.conf -> snippets/a.conf -> snippets/b.conf -> snippets/a.conf" in message
    assert result.files_scanned == 3
    # The cycle hides nothing that was read.
    assert ("AL104", "nginx.conf", 3 + CANARY_LINE) in places(result)


@pytest.mark.parametrize(
    "files",
    [
        {"a.conf": "include a.conf;\n"},
        {"a.conf": "include b.conf;\n", "b.conf": "include a.conf;\n"},
        {"nginx.conf": main_conf("include nginx.conf;")},
    ],
    ids=["self", "standalone-pair", "main-includes-itself"],
)
def test_include_cycles_of_any_shape_are_reported_once(tree, files: dict[str, str]) -> None:
    root = tree(files)
    result = lint(root, cwd=root)
    assert [f.rule for f in result.findings] == ["AL002"]
    assert result.files_scanned == len(files)


def test_an_include_escaping_the_tree_is_reported_and_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"outside.conf": CANARY})
    root = write(tmp_path / "site", {"nginx.conf": main_conf("include ../outside.conf;")})
    result = lint(root, cwd=tmp_path)
    assert places(result) == [("AL004", "site/nginx.conf", 3)]
    assert "../outside.conf" in only(result, "AL004")
    assert result.files_scanned == 1


def test_an_include_with_dotdot_that_stays_inside_the_tree_is_read_once(tree) -> None:
    root = tree(
        {"site/nginx.conf": main_conf("include ../shared/site.conf;"), "shared/site.conf": CANARY}
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL104", "shared/site.conf", CANARY_LINE)]
    assert result.files_scanned == 2


# --- absolute includes mapped onto the tree --------------------------------------


def test_an_absolute_include_maps_onto_the_folder_of_the_main_config(tree) -> None:
    # The tree's nginx.conf stands where /etc/nginx/nginx.conf would.
    root = tree(
        {
            "nginx.conf": main_conf("include /etc/nginx/conf.d/*.conf;"),
            "conf.d/site.conf": CANARY,
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL104", "conf.d/site.conf", CANARY_LINE)]
    assert result.files_scanned == 2


@pytest.mark.parametrize("prefix", ["/etc/nginx", "/usr/local/nginx/conf", "/etc/openresty"])
def test_known_conf_prefixes_map_onto_the_main_configs_folder(tree, prefix: str) -> None:
    root = tree(
        {
            "deploy/nginx.conf": main_conf(CLEAR.strip(), f"include {prefix}/sites/*.conf;"),
            "deploy/sites/site.conf": CANARY,
        }
    )
    result = lint(root, cwd=root)
    assert result.findings == []  # read in context: the http-level clear applies
    assert result.files_scanned == 2


def test_a_tree_mirroring_the_filesystem_resolves_absolute_includes(tree) -> None:
    root = tree(
        {
            "etc/nginx/nginx.conf": main_conf("include /etc/nginx/conf.d/*.conf;"),
            "etc/nginx/conf.d/site.conf": (
                "server {\n    location / {\n        include /etc/nginx/snippets/auth.conf;\n"
                "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
            ),
            "etc/nginx/snippets/auth.conf": AUTH,
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL104", "etc/nginx/conf.d/site.conf", 4)]
    assert result.files_scanned == 3


def test_a_mirrored_etc_nginx_is_found_from_a_main_config_elsewhere(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf("include /etc/nginx/shared/*.conf;"),
            "etc/nginx/shared/site.conf": CANARY,
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL104", "etc/nginx/shared/site.conf", CANARY_LINE)]
    assert result.files_scanned == 2


def test_a_mirrored_tree_serves_a_standalone_snippet(tree) -> None:
    root = tree(
        {
            "etc/nginx/conf.d/site.conf": "server {\n    include /etc/nginx/snippets/l.conf;\n}\n",
            "etc/nginx/snippets/l.conf": CANARY_LOCATION,
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL104", "etc/nginx/snippets/l.conf", 4)]
    assert result.files_scanned == 2


def test_an_explicit_prefix_map_resolves_absolute_includes(tmp_path: Path) -> None:
    root = write(tmp_path, {"site/nginx.conf": main_conf("include /etc/nginx/conf.d/*.conf;")})
    write(tmp_path, {"deploy/conf.d/site.conf": CANARY})
    unmapped = lint(root / "site", cwd=root)
    assert unmapped.findings == []  # a glob in a main config may match nothing
    assert unmapped.files_scanned == 1
    mapped = lint(
        root / "site",
        cwd=root,
        includes=IncludeOptions(maps=(("/etc/nginx", tmp_path / "deploy"),)),
    )
    assert places(mapped) == [("AL104", "deploy/conf.d/site.conf", CANARY_LINE)]
    assert mapped.files_scanned == 2


def test_the_longest_explicit_prefix_wins(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "site/nginx.conf": main_conf("include /srv/nginx/special/site.conf;"),
            "general/special/site.conf": CLEAR,
            "special/site.conf": CANARY,
        },
    )
    maps = (("/srv/nginx", tmp_path / "general"), ("/srv/nginx/special", tmp_path / "special"))
    result = lint(root / "site", cwd=root, includes=IncludeOptions(maps=maps))
    assert places(result) == [("AL104", "special/site.conf", CANARY_LINE)]


def test_an_unmappable_absolute_include_is_reported_outside_the_tree(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf(
                "server {",
                "    location / {",
                "        include /srv/shared/security.conf;",
                '        auth_basic "admin";',
                "        auth_basic_user_file /etc/nginx/htpasswd;",
                "        proxy_pass http://127.0.0.1:9000;",
                "    }",
                "}",
            )
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL004", "nginx.conf", 5)]
    message = only(result, "AL004")
    assert "/srv/shared/security.conf" in message
    assert "`location /`" in message
    assert next(f for f in result.findings).severity.value == "info"


def test_follow_outside_reads_an_include_outside_the_tree(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"abs.conf": CANARY})
    root = write(tmp_path / "repo", {"nginx.conf": main_conf(f"include {outside}/abs.conf;")})
    closed = lint(root, cwd=root)
    assert [f.rule for f in closed.findings] == ["AL004"]
    opened = lint(root, cwd=root, includes=IncludeOptions(follow_outside=True))
    assert [(f.rule, f.span.line) for f in opened.findings] == [("AL104", CANARY_LINE)]
    assert opened.findings[0].span.path.endswith("outside/abs.conf")
    assert opened.files_scanned == 2


def test_follow_outside_reads_a_relative_include_escaping_the_tree(tmp_path: Path) -> None:
    write(tmp_path, {"shared/site.conf": CANARY})
    root = write(tmp_path / "repo", {"nginx.conf": main_conf("include ../shared/*.conf;")})
    result = lint(root, cwd=tmp_path, includes=IncludeOptions(follow_outside=True))
    assert [(f.rule, os.path.normpath(f.span.path), f.span.line) for f in result.findings] == [
        ("AL104", "shared/site.conf", CANARY_LINE)
    ]


# --- stock files of the nginx packages -------------------------------------------


@pytest.mark.parametrize(
    "include",
    [
        "proxy_params",
        "fastcgi_params",
        "/etc/nginx/proxy_params",
        "snippets/fastcgi-php.conf",
        "/etc/nginx/snippets/fastcgi-php.conf",
    ],
)
def test_stock_files_resolve_silently_when_not_in_the_tree(tree, include: str) -> None:
    root = tree(
        {
            "nginx.conf": main_conf(
                "include mime.types;",
                "server {",
                "    location / {",
                f"        include {include};",
                '        auth_basic "admin";',
                "        auth_basic_user_file /etc/nginx/htpasswd;",
                "        proxy_pass http://127.0.0.1:9000;",
                "    }",
                "}",
            )
        }
    )
    result = lint(root, cwd=root)
    # Read, not unknown: the canary still fires and no AL003/AL004 is reported.
    assert places(result) == [("AL104", "nginx.conf", 9)]
    assert result.files_scanned == 1


def test_stock_files_resolve_silently_in_a_standalone_snippet(tree) -> None:
    root = tree(
        {
            "sites-enabled/example": (
                "server {\n    location / {\n        include proxy_params;\n"
                '        auth_basic "admin";\n'
                "        auth_basic_user_file /etc/nginx/htpasswd;\n"
                "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
            )
        }
    )
    assert places(lint(root, cwd=root)) == [("AL104", "sites-enabled/example", 6)]


@pytest.mark.parametrize("include", ["proxy_params", "/etc/nginx/proxy_params"])
def test_a_stock_named_file_inside_the_tree_wins(tree, include: str) -> None:
    root = tree(
        {
            "nginx.conf": main_conf(
                "server {",
                "    location / {",
                f"        include {include};",
                '        auth_basic "admin";',
                "        auth_basic_user_file /etc/nginx/htpasswd;",
                "        proxy_pass http://127.0.0.1:9000;",
                "    }",
                "}",
            ),
            "proxy_params": CLEAR,
        }
    )
    result = lint(root, cwd=root)
    assert result.findings == []  # the tree's proxy_params clears Authorization
    assert result.files_scanned == 2


# --- includes in blocks that are not scopes --------------------------------------


def test_includes_inside_upstream_and_map_are_read_and_not_linted_on_their_own(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf(
                "upstream app {",
                "    include upstreams/*.conf;",
                "}",
                "map $host $backend {",
                "    include maps/missing.map;",
                "}",
            ),
            "upstreams/app.conf": "server 127.0.0.1:9000;\n",
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL003", "nginx.conf", 7)]
    assert result.files_scanned == 2
    assert len(model(root, cwd=root).roots) == 1


# --- parse errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('server {\n    auth_basic "x"\n    proxy_pass http://a;\n}\n', 2),
        ("server {\n    listen 80;\n}\n}\nserver {}\n", 4),
        ("server {\n    listen 80;\n    auth_basic;\n}\n", 3),
        ("server {\n    location / {\n        proxy_pass http://a\n    }\n}\n", 3),
    ],
    ids=["missing-semicolon", "extra-brace", "argument-count", "unterminated-before-brace"],
)
def test_a_parse_error_is_reported_at_its_line(tree, text: str, line: int) -> None:
    root = tree({"conf.d/broken.conf": text})
    result = lint(root, cwd=root)
    assert places(result) == [("AL001", "conf.d/broken.conf", line)]
    assert result.findings[0].severity.value == "error"


def test_a_parse_error_in_one_file_leaves_the_others_linted(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf("include conf.d/*.conf;"),
            # Would yield AL104 if half-read; nothing may be claimed about its servers.
            "conf.d/a_broken.conf": CANARY.replace("listen 80;", "listen 80"),
            "conf.d/b_site.conf": CANARY,
            "standalone/c.conf": CANARY,
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [
        ("AL001", "conf.d/a_broken.conf", 2),
        ("AL104", "conf.d/b_site.conf", CANARY_LINE),
        ("AL104", "standalone/c.conf", CANARY_LINE),
    ]
    assert result.files_scanned == 4


def nested(depth: int) -> str:
    """A server whose locations nest ``depth`` deep, one block opening per line."""
    opening = "".join(f"{'    ' * level}location / {{\n" for level in range(1, depth + 1))
    closing = "".join(f"{'    ' * level}}}\n" for level in range(depth, 0, -1))
    return f"server {{\n    listen 80;\n{opening}{'    ' * (depth + 1)}return 204;\n{closing}}}\n"


@pytest.mark.parametrize("jobs", [1, 2])
def test_blocks_nested_too_deep_are_a_parse_error_and_the_rest_is_linted(tree, jobs) -> None:
    # nginx takes any depth; the model's walks are recursive, so authlint
    # stops at MAX_DEPTH blocks rather than crash the whole run.
    root = tree(
        {
            "deepest_read.conf": nested(MAX_DEPTH - 1),
            "too_deep.conf": nested(MAX_DEPTH),
            "far_too_deep.conf": nested(5 * MAX_DEPTH),
            "site.conf": CANARY,
        }
    )
    result = run([root], IncludeOptions(), cwd=root, jobs=jobs)
    # The server is the first block: location number MAX_DEPTH opens block MAX_DEPTH + 1,
    # on line MAX_DEPTH + 2.
    assert places(result) == [
        ("AL001", "far_too_deep.conf", MAX_DEPTH + 2),
        ("AL104", "site.conf", CANARY_LINE),
        ("AL001", "too_deep.conf", MAX_DEPTH + 2),
    ]
    assert result.findings[0].message == (
        f"blocks nested more than {MAX_DEPTH} deep: authlint reads no deeper"
    )


@pytest.mark.parametrize("jobs", [1, 2])
def test_includes_nested_too_deep_are_a_parse_error_and_the_rest_is_linted(tree, jobs) -> None:
    # A chain of files, each including the next, deeper than the loader reads
    # (and deeper than Python recursion allowed before there was a limit).
    length = 3 * MAX_NESTING
    files = {
        f"chain/{index:03d}.conf": f"include chain/{index + 1:03d}.conf;\n"
        for index in range(length)
    }
    files["nginx.conf"] = main_conf("include chain/000.conf;")
    files["site.conf"] = CANARY
    root = tree(files)
    result = run([root / "nginx.conf", root / "site.conf"], IncludeOptions(), cwd=root, jobs=jobs)
    parse_errors = [finding for finding in result.findings if finding.rule == "AL001"]
    assert parse_errors
    assert {finding.message for finding in parse_errors} == {
        f"blocks and includes nested more than {MAX_NESTING} deep: authlint reads no deeper"
    }
    assert ("AL104", "site.conf", CANARY_LINE) in places(result)


def test_a_broken_file_in_an_http_glob_does_not_hide_its_sibling_servers(tree) -> None:
    # Its top-level directives are `server` blocks only: it cannot set what the
    # sibling server inherits from http.
    root = tree(
        {
            "nginx.conf": main_conf("include conf.d/*.conf;"),
            "conf.d/site.conf": CANARY,
            "conf.d/zz_broken.conf": "server {\n    listen 81;\n",
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [
        ("AL104", "conf.d/site.conf", CANARY_LINE),
        ("AL001", "conf.d/zz_broken.conf", 2),
    ]


def test_a_broken_file_that_sets_an_http_level_header_hides_its_siblings(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf("include conf.d/*.conf;"),
            "conf.d/a_headers.conf": 'proxy_set_header Authorization "";\nserver {\n',
            "conf.d/site.conf": CANARY,
        }
    )
    result = lint(root, cwd=root)
    assert [f.rule for f in result.findings] == ["AL001"]


def test_a_broken_file_with_a_top_level_include_makes_the_level_unknown(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf("include conf.d/*.conf;"),
            "conf.d/a_broken.conf": "include snippets/headers.conf;\nserver {\n    listen 81\n}\n",
            "conf.d/site.conf": CANARY,
            "snippets/headers.conf": "proxy_set_header X-Real-IP $remote_addr;\n",
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL001", "conf.d/a_broken.conf", 3)]


def test_files_included_by_a_broken_main_config_are_not_linted_out_of_context(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf(
                CLEAR.strip(), "include conf.d/*.conf;", "keepalive_timeout 1 2 3;"
            ),
            "conf.d/site.conf": CANARY,
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [("AL001", "nginx.conf", 5)]


# --- comments, columns, secrets -------------------------------------------------


def test_comments_are_kept_with_their_line_numbers(tree) -> None:
    root = tree(
        {
            "nginx.conf": (
                "# main config\n"
                "events {}\n"
                "http {\n"
                "    include conf.d/*.conf;  # sites\n"
                '    add_header X-Note "not # a comment";\n'
                "}\n"
            ),
            "conf.d/site.conf": "\n# authlint: a later issue reads these\nserver { listen 80; }\n",
        }
    )
    workspace = model(root, cwd=root)
    comments = {
        source.path: [(comment.line, comment.text.strip()) for comment in source.comments]
        for source in workspace.files
    }
    assert comments == {
        "nginx.conf": [(1, "main config"), (4, "sites")],
        "conf.d/site.conf": [(2, "authlint: a later issue reads these")],
    }


def test_a_second_directive_on_the_same_line_gets_its_own_column(tree) -> None:
    auth = 'auth_basic "proxy_pass"; auth_basic_user_file /etc/nginx/htpasswd;'
    line_a = f"    location /a/ {{ {auth} proxy_pass http://127.0.0.1:9000; }}"
    line_b = (
        f"    location /b/ {{ {auth} proxy_pass http://127.0.0.1:9000; }} "
        f"location /c/ {{ {auth} proxy_pass http://127.0.0.1:9000; }}"
    )
    root = tree({"site.conf": f"server {{\n{line_a}\n{line_b}\n}}\n"})
    result = lint(root, cwd=root)
    target = "proxy_pass http"
    first_b = line_b.index(target)
    second_b = line_b.index(target, first_b + 1)
    assert [(f.span.line, f.span.column) for f in result.findings] == [
        (2, line_a.index(target) + 1),
        (3, first_b + 1),
        (3, second_b + 1),
    ]
    ends = [f.span.end_column for f in result.findings]
    assert ends[1] == first_b + len("proxy_pass http://127.0.0.1:9000") + 1


def test_findings_from_an_included_file_point_into_that_file(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf("server {", "    include snippets/app.conf;", "}"),
            "snippets/app.conf": CANARY_LOCATION,
        }
    )
    result = lint(root, cwd=root)
    assert [(f.rule, f.span.path, f.span.line, f.span.column) for f in result.findings] == [
        ("AL104", "snippets/app.conf", 4, 5)
    ]


SECRET_CONFIGS = {
    "fixed-authorization": (
        "c2VjcmV0",
        "server {\n    location / {\n"
        '        proxy_set_header Authorization "Basic c2VjcmV0";\n'
        "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n",
    ),
    "fixed-authorization-grpc": (
        "dG9rZW4xMjM",
        "server {\n    location / {\n"
        "        grpc_set_header Authorization 'Bearer dG9rZW4xMjM';\n"
        "        grpc_pass grpc://127.0.0.1:9000;\n    }\n}\n",
    ),
    "fastcgi-fixed": (
        "hunter2",
        "server {\n    location ~ \\.php$ {\n"
        '        fastcgi_param HTTP_AUTHORIZATION "Basic hunter2";\n'
        "        fastcgi_pass unix:/run/php.sock;\n    }\n}\n",
    ),
    "bad-flag": (
        "s3cr3t",
        "server {\n    location / {\n        proxy_pass_request_headers s3cr3t;\n"
        "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n",
    ),
    "bad-flag-quoted": (
        "pa ss",
        "server {\n    gzip 'pa ss';\n}\n",
    ),
}


@pytest.mark.parametrize(("secret", "text"), SECRET_CONFIGS.values(), ids=SECRET_CONFIGS.keys())
def test_a_secret_in_a_config_never_appears_in_a_finding(tree, secret: str, text: str) -> None:
    root = tree({"site.conf": text})
    result = lint(root, cwd=root)
    assert result.findings, "the config must yield a finding for the test to mean anything"
    for finding in result.findings:
        assert secret not in finding.message
        assert secret not in finding.fix


def test_a_bad_flag_value_with_a_double_quote_is_not_echoed(tree) -> None:
    root = tree({"site.conf": "server {\n    proxy_pass_request_headers 'to\"ken99';\n}\n"})
    result = lint(root, cwd=root)
    assert places(result) == [("AL001", "site.conf", 2)]
    assert "ken99" not in result.findings[0].message


@pytest.mark.parametrize("value", ["50%off", "a%sb"])
def test_a_bad_flag_value_with_a_percent_sign_is_a_parse_error(tree, value: str) -> None:
    root = tree(
        {
            "conf.d/broken.conf": f"server {{\n    proxy_pass_request_headers {value};\n}}\n",
            "conf.d/site.conf": CANARY,
        }
    )
    result = lint(root, cwd=root)
    assert places(result) == [
        ("AL001", "conf.d/broken.conf", 2),
        ("AL104", "conf.d/site.conf", CANARY_LINE),
    ]
    assert value not in result.findings[0].message


# --- symlinks -----------------------------------------------------------------


def test_a_symlinked_include_inside_the_tree_is_read(tree) -> None:
    root = tree({"nginx.conf": main_conf("include conf.d/*.conf;"), "shared/site.conf": CANARY})
    (root / "conf.d").mkdir()
    os.symlink("../shared/site.conf", root / "conf.d" / "site.conf")
    result = lint(root / "nginx.conf", cwd=root)
    assert [(f.rule, f.span.line) for f in result.findings] == [("AL104", CANARY_LINE)]


def test_a_debian_style_sites_enabled_symlink_is_linted_once(tree) -> None:
    root = tree(
        {"nginx.conf": main_conf("include sites-enabled/*;"), "sites-available/example": CANARY}
    )
    (root / "sites-enabled").mkdir()
    os.symlink("../sites-available/example", root / "sites-enabled" / "example")
    result = lint(root, cwd=root)
    assert [(f.rule, f.span.line) for f in result.findings] == [("AL104", CANARY_LINE)]
    assert result.files_scanned == 2


def test_a_glob_match_symlinked_outside_the_tree_leaves_the_level_unknown(
    tmp_path: Path,
) -> None:
    outside = write(tmp_path / "outside", {"clear.conf": CLEAR})
    root = write(
        tmp_path / "repo",
        {"nginx.conf": main_conf("include conf.d/*.conf;"), "conf.d/site.conf": CANARY},
    )
    os.symlink(outside / "clear.conf", root / "conf.d" / "clear.conf")
    result = lint(root / "nginx.conf", cwd=root)
    assert places(result) == [("AL004", "nginx.conf", 3)]


def test_a_named_include_symlinked_outside_the_tree_is_reported(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"clear.conf": CLEAR})
    root = write(
        tmp_path / "repo",
        {"nginx.conf": main_conf("include conf.d/clear.conf;"), "conf.d/site.conf": CANARY},
    )
    os.symlink(outside / "clear.conf", root / "conf.d" / "clear.conf")
    result = lint(root / "nginx.conf", cwd=root)
    assert places(result) == [("AL004", "nginx.conf", 3)]


# --- one finding per unread target ------------------------------------------------


def test_an_unread_target_is_reported_once_per_run_at_its_first_include(tmp_path: Path) -> None:
    site = (
        "server {{\n    location /{0}/ {{\n        include /config/nginx/proxy.conf;\n"
        "        proxy_pass http://127.0.0.1:9000;\n    }}\n}}\n"
    )
    first = write(tmp_path / "a", {"one.conf": site.format(1), "two.conf": site.format(2)})
    second = write(tmp_path / "b", {"three.conf": site.format(3)})
    # Two trees in one run: still one finding for the one target.
    result = run([first, second], IncludeOptions(), cwd=tmp_path)
    (finding,) = result.findings
    assert (finding.rule, finding.span.path, finding.span.line) == ("AL004", "a/one.conf", 3)
    assert finding.message == (
        "include `/config/nginx/proxy.conf` points outside the scanned tree and was not read; "
        "what it sets in `location /1/` is unknown (and 2 more includes of it)"
    )
    assert [(span.path, span.line) for span in finding.related] == [
        ("a/two.conf", 3),
        ("b/three.conf", 3),
    ]
    # The fix names the prefix the include uses.
    assert "`--include-map /config/nginx=DIR`" in finding.fix


def test_distinct_targets_are_reported_apart_and_one_include_is_not_counted(tree) -> None:
    root = tree(
        {
            "site.conf": "server {\n    include /srv/a.conf;\n    include /srv/b.conf;\n"
            "    include /srv/a.conf;\n}\n"
        }
    )
    result = lint(root, cwd=root)
    assert [
        (f.span.line, f.message.endswith("(and 1 more include of it)")) for f in result.findings
    ] == [
        (2, True),
        (3, False),
    ]


def test_a_relative_include_missing_is_grouped_by_the_file_it_names(tree) -> None:
    root = tree(
        {
            "nginx.conf": main_conf("include conf.d/*.conf;"),
            "conf.d/a.conf": "server {\n    include snippets/gone.conf;\n}\n",
            "conf.d/b.conf": "server {\n    include snippets/gone.conf;\n}\n",
        }
    )
    result = lint(root, cwd=root)
    (finding,) = result.findings
    assert finding.rule == "AL003"
    assert finding.message.endswith("(and 1 more include of it)")
    assert finding.fix == (
        "Add `snippets/gone.conf` to the tree, under the main config's folder (nginx's prefix)."
    )


def test_a_suppression_at_one_include_hides_that_include_only(tree) -> None:
    site = "server {\n    include /srv/shared.conf;%s\n}\n"
    root = tree(
        {
            "a.conf": site % "  # authlint: ignore[AL004] deployed by the image",
            "b.conf": site % "",
            "c.conf": site % "",
        }
    )
    result = lint(root, cwd=root)
    (finding,) = result.findings
    assert (finding.span.path, finding.message.endswith("(and 1 more include of it)")) == (
        "b.conf",
        True,
    )


@pytest.mark.parametrize(
    ("pattern", "fix"),
    [
        (
            "/etc/nginx/snippets/gone.conf",
            "Add `snippets/gone.conf` to the tree, under the main "
            "config's folder (nginx's prefix), or map `/etc/nginx` onto the folder that holds it: "
            "`--include-map /etc/nginx=DIR`.",
        ),
        (
            "/opt/app/nginx/*.conf",
            "Map `/opt/app/nginx` onto the folder of the tree that holds "
            "its files: `--include-map /opt/app/nginx=DIR`; or read it where it is with "
            "`--follow-outside-includes`.",
        ),
        (
            "../../outside.conf",
            "Scan a folder that holds both this file and the included one, "
            "or read it where it is with `--follow-outside-includes`.",
        ),
    ],
)
def test_the_fix_fits_the_include_as_written(tree, pattern: str, fix: str) -> None:
    root = tree({"nginx.conf": main_conf(f"include {pattern};")})
    (finding,) = lint(root, cwd=root).findings
    assert finding.fix == fix


def test_a_long_include_path_is_shortened_in_the_message(tree) -> None:
    pattern = "/srv/" + "deep/" * 60 + "x.conf"
    root = tree({"nginx.conf": main_conf(f"include {pattern};")})
    (finding,) = lint(root, cwd=root).findings
    assert "…" in finding.message
    assert len(finding.message) < 200
