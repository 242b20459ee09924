"""What importing a part of authlint brings in: the format-neutral parts import no format."""

from __future__ import annotations

import subprocess
import sys


def imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(*sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


def test_the_rule_base_imports_no_format() -> None:
    # A rule option's size ("16k") is read by authlint.sizes, not by authlint.nginx.
    modules = imported_after("import authlint.rule")
    assert "authlint.sizes" in modules
    assert not {name for name in modules if name.startswith("authlint.nginx")}
