"""Masking: what is hidden in a config's text and in messages, and that no output shows a secret.

Each hidden character becomes ``*``, line breaks stay: the masked text has
the file's lines and columns.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from authlint.baseline import write_baseline
from authlint.masking import MessageMasker, mask_source
from authlint.model.source import SourceFile
from authlint.reporters import renderer, step_summary, text_format

from conftest import FIXTURES, REPO, lint
from test_cli import authlint


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


# --- no output shows a secret ------------------------------------------------

SECRETS_FIXTURE = FIXTURES / "masking"
# Every secret of the fixture: none, nor any 8 characters of one, may be written out.
SECRETS = [
    "EnvT0kenQu4rtz",
    "LdapBindPw7731",
    "MapKeyAlpha2291",
    "c2VydmVyOlNydkxldmVsUGFzcw==",
    "SecLinkMagpie44",
    "SetVarKeyOtter8",
    "IfCompareHeron6",
    "ZXNjYXBlZDpFc2NTcGFjZVB3",
    "QuotedNameOcelot5",
    "bmV4dDpOZXh0TGluZVB1ZmZpbg==",
    "AccessTokWalrus3",
    "AuthTokLynx0917",
    "ApiKeyFalcon2024",
    "CookieBadger81",
    "cHJveHk6UHJveHlBdXRoWWFr",
    "MoreSetGecko55",
    "SetCookieMarten7",
    "QueryKeyBison42",
    "GrpcTokenPuma77",
    "ZmNnaTpGY2dpQXV0aEVsazE=",
    "FcgiDbPwMoose3",
    "UwsgiSecretYak9",
    "svc:Url/Pass@Word99",
    "Wh7kQ2mZx9LpR4vT8nB3",
    "s3cr3tPass",
]
# Secrets that no finding's line holds: each is quoted by a message.
QUOTED = {"Wh7kQ2mZx9LpR4vT8nB3", "s3cr3tPass"}


def fragments(secret: str) -> set[str]:
    """The secret and every run of 8 of its characters."""
    return {secret} | {secret[i : i + 8] for i in range(len(secret) - 7)}


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        for fragment in fragments(secret):
            assert fragment not in text, f"{fragment!r} (of {secret!r}) in {where}"


def secret_lines() -> dict[str, int]:
    """The line of each secret in the fixture (for a value on the next line: its statement's)."""
    lines = (SECRETS_FIXTURE / "secrets.conf").read_text().splitlines()
    found = {}
    for secret in SECRETS:
        number = next(i for i, line in enumerate(lines, start=1) if secret in line)
        found[secret] = number - 1 if lines[number - 1].lstrip().startswith('"') else number
    return found


def test_the_fixture_puts_a_finding_on_every_secret() -> None:
    """Else the test below would prove nothing."""
    document = json.loads(
        authlint(
            "check", "--format", "json", "--fail-on", "info", str(SECRETS_FIXTURE), cwd=REPO
        ).stdout
    )
    lines = {finding["line"] for finding in document["findings"]}
    for secret, line in secret_lines().items():
        assert secret in QUOTED or line in lines, f"no finding on line {line} ({secret})"
    messages = " ".join(finding["message"] for finding in document["findings"])
    assert "`location /webhook/" + stars("Wh7kQ2mZx9LpR4vT8nB3") + "`" in messages
    assert "`Access-Control-Allow-Credentials " + stars("s3cr3tPass") + "`" in messages


def test_no_output_shows_a_secret(tmp_path: Path) -> None:
    """Every format, the job summary, the baseline file and stderr: no secret, nor part of one."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "secrets.conf").write_text((SECRETS_FIXTURE / "secrets.conf").read_text())
    summary = tmp_path / "summary.md"
    outputs = {}
    for output_format in ("text", "json", "sarif", "github"):
        run = authlint(
            "check", "--format", output_format, cwd=site, env={"GITHUB_STEP_SUMMARY": str(summary)}
        )
        assert run.status == 1
        outputs[output_format] = run.stdout + run.stderr
    written = authlint("check", "--write-baseline", "baseline.json", cwd=site)
    outputs["--write-baseline"] = written.stdout + written.stderr
    outputs["baseline file"] = (site / "baseline.json").read_text()
    outputs["step summary"] = summary.read_text()
    assert "| AL310 |" in outputs["step summary"]
    assert len(json.loads(outputs["baseline file"])["findings"]) >= len(SECRETS) - len(QUOTED)
    for where, text in outputs.items():
        assert text.strip()
        assert_no_secret(text, where)


# --- reporters and the baseline read masked text only ------------------------

OUTPUT_MODULES = [
    *sorted((REPO / "linter" / "reporters").glob("*.py")),
    REPO / "linter/baseline.py",
]
# The accessors of a source's text as written (SourceFile.text, .lines,
# .line_text) and of its file (.abspath, to read it anew).
RAW_ACCESSORS = {"text", "lines", "line_text", "abspath"}


@pytest.mark.parametrize("module", OUTPUT_MODULES, ids=lambda path: path.name)
def test_output_modules_use_no_raw_text_accessor(module: Path) -> None:
    tree = ast.parse(module.read_text())
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not used & RAW_ACCESSORS


def test_outputs_never_read_the_raw_text(tmp_path: Path, monkeypatch) -> None:
    """Once the run is over, the raw text reads as `§`s: no output may hold one."""
    result = lint(SECRETS_FIXTURE, cwd=REPO)
    assert result.findings
    real = {path: source.text() for path, source in result.files.items()}
    poisoned = {path: re.sub(r"[^\n]", "§", text) for path, text in real.items()}
    monkeypatch.setattr(SourceFile, "text", lambda self: poisoned[self.path])
    monkeypatch.setattr(SourceFile, "lines", lambda self: poisoned[self.path].splitlines())
    monkeypatch.chdir(REPO)
    outputs = [
        text_format.render(result),
        text_format.render_statistics(result),
        step_summary.render(result, blob_url="https://github.com/o/r/blob/0"),
        *(renderer(name)(result) for name in ("json", "sarif", "github")),
    ]
    write_baseline(tmp_path / "baseline.json", result.findings, result.files, REPO)
    outputs.append((tmp_path / "baseline.json").read_text())
    for output in outputs:
        assert "§" not in output


def test_a_scheme_that_ends_its_line_takes_no_token_from_the_next() -> None:
    # Apache's `AuthType Basic` names the scheme alone: `AuthName` is no credential.
    text = 'AuthType Basic\n    AuthName "Restricted"\n    AuthUserFile /etc/htpasswd\n'
    assert masked(text) == text
