"""Starting from a message is idempotent per session: opening "forward as attachment" (or a
reply, a forward, a draft) again goes back to the compose in progress, without a new copy."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from mailview.compose.store import ComposeStore
from tests.support.compose import start
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_compose_dir(settings, tmp_path):
    settings.WEBMAIL_COMPOSE_DIR = str(tmp_path / "compose")


def compose_dirs(username: str) -> list[str]:
    user = get_user_model().objects.get(username=username)
    root = ComposeStore(user.pk).root
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


@pytest.mark.parametrize("kind", ["forward_attached", "forward", "reply"])
def test_opening_the_same_start_again_reuses_the_compose(alice, bob, login, kind):
    uid = alice.append(
        "INBOX",
        make_message(
            subject="Report", text="t", attachments=[("r.pdf", "application/pdf", b"%PDF")]
        ),
    )
    client = login(alice)
    query = f"kind={kind}&folder=INBOX&uid={uid}"
    first = start(client, query)
    for _ in range(5):
        assert start(client, query) == first
    assert compose_dirs(alice.username) == [first]
    # Another user cannot open it.
    assert login(bob).get(f"/compose/{first}/").status_code == 404


def test_after_discarding_a_new_start_makes_a_new_compose(alice, login):
    uid = alice.append("INBOX", make_message(subject="Again", text="t"))
    client = login(alice)
    query = f"kind=forward_attached&folder=INBOX&uid={uid}"
    first = start(client, query)
    assert client.post(f"/compose/{first}/discard/").status_code == 302
    second = start(client, query)
    assert second != first
    assert compose_dirs(alice.username) == [second]


def test_another_session_or_message_starts_its_own(alice, login):
    one = alice.append("INBOX", make_message(subject="One", text="t"))
    two = alice.append("INBOX", make_message(subject="Two", text="t"))
    client = login(alice)
    a = start(client, f"kind=forward_attached&folder=INBOX&uid={one}")
    b = start(client, f"kind=forward_attached&folder=INBOX&uid={two}")
    c = start(login(alice), f"kind=forward_attached&folder=INBOX&uid={one}")
    assert len({a, b, c}) == 3
