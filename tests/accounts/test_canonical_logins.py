"""One account per mailbox: every spelling of a login is the same webmail user (issue 12)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sessions
from accounts.login_merge import merge_case_variants
from accounts.logins import canonical_login
from accounts.models import ActiveSession, AuditEvent, Domain, Identity, MailAccount
from mailview.imap.pool import get_pool
from tests.accounts.test_otp import enrol, password_step
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db


def spellings(login: str) -> list[str]:
    """The login as typed by an attacker: other cases, surrounding spaces."""
    return [login.upper(), login.title(), login.swapcase(), f"  {login.upper()} "]


# -- the function ---------------------------------------------------------------------------------


def test_the_domain_is_lower_cased_and_so_is_the_local_part_by_default():
    assert canonical_login(" Victim@Example.ORG ") == "victim@example.org"
    assert canonical_login("VICTIM") == "victim"


def test_a_case_sensitive_domain_keeps_the_local_part():
    Domain.objects.create(name="strict.example", imap_host="127.0.0.1", case_sensitive_logins=True)
    assert canonical_login("Victim@STRICT.example") == "Victim@strict.example"
    assert canonical_login("Victim@other.example") == "victim@other.example"


def test_a_bare_username_follows_the_default_domain(settings):
    settings.WEBMAIL_DEFAULT_DOMAIN = "strict.example"
    assert canonical_login("Victim") == "victim"
    Domain.objects.create(name="strict.example", imap_host="127.0.0.1", case_sensitive_logins=True)
    from accounts.servers import clear_domain_cache

    clear_domain_cache()
    assert canonical_login("Victim") == "Victim"


def test_only_ascii_letters_are_folded_as_mail_servers_do():
    assert canonical_login("ÉLODIE@Example.org") == "Élodie@example.org"


# -- logging in with another spelling -------------------------------------------------------------


def test_every_spelling_of_a_two_factor_user_goes_to_the_code_step(alice, login):
    enrol(login(alice), alice.username)
    for typed in spellings(alice.username):
        client, response = password_step(typed, alice.password)
        assert response.status_code == 302, typed
        assert response["Location"] == "/accounts/login/code/", typed
        assert client.get("/mail/INBOX/").status_code == 302, typed
    assert get_user_model().objects.filter(username__iexact=alice.username).count() == 1


def test_no_spelling_of_a_required_2fa_login_can_enrol_a_second_authenticator(alice, login):
    enrol(login(alice), alice.username)
    client, response = password_step(alice.username.upper(), alice.password)
    assert response["Location"] == "/accounts/login/code/"
    # The enrolment page sends a user who has an authenticator to the code step.
    assert client.get("/accounts/two-factor/setup/")["Location"] == "/accounts/login/code/"
    assert TOTPDevice.objects.count() == 1


def test_every_spelling_of_a_disabled_user_is_refused(alice, login):
    login(alice)
    sessions.set_account_enabled(MailAccount.objects.get(login=alice.username), False)
    for typed in spellings(alice.username):
        client = Client()
        response = client.post("/accounts/login/", {"username": typed, "password": alice.password})
        assert response.status_code == 200, typed
        assert "This account is disabled" in response.content.decode(), typed
        assert client.get("/mail/INBOX/").status_code == 302, typed


def test_end_sessions_ends_the_sessions_of_every_spelling(alice, bob, login, admin_client):
    clients = []
    for typed in [alice.username, *spellings(alice.username)]:
        client = Client()
        response = client.post("/accounts/login/", {"username": typed, "password": alice.password})
        assert response.status_code == 302
        assert client.get("/mail/INBOX/").status_code == 200
        clients.append(client)
    bob_client = login(bob)
    mail_sessions = ActiveSession.objects.exclude(login="root-admin")
    mail_logins = set(mail_sessions.values_list("login", flat=True))
    assert mail_logins == {alice.username, bob.username}
    account = MailAccount.objects.get(login=alice.username)
    response = admin_client.post(
        "/admin/accounts/mailaccount/",
        {"action": "end_all_sessions", "_selected_action": [account.pk]},
    )
    assert response.status_code == 302
    for client in clients:
        assert client.get("/mail/INBOX/").status_code == 302
    assert wait_until(lambda: alice.dovecot.connection_count(alice.username) == 0)
    assert get_pool().connections_of(alice.username) == 0
    assert bob_client.get("/mail/INBOX/").status_code == 200


def test_ending_the_sessions_of_a_spelling_ends_the_accounts_sessions(alice, login):
    client = login(alice)
    assert sessions.end_sessions_of(alice.username.upper()) == 1
    assert client.get("/mail/INBOX/").status_code == 302


def test_the_pool_the_session_and_the_audit_log_use_the_canonical_login(alice, mail_server):
    client = Client()
    typed = alice.username.upper()
    response = client.post("/accounts/login/", {"username": typed, "password": alice.password})
    assert response.status_code == 302
    assert client.get("/mail/INBOX/").status_code == 200
    assert get_pool().connections_of(alice.username) >= 1
    assert ActiveSession.objects.get().login == alice.username
    assert MailAccount.objects.get().login == alice.username
    assert AuditEvent.objects.filter(event=AuditEvent.LOGIN, login=alice.username).exists()
    Client().post("/accounts/login/", {"username": typed, "password": "wrong"})
    failed = AuditEvent.objects.get(event=AuditEvent.LOGIN_FAILED)
    assert failed.login == alice.username


def test_a_spelling_of_a_local_staff_account_is_not_a_mail_login(mail_user_factory, mail_server):
    user = mail_user_factory("staff")
    get_user_model().objects.create_user(user.username, password="local-password-123")
    response = Client().post(
        "/accounts/login/", {"username": user.username.upper(), "password": user.password}
    )
    assert "Wrong username or password." in response.content.decode()
    assert get_user_model().objects.filter(username__iexact=user.username).count() == 1


# -- merging the users made before logins were canonical ------------------------------------------


def mail_user(username: str, **fields: object):
    user = get_user_model().objects.create_user(username, **fields)  # type: ignore[arg-type]
    user.set_unusable_password()
    user.save()
    return user


def test_the_migration_merges_spellings_keeping_devices_and_the_disabled_flag():
    lower = mail_user("carol@example.org")
    upper = mail_user("CAROL@Example.org", is_staff=True)
    title = mail_user("Carol@EXAMPLE.org")
    MailAccount.objects.create(user=lower, login=lower.username)
    MailAccount.objects.create(user=upper, login=upper.username, enabled=False)
    device = TOTPDevice.objects.create(user=title, name="phone", confirmed=True)
    identity = Identity.objects.create(user=upper, email="carol@example.org")
    session = Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() + timezone.timedelta(1)
    )
    ActiveSession.objects.create(
        session_key=session.session_key, user=title, login=title.username, last_seen=timezone.now()
    )
    AuditEvent.objects.create(event=AuditEvent.LOGIN, login=upper.username, user=upper)
    bob = mail_user("Bob@example.org")
    staff = get_user_model().objects.create_user("Root", password="local-password-123")

    assert merge_case_variants(apps) == ["carol@example.org", "bob@example.org"]

    users = get_user_model().objects.order_by("username")
    assert [u.username for u in users] == ["Root", "bob@example.org", "carol@example.org"]
    carol = users.get(username="carol@example.org")
    assert carol.pk == lower.pk and carol.is_staff
    assert TOTPDevice.objects.get(pk=device.pk).user_id == carol.pk  # 2FA wins
    account = MailAccount.objects.get()
    assert account.user_id == carol.pk and not account.enabled  # disabled wins
    assert Identity.objects.get(pk=identity.pk).user_id == carol.pk
    assert not Session.objects.filter(session_key=session.session_key).exists()
    assert not ActiveSession.objects.exists()
    assert set(AuditEvent.objects.values_list("login", flat=True)) == {
        "carol@example.org",
        "bob@example.org",
    }
    assert users.get(username="bob@example.org").pk == bob.pk  # renamed, not re-created
    assert users.get(username="Root").pk == staff.pk  # local accounts are left alone
    assert merge_case_variants(apps) == []


def test_the_migration_keeps_an_inactive_spelling_inactive():
    mail_user("dave")
    mail_user("DAVE", is_active=False)
    merge_case_variants(apps)
    assert not get_user_model().objects.get(username="dave").is_active


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_with_the_historical_models():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("accounts", "0005_domain_case_sensitive_logins")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state([*before, ("otp_totp", "0003_add_timestamps")]).apps
    user_model = old.get_model("auth", "User")
    now = timezone.now()
    kept = user_model.objects.create(username="Zoe@Example.org", password="!x", date_joined=now)
    other = user_model.objects.create(username="zoe@example.ORG", password="!y", date_joined=now)
    old.get_model("otp_totp", "TOTPDevice").objects.create(
        user=other, name="phone", confirmed=True, key="3132333435363738393031323334353637383930"
    )
    account_model = old.get_model("accounts", "MailAccount")
    account_model.objects.create(user=kept, login=kept.username, enabled=False)
    account_model.objects.create(user=other, login=other.username)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    zoe = get_user_model().objects.get(username="zoe@example.org")
    assert zoe.pk == kept.pk and get_user_model().objects.count() == 1
    assert TOTPDevice.objects.get().user_id == zoe.pk
    assert not MailAccount.objects.get(user=zoe).enabled
