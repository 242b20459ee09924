"""One config both the real nginx and the model read, the tables of its answers, and helpers.

``LIVE_CONFIG`` is served by the real nginx (``test_live_config.py``, marked
``realserver``) and read by the model (the ``live_model`` fixture of
conftest.py); the tables say what nginx 1.22 answered from it. The helpers
find scopes in a model by port and label.
"""

from __future__ import annotations

from authlint.nginx import blocks

# One config served by the real nginx (tests marked realserver) and read by the model.
# Every location answers with its own name; ports are the originals, render() maps them.
LIVE_CONFIG = r"""
map $http_origin $cors_allowed {
    default 0;
    "~^https://app\.example\.com$" 1;
}
map $http_origin $named_origin {
    default "";
    "~^(?<allowed>https://.+)$" $allowed;
}
map $http_origin $numbered_origin {
    default "";
    "~^(https://[a-z]+\.example\.com)$" $1;
}

server {
    listen 8001;
    location = / { return 200 "exact-root"; }
    location / { return 200 "root"; }
    location = /exact { return 200 "exact"; }
    location /exact { return 200 "prefix-exact"; }
    location /docs/api/ { return 200 "docs-api"; }
    location /docs/ { return 200 "docs"; }
    location ^~ /docs/raw/ { return 200 "docs-raw"; }
    location ^~ /static/ { return 200 "static"; }
    location /static/js/ { return 200 "static-js"; }
    location /images/ {
        return 200 "images";
        location ~ \.png$ { return 200 "images-png"; }
        location /images/thumbs/ { return 200 "images-thumbs"; }
        location = /images/exact.png { return 200 "images-exact"; }
    }
    location ^~ /assets/ {
        return 200 "assets";
        location ~ \.css$ { return 200 "assets-css"; }
    }
    location ~ \.php$ { return 200 "php"; }
    location ~* \.(jpg|jpeg|png)$ { return 200 "img-ci"; }
    location ~ ^/api/v(?<version>\d+)/ { return 200 "api-version"; }
    location ~ /admin { return 200 "admin-regex"; }
    location /admin/ { return 200 "admin-prefix"; }
    location ~ ^/nested-regex/ {
        return 200 "nested-regex";
        location ~ \.txt$ { return 200 "nested-regex-txt"; }
    }
    location /outer/ {
        return 200 "outer";
        location /outer/inner/ {
            return 200 "outer-inner";
            location ~ \.json$ { return 200 "outer-inner-json"; }
        }
        location ^~ /outer/noregex/ { return 200 "outer-noregex"; }
    }
    location /Case/ { return 200 "case"; }
    location ~* ^/ci/ { return 200 "ci"; }
    location @named { return 200 "named"; }
    location /proxied/ { proxy_pass http://127.0.0.1:9000; }
}

server {
    listen 8002;
    location / { return 200 "sa-root"; }
    location =/sa-exact { return 200 "sa-exact"; }
    location ~\.sa$ { return 200 "sa-regex"; }
    location ~*\.SACI$ { return 200 "sa-regex-ci"; }
    location ^~/sa-noregex/ { return 200 "sa-noregex"; }
}

server {
    listen 8003;
    location /int/ {
        internal;
        return 200 "int";
        location /int/nested/ { return 200 "int-nested"; }
    }
    location /go-nested { error_page 418 = /int/nested/; return 418; }
}

server {
    listen 8004;
    location /cors-chained/ {
        if ($cors_allowed) {
            add_header Access-Control-Allow-Origin $http_origin always;
            add_header Access-Control-Allow-Credentials true always;
        }
        proxy_pass http://127.0.0.1:9000;
    }
    location /cors-negative/ {
        set $cors $http_origin;
        if ($http_origin !~ "^https://app\.example\.com$") { set $cors ""; }
        add_header Access-Control-Allow-Origin $cors always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://127.0.0.1:9000;
    }
    location /cors-named/ {
        add_header Access-Control-Allow-Origin $named_origin always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://127.0.0.1:9000;
    }
    location /cors-numbered/ {
        add_header Access-Control-Allow-Origin $numbered_origin always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://127.0.0.1:9000;
    }
    location /cors-reflected/ {
        add_header Access-Control-Allow-Origin $http_origin always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://127.0.0.1:9000;
    }
}

server {
    listen 8005;
    auth_basic_user_file /etc/nginx/htpasswd;
    location /pf-if/ {
        auth_basic "api";
        if ($request_method = OPTIONS) { return 204; }
        proxy_pass http://127.0.0.1:9000;
    }
    location /pf-parent/ {
        if ($request_method = OPTIONS) { return 204; }
        proxy_pass http://127.0.0.1:9000;
        location /pf-parent/child/ { auth_basic "api"; proxy_pass http://127.0.0.1:9000; }
    }
    location /pf-le/ {
        limit_except OPTIONS { auth_basic "api"; }
        proxy_pass http://127.0.0.1:9000;
    }
    location /pf-le-get/ {
        limit_except GET { auth_basic "api"; }
        proxy_pass http://127.0.0.1:9000;
    }
    location /pf-le-loc/ {
        auth_basic "api";
        limit_except OPTIONS GET { deny all; }
        proxy_pass http://127.0.0.1:9000;
    }
    location /pf-none/ { auth_basic "api"; proxy_pass http://127.0.0.1:9000; }
    location /pf-noreturn/ {
        auth_basic "api";
        if ($request_method = OPTIONS) { add_header X-Preflight yes; }
        proxy_pass http://127.0.0.1:9000;
    }
    location /pf-regex/ {
        auth_basic "api";
        if ($request_method ~* ^options$) { return 204; }
        proxy_pass http://127.0.0.1:9000;
    }
}

server {
    listen 8008;
    if ($request_method = OPTIONS) { return 204; }
    location /pf-server/ {
        auth_basic "api";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_pass http://127.0.0.1:9000;
    }
}

server {
    listen 8006;
    location /to-default/ { proxy_pass http://127.0.0.1:8007; }
    location /to-uri/ { proxy_pass http://127.0.0.1:8010/inner/; }
    location /to-upstream/ { proxy_pass http://loopback; }
}
upstream loopback { server 127.0.0.1:8010; }
server {
    listen 8007;
    server_name first.example;
    location / { return 200 "first"; }
}
server {
    listen 8007 default_server;
    server_name second.example;
    location / { return 200 "second"; }
}
server {
    listen 8010;
    location / { return 200 "other"; }
    location /inner/ { return 200 "other-inner"; }
    location /to-upstream/ { return 200 "other-to-upstream"; }
}

server {
    listen 8012;
    location / { return 200 "root"; }
    location /redir/ { proxy_pass http://127.0.0.1:9000; }
    location ~ ^/redir$ { return 200 "regex"; }
    location /has-exact/ { proxy_pass http://127.0.0.1:9000; }
    location = /has-exact { return 200 "exact"; }
    location /has-prefix/ { proxy_pass http://127.0.0.1:9000; }
    location /has-prefix { return 200 "prefix"; }
    location /served/ { return 200 "served"; }
    location /pre { return 200 "pre"; }
    location /prefixed/ { grpc_pass grpc://127.0.0.1:9000; }
    location = /exact-pass/ { proxy_pass http://127.0.0.1:9000; }
    location ^~ /no-regex/ { fastcgi_pass 127.0.0.1:9000; }
    location /outer/ {
        location /outer/inner/ { uwsgi_pass 127.0.0.1:9000; }
        return 200 "outer";
    }
}

server {
    listen 8011;
    server_name exact.test exact.wild.test;
    return 200 "exact";
}
server {
    listen 8011;
    server_name *.wild.test;
    return 200 "lead-wild";
}
server {
    listen 8011;
    server_name *.deep.wild.test;
    return 200 "lead-wild-longer";
}
server {
    listen 8011;
    server_name mail.* mail.deep.*;
    return 200 "trail-wild";
}
server {
    listen 8011;
    server_name mail.deeper.*;
    return 200 "trail-wild-longer";
}
server {
    listen 8011;
    server_name .dot.test;
    return 200 "dot";
}
server {
    listen 8011;
    server_name ~^www\d+\.regex\.test$;
    return 200 "regex-first";
}
server {
    listen 8011;
    server_name "~^(?<sub>[a-z]+)\.regex\.test$" ~^UPPER\.caseless\.test$;
    return 200 "regex-named";
}
server {
    listen 8011;
    server_name ~^www1\.regex\.test$ ~^mail\.;
    return 200 "regex-later";
}
server {
    listen 8011 default_server;
    server_name _;
    return 200 "default";
}
"""

