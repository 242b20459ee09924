"""What a run imports: the format-neutral parts import no format, and a format's
libraries (lark, PyYAML) only when a file of that format is read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (which may exit)."""
    script = (
        f"import sys\ntry:\n    {code}\nexcept SystemExit:\n    pass\nprint(*sorted(sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(result.stdout.splitlines()[-1].split())


def test_the_rule_base_imports_no_format() -> None:
    # A rule option's size ("16k") is read by authlint.sizes, not by authlint.nginx.
    modules = imported_after("import authlint.rule")
    assert "authlint.sizes" in modules
    assert not {name for name in modules if name.startswith("authlint.nginx")}


def test_an_nginx_run_imports_neither_lark_nor_yaml(tmp_path: Path) -> None:
    config = tmp_path / "site.conf"
    config.write_text(
        "server {\n    listen 80;\n    location / {\n"
        "        add_header Access-Control-Allow-Origin $http_origin;\n"
        "        add_header Access-Control-Allow-Credentials true;\n"
        "        proxy_cache one;\n        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
    )
    argv = ["authlint", "check", "--isolated", str(config)]
    modules = imported_after(f"sys.argv = {argv!r}; from authlint.cli import main; main()")
    assert "authlint.rules.cors" in modules, "the run did not get to the rules"
    assert not {name for name in modules if name.split(".")[0] in {"lark", "yaml"}}


def test_an_apache_run_imports_lark_and_reads_the_file(tmp_path: Path) -> None:
    config = tmp_path / ".htaccess"
    config.write_text("<Location /a>\n    Require all granted\n</Directory>\n")
    argv = ["authlint", "check", "--isolated", str(config)]
    modules = imported_after(f"sys.argv = {argv!r}; from authlint.cli import main; main()")
    assert {"lark", "authlint.apache.parser"} <= modules
    assert "yaml" not in modules
