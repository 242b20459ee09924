"""A server's whole Apache configuration, read as httpd reads it: includes, ``Define``
and ``${NAME}``, the conditional sections, macros and modules, in Debian's, RHEL's and a
lone file's layout; the expanded tree compared with httpd's own ``-D DUMP_CONFIG``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from authlint.apache.config import ServerConfig, conditions_of
from authlint.apache.loader import ApacheLoader
from authlint.apache.modules import LoadedModules, directive, module_names
from authlint.apache.parser import ApacheNode
from authlint.formats import IncludeOptions
from authlint.model.tree import Node
from authlint.model.workspace import LoadProblem, ProblemKind, Workspace
from tests.apache_httpd import (
    MODULES,
    DumpEntry,
    available,
    directive_table,
    table_text,
    whole_dump,
)

# Keys of what httpd executes while reading and authlint keeps in the tree.
_KEPT_BY_AUTHLINT = frozenset({"loadfile"})


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{root}", str(root)).replace("{modules}", str(MODULES)))


def _load(
    root: Path, options: IncludeOptions | None = None, files: list[Path] | None = None
) -> tuple[list[ServerConfig], list[LoadProblem]]:
    workspace = Workspace()
    found = files or sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and (path.suffix in (".conf", ".load") or path.name == ".htaccess")
    )
    configs = ApacheLoader(workspace, root, root, options or IncludeOptions()).load(found)
    return configs, workspace.problems


def _entries(nodes: list[Node], parents: tuple[str, ...] = ()) -> list[DumpEntry]:
    found = []
    for node in nodes:
        assert isinstance(node, ApacheNode)
        if node.key in _KEPT_BY_AUTHLINT:
            continue
        path = str(node.file.abspath)
        found.append(DumpEntry(path, node.httpd_line, parents, node.key, tuple(node.args)))
        if node.children is not None:
            found += _entries(node.children, (*parents, node.key))
    return found


def _load_lines(*modules: str) -> str:
    return "".join(f"LoadModule {name}_module {{modules}}/mod_{name}.so\n" for name in modules)


DEBIAN = {
    "apache2.conf": """\
