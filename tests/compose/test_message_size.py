"""One message's attachments are limited by the outgoing server's SIZE (else a setting): the
limit is on the compose page before any upload, and an upload that passes it is refused."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mailview.compose import limits
from mailview.compose.limits import MESSAGE_OVERHEAD
from mailview.compose.store import human_size
from tests.support.compose import start
from tests.support.smtp import point_smtp_at
from webmail.devmail.dovecot import free_port

pytestmark = pytest.mark.django_db


def upload(client, compose_id: str, name: str, size: int):
    data = SimpleUploadedFile(name, b"x" * size, content_type="application/octet-stream")
    return client.post(f"/compose/{compose_id}/attachments/", {"file": data})


def test_the_servers_size_limits_a_messages_attachments(
    settings, smtp_server_factory, login, alice, bob
):
    server = smtp_server_factory(max_size=400_000)
    point_smtp_at(settings, server)
    allowed = (400_000 - MESSAGE_OVERHEAD) * 3 // 4
    client = login(alice)
    compose_id = start(client)
    page = client.get(f"/compose/{compose_id}/").content.decode()
    assert f"{human_size(allowed)} in all" in page
    assert f'data-max-total="{allowed}"' in page
    assert upload(client, compose_id, "one.bin", allowed - 1000).status_code == 200
    refused = upload(client, compose_id, "two.bin", 2000)
    assert refused.status_code == 400
    assert "With “two.bin” the message would be too large" in refused.json()["error"]
    attachments = client.get(f"/compose/{compose_id}/").content.decode()
    assert f'data-attached="{allowed - 1000}"' in attachments
    # Another user cannot upload into alice's compose.
    assert upload(login(bob), compose_id, "x.bin", 10).status_code == 404


def test_without_an_announced_size_the_setting_applies(settings, login, alice):
    settings.SMTP_HOST, settings.SMTP_PORT, settings.SMTP_SECURITY = (
        "127.0.0.1",
        free_port(),
        "none",
    )
    settings.WEBMAIL_MAX_MESSAGE_SIZE = 1_000_000
    allowed = (1_000_000 - MESSAGE_OVERHEAD) * 3 // 4
    client = login(alice)
    compose_id = start(client)
    assert f'data-max-total="{allowed}"' in client.get(f"/compose/{compose_id}/").content.decode()
    assert upload(client, compose_id, "big.bin", allowed + 1).status_code == 400


def test_an_announced_size_is_remembered_and_an_unreachable_server_asked_again(
    settings, smtp_server_factory, login, alice, monkeypatch
):
    settings.WEBMAIL_MAX_MESSAGE_SIZE = 1_000_000
    port = free_port()
    settings.SMTP_HOST, settings.SMTP_PORT, settings.SMTP_SECURITY = "127.0.0.1", port, "none"
    # The unreachable server is remembered for a while only: here for no time at all.
    monkeypatch.setattr(limits, "UNREACHABLE_CACHE_SECONDS", 0)
    assert limits.message_size_limit(alice.username) == 1_000_000
    server = smtp_server_factory(port=port, max_size=400_000, security="none")
    assert limits.message_size_limit(alice.username) == 400_000
    # What the server announced is remembered: it is not asked at every compose.
    server.stop()
    assert limits.message_size_limit(alice.username) == 400_000
