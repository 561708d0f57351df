"""The admin's login asks staff for their two-factor code too (issue 12)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent
from tests.accounts.test_otp import code_for

pytestmark = pytest.mark.django_db

PASSWORD = "staff-password-123"


@pytest.fixture
def staff():
    return get_user_model().objects.create_user(
        "staff-person", password=PASSWORD, is_staff=True, is_superuser=True
    )


def admin_password_step(client: Client):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "staff-person", "password": PASSWORD}
    )


def test_staff_with_an_authenticator_must_give_a_code_at_the_admin_login(staff):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = Client()
    response = admin_password_step(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    # The password alone does not open the admin.
    assert client.get("/admin/").status_code == 302
    assert not AuditEvent.objects.filter(event=AuditEvent.LOGIN, login="staff-person").exists()
    response = client.post("/accounts/login/code/", {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(event=AuditEvent.LOGIN, login="staff-person").exists()


def test_staff_without_an_authenticator_log_in_with_the_password_by_default(staff, settings):
    settings.WEBMAIL_STAFF_REQUIRE_2FA = False
    client = Client()
    response = admin_password_step(client)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_setting_makes_every_staff_member_set_up_an_authenticator(staff, settings):
    settings.WEBMAIL_STAFF_REQUIRE_2FA = True
    client = Client()
    response = admin_password_step(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/setup/"
    assert client.get("/admin/").status_code == 302
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    response = client.post("/accounts/two-factor/setup/", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/codes/"
    codes = client.get("/accounts/two-factor/codes/")
    assert codes.status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_wrong_admin_password_still_says_so(staff):
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    response = Client().post("/admin/login/", {"username": "staff-person", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()


def test_the_admin_login_page_still_renders(staff):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
