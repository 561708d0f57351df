"""The installable app and offline use in Chromium: the manifest, the service worker and the
app badge; nothing kept without the device's opt-in; kept mail read offline, actions queued
offline and replayed when the network returns (checked over IMAP); logout wipes the device."""

from __future__ import annotations

import struct
import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect

from tests.support.browser import at, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from tests.support.waiting import wait_until
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

SANDBOX = "allow-same-origin allow-popups allow-popups-to-escape-sandbox"
SHOTS = Path(tempfile.gettempdir()) / "webmail-screenshots-h18"


def shoot(page: Page, name: str) -> None:
    """The page as it is, at desktop and phone width, light and dark (for looking at)."""
    SHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    for width, height in ((1366, 800), (390, 844)):
        for scheme in ("light", "dark"):
            page.set_viewport_size({"width": width, "height": height})
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
    page.emulate_media(color_scheme="light")
    if size:
        page.set_viewport_size(size)


#: Everything the origin keeps in Cache Storage and IndexedDB (names, and the kept record ids).
STORAGE = """async () => {
  // The caches that hold something: an empty one keeps nothing (a page left during the logout
  // can still have its open of the shell's cache land after the wipe, and then puts nothing).
  const caches_ = [];
  const entries = [];
  for (const name of await caches.keys()) {
    // Looking must not create: a cache deleted meanwhile (the logout's wipe) is not opened again.
    if (!(await caches.has(name))) continue;
    const urls = (await (await caches.open(name)).keys()).map((request) => request.url);
    if (urls.length) caches_.push(name);
    entries.push(...urls);
  }
  const dbs = (await indexedDB.databases()).map((d) => d.name);
  let kept = [];
  let outbox = 0;
  let raw = "";
  if (dbs.includes("webmail-offline")) {
    // Looking must not create: a database deleted meanwhile is not opened again.
    const db = await new Promise((ok) => {
      const r = indexedDB.open("webmail-offline");
      r.onupgradeneeded = () => r.transaction.abort();
      r.onsuccess = () => ok(r.result);
      r.onerror = () => ok(null);
    });
    if (db && db.objectStoreNames.contains("kept")) {
      const all = await new Promise((ok) => {
        const r = db.transaction("kept").objectStore("kept").getAll();
        r.onsuccess = () => ok(r.result);
      });
      kept = all.map((r) => r.id);
      const text = (r) => Array.from(new Uint8Array(r.data), (b) => String.fromCharCode(b));
      raw = all.map((r) => text(r).join("")).join("");
      outbox = await new Promise((ok) => {
        const r = db.transaction("outbox").objectStore("outbox").count();
        r.onsuccess = () => ok(r.result);
      });
    }
    if (db) db.close();
  }
  return {caches: caches_, entries, dbs, kept, outbox, raw,
          key: sessionStorage.getItem("webmail-offline-key")};
}"""


def storage(page: Page) -> dict[str, Any]:
    return page.evaluate(STORAGE)


def shown(page: Page, selector: str) -> bool:
    """Whether `selector` is on the page now (False while the page is between two documents)."""
    try:
        return page.locator(selector).count() > 0
    except PlaywrightError:
        return False


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def opt_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/two-factor/")  # Settings › Security
    box = page.get_by_label("Keep mail on this device for offline use")
    expect(box).not_to_be_checked()  # off by default
    page.get_by_label("Keep messages opened in the last").fill("3")
    box.check()
    expect(page.locator("#offline-usage")).to_contain_text("Kept on this device")


def open_and_keep(page: Page, base_url: str, uid: int) -> None:
    page.goto(f"{base_url}/message/INBOX/{uid}/")
    assert wait_until(lambda: f"message:/message/INBOX/{uid}/" in storage(page)["kept"], 30)


