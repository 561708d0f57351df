"""What is asked before sending, and which composes are worth a draft (mailview/compose/checks)."""

from __future__ import annotations

import pytest

from mailview.compose.checks import mentions_attachment, send_warnings, worth_a_draft
from mailview.compose.start import ComposeFields


@pytest.mark.parametrize(
    "text",
    [
        "Please find the report attached.",
        "See the attachment.",
        "The contract is enclosed.",
        "Anbei die Rechnung.",
        "Die Datei habe ich angehängt.",
        "Voir le fichier ci-joint.",
        "Je vous envoie la pièce jointe.",
        "Te mando el documento adjunto.",
    ],
)
def test_a_mention_of_an_attachment_is_found(text: str) -> None:
    assert mentions_attachment(ComposeFields(text=text))


@pytest.mark.parametrize(
    "text",
    [
        "See you on Sunday.",
        "Thanks!\n\n> The report is attached.",  # quoted: the other person's words
        "Hi\n\n-- \nAttachments are scanned by our gateway.",  # the signature
        "The attacker was detached.",
    ],
)
def test_quotes_signatures_and_other_words_are_not_a_mention(text: str) -> None:
    assert not mentions_attachment(ComposeFields(text=text))


def test_html_mode_reads_the_editor_without_its_quote() -> None:
    fields = ComposeFields(
        format="html", html="<p>Thanks</p><blockquote><p>see attached</p></blockquote>"
    )
    assert not mentions_attachment(fields)
    assert mentions_attachment(ComposeFields(format="html", html="<p>Anbei&nbsp;das PDF</p>"))


def test_warnings_name_a_missing_subject_and_a_missing_attachment() -> None:
    fields = ComposeFields(subject="  ", text="attached: the minutes")
    assert send_warnings(fields, attachments=0) == [
        "This message has no subject.",
        "The text mentions an attachment, but no file is attached.",
    ]
    assert send_warnings(fields, attachments=1) == ["This message has no subject."]
    assert send_warnings(ComposeFields(subject="Minutes", text="attached"), attachments=1) == []


def test_only_recipients_and_a_signature_are_not_worth_a_draft() -> None:
    empty = ComposeFields(to="bob@example.org", text="\n\n-- \nAlice")
    assert not worth_a_draft(empty, 0, replying=False)
    assert worth_a_draft(empty, 0, replying=True)
    assert worth_a_draft(empty, 1, replying=False)
    assert worth_a_draft(ComposeFields(subject="Plans"), 0, replying=False)
    assert worth_a_draft(ComposeFields(text="Hello"), 0, replying=False)
