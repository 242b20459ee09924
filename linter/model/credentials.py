"""Which request headers carry a credential, in every format's terms."""

from __future__ import annotations

# Request headers named so carry a credential (`Authorization` among them).
_CREDENTIAL_WORDS = ("auth", "token", "api_key", "apikey", "session")


def is_credential_header(name: str) -> bool:
    """Whether a request header (as written, any case, ``-`` or ``_``) carries a
    credential: ``Cookie``, ``Authorization``, a token or API key, a session."""
    lowered = name.lower().replace("-", "_")
    return lowered == "cookie" or any(word in lowered for word in _CREDENTIAL_WORDS)