def test_app_is_installable_with_manifest_icons_and_a_root_service_worker(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    base = daphne_server.url
    alice.append("INBOX", make_message(subject="Unread one", date=at(0)), when=at(0))
    alice.append("INBOX", make_message(subject="Unread two", date=at(1)), when=at(1))
    page.add_init_script(
        """window.__badges = [];
        const native = navigator.setAppBadge;
        navigator.setAppBadge = (n) => {
          window.__badges.push(n);
          return native.call(navigator, n);
        };"""
    )
    log_in(page, base, alice)

    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())"
    )
    assert manifest["name"] == "Webmail"
    assert manifest["start_url"] == "/mail/INBOX/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == page.locator(
        "meta[name=theme-color]:not([media*=dark])"
    ).get_attribute("content")
    sizes = {}
    for icon in manifest["icons"]:
        response = page.request.get(base + icon["src"])
        assert response.ok and response.headers["content-type"] == "image/png"
        assert png_size(response.body()) == tuple(int(n) for n in icon["sizes"].split("x"))
        sizes[(icon["sizes"], icon.get("purpose", "any"))] = icon["src"]
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= set(sizes)

    worker = page.request.get(f"{base}/sw.js")
    assert worker.headers["service-worker-allowed"] == "/"
    assert "no-cache" in worker.headers["cache-control"]
    assert "javascript" in worker.headers["content-type"]
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)") == f"{base}/"

    # Chromium's own installability check (what Lighthouse reports): no errors but the one a
    # test browser context always has (it is an incognito profile).
    # Chromium fetches the manifest and its icons itself, on its own time: asked again until
    # its answer is complete.
    cdp = page.context.new_cdp_session(page)
    found: list[str] = []

    def only_incognito() -> bool:
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        found[:] = [e["errorId"] for e in errors]
        return found == ["in-incognito"]

    assert wait_until(only_incognito, timeout=30), found

    # The Inbox's unread count is the app badge.
    page.wait_for_function("() => window.__badges.includes(2)")


