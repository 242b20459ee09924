"""Family 3: CORS, and credentials in cross-origin requests."""

from __future__ import annotations

SOURCE_URL = "https://fetch.spec.whatwg.org/#http-cors-protocol"
ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"


def is_cors_header(name: str) -> bool:
    return name.lower().startswith("access-control-")
