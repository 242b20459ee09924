"""Masking: what is hidden in a config's text and in messages.

Each hidden character becomes ``*``, line breaks stay: the masked text has
the file's lines and columns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authlint.masking import MessageMasker, mask_source
from authlint.model.source import SourceFile

from conftest import lint


def masked(text: str) -> str:
    hidden = mask_source(text, "nginx").text
    assert len(hidden) == len(text)
    return hidden


def stars(secret: str) -> str:
    return "*" * len(secret)


# --- nginx statements --------------------------------------------------------

# (line, the secret in it): the line masked is the line with the secret as `*`s.
SECRET_POSITIONS = {
    "authorization": ('proxy_set_header Authorization "Basic dXNlcjpwYXNz";', "dXNlcjpwYXNz"),
    "short-token": ('proxy_set_header Authorization "Bearer abc";', "abc"),
    "bare-token": ("proxy_set_header Authorization s3cr3t;", "s3cr3t"),
    "quoted-name": ("proxy_set_header \"Authorization\" 'Basic dXNlcjpwYXNz';", "dXNlcjpwYXNz"),
    "escaped-space": ("proxy_set_header Authorization Basic\\ dXNlcjpwYXNz;", "dXNlcjpwYXNz"),
    "proxy-authorization": ('proxy_set_header Proxy-Authorization "Basic cHJveHk=";', "cHJveHk="),
    "cookie": ('proxy_set_header Cookie "session=abc";', "session=abc"),
    "set-cookie": ("add_header Set-Cookie sid=abc42 always;", "sid=abc42"),
    "x-api-key": ("proxy_set_header X-Api-Key k3y;", "k3y"),
    "x-auth-token": ("add_header X-Auth-Token t0k always;", "t0k"),
    "x-access-token": ("proxy_set_header X-Access-Token acc355;", "acc355"),
    "grpc": ("grpc_set_header Authorization 'Bearer dG9rZW4';", "dG9rZW4"),
    "fastcgi-header": ('fastcgi_param HTTP_AUTHORIZATION "Basic hunter2";', "hunter2"),
    "fastcgi-password": ("fastcgi_param DB_PASSWORD hunter2;", "hunter2"),
    "uwsgi-secret": ("uwsgi_param SECRET_KEY 'django-insecure';", "django-insecure"),
    "scgi-token": ("scgi_param API_TOKEN t0ken if_not_empty;", "t0ken"),
    "param-credential": ("fastcgi_param AWS_CREDENTIALS abc;", "abc"),
    "more-set-headers": ('more_set_headers -s 200 "X-Api-Key: k3y";', "k3y"),
    "secure-link-secret": ("secure_link_secret m4gpie;", "m4gpie"),
    "ldap-passwd": ('binddn_passwd "b1nd";', "b1nd"),
    "password-directive": ("auth_ldap_password pw;", "pw"),
    "env": ("env DB_PASSWORD=hunter2;", "hunter2"),
    "set": ("set $api_key k3y;", "k3y"),
    "map-key": ('map $http_x_api_key $client { "k3y" alpha; }', "k3y"),
    "map-value": ("map $host $upstream_token { default t0k; }", "t0k"),
    "if": ('if ($http_x_api_key != "k3y") { return 401; }', "k3y"),
    "acac": ("add_header Access-Control-Allow-Credentials s3cr3tPass;", "s3cr3tPass"),
    "query-api-key": ("proxy_pass http://10.0.0.1/?api_key=k3y&x=1;", "k3y"),
    "query-token": ("return 302 https://idp.example.com/cb?access_token=t0k;", "t0k"),
    "query-signature": ("return 302 /file?sig=abc&e=1;", "abc"),
    "url-password": ("proxy_pass http://user:pw@10.0.0.1:81/;", "user:pw"),
    "url-password-slash-at": ("proxy_pass http://svc:p/a@ss@10.0.0.1/;", "svc:p/a@ss"),
    "url-token-only": ("proxy_pass https://ghp_t0ken@example.com/;", "ghp_t0ken"),
    "jwt": (
        "set $jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9;",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    ),
    "hex": ("secure_link_md5 " + "ab12" * 8 + ";", "ab12" * 8),
    "webhook-path": ("location /webhook/Wh7kQ2mZx9LpR4vT8nB3 {", "Wh7kQ2mZx9LpR4vT8nB3"),
    "uuid-path": (
        "location /hooks/550e8400-e29b-41d4-a716-446655440000 {",
        "550e8400-e29b-41d4-a716-446655440000",
    ),
    "base64-with-slash": (
        "set $blob aGVsbG8/d29ybGQ+Zm9vYmFyYmF6cXV4;",
        "aGVsbG8/d29ybGQ+Zm9vYmFyYmF6cXV4",
    ),
    "commented-out": ('# proxy_set_header Authorization "Basic dXNl";', "dXNl"),
    "commented-directive": ("#binddn_passwd s3cret;", "s3cret"),
    "comment-named": ("# password: hunter2", "hunter2"),
}


@pytest.mark.parametrize(("line", "secret"), SECRET_POSITIONS.values(), ids=list(SECRET_POSITIONS))
def test_each_position_is_masked_column_for_column(line: str, secret: str) -> None:
    assert masked(line) == line.replace(secret, stars(secret))


@pytest.mark.parametrize(
    "line",
    [
        'auth_basic "Basic Auth";',
        'auth_basic "Restricted Area";',
        "auth_basic_user_file /etc/nginx/htpasswd;",
        "proxy_cache_key $scheme$proxy_host$request_uri;",
        "fastcgi_cache_key $scheme$request_method$host$request_uri;",
        "ssl_certificate_key /etc/ssl/private/site.key;",
        "proxy_set_header Authorization $http_authorization;",
        'proxy_set_header Authorization "Bearer $jwt";',
        'proxy_set_header Authorization "Basic ${credentials}";',
        'proxy_set_header Authorization "";',
        "proxy_hide_header Authorization;",
        "more_clear_headers Authorization Cookie;",
        "proxy_cache_path /var/cache keys_zone=cache_2024:10m;",
        "proxy_cache_path /var/cache keys_zone=my_cache_20240101:10m;",
        "include /etc/nginx/proxy_params;",
        "root /var/www/MyApp2/public_html_2024;",
        "location /api/v2/ {",
        "set $memcached_key $uri;",
        'set $oauth_token_endpoint "https://idp.example.com/oauth/token";',
        "add_header Access-Control-Allow-Credentials true always;",
        "add_header Access-Control-Allow-Credentials True;",
        "add_header Access-Control-Allow-Headers 'Authorization, X-Api-Key';",
        "add_header WWW-Authenticate 'Basic realm=\"admin\"' always;",
        "add_header Strict-Transport-Security 'max-age=31536000; includeSubDomains' always;",
        "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384;",
        "proxy_pass http://backend/users/@me;",
        "proxy_pass http://127.0.0.1:9000;",
        "fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;",
        "if ($http_cookie ~* 'wordpress_logged_in') { set $skip 1; }",
        'map $http_authorization $token { "~*^Bearer (.+)$" $1; }',
        "# The session is kept in a cookie; the API wants a bearer token.",
        "# Near-miss: credentials: nothing private is shared.",
        "# See https://github.com/org/repo/commit/main for the Authorization line.",
    ],
)
def test_what_is_no_secret_stays_as_written(line: str) -> None:
    assert masked(line) == line


def test_a_statement_over_several_lines_is_masked_where_its_value_is() -> None:
    text = 'proxy_set_header Authorization\n    "Basic dXNlcjpwYXNz";\nlisten 80;\n'
    assert masked(text) == text.replace("dXNlcjpwYXNz", stars("dXNlcjpwYXNz"))


def test_a_quoted_value_over_several_lines_keeps_its_line_breaks() -> None:
    text = 'binddn_passwd "ab\ncd\r\nef";\n'
    assert masked(text) == 'binddn_passwd "**\n**\r\n**";\n'
    assert masked(text).splitlines() == [
        line.replace("ab", "**").replace("cd", "**").replace("ef", "**")
        for line in text.splitlines()
    ]


def test_a_hash_inside_a_value_is_not_a_comment() -> None:
    assert masked("proxy_set_header X-Api-Key a#b;") == "proxy_set_header X-Api-Key ***;"


def test_the_secrets_hidden_are_listed() -> None:
    result = mask_source("env API_TOKEN=t0ken;\nsecure_link_secret Basic\\ m4g;\n", "nginx")
    assert result.secrets >= {"t0ken", "m4g"}


def test_other_formats_get_the_patterns() -> None:
    text = "Authorization: Basic dXNlcjpwYXNz\npassword = hunter2\nurl: https://u:p4ss@host/\n"
    assert mask_source(text, "yaml").text == (
        "Authorization: Basic ************\npassword = *******\nurl: https://******@host/\n"
    )


# --- messages ----------------------------------------------------------------


def test_a_message_loses_the_secrets_its_file_held_however_short() -> None:
    mask = MessageMasker({"s3cr3tPass", "ab"})
    assert mask("`Access-Control-Allow-Credentials s3cr3tPass` is not `true`") == (
        "`Access-Control-Allow-Credentials **********` is not `true`"
    )
    # Below 4 characters a secret would hide words: `ab` stays.
    assert mask("ab cd") == "ab cd"


def test_a_message_loses_random_looking_path_segments() -> None:
    mask = MessageMasker()
    assert mask("in `location /webhook/Wh7kQ2mZx9LpR4vT8nB3`") == (
        "in `location /webhook/********************`"
    )
    assert mask("in `location /api/v2/users/`") == "in `location /api/v2/users/`"


@pytest.mark.parametrize(
    "text",
    [
        "nginx checks Basic credentials in `location /`",
        "Repeat `proxy_set_header Authorization ...;` next to this `proxy_set_header`.",
        "`proxy_pass_request_headers off` removes the client's `Authorization` header",
        "a longer `Authorization` or `Cookie` line gets `400 Request Header Or Cookie Too Large`",
        "which never carries credentials: it gets 401 and the browser never sends it",
        "under a key without the credential (`$scheme$proxy_host$request_uri`)",
    ],
)
def test_messages_stay_readable(text: str) -> None:
    assert MessageMasker()(text) == text


def test_findings_are_masked_by_the_engine(tmp_path: Path) -> None:
    (tmp_path / "site.conf").write_text(
        "server {\n    listen 8080;\n    location /webhook/Wh7kQ2mZx9LpR4vT8nB3 {\n"
        '        proxy_set_header Authorization "";\n'
        "        proxy_pass http://127.0.0.1:9000;\n"
        "        add_header Access-Control-Allow-Credentials s3cr3tPass;\n    }\n}\n"
    )
    result = lint(tmp_path, cwd=tmp_path)
    rules = {finding.rule for finding in result.findings}
    assert {"AL102", "AL310"} <= rules
    for finding in result.findings:
        assert "Wh7kQ2mZx9LpR4vT8nB3" not in finding.message
        assert "s3cr3tPass" not in finding.message
    assert any("**********" in finding.message for finding in result.findings)


# --- the source's masked accessors -------------------------------------------


def test_masked_lines_are_the_lines_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "site.conf"
    path.write_bytes(
        b'proxy_set_header Authorization\r\n  "Basic dXNlcjpwYXNz";\r\n\x0cenv A_TOKEN=t;\n'
    )
    source = SourceFile("site.conf", path, "nginx")
    assert len(source.masked_lines()) == len(source.lines())
    assert source.masked_line_text(2) == '  "Basic ************";'
    assert source.masked_line_text(4) == "env A_TOKEN=*;"
    assert source.masked_line_text(9) == ""


def test_an_unreadable_file_has_no_masked_text(tmp_path: Path) -> None:
    source = SourceFile("gone.conf", tmp_path / "gone.conf", "nginx")
    assert source.masked_text() is None
    assert source.masked_lines() == []
