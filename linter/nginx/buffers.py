"""The header sizes an nginx scope accepts, from its buffers.

A request header line must fit ``client_header_buffer_size`` or one buffer of
``large_client_header_buffers`` (default 1k, and four of 8k); the upstream's
response header block must fit ``proxy_buffer_size`` (and the fastcgi, uwsgi,
scgi, grpc ones; default one memory page, 4k on x86-64 Linux).

nginx also checks each level's set of upstream buffers as it merges it
(``ngx_http_proxy_merge_loc_conf`` and its fastcgi, uwsgi and scgi twins):
defaults derived from other settings take part, so one size raised alone can
make ``nginx -t`` fail.

On a plain-text address nginx reads a request into the first buffer of the
address's default server, and holds its request line and the header lines
before ``Host`` to that server's large buffers: the server ``Host`` names
takes over from the next line on (``ngx_http_process_host``), and its own
``client_header_buffer_size`` is never used there (``listens``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from authlint.model.scope import ScopeRole
from authlint.model.settings import (
    HeaderLimits,
    IgnoredLimit,
    PartlyAppliedLimit,
    RefusedBuffers,
    Setting,
)
from authlint.nginx import blocks, listens
from authlint.nginx.handlers import MODULE_PREFIX
from authlint.nginx.values import variables_in
from authlint.sizes import parse_number, parse_size

if TYPE_CHECKING:
    from authlint.model.tree import Node
    from authlint.nginx.settings import NginxSettings


_DEFAULT_LARGE_BUFFER = 8192
# One memory page (x86-64 Linux): the default size of each upstream buffer.
_PAGE = 4096
_DEFAULT_BUFFERS = (8, _PAGE)
# nginx's default largest temporary file, 1 GiB.
_DEFAULT_MAX_TEMP_FILE = 1024**3
# The upstream modules with a set of buffers to check (grpc and memcached have
# the header buffer only).
_BUFFERED_MODULES = ("proxy", "fastcgi", "uwsgi", "scgi")
_BUFFER_SETTINGS = frozenset(
    f"{module}_{name}"
    for module in _BUFFERED_MODULES
    for name in (
        "buffer_size",
        "buffers",
        "busy_buffers_size",
        "temp_file_write_size",
        "max_temp_file_size",
    )
)
# Response headers of the auth subrequest named so carry a credential
# (``$upstream_http_x_auth_request_access_token``, ``$upstream_http_set_cookie``).
_CREDENTIAL_HEADER_WORDS = ("authorization", "token", "cookie", "jwt")
_UPSTREAM_HEADER = "upstream_http_"
# ``$upstream_cookie_<name>``: a cookie the answer sets.
_UPSTREAM_COOKIE = "upstream_cookie_"
# Ignored with a warning since nginx 1.19.7.
_OBSOLETE_HTTP2_LIMITS = ("http2_max_field_size", "http2_max_header_size")


@dataclass(frozen=True, slots=True)
class HeaderBuffers:
    """nginx's header buffers in bytes (``None``: a value nginx would refuse)."""

    client_header_buffer_size: Setting[int | None]
    large_client_header_buffers: Setting[tuple[int, int] | None]
    upstream_header_buffer_size: Setting[int | None]


def buffers(settings: NginxSettings) -> HeaderBuffers:
    large = settings.single("large_client_header_buffers")
    large_value: tuple[int, int] | None = (4, _DEFAULT_LARGE_BUFFER)
    if large.origin is not None:
        number, size = parse_number(large.origin.arg(0)), parse_size(large.origin.arg(1))
        large_value = (number, size) if number is not None and size is not None else None
    upstream = settings.upstream
    prefix = MODULE_PREFIX.get(upstream.kind) if upstream is not None else None
    upstream_size: Setting[int | None] = Setting(None)
    if prefix is not None:
        upstream_size = settings.size(f"{prefix}_buffer_size", 4096)
    return HeaderBuffers(
        client_header_buffer_size=settings.size("client_header_buffer_size", 1024),
        large_client_header_buffers=Setting(large_value, large.origin, large.known),
        upstream_header_buffer_size=upstream_size,
    )


