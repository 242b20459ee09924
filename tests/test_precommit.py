"""authlint as a pre-commit hook, run by the real ``pre-commit`` tool.

A temporary git repository holds this project as it is in the working tree
(uncommitted work included); a second one, an "infra" repository, uses it by
path and commit in its ``.pre-commit-config.yaml`` with both hooks. pre-commit
installs the hooks' environment once per module, with pip from PyPI: without
network that skips with a one-line reason, and fails under ``CI=true``.

The README's two configurations are run too: the remote one with its URL and
commit filled in, the ``repo: local`` one exactly as written, with the
``authlint`` of this test environment on ``PATH`` (it needs no network).

The tests that run pre-commit are marked ``precommit``; the others check the
manifest's file selection against what authlint reads.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from authlint import __version__

from conftest import REPO, RULE_FIXTURES, write

MANIFEST = REPO / ".pre-commit-hooks.yaml"
README = (REPO / "README.md").read_text()
HOOKS = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text())}
HOOK_IDS = ("authlint", "authlint-tree")
PRE_COMMIT = (sys.executable, "-m", "pre_commit")

BAD = (RULE_FIXTURES / "AL101" / "nginx" / "bad_location_adds_header.conf").read_text()
GOOD = (RULE_FIXTURES / "AL101" / "nginx" / "good_repeated.conf").read_text()
BAD_LINE = next(n for n, line in enumerate(BAD.splitlines(), 1) if "# [AL101]" in line)
MAIN = "events {}\nhttp {\n    include conf.d/*.conf;\n}\n"

# The main config sets Authorization for every server; the site only adds a
# header of its own in one location, which drops it (AL101 on line 10). Read
# alone, the site sets no Authorization and has nothing to drop.
CONTEXT_MAIN = """\
events {}
http {
    proxy_set_header Authorization "Bearer $cookie_access_token";
    include conf.d/*.conf;
}
"""
CONTEXT_SITE = """\
server {
    listen 8080;
    server_name app.example.com;

    location / {
        proxy_pass http://127.0.0.1:9000;
    }

    location /api/ {
        proxy_set_header X-Request-Id $request_id;
        proxy_pass http://127.0.0.1:9001;
    }
}
"""

# Apache files the hooks select: read as Apache (their syntax is checked).
APACHE_FILES = {
    "apache/site.conf": """\
<VirtualHost *:80>
    ServerName example.com
    ProxyPass / http://127.0.0.1:9000/
</VirtualHost>
""",
    "public/.htaccess": """\
RewriteEngine On
RewriteRule ^old$ /new [R=301,L]
AuthType Basic
Require valid-user
""",
}

# Files an infra repository holds that the hooks' `files` pattern selects but
# authlint does not lint (yet): it must skip them, not report them as broken.
NOT_LINTED = {
    "k8s/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  template:
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          args: ["-g", "daemon off;"]
""",
    "k8s/nginx-configmap.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-nginx
data:
  nginx.conf: |
    events { worker_connections 1024; }
    http {
      include snippets/not-in-this-repo.conf;
      proxy_set_header Authorization "Bearer $cookie_token";
      server {
        listen 80;
        location /api/ {
          proxy_set_header X-Request-Id $request_id;
          proxy_pass http://api:8080;
        }
      }
    }
""",
    "cdn/cache-policy.yml": """\
# Not a CDN policy authlint knows: any YAML arrives through the hook.
paths:
  - match: /api/*
    cache: {ttl: 0, private: true}
""",
    "logrotate/web.conf": """\
/var/log/nginx/*.log {
    daily
    rotate 14
    compress
    postrotate
        invoke-rc.d nginx rotate >/dev/null 2>&1
    endscript
}
""",
    "supervisor/app.conf": "[program:app]\ncommand=/usr/bin/gunicorn app:app\n",
}

# pip's words for an index it cannot reach; "(from versions: none)" is all it
# says when it does not retry, and the hook's dependencies do exist on PyPI.
NETWORK_ERROR = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name "
    r"resolution|Name or service not known|Network is unreachable|ConnectTimeoutError|"
    r"ReadTimeoutError|ProxyError|Could not fetch URL|\(from versions: none\)"
)
# A hook's status line: `authlint (whole tree)......Failed`.
STATUS_LINE = re.compile(
    r"^(?P<name>\S.*?)\.+(?:\(no files to check\))?(?P<status>Passed|Failed|Skipped)$"
)
# Lines pre-commit writes about a hook before the hook's own output.
HOOK_DETAIL = re.compile(r"^- (hook id|duration|exit code|files were modified)")


def unavailable(reason: str) -> None:
    """Skip, or fail under CI=true, where the hooks must be proven."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the pre-commit tests")
    pytest.skip(reason)


def _require_pre_commit() -> None:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        unavailable("pre-commit is not installed (pip install -e '.[test]')")


def _pre_commit_colours() -> tuple[str, ...]:
    """The escape sequences pre-commit paints its own status lines with."""
    from pre_commit import color

    return (color.RED, color.GREEN, color.YELLOW, color.TURQUOISE, color.SUBTLE, color.NORMAL)


def hook_environment(home: Path) -> dict[str, str]:
    """The environment of pre-commit and git: a private store, a fixed identity, no user config.

    pre-commit's store and virtualenv's seed cache live under ``home``, not
    in the user's ``~/.cache``.

    Variables that change authlint's output (colour, CI, GitHub's format) are
    dropped, so that the tests see what pre-commit alone brings about.
    """
    dropped = {"CI", "GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR", "TERM"}
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in dropped and not name.startswith(("GIT_", "PRE_COMMIT"))
    }
    identity = "authlint tests"
    email = "tests@authlint.invalid"
    environment.update(
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        VIRTUALENV_OVERRIDE_APP_DATA=str(home / "virtualenv"),
        GIT_AUTHOR_NAME=identity,
        GIT_AUTHOR_EMAIL=email,
        GIT_COMMITTER_NAME=identity,
        GIT_COMMITTER_EMAIL=email,
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    return environment


def _git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def commit_everything(root: Path, env: dict[str, str]) -> str:
    """Make ``root`` a git repository holding all its files in one commit; return its sha."""
    _git("init", "-q", cwd=root, env=env)
    _git("add", "--all", "--force", cwd=root, env=env)
    _git("commit", "-q", "--no-verify", "-m", "snapshot", cwd=root, env=env)
    return _git("rev-parse", "HEAD", cwd=root, env=env).strip()


def copy_project(target: Path) -> None:
    """Copy the files git would commit from the working tree, uncommitted work included."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        unavailable(f"{REPO} is not a git working tree: nothing to build the hook repository from")
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        source = REPO / name
        # A file deleted but not yet staged is still listed.
        if not source.is_file():
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


@dataclass
class HookRun:
    """One hook in a ``pre-commit run``: its status and what it printed."""

    status: str
    output: str


@dataclass
class PreCommitRun:
    status: int
    output: str
    hooks: dict[str, HookRun]


@dataclass
class HookRepository:
    """This project as a hook repository, and a pre-commit store with its environment installed."""

    path: Path
    sha: str
    env: dict[str, str]

    def config(self) -> str:
        hooks = "".join(f"      - id: {hook_id}\n" for hook_id in HOOK_IDS)
        return f"repos:\n  - repo: {self.path}\n    rev: {self.sha}\n    hooks:\n{hooks}"

    def infra(self, root: Path, files: dict[str, str]) -> Path:
        """An infra repository at ``root`` with ``files`` and both hooks, all committed."""
        write(root, {".pre-commit-config.yaml": self.config(), **files})
        commit_everything(root, self.env)
        return root

    def run(self, infra: Path, *args: str, color: str = "never") -> PreCommitRun:
        return _run_pre_commit(infra, self.env, *args, color=color)


def _run_pre_commit(
    infra: Path, env: dict[str, str], *args: str, color: str = "never"
) -> PreCommitRun:
    """``pre-commit run --verbose ARGS`` in ``infra``; every hook's status and output.

    No hook may print colour or progress-bar noise: with ``--color never``
    the output holds no escape at all; with ``--color always`` none but
    pre-commit's own.
    """
    done = subprocess.run(
        [*PRE_COMMIT, "run", "--verbose", "--color", color, *args],
        cwd=infra,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    output = done.stdout.decode() + done.stderr.decode()
    if color == "always":
        for sequence in _pre_commit_colours():
            output = output.replace(sequence, "")
    assert "\x1b[" not in output, output
    assert "\r" not in output, output
    return PreCommitRun(done.returncode, output, _hook_runs(output))


def _hook_runs(output: str) -> dict[str, HookRun]:
    """Each hook's status and output, by hook ID, from pre-commit's verbose report."""
    ids = {hook["name"]: hook_id for hook_id, hook in HOOKS.items()}
    statuses: dict[str, str] = {}
    printed: dict[str, list[str]] = {}
    current: list[str] = []
    for line in output.splitlines():
        status = STATUS_LINE.match(line)
        if status and status["name"] in ids:
            hook_id = ids[status["name"]]
            statuses[hook_id] = status["status"]
            current = printed[hook_id] = []
        elif not HOOK_DETAIL.match(line):
            current.append(line)
    return {
        hook_id: HookRun(statuses[hook_id], "\n".join(printed[hook_id]).strip())
        for hook_id in statuses
    }


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> HookRepository:
    """The project committed in a temporary repository, its hook environment installed once."""
    if shutil.which("git") is None:
        unavailable("git is not installed: pre-commit needs it")
    _require_pre_commit()
    base = tmp_path_factory.mktemp("precommit")
    env = hook_environment(base / "store")
    project = base / "authlint"
    copy_project(project)
    repository = HookRepository(project, commit_everything(project, env), env)
    seed = repository.infra(base / "seed", {})
    done = subprocess.run(
        [*PRE_COMMIT, "install-hooks"],
        cwd=seed,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        log = base / "store" / "pre-commit" / "pre-commit.log"
        report = done.stdout + done.stderr + (log.read_text() if log.exists() else "")
        network = NETWORK_ERROR.search(report)
        if network and os.environ.get("CI") != "true":
            pytest.skip(f"pre-commit could not install the hook from PyPI ({network.group(0)})")
        pytest.fail(f"pre-commit install-hooks failed:\n{report}")
    return repository


def _finding_lines(output: str, path: str, line: int, rule: str) -> list[str]:
    pattern = re.compile(rf"^{re.escape(path)}:{line}:\d+: {rule} ", re.MULTILINE)
    return pattern.findall(output)


# --- the manifest ------------------------------------------------------------


@pytest.mark.precommit
def test_manifest_is_valid(tmp_path: Path) -> None:
    _require_pre_commit()
    done = subprocess.run(
        [*PRE_COMMIT, "validate-manifest", str(MANIFEST)],
        env=hook_environment(tmp_path / "store"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_both_hooks_run_authlint_on_the_same_files() -> None:
    assert tuple(HOOKS) == HOOK_IDS
    single, tree = HOOKS["authlint"], HOOKS["authlint-tree"]
    for hook in (single, tree):
        assert hook["language"] == "python"
        assert hook["entry"] == "authlint check"
        assert hook["require_serial"] is True
        assert hook["description"]
    assert single["files"] == tree["files"]
    assert single.get("pass_filenames", True) is True
    assert tree["pass_filenames"] is False


def _readme_config(marker: str) -> str:
    """The YAML block of the README between ``<!-- marker -->`` and ``<!-- /marker -->``."""
    block = README.split(f"<!-- {marker} -->\n", 1)[1].split(f"<!-- /{marker} -->", 1)[0]
    return block.removeprefix("```yaml\n").removesuffix("```\n")


def _filled_in(config: str, repository: HookRepository) -> str:
    """The README's remote configuration with its two blanks: this project's path and commit."""
    document = yaml.safe_load(config)
    (repo,) = document["repos"]
    repo.update(repo=str(repository.path), rev=repository.sha)
    return yaml.safe_dump(document, sort_keys=False)


def test_readme_remote_config_names_no_made_up_home_or_tag() -> None:
    """authlint has no public home and no tag: the user fills in their copy's URL and a commit."""
    (repo,) = yaml.safe_load(_readme_config("pre-commit-config"))["repos"]
    assert re.fullmatch(r"<[^<>]+>", repo["repo"]), repo["repo"]
    assert re.fullmatch(r"<[^<>]+>", repo["rev"]), repo["rev"]
    assert {hook["id"] for hook in repo["hooks"]} <= set(HOOK_IDS)
    assert f"v{__version__}" not in README
    assert "<owner>" not in README
    for hook_id in HOOK_IDS:
        assert f"`{hook_id}`" in README


def test_readme_local_config_is_the_shipped_hook() -> None:
    (repo,) = yaml.safe_load(_readme_config("pre-commit-local-config"))["repos"]
    assert repo["repo"] == "local"
    (hook,) = repo["hooks"]
    shipped = HOOKS["authlint"]
    assert hook["language"] == "system"
    for key in ("id", "name", "entry", "types", "files", "require_serial"):
        assert hook[key] == shipped[key], key


@pytest.mark.parametrize(
    "path",
    [
        "nginx.conf",
        "etc/nginx/nginx.conf",
        "conf.d/app.conf",
        "etc/nginx/sites-enabled/default",
        "sites-available/example.com",
        "nginx/api.nginx",
        "vhosts/shop.vhost",
        "snippets/headers.inc",
        "nginx/proxy_params",
        "nginx/mime.types",
        "nginx/site.conf.sample",
        ".htaccess",
        "public/.htaccess",
        "apache/httpd.conf",
        "apache2/apache2.conf",
        "public/htaccess.txt",
        "web/example.htaccess",
        "etc/apache2/conf-enabled/security.conf",
        "etc/httpd/conf.modules.d/00-base.conf",
        "cdn/policy.yaml",
        "cors.yml",
    ],
)
def test_files_pattern_selects_configs(path: str) -> None:
    assert re.search(HOOKS["authlint"]["files"], path)


@pytest.mark.parametrize(
    "path",
    ["README.md", "app.py", "templates/nginx.conf.j2", "data.json", "conf.d/legacy/old.txt"],
)
def test_files_pattern_leaves_other_files_alone(path: str) -> None:
    assert not re.search(HOOKS["authlint"]["files"], path)


@pytest.mark.parametrize("name", sorted(NOT_LINTED))
def test_a_selected_file_that_authlint_does_not_lint_is_skipped(tmp_path: Path, name: str) -> None:
    """pre-commit names it on the command line: authlint reads nothing, says so in one
    line, and exits 0."""
    assert re.search(HOOKS["authlint"]["files"], name)
    write(tmp_path, {name: NOT_LINTED[name]})
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    reads = "authlint reads nginx configs, Apache configs"
    notice = f"authlint: warning: {name} is not linted: {reads}\n"
    assert (done.returncode, done.stdout, done.stderr) == (0, "No findings in 0 files.\n", notice)


@pytest.mark.parametrize("name", sorted(APACHE_FILES))
def test_a_selected_apache_file_is_read(tmp_path: Path, name: str) -> None:
    assert re.search(HOOKS["authlint"]["files"], name)
    write(tmp_path, {name: APACHE_FILES[name]})
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    # A lone .htaccess is read as under `AllowOverride All`, as a note says.
    note = "authlint: note: `.htaccess` files" if name.endswith(".htaccess") else ""
    assert (done.returncode, done.stdout) == (0, "No findings in 1 file.\n")
    assert done.stderr.startswith(note)
    assert bool(done.stderr) is bool(note)


# --- the hooks, run by pre-commit --------------------------------------------


@pytest.mark.precommit
def test_bad_config_fails_both_hooks_with_the_finding(
    hook_repository: HookRepository, tmp_path: Path
) -> None:
    infra = hook_repository.infra(tmp_path, {"nginx.conf": MAIN, "conf.d/app.conf": BAD})
    # In colour, pre-commit runs hooks on a terminal (a pty): the place where
    # colour and progress bars would leak into the captured output.
    run = hook_repository.run(infra, "--all-files", color="always")
    assert run.status == 1, run.output
    for hook_id in HOOK_IDS:
        hook = run.hooks[hook_id]
        assert hook.status == "Failed", run.output
        assert _finding_lines(hook.output, "conf.d/app.conf", BAD_LINE, "AL101"), run.output


@pytest.mark.precommit
def test_bad_file_named_with_files_fails(hook_repository: HookRepository, tmp_path: Path) -> None:
    infra = hook_repository.infra(tmp_path, {"nginx.conf": MAIN, "conf.d/app.conf": BAD})
    run = hook_repository.run(infra, "--files", "conf.d/app.conf")
    assert run.status == 1, run.output
    for hook_id in HOOK_IDS:
        assert run.hooks[hook_id].status == "Failed", run.output
        assert _finding_lines(run.hooks[hook_id].output, "conf.d/app.conf", BAD_LINE, "AL101")
    # The main config is linted with what it includes.
    main = hook_repository.run(infra, "--files", "nginx.conf")
    assert main.status == 1, main.output
    for hook_id in HOOK_IDS:
        assert _finding_lines(main.hooks[hook_id].output, "conf.d/app.conf", BAD_LINE, "AL101")


@pytest.mark.precommit
def test_good_config_passes(hook_repository: HookRepository, tmp_path: Path) -> None:
    files = {"nginx.conf": MAIN, "conf.d/app.conf": GOOD, "README.md": "# Our servers\n"}
    infra = hook_repository.infra(tmp_path, files)
    for color in ("always", "never"):
        run = hook_repository.run(infra, "--all-files", color=color)
        assert run.status == 0, run.output
        for hook_id in HOOK_IDS:
            assert run.hooks[hook_id].status == "Passed", run.output
        # The hook given the files names the repository's own YAML: not linted.
        assert run.hooks["authlint"].output == (
            "No findings in 2 files.\nauthlint: warning: .pre-commit-config.yaml is not linted: "
            "authlint reads nginx configs, Apache configs"
        )
        assert run.hooks["authlint-tree"].output == "No findings in 2 files."
    readme = hook_repository.run(infra, "--files", "README.md")
    assert readme.status == 0, readme.output
    assert {hook_id: hook.status for hook_id, hook in readme.hooks.items()} == dict.fromkeys(
        HOOK_IDS, "Skipped"
    )


@pytest.mark.precommit
def test_files_authlint_does_not_lint_pass(hook_repository: HookRepository, tmp_path: Path) -> None:
    infra = hook_repository.infra(tmp_path, NOT_LINTED)
    run = hook_repository.run(infra, "--all-files")
    assert run.status == 0, run.output
    for hook_id in HOOK_IDS:
        assert run.hooks[hook_id].status == "Passed", run.output
    first_line, notice = run.hooks["authlint"].output.splitlines()
    assert first_line == "No findings in 0 files."
    assert notice.startswith(
        f"authlint: warning: {len(NOT_LINTED) + 1} files named are not linted, as authlint "
        "reads nginx configs, Apache configs: "
    )
    assert notice.endswith(" more")
    assert run.hooks["authlint-tree"].output == "No findings in 0 files."


@pytest.mark.precommit
def test_tree_hook_lints_a_changed_file_in_its_main_configs_context(
    hook_repository: HookRepository, tmp_path: Path
) -> None:
    infra = hook_repository.infra(
        tmp_path, {"nginx.conf": CONTEXT_MAIN, "conf.d/app.conf": CONTEXT_SITE}
    )
    run = hook_repository.run(infra, "--files", "conf.d/app.conf")
    assert run.status == 1, run.output
    assert run.hooks["authlint"].status == "Passed", run.output
    assert run.hooks["authlint"].output == "No findings in 1 file."
    assert run.hooks["authlint-tree"].status == "Failed", run.output
    assert _finding_lines(run.hooks["authlint-tree"].output, "conf.d/app.conf", 10, "AL101")


# --- the README's configurations, run by pre-commit --------------------------


@pytest.mark.precommit
def test_readme_local_config_runs_as_written(tmp_path: Path) -> None:
    """`repo: local` runs the `authlint` on PATH: here, this test environment's."""
    if shutil.which("git") is None:
        unavailable("git is not installed: pre-commit needs it")
    _require_pre_commit()
    env = hook_environment(tmp_path / "store")
    installed = Path(sys.executable).parent
    assert (installed / "authlint").exists(), f"no authlint command in {installed}"
    # As in an activated virtual environment.
    env["PATH"] = os.pathsep.join([str(installed), env.get("PATH", os.defpath)])
    config = _readme_config("pre-commit-local-config")
    bad = write(
        tmp_path / "bad",
        {".pre-commit-config.yaml": config, "nginx.conf": MAIN, "conf.d/app.conf": BAD},
    )
    commit_everything(bad, env)
    run = _run_pre_commit(bad, env, "--all-files", color="always")
    assert run.status == 1, run.output
    assert run.hooks["authlint"].status == "Failed", run.output
    assert _finding_lines(run.hooks["authlint"].output, "conf.d/app.conf", BAD_LINE, "AL101")

    good = write(
        tmp_path / "good",
        {".pre-commit-config.yaml": config, "nginx.conf": MAIN, "conf.d/app.conf": GOOD},
    )
    commit_everything(good, env)
    run = _run_pre_commit(good, env, "--all-files")
    assert run.status == 0, run.output
    assert run.hooks["authlint"].status == "Passed", run.output
    assert run.hooks["authlint"].output.splitlines()[0] == "No findings in 2 files."


@pytest.mark.precommit
def test_readme_remote_config_runs_once_filled_in(
    hook_repository: HookRepository, tmp_path: Path
) -> None:
    config = _filled_in(_readme_config("pre-commit-config"), hook_repository)
    infra = write(
        tmp_path, {".pre-commit-config.yaml": config, "nginx.conf": MAIN, "conf.d/app.conf": BAD}
    )
    commit_everything(infra, hook_repository.env)
    run = hook_repository.run(infra, "--all-files")
    assert run.status == 1, run.output
    assert run.hooks["authlint"].status == "Failed", run.output
    assert _finding_lines(run.hooks["authlint"].output, "conf.d/app.conf", BAD_LINE, "AL101")
