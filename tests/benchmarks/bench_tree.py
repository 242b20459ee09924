"""Benchmark: authlint on generated nginx trees, against crossplane's bare parse.

Generates, for each N, a tree with a main ``nginx.conf``, N server blocks (one
per file under ``conf.d/``) of about ten locations each, and shared includes,
with a planted problem every 50 servers. For each tree it measures, in
``--repeat`` rounds, back to back so that both see the same machine:

- ``crossplane.parse`` of the main config (the parse authlint cannot avoid),
  as a library user calls it, and with the cyclic garbage collector paused as
  authlint runs (so the ratio does not come from the pause alone);
- authlint's whole in-process run (discovery, loading, every rule, JSON), with
  the collector paused as the command runs it;

in CPU seconds of this process, steadier than wall time on a shared machine.
It prints the medians and the median of the per-round ratios as a Markdown
table, then the wall time of the ``authlint check`` command (interpreter start
included) on each tree and on one small file.

    python tests/benchmarks/bench_tree.py --sizes 100 1000 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import crossplane
from timing import cpu_seconds, lint_command, lint_in_process, wall_seconds

MAIN = """\
user www-data;
worker_processes auto;
events { worker_connections 1024; }
http {
    include mime.types;
    default_type application/octet-stream;
    sendfile on;
    proxy_cache_path /var/cache/nginx keys_zone=pages:10m;
    include conf.d/*.conf;
}
"""
PROXY_SNIPPET = """\
proxy_set_header Host $host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_http_version 1.1;
"""
HEADERS_SNIPPET = """\
add_header X-Frame-Options DENY always;
add_header X-Content-Type-Options nosniff always;
add_header Referrer-Policy same-origin always;
"""
SERVER = """\
server {{
    listen 80;
    server_name s{index}.example.com;
    root /srv/s{index};
    include snippets/headers.conf;
{planted}
    location / {{
        include snippets/proxy.conf;
        proxy_pass http://127.0.0.1:8{port};
    }}
    location /api/ {{
        include snippets/proxy.conf;
        proxy_set_header X-Request-Id $request_id;
        proxy_pass http://127.0.0.1:9{port};
    }}
    location /static/ {{
        expires 7d;
        try_files $uri =404;
    }}
    location = /healthz {{
        return 200 "ok";
    }}
    location ~ \\.php$ {{
        include fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
        fastcgi_pass unix:/run/php/php-fpm.sock;
    }}
    location /admin/ {{
        auth_basic "admin";
        auth_basic_user_file /etc/nginx/htpasswd;
        include snippets/proxy.conf;
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:7{port};
    }}
    location /ws/ {{
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_pass http://127.0.0.1:6{port};
    }}
    location /grpc/ {{
        grpc_pass grpc://127.0.0.1:5{port};
    }}
    location /media/ {{
        alias /srv/media/;
    }}
    location /internal/ {{
        internal;
        proxy_pass http://127.0.0.1:4{port};
    }}
}}
"""
PLANTED = '    proxy_set_header Authorization "Bearer $cookie_token";'
# The common layout of a CORS gateway: each server file brings its own
# allow-list ``map`` (into ``http``), answers preflights itself, checks
# sessions with an auth subrequest and caches per session.
CORS_SERVER = """\
map $http_origin $cors_origin_{index} {{
    default "";
    "~^https://(app|admin)\\.s{index}\\.example\\.com$" $http_origin;
    "https://partner.example.net" $http_origin;
}}

server {{
    listen 80;
    server_name s{index}.example.com;
    include snippets/headers.conf;
{planted}
    location = /_auth {{
        internal;
        proxy_pass http://127.0.0.1:3{port}/verify;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
    }}
    location /api/ {{
        if ($request_method = OPTIONS) {{
            add_header Access-Control-Allow-Origin $cors_origin_{index} always;
            add_header Access-Control-Allow-Credentials true always;
            add_header Access-Control-Allow-Headers "Authorization, Content-Type" always;
            add_header Vary Origin always;
            return 204;
        }}
        auth_request /_auth;
        add_header Access-Control-Allow-Origin $cors_origin_{index} always;
        add_header Access-Control-Allow-Credentials true always;
        add_header Vary Origin always;
        include snippets/proxy.conf;
        proxy_cache pages;
        proxy_cache_key $scheme$host$request_uri$cookie_session;
        proxy_cache_valid 200 1m;
        proxy_pass http://127.0.0.1:9{port};
    }}
    location /static/ {{
        expires 7d;
        try_files $uri =404;
    }}
    location = /healthz {{
        return 200 "ok";
    }}
}}
"""
LAYOUTS = {"proxies": SERVER, "cors": CORS_SERVER}


def generate(root: Path, servers: int, layout: str = "proxies") -> Path:
    """Write a tree of ``servers`` server blocks of ``layout`` under ``root``; return its
    main config."""
    (root / "conf.d").mkdir(parents=True)
    (root / "snippets").mkdir()
    (root / "nginx.conf").write_text(MAIN)
    (root / "snippets" / "proxy.conf").write_text(PROXY_SNIPPET)
    (root / "snippets" / "headers.conf").write_text(HEADERS_SNIPPET)
    for index in range(servers):
        planted = PLANTED if index % 50 == 0 else ""
        text = LAYOUTS[layout].format(index=index, port=f"{index % 1000:03d}", planted=planted)
        (root / "conf.d" / f"site{index:05d}.conf").write_text(text)
    return root / "nginx.conf"


def parse(main_config: Path) -> None:
    crossplane.parse(str(main_config))


def measure(tree: Path, main_config: Path, repeat: int) -> dict[str, float]:
    rounds: dict[str, list[float]] = {"parse": [], "paused": [], "lint": [], "ratio": []}
    for _ in range(repeat):
        parsed = cpu_seconds(parse, main_config, gc_paused=False)
        paused = cpu_seconds(parse, main_config, gc_paused=True)
        linted = cpu_seconds(lint_in_process, tree, gc_paused=True)
        rounds["parse"].append(parsed)
        rounds["paused"].append(paused)
        rounds["lint"].append(linted)
        rounds["ratio"].append(linted / parsed)
    return {name: statistics.median(values) for name, values in rounds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--layout",
        choices=sorted(LAYOUTS),
        default="proxies",
        help="proxies: ten locations per server; cors: an allow-list map, preflights, "
        "auth subrequests and a cache per server",
    )
    options = parser.parse_args()
    print(
        "| servers | files | crossplane.parse | same, gc paused | authlint run "
        "| ratio | authlint per server | `authlint check` wall |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as scratch:
        for size in options.sizes:
            tree = Path(scratch, f"n{size}")
            main_config = generate(tree, size, options.layout)
            figures = measure(tree, main_config, options.repeat)
            command = wall_seconds(lint_command, tree, options.repeat)
            print(
                f"| {size} | {size + 3} | {figures['parse']:.2f} s | {figures['paused']:.2f} s "
                f"| {figures['lint']:.2f} s | {figures['ratio']:.2f}x "
                f"| {1000 * figures['lint'] / size:.2f} ms | {command:.2f} s |"
            )
        small = Path(scratch, "small.conf")
        small.write_text(LAYOUTS[options.layout].format(index=1, port="001", planted=PLANTED))
        single = wall_seconds(lint_command, small, max(5, options.repeat))
        print(f"\nOne small file, `authlint check` wall time with Python's start: {single:.3f} s")


if __name__ == "__main__":
    main()
