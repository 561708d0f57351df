"""Quoting the original in a reply or forward (mailview/compose/original.py)."""

from __future__ import annotations

from email.message import EmailMessage

from django.utils import timezone

from mailview.compose.original import attribution, forward_header, quoted_date
from mailview.render.format import clock_format


def original() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Bob <bob@example.org>"
    msg["To"] = "alice@example.org"
    msg["Subject"] = "Plans"
    msg["Date"] = "Sat, 21 Nov 2026 17:05:09 +0000"
    return msg


def test_quoted_dates_use_the_users_zone_and_clock_never_a_raw_offset():
    with timezone.override("Europe/Berlin"), clock_format("12"):
        assert quoted_date("Sat, 21 Nov 2026 17:05:09 +0000") == "Sat, 21 Nov 2026 6:05 PM"
        assert attribution(original()) == "On Sat, 21 Nov 2026 6:05 PM, Bob wrote:"
        assert "Date: Sat, 21 Nov 2026 6:05 PM" in forward_header(original())
    with timezone.override("UTC"):
        assert "+0000" not in forward_header(original())
        assert "Date: Sat, 21 Nov 2026 17:05" in forward_header(original())


def test_an_unreadable_date_is_left_out_of_the_attribution():
    assert quoted_date("not a date") == ""
    msg = original()
    msg.replace_header("Date", "yesterday")
    assert attribution(msg) == "Bob wrote:"
