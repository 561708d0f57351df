"""Login throttling per account (django-axes) and, with a higher limit, per client address."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def attempt(username: str, password: str, address: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}
    )


@pytest.fixture
def limit(settings) -> int:
    settings.WEBMAIL_LOGIN_FAILURE_LIMIT = 3
    settings.WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT = 7
    return 3


@pytest.fixture
def address_limit(settings, limit) -> int:
    return settings.WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT


def test_repeated_wrong_passwords_lock_the_account_with_a_clear_message(alice, mail_server, limit):
    for i in range(limit - 1):
        response = attempt(alice.username, f"wrong-{i}")
        assert "Wrong username or password." in response.content.decode()
    response = attempt(alice.username, "wrong-last")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed login attempts. Try again in 15 minutes." in page
    assert response["Retry-After"] == "900"
    # Even the right password is refused now, and the mail server is not asked.
    response = attempt(alice.username, alice.password)
    assert response.status_code == 429
    assert alice.dovecot.connection_count(alice.username) == 0
    assert AuditEvent.objects.filter(event=AuditEvent.LOGIN_THROTTLED, login=alice.username)


def test_the_account_is_locked_whatever_the_client_address(alice, mail_server, limit):
    for i in range(limit):
        attempt(alice.username, f"wrong-{i}", address=f"192.0.2.{i + 1}")
    assert attempt(alice.username, alice.password, address="198.51.100.9").status_code == 429


def test_an_address_is_locked_whatever_the_account(alice, bob, mail_server, address_limit):
    for i in range(address_limit):
        attempt(f"nobody-{i}", "whatever", address="203.0.113.5")
    response = attempt(bob.username, bob.password, address="203.0.113.5")
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert bob.dovecot.connection_count(bob.username) == 0
    # Another address and another account are not affected.
    assert attempt(alice.username, alice.password, address="203.0.113.6").status_code == 302


def test_the_address_limit_is_higher_than_the_account_limit(alice, mail_server, address_limit):
    for i in range(address_limit - 1):
        attempt(f"nobody-{i}", "whatever", address="203.0.113.7")
    # Each of those accounts reached nothing; the address is just below its own limit.
    assert attempt(alice.username, alice.password, address="203.0.113.7").status_code == 302


def test_a_success_never_resets_the_address_count(alice, bob, mail_server, address_limit):
    """One valid account must not let an address spray passwords at others without limit."""
    for i in range(address_limit - 1):
        attempt(f"victim-{i}", "guess", address="203.0.113.8")
    assert attempt(bob.username, bob.password, address="203.0.113.8").status_code == 302
    attempt("victim-last", "guess", address="203.0.113.8")
    response = attempt(alice.username, alice.password, address="203.0.113.8")
    assert response.status_code == 429
    assert alice.dovecot.connection_count(alice.username) == 0


def test_a_success_resets_only_its_own_accounts_failures(alice, bob, mail_server, limit):
    for i in range(limit - 1):
        attempt(alice.username, f"wrong-{i}", address="192.0.2.50")
    assert attempt(bob.username, bob.password, address="192.0.2.50").status_code == 302
    attempt(alice.username, "wrong-last", address="192.0.2.51")
    assert attempt(alice.username, alice.password, address="192.0.2.52").status_code == 429


def test_the_address_limit_must_be_higher_than_the_account_limit():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "WEBMAIL_LOGIN_FAILURE_LIMIT": "10",
        "WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT": "10",
        "DJANGO_SETTINGS_MODULE": "webmail.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT must be higher" in result.stderr


def test_case_and_spaces_do_not_dodge_the_account_count(alice, mail_server, limit):
    variants = [alice.username.upper(), f" {alice.username}", alice.username.title()]
    for i, name in enumerate(variants):
        attempt(name, "wrong", address=f"192.0.2.{i + 10}")
    assert attempt(alice.username, alice.password, address="192.0.2.99").status_code == 429


def test_a_success_before_the_limit_resets_the_count(alice, mail_server, limit):
    for i in range(limit - 1):
        attempt(alice.username, f"wrong-{i}")
    assert attempt(alice.username, alice.password).status_code == 302
    for i in range(limit - 1):
        attempt(alice.username, f"wrong-again-{i}")
    assert attempt(alice.username, alice.password).status_code == 302


def test_the_attempt_records_hold_no_password(alice, mail_server, limit):
    attempt(alice.username, "secret-wrong-password")
    for row in AccessAttempt.objects.all():
        assert "secret-wrong-password" not in f"{row.get_data} {row.post_data}"


def test_the_admin_login_is_throttled_too(admin_user, limit):
    client = Client()
    for _ in range(limit):
        response = client.post("/admin/login/", {"username": "root-admin", "password": "bad"})
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
