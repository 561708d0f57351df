"""Domain routing: user@domain goes to that domain's servers; unknown domains are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import AuditEvent, Domain
from accounts.servers import LoginRefused, default_server, server_for_login

pytestmark = pytest.mark.django_db


def post_login(username: str, password: str):
    client = Client()
    return client, client.post("/accounts/login/", {"username": username, "password": password})


def test_a_bare_username_goes_to_the_default_server(mail_server, settings):
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    assert server_for_login("alice") == default_server()


def test_a_configured_domain_logs_in_on_its_own_server(
    mail_server, dovecot_factory, settings, alice
):
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    other = dovecot_factory()
    other.add_user("carol@other.test", "carol-password")
    Domain.objects.create(
        name="other.test",
        imap_host=other.host,
        imap_port=other.imap_port,
        imap_security="starttls",
        ca_file=str(other.ca_file),
    )
    client, response = post_login("carol@other.test", "carol-password")
    assert response.status_code == 302
    assert client.get("/mail/INBOX/").status_code == 200
    assert other.connection_count("carol@other.test") == 1
    # The default server's users are not affected.
    _, response = post_login(alice.username, alice.password)
    assert response.status_code == 302


def test_an_unknown_domain_is_refused_without_asking_the_server(mail_server, settings, dovecot):
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    dovecot.add_user("dave@unknown.test", "dave-password")
    _, response = post_login("dave@unknown.test", "dave-password")
    assert response.status_code == 200
    assert "This webmail does not serve that domain." in response.content.decode()
    assert dovecot.connection_count("dave@unknown.test") == 0
    assert AuditEvent.objects.filter(event=AuditEvent.LOGIN_REFUSED, login="dave@unknown.test")


def test_the_default_server_can_take_any_domain(mail_server, settings, dovecot):
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = True
    dovecot.add_user("erin@anything.test", "erin-password")
    client, response = post_login("erin@anything.test", "erin-password")
    assert response.status_code == 302
    assert client.get("/mail/INBOX/").status_code == 200


def test_a_disabled_domain_is_refused_with_a_clear_message(mail_server, settings):
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = True
    Domain.objects.create(name="closed.test", imap_host="127.0.0.1", imap_port=143, enabled=False)
    _, response = post_login("frank@closed.test", "x")
    assert "Logins for this domain are disabled" in response.content.decode()


def test_domain_names_are_case_insensitive(mail_server, settings):
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    Domain.objects.create(
        name="Mixed.Test", imap_host="127.0.0.2", imap_port=993, imap_security="ssl"
    )
    assert server_for_login("g@MIXED.test").host == "127.0.0.2"
    with pytest.raises(LoginRefused):
        server_for_login("g@mixed.test.evil")


def test_a_domain_with_plaintext_to_a_remote_host_does_not_validate(settings):
    settings.WEBMAIL_ALLOW_PLAINTEXT_REMOTE = False
    domain = Domain(name="x.test", imap_host="mail.x.test", imap_port=143, imap_security="none")
    with pytest.raises(ValidationError, match="unencrypted"):
        domain.full_clean()


def test_a_domain_with_a_missing_ca_file_does_not_validate():
    domain = Domain(
        name="y.test", imap_host="mail.y.test", imap_port=993, ca_file="/nonexistent/ca.pem"
    )
    with pytest.raises(ValidationError, match="CA file"):
        domain.full_clean()


def test_domains_are_edited_in_the_admin(admin_client, settings):
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    response = admin_client.post(
        "/admin/accounts/domain/add/",
        {
            "name": "new.test",
            "enabled": "on",
            "imap_host": "127.0.0.3",
            "imap_port": "993",
            "imap_security": "ssl",
            "smtp_host": "127.0.0.3",
            "smtp_port": "465",
            "smtp_security": "ssl",
            "ca_file": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert server_for_login("h@new.test").host == "127.0.0.3"
    assert AuditEvent.objects.filter(event=AuditEvent.ADMIN_ACTION, login="root-admin").exists()
