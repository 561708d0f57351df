"""Dates and sizes as the mail pages show them: pure functions shared by the templates' filters
(mailview/templatetags), the message rows and the live events, so each is drawn one way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext, pgettext, pgettext_lazy

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

SIZE_UNITS = (
    pgettext_lazy("size unit: bytes", "B"),
    pgettext_lazy("size unit", "KB"),
    pgettext_lazy("size unit", "MB"),
    pgettext_lazy("size unit", "GB"),
)


@dataclass(frozen=True)
class _Words:
    """What a date is written with in one language, looked up once per language and process
    (dates are drawn for every row of every page)."""

    months: tuple[str, ...]
    weekdays: tuple[str, ...]
    day_month: str
    earlier_year: str
    full: str
    am: str
    pm: str
    units: tuple[str, ...]  # B, KB, MB, GB
    exact_size: str  # "%(num)s bytes", for a size's tooltip
    decimal: str  # the decimal separator


_WORDS: dict[str, _Words] = {}
#: The words of the page being drawn (`page_words`): no language lookup per row.
_page_words: ContextVar[_Words | None] = ContextVar("webmail_page_words", default=None)


@contextmanager
def page_words() -> Iterator[None]:
    """Dates and sizes drawn inside the block use the active language's words, looked up once."""
    token = _page_words.set(_words())
    try:
        yield
    finally:
        _page_words.reset(token)


def _words() -> _Words:
    page = _page_words.get()
    if page is not None:
        return page
    language = get_language() or ""
    words = _WORDS.get(language)
    if words is None:
        words = _WORDS[language] = _Words(
            months=tuple(str(month) for month in MONTHS),
            weekdays=tuple(str(day) for day in WEEKDAYS),
            day_month=pgettext(
                "list date in this year: day and abbreviated month", "{day} {month}"
            ),
            earlier_year=pgettext(
                "list date in an earlier year", "{year:04d}-{month:02d}-{day:02d}"
            ),
            full=pgettext("full date", "{weekday}, {day} {month} {year} {time}"),
            am=pgettext("12-hour clock", "AM"),
            pm=pgettext("12-hour clock", "PM"),
            units=tuple(str(unit) for unit in SIZE_UNITS),
            decimal=str(formats.get_format("DECIMAL_SEPARATOR")),
            # No plural forms: a message or part of 0 or 1 byte is not shown with its size.
            exact_size=pgettext("exact size of a message", "%(num)s bytes"),
        )
    return words


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
        words = _words()
        half = words.pm if local.hour >= 12 else words.am
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
    words = _words()
    if local.year == local_now.year:
        return words.day_month.format(day=local.day, month=words.months[local.month - 1])
    return words.earlier_year.format(year=local.year, month=local.month, day=local.day)


def full_date(local: datetime) -> str:
    """Tue, 3 Nov 2026 09:05, for `local` already in the user's time zone."""
    words = _words()
    return words.full.format(
        weekday=words.weekdays[local.weekday()],
        day=local.day,
        month=words.months[local.month - 1],
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
    words = _words()
    size = int(value or 0)
    if size < 1024:
        return f"{size} {words.units[0]}"
    for unit in words.units[1:]:
        size_f = size / 1024
        if size_f < 10:
            return f"{size_f:.1f} {unit}".replace(".", words.decimal, 1)
        if size_f < 1024 or unit is words.units[-1]:
            return f"{size_f:.0f} {unit}"
        size = int(size_f)
    return f"{size} {words.units[-1]}"


def exact_size(value: int | None) -> str:
    """A size in bytes for a tooltip: 1234 bytes."""
    return _words().exact_size % {"num": int(value or 0)}


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
