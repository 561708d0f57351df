"""The audit log: what is recorded, what never is, retention, the read-only admin."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def events(login: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(login=login).order_by("at", "id").values_list("event", flat=True)
    )


def test_login_failed_login_and_logout_are_recorded(alice, login, mail_server):
    Client().post("/accounts/login/", {"username": alice.username, "password": "wrong-pw-1"})
    client = login(alice)
    client.post("/accounts/logout/")
    assert events(alice.username) == [
        AuditEvent.LOGIN_FAILED,
        AuditEvent.LOGIN,
        AuditEvent.LOGOUT,
    ]
    entry = AuditEvent.objects.get(login=alice.username, event=AuditEvent.LOGIN)
    assert entry.address == "127.0.0.1"
    assert entry.user is not None and entry.user.username == alice.username


def test_no_password_ever_reaches_the_audit_log(alice, login, mail_server):
    Client().post("/accounts/login/", {"username": alice.username, "password": "wrong-pw-2"})
    login(alice)
    for entry in AuditEvent.objects.all():
        text = f"{entry.login} {entry.user_agent} {entry.details}"
        assert alice.password not in text and "wrong-pw-2" not in text


def test_record_keeps_counts_and_sizes_but_drops_content(alice, db):
    request = RequestFactory().post("/compose/", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="UA")
    entry = audit.record(
        AuditEvent.MESSAGE_SENT,
        alice.username,
        request,
        recipients=3,
        size=48213,
        subject="secret plans",
        body="hello",
        password="x",
    )
    assert entry is not None
    entry.refresh_from_db()
    assert entry.details == {"recipients": 3, "size": 48213}
    assert entry.address == "192.0.2.7" and entry.user_agent == "UA"


def test_entries_past_the_retention_are_pruned(db, settings):
    settings.WEBMAIL_AUDIT_RETENTION_DAYS = 30
    old = audit.record(AuditEvent.LOGIN, "old-user")
    recent = audit.record(AuditEvent.LOGIN, "recent-user")
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=31))
    AuditEvent.objects.filter(pk=recent.pk).update(at=timezone.now() - timedelta(days=29))
    out = StringIO()
    call_command("prune_audit", stdout=out)
    assert "Deleted 1 audit entries" in out.getvalue()
    assert list(AuditEvent.objects.values_list("login", flat=True)) == ["recent-user"]


def test_the_audit_log_is_read_only_in_the_admin(admin_client, db):
    entry = audit.record(AuditEvent.LOGIN, "someone")
    assert admin_client.get("/admin/accounts/auditevent/").status_code == 200
    assert admin_client.get(f"/admin/accounts/auditevent/{entry.pk}/change/").status_code == 200
    assert admin_client.get("/admin/accounts/auditevent/add/").status_code == 403
    response = admin_client.post(f"/admin/accounts/auditevent/{entry.pk}/change/", {})
    assert response.status_code == 403
    assert admin_client.get(f"/admin/accounts/auditevent/{entry.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=entry.pk).exists()


def test_the_audit_log_filters_and_searches(admin_client, db):
    audit.record(AuditEvent.LOGIN, "findme-user")
    audit.record(AuditEvent.LOGIN_FAILED, "other-user")
    page = admin_client.get("/admin/accounts/auditevent/?q=findme").content.decode()
    assert "findme-user" in page and "other-user" not in page
    page = admin_client.get(
        "/admin/accounts/auditevent/?event__exact=login_failed"
    ).content.decode()
    assert "other-user" in page and "findme-user" not in page


def test_admin_changes_are_audited(admin_client, alice, login):
    login(alice)
    from accounts.models import MailAccount

    account = MailAccount.objects.get(login=alice.username)
    admin_client.post(
        "/admin/accounts/mailaccount/",
        {"action": "end_all_sessions", "_selected_action": [account.pk]},
    )
    assert AuditEvent.objects.filter(
        event=AuditEvent.SESSION_ENDED, login=alice.username, details__by="root-admin"
    ).exists()
