"""How dates and sizes are written (mailview/render/format.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from mailview.render.format import (
    aware,
    clock_format,
    compactsize,
    format_list_date,
    fulldate,
    maildate,
)


def test_compact_sizes_fit_the_list_column():
    assert [compactsize(n) for n in (0, 493, 1536, 12_800, 3_500_000, 5 * 1024**3)] == [
        "0 B", "493 B", "1.5 KB", "12 KB", "3.3 MB", "5.0 GB",
    ]  # fmt: skip


def test_list_dates_show_the_time_today_the_day_this_year_and_the_full_date_before():
    now = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    assert format_list_date(datetime(2026, 11, 21, 9, 5, tzinfo=UTC), now) == "09:05"
    assert format_list_date(datetime(2026, 3, 4, 9, 5, tzinfo=UTC), now) == "4 Mar"
    assert format_list_date(datetime(2019, 5, 4, 12, 0, tzinfo=UTC), now) == "2019-05-04"
    assert maildate(None) == ""


def test_list_dates_are_in_the_active_time_zone():
    now = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)  # 19:00 in Tokyo
    with timezone.override("Asia/Tokyo"):
        assert format_list_date(datetime(2026, 11, 20, 20, 0, tzinfo=UTC), now) == "05:00"


def test_a_date_without_time_zone_is_taken_as_utc() -> None:
    assert aware(datetime(2026, 3, 1, 9, 30)) == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_the_users_clock_writes_every_time_the_same_way():
    now = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
    evening, midnight = datetime(2026, 11, 21, 17, 5, tzinfo=UTC), datetime(2026, 11, 21, 0, 7)
    with timezone.override("UTC"):
        assert format_list_date(evening, now) == "17:05"
        assert fulldate(evening) == "Sat, 21 Nov 2026 17:05"
        with clock_format("12"):
            assert format_list_date(evening, now) == "5:05 PM"
            assert format_list_date(midnight, now) == "12:07 AM"
            assert fulldate(evening) == "Sat, 21 Nov 2026 5:05 PM"
        assert format_list_date(evening, now) == "17:05"  # the block ended
