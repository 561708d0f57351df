"""/healthz, /metrics, the gauge registry, recent errors and the admin dashboard."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client

from webmail import metrics
from webmail.devmail.dovecot import free_port
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_database_channel_layer_and_imap_answer(mail_server, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "channel_layer": True,
        "imap": True,
    }


def test_healthz_is_503_when_the_imap_server_is_down(settings, client):
    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SECURITY = (
        "127.0.0.1",
        free_port(),
        "none",
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["imap"]["ok"] is False
    assert body["checks"]["imap"]["error"] == "ServerUnreachable"
    assert body["checks"]["database"]["ok"]


def test_metrics_has_requests_imap_latency_pool_and_logins(alice, login, mail_server):
    client = login(alice)
    client.get("/mail/INBOX/")
    Client().post("/accounts/login/", {"username": alice.username, "password": "wrong"})
    text = Client().get("/metrics").content.decode()
    assert 'webmail_http_requests_total{method="GET",status="200",view="mailview:mailbox"}' in text
    assert 'webmail_http_request_duration_seconds_bucket{le="0.005",view="mailview:mailbox"}' in (
        text
    )
    assert 'webmail_imap_command_duration_seconds_count{command="SELECT"}' in text
    assert 'webmail_imap_command_duration_seconds_count{command="LOGIN"}' in text
    assert "webmail_imap_connections_open{worker=" in text
    assert 'webmail_logins_total{result="success"}' in text
    assert 'webmail_logins_total{result="failure"}' in text


def test_registered_gauges_appear_on_metrics_and_the_dashboard(admin_client):
    metrics.register_gauge("test_watchers", "IDLE watchers (test)", lambda: 7)
    try:
        text = admin_client.get("/metrics").content.decode()
        assert "# HELP webmail_test_watchers IDLE watchers (test)" in text
        assert f'webmail_test_watchers{{worker="{metrics.WORKER}"}} 7.0' in text
        page = admin_client.get("/admin/dashboard/").content.decode()
        assert "test_watchers" in page and "<td>7</td>" in page
    finally:
        metrics.unregister_gauge("test_watchers")


def test_a_failing_gauge_does_not_break_the_metrics(admin_client):
    metrics.register_gauge("test_broken", "broken", lambda: 1 / 0)
    try:
        assert admin_client.get("/metrics").status_code == 200
        assert metrics.read_gauges()["test_broken"] is None
    finally:
        metrics.unregister_gauge("test_broken")


def test_gauge_names_are_checked():
    with pytest.raises(ValueError):
        metrics.register_gauge("Bad Name", "x", lambda: 0)


def test_recent_errors_are_kept_without_credentials():
    logging.getLogger("tests.hosted").error("login failed: password=hunter2 for %s", "bob")
    latest = metrics.recent_errors()[0]
    assert latest["logger"] == "tests.hosted"
    assert "hunter2" not in latest["message"] and "[hidden]" in latest["message"]


def test_the_dashboard_shows_logins_of_the_last_hour_and_recent_errors(alice, login, admin_client):
    login(alice)
    logging.getLogger("tests.hosted").error("dashboard-visible-error")
    page = admin_client.get("/admin/dashboard/").content.decode()
    assert '<td id="logins-last-hour">2</td>' in page  # alice and the admin
    assert "dashboard-visible-error" in page
    assert "imap_connections_open" in page
    assert metrics.WORKER in page


def test_the_dashboard_is_for_staff_only(alice, login):
    response = login(alice).get("/admin/dashboard/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def server_timing(response) -> dict[str, float]:
    """The Server-Timing header's metrics, name -> milliseconds."""
    found = re.findall(r"(\w+);dur=([\d.]+)", response.get("Server-Timing", ""))
    return {name: float(ms) for name, ms in found}


def test_server_timing_tells_imap_time_from_the_apps_own_when_turned_on(alice, login, settings):
    alice.append("INBOX", make_message(subject="timed"))
    client = login(alice)
    assert "Server-Timing" not in client.get("/mail/INBOX/")  # off by default
    settings.WEBMAIL_SERVER_TIMING = True
    timing = server_timing(client.get("/search/", {"folder": "INBOX", "q": "timed"}))
    assert timing["imap"] > 0 and timing["app"] > 0  # the search's SORT and FETCH; the page
    assert server_timing(client.get("/accounts/login/"))["imap"] == 0  # no IMAP on this one
