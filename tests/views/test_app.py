"""The installable app's endpoints (views/app.py): manifest, service worker, offline page,
the session's offline key, and the replay of actions queued offline."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from tests.support.dovecot import MailUser
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db


def flags_of(user: MailUser, folder: str) -> dict[int, set[bytes]]:
    client = user.client()
    client.select_folder(folder, readonly=True)
    flags = client.get_flags(client.search("ALL"))
    return {uid: set(f) - {b"\\Recent"} for uid, f in flags.items()}


def test_manifest_names_the_app_its_start_and_its_icons(client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert (data["start_url"], data["scope"], data["display"]) == (
        "/mail/INBOX/",
        "/",
        "standalone",
    )
    assert [(i["sizes"], i.get("purpose", "any")) for i in data["icons"]] == [
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    ]


def test_service_worker_is_served_from_the_root_and_always_revalidated(client: Client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache, max-age=0"
    assert response["Content-Type"].startswith("text/javascript")
    assert b'addEventListener("fetch"' in response.content


def test_offline_page_holds_no_user_data_and_forbids_script_in_frames(alice, login) -> None:
    html = login(alice).get("/offline/")
    assert alice.username not in html.content.decode()
    policy = html["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "Offline — showing mail kept on this device" in html.content.decode()


def test_offline_key_is_the_sessions_own_and_a_new_session_gets_a_new_one(alice, bob, login):
    first = login(alice)
    key = first.get("/offline/key/").json()["key"]
    assert len(base64.b64decode(key)) == 32
    assert first.get("/offline/key/").json()["key"] == key  # stable within the session
    assert "no-store" in first.get("/offline/key/")["Cache-Control"]
    assert login(alice).get("/offline/key/").json()["key"] != key  # another session
    assert login(bob).get("/offline/key/").json()["key"] != key


def test_offline_key_and_replay_need_a_session(client: Client) -> None:
    assert client.get("/offline/key/").status_code == 302
    response = client.post("/offline/replay/", {"folder": "INBOX", "uid": "1", "action": "read"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_replay_applies_an_action_to_the_message(alice, login):
    uid = alice.append("INBOX", make_message(subject="Queued"))
    client = login(alice)
    answer = client.post(
        "/offline/replay/", {"folder": "INBOX", "uid": str(uid), "action": "flag"}
    ).json()
    assert answer["status"] == "done"
    assert b"\\Flagged" in flags_of(alice, "INBOX")[uid]


def test_replay_reports_a_message_deleted_meanwhile_and_does_the_rest(alice, login):
    kept = alice.append("INBOX", make_message(subject="Still here"))
    gone = alice.append("INBOX", make_message(subject="Gone"))
    imap = alice.client()
    imap.select_folder("INBOX")
    imap.delete_messages([gone])
    imap.expunge()
    client = login(alice)
    only_gone = client.post(
        "/offline/replay/",
        {"folder": "INBOX", "uid": str(gone), "action": "move", "target": "Archive"},
    ).json()
    assert only_gone == {
        "status": "missing",
        "message": "The message is no longer in this folder.",
        "missing": [gone],
    }
    both = client.post(
        "/offline/replay/",
        {"folder": "INBOX", "uid": [str(kept), str(gone)], "action": "move", "target": "Archive"},
    ).json()
    assert both["status"] == "missing" and both["missing"] == [gone]
    assert list(flags_of(alice, "Archive")) and not flags_of(alice, "INBOX")


def test_replay_refuses_what_cannot_be_replayed(alice, login):
    uid = alice.append("INBOX", make_message(subject="Refused"))
    client = login(alice)
    bad_uid = client.post("/offline/replay/", {"folder": "INBOX", "uid": "x", "action": "read"})
    assert bad_uid.status_code == 400 and bad_uid.json()["status"] == "refused"
    unknown = client.post("/offline/replay/", {"folder": "INBOX", "uid": str(uid), "action": "x"})
    assert unknown.json()["status"] == "refused"
    no_folder = client.post(
        "/offline/replay/",
        {"folder": "INBOX", "uid": str(uid), "action": "move", "target": "No such folder"},
    ).json()
    assert no_folder["status"] == "refused"
    assert flags_of(alice, "INBOX") == {uid: set()}


def test_bob_replaying_alices_uid_reaches_only_his_own_mailbox(alice, bob, login):
    uid = alice.append("INBOX", make_message(subject="Alice's"))
    answer = (
        login(bob)
        .post("/offline/replay/", {"folder": "INBOX", "uid": str(uid), "action": "flag"})
        .json()
    )
    assert answer["status"] == "missing"
    assert flags_of(alice, "INBOX") == {uid: set()}
