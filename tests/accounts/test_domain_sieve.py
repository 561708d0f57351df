"""A domain's ManageSieve server and forwarding rule, as edited in the admin."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.servers import external_forwarding_allowed, sieve_server_for_login

pytestmark = pytest.mark.django_db

DOMAIN = {
    "name": "sieve.test",
    "enabled": "on",
    "imap_host": "127.0.0.3",
    "imap_port": "993",
    "imap_security": "ssl",
    "smtp_port": "465",
    "smtp_security": "ssl",
}


def test_managesieve_defaults_to_the_imap_host_port_4190_starttls(
    admin_client: Any, settings: Any
) -> None:
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    response = admin_client.post("/admin/accounts/domain/add/", DOMAIN)
    assert response.status_code == 302, response.content.decode()[:3000]
    server = sieve_server_for_login("h@sieve.test")
    assert (server.host, server.port, server.security) == ("127.0.0.3", 4190, "starttls")
    assert external_forwarding_allowed("h@sieve.test")


def test_managesieve_server_and_forwarding_rule_are_set_per_domain(
    admin_client: Any, settings: Any
) -> None:
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    data = {
        **DOMAIN,
        "sieve_host": "127.0.0.4",
        "sieve_port": "24190",
        "sieve_security": "ssl",
        "forbid_external_forwarding": "on",
    }
    response = admin_client.post("/admin/accounts/domain/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    server = sieve_server_for_login("h@sieve.test")
    assert (server.host, server.port, server.security) == ("127.0.0.4", 24190, "ssl")
    assert not external_forwarding_allowed("h@sieve.test")
    assert external_forwarding_allowed("bare-login")


def test_plaintext_managesieve_to_a_remote_host_is_refused(admin_client: Any) -> None:
    data = {**DOMAIN, "sieve_host": "192.0.2.1", "sieve_security": "none"}
    response = admin_client.post("/admin/accounts/domain/add/", data)
    assert response.status_code == 200
    assert "Refusing unencrypted" in response.content.decode()
