from __future__ import annotations

from authlint.model.workspace import ProblemKind
from authlint.rule import Severity
from authlint.rules.diagnostics import LoadProblemRule


class ParseError(LoadProblemRule):
    """A config file that does not parse.

    ## What it does
    Reports a file that authlint recognised as a config but could not parse: a
    missing `;`, an unbalanced brace, a directive with the wrong number of
    arguments, text nginx cannot read (UTF-16 or UTF-32, a UTF-8 byte-order
    mark, a NUL byte), or a file, folder or include that cannot be read (a
    symbolic link loop, a permission, a name too long). It also reports where
    authlint stopped reading: blocks nested more than 100 deep in one file,
    or more than 200 deep through includes, and the include where a run's
    reading budget ran out (includes that fan out, each file including the
    next several times). In an Apache file, it reports what httpd refuses,
    at the line httpd names: a section closed by another's tag or left
    open, an opening tag without its `>`, an `<Else>` without its `<If>`, a
    byte-order mark, an `Error` that applies, a `Use` httpd cannot read, a
    directive of a module not loaded or where httpd does not take it
    (`AuthType` in a `<VirtualHost>`: "not allowed here").

    ## Why is this bad?
    The server would refuse to start or reload with this file. authlint also
    cannot know what the file sets, so it lints nothing that depends on it:
    the rest of the tree is still linted, but findings never rest on a file
    that was not read. nginx accepts nesting of any depth, and reads includes
    however often they repeat, but what lies beyond authlint's limits is not
    linted, and that must not pass unseen either.

    ## Example
    ```nginx
    location /api/ {
        proxy_pass http://app
    }
    ```

    ## Use instead
    ```nginx
    location /api/ {
        proxy_pass http://app;
    }
    ```
    """

    id = "AL001"
    name = "parse-error"
    severity = Severity.ERROR
    summary = "The file does not parse."
    fix = "Fix the syntax at this line."
    reference_url = None
    problem_kind = ProblemKind.PARSE_ERROR
    # A file that does not parse fails the run, whatever a comment says.
    suppressible = False
