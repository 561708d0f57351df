"""The folder tree and the message list, through the views, on every server (Dovecot, Cyrus in
both namespace modes)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from accounts.models import Preferences
from mailview.imap.client import IMAPConnection
from mailview.imap.pool import get_pool
from mailview.services.session import MailSession
from tests.services.test_search import commands_by_name, sent_since
from tests.support.cyrus import server_name
from tests.support.pages import list_subjects
from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db, pytest.mark.all_servers]
PRIVATE_DOVECOT = pytest.mark.only_on(
    "dovecot", reason="a private Dovecot configured for the case (quota rule, capabilities)"
)
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def subjects(response) -> list[str]:
    return list_subjects(response.content.decode())


def folders(response) -> list[tuple[str, str]]:
    html = response.content.decode()
    return re.findall(r'data-folder="([^"]*)".*?<span class="label">([^<]*)</span>', html, re.S)


def fill(user, folder: str, count: int, **kwargs) -> list[int]:
    return user.append_many(
        folder,
        [
            (
                make_message(subject=f"Message {i:03d}", date=T0 + timedelta(hours=i), **kwargs),
                T0 + timedelta(hours=i),
            )
            for i in range(count)
        ],
    )


def test_anonymous_users_are_sent_to_the_login_page(client):
    for url in ("/", "/mail/", "/mail/INBOX/", "/message/INBOX/1/", "/accounts/settings/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_folder_tree_lists_roles_first_with_unread_counts(alice, login):
    alice.append("INBOX", make_message(subject="new"))
    alice.append("INBOX", make_message(subject="read"), flags=["\\Seen"])
    alice.create_folder("Projects/2026")
    alice.append("Projects/2026", make_message(subject="nested"))
    alice.create_folder("Alpha")
    client = login(alice)
    response = client.get("/mail/INBOX/")
    tree = folders(response)
    names = [name for name, _label in tree]
    f = alice.folder
    assert names[:6] == ["INBOX", f("Drafts"), f("Sent"), f("Junk"), f("Trash"), f("Archive")]
    assert names[6:] == [f("Alpha"), f("Projects"), f("Projects/2026")]
    assert dict(tree)["INBOX"] == "Inbox"
    html = response.content.decode()
    # The first page does not wait for the server to count every folder: it asks afterwards.
    assert 'data-counts="/folder-counts/"' in html
    assert 'class="unseen"' not in html
    counts = {e["folder"]: e for e in client.get("/folder-counts/").json()["events"]}
    assert counts["INBOX"]["unseen"] == 1 and counts["INBOX"]["messages"] == 2
    assert counts[f("Projects/2026")]["unseen"] == 1 and counts[f("Alpha")]["unseen"] == 0
    assert '<span class="unseen"' in counts["INBOX"]["badge"]
    html = client.get("/mail/INBOX/").content.decode()  # the counted tree
    assert re.search(r'data-folder="INBOX".*?class="unseen"[^>]*>1<', html, re.S)
    nested = re.escape(f("Projects/2026"))
    assert re.search(rf'data-folder="{nested}".*?class="unseen"[^>]*>1<', html, re.S)
    assert "<title>(1) Inbox" in html
    assert "data-counts" not in html


def test_list_shows_newest_first_fifty_per_page(alice, login):
    fill(alice, "INBOX", 120)
    client = login(alice)
    first = client.get("/mail/INBOX/")
    assert subjects(first)[:2] == ["Message 119", "Message 118"]
    assert len(subjects(first)) == 50
    assert "1–50 of 120" in first.content.decode()
    third = client.get("/mail/INBOX/?page=3")
    assert subjects(third) == [f"Message {i:03d}" for i in range(19, -1, -1)]
    assert "101–120 of 120" in third.content.decode()
    beyond = client.get("/mail/INBOX/?page=99")
    assert subjects(beyond) == subjects(third)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?sort=subject&order=asc", ["Apple", "banana", "Cherry"]),
        ("?sort=subject&order=desc", ["Cherry", "banana", "Apple"]),
        ("?sort=size&order=asc", ["Apple", "Cherry", "banana"]),
        ("?sort=from&order=asc", ["Cherry", "banana", "Apple"]),
        ("?sort=date&order=asc", ["Apple", "banana", "Cherry"]),
        ("?sort=arrival&order=desc", ["Cherry", "banana", "Apple"]),
    ],
)
def test_list_sorts_on_the_server_by_each_column(alice, login, query, expected):
    alice.append("INBOX", make_message(subject="Apple", sender="Zed <z@example.org>", date=T0))
    alice.append(
        "INBOX",
        make_message(
            subject="banana", sender="Mia <m@example.org>", date=T0 + timedelta(1), text="x" * 5000
        ),
    )
    alice.append(
        "INBOX",
        make_message(
            subject="Cherry", sender="Ada <a@example.org>", date=T0 + timedelta(2), text="x" * 100
        ),
    )
    assert subjects(login(alice).get("/mail/INBOX/" + query)) == expected


def test_nested_folder_path_is_the_url_and_the_last_segment_of_a_message_is_its_uid(alice, login):
    alice.create_folder("Projects/2026")
    uid = alice.append("Projects/2026", make_message(subject="Budget 2026", text="Numbers.\n"))
    client = login(alice)
    nested = alice.folder("Projects/2026")  # "INBOX.Projects.2026" in Cyrus' default namespace
    listing = client.get(f"/mail/{nested}/")
    assert subjects(listing) == ["Budget 2026"]
    assert f'href="/message/{nested}/{uid}/"' in listing.content.decode()
    message = client.get(f"/message/{nested}/{uid}/")
    assert message.status_code == 200
    assert "Budget 2026" in message.content.decode()
    assert "Numbers." in message.content.decode()


def test_folder_names_with_url_characters_round_trip(alice, login):
    # Cyrus refuses "%" in a name (its refusal is tested in test_folders_servers.py).
    name = "Q&A #1 ?100% Café" if server_name(alice.dovecot) == "dovecot" else "Q&A #1 ?100 Café"
    alice.create_folder(name)
    alice.append(name, make_message(subject="inside"))
    client = login(alice)
    html = client.get("/mail/INBOX/").content.decode()
    shown = re.escape(alice.folder(name).replace("&", "&amp;"))
    href = re.search(rf'data-folder="{shown}".*?<a href="([^"]+)"', html, re.S)
    assert href, "the folder is in the tree"
    assert subjects(client.get(unescape(href.group(1)))) == ["inside"]


def test_message_view_decodes_headers_and_text(alice, login):
    uid = alice.append(
        "INBOX",
        make_message(
            subject="Grüße aus Köln — 東京",
            sender="Jürgen <j@example.org>",
            text="Hallo Welt, ünïcödé.\n",
        ),
    )
    html = login(alice).get(f"/message/INBOX/{uid}/?pane=1").content.decode()
    assert "Grüße aus Köln — 東京" in html
    assert "Jürgen" in html
    assert "Hallo Welt, ünïcödé." in html


def test_hostile_header_values_are_escaped(alice, login):
    alice.append(
        "INBOX",
        make_message(
            subject='<img src=x onerror="alert(1)">',
            sender='"<script>x()</script>" <e@example.org>',
        ),
    )
    html = login(alice).get("/mail/INBOX/").content.decode()
    assert "<img src=x" not in html
    # Escaped as text (the rows' template writes " as &#34;, Django's as &quot;).
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<script>x()" not in html


def test_page_size_and_time_zone_are_user_preferences(alice, login):
    fill(alice, "INBOX", 30)
    client = login(alice)
    prefs = Preferences.objects.get(user__username=alice.username)
    prefs.page_size, prefs.time_zone = 25, "Asia/Tokyo"
    prefs.save()
    response = client.get("/mail/INBOX/?sort=date&order=asc")
    assert len(subjects(response)) == 25
    # Message 000 was sent 2026-01-10 09:00 UTC = 18:00 in Tokyo.
    assert "Sat, 10 Jan 2026 18:00" in response.content.decode()


def test_settings_page_changes_the_page_size(alice, login):
    client = login(alice)
    response = client.post("/accounts/settings/display/", {"page_size": 100, "theme": "system"})
    assert response.status_code == 302
    response = client.post("/accounts/settings/", {"time_zone": "Europe/Berlin", "clock": "24"})
    assert response.status_code == 302
    prefs = Preferences.objects.get(user__username=alice.username)
    assert (prefs.page_size, prefs.time_zone) == (100, "Europe/Berlin")


def test_a_warm_page_costs_a_constant_number_of_imap_commands(alice, login):
    fill(alice, "INBOX", 60)
    client = login(alice)
    client.get("/mail/INBOX/")
    before = get_pool().stats()["commands"]
    html = client.get("/mail/INBOX/").content.decode()
    warm = get_pool().stats()["commands"] - before
    assert "of 1 GB used" in html  # the quota comes from the cached tree too
    client.get("/mail/INBOX/?page=2")
    second = get_pool().stats()["commands"] - before - warm
    assert warm == 1  # NOOP: the order, the rows and the tree are all still good
    assert second == 2  # NOOP, FETCH of the rows not seen yet


def test_the_folder_tree_is_asked_again_after_its_ttl(alice, login, settings):
    settings.WEBMAIL_FOLDER_TREE_TTL = 0
    client = login(alice)
    client.get("/mail/INBOX/")
    alice.append("INBOX", make_message(subject="arrived"))
    before = get_pool().stats()["commands"]
    html = client.get("/mail/INBOX/").content.decode()
    # NOOP (which sees the new message), SELECT, SORT, FETCH; the tree is the one known, its
    # counts asked by the page afterwards (not on the page's time).
    assert get_pool().stats()["commands"] - before == 4
    assert 'data-counts="/folder-counts/"' in html
    before = get_pool().stats()["commands"]
    counts = {e["folder"]: e["unseen"] for e in client.get("/folder-counts/").json()["events"]}
    assert counts["INBOX"] == 1
    # LIST-STATUS and GETQUOTAROOT (the quota under the tree).
    assert get_pool().stats()["commands"] - before == 2


def test_without_counts_later_the_first_page_counts_first(alice, login, settings):
    settings.WEBMAIL_FOLDER_COUNTS_LATER = False
    alice.append("INBOX", make_message(subject="new"))
    html = login(alice).get("/mail/INBOX/").content.decode()
    assert re.search(r'data-folder="INBOX".*?class="unseen"[^>]*>1<', html, re.S)
    assert "data-counts" not in html


def test_a_tree_without_counts_asks_no_status(alice, mail_server):
    alice.append("INBOX", make_message(subject="new"))
    mail = MailSession(alice.username, mail_server, lambda: alice.password)

    def listed(conn: IMAPConnection, drop: set[str], counts: bool):
        conn._capabilities = conn.capabilities - drop
        before = commands_by_name()
        folders = conn.list_folders(counts=counts)
        return {f.name: (f.messages, f.unseen) for f in folders}, sent_since(before)

    # LIST-EXTENDED: one LIST, without RETURN (STATUS ...): the server sends no counts.
    found, sent = mail.run(lambda conn: listed(conn, set(), counts=False))
    assert found["INBOX"] == (None, None) and sent == {"LIST": 1}
    found, sent = mail.run(lambda conn: listed(conn, set(), counts=True))
    assert found["INBOX"] == (1, 1)
    # Plain LIST + LSUB: no STATUS per folder unless counts are asked for.
    found, sent = mail.run(lambda conn: listed(conn, {"LIST-EXTENDED"}, counts=False))
    assert found["INBOX"] == (None, None) and "STATUS" not in sent
    found, sent = mail.run(lambda conn: listed(conn, {"LIST-EXTENDED"}, counts=True))
    assert found["INBOX"] == (1, 1) and sent["STATUS"] == len(found)


def test_bob_gets_his_own_counts(alice, bob, login):
    alice.append("INBOX", make_message(subject="for alice"))
    alice.create_folder("Secret")
    counts = {e["folder"]: e for e in login(bob).get("/folder-counts/").json()["events"]}
    assert counts["INBOX"]["unseen"] == 0 and counts["INBOX"]["messages"] == 0
    assert "Secret" not in counts
    assert login(alice).get("/folder-counts/").json()["events"][0]["unseen"] == 1


def test_folder_counts_need_a_login(client):
    response = client.get("/folder-counts/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def quota_gauge(html: str) -> re.Match | None:
    return re.search(
        r'<div class="quota-gauge( warning)?" data-resource="([A-Z]+)">\s*'
        r'<label for="quota-meter" class="quota-text">([^<]*)</label>\s*<meter [^>]*>',
        html,
    )


def test_every_user_sees_their_own_quota_under_the_folder_tree(alice, bob, login):
    alice.append(
        "INBOX", make_message(attachments=[("a.bin", "application/x-a", b"x" * 8_000_000)])
    )
    bob.append("INBOX", make_message(attachments=[("b.bin", "application/x-b", b"x" * 3_000_000)]))
    # Both test servers' quota is 1 GB of storage; the usage is each server's own count
    # (Dovecot: alice 10,555 KiB, bob 3,959 KiB; Cyrus counts a little differently).
    used = {u.username: storage_used(u) for u in (alice, bob)}
    alice_html = login(alice).get("/mail/INBOX/").content.decode()
    gauge = quota_gauge(alice_html)
    assert gauge is not None, alice_html[alice_html.find("manage-folders") :][:600]
    assert gauge.groups() == (None, "STORAGE", "10 MB of 1 GB used")
    meter = rf'<meter id="quota-meter" min="0" max="1048576" value="{used[alice.username]}"'
    assert re.search(meter, alice_html)
    if server_name(alice.dovecot) == "dovecot":
        assert used == {alice.username: 10555, bob.username: 3959}
    bob_client = login(bob)
    bob_html = bob_client.get("/mail/INBOX/").content.decode()
    assert quota_gauge(bob_html).group(3) == "3.9 MB of 1 GB used"
    # On every page with the folder pane, not only the list.
    assert quota_gauge(bob_client.get("/search/?q=nothing").content.decode()).group(3) == (
        "3.9 MB of 1 GB used"
    )


def storage_used(user) -> int:
    """The STORAGE usage (KiB) of ``user``'s INBOX quota root, in the server's own words."""
    _roots, quotas = user.client().get_quota_root("INBOX")
    (storage,) = [q for q in quotas if q.resource.upper() == "STORAGE"]
    return int(storage.usage)


@PRIVATE_DOVECOT
def test_a_message_quota_is_shown_as_counts_and_warns_when_nearly_full(
    dovecot_factory, settings, login
):
    from tests.support.dovecot import _user_factory
    from tests.support.servers import point_at

    server = dovecot_factory(extra_config="plugin {\n  quota_rule = *:storage=1G:messages=10\n}\n")
    point_at(settings, server)
    make, users = _user_factory(server)
    carol, dave = make("carol"), make("dave")
    fill(carol, "INBOX", 5)
    fill(dave, "INBOX", 10)
    carol_gauge = quota_gauge(login(carol).get("/mail/INBOX/").content.decode())
    assert carol_gauge.groups() == (None, "MESSAGE", "5 of 10 messages")
    dave_gauge = quota_gauge(login(dave).get("/mail/INBOX/").content.decode())
    assert dave_gauge.groups() == (" warning", "MESSAGE", "10 of 10 messages")
    for user in users:
        user.close()


@PRIVATE_DOVECOT
def test_no_quota_box_when_the_server_has_no_quota(dovecot_factory, settings, login):
    from tests.support.dovecot import _user_factory
    from tests.support.servers import point_at

    # The quota plugin still counts, but IMAP does not offer QUOTA (no imap_quota plugin).
    server = dovecot_factory(extra_config="protocol imap {\n  mail_plugins = quota\n}\n")
    point_at(settings, server)
    make, users = _user_factory(server)
    erin = make("erin")
    html = login(erin).get("/mail/INBOX/").content.decode()
    assert 'data-folder="INBOX"' in html
    assert "quota" not in html.lower()
    for user in users:
        user.close()


def test_another_user_cannot_reach_alices_folders_or_messages(alice, bob, login):
    alice.create_folder("Secret")
    uid = alice.append("Secret", make_message(subject="alice only", text="private words"))
    alice_client, bob_client = login(alice), login(bob)
    secret = alice.folder("Secret")
    assert alice_client.get(f"/mail/{secret}/").status_code == 200
    folder = bob_client.get(f"/mail/{secret}/")
    assert folder.status_code == 404
    assert "alice only" not in folder.content.decode()
    message = bob_client.get(f"/message/{secret}/{uid}/")
    assert message.status_code == 404
    assert "private words" not in message.content.decode()
    assert "alice only" not in bob_client.get("/mail/INBOX/").content.decode()


def test_a_missing_message_is_a_clear_not_found_page(alice, login):
    response = login(alice).get("/message/INBOX/999/")
    assert response.status_code == 404
    assert "This message does not exist" in response.content.decode()


@PRIVATE_DOVECOT
def test_a_server_without_sort_pages_by_arrival_and_sorts_each_page(
    dovecot_factory, mail_user_factory, settings, db
):
    from django.test import Client

    from tests.support.servers import point_at

    server = dovecot_factory(
        extra_config="imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE "
        "IDLE NAMESPACE LIST-EXTENDED LIST-STATUS SPECIAL-USE UIDPLUS"
    )
    point_at(settings, server)
    server.add_user("nosort", "pw-nosort")
    for subject in ["b", "c", "a"]:
        server.append("nosort", "pw-nosort", "INBOX", make_message(subject=subject), when=T0)
    client = Client()
    client.post("/accounts/login/", {"username": "nosort", "password": "pw-nosort"})
    response = client.get("/mail/INBOX/?sort=subject&order=asc")
    assert subjects(response) == ["a", "b", "c"]
    assert "This server cannot sort" in response.content.decode()