def _first_buffer(settings: NginxSettings) -> Setting[int | None]:
    """The first buffer a request to this scope's server is read into: the default
    server's of each plain-text address it listens on, the smallest of them."""
    own = settings.buffers.client_header_buffer_size
    server = settings.scope.enclosing(blocks.SERVER)
    groups = listens.server_groups(server) if server is not None else None
    if server is None or not groups:
        return own
    sizes = []
    for group in groups:
        # On TLS the server SNI names reads the request; an unknown default
        # leaves the server's own, as nginx reads it when it is the default.
        reader = server if group.tls or group.default is None else group.default
        sizes.append(cast("NginxSettings", reader.settings).buffers.client_header_buffer_size)
    return min(sizes, key=lambda size: -1 if size.value is None else size.value)


def header_limits(settings: NginxSettings) -> HeaderLimits:
    """A header line after ``Host`` fits the first buffer or one large buffer, whichever
    is bigger."""
    held = settings.buffers
    first, large = _first_buffer(settings), held.large_client_header_buffers
    line = None
    if first.value is not None and large.value is not None:
        line = max(first.value, large.value[1])
    return HeaderLimits(
        request_line=Setting(line, large.origin, first.known and large.known),
        request_line_default=_DEFAULT_LARGE_BUFFER,
        refusal="400 Request Header Or Cookie Too Large",
        upstream_response=held.upstream_header_buffer_size,
        upstream_response_default=_PAGE,
        upstream_refusal="upstream sent too big header",
    )


def _shown(size: int) -> str:
    """A size as nginx users write it (``16k``, ``1m``, ``1000``)."""
    for unit, scale in (("m", 1024 * 1024), ("k", 1024)):
        if size % scale == 0:
            return f"{size // scale}{unit}"
    return str(size)


@dataclass(frozen=True, slots=True)
class _Buffers:
    """One module's buffer settings in effect at a level, as nginx merges them."""

    module: str
    buffer_size: Setting[str | None]
    buffers: Setting[str | None]
    busy: Setting[str | None]
    write_size: Setting[str | None]
    max_temp: Setting[str | None]

    def read(self, setting: Setting[str | None], default: int) -> int | None:
        """The bytes in effect (``None``: a value nginx refuses on its own)."""
        return default if setting.origin is None else parse_size(setting.origin.arg(0))

    def shown(self, setting: Setting[str | None], name: str, value: str) -> str:
        """A setting as written, or as nginx's default."""
        default = "the default " if setting.origin is None else ""
        return f"{default}`{self.module}_{name} {value}`"


def _buffers_in_effect(settings: NginxSettings, module: str) -> _Buffers:
    return _Buffers(
        module,
        settings.single(f"{module}_buffer_size"),
        settings.single(f"{module}_buffers"),
        settings.single(f"{module}_busy_buffers_size"),
        settings.single(f"{module}_temp_file_write_size"),
        settings.single(f"{module}_max_temp_file_size"),
    )


