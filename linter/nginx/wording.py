"""What authlint tells an nginx user: each rule's fix in nginx's terms, and nginx's docs.

A hint may hold ``{fields}`` that the rule fills from the model
(:meth:`authlint.rule.Rule.finding`).
"""

from __future__ import annotations

from typing import Final

_DOCS = "https://nginx.org/en/docs"
_PROXY = f"{_DOCS}/http/ngx_http_proxy_module.html"
_HEADERS = f"{_DOCS}/http/ngx_http_headers_module.html#add_header"
_CONF_STRUCTURE = f"{_DOCS}/beginners_guide.html#conf_structure"
_INCLUDE = f"{_DOCS}/ngx_core_module.html#include"
_AUTH_BASIC = f"{_DOCS}/http/ngx_http_auth_basic_module.html"

FIX_HINTS: Final = {
    "AL001": "Fix the syntax at this line; check the whole config with `nginx -t`.",
    "AL003": (
        "Add the file to the tree, or map its prefix with "
        "`--include-map /etc/nginx=DIR` so that authlint can read it."
    ),
    "AL007": (
        "Lint what is deployed: the filled-in copy, or the rendered config "
        "(`nginx -T | authlint check -`)."
    ),
    "AL101": (
        "Repeat the Authorization line at this level, or keep every `proxy_set_header` "
        "of the server in one include used at each level."
    ),
    "AL102": (
        "Remove the line that strips Authorization, or authenticate in nginx "
        "(`auth_basic`, `auth_request`) if the upstream must not see it."
    ),
    "AL103": (
        "Drop the fixed Authorization line so the client's header passes, or authenticate "
        "the client in nginx first (`auth_request`) and keep the service credential out of "
        "the config file."
    ),
    "AL104": 'Add `proxy_set_header Authorization "";` at this level (with its other headers).',
    "AL201": (
        "Add `auth_basic_user_file /etc/nginx/htpasswd;` at this level or an outer one, or "
        "`auth_basic off;` if nothing is to be protected."
    ),
    "AL202": (
        "If the outer file's users must get in here too, list them in this file (or name "
        "one file at both levels); if this area is meant for fewer users, say so in a comment."
    ),
    "AL203": (
        "Write the exemption as a prefix location (`location {path} { auth_basic off; ... }`) "
        "so that it covers the paths below `{path}` too; where a regex location answers them, "
        "turn Basic auth off there as well."
    ),
    "AL301": "Answer with the caller's origin from an allow-list (a `map` with an empty default).",
    "AL302": (
        "Echo only allowed origins: a `map $http_origin` with exact or anchored keys and an "
        "empty default."
    ),
    "AL305": "Add `always` to the CORS `add_header` lines.",
    "AL306": (
        "Answer `OPTIONS` before authentication: `if ($request_method = OPTIONS) { return 204; }`."
    ),
    "AL307": (
        "Repeat the CORS `add_header` lines at this level, or keep every `add_header` in one "
        "include used at each level."
    ),
    "AL308": (
        "Set each CORS header once: drop one `add_header`, or `proxy_hide_header` the one "
        "the upstream sends."
    ),
    "AL309": "Add `add_header Vary Origin;` next to the dynamic `Access-Control-Allow-Origin`.",
    "AL401": (
        "Put the credential in the cache key (`$cookie_session`, `$http_authorization`), or "
        "skip the cache for it with both `proxy_cache_bypass` and `proxy_no_cache`."
    ),
    "AL402": "Add `{skip_store_setting} {conditions};` next to it.",
    "AL403": (
        "List the statuses to cache (`200 301 302`, `404`) instead of `any`; never 401 or 403."
    ),
    "AL404": (
        "Stop ignoring them, or skip the cache for requests with credentials "
        "(`proxy_cache_bypass` and `proxy_no_cache` on the cookie and Authorization)."
    ),
    "AL405": "Add `{key_setting} $scheme$request_method$host$request_uri;`.",
    "AL406": (
        "Key the auth cache on the credential: `proxy_cache_key $http_authorization$cookie_sid;`."
    ),
    "AL408": (
        "Check the password before the cache is read (`auth_basic` with "
        "`auth_basic_user_file`, under `satisfy all`), or key on the credential itself "
        "(`$http_authorization`, the session cookie) or on what `auth_request_set` stored."
    ),
    "AL501": "Set `large_client_header_buffers 4 16k;` (or larger) in this server or in `http`.",
    "AL502": (
        "Set the buffers and the busy size with the buffer size, at the same level: the busy "
        "size at least the larger buffer and at most all buffers but one (for a "
        "proxy: `proxy_buffer_size 16k; proxy_buffers 8 16k; proxy_busy_buffers_size 32k;`)."
    ),
    "AL503": (
        "Remove the line; for long tokens over HTTP/2 set `large_client_header_buffers 4 16k;` "
        "in `http` or the default server."
    ),
    "AL504": (
        "In the auth location, set `proxy_buffer_size 16k;` with `proxy_buffers 8 16k;` "
        "(or the fastcgi, uwsgi, scgi, grpc ones its upstream uses)."
    ),
    "AL505": (
        "Set the header buffers in `http`, so that every server of the address has them, or "
        "the same ones in its default server too."
    ),
    "AL601": (
        "Move the file out of every `root` and `alias` folder (e.g. `/etc/nginx/htpasswd`), "
        "or add `location ~ /\\.ht { deny all; }` for such names."
    ),
    "AL602": (
        "Make the plain-HTTP server answer every request with "
        "`return 301 https://$host$request_uri;`, and keep the protected locations in the TLS "
        "server."
    ),
    "AL603": (
        "Replace `allow all` with the networks meant to skip the password (then `deny all`), "
        "or drop `satisfy any` so that both must pass."
    ),
}