def test_a_device_that_never_opted_in_keeps_nothing(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    base = daphne_server.url
    uids = [
        alice.append(
            "INBOX",
            make_message(subject=f"Browse {i}", html=f"<p>Body {i}</p>", date=at(i)),
            when=at(i),
        )
        for i in range(3)
    ]
    log_in(page, base, alice)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for uid in uids:
        page.goto(f"{base}/message/INBOX/{uid}/")
        expect(page.locator("iframe.body-html")).to_be_visible()
    page.goto(f"{base}/accounts/two-factor/")  # Settings › Security
    expect(page.get_by_label("Keep mail on this device for offline use")).not_to_be_checked()
    page.goto(f"{base}/mail/INBOX/?page=1")
    expect(page.locator("table.messages tr.row")).to_have_count(3)

    kept = storage(page)
    assert kept["caches"] == [] and kept["entries"] == []
    assert kept["dbs"] == []
    assert kept["key"] is None

    # Offline, the worker has nothing to show: the browser's own network error.
    page.context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto(f"{base}/mail/INBOX/")
    page.context.set_offline(False)


def test_kept_mail_reads_offline_and_queued_actions_reach_the_server(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    base = daphne_server.url
    html = '<p style="color: #a00">Offline <b>body</b></p><script>parent.hacked = 1</script>'
    uid = {
        name: alice.append(
            "INBOX",
            make_message(subject=name, sender=f"Bob <{bob.address}>", html=html, date=at(i)),
            when=at(i),
        )
        for i, name in enumerate(["Read me", "To move", "To delete", "Gone elsewhere"])
    }
    log_in(page, base, alice)
    opt_in(page, base)
    page.goto(f"{base}/mail/INBOX/")
    assert wait_until(lambda: "list:/mail/INBOX/#1" in storage(page)["kept"], 30)
    for name in uid:
        open_and_keep(page, base, uid[name])
    assert "Read me" not in storage(page)["raw"]  # kept encrypted

    # Another device deletes one of them meanwhile.
    client = alice.client()
    client.select_folder("INBOX")
    client.delete_messages([uid["Gone elsewhere"]])
    client.expunge()

    page.context.set_offline(True)
    page.goto(f"{base}/mail/INBOX/")
    expect(page.locator(".offline-banner")).to_have_text(
        "Offline — showing mail kept on this device"
    )
    rows = page.locator("table.messages tr.row")
    expect(rows).to_have_count(4)
    expect(page.locator("table.messages tr.row.unread")).to_have_count(0)  # all were opened
    shoot(page, "offline-list")

    page.get_by_role("link", name="Read me").click()
    frame = page.locator("iframe.body-html")
    expect(frame).to_have_attribute("sandbox", SANDBOX)
    expect(page.frame_locator("iframe.body-html").locator("b")).to_have_text("body")
    assert page.evaluate("window.hacked") is None
    shoot(page, "offline-message")
    page.get_by_role("button", name="Mark unread").click()
    page.get_by_role("button", name="Flag", exact=True).click()
    expect(page.locator("#offline-status")).to_contain_text("2 actions waiting")
    page.get_by_text("Reply", exact=True).click()
    page.get_by_label("Your reply").fill("Written on the train.")
    page.get_by_role("button", name="Send when online").click()
    expect(page.locator("#offline-status")).to_contain_text("3 actions waiting")

    page.goto(f"{base}/message/INBOX/{uid['Gone elsewhere']}/")
    page.get_by_label("Move to folder").select_option(label="Archive")
    expect(page.locator(".offline-banner")).to_be_visible()
    expect(page).to_have_url(f"{base}/mail/INBOX/")
    page.goto(f"{base}/message/INBOX/{uid['To move']}/")
    page.get_by_label("Move to folder").select_option(label="Archive")
    expect(page).to_have_url(f"{base}/mail/INBOX/")
    page.locator(f'tr.row[data-uid="{uid["To delete"]}"] input[name=uid]').check()
    page.get_by_role("button", name="Delete").click()
    expect(page.locator("#offline-status")).to_contain_text("6 actions waiting")
    expect(rows).to_have_count(1)
    expect(page.locator("table.messages tr.row.unread.flagged")).to_have_count(1)
    assert storage(page)["outbox"] == 6

    # A second tab of the same session is open too when the network returns.
    other = page.context.new_page()
    other.goto(f"{base}/mail/INBOX/")
    expect(other.locator(".offline-banner")).to_be_visible()

    # Back online: the pages reload; one of them replays the queue in order and reports, the
    # other finds it empty (nothing is sent twice).
    page.context.set_offline(False)
    for tab in (page, other):
        expect(tab.locator(".offline-banner")).to_have_count(0)
        expect(tab.locator("table.messages")).to_be_visible()
    assert wait_until(lambda: shown(page, ".offline-report") or shown(other, ".offline-report"), 30)
    report = page.locator(".offline-report")
    if not shown(page, ".offline-report"):
        report = other.locator(".offline-report")
    expect(report).to_contain_text("Back online: 5 of 6 actions made offline done.")
    expect(report).to_contain_text(
        "Not done: move “Gone elsewhere” to Archive – The message is no longer in this folder."
    )
    assert storage(page)["outbox"] == 0

    client.select_folder("INBOX", readonly=True)
    inbox = client.fetch(client.search("ALL"), ["FLAGS", "ENVELOPE"])
    assert [m[b"ENVELOPE"].subject.decode() for m in inbox.values()] == ["Read me"]
    flags = set(next(iter(inbox.values()))[b"FLAGS"])
    assert b"\\Flagged" in flags and b"\\Seen" not in flags
    assert b"\\Answered" in flags  # the reply was sent
    client.select_folder("Sent", readonly=True)
    sent = client.fetch(client.search("ALL"), ["ENVELOPE", "BODY[TEXT]"])
    assert [m[b"ENVELOPE"].subject.decode() for m in sent.values()] == ["Re: Read me"]
    assert b"Written on the train." in next(iter(sent.values()))[b"BODY[TEXT]"]
    client.select_folder("Drafts", readonly=True)
    assert client.search("ALL") == []  # saved there first, removed once sent
    for folder, expected in (("Archive", ["To move"]), ("Trash", ["To delete"])):
        client.select_folder(folder, readonly=True)
        found = client.fetch(client.search("ALL"), ["ENVELOPE"])
        assert [m[b"ENVELOPE"].subject.decode() for m in found.values()] == expected
    client.logout()


def test_back_online_the_page_keeps_asking_until_the_server_answers(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    """The browser says "online" before a request gets through (the service worker sees the
    network after the page, or the server is still down): the offline page asks again, later,
    until the server answers, then shows the real page."""
    base = daphne_server.url
    uid = alice.append("INBOX", make_message(subject="Kept", date=at(0)), when=at(0))
    log_in(page, base, alice)
    opt_in(page, base)
    page.goto(f"{base}/mail/INBOX/")
    assert wait_until(lambda: "list:/mail/INBOX/#1" in storage(page)["kept"], 30)
    open_and_keep(page, base, uid)
    page.context.set_offline(True)
    page.goto(f"{base}/mail/INBOX/")
    expect(page.locator(".offline-banner")).to_be_visible()

    refused: list[str] = []

    def server_down(route: Route) -> None:
        refused.append(route.request.url)
        route.abort("connectionrefused")

    page.context.route("**/manifest.webmanifest", server_down)
    page.context.set_offline(False)
    # Asked, refused, asked again (page.evaluate lets Playwright run the route handler).
    assert wait_until(lambda: page.evaluate("navigator.onLine") and len(refused) >= 2, 30)
    expect(page.locator(".offline-banner")).to_be_visible()
    page.context.unroute("**/manifest.webmanifest", server_down)
    expect(page.locator(".offline-banner")).to_have_count(0)
    expect(page.locator("table.messages tr.row")).to_have_count(1)


def test_logout_wipes_the_mail_kept_on_the_device(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    base = daphne_server.url
    uid = alice.append("INBOX", make_message(subject="Private", date=at(0)), when=at(0))
    log_in(page, base, alice)
    opt_in(page, base)
    open_and_keep(page, base, uid)
    page.goto(f"{base}/accounts/two-factor/")  # Settings › Security
    expect(page.locator("#offline-usage")).to_contain_text("1 message,")
    shoot(page, "offline-settings")
    before = storage(page)
    assert before["dbs"] == ["webmail-offline"] and before["key"]
    assert f"{base}/offline/" in before["entries"]

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert wait_until(
        lambda: (
            storage(page) | {"raw": ""}
            == {
                "caches": [],
                "entries": [],
                "dbs": [],
                "kept": [],
                "outbox": 0,
                "raw": "",
                "key": None,
            }
        )
    )

    # Offline after logout: nothing to show.
    page.context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto(f"{base}/mail/INBOX/")
    page.context.set_offline(False)

    # Alice's opt-in is not Bob's: on the same browser he keeps nothing until he opts in.
    bobs = bob.append("INBOX", make_message(subject="Bob's own", date=at(1)), when=at(1))
    log_in(page, base, bob)
    page.goto(f"{base}/message/INBOX/{bobs}/")
    expect(page.locator("main")).to_contain_text("Hello world")
    page.goto(f"{base}/accounts/two-factor/")  # Settings › Security
    expect(page.get_by_label("Keep mail on this device for offline use")).not_to_be_checked()
    page.goto(f"{base}/mail/INBOX/")
    expect(page.locator("table.messages tr.row")).to_have_count(1)
    after = storage(page)
    assert (after["caches"], after["dbs"], after["key"]) == ([], [], None)


def test_an_ended_session_wipes_the_device_at_its_next_page(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    base = daphne_server.url
    uid = alice.append("INBOX", make_message(subject="Ended", date=at(0)), when=at(0))
    log_in(page, base, alice)
    opt_in(page, base)
    open_and_keep(page, base, uid)
    # The server no longer knows this browser's session (expired, ended elsewhere).
    page.context.clear_cookies()
    # A page still open asks for the key and is told the session is gone: it wipes.
    page.evaluate("import('/static/webmail/offline/register.js').then((m) => m.startKeeping())")
    assert wait_until(lambda: storage(page)["dbs"] == [] and storage(page)["caches"] == [], 30)
    assert storage(page)["key"] is None


def test_kept_messages_are_pruned_by_age_then_by_size(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    base = daphne_server.url
    log_in(page, base, alice)
    opt_in(page, base)
    kept_after = page.evaluate(
        """async () => {
          const store = await import('/static/webmail/offline/store.js');
          const key = await store.sessionKey({ fromServer: true });
          const big = 'x'.repeat(400 * 1024);
          for (const name of ['old', 'middle', 'newer', 'newest']) {
            await store.keep(key, `message:${name}`, 'message', { html: big });
          }
          // 'old' was opened ten days ago; the others a minute apart, newest last.
          const db = await new Promise((ok) => {
            const r = indexedDB.open(store.DB_NAME);
            r.onsuccess = () => ok(r.result);
          });
          const ages = { old: 10 * 86400000, middle: 180000, newer: 120000, newest: 60000 };
          for (const [name, age] of Object.entries(ages)) {
            await new Promise((ok) => {
              const s = db.transaction('kept', 'readwrite').objectStore('kept');
              s.get(`message:${name}`).onsuccess = (e) => {
                s.put({ ...e.target.result, at: Date.now() - age }).onsuccess = ok;
              };
            });
          }
          db.close();
          const ids = async () => {
            const d = await new Promise((ok) => {
              const r = indexedDB.open(store.DB_NAME);
              r.onsuccess = () => ok(r.result);
            });
            const all = await new Promise((ok) => {
              d.transaction('kept').objectStore('kept').getAllKeys().onsuccess = (e) =>
                ok(e.target.result.filter((k) => k.startsWith('message:')).sort());
            });
            d.close();
            return all;
          };
          await store.prune({ days: 3, mb: 50 });
          const byAge = await ids();
          await store.prune({ days: 3, mb: 1 });
          return { byAge, bySize: await ids() };
        }"""
    )
    assert kept_after == {
        "byAge": ["message:middle", "message:newer", "message:newest"],
        "bySize": ["message:newer", "message:newest"],
    }
