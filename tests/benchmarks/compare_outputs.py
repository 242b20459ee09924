"""Compare ``authlint check`` output byte for byte between a past revision and this tree.

A refactoring that must not change what users see (the format-neutral model,
say) is checked here: the revision ``--base`` is installed into a scratch
folder, and both versions lint the same inputs, in the same working folder,
in json and text:

- the base revision's own ``fixtures/`` (this tree's fixtures may have grown);
- ``../shared/corpus/nginx`` when it is there;
- the benchmark trees of ``bench_tree.py`` (``--sizes``).

It prints one line per comparison and exits 1 if any output or exit status
differs, saving both outputs under ``--keep`` for a diff.

    python tests/benchmarks/compare_outputs.py --base b85f0e3 --sizes 100 1000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from bench_tree import generate

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
FORMATS = ("json", "text")


def install(revision: str, into: Path) -> Path:
    """``revision``'s source under ``into/src``, installed without deps into ``into/site``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
    ).stdout
    source = into / "src"
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(source, filter="data")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(into / "site"),
            str(source),
        ],
        check=True,
    )
    return into / "site"


def lint(site: Path | None, cwd: Path, target: str, output_format: str) -> tuple[int, bytes]:
    """Exit status and standard output of ``authlint check target`` with the code at ``site``
    (``None``: this tree's installed one)."""
    environment = dict(os.environ, NO_COLOR="1")
    environment.pop("GITHUB_ACTIONS", None)
    if site is not None:
        environment["PYTHONPATH"] = str(site)
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", target, "--output-format", output_format],
        cwd=cwd,
        env=environment,
        capture_output=True,
        check=False,
    )
    return done.returncode, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision whose output is the reference")
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--keep", type=Path, help="where to save differing outputs")
    args = parser.parse_args()
    differing = 0
    with tempfile.TemporaryDirectory() as scratch:
        site = install(args.base, Path(scratch))
        inputs: list[tuple[str, Path, str]] = [("fixtures", Path(scratch) / "src", "fixtures")]
        if (CORPUS / "nginx").is_dir():
            inputs.append(("corpus/nginx", CORPUS, "nginx"))
        for size in args.sizes:
            tree = Path(scratch) / f"tree{size}"
            tree.mkdir()
            generate(tree, size)
            inputs.append((f"tree of {size} servers", tree, "."))
        for label, cwd, target in inputs:
            for output_format in FORMATS:
                before = lint(site, cwd, target, output_format)
                after = lint(None, cwd, target, output_format)
                same = before == after
                print(
                    f"{'same' if same else 'DIFFERENT'}: {label}, {output_format} "
                    f"({len(after[1]):,} bytes, exit {after[0]})"
                )
                if not same:
                    differing += 1
                    if args.keep is not None:
                        args.keep.mkdir(parents=True, exist_ok=True)
                        stem = f"{label.replace('/', '_').replace(' ', '_')}.{output_format}"
                        (args.keep / f"{stem}.before").write_bytes(before[1])
                        (args.keep / f"{stem}.after").write_bytes(after[1])
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
