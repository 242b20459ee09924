"""How nginx reads argument values: variables (sizes: ``authlint.sizes``)."""

from __future__ import annotations

import re

# A variable in a value: ``$name`` or ``${name}`` (the name in group 1 or 2).
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def variables_in(text: str) -> list[str]:
    """The variable names (lower case, without ``$``) a value refers to."""
    return [(braced or bare).lower() for braced, bare in VARIABLE.findall(text)]


def only_variable(text: str) -> str | None:
    """The variable's name when the whole value is one variable (``$x`` or ``${x}``)."""
    match = VARIABLE.fullmatch(text.strip())
    if match is None:
        return None
    return (match.group(1) or match.group(2)).lower()


# Variables nginx (and the modules of common builds) define itself
# (DOC: the "Embedded Variables" of each module).
_BUILTIN_VARIABLES = frozenset(
    {
        "args",
        "binary_remote_addr",
        "body_bytes_sent",
        "bytes_sent",
        "connection",
        "connection_requests",
        "connection_time",
        "content_length",
        "content_type",
        "document_root",
        "document_uri",
        "host",
        "hostname",
        "https",
        "is_args",
        "limit_rate",
        "msec",
        "nginx_version",
        "pid",
        "pipe",
        "proxy_protocol_addr",
        "proxy_protocol_port",
        "proxy_protocol_server_addr",
        "proxy_protocol_server_port",
        "query_string",
        "realpath_root",
        "remote_addr",
        "remote_port",
        "remote_user",
        "request",
        "request_body",
        "request_body_file",
        "request_completion",
        "request_filename",
        "request_id",
        "request_length",
        "request_method",
        "request_time",
        "request_uri",
        "scheme",
        "server_addr",
        "server_name",
        "server_port",
        "server_protocol",
        "status",
        "time_iso8601",
        "time_local",
        "uri",
        "proxy_host",
        "proxy_port",
        "proxy_add_x_forwarded_for",
        "fastcgi_script_name",
        "fastcgi_path_info",
        "realip_remote_addr",
        "realip_remote_port",
        "gzip_ratio",
        "invalid_referer",
        "secure_link",
        "secure_link_expires",
        "date_local",
        "date_gmt",
        "http2",
        "auth_basic_user",
        "modern_browser",
        "ancient_browser",
        "msie",
    }
)
_BUILTIN_PREFIXES = (
    "arg_",
    "cookie_",
    "http_",
    "sent_http_",
    "sent_trailer_",
    "upstream_",
    "ssl_",
    "jwt_",
    "geoip_",
    "geoip2_",
    "limit_",
    "tcpinfo_",
    "proxy_protocol_tlv_",
    "slice_",
    "memcached_",
    "uid_",
    "spdy",
    "invalid_",
)


def is_builtin_variable(name: str) -> bool:
    """A variable nginx defines itself (``$host``, ``$http_x``, ``$1``)."""
    return name in _BUILTIN_VARIABLES or name.startswith(_BUILTIN_PREFIXES) or name.isdigit()
