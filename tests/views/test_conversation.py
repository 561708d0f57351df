"""Conversation view of an opened message (Gmail): the thread stacked, your replies from Sent
in their place, older messages collapsed, the opened (newest) one expanded; against Dovecot."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from mailview.imap import hooks
from mailview.services import conversation as conversation_module
from tests.support.conversation import seed
from tests.support.dovecot import MailUser


@pytest.fixture
def imap_commands() -> Iterator[list[str]]:
    """The names of the IMAP commands sent meanwhile (the app's own observer, the metrics, still
    hears them and is put back afterwards: later tests count commands through it)."""
    seen: list[str] = []
    before = hooks.command_observer()

    def observe(name: str, seconds: float) -> None:
        seen.append(name)
        if before is not None:
            before(name, seconds)

    hooks.set_command_observer(observe)
    yield seen
    hooks.set_command_observer(before)


def test_a_thread_shows_my_reply_from_sent_in_order_older_collapsed(
    login: Callable[..., Client], alice: MailUser, imap_commands: list[str]
) -> None:
    uids = seed(alice)
    client = login(alice)
    client.get("/mail/INBOX/?view=threads")
    imap_commands.clear()
    response = client.get(f"/message/INBOX/{uids['INBOX'][2]}/")
    assert response.status_code == 200
    page = response.content.decode()
    stack = page[page.index('<section class="conversation"') :]
    # Oldest first: bob's question, my reply (from Sent), then bob's answer, open.
    first = stack.index("Shall we walk on Sunday?")
    mine = stack.index("Yes, at ten?")
    newest = stack.index('<article class="message"')
    assert first < mine < newest
    assert "Unrelated" not in stack and "Other" not in stack
    collapsed = re.findall(r'<details class="conv-item([^"]*)" data-src="([^"]+)"', stack)
    assert [classes.strip() for classes, _src in collapsed] == ["", "own"]
    assert collapsed[0][1] == f"/message/INBOX/{uids['INBOX'][0]}/?pane=1&amp;stack=0"
    assert collapsed[1][1] == f"/message/Sent/{uids['Sent'][0]}/?pane=1&amp;stack=0"
    assert "<details open" not in stack
    assert stack.count('<article class="message"') == 1
    # Sent is searched with ORed HEADER criteria: one SEARCH, not one per message.
    assert imap_commands.count("SEARCH") == 1


def test_the_html_part_goes_through_the_frame_only(
    login: Callable[..., Client], alice: MailUser
) -> None:
    uids = seed(alice)
    client = login(alice)
    client.get("/mail/INBOX/?view=threads")
    page = client.get(f"/message/INBOX/{uids['INBOX'][2]}/?view=html").content.decode()
    assert f"/message-frame/INBOX/{uids['INBOX'][2]}/" in page
    assert "<b>it is</b>" not in page and "alert(1)" not in page
    # A collapsed message opened in the stack is the preview pane's fragment, not a stack again.
    fragment = client.get(f"/message/Sent/{uids['Sent'][0]}/?pane=1&stack=0").content.decode()
    assert "Yes, at ten?" in fragment
    assert "conversation" not in fragment
    frame = client.get(f"/message-frame/INBOX/{uids['INBOX'][2]}/2/").content.decode()
    assert "<b>it is</b>" in frame and "<script" not in frame


def test_the_preview_pane_shows_the_stack_and_a_flat_list_does_not(
    login: Callable[..., Client], alice: MailUser
) -> None:
    uids = seed(alice)
    client = login(alice)
    client.get("/mail/INBOX/?view=threads")
    pane = client.get(f"/message/INBOX/{uids['INBOX'][2]}/?pane=1").content.decode()
    assert pane.startswith('<section class="conversation"') or "conversation" in pane[:200]
    assert pane.count('<details class="conv-item') == 2
    # A message alone in its thread is shown alone.
    alone = client.get(f"/message/INBOX/{uids['INBOX'][1]}/?pane=1").content.decode()
    assert "conv-item" not in alone
    client.get("/mail/INBOX/?view=list")
    flat = client.get(f"/message/INBOX/{uids['INBOX'][2]}/").content.decode()
    assert "conv-item" not in flat


def test_another_user_cannot_reach_the_conversation(
    login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    uids = seed(alice)
    intruder = login(bob)
    intruder.get("/mail/INBOX/?view=threads")
    for url in (
        f"/message/INBOX/{uids['INBOX'][2]}/",
        f"/message/Sent/{uids['Sent'][0]}/?pane=1&stack=0",
    ):
        page = intruder.get(url).content.decode()
        assert "Yes, at ten?" not in page and "Shall we walk" not in page


def test_the_sent_search_is_bounded(alice: MailUser) -> None:
    own = [f"<m{i}@example.org>" for i in range(100)]
    pairs = conversation_module._criteria(own, own)
    assert len(pairs) <= 2 * conversation_module.MAX_IDS
    assert ("In-Reply-To", "<m99@example.org>") in pairs  # the newest first
