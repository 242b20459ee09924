"""The default server of each listen address, and the header limits it decides for the
other servers of the address (``authlint.nginx.listens``, ``authlint.nginx.buffers``).

Each behaviour was observed on nginx 1.22 (``fixtures/rules/AL505/proofs.yaml``, and by
hand for TLS with SNI and for ``*:8080`` beside ``127.0.0.1:8080``).
"""

from __future__ import annotations

import pytest

from authlint.nginx.listens import address, server_groups

from conftest import scope_at

TWO_SERVERS = """
    events {}
    http {
        server { listen %s; server_name www.example.com; }
        server { listen %s; server_name sso.example.com; %s }
    }
"""


@pytest.mark.parametrize(
    ("written", "grouped"),
    [
        ("80", "*:80"),
        ("*:80", "*:80"),
        ("0.0.0.0:80", "*:80"),
        ("127.0.0.1", "127.0.0.1:80"),
        ("127.0.0.1:8080", "127.0.0.1:8080"),
        ("[::]:80", "[::]:80"),
        ("[::1]", "[::1]:80"),
        ("unix:/run/app.sock", "unix:/run/app.sock"),
        ("localhost:8080", None),
        ("example.com", None),
    ],
)
def test_listen_addresses_group_as_nginx_groups_them(written, grouped):
    """`80`, `*:80` and `0.0.0.0:80` are one address; a host name is resolved by nginx."""
    assert address(written) == grouped


def test_first_server_of_an_address_is_its_default(config):
    workspace = config(TWO_SERVERS % ("8080", "*:8080", ""))
    (group,) = server_groups(scope_at(workspace, "server sso.example.com"))
    assert group.address == "*:8080"
    assert group.default is scope_at(workspace, "server www.example.com")


def test_default_server_flag_wins_over_the_order(config):
    workspace = config(TWO_SERVERS % ("8080", "8080 default_server", ""))
    (group,) = server_groups(scope_at(workspace, "server www.example.com"))
    assert group.default is scope_at(workspace, "server sso.example.com")


def test_a_specific_address_is_a_group_of_its_own(config):
    """Connections to 127.0.0.1 are served by the 127.0.0.1:8080 servers only, even
    though nginx binds *:8080 alone."""
    workspace = config(TWO_SERVERS % ("8080", "127.0.0.1:8080", ""))
    (group,) = server_groups(scope_at(workspace, "server sso.example.com"))
    assert group.address == "127.0.0.1:8080"
    assert group.default is scope_at(workspace, "server sso.example.com")


def test_ssl_on_one_listen_makes_the_address_tls(config):
    workspace = config(TWO_SERVERS % ("8443", "8443 ssl", ""))
    (group,) = server_groups(scope_at(workspace, "server www.example.com"))
    assert group.tls


@pytest.mark.parametrize(
    "text",
    [
        # An unread file in http may add a server first, or a default_server.
        """
        events {}
        http {
            include sites/app.conf;
            server { listen 8080; server_name www.example.com; }
            server { listen 8080; server_name sso.example.com; }
        }
        """,
        # An unread file in a server may add a listen to it.
        """
        events {}
        http {
            server { listen 8080; server_name www.example.com; include listen.conf; }
            server { listen 8080; server_name sso.example.com; }
        }
        """,
        # A server without listen is on *:80 as root, *:8000 otherwise.
        """
        events {}
        http {
            server { server_name www.example.com; }
            server { listen 8000; server_name sso.example.com; }
        }
        """,
        # localhost may resolve to 127.0.0.1 (and ::1): a group of port 8080.
        """
        events {}
        http {
            server { listen localhost:8080; server_name www.example.com; }
            server { listen 8080; server_name sso.example.com; }
        }
        """,
    ],
)
def test_default_is_unknown_when_a_file_or_a_name_could_change_it(config, text):
    workspace = config(text)
    groups = server_groups(scope_at(workspace, "server sso.example.com"))
    assert groups
    assert all(group.default is None for group in groups)


