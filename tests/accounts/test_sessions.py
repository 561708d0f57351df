"""Mail accounts and sessions: tracking, ending, disabling; admin staff versus mail users."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import sessions
from accounts.models import ActiveSession, AuditEvent, EndedLogin, MailAccount
from accounts.signals import mail_sessions_ended
from mailview.imap.pool import get_pool
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db


def test_a_login_records_the_account_and_the_session(alice, login):
    client = login(alice)
    account = MailAccount.objects.get(login=alice.username)
    assert account.enabled
    assert account.last_login_at is not None
    assert account.last_login_address == "127.0.0.1"
    assert not account.user.is_staff and not account.user.is_superuser
    active = ActiveSession.objects.get(login=alice.username)
    assert active.session_key == client.session.session_key
    assert active.address == "127.0.0.1"


def test_the_user_agent_is_recorded(alice, mail_server):
    client = Client(HTTP_USER_AGENT="TestBrowser/1.0")
    client.post("/accounts/login/", {"username": alice.username, "password": alice.password})
    assert ActiveSession.objects.get(login=alice.username).user_agent == "TestBrowser/1.0"


def test_logout_removes_the_session_record(alice, login):
    client = login(alice)
    client.post("/accounts/logout/")
    assert not ActiveSession.objects.filter(login=alice.username).exists()


def test_last_seen_is_written_at_most_once_per_interval(alice, login, settings):
    settings.WEBMAIL_SESSION_TOUCH_INTERVAL = 3600
    client = login(alice)
    before = ActiveSession.objects.get(login=alice.username).last_seen
    sessions._touched.clear()  # as if this process had not seen the session yet
    client.get("/mail/INBOX/")
    first = ActiveSession.objects.get(login=alice.username).last_seen
    assert first > before
    client.get("/mail/INBOX/")
    assert ActiveSession.objects.get(login=alice.username).last_seen == first


def test_ending_one_session_logs_out_that_browser_only(alice, login):
    first, second = login(alice), login(alice)
    first.get("/mail/INBOX/")
    target = ActiveSession.objects.get(session_key=first.session.session_key)
    assert sessions.end_sessions([target]) == 1
    response = first.get("/mail/INBOX/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert second.get("/mail/INBOX/").status_code == 200
    assert not Session.objects.filter(session_key=target.session_key).exists()
    assert AuditEvent.objects.filter(event=AuditEvent.SESSION_ENDED, login=alice.username)


def test_a_request_still_running_when_its_session_ended_leaves_the_browsers_cookie_alone(
    alice, login, settings
):
    """A page's background request can outlive its session: a concurrent request of the same
    browser ended it and may already have given the browser a new session. The late request is
    answered as logged out and neither deletes nor replaces the browser's session cookie."""
    client = login(alice)
    key = client.session.session_key
    # The late request has loaded its session; the session's record is gone when it checks.
    ActiveSession.objects.filter(session_key=key).delete()
    sessions._touched.clear()
    response = client.get("/mail/INBOX/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.filter(session_key=key).exists()


def test_disabling_an_account_ends_its_sessions_and_pooled_connections(alice, login):
    client = login(alice)
    assert client.get("/mail/INBOX/").status_code == 200
    assert alice.dovecot.connection_count(alice.username) == 1
    account = MailAccount.objects.get(login=alice.username)
    sessions.set_account_enabled(account, False)
    # The pooled connection is gone on the Dovecot side, at once.
    assert wait_until(lambda: alice.dovecot.connection_count(alice.username) == 0)
    assert get_pool().connections_of(alice.username) == 0
    response = client.get("/mail/INBOX/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not ActiveSession.objects.filter(login=alice.username).exists()


def test_a_disabled_account_cannot_log_in_and_is_told_so(alice, login):
    login(alice)
    sessions.set_account_enabled(MailAccount.objects.get(login=alice.username), False)
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": alice.username, "password": alice.password}
    )
    assert response.status_code == 200
    assert "This account is disabled" in response.content.decode()
    # The connection that checked the password was not kept.
    assert wait_until(lambda: alice.dovecot.connection_count(alice.username) == 0)
    assert get_pool().connections_of(alice.username) == 0
    assert client.get("/mail/INBOX/").status_code == 302


def test_a_wrong_password_for_a_disabled_account_says_only_wrong_password(alice, login):
    login(alice)
    MailAccount.objects.filter(login=alice.username).update(enabled=False)
    response = Client().post(
        "/accounts/login/", {"username": alice.username, "password": "wrong-one"}
    )
    assert "Wrong username or password." in response.content.decode()
    assert "disabled" not in response.content.decode()


def test_the_admin_disables_an_account_and_its_session_ends(alice, bob, login, admin_client):
    alice_client, bob_client = login(alice), login(bob)
    alice_client.get("/mail/INBOX/")
    account = MailAccount.objects.get(login=alice.username)
    response = admin_client.post(
        "/admin/accounts/mailaccount/",
        {"action": "disable_accounts", "_selected_action": [account.pk]},
    )
    assert response.status_code == 302
    assert not MailAccount.objects.get(pk=account.pk).enabled
    assert alice_client.get("/mail/INBOX/").status_code == 302
    assert wait_until(lambda: alice.dovecot.connection_count(alice.username) == 0)
    # Bob is not touched.
    assert bob_client.get("/mail/INBOX/").status_code == 200
    entry = AuditEvent.objects.filter(event=AuditEvent.ADMIN_ACTION, login="root-admin").first()
    assert entry is not None and entry.details.get("account") == alice.username


def test_unticking_enabled_in_the_change_form_also_ends_the_sessions(alice, login, admin_client):
    client = login(alice)
    account = MailAccount.objects.get(login=alice.username)
    # No "enabled" in the form: unticked. The sender aliases inline sends its management form.
    aliases = {"sender_aliases-TOTAL_FORMS": "0", "sender_aliases-INITIAL_FORMS": "0"}
    response = admin_client.post(f"/admin/accounts/mailaccount/{account.pk}/change/", aliases)
    assert response.status_code == 302
    assert not MailAccount.objects.get(pk=account.pk).enabled
    assert client.get("/mail/INBOX/").status_code == 302


def test_the_admin_ends_a_session(alice, login, admin_client):
    client = login(alice)
    active = ActiveSession.objects.get(login=alice.username)
    listing = admin_client.get("/admin/accounts/activesession/")
    assert alice.username in listing.content.decode()
    response = admin_client.post(
        "/admin/accounts/activesession/",
        {"action": "end_selected_sessions", "_selected_action": [active.pk]},
    )
    assert response.status_code == 302
    assert client.get("/mail/INBOX/").status_code == 302
    assert MailAccount.objects.get(login=alice.username).enabled  # only the session ended


def test_the_account_list_counts_active_sessions(alice, login, admin_client):
    login(alice)
    login(alice)
    response = admin_client.get("/admin/accounts/mailaccount/")
    page = response.content.decode()
    assert alice.username in page
    assert '<td class="field-active_session_count">2</td>' in page


def test_mail_users_cannot_reach_the_admin(alice, login):
    client = login(alice)
    response = client.get("/admin/accounts/mailaccount/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_admin_login_never_accepts_a_mail_password(alice, mail_server):
    client = Client()
    response = client.post(
        "/admin/login/", {"username": alice.username, "password": alice.password}
    )
    assert response.status_code == 200  # the form again
    assert alice.dovecot.connection_count(alice.username) == 0
    assert not get_user_model().objects.filter(username=alice.username).exists()


def test_a_mail_login_never_becomes_a_local_staff_account(mail_server, dovecot, admin_user):
    dovecot.add_user("root-admin", "mail-password")
    response = Client().post(
        "/accounts/login/", {"username": "root-admin", "password": "mail-password"}
    )
    assert "Wrong username or password." in response.content.decode()


def test_a_mail_user_made_staff_by_an_admin_reaches_the_admin(alice, login):
    client = login(alice)
    get_user_model().objects.filter(username=alice.username).update(is_staff=True)
    assert client.get("/admin/").status_code == 200


def test_the_admin_answers_only_inside_its_networks(admin_client, settings):
    settings.WEBMAIL_ADMIN_NETWORKS = ["10.0.0.0/8"]
    assert admin_client.get("/admin/").status_code == 404
    assert admin_client.get("/metrics").status_code == 404
    settings.WEBMAIL_ADMIN_NETWORKS = ["127.0.0.0/8", "::1/128"]
    assert admin_client.get("/admin/").status_code == 200


def test_the_admin_path_is_configurable(settings, admin_user):
    import importlib

    from django.urls import clear_url_caches

    import webmail.urls

    settings.WEBMAIL_ADMIN_PATH = "staff-only/"
    try:
        importlib.reload(webmail.urls)
        clear_url_caches()
        client = Client()
        assert client.get("/staff-only/login/").status_code == 200
        assert client.get("/admin/login/").status_code == 404
    finally:
        settings.WEBMAIL_ADMIN_PATH = "admin/"
        importlib.reload(webmail.urls)
        clear_url_caches()


def test_other_workers_replay_a_broadcast_but_not_their_own(alice):
    seen: list[str] = []

    def receiver(sender, login, **kwargs):
        seen.append(login)

    mail_sessions_ended.connect(receiver)
    try:
        start = sessions.latest_broadcast_id()
        sessions.announce_sessions_ended(alice.username)
        assert seen == [alice.username]  # sent here at once
        last = sessions.replay_broadcasts(start)
        assert seen == [alice.username]  # our own broadcast is not replayed
        EndedLogin.objects.create(login="from-another-worker")  # as another process would
        assert sessions.replay_broadcasts(last) > last
        assert seen == [alice.username, "from-another-worker"]
    finally:
        mail_sessions_ended.disconnect(receiver)


def test_an_admin_lists_sender_aliases_on_the_mail_account(alice, login, admin_client):
    login(alice)
    account = MailAccount.objects.get(login=alice.username)
    response = admin_client.post(
        f"/admin/accounts/mailaccount/{account.pk}/change/",
        {
            "enabled": "on",
            "sender_aliases-TOTAL_FORMS": "1",
            "sender_aliases-INITIAL_FORMS": "0",
            "sender_aliases-0-address": "sales@example.org",
        },
    )
    assert response.status_code == 302
    assert list(account.sender_aliases.values_list("address", flat=True)) == ["sales@example.org"]
    assert MailAccount.objects.get(pk=account.pk).enabled