REFERENCES: Final = {
    "AL001": _CONF_STRUCTURE,
    "AL002": _INCLUDE,
    "AL003": _INCLUDE,
    "AL004": _INCLUDE,
    "AL007": _CONF_STRUCTURE,
    "AL101": f"{_PROXY}#proxy_set_header",
    "AL102": f"{_PROXY}#proxy_set_header",
    "AL103": f"{_PROXY}#proxy_set_header",
    "AL104": f"{_DOCS}/http/ngx_http_auth_basic_module.html",
    "AL201": f"{_AUTH_BASIC}#auth_basic_user_file",
    "AL202": f"{_AUTH_BASIC}#auth_basic_user_file",
    "AL204": f"{_AUTH_BASIC}#auth_basic_user_file",
    "AL203": f"{_DOCS}/http/ngx_http_core_module.html#location",
    "AL305": _HEADERS,
    "AL307": _HEADERS,
    "AL401": f"{_PROXY}#proxy_cache",
    "AL402": f"{_PROXY}#proxy_no_cache",
    "AL403": f"{_PROXY}#proxy_cache_valid",
    "AL404": f"{_PROXY}#proxy_ignore_headers",
    "AL405": f"{_DOCS}/http/ngx_http_fastcgi_module.html#fastcgi_cache_key",
    "AL406": f"{_DOCS}/http/ngx_http_auth_request_module.html",
    "AL408": f"{_PROXY}#proxy_cache_key",
    "AL501": f"{_DOCS}/http/ngx_http_core_module.html#large_client_header_buffers",
    "AL502": f"{_PROXY}#proxy_busy_buffers_size",
    "AL503": f"{_DOCS}/http/ngx_http_v2_module.html#http2_max_field_size",
    "AL504": f"{_PROXY}#proxy_buffer_size",
    "AL505": f"{_DOCS}/http/ngx_http_core_module.html#large_client_header_buffers",
    "AL601": f"{_AUTH_BASIC}#auth_basic_user_file",
    "AL602": f"{_DOCS}/http/configuring_https_servers.html",
    "AL603": f"{_DOCS}/http/ngx_http_core_module.html#satisfy",
}
