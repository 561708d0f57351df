"""Dates and sizes as the mail pages show them: pure functions shared by the templates' filters
(mailview/templatetags), the message rows and the live events, so each is drawn one way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: The user's clock, "24" (17:05) or "12" (5:05 PM): one time format on every page, set per
#: request by the accounts middleware (and by live mail's consumer), like the time zone.
_clock: ContextVar[str] = ContextVar("webmail_clock", default="24")


@contextmanager
def clock_format(clock: str) -> Iterator[None]:
    """Times drawn inside the block use `clock` ("24" or "12")."""
    token = _clock.set("12" if clock == "12" else "24")
    try:
        yield
    finally:
        _clock.reset(token)


def clock_time(local: datetime) -> str:
    """17:05, or 5:05 PM with the 12-hour clock; never seconds."""
    if _clock.get() == "12":
        hour = local.hour % 12 or 12
        return f"{hour}:{local.minute:02d} {'PM' if local.hour >= 12 else 'AM'}"
    return f"{local.hour:02d}:{local.minute:02d}"


def aware(value: datetime) -> datetime:
    """`value` with a time zone: naive datetimes from the server are taken as UTC."""
    return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value


def list_date(local: datetime, local_now: datetime) -> str:
    """A list date the way mail clients show it: time today, day this year, else the full date.

    Both arguments are in the user's time zone. Formatted without strftime and Django's date
    formatting: this runs for each of 50 rows on every page, and is the same in every locale.
    """
    if local.date() == local_now.date():
        return clock_time(local)
    if local.year == local_now.year:
        return f"{local.day} {MONTHS[local.month - 1]}"
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"


def full_date(local: datetime) -> str:
    """Tue, 3 Nov 2026 09:05, for `local` already in the user's time zone."""
    return (
        f"{WEEKDAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year} "
        f"{clock_time(local)}"
    )


def maildate(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_list_date(value, timezone.now())


def format_list_date(value: datetime, now: datetime) -> str:
    return list_date(timezone.localtime(aware(value)), timezone.localtime(now))


def fulldate(value: datetime | None) -> str:
    if value is None:
        return ""
    return full_date(timezone.localtime(aware(value)))


def compactsize(value: int | None) -> str:
    """Sizes for a narrow column: 493 B, 12 KB, 3.4 MB."""
    size = int(value or 0)
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size_f = size / 1024
        if size_f < 10:
            return f"{size_f:.1f} {unit}"
        if size_f < 1024 or unit == "GB":
            return f"{size_f:.0f} {unit}"
        size = int(size_f)
    return f"{size} GB"


def unseen_badge(unseen: int | None) -> SafeString:
    """A folder's unread badge, as the folder tree and live updates draw it ("" when none)."""
    if not unseen:
        return SafeString("")
    return format_html('<span class="unseen" title="{} unread">{}</span>', unseen, unseen)


def count_line(first: int, last: int, total: int) -> str:
    """The list's "1–50 of 1,234" line (plain text: templates escape it)."""
    if not total:
        return "No messages"
    return f"{first:,}–{last:,} of {total:,}"
