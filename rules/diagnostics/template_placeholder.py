from __future__ import annotations

from authlint.model.workspace import ProblemKind
from authlint.rule import Severity
from authlint.rules.diagnostics import LoadProblemRule


class TemplatePlaceholder(LoadProblemRule):
    """A template of a config that does not parse as it is, because it is filled in before use.

    ## What it does
    Reports a file that does not parse at a line holding template syntax,
    once per file, at the first such line: `{{ .Env.PORT }}` (Go templates,
    gomplate, Jinja, consul-template), `{% if ... %}`, `<%= ... %>` or
    `%{PORT}` in any file; and, in a file named as a template or a copy to
    fill in (`*.sample`, `*.example`, `*.dist`, `*.template`, a name with
    `template` in it, or a `templates/` folder), a `<placeholder>` standing
    as a word (`<http or https>`) or an environment variable written for
    `envsubst` (`${PORT}`, `$NGINX_PORT`). The file is not linted; the rest
    of the tree is.

    ## Why is this bad?
    Often nothing is wrong: images render their nginx templates when a
    container starts, and proxy collections ship samples that users copy,
    rename and fill in. But until it is filled in, nginx cannot read the file,
    and authlint cannot lint it either: lint the rendered config (`nginx -T`
    on the running container, piped into `authlint check -`). The same line
    in a file with no template syntax and no template name is a parse error
    (AL001), which fails the run.

    ## Example
    ```nginx
    # app.subdomain.conf.sample
    location / {
        set $upstream_proto <http or https>;
        proxy_pass $upstream_proto://app:8080;
    }
    ```

    ## Use instead
    Fill in the placeholder in the copy you deploy, which authlint then lints:
    ```nginx
    # app.subdomain.conf
    location / {
        set $upstream_proto http;
        proxy_pass $upstream_proto://app:8080;
    }
    ```
    """

    id = "AL007"
    name = "template-placeholder"
    severity = Severity.INFO
    summary = "A config template does not parse until it is filled in; it is not linted."
    fix = "Lint what is deployed: the filled-in copy, or the rendered config."
    reference_url = None
    problem_kind = ProblemKind.TEMPLATE_PLACEHOLDER
