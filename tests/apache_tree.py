"""Generated Apache httpd trees in Debian's layout, as users write them, and httpd's own check.

:func:`generate` writes, under a folder, what a Debian server holds:
``apache2/`` (the ``ServerRoot``: ``apache2.conf``, ``envvars``, ``ports.conf``,
``mods-enabled/`` with the ``.load`` and ``.conf`` files of the modules the
sites use, ``conf-enabled/`` snippets and one file a virtual host in
``sites-enabled/``), ``www/`` (each site's ``DocumentRoot``, holding one to
three ``.htaccess`` files), ``htpasswd/`` (the ``AuthUserFile``s) and the
folders ``envvars`` names. Which sites have HTTPS, a cache, raised header
limits and how many ``.htaccess`` files is drawn from a seeded generator, so
a tree is the same on every run; every ``plant_every``-th site carries a
planted problem, and the tree says in which file and at which line.

:func:`httpd_check` runs ``apache2 -t`` on such a tree as Debian's
``apache2ctl`` would (``ServerRoot`` by ``-d``, the config by ``-f``, the
``envvars`` in the environment), after giving it the certificate its HTTPS
sites name (``-t`` refuses a ``SSLCertificateFile`` that does not exist).
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
from base64 import b64encode
from dataclasses import dataclass, field
from pathlib import Path

from apache_httpd import APACHE2, MODULES

from browser import certificate

# Modules a Debian server enables by default, and those the sites use. Sorted
# as the glob of `IncludeOptional mods-enabled/*.load` reads them: a module
# before those that build on it (proxy before proxy_fcgi, cache before
# cache_disk).
MODULES_ENABLED = (
    "access_compat",
    "alias",
    "auth_basic",
    "authn_core",
    "authn_file",
    "authz_core",
    "authz_host",
    "authz_user",
    "autoindex",
    "cache",
    "cache_disk",
    "deflate",
    "dir",
    "env",
    "filter",
    "headers",
    "mime",
    "mpm_event",
    "negotiation",
    "proxy",
    "proxy_fcgi",
    "proxy_http",
    "reqtimeout",
    "rewrite",
    "setenvif",
    "socache_shmcb",
    "ssl",
    "status",
)
# The settings in a module's .conf beside its .load, for the modules that have one.
MODULE_TEXTS = {
    "alias": 'Alias /icons/ "/usr/share/apache2/icons/"\n'
    '<Directory "/usr/share/apache2/icons">\n'
    "\tOptions FollowSymlinks\n\tAllowOverride None\n\tRequire all granted\n</Directory>\n",
    "autoindex": "IndexOptions FancyIndexing VersionSort HTMLTable NameWidth=*\n"
    "IndexIgnore .??* *~ *# RCS CVS *,v *,t\n",
    "cache_disk": "CacheRoot ${APACHE_CACHE_DIR}\nCacheDirLevels 2\nCacheDirLength 1\n",
    "deflate": "<IfModule mod_filter.c>\n"
    "\tAddOutputFilterByType DEFLATE text/html text/plain text/css application/json\n"
    "</IfModule>\n",
    "dir": "DirectoryIndex index.html index.php\n",
    "mime": "TypesConfig /etc/mime.types\nAddType application/x-gzip .gz .tgz\n"
    "AddCharset UTF-8 .utf8\n",
    "mpm_event": "StartServers 2\nMinSpareThreads 25\nMaxSpareThreads 75\n"
    "ThreadsPerChild 25\nMaxRequestWorkers 150\nMaxConnectionsPerChild 0\n",
    "negotiation": "LanguagePriority en de fr\nForceLanguagePriority Prefer Fallback\n",
    "proxy": "ProxyRequests Off\nProxyTimeout 60\n",
    "reqtimeout": "RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500\n",
    "setenvif": 'BrowserMatch "^Mozilla/2" nokeepalive\n'
    'BrowserMatch "Konqueror/4" redirect-carefully\n',
    "ssl": "SSLRandomSeed startup builtin\nSSLRandomSeed connect builtin\n"
    "SSLSessionCache shmcb:${APACHE_RUN_DIR}/ssl_scache(512000)\n"
    "SSLSessionCacheTimeout 300\nSSLProtocol -all +TLSv1.2 +TLSv1.3\n"
    "SSLHonorCipherOrder off\n",
    "status": "<Location /server-status>\n\tSetHandler server-status\n\tRequire local\n"
    "</Location>\nExtendedStatus On\n",
}
APACHE2_CONF = """\
# The main server's configuration; what varies by site is in sites-enabled/.
DefaultRuntimeDir ${{APACHE_RUN_DIR}}
PidFile ${{APACHE_PID_FILE}}
Mutex file:${{APACHE_LOCK_DIR}} default
Timeout 300
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
User ${{APACHE_RUN_USER}}
Group ${{APACHE_RUN_GROUP}}
HostnameLookups Off
ErrorLog ${{APACHE_LOG_DIR}}/error.log
LogLevel warn

IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf
Include ports.conf

# Every site lives under one folder.
Define SITES_ROOT {www}

<Directory />
\tOptions FollowSymLinks
\tAllowOverride None
\tRequire all denied
</Directory>

<Directory ${{SITES_ROOT}}/>
\tOptions Indexes FollowSymLinks
\tAllowOverride None
\tRequire all granted
</Directory>

AccessFileName .htaccess
<FilesMatch "^\\.ht">
\tRequire all denied
</FilesMatch>

LogFormat "%v:%p %h %l %u %t \\"%r\\" %>s %O \\"%{{User-Agent}}i\\"" vhost_combined
LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{{Referer}}i\\" \\"%{{User-Agent}}i\\"" combined
LogFormat "%h %l %u %t \\"%r\\" %>s %O" common

IncludeOptional conf-enabled/*.conf
IncludeOptional sites-enabled/*.conf
"""
PORTS_CONF = """\
Listen 80

<IfModule ssl_module>
\tListen 443
</IfModule>
"""
CONF_ENABLED = {
    "charset.conf": "AddDefaultCharset UTF-8\n",
    "other-vhosts-access-log.conf": (
        "CustomLog ${APACHE_LOG_DIR}/other_vhosts_access.log vhost_combined\n"
    ),
    "security.conf": "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\n",
    "security-headers.conf": (
        "<IfModule mod_headers.c>\n"
        "\tHeader always set X-Content-Type-Options nosniff\n"
        "\tHeader always set X-Frame-Options SAMEORIGIN\n"
        "\tHeader always set Referrer-Policy strict-origin-when-cross-origin\n"
        "</IfModule>\n"
    ),
}
# What a site's virtual host holds, on whichever port it serves.
SITE = """\
\tServerName {name}
\tServerAlias www.{name}
\tServerAdmin webmaster@{name}
\tDocumentRoot ${{SITES_ROOT}}/{site}/public
\tErrorLog ${{APACHE_LOG_DIR}}/{site}-error.log
\tCustomLog ${{APACHE_LOG_DIR}}/{site}-access.log combined

\t<Directory ${{SITES_ROOT}}/{site}/public>
\t\tOptions FollowSymLinks
\t\tAllowOverride All
\t\tRequire all granted
\t</Directory>

\t# The search service answers under /search/, with the caller's token.
\tProxyPreserveHost On
\tProxyPass /search/ http://127.0.0.1:{search_port}/
\tProxyPassReverse /search/ http://127.0.0.1:{search_port}/
\t<Location /search/>
\t\tRequestHeader set X-Forwarded-Proto "{scheme}"
\t\tRequestHeader set X-Request-Start "t=%t"
\t</Location>
{extras}"""
CACHE = """
\t<IfModule mod_cache_disk.c>
\t\tCacheQuickHandler off
\t\tCacheEnable disk /blog/
\t\tCacheIgnoreHeaders Set-Cookie
\t\tCacheDefaultExpire 600
\t</IfModule>
"""
# Single sign-on cookies and tokens outgrow the 8 KiB default.
LIMITS = """
\tLimitRequestFieldSize 16380
\tLimitRequestLine 16380
"""
PLAIN_VHOST = "<VirtualHost *:80>\n{site}</VirtualHost>\n"
TLS_VHOSTS = """\
<VirtualHost *:80>
\tServerName {name}
\tServerAlias www.{name}
\tRedirect permanent / https://{name}/
</VirtualHost>

<IfModule mod_ssl.c>
<VirtualHost *:443>
{site}
\tSSLEngine on
\tSSLCertificateFile {tls}/example.com.crt
\tSSLCertificateKeyFile {tls}/example.com.key
\tHeader always set Strict-Transport-Security "max-age=63072000"
</VirtualHost>
</IfModule>
"""
# The document root's own file: a PHP front controller through PHP-FPM, with
# the client's Authorization handed to PHP ({credentials}).
FRONT_CONTROLLER = """\
# Every path that is no file goes to the front controller.
Options -MultiViews -Indexes
DirectoryIndex index.php
<IfModule mod_rewrite.c>
    RewriteEngine On
    RewriteBase /
    RewriteCond %{{REQUEST_FILENAME}} !-f
    RewriteCond %{{REQUEST_FILENAME}} !-d
    RewriteRule ^ index.php [QSA,L]
</IfModule>
{credentials}
<FilesMatch \\.php$>
    SetHandler "proxy:fcgi://127.0.0.1:{fpm_port}"
</FilesMatch>
"""
# The two ways users hand Authorization to PHP behind mod_proxy_fcgi.
CREDENTIALS = (
    "CGIPassAuth On\n",
    'SetEnvIf Authorization "(.+)" HTTP_AUTHORIZATION=$1\n',
)
# The API's folder: CORS with credentials for the site's own apps ({always}:
# also on httpd's own 401 and 403).
CORS = """\
# The site's apps call the API from their own origins, with cookies.
SetEnvIf Origin "^https://(app|admin)\\.{name_pattern}$" CORS_ORIGIN=$0
Header {always}set Access-Control-Allow-Origin "%{{CORS_ORIGIN}}e" env=CORS_ORIGIN
Header {always}set Access-Control-Allow-Credentials "true" env=CORS_ORIGIN
Header always set Access-Control-Allow-Headers "Authorization, Content-Type" env=CORS_ORIGIN
Header always merge Vary Origin
RewriteEngine On
RewriteCond %{{REQUEST_METHOD}} OPTIONS
RewriteRule ^ - [R=204,L]
"""
BASIC_AUTH = """\
AuthType Basic
AuthName "{realm}"
AuthBasicProvider file
AuthUserFile {user_file}
Require valid-user
"""
# The planted problems, one every `plant_every` sites, in this order.
PHP_WITHOUT_CREDENTIALS = "php-fpm without CGIPassAuth"
CORS_WITHOUT_ALWAYS = "CORS Header set without always"
ANOTHER_REALM = "Basic auth again with another realm"
PLANTED_KINDS = (PHP_WITHOUT_CREDENTIALS, CORS_WITHOUT_ALWAYS, ANOTHER_REALM)


@dataclass(frozen=True)
class Planted:
    """A planted problem: its kind, the file and line that show it, and the directive
    (lower case, as httpd matches it) on that line."""

    kind: str
    path: Path
    line: int
    directive: str


@dataclass
class ApacheTree:
    """A generated tree: its folder, ``ServerRoot`` and main config, its sites' names
    (and those served over HTTPS), every Apache file (what httpd or authlint may read),
    the ``.htaccess`` files among them, the planted problems, and the variables
    ``envvars`` exports."""

    root: Path
    server_root: Path
    config: Path
    sites: list[str] = field(default_factory=list)
    https_sites: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    htaccess: list[Path] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    envvars: dict[str, str] = field(default_factory=dict)

    def write(self, path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if path.name == ".htaccess":
            self.htaccess.append(path)
        return path

    def apache_file(self, path: Path, text: str) -> None:
        self.files.append(self.write(path, text))

    def plant(self, kind: str, path: Path, needle: str) -> None:
        """Record that ``kind`` shows at the line of ``path`` whose text starts with ``needle``."""
        lines = path.read_text().splitlines()
        line = next(n for n, text in enumerate(lines, 1) if text.lstrip().startswith(needle))
        self.planted.append(Planted(kind, path, line, needle.split()[0].lower()))


def _user_file(tree: ApacheTree, name: str) -> Path:
    # A {SHA} entry: htpasswd -s, which httpd reads on every platform.
    digest = b64encode(hashlib.sha1(f"{name}-secret".encode()).digest()).decode()
    return tree.write(tree.root / "htpasswd" / name, f"admin:{{SHA}}{digest}\n")


def _site(tree: ApacheTree, index: int, chooser: random.Random, plant_every: int) -> None:
    site = f"s{index:05d}"
    name = f"{site}.example.com"
    tls = chooser.random() < 0.4
    extras = (CACHE if chooser.random() < 0.2 else "") + (LIMITS if chooser.random() < 0.15 else "")
    folders = chooser.randint(1, 3)
    credentials = chooser.choice(CREDENTIALS)
    planted = PLANTED_KINDS[index // plant_every % 3] if index % plant_every == 0 else None
    body = SITE.format(
        name=name,
        site=site,
        search_port=20000 + index,
        scheme="https" if tls else "http",
        extras=extras,
    )
    vhost = (
        TLS_VHOSTS.format(name=name, site=body, tls=tree.root / "ssl")
        if tls
        else PLAIN_VHOST.format(site=body)
    )
    tree.apache_file(tree.server_root / "sites-enabled" / f"{site}.conf", vhost)
    tree.sites.append(name)
    if tls:
        tree.https_sites.append(name)

    public = tree.root / "www" / site / "public"
    front = FRONT_CONTROLLER.format(
        credentials="" if planted == PHP_WITHOUT_CREDENTIALS else credentials,
        fpm_port=9000 + index % 100,
    )
    tree.apache_file(public / ".htaccess", front)
    if planted == PHP_WITHOUT_CREDENTIALS:
        tree.plant(planted, public / ".htaccess", "SetHandler")
    # The API's folder, and the admin's; a child of the admin's shows another realm,
    # in place of the API's (one to three .htaccess files a site).
    api = planted == CORS_WITHOUT_ALWAYS or (folders >= 2 and planted != ANOTHER_REALM)
    admin = planted == ANOTHER_REALM or folders == 3
    if api:
        always = "" if planted == CORS_WITHOUT_ALWAYS else "always "
        cors = CORS.format(always=always, name_pattern=name.replace(".", "\\."))
        tree.apache_file(public / "api" / ".htaccess", cors)
        if planted == CORS_WITHOUT_ALWAYS:
            tree.plant(planted, public / "api" / ".htaccess", "Header set")
    if admin:
        realm = f"{name} administration"
        text = BASIC_AUTH.format(realm=realm, user_file=_user_file(tree, site))
        tree.apache_file(public / "admin" / ".htaccess", text)
    if planted == ANOTHER_REALM:
        reports = public / "admin" / "reports" / ".htaccess"
        user_file = _user_file(tree, f"{site}-reports")
        tree.apache_file(reports, BASIC_AUTH.format(realm="Reports", user_file=user_file))
        tree.plant(planted, reports, "AuthName")


def generate(root: Path, vhosts: int, seed: int = 12, plant_every: int = 50) -> ApacheTree:
    """Write a tree of ``vhosts`` sites under ``root`` (the same for the same seed)."""
    server_root = root / "apache2"
    tree = ApacheTree(root, server_root, server_root / "apache2.conf")
    tree.envvars = {
        "APACHE_RUN_USER": "www-data",
        "APACHE_RUN_GROUP": "www-data",
        "APACHE_PID_FILE": str(root / "run" / "apache2.pid"),
        "APACHE_RUN_DIR": str(root / "run"),
        "APACHE_LOCK_DIR": str(root / "lock"),
        "APACHE_LOG_DIR": str(root / "log"),
        "APACHE_CACHE_DIR": str(root / "cache"),
    }
    for folder in ("run", "lock", "log", "cache"):
        (root / folder).mkdir(parents=True)
    exports = "".join(f"export {name}={value}\n" for name, value in tree.envvars.items())
    tree.write(server_root / "envvars", exports)
    tree.apache_file(tree.config, APACHE2_CONF.format(www=root / "www"))
    tree.apache_file(server_root / "ports.conf", PORTS_CONF)
    enabled = server_root / "mods-enabled"
    for module in MODULES_ENABLED:
        load = f"LoadModule {module}_module {MODULES}/mod_{module}.so\n"
        tree.apache_file(enabled / f"{module}.load", load)
        if module in MODULE_TEXTS:
            guarded = f"<IfModule {module}_module>\n{MODULE_TEXTS[module]}</IfModule>\n"
            tree.apache_file(enabled / f"{module}.conf", guarded)
    for name, text in CONF_ENABLED.items():
        tree.apache_file(server_root / "conf-enabled" / name, text)
    chooser = random.Random(seed)
    for index in range(vhosts):
        _site(tree, index, chooser, plant_every)
    return tree


def httpd_check(tree: ApacheTree, check: str = "-t") -> subprocess.CompletedProcess[str]:
    """``apache2 -t`` (or ``check``: ``-S`` lists the virtual hosts) on the tree, as
    ``apache2ctl`` runs it on a Debian server."""
    tls = tree.root / "ssl"
    if not (tls / "example.com.crt").exists():
        tls.mkdir(exist_ok=True)
        cert, key = certificate(tls)
        cert.rename(tls / "example.com.crt")
        key.rename(tls / "example.com.key")
    return subprocess.run(
        [APACHE2, "-d", str(tree.server_root), "-f", str(tree.config), check],
        env={**os.environ, **tree.envvars},
        capture_output=True,
        text=True,
        check=False,
    )
