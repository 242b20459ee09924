from __future__ import annotations

from authlint.model.workspace import ProblemKind
from authlint.rule import Severity
from authlint.rules.linter import LoadProblemRule


class TemplatePlaceholder(LoadProblemRule):
    """A template copy of a config that does not parse because of a placeholder to fill in.

    ## What it does
    Reports a file named as a copy to edit before use (`*.sample`, `*.example`,
    `*.template`, `*.dist`, such as `proxy.conf.sample`) that does not parse at
    a line holding a placeholder written as `<...>` (`<http or https>`,
    `<container_name>`). The file is not linted; the rest of the tree is.

    ## Why is this bad?
    Often nothing is wrong: collections of proxy configs ship samples that
    users copy, rename and fill in. But until the placeholder is replaced,
    nginx cannot read the file, and authlint cannot lint it either. The same
    line in a deployed config (a name without such a suffix) is a parse error
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
    summary = "A template copy of a config holds a placeholder nginx cannot read; not linted."
    fix = "Fill in the placeholder in the copy you deploy; authlint lints that copy."
    reference_url = "https://nginx.org/en/docs/beginners_guide.html#conf_structure"
    problem_kind = ProblemKind.TEMPLATE_PLACEHOLDER