def _refusal(settings: NginxSettings, module: str) -> RefusedBuffers | None:
    """The first of nginx's checks of ``module``'s buffers that fails here, if any."""
    held = _buffers_in_effect(settings, module)
    buffer_size = held.read(held.buffer_size, _PAGE)
    count, one = _DEFAULT_BUFFERS
    if held.buffers.origin is not None:
        parsed = parse_number(held.buffers.origin.arg(0)), parse_size(held.buffers.origin.arg(1))
        if parsed[0] is None or parsed[1] is None:
            return None
        count, one = parsed[0], parsed[1]
    if buffer_size is None:
        return None
    size = max(buffer_size, one)
    busy = held.read(held.busy, 2 * size)
    write_size = held.read(held.write_size, 2 * size)
    max_temp = held.read(held.max_temp, _DEFAULT_MAX_TEMP_FILE)
    if busy is None or write_size is None or max_temp is None:
        return None
    header = held.shown(held.buffer_size, "buffer_size", _shown(buffer_size))
    buffers = held.shown(held.buffers, "buffers", f"{count} {_shown(one)}")
    larger = f"the larger of {header} and one of {buffers}"
    involved: tuple[Setting[str | None], ...]
    if count < 2:
        involved = (held.buffers,)
        values = f"{buffers} is one buffer"
        error = f'there must be at least 2 "{module}_buffers"'
    elif busy < size:
        involved = (held.busy, held.buffer_size, held.buffers)
        values = f"`{module}_busy_buffers_size {_shown(busy)}` is below {_shown(size)}, {larger}"
        error = (
            f'"{module}_busy_buffers_size" must be equal to or greater than the maximum of '
            f'the value of "{module}_buffer_size" and one of the "{module}_buffers"'
        )
    elif busy > (count - 1) * one:
        limit = _shown((count - 1) * one)
        if held.busy.origin is None:
            involved = (held.buffer_size, held.buffers)
            values = (
                f"`{module}_busy_buffers_size` is {_shown(busy)} by default (twice {larger}), "
                f"more than {limit}, those buffers but one"
            )
        else:
            involved = (held.busy, held.buffers)
            values = (
                f"`{module}_busy_buffers_size {_shown(busy)}` is more than {limit}, "
                f"{buffers} but one buffer"
            )
        error = (
            f'"{module}_busy_buffers_size" must be less than the size of all '
            f'"{module}_buffers" minus one buffer'
        )
    elif write_size < size:
        involved = (held.write_size, held.buffer_size, held.buffers)
        values = (
            f"`{module}_temp_file_write_size {_shown(write_size)}` is below {_shown(size)}, "
            f"{larger}"
        )
        error = (
            f'"{module}_temp_file_write_size" must be equal to or greater than the maximum of '
            f'the value of "{module}_buffer_size" and one of the "{module}_buffers"'
        )
    elif max_temp != 0 and max_temp < size:
        involved = (held.max_temp, held.buffer_size, held.buffers)
        shown = held.shown(held.max_temp, "max_temp_file_size", _shown(max_temp))
        values = f"{shown} is below {_shown(size)}, {larger}"
        error = (
            f'"{module}_max_temp_file_size" must be equal to zero to disable temporary files '
            f"usage or must be equal to or greater than the maximum of the value of "
            f'"{module}_buffer_size" and one of the "{module}_buffers"'
        )
    else:
        return None
    origin = _innermost(settings, [setting.origin for setting in involved])
    known = all(
        setting.known
        for setting in (held.buffer_size, held.buffers, held.busy, held.write_size, held.max_temp)
    )
    return RefusedBuffers(origin, values, error, known) if origin is not None else None


def _innermost(settings: NginxSettings, written: list[Node | None]) -> Node | None:
    """The setting written at the deepest level, the first listed among equals."""
    best: Node | None = None
    best_depth = -1
    for node in written:
        if node is None:
            continue
        level = settings.lookup(node.name).scope
        depth = len(list(level.ancestors())) if level is not None else 0
        if depth > best_depth:
            best, best_depth = node, depth
    return best


def refused_buffers(settings: NginxSettings) -> tuple[RefusedBuffers, ...]:
    """The buffer sets nginx refuses here, one per module at most (its first error)."""
    # nginx checks the values it merges into each server and location, never
    # http's own: a level without servers is never checked.
    scope = settings.scope
    if scope.role is ScopeRole.ROOT:
        return ()
    parent = scope.parent
    # A level that sets none of them merges its parent's values: the same refusals.
    if (
        parent is not None
        and parent.role is not ScopeRole.ROOT
        and not scope.unread
        and _BUFFER_SETTINGS.isdisjoint(scope.own)
    ):
        return cast("NginxSettings", parent.settings).refused_buffers
    # nginx's defaults pass its checks: only a level with settings of its own, or
    # a file not read, can fail them.
    if not any(
        level.unread or not _BUFFER_SETTINGS.isdisjoint(level.own)
        for level in (scope, *scope.ancestors())
    ):
        return ()
    found = (_refusal(settings, module) for module in _BUFFERED_MODULES)
    return tuple(refusal for refusal in found if refusal is not None)


