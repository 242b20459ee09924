from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.scope import ScopeRole
from authlint.model.settings import AuthKind, Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.credential_hygiene import written

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import ServedFile
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace

_PASSWORD_CHECKS = (AuthKind.BASIC, AuthKind.DIGEST)
_SERVING = (ScopeRole.HOST, ScopeRole.ROOT)


class UserFileServed(Rule):
    """The password file of a Basic or Digest check lies in a folder the server serves, and
    nothing refuses it: anyone can download the password hashes.

    ## What it does
    Finds an `auth_basic_user_file` whose path lies below a `root` or `alias`
    of a server of the same configuration, where the location nginx picks for
    that file's URL sends static files and its access rules do not refuse
    every client (`deny all`, such as `location ~ /\\.ht { deny all; }`). A
    user file outside every served folder, or one a `*_pass`, `return`,
    `internal` or `try_files` without `$uri` keeps from being sent, is not
    reported.

    On Apache httpd: the `AuthUserFile` of a Basic or Digest check (httpd 2.4
    has no `AuthDigestFile`: mod_auth_digest reads `AuthUserFile`) below a host's
    `DocumentRoot` or an `Alias` folder, where the sections the file's request
    merges do not deny it (`<Files ".ht*"> Require all denied`,
    `<FilesMatch "^\\.ht">`, `Deny from all`). Upstream's, Debian's and RHEL's
    main configurations refuse `.ht*` files: where the main configuration was
    not read, such a file is not reported. Nor is one where a handler, a
    redirect, a rewrite or an unread `.htaccess` may answer instead.

    ## Why is this bad?
    The server sends the file like any other: `GET /.htpasswd` returns every
    user name with its password hash, which can be cracked offline (the
    `{SHA}`, `crypt` and `$apr1$` hashes of most files fall fast). Where the
    folder is itself protected by the same check, every user who logs in gets
    the hashes of all the others.

    ## Example
    ```nginx
    server {
        root /var/www/site;
        location /admin/ {
            auth_basic "admin";
            auth_basic_user_file /var/www/site/.htpasswd;
        }
    }
    ```

    ## Use instead
    ```nginx
    server {
        root /var/www/site;
        location /admin/ {
            auth_basic "admin";
            auth_basic_user_file /etc/nginx/htpasswd;
        }
    }
    ```
    """

    id = "AL601"
    name = "user-file-served"
    severity = Severity.ERROR
    summary = "The password file lies in a served folder and nothing refuses it."
    fix = "Move the user file out of every served folder, or refuse it to every client."
    reference_url = None
    tags = ("security", "nginx", "apache")
    needs = frozenset({Facet.AUTHENTICATION, Facet.SERVED_FILES})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        hosts: dict[Scope, dict[str, list[tuple[int, Scope]]]] = {}
        for scope in workspace.scopes():
            for check in scope.settings.authentication.checks:
                origin = check.store_origin
                if check.kind not in _PASSWORD_CHECKS or check.store is None or origin is None:
                    continue
                # Each user file is judged once, for all the scopes that read it.
                if not check.known or not once.first(origin):
                    continue
                top = _top(scope)
                if top not in hosts:
                    hosts[top] = _by_folder(top)
                found = _served(_serving(hosts[top], check.store), check.store)
                if found is None:
                    continue
                host, served = found
                yield self.finding(origin, _message(host, served, origin, check.store))


def _top(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _by_folder(top: Scope) -> dict[str, list[tuple[int, Scope]]]:
    """The hosts of a configuration by each folder they serve, with their place in the
    configuration: a user file is looked up in its own folders' hosts, not in every
    host."""
    index: dict[str, list[tuple[int, Scope]]] = {}
    for place, level in enumerate(top.walk()):
        if level.role in _SERVING:
            for folder in level.settings.served_folders:
                index.setdefault(folder, []).append((place, level))
    return index


def _serving(index: dict[str, list[tuple[int, Scope]]], path: str) -> list[Scope]:
    """The hosts that serve a folder holding ``path``, in the configuration's order."""
    folders = [path[:cut] for cut, char in enumerate(path) if char == "/"]
    found = {entry for folder in folders for entry in index.get(folder, ())}
    return [host for _, host in sorted(found, key=lambda entry: entry[0])]


def _served(hosts: list[Scope], path: str) -> tuple[Scope, ServedFile] | None:
    """The first host that sends the file to clients, and how."""
    for host in hosts:
        served = host.settings.served_file(path)
        if served is not None and served.known and served.denied_by is None:
            return host, served
    return None


def _message(host: Scope, served: ServedFile, origin: Node, path: str) -> str:
    who = (
        "every user who passes its password check"
        if served.authentication.every_request_authenticated
        else "any client"
    )
    return (
        f"the user file `{path}` lies in the folder `{written(served.folder)}` serves "
        f"({served.folder.where}) and nothing refuses it: {server_name(host.format)} answers "
        f"`GET {served.url}` on `{host.label}` with the file, every user's password hash, "
        f"to {who}"
    )
