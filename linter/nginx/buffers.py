"""The header sizes an nginx scope accepts, from its buffers.

A request header line must fit ``client_header_buffer_size`` or one buffer of
``large_client_header_buffers`` (default 1k, and four of 8k); the upstream's
response header block must fit ``proxy_buffer_size`` (and the fastcgi, uwsgi,
scgi, grpc ones; default one memory page, 4k on x86-64 Linux).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlint.model.settings import HeaderLimits, Setting
from authlint.nginx.handlers import MODULE_PREFIX
from authlint.sizes import parse_number, parse_size

if TYPE_CHECKING:
    from authlint.nginx.settings import NginxSettings


_DEFAULT_LARGE_BUFFER = 8192


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


def header_limits(settings: NginxSettings) -> HeaderLimits:
    """A header line fits the first buffer or one large buffer, whichever is bigger."""
    held = settings.buffers
    first, large = held.client_header_buffer_size, held.large_client_header_buffers
    line = None
    if first.value is not None and large.value is not None:
        line = max(first.value, large.value[1])
    return HeaderLimits(
        request_line=Setting(line, large.origin, first.known and large.known),
        request_line_default=_DEFAULT_LARGE_BUFFER,
        refusal="400 Request Header Or Cookie Too Large",
        upstream_response=held.upstream_header_buffer_size,
    )
