"""How the rules that run on Apache say their fixes in its terms, and where httpd documents it."""

from __future__ import annotations

from typing import Final

FIX_HINTS: Final = {
    "AL001": "Fix the syntax at this line; check the whole config with `apachectl configtest`.",
}

REFERENCES: Final = {
    "AL001": "https://httpd.apache.org/docs/2.4/configuring.html#syntax",
}
