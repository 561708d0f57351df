"""Configuration of the default mail server."""

from __future__ import annotations

import ssl

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.servers import MailServer, default_server, is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "mail.example.org", "192.168.1.1"])
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback(host)


def test_plaintext_to_a_remote_host_is_refused(settings):
    settings.WEBMAIL_ALLOW_PLAINTEXT_REMOTE = False
    with pytest.raises(ImproperlyConfigured, match="unencrypted"):
        MailServer("mail.example.org", 143, "none")


def test_plaintext_to_a_remote_host_can_be_allowed_explicitly(settings):
    settings.WEBMAIL_ALLOW_PLAINTEXT_REMOTE = True
    assert MailServer("mail.example.org", 143, "none").security == "none"


def test_plaintext_to_loopback_is_allowed():
    assert MailServer("127.0.0.1", 143, "none").host == "127.0.0.1"


def test_unknown_security_is_refused():
    with pytest.raises(ImproperlyConfigured):
        MailServer("127.0.0.1", 143, "tls1.0")


def test_default_server_comes_from_the_environment_settings(settings):
    settings.IMAP_HOST, settings.IMAP_PORT = "127.0.0.2", 10143
    settings.IMAP_SECURITY, settings.IMAP_CA_FILE = "ssl", None
    assert default_server() == MailServer("127.0.0.2", 10143, "ssl", None)


def test_tls_contexts_verify_certificates_by_default():
    context = MailServer("127.0.0.1", 993, "ssl").ssl_context()
    import ssl

    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_an_unsafe_configuration_fails_the_system_check(settings):
    from accounts.checks import check_default_mail_server

    settings.IMAP_HOST, settings.IMAP_SECURITY = "mail.example.org", "none"
    settings.WEBMAIL_ALLOW_PLAINTEXT_REMOTE = False
    errors = check_default_mail_server()
    assert errors and errors[0].id == "webmail.E001"


def test_connections_with_the_same_ca_share_one_tls_context(dovecot):
    """A context holds the system CA store (about 1 MB): 400 pooled connections must not each
    have their own. One with an extra CA is another context, which trusts that CA."""
    a = MailServer("127.0.0.1", 993, "ssl", None)
    b = MailServer("127.0.0.2", 994, "ssl", None)
    assert a.ssl_context() is b.ssl_context()
    assert a.ssl_context().verify_mode == ssl.CERT_REQUIRED and a.ssl_context().check_hostname
    extra = MailServer("127.0.0.1", 993, "ssl", str(dovecot.ca_file))
    assert extra.ssl_context() is not a.ssl_context()
    assert (
        extra.ssl_context()
        is MailServer("127.0.0.1", 143, "starttls", str(dovecot.ca_file)).ssl_context()
    )
    assert len(extra.ssl_context().get_ca_certs()) > len(a.ssl_context().get_ca_certs())