# (URI, on port 8012: the location whose configuration answers, and whether nginx 1.22
# answers with a 301 to the URI with a slash added, else 200 and the location's body)
REDIRECT_MATRIX = [
    ("/redir", "location /redir/", True),
    ("/has-exact", "location = /has-exact", False),
    ("/has-prefix", "location /has-prefix", False),
    ("/served", "location /", False),
    ("/prefixed", "location /prefixed/", True),
    ("/exact-pass", "location = /exact-pass/", True),
    ("/no-regex", "location ^~ /no-regex/", True),
    ("/outer/inner", "location /outer/inner/", True),
    ("/outer/x", "location /outer/", False),
]

# (Host, the server that answers on port 8011 on nginx 1.22, as its body says)
SERVER_NAME_MATRIX = [
    ("exact.test", "exact"),
    ("EXACT.Test", "exact"),
    ("exact.test.", "exact"),
    ("exact.wild.test", "exact"),
    ("a.wild.test", "lead-wild"),
    ("a.b.wild.test", "lead-wild"),
    ("wild.test", "default"),
    ("a.deep.wild.test", "lead-wild-longer"),
    ("deep.wild.test", "lead-wild"),
    ("mail.wild.test", "lead-wild"),
    ("mail.example.com", "trail-wild"),
    ("mail.deep.x", "trail-wild"),
    ("mail.deeper.x", "trail-wild-longer"),
    ("dot.test", "dot"),
    ("x.dot.test", "dot"),
    ("xdot.test", "default"),
    ("www12.regex.test", "regex-first"),
    ("www1.regex.test", "regex-first"),
    ("abc.regex.test", "regex-named"),
    ("upper.caseless.test", "regex-named"),
    ("mailx.example.com", "default"),
    ("unknown.test", "default"),
]

