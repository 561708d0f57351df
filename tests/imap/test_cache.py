"""The per-connection cache's sorted orders: 4 bytes a message, and a bound on all of them
together in one process (OrderBudget), least recently used dropped first."""

from __future__ import annotations

import gc
import sys
from array import array

import pytest

from mailview.imap.cache import ConnectionCache, OrderBudget, order_budget, set_order_budget
from mailview.services.search import SearchQuery
from mailview.services.session import MailSession
from webmail.devmail.factories import make_message

SIG = (1, 100, 99)


@pytest.fixture
def budget():
    """The process's budget, small for the test and restored afterwards."""
    before = order_budget.limit
    yield order_budget
    set_order_budget(before)


def uids(n: int) -> array[int]:
    return array("I", range(1, n + 1))


def test_an_order_of_a_million_messages_costs_4_bytes_a_message(budget):
    set_order_budget(64 * 1024 * 1024)
    grown = array("I")
    grown.extend(range(1, 1_000_001))  # as the SORT's answer is read: with room to grow
    cache = ConnectionCache()
    cache.keep_order("INBOX", SIG, "date", grown)
    kept = cache.order("INBOX", SIG, "date")
    assert kept is not None and list(kept[:3]) == [1, 2, 3] and len(kept) == 1_000_000
    overhead = sys.getsizeof(array("I"))
    assert (sys.getsizeof(kept) - overhead) / len(kept) == 4


def test_orders_beyond_the_budget_are_dropped_least_recently_used_first(budget):
    set_order_budget(3 * 400)  # three orders of 100 UIDs
    one, two = ConnectionCache(), ConnectionCache()
    one.keep_order("INBOX", SIG, "date", uids(100))
    two.keep_order("INBOX", SIG, "date", uids(100))
    one.keep_order("INBOX", SIG, "subject", uids(100))
    assert one.order("INBOX", SIG, "date") is not None  # used: now the most recent
    two.keep_order("Archive", SIG, "date", uids(100))  # a fourth: one must go
    assert two.order("INBOX", SIG, "date") is None  # the least recently used, in another cache
    assert one.order("INBOX", SIG, "date") is not None
    assert one.order("INBOX", SIG, "subject") is not None
    assert two.order("Archive", SIG, "date") is not None
    assert budget.used <= budget.limit


def test_forgotten_and_collected_orders_leave_the_budget(budget):
    set_order_budget(10_000)
    start = budget.used
    cache = ConnectionCache()
    cache.keep_order("INBOX", SIG, "date", uids(100))
    assert budget.used == start + 400
    cache.forget("INBOX")
    assert budget.used == start
    cache.keep_order("INBOX", SIG, "date", uids(100))
    cache.folder("INBOX", (1, 101, 100))  # the folder moved on: its orders are stale
    assert budget.used == start
    other = ConnectionCache()
    other.keep_order("INBOX", SIG, "date", uids(100))
    del other
    gc.collect()
    assert budget.used == start


def test_a_budget_of_its_own_starts_empty():
    fresh = OrderBudget(limit=800)
    assert fresh.used == 0 and fresh.evicted == 0


def test_an_evicted_order_is_sorted_again(alice, mail_server, budget):
    for n in range(3):
        alice.append("INBOX", make_message(subject=f"m{n}"))
    mail = MailSession(alice.username, mail_server, lambda: alice.password)

    def sort_twice(conn) -> tuple[int, int]:
        before = conn.commands
        _s, first, _ = conn.sorted_uids("INBOX", "date")
        set_order_budget(0)  # everything kept is dropped
        _s, again, _ = conn.sorted_uids("INBOX", "date")
        assert list(first) == list(again) and len(first) == 3
        return conn.commands - before, budget.evicted

    commands, evicted = mail.run(sort_twice)
    assert evicted >= 1
    assert commands >= 3  # SELECT, SORT, then SORT again (NOOPs may be between)


def test_a_kept_search_costs_4_bytes_a_hit_and_counts_in_the_budget(budget):
    set_order_budget(64 * 1024 * 1024)
    start = budget.used
    grown = array("I")
    grown.extend(range(1, 100_001))  # as the SORT's answer is read: with room to grow
    cache = ConnectionCache()
    cache.keep_search("INBOX", SIG, ("date", b"SUBJECT budget"), grown)
    kept = cache.search("INBOX", SIG, ("date", b"SUBJECT budget"))
    assert kept is not None and len(kept) == 100_000
    assert (sys.getsizeof(kept) - sys.getsizeof(array("I"))) / len(kept) == 4
    assert budget.used == start + 400_000
    cache.forget("INBOX")
    assert budget.used == start


def test_search_results_and_orders_share_the_budget_least_recently_used_first(budget):
    set_order_budget(3 * 400)  # three arrays of 100 UIDs
    cache = ConnectionCache()
    cache.keep_order("INBOX", SIG, "date", uids(100))
    cache.keep_search("INBOX", SIG, ("date", b"FROM ann"), uids(100))
    cache.keep_search("INBOX", SIG, ("date", b"FROM bob"), uids(100))
    assert cache.order("INBOX", SIG, "date") is not None  # used: now the most recent
    cache.keep_search("INBOX", SIG, ("date", b"FROM cid"), uids(100))  # a fourth: one must go
    assert cache.search("INBOX", SIG, ("date", b"FROM ann")) is None
    assert cache.search("INBOX", SIG, ("date", b"FROM bob")) is not None
    assert cache.search("INBOX", SIG, ("date", b"FROM cid")) is not None
    assert cache.order("INBOX", SIG, "date") is not None
    assert budget.used <= budget.limit


def test_an_evicted_search_is_searched_again(alice, mail_server, budget):
    for n in range(3):
        alice.append("INBOX", make_message(subject=f"budget {n}"))
    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    query = SearchQuery(folder="INBOX", text="budget", within="subject")

    def search_three_times(conn) -> tuple[int, int, int]:
        _s, first, _ = conn.search_sorted("INBOX", query.criteria())
        before = conn.commands
        _s, kept, _ = conn.search_sorted("INBOX", query.criteria())
        from_cache = conn.commands - before  # the folder's state checked, no search
        set_order_budget(0)  # everything kept is dropped
        before = conn.commands
        _s, again, _ = conn.search_sorted("INBOX", query.criteria())
        assert list(first) == list(kept) == list(again) and len(first) == 3
        return from_cache, conn.commands - before, budget.evicted

    from_cache, searched_again, evicted = mail.run(search_three_times)
    assert evicted >= 1
    assert searched_again == from_cache + 1  # the SORT again
