"""Two-factor authentication: enrolment, the code step of a login, recovery codes, domains."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, Domain

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(client: Client, username: str) -> list[str]:
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    response = client.post("/accounts/two-factor/setup/", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/codes/"
    codes_page = client.get("/accounts/two-factor/codes/").content.decode()
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)


def password_step(username: str, password: str) -> tuple[Client, object]:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response


def test_enrolment_shows_a_qr_code_and_gives_ten_recovery_codes(alice, login):
    client = login(alice)
    codes = enrol(client, alice.username)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user__username=alice.username).confirmed
    # Shown once only.
    assert client.get("/accounts/two-factor/codes/").status_code == 302
    assert AuditEvent.objects.filter(event=AuditEvent.OTP_ENROLLED, login=alice.username)


def test_a_wrong_enrolment_code_is_refused(alice, login):
    client = login(alice)
    client.get("/accounts/two-factor/setup/")
    response = client.post("/accounts/two-factor/setup/", {"code": "000000x"})
    assert "This code is not valid" in response.content.decode()
    assert not TOTPDevice.objects.filter(user__username=alice.username, confirmed=True).exists()


def test_with_an_authenticator_the_login_asks_for_a_code(alice, login):
    enrol(login(alice), alice.username)
    client, response = password_step(alice.username, alice.password)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    # Not logged in yet.
    assert client.get("/mail/INBOX/").status_code == 302
    device = TOTPDevice.objects.get(user__username=alice.username)
    response = client.post("/accounts/login/code/", {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/mail/"
    # The sealed password made it through the second step: the mailbox opens.
    assert client.get("/mail/INBOX/").status_code == 200


def test_the_password_stays_sealed_during_the_code_step(alice, login):
    enrol(login(alice), alice.username)
    password_step(alice.username, alice.password)
    for session in Session.objects.all():
        assert alice.password not in str(session.get_decoded())


def test_a_wrong_code_is_refused_and_too_many_end_the_attempt(alice, login):
    enrol(login(alice), alice.username)
    client, _ = password_step(alice.username, alice.password)
    response = client.post("/accounts/login/code/", {"code": "123456"})
    assert "This code is not valid" in response.content.decode()
    for _ in range(4):
        response = client.post("/accounts/login/code/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/accounts/login/code/").status_code == 302
    assert AuditEvent.objects.filter(event=AuditEvent.OTP_FAILED, login=alice.username).count() == 5


def test_a_recovery_code_works_once(alice, login):
    codes = enrol(login(alice), alice.username)
    client, _ = password_step(alice.username, alice.password)
    assert client.post("/accounts/login/code/", {"code": codes[0]})["Location"] == "/mail/"
    client, _ = password_step(alice.username, alice.password)
    response = client.post("/accounts/login/code/", {"code": codes[0]})
    assert response.status_code == 200 and "This code is not valid" in response.content.decode()


def test_the_code_step_without_a_password_step_goes_back_to_login(client, db):
    assert client.get("/accounts/login/code/")["Location"] == "/accounts/login/"
    assert client.get("/accounts/two-factor/setup/")["Location"] == "/accounts/login/"


def test_turning_it_off_needs_a_current_code(alice, login, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait after the wrong code below
    client = login(alice)
    enrol(client, alice.username)
    response = client.post("/accounts/two-factor/", {"code": "111111", "action": "disable"})
    assert "This code is not valid" in response.content.decode()
    device = TOTPDevice.objects.get(user__username=alice.username)
    response = client.post(
        "/accounts/two-factor/", {"code": code_for(device, 1), "action": "disable"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user__username=alice.username).exists()
    _, response = password_step(alice.username, alice.password)
    assert response["Location"] == "/mail/"


def test_a_domain_can_require_two_factor_enrolment_at_login(mail_server, dovecot, settings):
    settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = False
    dovecot.add_user("gina@strict.test", "gina-password")
    Domain.objects.create(
        name="strict.test",
        imap_host=dovecot.host,
        imap_port=dovecot.imap_port,
        imap_security="starttls",
        ca_file=str(dovecot.ca_file),
        require_2fa=True,
    )
    client, response = password_step("gina@strict.test", "gina-password")
    assert response["Location"] == "/accounts/two-factor/setup/"
    assert client.get("/mail/INBOX/").status_code == 302  # not logged in before enrolling
    page = client.get("/accounts/two-factor/setup/").content.decode()
    assert "requires two-factor authentication" in page
    device = TOTPDevice.objects.get(user__username="gina@strict.test")
    response = client.post("/accounts/two-factor/setup/", {"code": code_for(device)})
    assert response["Location"] == "/accounts/two-factor/codes/"
    codes_page = client.get("/accounts/two-factor/codes/").content.decode()
    assert 'href="/mail/"' in codes_page
    assert client.get("/mail/INBOX/").status_code == 200
    # It cannot be turned off.
    page = client.get("/accounts/two-factor/").content.decode()
    assert "cannot be turned off" in page and 'value="disable"' not in page


def test_bob_cannot_use_alices_pending_login(alice, bob, login):
    enrol(login(alice), alice.username)
    alice_client, _ = password_step(alice.username, alice.password)
    bob_client, _ = password_step(bob.username, bob.password)
    device = TOTPDevice.objects.get(user__username=alice.username)
    # Bob's session has no pending login of Alice's: he is logged in as himself, not as Alice.
    bob_client.post("/accounts/login/code/", {"code": code_for(device, 1)})
    assert bob_client.get("/mail/INBOX/").wsgi_request.user.username == bob.username


def test_wrong_codes_make_the_next_check_wait_and_say_so(alice, login):
    enrol(login(alice), alice.username)
    client, _ = password_step(alice.username, alice.password)
    client.post("/accounts/login/code/", {"code": "123456"})
    client.post("/accounts/login/code/", {"code": "123456"})  # within the wait that follows
    device = TOTPDevice.objects.get(user__username=alice.username)
    response = client.post("/accounts/login/code/", {"code": code_for(device, 1)})
    assert response.status_code == 200
    assert "Too many wrong codes. Wait" in response.content.decode()


def test_rotating_accounts_from_one_address_hits_the_address_limit(
    alice, bob, mail_user_factory, login, settings
):
    """Each account stays under its own limit; the address sending all the wrong codes does not."""
    settings.WEBMAIL_OTP_ADDRESS_FAILURE_LIMIT = 6
    carol = mail_user_factory("carol")
    for user in (alice, bob, carol):
        enrol(login(user), user.username)
    attacker = "203.0.113.40"
    for user in (alice, bob):
        client = Client(REMOTE_ADDR=attacker)
        client.post("/accounts/login/", {"username": user.username, "password": user.password})
        for _ in range(3):  # under the 5 wrong codes that end one pending login
            response = client.post("/accounts/login/code/", {"code": "123456"})
            assert response.status_code == 200
    # The address has sent 6 wrong codes: even a right code for a third account is refused.
    client = Client(REMOTE_ADDR=attacker)
    client.post("/accounts/login/", {"username": carol.username, "password": carol.password})
    device = TOTPDevice.objects.get(user__username=carol.username)
    response = client.post("/accounts/login/code/", {"code": code_for(device, 1)})
    assert response.status_code == 429
    assert "Too many wrong codes from your network. Try again in 15 minutes." in (
        response.content.decode()
    )
    assert response["Retry-After"] == "900"
    assert client.get("/mail/INBOX/").status_code == 302  # not logged in
    # Another address is not affected.
    client = Client(REMOTE_ADDR="198.51.100.41")
    client.post("/accounts/login/", {"username": carol.username, "password": carol.password})
    response = client.post("/accounts/login/code/", {"code": code_for(device, 1)})
    assert response.status_code == 302 and response["Location"] == "/mail/"


def test_the_code_address_limit_must_be_higher_than_the_per_login_limit():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "webmail.settings",
        "WEBMAIL_OTP_ADDRESS_FAILURE_LIMIT": "5",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "WEBMAIL_OTP_ADDRESS_FAILURE_LIMIT must be higher" in result.stderr