# (uri, the location that answers on nginx 1.22, as its body says)
LOCATION_MATRIX = [
    ("/", "exact-root"),
    ("/index.html", "root"),
    ("/exact", "exact"),
    ("/exactly", "prefix-exact"),
    ("/exact/sub", "prefix-exact"),
    ("/docs/", "docs"),
    ("/docs/x", "docs"),
    ("/docs/api", "docs"),
    ("/docs/api/x", "docs-api"),
    ("/docs/a.php", "php"),
    ("/docs/raw/a.php", "docs-raw"),
    ("/static/a.php", "static"),
    ("/static/js/", "static-js"),
    ("/static/js/a.php", "php"),
    ("/images/", "images"),
    ("/images/a.png", "images-png"),
    ("/images/a.jpg", "img-ci"),
    ("/images/thumbs/a.png", "images-png"),
    ("/images/thumbs/a.gif", "images-thumbs"),
    ("/images/exact.png", "images-exact"),
    ("/assets/a.css", "assets-css"),
    ("/assets/a.php", "assets"),
    ("/assets/a.png", "assets"),
    ("/x.php", "php"),
    ("/x.PHP", "root"),
    ("/X.JPG", "img-ci"),
    ("/api/v2/users", "api-version"),
    ("/api/vx/", "root"),
    ("/admin/", "admin-regex"),
    ("/admin/x.php", "php"),
    ("/xadmin", "root"),
    ("/nested-regex/a", "nested-regex"),
    ("/nested-regex/a.txt", "nested-regex-txt"),
    ("/nested-regex/a.php", "php"),
    ("/outer/", "outer"),
    ("/outer/x.php", "php"),
    ("/outer/inner/a.json", "outer-inner-json"),
    ("/outer/inner/a.php", "php"),
    ("/outer/inner/x.png", "img-ci"),
    ("/outer/noregex/a.json", "outer-noregex"),
    ("/outer/noregex/a.php", "php"),
    ("/Case/", "case"),
    ("/case/", "root"),
    ("/CI/x", "ci"),
    ("/@named", "root"),
]

# (uri, answer) on the server whose modifiers are glued to the location name.
SINGLE_ARGUMENT_MATRIX = [
    ("/sa-exact", "sa-exact"),
    ("/x.sa", "sa-regex"),
    ("/x.saci", "sa-regex-ci"),
    ("/sa-noregex/x.sa", "sa-noregex"),
]


def server_on(workspace, port):
    """The first server whose `listen` is ``port``."""
    found = servers_on(workspace, port)
    assert found, f"no server listens on {port}"
    return found[0]


def answer(scope):
    """What a location answers: the text of its `return 200 "..."` (None: no location)."""
    if scope is None:
        return None
    returned = scope.own.get("return")
    return returned[0].arg(1) if returned else scope.label


def server_on_any(workspace):
    (server,) = [scope for scope in workspace.scopes() if scope.kind == blocks.SERVER]
    return server


def in_server(workspace, port, label):
    """The one scope labelled ``label`` inside the server listening on ``port``."""
    server = server_on(workspace, port)
    (found,) = [
        scope
        for scope in workspace.scopes()
        if scope.label == label and scope.enclosing(blocks.SERVER) is server
    ]
    return found


def servers_on(workspace, port):
    """Every server whose `listen` is ``port``, in config order."""
    return [
        scope
        for scope in workspace.scopes()
        if scope.kind == blocks.SERVER
        and str(port) in [node.arg(0).rpartition(":")[2] for node in scope.own.get("listen", ())]
    ]


# (port, path, scope whose checks apply to OPTIONS, preflight answered, authenticates, status)
PREFLIGHTS = [
    (8005, "/pf-if/", "location /pf-if/", True, True, 204),
    (8005, "/pf-parent/", "location /pf-parent/", True, False, 204),
    (8005, "/pf-parent/child/", "location /pf-parent/child/", False, True, 401),
    (8005, "/pf-le/", "limit_except OPTIONS", True, True, 200),
    (8005, "/pf-le-get/", "limit_except GET", False, True, 401),
    (8005, "/pf-le-loc/", "location /pf-le-loc/", False, True, 401),
    (8005, "/pf-none/", "location /pf-none/", False, True, 401),
    (8005, "/pf-noreturn/", "location /pf-noreturn/", False, True, 401),
    (8005, "/pf-regex/", "location /pf-regex/", True, True, 204),
    (8008, "/pf-server/", "location /pf-server/", True, True, 204),
]
