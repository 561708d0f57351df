"""Two Daphne processes behind the Redis channel layer (REDIS_URL, default the Redis on
127.0.0.1:6379): events cross from one process to a websocket held by the other."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mailview.live import events
from tests.support.live import run
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from tests.support.wsclient import Closed, HandshakeRefused, WSClient
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def two_servers(dovecot: Dovecot) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Processes A and B: one database, one Redis."""
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-redis-"))
    (workdir / "a").mkdir()
    (workdir / "b").mkdir()
    env = {
        **mail_env(dovecot),
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": f"sqlite:///{workdir / 'shared.sqlite3'}",
    }
    try:
        with run_daphne(workdir / "a", env) as a, run_daphne(workdir / "b", env) as b:
            yield a, b
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def http_login(server: LiveServer, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    client.get("/accounts/login/").raise_for_status()
    response = client.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    assert response.status_code == 302, response.text[:500]
    return client


def cookies_of(client: httpx.Client) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)


async def receive_kind(ws: WSClient, kind: str, timeout: float = 30) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await ws.receive_json(timeout=max(0.1, deadline - loop.time()))
        if kind == "watching" and message["type"] == "watching":
            return message
        if message["type"] == "event" and message["event"]["kind"] == kind:
            return message["event"]


def test_event_published_in_another_process_reaches_the_websocket(two_servers, alice, settings):
    a, b = two_servers
    client = http_login(a, alice.username, alice.password)
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }

    async def scenario():
        ws = await WSClient.connect(f"{b.url}/ws/live/", cookies_of(client))
        await receive_kind(ws, "watching")
        # This test process publishes; B holds the websocket.
        await events.publish(events.FolderCounts(alice.username, "INBOX", unseen=7, messages=9))
        counts = await receive_kind(ws, "counts")
        assert (counts["unseen"], counts["messages"]) == (7, 9)
        # And B's own watcher relays mail as usual.
        await asyncio.to_thread(alice.append, "INBOX", make_message(subject="via B"))
        new = await receive_kind(ws, "new")
        assert new["rows"][0]["subject"] == "via B"
        await ws.close()

    run(scenario())


def test_logout_in_one_process_closes_the_websocket_and_watcher_in_the_other(
    two_servers, alice, dovecot
):
    a, b = two_servers
    client = http_login(a, alice.username, alice.password)

    async def scenario():
        ws = await WSClient.connect(f"{b.url}/ws/live/", cookies_of(client))
        await receive_kind(ws, "watching")
        response = await asyncio.to_thread(
            client.post,
            "/accounts/logout/",
            data={"csrfmiddlewaretoken": client.cookies["csrftoken"]},
        )
        assert response.status_code == 302
        with pytest.raises((Closed, ConnectionResetError)) as closed:
            await receive_kind(ws, "never", timeout=30)
        # B closes with 4001 (the code is tested in tests/live/test_consumer.py). Daphne waits
        # 1 s for the client's answer to its close frame, then drops the connection: on a loaded
        # machine this client may not have read the frame by then, and the reset discards it.
        if isinstance(closed.value, Closed):
            assert closed.value.code == 4001
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while await asyncio.to_thread(dovecot.connection_count, alice.username):
            assert loop.time() < deadline, "B's watcher still holds an IMAP connection"
            await asyncio.sleep(0.1)
        with pytest.raises(HandshakeRefused):
            await WSClient.connect(f"{b.url}/ws/live/", cookies_of(client))

    run(scenario())