def ignored_limits(settings: NginxSettings) -> tuple[IgnoredLimit, ...]:
    """This level's obsolete HTTP/2 limits, and the buffers nginx applies instead."""
    nodes = [node for name in _OBSOLETE_HTTP2_LIMITS for node in settings.scope.own.get(name, ())]
    if not nodes:
        return ()
    large = settings.buffers.large_client_header_buffers
    # An unread file may set the buffers, and a value nginx refuses has no size.
    in_effect = "the `large_client_header_buffers` in effect apply"
    if large.value is not None and large.known:
        count, size = large.value
        where = f"set at {large.origin.where}" if large.origin is not None else "nginx's default"
        in_effect = (
            f"`large_client_header_buffers {count} {_shown(size)}` ({where}) apply: a header "
            f"field of at most {_shown(size)} as sent (HPACK-encoded), "
            f"{_shown(count * size)} of headers in all"
        )
    return tuple(
        IgnoredLimit(
            node,
            f'the "{node.name}" directive is obsolete, use the '
            f'"large_client_header_buffers" directive instead',
            in_effect,
        )
        for node in nodes
    )


_FIRST_BUFFER = "client_header_buffer_size"
_LARGE_BUFFERS = "large_client_header_buffers"


def partly_applied_limits(settings: NginxSettings) -> tuple[PartlyAppliedLimit, ...]:
    """The request header buffers written in this server that the default server of one
    of its plain-text addresses takes the place of, for all or part of a request."""
    server = settings.scope
    written = [
        node for name in (_FIRST_BUFFER, _LARGE_BUFFERS) for node in server.own.get(name, ())
    ]
    if server.kind != blocks.SERVER or not written:
        return ()
    found = []
    for group in listens.server_groups(server) or ():
        default = group.default
        if group.tls or default is None or default is server:
            continue
        theirs = cast("NginxSettings", default.settings).buffers
        mine = settings.buffers
        for node in written:
            limit = _partly_applied(node, mine, theirs)
            if limit is not None:
                in_effect, applies = limit
                found.append(PartlyAppliedLimit(node, group.address, default, in_effect, applies))
    return tuple(found)


def _partly_applied(
    node: Node, mine: HeaderBuffers, theirs: HeaderBuffers
) -> tuple[str, str] | None:
    """What the default server's buffers do instead of ``node``'s, and what is left of
    it; ``None`` when both are the same or the default's may be set by an unread file."""
    if node.name == _FIRST_BUFFER:
        first = theirs.client_header_buffer_size
        if mine.client_header_buffer_size.origin is not node or not first.known:
            return None
        if first.value is None or first.value == mine.client_header_buffer_size.value:
            return None
        return (
            f"nginx reads each request into a first buffer of its "
            f"`{_FIRST_BUFFER} {_shown(first.value)}` ({_set_at(first.origin)}) before the "
            f"`Host` header chooses a server",
            "this size is never used on that address",
        )
    large = theirs.large_client_header_buffers
    if mine.large_client_header_buffers.origin is not node or not large.known:
        return None
    if large.value is None or large.value == mine.large_client_header_buffers.value:
        return None
    count, size = large.value
    return (
        f"nginx holds the request line and the header lines sent before `Host` to its "
        f"`{_LARGE_BUFFERS} {count} {_shown(size)}` ({_set_at(large.origin)})",
        f"these buffers hold only the lines after `Host`: a line longer than {_shown(size)} "
        f"before it gets `400 Request Header Or Cookie Too Large`, a longer request line "
        f"`414 Request-URI Too Large`",
    )


def _set_at(origin: Node | None) -> str:
    return f"set at {origin.where}" if origin is not None else "nginx's default"


def auth_answer_credentials(settings: NginxSettings) -> tuple[Node, ...]:
    """The ``auth_request_set`` lines in effect here that keep a credential header of the
    auth subrequest's answer."""
    return tuple(
        node
        for node in settings.lookup("auth_request_set").nodes
        if any(_credential_header(name) for name in variables_in(node.arg(1)))
    )


def _credential_header(variable: str) -> bool:
    if variable.startswith(_UPSTREAM_COOKIE):
        return True
    header = variable.removeprefix(_UPSTREAM_HEADER)
    return header != variable and any(word in header for word in _CREDENTIAL_HEADER_WORDS)
