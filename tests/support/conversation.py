"""A conversation for the conversation-view tests: bob asks, alice answers (her reply is in
Sent), bob answers her with an HTML part; plus an unrelated message in each folder."""

from __future__ import annotations

from tests.support.browser import at, fill
from tests.support.dovecot import MailUser
from webmail.devmail.factories import make_message

ROOT = "<walk@example.org>"
MINE = "<walk-reply@example.org>"
LAST = "<walk-last@example.org>"


def seed(alice: MailUser) -> dict[str, list[int]]:
    bob = "Bob <bob@example.org>"
    me = f"Alice <{alice.address}>"
    inbox = fill(
        alice,
        "INBOX",
        [
            (
                make_message(
                    subject="Walk",
                    sender=bob,
                    to=me,
                    message_id=ROOT,
                    date=at(1),
                    text="Shall we walk on Sunday?",
                ),
                ("\\Seen",),
                at(1),
            ),
            (make_message(subject="Other", sender=bob, to=me, date=at(2)), ("\\Seen",), at(2)),
            (
                make_message(
                    subject="Re: Walk",
                    sender=bob,
                    to=me,
                    message_id=LAST,
                    in_reply_to=MINE,
                    references=[ROOT, MINE],
                    date=at(5),
                    text="Ten it is.",
                    html="<p>Ten <b>it is</b>.</p><script>alert(1)</script>",
                ),
                (),
                at(5),
            ),
        ],
    )
    alice.create_folder("Sent")
    sent = fill(
        alice,
        "Sent",
        [
            (
                make_message(
                    subject="Re: Walk",
                    sender=me,
                    to=bob,
                    message_id=MINE,
                    in_reply_to=ROOT,
                    references=[ROOT],
                    date=at(3),
                    text="Yes, at ten?",
                ),
                ("\\Seen",),
                at(3),
            ),
            (make_message(subject="Unrelated", sender=me, to=bob, date=at(4)), ("\\Seen",), at(4)),
        ],
    )
    return {"INBOX": inbox, "Sent": sent}
