"""How the rules that run on Apache say their fixes in its terms, and where httpd documents it."""

from __future__ import annotations

from typing import Final

FIX_HINTS: Final = {
    "AL001": "Fix the syntax at this line; check the whole config with `apachectl configtest`.",
    "AL102": (
        "Add `CGIPassAuth On` where the script's folder or files are configured (httpd 2.4.13 "
        "and later), or drop the `RequestHeader unset Authorization` if Apache does not "
        "authenticate here."
    ),
    "AL103": (
        "Drop the fixed `RequestHeader set Authorization` so the client's header passes, or "
        "authenticate the client in Apache first and keep the credential out of the config."
    ),
    "AL104": "Add `RequestHeader unset Authorization` next to the `ProxyPass` that Basic protects.",
    "AL201": (
        "Write the `Require` rule the area needs (`Require valid-user`, or the users or groups "
        "it is for) in the section that sets `AuthType`."
    ),
    "AL202": (
        "List the outer users in the inner `AuthUserFile` too (or use one file), or keep the "
        "narrower file and say so in a comment."
    ),
    "AL204": (
        "Keep the `AuthType`, `AuthUserFile` and `Require` lines in one host (usually the "
        "front), or point both hosts' `AuthUserFile` at one file."
    ),
    "AL501": (
        "Set `LimitRequestFieldSize 16384` (or larger, in plain bytes: `16k` reads as 16) in the "
        "main server, or in the default (first) virtual host of the address."
    ),
    "AL505": (
        "Set the limit in the main server, so that every virtual host has it, or the same limit "
        "in the default (first) virtual host of the address too."
    ),
    "AL203": (
        "Open the path and what is below it with a prefix section (`<Location /hooks>`), not a "
        "`<LocationMatch>` anchored at both ends."
    ),
    "AL305": (
        "Set the CORS headers with `Header always set`; where a backend behind `ProxyPass` "
        "sends them too, add `Header onsuccess unset` of each, or it gets two."
    ),
    "AL306": (
        "Keep `OPTIONS` out of the check: put the `Require` lines in `<LimitExcept OPTIONS>`, "
        "or answer preflights before authentication."
    ),
    "AL409": (
        "Add `CacheQuickHandler Off` to the server or virtual host, so that the cache runs "
        "after the `Require` checks, or `CacheDisable` the restricted URL there (a "
        "`CacheDisable on` inside its `<Location>` is not read by the quick handler); pages "
        "that differ by user also need `Cache-Control: private` from the backend."
    ),
    "AL410": (
        "Add `CacheIgnoreHeaders Set-Cookie` to the server or virtual host (it is refused in "
        "sections), so that cached copies go out without the first visitor's cookie."
    ),
    "AL411": (
        "Remove `CacheStorePrivate On` / `CacheStoreNoStore On` (both are Off by default), "
        "or keep the user's pages out of the cache with `CacheDisable`."
    ),
    "AL308": (
        "Set each CORS header once, with `Header set` in one table (not `add`, not both "
        "`always` and onsuccess); where the backend sends it too, replace it with `Header set` "
        "or drop it with `Header onsuccess unset`."
    ),
    "AL309": (
        "Add `Header merge Vary Origin` (`Header always merge Vary Origin` beside an `always` "
        "header) where `Access-Control-Allow-Origin` changes with the caller."
    ),
    "AL407": (
        'Send `Header set Cache-Control "private"` (or `no-store`) on authenticated '
        "answers, and keep `public`, `s-maxage` and `must-revalidate` off them."
    ),
    "AL601": (
        "Move the file out of the `DocumentRoot` and every `Alias` folder (e.g. "
        '`/etc/apache2/.htpasswd`), or refuse it: `<Files ".ht*"> Require all denied </Files>`.'
    ),
    "AL602": (
        "In the plain-HTTP `<VirtualHost>`, write `Redirect permanent / https://<name>/` "
        "and keep the `Auth*` lines in the host with `SSLEngine on`."
    ),
    "AL603": (
        "Replace `Require all granted` (`Allow from all`) with `Require ip` of the networks "
        "meant to skip the password, or put the rules in `<RequireAll>` so both must pass."
    ),
}

REFERENCES: Final = {
    "AL001": "https://httpd.apache.org/docs/2.4/configuring.html#syntax",
    "AL102": "https://httpd.apache.org/docs/2.4/mod/core.html#cgipassauth",
    "AL103": "https://httpd.apache.org/docs/2.4/mod/mod_headers.html#requestheader",
    "AL104": "https://httpd.apache.org/docs/2.4/mod/mod_headers.html#requestheader",
    "AL201": "https://httpd.apache.org/docs/2.4/mod/mod_authz_core.html#require",
    "AL202": "https://httpd.apache.org/docs/2.4/mod/mod_authz_core.html#authmerging",
    "AL204": "https://httpd.apache.org/docs/2.4/mod/mod_authn_file.html#authuserfile",
    "AL409": "https://httpd.apache.org/docs/2.4/mod/mod_cache.html#cachequickhandler",
    "AL410": "https://httpd.apache.org/docs/2.4/mod/mod_cache.html#cacheignoreheaders",
    "AL411": "https://httpd.apache.org/docs/2.4/mod/mod_cache.html#cachestoreprivate",
    "AL501": "https://httpd.apache.org/docs/2.4/mod/core.html#limitrequestfieldsize",
    "AL505": "https://httpd.apache.org/docs/2.4/vhosts/details.html",
    "AL203": "https://httpd.apache.org/docs/2.4/mod/core.html#locationmatch",
    "AL305": "https://httpd.apache.org/docs/2.4/mod/mod_headers.html#header",
    "AL308": "https://httpd.apache.org/docs/2.4/mod/mod_headers.html#header",
    "AL309": "https://httpd.apache.org/docs/2.4/mod/mod_headers.html#header",
    "AL407": "https://httpd.apache.org/docs/2.4/mod/mod_expires.html",
    "AL601": "https://httpd.apache.org/docs/2.4/mod/mod_authn_file.html#authuserfile",
    "AL602": "https://httpd.apache.org/docs/2.4/mod/mod_auth_basic.html",
    "AL603": "https://httpd.apache.org/docs/2.4/mod/mod_authz_core.html#requireany",
}
