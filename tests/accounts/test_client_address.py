"""The client address behind a proxy: one function (accounts.net.client_ip) reads it from the
right of X-Forwarded-For, trusting only WEBMAIL_TRUSTED_PROXIES; through a real nginx with
the documented configuration, spoofed headers never reach the admin, never change the throttled
address, and the audit log shows the real peer."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.test import RequestFactory

from accounts.net import client_ip
from tests.support.dovecot import MailUser
from tests.support.liveserver import mail_env
from tests.support.nginx import Served, run_nginx, serve_webmail
from webmail.devmail.dovecot import Dovecot

PROXY, CLIENT, OTHER_CLIENT = "127.0.0.2", "127.0.0.3", "127.0.0.4"


def request(peer: str, forwarded: str | None = None):
    made = RequestFactory().get("/", REMOTE_ADDR=peer)
    if forwarded is not None:
        made.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return made


def test_without_trusted_proxies_the_client_is_the_socket_peer(settings):
    settings.WEBMAIL_TRUSTED_PROXIES = []
    assert client_ip(request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_the_client_is_the_last_entry_that_is_not_a_trusted_proxy(settings):
    settings.WEBMAIL_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
    # The client wrote the first entries; the proxies appended what they saw.
    chain = "203.0.113.66, 198.51.100.7, 10.1.2.3"
    assert client_ip(request("192.0.2.1", chain)) == "198.51.100.7"
    assert client_ip(request("192.0.2.1", "198.51.100.7")) == "198.51.100.7"
    assert client_ip(request("192.0.2.1", "[2001:db8::5]:4711, 10.0.0.1")) == "2001:db8::5"
    assert client_ip(request("192.0.2.1", "198.51.100.7:5555")) == "198.51.100.7"
    # No header, or only proxies in it: the nearest address there is.
    assert client_ip(request("192.0.2.1")) == "192.0.2.1"
    assert client_ip(request("192.0.2.1", "10.0.0.5, 10.0.0.6")) == "10.0.0.5"
    # Garbage left of a trusted hop: the last address a trusted proxy vouched for.
    assert client_ip(request("192.0.2.1", "not-an-ip, 10.0.0.6")) == "10.0.0.6"
    # A peer that is not a trusted proxy: its header is not believed.
    assert client_ip(request("198.51.100.9", "10.0.0.5, 203.0.113.1")) == "198.51.100.9"
    assert client_ip(request("::ffff:198.51.100.9")) == "198.51.100.9"


@pytest.fixture(scope="module")
def proxied(dovecot: Dovecot) -> Iterator[tuple[str, Served]]:
    """nginx (connecting from PROXY) in front of `webmail.serve`, configured as documented."""
    workdir = Path(tempfile.mkdtemp(prefix="webmail-proxy-"))
    env = {
        **mail_env(dovecot),
        "WEBMAIL_TRUSTED_PROXIES": PROXY,
        # The old documentation's switch (Daphne's --proxy-headers): it must change nothing.
        "WEBMAIL_PROXY_HEADERS": "true",
        "WEBMAIL_ADMIN_NETWORKS": f"{CLIENT}/32",
        "WEBMAIL_LOGIN_FAILURE_LIMIT": "3",
        # Per address (any accounts): above the per-account limit (accounts/throttling.py).
        "WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT": "5",
    }
    try:
        with (
            serve_webmail(workdir, env) as served,
            run_nginx(workdir, served.port, bind=PROXY) as url,
        ):
            yield url, served
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def browser_from(address: str, base_url: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base_url, transport=transport, timeout=30)


def log_in(client: httpx.Client, username: str, password: str, spoof: str) -> httpx.Response:
    client.get("/accounts/login/", headers={"X-Forwarded-For": spoof})
    data = {
        "username": username,
        "password": password,
        "csrfmiddlewaretoken": client.cookies["csrftoken"],
    }
    return client.post("/accounts/login/", data=data, headers={"X-Forwarded-For": spoof})


def audit(served: Served, login: str) -> list[tuple[str, str]]:
    with sqlite3.connect(served.database) as db:
        return db.execute(
            "SELECT event, address FROM accounts_auditevent WHERE login = ? ORDER BY id", (login,)
        ).fetchall()


def test_spoofed_headers_never_reach_the_admin_or_metrics(proxied):
    url, _served = proxied
    with browser_from(CLIENT, url) as inside, browser_from(OTHER_CLIENT, url) as outside:
        assert inside.get("/admin/login/").status_code == 200
        assert inside.get("/metrics").status_code == 200
        for spoof in (CLIENT, f"{CLIENT}, {CLIENT}", f"{PROXY}, {CLIENT}", "unknown, " + CLIENT):
            headers = {"X-Forwarded-For": spoof}
            assert outside.get("/admin/login/", headers=headers).status_code == 404
            assert outside.get("/metrics", headers=headers).status_code == 404


def test_the_audit_log_shows_the_real_peer(proxied, alice: MailUser):
    url, served = proxied
    with browser_from(CLIENT, url) as client:
        response = log_in(client, alice.username, alice.password, spoof="203.0.113.77")
        assert response.status_code == 302, response.text[:500]
    assert audit(served, alice.username) == [("login", CLIENT)]


def test_spoofed_headers_never_change_the_throttled_address(proxied, mail_user_factory):
    url, served = proxied
    locked = None
    with browser_from(OTHER_CLIENT, url) as attacker:
        for attempt in range(30):  # a new spoofed address and a new account each time
            response = log_in(
                attacker, f"nobody{attempt}", "wrong", spoof=f"198.51.100.{attempt + 1}"
            )
            if response.status_code == 429:
                locked = attempt
                break
    assert locked is not None, "rotating X-Forwarded-For escaped the per-address limit"
    assert ("login_throttled", OTHER_CLIENT) in audit(served, f"nobody{locked}")
    for attempt in range(locked):
        assert audit(served, f"nobody{attempt}") == [("login_failed", OTHER_CLIENT)]
    # Another address (spoofing the locked one) is not locked out.
    user = mail_user_factory()
    with browser_from(CLIENT, url) as someone:
        response = log_in(someone, user.username, user.password, spoof=OTHER_CLIENT)
        assert response.status_code == 302
