"""IMAP and mail dates: INTERNALDATE (" 6-Oct-2026 06:22:22 +0000") and RFC 5322 Date headers.

The two forms servers actually send are matched by one regular expression; anything else goes
through email.utils (ten times slower). Datetimes keep the zone they were written in.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz

# Month names of IMAP dates (RFC 3501 date-month), whatever the locale.
IMAP_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBERS = {name.encode(): number for number, name in enumerate(IMAP_MONTHS, 1)}
_COMMON_DATE = re.compile(
    rb"(?:[A-Z][a-z]{2}, )? ?(\d{1,2})[- ]([A-Z][a-z]{2})[- ](\d{4})"
    rb" (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"
)
_DOTTED_TIME = re.compile(r"\w+, ?\d{1,2} \w+ \d\d(\d\d)? \d\d?\.\d\d?\.\d\d?.*")
_ZONES: dict[bytes, tzinfo] = {}


def parse_datetime(value: object) -> datetime | None:
    """An INTERNALDATE or Date header value as a datetime; None when it is not a date."""
    if not value or not isinstance(value, bytes):
        return None
    match = _COMMON_DATE.fullmatch(value)
    if match is not None and match.group(2) in _MONTH_NUMBERS:
        day, month, year, hour, minute, second, sign, zh, zm = match.groups()
        zone = _ZONES.get(sign + zh + zm)
        if zone is None:
            offset = timedelta(hours=int(zh), minutes=int(zm))
            zone = _ZONES[sign + zh + zm] = timezone(-offset if sign == b"-" else offset)
        try:
            return datetime(
                int(year),
                _MONTH_NUMBERS[month],
                int(day),
                int(hour),
                int(minute),
                int(second),
                tzinfo=zone,
            )
        except ValueError:
            pass  # 31 February and the like: the general parser decides
    return _general(value)


def _general(value: bytes) -> datetime | None:
    text = value.decode("latin-1")
    if _DOTTED_TIME.match(text):
        text = text.replace(".", ":")  # "Sat, 8 May 2010 16.03.09 +0200"
    try:
        parts = parsedate_tz(text)
    except (ValueError, IndexError, TypeError):
        return None
    if parts is None:
        return None
    offset = parts[9]
    zone = timezone(timedelta(seconds=offset)) if offset is not None else None
    try:
        return datetime(*parts[:6], tzinfo=zone)
    except (ValueError, OverflowError):
        return None


def internaldate(when: datetime) -> bytes:
    """A datetime as an INTERNALDATE for APPEND: ``"06-Oct-2026 06:22:22 +0200"`` (quoted).

    A naive datetime is taken as local time."""
    if when.tzinfo is None:
        when = when.astimezone()
    text = f"{when.day:02d}-{IMAP_MONTHS[when.month - 1]}-{when.year:04d} "
    text += when.strftime("%H:%M:%S %z")
    return b'"' + text.encode("ascii") + b'"'
