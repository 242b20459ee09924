"""What the sniffers of every format share: a file's first bytes as text, and the
Apache sections that tell an Apache file from any other."""

from __future__ import annotations

import re

SNIFF_BYTES = 16384
# Byte-order marks and the codecs that read past them, longest mark first
# (UTF-32 LE begins as UTF-16 LE does).
_MARKED_CODECS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
)

# Sections only Apache writes: a file that holds one is no other format's.
_APACHE_SECTION = re.compile(
    r"^[ \t]*</?(?:VirtualHost|Directory|DirectoryMatch|Location|LocationMatch|Files|FilesMatch"
    r"|IfModule|IfDefine|IfVersion|Proxy|ProxyMatch|Macro|RequireAll|RequireAny|Limit|LimitExcept)"
    r"[\s>]",
    re.IGNORECASE | re.MULTILINE,
)


def marked_codec(data: bytes) -> str | None:
    """The codec that a byte-order mark at the start of ``data`` names, if any."""
    return next((codec for mark, codec in _MARKED_CODECS if data.startswith(mark)), None)


def sniffed_text(head: bytes) -> tuple[str, bool]:
    """The text of a file's first bytes, and whether those bytes are binary to a server.

    Text after a byte-order mark is decoded by it, and so is UTF-16 without
    one (NUL bytes on every other byte), so that a config saved in another
    encoding is still recognised (and then reported, as the server cannot
    read it). Any other NUL byte makes the bytes binary; their text is then no
    config.
    """
    codec = marked_codec(head)
    if codec is not None:
        return head.decode(codec, errors="replace"), codec != "utf-8-sig"
    if b"\0" not in head:
        return head.decode("utf-8", errors="replace"), False
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if max(even, odd) * 4 >= len(head) and min(even, odd) == 0:
        return head.decode("utf-16-le" if odd else "utf-16-be", errors="replace"), True
    return "", True


def looks_like_apache(text: str) -> bool:
    """Whether text holds an Apache section (``<VirtualHost>``, ``<Directory>``, ...)."""
    return _APACHE_SECTION.search(text[:SNIFF_BYTES]) is not None
