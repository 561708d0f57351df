"""The per-user pool: reuse, limits, idle timeout, health check, ending a login, isolation."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from accounts.servers import MailServer
from mailview.imap.cache import Timed
from mailview.imap.client import IMAPConnection
from mailview.imap.errors import PoolExhausted
from mailview.imap.pool import ConnectionPool, PoolKey, password_fingerprint
from mailview.services.session import MailSession
from webmail.devmail.factories import make_message


def server_of(dovecot) -> MailServer:
    return MailServer(dovecot.host, dovecot.imap_port, "starttls", str(dovecot.ca_file))


def session_of(user, pool: ConnectionPool) -> MailSession:
    return MailSession(user.username, server_of(user.dovecot), lambda: user.password, pool)


@pytest.fixture
def pool():
    pool = ConnectionPool(per_login=2, max_total=4, wait=0.5, timeout=5, reaper=False)
    yield pool
    pool.close_all()


def test_a_connection_is_reused_across_requests_without_a_new_login(alice, pool):
    mail = session_of(alice, pool)
    first = mail.run(lambda conn: id(conn))
    second = mail.run(lambda conn: id(conn))
    assert first == second
    assert pool.opened == 1
    assert alice.dovecot.connection_count(alice.username) == 1


def test_the_connection_with_the_folder_selected_is_preferred(alice, pool):
    alice.create_folder("Other")
    mail = session_of(alice, pool)
    hold = threading.Event()
    release = threading.Event()

    def hold_one(conn):
        conn.select("Other")
        hold.set()
        release.wait(5)
        return id(conn)

    with ThreadPoolExecutor(1) as ex:
        other = ex.submit(mail.run, hold_one)
        hold.wait(5)
        inbox_conn = mail.run(lambda conn: (conn.select("INBOX"), id(conn))[1])
        release.set()
        other_conn = other.result()
    assert inbox_conn != other_conn
    assert mail.run(lambda conn: id(conn), folder="Other") == other_conn
    assert mail.run(lambda conn: id(conn), folder="INBOX") == inbox_conn


def test_connections_per_login_are_limited_and_a_waiter_times_out(alice, pool):
    mail = session_of(alice, pool)
    started = threading.Barrier(3)
    release = threading.Event()

    def busy(conn):
        started.wait(5)
        release.wait(5)

    with ThreadPoolExecutor(2) as ex:
        futures = [ex.submit(mail.run, busy) for _ in range(2)]
        started.wait(5)
        with pytest.raises(PoolExhausted):
            mail.run(lambda conn: None)
        release.set()
        for future in futures:
            future.result()
    assert pool.connections_of(alice.username) == 2


def test_a_connection_given_back_wakes_one_waiting_request_not_all_of_them(alice):
    """30 requests of one login queue for its 2 connections: each connection given back goes to
    one waiter. (Waking every waiter each time made them all re-check and sleep again: about
    N²/2 waits, and with 50 sessions of one user more CPU than the requests themselves.)"""
    pool = ConnectionPool(per_login=2, max_total=8, wait=120, timeout=30, reaper=False)
    mail = session_of(alice, pool)
    requests = 30
    permits = threading.Semaphore(0)
    served = []

    def work(conn):
        served.append(id(conn))
        assert permits.acquire(timeout=60)

    def settled(served_count: int, waiting: int) -> None:
        deadline = time.monotonic() + 60
        while (len(served), pool.stats()["waiting"]) != (served_count, waiting):
            assert time.monotonic() < deadline, (len(served), pool.stats())
            time.sleep(0.005)

    try:
        with ThreadPoolExecutor(requests) as ex:
            futures = [ex.submit(mail.run, work) for _ in range(requests)]
            settled(2, requests - 2)  # two hold the connections, everybody else waits
            for done in range(1, requests - 1):
                permits.release()  # one request ends and gives its connection back
                settled(2 + done, requests - 2 - done)
            for _ in range(2):
                permits.release()
            for future in futures:
                future.result()
        assert len(set(served)) == 2
        # Each waiter woke once, when its turn came. Waking all the waiters on each return
        # would be 28 + 27 + ... + 1 = 406 waits.
        assert pool.stats()["waits"] == requests - 2, pool.stats()
    finally:
        pool.close_all()


def test_the_global_cap_evicts_an_idle_connection_of_another_user(mail_user_factory, pool):
    users = [mail_user_factory(f"u{i}") for i in range(5)]
    for user in users:
        session_of(user, pool).run(lambda conn: conn.select("INBOX"))
    assert pool.stats()["total"] == 4
    assert users[0].dovecot.connection_count(users[0].username) == 0  # the oldest went, LOGOUT


def test_idle_connections_are_closed_with_logout_after_the_timeout(alice, pool):
    mail = session_of(alice, pool)
    mail.run(lambda conn: conn.select("INBOX"))
    assert pool.reap(now=time.monotonic()) == 0
    assert pool.reap(now=time.monotonic() + pool.idle_timeout + 1) == 1
    assert pool.stats()["total"] == 0
    deadline = time.monotonic() + 5
    while alice.dovecot.connection_count(alice.username) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alice.dovecot.connection_count(alice.username) == 0


def test_a_dropped_idle_connection_fails_its_health_check_and_is_replaced(alice):
    pool = ConnectionPool(health_check_after=0, timeout=5, reaper=False)
    try:
        mail = session_of(alice, pool)
        alice.append("INBOX", make_message(subject="still here"))
        mail.run(lambda conn: conn.select("INBOX"))
        alice.dovecot.kick(alice.username)
        exists = mail.run(lambda conn: conn.select("INBOX").exists)
        assert exists == 1
        assert pool.opened == 2
    finally:
        pool.close_all()


def test_a_drop_during_the_work_is_retried_once_on_a_fresh_connection(alice, pool):
    alice.append("INBOX", make_message(subject="x"))
    mail = session_of(alice, pool)
    mail.run(lambda conn: conn.select("INBOX"))
    calls = []

    def work(conn):
        calls.append(id(conn))
        if len(calls) == 1:
            alice.dovecot.kick(alice.username)
        return conn.select("INBOX").exists

    assert mail.run(work) == 1
    assert len(calls) == 2


def test_close_login_ends_every_connection_of_that_login_only(alice, bob, pool):
    alice_mail, bob_mail = session_of(alice, pool), session_of(bob, pool)
    alice_mail.run(lambda conn: conn.select("INBOX"))
    bob_mail.run(lambda conn: conn.select("INBOX"))
    assert pool.close_login(alice.username) == 1
    assert pool.connections_of(alice.username) == 0
    assert pool.connections_of(bob.username) == 1
    deadline = time.monotonic() + 5
    while alice.dovecot.connection_count(alice.username) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alice.dovecot.connection_count(alice.username) == 0
    assert bob.dovecot.connection_count(bob.username) == 1


def test_a_connection_leased_while_its_login_is_closed_is_not_returned_to_the_pool(alice, pool):
    mail = session_of(alice, pool)

    def close_meanwhile(conn):
        pool.close_login(alice.username)
        return conn

    # The objects themselves, kept alive: an id() of a connection already freed can be reused.
    first = mail.run(close_meanwhile)
    assert pool.connections_of(alice.username) == 0
    assert mail.run(lambda conn: conn) is not first


def test_another_password_never_gets_the_pooled_connection(alice, pool):
    server = server_of(alice.dovecot)
    good = PoolKey(alice.username, server, password_fingerprint(alice.username, alice.password))
    bad = PoolKey(alice.username, server, password_fingerprint(alice.username, "guess"))
    assert good != bad
    session_of(alice, pool).run(lambda conn: conn.select("INBOX"))
    intruder = MailSession(alice.username, server, lambda: "guess", pool)
    from mailview.imap.errors import AuthenticationFailed

    with pytest.raises(AuthenticationFailed):
        intruder.run(lambda conn: conn.select("INBOX"))


def test_many_users_in_parallel_only_ever_see_their_own_mailbox(mail_user_factory):
    """30 users x 10 requests on 8 threads: every answer comes from the asker's own mailbox."""
    pool = ConnectionPool(per_login=2, max_total=40, wait=10, timeout=10, reaper=False)
    users = [mail_user_factory(f"p{i}") for i in range(30)]
    for user in users:
        user.append("INBOX", make_message(subject=user.username))
    sessions = [session_of(user, pool) for user in users]

    def ask(i: int) -> tuple[str, list[str]]:
        mail = sessions[i % len(sessions)]

        def read(conn):
            conn.select("INBOX")
            return [row.subject for row in conn.fetch_summaries([1])]

        return mail.login, mail.run(read, folder="INBOX")

    try:
        with ThreadPoolExecutor(8) as ex:
            answers = list(ex.map(ask, range(300)))
        assert len(answers) == 300
        for login, subjects in answers:
            assert subjects == [login]
        assert pool.stats()["total"] <= 40
    finally:
        pool.close_all()


def test_a_change_on_one_connection_makes_the_other_connections_lists_stale(alice, pool):
    """The folder tree kept by one pooled connection is not served after the same login changed
    something through another one (a page would show the counts from before the user's move)."""
    mail = session_of(alice, pool)
    leased: list[IMAPConnection] = []
    held = threading.Event()
    release = threading.Event()

    def hold(conn: IMAPConnection) -> None:
        leased.append(conn)
        held.set()
        release.wait(10)

    worker = threading.Thread(target=mail.run, args=(hold,))
    worker.start()
    try:
        assert held.wait(10)
        # While the first connection is busy, a second one keeps a tree for the folder pane.
        second = mail.run(lambda conn: conn)
        second.cache.tree = Timed(0.0, "the tree as the second connection saw it")
    finally:
        release.set()
        worker.join(10)
    first = leased[0]
    assert first is not second
    assert second.cache.tree is not None
    mail.run(lambda conn: None)  # an unrelated request changes nothing
    assert second.cache.tree is not None
    first.cache.forget("INBOX")  # a move of ours, made through the first connection
    assert second.cache.tree is None
    # The login's connections share one version of their lists.
    assert first.cache.shared is second.cache.shared