def test_a_file_read_alone_has_no_known_default(config):
    workspace = config(
        """
        server { listen 8080; server_name www.example.com; }
        server { listen 8080; server_name sso.example.com; }
        """
    )
    assert server_groups(scope_at(workspace, "server sso.example.com")) is None


def test_the_default_servers_first_buffer_reads_the_others_requests(config):
    """A named server's own first buffer is never used on a plain-text address."""
    workspace = config(
        TWO_SERVERS
        % ("8080", "8080", "client_header_buffer_size 16k; large_client_header_buffers 4 4k;")
    )
    limits = scope_at(workspace, "server sso.example.com").settings.header_limits
    assert limits.request_line.value == 4096


def test_the_default_servers_large_first_buffer_holds_the_others_lines(config):
    workspace = config(
        """
        events {}
        http {
            server { listen 8080; server_name www.example.com; client_header_buffer_size 32k; }
            server { listen 8080; server_name sso.example.com; }
        }
        """
    )
    limits = scope_at(workspace, "server sso.example.com").settings.header_limits
    assert limits.request_line.value == 32 * 1024


def test_on_tls_the_server_sni_names_reads_the_request(config):
    workspace = config(TWO_SERVERS % ("8443 ssl", "8443 ssl", "client_header_buffer_size 16k;"))
    server = scope_at(workspace, "server sso.example.com")
    assert server.settings.header_limits.request_line.value == 16 * 1024
    assert server.settings.partly_applied_limits == ()


def test_a_limit_like_the_defaults_is_applied_in_full(config):
    workspace = config(TWO_SERVERS % ("8080", "8080", "large_client_header_buffers 4 8k;"))
    assert scope_at(workspace, "server sso.example.com").settings.partly_applied_limits == ()


def test_a_limit_unlike_the_defaults_is_applied_in_part(config):
    workspace = config(TWO_SERVERS % ("8080", "8080", "large_client_header_buffers 4 32k;"))
    (limit,) = scope_at(workspace, "server sso.example.com").settings.partly_applied_limits
    assert limit.listen == "*:8080"
    assert limit.decided_by is scope_at(workspace, "server www.example.com")
    assert "large_client_header_buffers 4 8k" in limit.in_effect


def test_servers_that_all_listen_default_to_the_first(config):
    # Nothing is implied on port 80 when every server names its listen.
    workspace = config(TWO_SERVERS % ("80", "80", ""))
    (group,) = server_groups(scope_at(workspace, "server sso.example.com"))
    assert group.default is scope_at(workspace, "server www.example.com")


def test_the_old_default_flag_is_a_default_server(config):
    workspace = config(TWO_SERVERS % ("8080", "8080 default", ""))
    (group,) = server_groups(scope_at(workspace, "server www.example.com"))
    assert group.default is scope_at(workspace, "server sso.example.com")


def test_quic_listens_are_an_address_of_their_own(config):
    workspace = config(TWO_SERVERS % ("8443 ssl", "8443 quic", ""))
    (group,) = server_groups(scope_at(workspace, "server sso.example.com"))
    assert group.address == "*:8443 quic"
    assert group.default is scope_at(workspace, "server sso.example.com")
    assert group.tls


@pytest.mark.parametrize(
    ("broken", "known"), [("listen 8080 default_server;", False), ("access_log off;", True)]
)
def test_a_broken_file_in_a_server_changes_the_default_only_with_a_listen(config, broken, known):
    """A file that does not parse (its end is missing) could set what its top level holds:
    a `listen` could make its server the default, other directives cannot."""
    workspace = config(
        """
        events {}
        http {
            server { listen 8080; server_name www.example.com; }
            server { listen 8080; server_name sso.example.com; include broken.conf; }
        }
        """,
        extra={"broken.conf": f"{broken}\nserver {{\n"},
    )
    (group,) = server_groups(scope_at(workspace, "server sso.example.com"))
    expected = scope_at(workspace, "server www.example.com") if known else None
    assert group.default is expected