ServerRoot "{root}"
PidFile {root}/pid
ErrorLog /dev/null
Define WEB {root}/www
Define TYPES "text/plain .a .b"
IncludeOptional mods-enabled/*.load
Include ports.conf
<IfModule mod_headers.c>
  Header always set X-Loaded yes
</IfModule>
<IfModule !rewrite_module>
  Header set X-No-Rewrite yes
</IfModule>
<IfModule mod_headers>
  Header set X-Never-A-Module-Name 1
</IfModule>
<IfDefine WEB>
  AddType ${TYPES}
</IfDefine>
<IfDefine !WEB>
  Header set X-No-Web 1
</IfDefine>
<IfVersion >= 2.4>
  Header set X-Version 2.4
</IfVersion>
<IfVersion < 2.4>
  Header set X-Version 2.2
</IfVersion>
<IfFile ports.conf>
  Header set X-Ports-File 1
</IfFile>
<IfFile !ports.conf>
  Header set X-No-Ports-File 1
</IfFile>
<IfDirective Header>
  Header set X-Has-Header 1
</IfDirective>
<IfSection Proxy>
  Header set X-Has-Proxy 1
</IfSection>
<Macro Site $name $port>
<VirtualHost *:$port>
  ServerName $name
  DocumentRoot ${WEB}/$name
  <Location /$name>
    Header set X-Site "$name on $port"
  </Location>
</VirtualHost>
</Macro>
Use Site one.example 8080
Use Site two.example 8081
UndefMacro Site
IncludeOptional conf-enabled/*.conf
IncludeOptional sites-enabled/
IncludeOptional absent/*.conf
""",
    "mods-enabled/base.load": _load_lines(
        "mpm_event", "authz_core", "headers", "macro", "mime", "info"
    ),
    "ports.conf": "Listen 127.0.0.1:1\n",
    "conf-enabled/security.conf": "ServerTokens Prod\n<Directory {root}/www>\n"
    "  Options -Indexes\n</Directory>\n",
    "sites-enabled/000-default.conf": """\
<VirtualHost *:80>
  ServerName default.example
  Include {root}/snippets/cors.conf
  <IfModule mod_proxy.c>
    ProxyPass /api http://127.0.0.1:9000/
  </IfModule>
</VirtualHost>
""",
    "sites-enabled/zz/nested.conf": "<VirtualHost *:80>\n  ServerName nested.example\n"
    "</VirtualHost>\n",
    "snippets/cors.conf": 'Header always set Access-Control-Allow-Origin "https://app.example"\n',
}

RHEL = {
    "conf/httpd.conf": """\
ServerRoot "{root}"
PidFile {root}/pid
ErrorLog /dev/null
Listen 127.0.0.1:1
Include conf.modules.d/*.conf
IncludeOptional conf.d/*.conf
""",
    "conf.modules.d/00-base.conf": _load_lines("mpm_event", "authz_core", "info", "headers"),
    "conf.modules.d/00-proxy.conf": _load_lines("proxy", "proxy_fcgi"),
    "conf.d/app.conf": """\
<VirtualHost *:80>
  ServerName app.example
  <IfModule proxy_fcgi_module>
    <FilesMatch \\.php$>
      SetHandler "proxy:fcgi://127.0.0.1:9000"
    </FilesMatch>
  </IfModule>
  <IfModule !mod_proxy_fcgi.c>
    Header set X-No-Fcgi 1
  </IfModule>
</VirtualHost>
""",
}


@pytest.mark.skipif(not available(), reason="apache2 is not installed")
@pytest.mark.parametrize(("files", "main"), [(DEBIAN, "apache2.conf"), (RHEL, "conf/httpd.conf")])
def test_a_whole_configuration_reads_as_httpd_reads_it(
    files: dict[str, str], main: str, tmp_path: Path
) -> None:
    _write(tmp_path, files)
    theirs, refused = whole_dump(tmp_path / main)
    assert refused is None, refused
    configs, problems = _load(tmp_path)
    assert not problems
    ours = next(config for config in configs if config.root.abspath == tmp_path / main)
    assert ours.main
    assert ours.modules.complete
    assert _entries(ours.nodes) == theirs
    # Every other file was read through the main configuration.
    assert [config.root.path for config in configs] == [main]


def test_what_a_debian_configuration_reads(tmp_path: Path) -> None:
    _write(tmp_path, DEBIAN)
    configs, problems = _load(tmp_path)
    assert not problems
    (config,) = configs
    headers = [
        next(arg for arg in entry.args if arg not in ("always", "set"))
        for entry in _entries(config.nodes)
        if entry.key == "header"
    ]
    # Decided: a module loaded, one not loaded, no such module name, a name defined,
    # versions, a file, a directive and a section.
    assert headers == [
        "X-Loaded",
        "X-No-Rewrite",
        "X-Version",
        "X-Ports-File",
        "X-Has-Header",
        "X-Site",
        "X-Site",
        "Access-Control-Allow-Origin",
    ]
    # ${NAME} is replaced in the line's text, which is then cut into words.
    assert ("addtype", ("text/plain", ".a", ".b")) in [
        (entry.key, entry.args) for entry in _entries(config.nodes)
    ]
    sites = [entry.args for entry in _entries(config.nodes) if entry.key == "servername"]
    assert sites == [
        ("one.example",),
        ("two.example",),
        ("default.example",),
        ("nested.example",),
    ]
    assert not any(conditions_of(node) for node in config.nodes)


def test_a_lone_virtual_host_leaves_undecided_conditions_to_may_apply(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "sites-available/app.conf": """\
<VirtualHost *:80>
  Header always set X-Frame-Options DENY
  <IfModule mod_headers.c>
    Header set X-Decided 1
  </IfModule>
  <IfModule mod_rewrite.c>
    RewriteEngine On
  </IfModule>
  <IfModule !mod_rewrite.c>
    Header set X-No-Rewrite 1
  </IfModule>
  <IfDefine SSL>
    Header set X-Ssl 1
  </IfDefine>
</VirtualHost>
""",
        },
    )
    (config,), problems = _load(tmp_path)
    assert not problems
    assert not config.main
    assert not config.modules.complete
    (host,) = config.nodes
    assert host.children is not None
    read = {
        " ".join(node.args[:2]): [section.args[0] for section in conditions_of(node)]
        for node in host.children
    }
    assert read == {
        "always set": [],
        # Header, written outside every condition, needs mod_headers.
        "set X-Decided": [],
        "On": ["mod_rewrite.c"],
        "set X-No-Rewrite": ["!mod_rewrite.c"],
        "set X-Ssl": ["SSL"],
    }


def test_includes_it_cannot_read_are_reported(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "httpd.conf": _load_lines("mpm_event", "headers")
            + "Include conf.d/missing.conf\nInclude conf.d/*.conf\n"
            "IncludeOptional optional/*.conf\nInclude /elsewhere/outside.conf\n"
            "Include ${NOT_DEFINED}/x.conf\n"
            "Include loop/a.conf\n",
            "conf.d/.keep": "",
            "loop/a.conf": "Include loop/b.conf\n",
            "loop/b.conf": "Include loop/a.conf\n",
        },
    )
    (config,), problems = _load(tmp_path)
    found = sorted((problem.kind, problem.span.line) for problem in problems)
    assert found == [
        (ProblemKind.INCLUDE_CYCLE, 1),
        (ProblemKind.INCLUDE_NOT_FOUND, 3),
        (ProblemKind.INCLUDE_NOT_FOUND, 4),
        (ProblemKind.INCLUDE_NOT_FOUND, 7),
        (ProblemKind.INCLUDE_OUTSIDE_TREE, 6),
    ]
    assert not config.modules.complete
    # Mapped onto the tree, the outside file is read.
    (tmp_path / "mapped").mkdir()
    (tmp_path / "mapped" / "outside.conf").write_text("Header set X-Mapped 1\n")
    options = IncludeOptions(maps=(("/elsewhere", tmp_path / "mapped"),))
    (config,), problems = _load(tmp_path, options)
    assert ProblemKind.INCLUDE_OUTSIDE_TREE not in {problem.kind for problem in problems}
    assert ("header", ("set", "X-Mapped", "1")) in [
        (entry.key, entry.args) for entry in _entries(config.nodes)
    ]


def test_a_directive_whose_module_is_not_loaded_is_refused(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "httpd.conf": _load_lines("mpm_event", "authz_core")
            + "Header set X-A 1\n<IfModule headers_module>\nHeader set X-B 1\n</IfModule>\n"
            "<Directory /x>\nRequire all granted\n</Directory>\nSomeThirdPartyDirective on\n",
        },
    )
    (_config,), problems = _load(tmp_path)
    assert [(problem.kind, problem.span.line) for problem in problems] == [
        (ProblemKind.PARSE_ERROR, 3)
    ]
    assert "Invalid command 'Header'" in problems[0].message
    assert "mod_headers.c" in problems[0].message


def test_a_directive_where_httpd_does_not_take_it_is_refused(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "httpd.conf": _load_lines("mpm_event", "authn_core", "authz_core", "cache")
            + "<VirtualHost *:80>\nAuthType Basic\n<Location /a>\n"
            "CacheIgnoreHeaders Set-Cookie\n<IfDefine PER_PATH>\nKeepAlive Off\n</IfDefine>\n"
            "</Location>\n<Directory /x>\nInclude snippets/path.conf\n</Directory>\n"
            "</VirtualHost>\n",
            "snippets/path.conf": "AuthType Basic\nKeepAlive Off\n",
            "lone/snippet.conf": "AuthType Basic\nRequire valid-user\n",
            "site/.htaccess": "ServerName example.com\n",
        },
    )
    _, problems = _load(tmp_path)
    found = sorted(
        (problem.kind, problem.span.path, problem.span.line, problem.message)
        for problem in problems
    )
    # Under a condition authlint cannot decide, KeepAlive may never be read; a snippet
    # read alone may be included in a <Directory>; an .htaccess is AL008's to judge
    # (load_files places it).
    assert found == [
        (ProblemKind.PARSE_ERROR, "httpd.conf", 6, "AuthType not allowed in <VirtualHost> context"),
        (
            ProblemKind.PARSE_ERROR,
            "httpd.conf",
            8,
            "CacheIgnoreHeaders not allowed in <Location> context",
        ),
        (
            ProblemKind.PARSE_ERROR,
            "snippets/path.conf",
            2,
            "KeepAlive not allowed in <Directory> context",
        ),
    ]


def test_a_directive_of_a_module_not_loaded_is_refused_once(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "httpd.conf": _load_lines("mpm_event")
            + "<Location /a>\nCacheIgnoreHeaders X\n</Location>\n"
        },
    )
    _, problems = _load(tmp_path)
    assert [problem.message.split(",")[0] for problem in problems] == [
        "Invalid command 'CacheIgnoreHeaders'"
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Use Missing a\n", "no macro defined before Use"),
        ("<Macro M>\n</Macro>\nUse Missing a\n", "macro 'Missing' undefined"),
        ("<Macro M>\n</Macro>\nUndefMacro N\n", "cannot remove undefined macro 'N'"),
        ("<Macro M $a>\nHeader set X $a\n</Macro>\nUse M\n", "used with 0 arguments instead of 1"),
        ("<Macro M $a>\nUse M $a\n</Macro>\nUse M x\n", "recursive use of macro 'm'"),
        ("<Macro M $a>\n<Location $a>\n</Macro>\nUse M /x\n", "was not closed"),
        ('<IfModule headers_module>\nError "stop"\n</IfModule>\n', "Error: stop"),
        ("<Macro M $a $a>\n</Macro>\n", "argument name conflict"),
        ("<Macro M ''>\n</Macro>\n", "empty argument #1 name"),
        ("<Macro ''>\n</Macro>\n", "name not found"),
    ],
)
def test_what_httpd_refuses_in_macros_and_conditions_is_reported(
    body: str, message: str, tmp_path: Path
) -> None:
    _write(tmp_path, {"httpd.conf": _load_lines("mpm_event", "headers", "macro") + body})
    _, problems = _load(tmp_path)
    assert [problem.kind for problem in problems] == [ProblemKind.PARSE_ERROR]
    assert message in problems[0].message


def test_macros_of_another_file_that_open_and_close_across_uses_are_not_refused(
    tmp_path: Path,
) -> None:
    """httpd reads a Use's lines in place (accepted: tests/test_apache_httpd.py); the
    parser does so for its own file's macros only, so these stay unread, not refused."""
    _write(
        tmp_path,
        {
            "httpd.conf": _load_lines("mpm_event", "headers", "macro")
            + "Include macros.conf\nUse Open /a\nHeader set X-A a\nUse Close\n",
            "macros.conf": "<Macro Open $path>\n<Location $path>\n</Macro>\n"
            "<Macro Close>\n</Location>\n</Macro>\n",
        },
    )
    (config,), problems = _load(tmp_path)
    assert not problems
    assert [(node.key, node.args) for node in config.unread] == [
        ("use", ["Open", "/a"]),
        ("use", ["Close"]),
    ]


def test_an_include_fanning_out_stops_at_the_budget(tmp_path: Path) -> None:
    files = {"httpd.conf": "Include level0.conf\n"}
    for level in range(22):
        files[f"level{level}.conf"] = f"Include level{level + 1}.conf\n" * 2
    files["level22.conf"] = "Header set X-Leaf 1\n" * 5
    _write(tmp_path, files)
    _, problems = _load(tmp_path)
    assert [problem.kind for problem in problems] == [ProblemKind.PARSE_ERROR]
    assert "reading stopped here" in problems[0].message


def test_files_a_main_configuration_does_not_include_are_read_alone(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "apache2.conf": "IncludeOptional sites-enabled/*.conf\n",
            "sites-enabled/a.conf": "<VirtualHost *:80>\n</VirtualHost>\n",
            "sites-available/a.conf": "<VirtualHost *:80>\n</VirtualHost>\n",
            "sites-available/b.conf": "Include sites-available/c.conf\n",
            "sites-available/c.conf": "Header set X-C 1\n",
            "site/.htaccess": "Require valid-user\n",
        },
    )
    configs, problems = _load(tmp_path)
    assert not problems
    assert [(config.root.path, config.main) for config in configs] == [
        ("apache2.conf", True),
        ("site/.htaccess", False),
        ("sites-available/a.conf", False),
        ("sites-available/b.conf", False),
    ]


@pytest.mark.skipif(not available(), reason="apache2 is not installed")
def test_the_directive_table_is_the_installed_httpds() -> None:
    shipped = files("authlint.apache").joinpath("httpd.json").read_text()
    assert shipped == table_text(directive_table()), (
        "regenerate it: python tests/apache_httpd.py linter/apache/httpd.json"
    )


def test_what_the_table_says_of_directives_and_modules() -> None:
    header = directive("header")
    assert header is not None
    assert (header.module, header.context, header.overrides) == (
        "mod_headers.c",
        "anywhere",
        {"FileInfo"},
    )
    limit = directive("<limit")
    assert limit is not None
    assert limit.overrides == {"AuthConfig", "Limit"}
    files_section = directive("<files")
    assert files_section is not None
    assert files_section.overrides == frozenset()
    allow = directive("allowoverride")
    assert allow is not None
    assert (allow.context, allow.overrides) == ("directory", None)
    assert directive("oidcprovidermetadataurl") is None
    assert module_names("rewrite_module", "modules/mod_rewrite.so") == {
        "rewrite_module",
        "mod_rewrite.c",
    }
    assert module_names("mpm_event_module", "mod_mpm_event.so") == {"mpm_event_module", "event.c"}
    assert module_names("auth_openidc_module", "x/mod_auth_openidc.so") == {
        "auth_openidc_module",
        "mod_auth_openidc.c",
    }
    loaded = LoadedModules(complete=True)
    loaded.load("headers_module", "mod_headers.so")
    assert (loaded.has("mod_headers.c"), loaded.has("headers_module")) == (True, True)
    assert (loaded.has("mod_headers"), loaded.has("mod_rewrite.c")) == (False, False)
    # Built in, and an MPM's directive whichever MPM is loaded.
    assert loaded.has("mod_version.c") is True
    assert loaded.gives("maxrequestworkers") is False
    loaded.load("mpm_prefork_module", "mod_mpm_prefork.so")
    assert loaded.gives("maxrequestworkers") is True
    alone = LoadedModules(implied=frozenset({"mod_headers.c"}))
    assert (alone.has("headers_module"), alone.has("rewrite_module")) == (True, None)
    assert alone.gives("oidcresponsetype") is None
