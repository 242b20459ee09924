"""Benchmark: authlint on generated Apache trees, against its own parse and ``apache2 -t``.

Generates, for each N, a Debian server of N virtual hosts with one to three
``.htaccess`` files each (``tests/apache_tree.py``), and bench_tree's nginx
tree of N servers. For each size it measures, in ``--repeat`` rounds, back
to back so that all see the same machine, in CPU seconds of this process:

- the floor: authlint's Apache parse of every file of the tree
  (``authlint.apache.parser.parse_file`` over each, the parse authlint cannot
  avoid), as a library user calls it, and with the cyclic garbage collector
  paused as authlint runs;
- authlint's whole in-process run on the Apache tree, and on the nginx tree,
  with the collector paused as the command runs it;

then the wall time of ``apache2 -t`` on the same tree (run as Debian's
``apache2ctl`` runs it) and of the ``authlint check`` command on both trees,
interpreter start included. It prints the medians and the median of the
per-round ratios as Markdown tables, the time per virtual host at each N,
and the wall time of ``authlint check`` on one ``.htaccess`` file against
one nginx file, run alternately.

    python tests/benchmarks/bench_apache_tree.py --sizes 100 1000 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apache_httpd import available
from apache_tree import ApacheTree, generate, httpd_check
from bench_tree import LAYOUTS, PLANTED
from bench_tree import generate as generate_nginx
from timing import cpu_seconds, lint_command, lint_in_process, wall_seconds

from authlint.apache.parser import parse_file
from authlint.model.source import SourceFile


def parse_every_file(tree: ApacheTree) -> None:
    for path in tree.files:
        parse_file(SourceFile(str(path.relative_to(tree.root)), path, "apache"))


def check_with_httpd(tree: ApacheTree) -> None:
    checked = httpd_check(tree)
    if checked.returncode != 0:
        sys.exit(f"apache2 -t refused {tree.config}: {checked.stderr}")


def measure(tree: ApacheTree, nginx_tree: Path, repeat: int) -> dict[str, float]:
    rounds: dict[str, list[float]] = {
        name: [] for name in ("parse", "paused", "apache", "nginx", "floor ratio", "nginx ratio")
    }
    # lark builds the grammar once per process: built here, so that no round pays for it.
    parse_file(SourceFile("apache2.conf", tree.config, "apache"))
    for _ in range(repeat):
        parsed = cpu_seconds(parse_every_file, tree, gc_paused=False)
        paused = cpu_seconds(parse_every_file, tree, gc_paused=True)
        apache = cpu_seconds(lint_in_process, tree.root, gc_paused=True)
        nginx = cpu_seconds(lint_in_process, nginx_tree, gc_paused=True)
        rounds["parse"].append(parsed)
        rounds["paused"].append(paused)
        rounds["apache"].append(apache)
        rounds["nginx"].append(nginx)
        rounds["floor ratio"].append(apache / parsed)
        rounds["nginx ratio"].append(apache / nginx)
    return {name: statistics.median(values) for name, values in rounds.items()}


def one_file_walls(htaccess: Path, nginx_file: Path, runs: int) -> tuple[float, float]:
    """Median wall times of ``authlint check`` on each file, run in turn."""
    apache: list[float] = []
    nginx: list[float] = []
    for _ in range(runs):
        apache.append(wall_seconds(lint_command, htaccess, 1))
        nginx.append(wall_seconds(lint_command, nginx_file, 1))
    return statistics.median(apache), statistics.median(nginx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12)
    options = parser.parse_args()
    if not available():
        sys.exit("apache2 is not installed (apt-get install apache2)")
    cpu = [
        "| vhosts | Apache files | `.htaccess` | read by authlint | parse floor "
        "| same, gc paused | authlint run | ratio to floor | nginx tree run | Apache / nginx |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    wall = [
        "| vhosts | `apache2 -t` | `authlint check`, Apache tree | `authlint check`, nginx tree |",
        "|---:|---:|---:|---:|",
    ]
    per_vhost: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in options.sizes:
            tree = generate(Path(scratch, f"apache{size}"), size, options.seed)
            nginx_tree = Path(scratch, f"nginx{size}")
            generate_nginx(nginx_tree, size)
            figures = measure(tree, nginx_tree, options.repeat)
            # What the whole run covers: the files discovery and the loader read.
            read = json.loads(lint_in_process(tree.root))["files_scanned"]
            httpd = wall_seconds(check_with_httpd, tree, options.repeat)
            apache_command = wall_seconds(lint_command, tree.root, options.repeat)
            nginx_command = wall_seconds(lint_command, nginx_tree, options.repeat)
            cpu.append(
                f"| {size} | {len(tree.files)} | {len(tree.htaccess)} | {read} "
                f"| {figures['parse']:.2f} s | {figures['paused']:.2f} s "
                f"| {figures['apache']:.2f} s | {figures['floor ratio']:.2f}x "
                f"| {figures['nginx']:.2f} s | {figures['nginx ratio']:.2f}x |"
            )
            wall.append(
                f"| {size} | {httpd:.2f} s | {apache_command:.2f} s | {nginx_command:.2f} s |"
            )
            per_vhost.append(
                f"N = {size}: floor {1000 * figures['parse'] / size:.2f} ms, "
                f"authlint run {1000 * figures['apache'] / size:.2f} ms "
                f"(nginx tree {1000 * figures['nginx'] / size:.2f} ms), "
                f"`apache2 -t` {1000 * httpd / size:.2f} ms"
            )
        small = Path(scratch, "small.conf")
        small.write_text(LAYOUTS["proxies"].format(index=1, port="001", planted=PLANTED))
        htaccess = max(tree.htaccess, key=lambda path: path.stat().st_size)
        apache_one, nginx_one = one_file_walls(htaccess, small, max(9, options.repeat))
    print(f"CPU seconds, medians of {options.repeat} rounds:\n")
    print("\n".join(cpu))
    print("\nWall time, interpreter start included:\n")
    print("\n".join(wall))
    print(
        "\n`apache2 -t` reads no `.htaccess` file (httpd reads them per request, in the "
        "folders a request reaches); authlint parses every one of them."
    )
    print("\nPer virtual host: " + "; ".join(per_vhost) + ".")
    print(
        f"\nOne file, `authlint check` wall time with Python's start: `.htaccess` "
        f"{apache_one:.3f} s, nginx {nginx_one:.3f} s "
        f"({1000 * (apache_one - nginx_one):+.0f} ms; issue 12 allows +50 ms)."
    )


if __name__ == "__main__":
    main()
