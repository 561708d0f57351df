"""Dates and sizes as the mail pages show them: pure functions shared by the templates' filters
(mailview/templatetags), the message rows and the live events, so each is drawn one way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy

MONTHS = (
    pgettext_lazy("abbreviated month", "Jan"),
    pgettext_lazy("abbreviated month", "Feb"),
    pgettext_lazy("abbreviated month", "Mar"),
    pgettext_lazy("abbreviated month", "Apr"),
    pgettext_lazy("abbreviated month", "May"),
    pgettext_lazy("abbreviated month", "Jun"),
    pgettext_lazy("abbreviated month", "Jul"),
    pgettext_lazy("abbreviated month", "Aug"),
    pgettext_lazy("abbreviated month", "Sep"),
    pgettext_lazy("abbreviated month", "Oct"),
    pgettext_lazy("abbreviated month", "Nov"),
    pgettext_lazy("abbreviated month", "Dec"),
)
WEEKDAYS = (
    pgettext_lazy("abbreviated weekday", "Mon"),
    pgettext_lazy("abbreviated weekday", "Tue"),
    pgettext_lazy("abbreviated weekday", "Wed"),
    pgettext_lazy("abbreviated weekday", "Thu"),
    pgettext_lazy("abbreviated weekday", "Fri"),
    pgettext_lazy("abbreviated weekday", "Sat"),
    pgettext_lazy("abbreviated weekday", "Sun"),
)

BYTES = pgettext_lazy("size unit: bytes", "B")

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
        half = (
            pgettext("12-hour clock", "PM") if local.hour >= 12 else pgettext("12-hour clock", "AM")
        )
        return f"{hour}:{local.minute:02d} {half}"
    return f"{local.hour:02d}:{local.minute:02d}"


def aware(value: datetime) -> datetime:
    """`value` with a time zone: naive datetimes from the server are taken as UTC."""
    return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value


def list_date(local: datetime, local_now: datetime) -> str:
    """A list date the way mail clients show it: time today, day this year, else the full date.

    Both arguments are in the user's time zone. Formatted without strftime and Django's date
    formatting (this runs for each of 50 rows on every page): the order and the month names come
    from the active language's catalogue ("3 Nov", "3. Nov.", "2025-11-03", "03.11.2025").
    """
    if local.date() == local_now.date():
        return clock_time(local)
    if local.year == local_now.year:
        pattern = pgettext("list date in this year: day and abbreviated month", "{day} {month}")
        return pattern.format(day=local.day, month=MONTHS[local.month - 1])
    pattern = pgettext("list date in an earlier year", "{year:04d}-{month:02d}-{day:02d}")
    return pattern.format(year=local.year, month=local.month, day=local.day)


def full_date(local: datetime) -> str:
    """Tue, 3 Nov 2026 09:05, for `local` already in the user's time zone."""
    pattern = pgettext("full date", "{weekday}, {day} {month} {year} {time}")
    return pattern.format(
        weekday=WEEKDAYS[local.weekday()],
        day=local.day,
        month=MONTHS[local.month - 1],
        year=local.year,
        time=clock_time(local),
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
    """Sizes for a narrow column: 493 B, 12 KB, 3.4 MB (3,4 MB in German, 3,4 Mo in French)."""
    size = int(value or 0)
    if size < 1024:
        return f"{size} {BYTES}"
    units = (
        pgettext_lazy("size unit", "KB"),
        pgettext_lazy("size unit", "MB"),
        pgettext_lazy("size unit", "GB"),
    )
    for unit in units:
        size_f = size / 1024
        if size_f < 10:
            return f"{formats.number_format(round(size_f, 1), 1)} {unit}"
        if size_f < 1024 or unit is units[-1]:
            return f"{size_f:.0f} {unit}"
        size = int(size_f)
    return f"{size} {units[-1]}"


def unseen_badge(unseen: int | None) -> SafeString:
    """A folder's unread badge, as the folder tree and live updates draw it ("" when none)."""
    if not unseen:
        return SafeString("")
    title = ngettext("%(count)s unread", "%(count)s unread", unseen) % {"count": unseen}
    return format_html('<span class="unseen" title="{}">{}</span>', title, unseen)


def count_line(first: int, last: int, total: int) -> str:
    """The list's "1–50 of 1,234" line (plain text: templates escape it), "1–50 von 1.234"."""
    if not total:
        return gettext("No messages")
    return gettext("%(first)s–%(last)s of %(total)s") % {
        "first": grouped(first),
        "last": grouped(last),
        "total": grouped(total),
    }


def grouped(number: int) -> str:
    """A whole number with the active language's thousands separator: 1,234, 1.234, 1 234."""
    return formats.number_format(number, force_grouping=True)
