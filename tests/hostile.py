"""Hostile inputs of issue 9, shared by the tests and the benchmark (bench_hostile.py)."""

from __future__ import annotations

# AL102 fires on line 3 whenever this file is linted: a file beside a hostile
# one shows that the rest of the tree was still linted.
CANARY = """\
server {
    location / {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9000;
    }
}
"""


def include_bomb(levels: int) -> dict[str, str]:
    """Files that each include the next one twice: nginx would read 2**levels copies."""
    files = {
        f"bomb/{level:02d}.conf": f"include bomb/{level + 1:02d}.conf;\n" * 2
        for level in range(levels)
    }
    files[f"bomb/{levels:02d}.conf"] = "proxy_set_header X-Depth deep;\n"
    files["nginx.conf"] = (
        "events {}\nhttp {\n    server {\n        location / {\n"
        "            include bomb/00.conf;\n            proxy_pass http://127.0.0.1:9000;\n"
        "        }\n    }\n}\n"
    )
    return files


def slow_allow_list(regexes: int) -> str:
    """A CORS allow-list `map` of regexes that backtrack without end, with credentials."""
    keys = "".join(
        f'    "~^https://(.*a){{{16 + index % 8}}}\\.x{index}\\.net$" $http_origin;\n'
        for index in range(regexes)
    )
    return (
        f"map $http_origin $cors {{\n{keys}}}\n"
        "server {\n    listen 80;\n    location / {\n"
        "        add_header Access-Control-Allow-Origin $cors always;\n"
        "        add_header Access-Control-Allow-Credentials true always;\n"
        "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
    )


def dump(files: dict[str, str]) -> str:
    """``files`` as `nginx -T` prints them, ``nginx.conf`` first, under /etc/nginx."""
    ordered = sorted(files.items(), key=lambda item: item[0] != "nginx.conf")
    return "".join(f"# configuration file /etc/nginx/{name}:\n{text}\n" for name, text in ordered)
