// Live mail: rows, folder counts and the tab title follow the mailbox without a reload.
// Events come over a websocket (ws/live/); if it cannot connect, the same events are polled
// from /updates/<folder>/ every data-poll seconds. The server renders what changed for this
// page (rows by the same template as the page, the folder's unread badge: see
// mailview/live/present.py); this file only puts that HTML in place, and webmail.js and
// actions.js handle new rows like the others through event delegation. Texts that are not
// server HTML (notifications, notices) go in with textContent.
import { fromHTML, selectRowAt } from "./lib/dom.js";
import { followLoginRedirect } from "./lib/session.js";

if (document.querySelector("nav#folders")) start();  // a mail page

function start() {
var script = document.querySelector("script[data-ws]");
var table, tbody, folder, uidvalidity, uidnext, query, sort, newestFirst, firstPage, threads, pageSize;
var pollSeconds = Math.max(2, parseInt((script && script.getAttribute("data-poll")) || "30", 10));
var wsPath = (script && script.getAttribute("data-ws")) || "/ws/live/";
var updatesBase = (script && script.getAttribute("data-updates")) || "/updates/";
var store = window.localStorage;

// -- the list ---------------------------------------------------------------------------

// What the page shows: read at start and again when a list is drawn in place (paging,
// sorting, another folder: lib/inplace.js), which then subscribes to its events.
function readPage() {
  table = document.querySelector("table.messages");
  tbody = table ? table.querySelector("tbody") : null;
  var active = document.querySelector("nav#folders li.folder.active");
  folder = table ? table.getAttribute("data-folder") : (active ? active.getAttribute("data-folder") : null);
  uidvalidity = table ? parseInt(table.getAttribute("data-uidvalidity") || "0", 10) : 0;
  uidnext = table ? parseInt(table.getAttribute("data-uidnext") || "0", 10) || 0 : 0;
  query = new URLSearchParams(window.location.search);
  sort = query.get("sort") || "date";
  newestFirst = (query.get("order") || "desc") !== "asc" && (sort === "date" || sort === "arrival");
  firstPage = (parseInt(query.get("page") || "1", 10) || 1) === 1;
  threads = !!table && table.getAttribute("data-view") === "threads";
  pageSize = table ? parseInt(table.getAttribute("data-page-size") || "0", 10) : 0;
  total = null;
}

// Which list this page shows: the server renders events for it.
function pageView() {
  var view = { view: threads ? "threads" : "list", sort: sort, page: query.get("page") || "1" };
  if (query.get("order")) view.order = query.get("order");
  if (table && table.getAttribute("data-show")) view.show = table.getAttribute("data-show");
  return view;
}

function rowOf(uid) {
  return tbody ? tbody.querySelector('tr.row[data-uid="' + uid + '"]') : null;
}

function shownUids() {
  if (!tbody) return [];
  return Array.prototype.map.call(tbody.querySelectorAll("tr.row"), function (r) { return r.getAttribute("data-uid"); });
}

function rowsIn(html) {
  return Array.from(fromHTML(html).querySelectorAll("tr"));
}

// What the user did to a row (selected, ticked, conversation opened) is not the server's to
// draw: it carries over to the row's new rendering.
var STATE_CLASSES = ["selected", "checked"];

function withoutState(row) {
  var copy = row.cloneNode(true);
  STATE_CLASSES.forEach(function (c) { copy.classList.remove(c); });
  copy.removeAttribute("aria-selected");
  return copy;
}

function carryState(from, to) {
  STATE_CLASSES.forEach(function (c) { if (from.classList.contains(c)) to.classList.add(c); });
  if (from.hasAttribute("aria-selected")) to.setAttribute("aria-selected", from.getAttribute("aria-selected"));
  var before = from.querySelectorAll("input[type=checkbox]");
  to.querySelectorAll("input[type=checkbox]").forEach(function (box, i) {
    if (before[i] && before[i].value === box.value) box.checked = before[i].checked;
  });
  var count = from.querySelector("a.thread-count");
  var fresh = to.querySelector("a.thread-count");
  if (count && fresh) fresh.setAttribute("aria-expanded", count.getAttribute("aria-expanded"));
  if (from.classList.contains("thread-child") && to.classList.contains("thread-child")) to.hidden = from.hidden;
}

function focusedUid() {
  var el = document.activeElement;
  if (!el || !tbody || !tbody.contains(el)) return null;
  var row = el.closest("tr.row");
  return row ? row.getAttribute("data-uid") : null;
}

function refocus(uid) {
  if (uid === null) return;
  var link = tbody.querySelector('tr.row[data-uid="' + uid + '"] .c-subject a:not(.thread-count)');
  if (link) link.focus();
}

function replaceRow(old, fresh) {
  if (old.classList.contains("dragging")) {
    // The row being dragged (actions.js): a new node in its place would end the drag without
    // a drop. It is replaced when the drag ends (gone by then if it was dropped on a folder).
    old.addEventListener("dragend", function () {
      old.classList.remove("dragging");
      if (old.isConnected && replaceRow(old, fresh)) rowsChanged();
    }, { once: true });
    return false;
  }
  if (withoutState(old).isEqualNode(fresh)) return false;
  var uid = focusedUid();
  carryState(old, fresh);
  old.replaceWith(fresh);
  refocus(uid);
  return true;
}

function rowsChanged() {
  document.dispatchEvent(new CustomEvent("webmail:rows-changed"));
}

// The page's rows rendered afresh by the server (conversation view, or after a reset).
function replaceRows(html) {
  var fresh = fromHTML(html);
  var before = new Map();
  tbody.querySelectorAll("tr.row").forEach(function (r) { before.set(r.getAttribute("data-uid"), r); });
  fresh.querySelectorAll("tr.row").forEach(function (row) {
    var old = before.get(row.getAttribute("data-uid"));
    if (old) carryState(old, row);
  });
  var uid = focusedUid();
  tbody.replaceChildren(fresh);
  refocus(uid);
  rowsChanged();
  updateCount();
}

function flashIn(row) {
  if (row.animate) row.animate([{ backgroundColor: "#fff5d6" }, {}], { duration: 1200, easing: "ease-out" });
}

function showNotice(text) {
  var head = document.querySelector(".list-head");
  if (!head || head.querySelector(".live-notice")) return;
  var p = document.createElement("p");
  p.className = "notice live-notice";
  p.setAttribute("role", "status");
  var a = document.createElement("a");
  a.href = window.location.pathname + window.location.search;
  a.textContent = text;
  p.appendChild(a);
  head.appendChild(p);
}

var total = null;
readPage();

function updateCount() {
  var p = document.querySelector(".list-head .count");
  if (!p || total === null || !tbody || threads) return;
  var shown = tbody.querySelectorAll("tr.row").length;
  var match = /^\s*([\d.,\s\u00a0\u202f]+?)\s*–/.exec(p.textContent);
  var first = match ? parseInt(match[1].replace(/\D/g, ""), 10) : 1;
  if (!shown || !total) { p.textContent = gettext("No messages"); return; }
  var lang = document.documentElement.lang || "en";
  var fmt = function (n) { return n.toLocaleString(lang, { numberingSystem: "latn" }); };
  p.textContent = interpolate(gettext("%(first)s–%(last)s of %(total)s"), { first: fmt(first), last: fmt(first + shown - 1), total: fmt(total) }, true);
}

function onNew(ev) {
  ev.rows.forEach(function (data) { uidnext = Math.max(uidnext, data.uid + 1); });
  if (ev.folder === "INBOX") announce(ev.rows);
  if (ev.folder !== folder || !tbody || threads) return;
  if (!ev.rows.some(function (data) { return !rowOf(data.uid); })) return;
  if (!(firstPage && newestFirst) || ev.html === undefined) { showNotice(gettext("New messages arrived: show them")); return; }
  // ev.html: the new rows, newest first, drawn by the page's rows template.
  var fresh = rowsIn(ev.html).filter(function (row) { return !rowOf(row.getAttribute("data-uid")); });
  var empty = tbody.querySelector("tr.empty");
  if (empty) empty.remove();
  var first = tbody.querySelector("tr.row");
  fresh.forEach(function (row) {
    if (first) first.before(row); else tbody.appendChild(row);
    flashIn(row);
  });
  // A page holds page-size rows: the oldest move on to the next page, as on a reload.
  var rows = tbody.querySelectorAll("tr.row");
  for (var i = pageSize || rows.length; i < rows.length; i++) rows[i].remove();
  rowsChanged();
  updateCount();
}

function onExpunge(ev) {
  if (ev.folder !== folder || !tbody || threads) return;
  var removed = false;
  ev.uids.forEach(function (uid) {
    var row = rowOf(uid);
    if (!row) return;
    // The keyboard's row goes: the one that takes its place is the keyboard's.
    var at = -1;
    if (row.classList.contains("selected")) {
      at = Array.prototype.indexOf.call(tbody.querySelectorAll("tr.row:not([hidden])"), row);
    }
    row.remove();
    removed = true;
    if (at >= 0) selectRowAt(at);
  });
  if (!removed) return;
  if (!tbody.querySelector("tr.row") && ev.empty) tbody.replaceChildren(fromHTML(ev.empty));
  rowsChanged();
  updateCount();
}

function onFlags(ev) {
  if (ev.folder !== folder || !tbody || threads || ev.html === undefined) return;
  var changed = false;
  rowsIn(ev.html).forEach(function (row) {
    var old = rowOf(row.getAttribute("data-uid"));
    if (old && replaceRow(old, row)) changed = true;
  });
  if (changed) rowsChanged();
}

// -- folder tree and title ----------------------------------------------------------------

function onCounts(ev) {
  var li = document.querySelector('nav#folders li.folder[data-folder="' + CSS.escape(ev.folder) + '"]');
  if (li) {
    li.classList.toggle("has-unseen", ev.unseen > 0);
    var badge = li.querySelector(".unseen");
    var fresh = fromHTML(ev.badge || "").firstElementChild;  // the tree's own badge template
    if (badge && fresh) {
      if (!badge.isEqualNode(fresh)) badge.replaceWith(fresh);
    } else if (badge) {
      badge.remove();
    } else if (fresh) {
      var label = li.querySelector(".label");
      if (label) label.after(fresh); else li.appendChild(fresh);
    }
  }
  if (ev.folder === "INBOX" && table) {
    var bare = document.title.replace(/^\(\d+\) /, "");
    document.title = (ev.unseen > 0 ? "(" + ev.unseen + ") " : "") + bare;
  }
  if (ev.folder === folder) { total = ev.messages; updateCount(); }
}

// A folder that is no longer there (deleted, renamed, unshared) leaves the tree; the page that
// shows it says so with the server's notice (which links to the Inbox).
function onGone(ev) {
  var li = document.querySelector('nav#folders li.folder[data-folder="' + CSS.escape(ev.folder) + '"]');
  if (li) {
    var before = li.previousElementSibling;
    li.remove();
    // Parents that only held it (not folders themselves), then a section left empty, go too.
    while (before && before.matches("li.folder") && before.querySelector(".noselect") && !deeper(before)) {
      var up = before.previousElementSibling;
      before.remove();
      before = up;
    }
    if (before && before.matches("li.folder-section") && !deeper(before)) before.remove();
  }
  var layout = document.querySelector(".layout");
  if (ev.folder !== folder || !ev.notice || !layout || document.querySelector(".folder-gone")) return;
  var bar = document.createElement("div");
  bar.className = "flash warning live-notice";
  bar.setAttribute("role", "alert");
  bar.appendChild(fromHTML(ev.notice));
  layout.parentNode.insertBefore(bar, layout);
}

// Whether the tree item after `li` is one of its subfolders (a section header: any folder).
function deeper(li) {
  var next = li.nextElementSibling;
  if (!next || !next.matches("li.folder")) return false;
  var depth = function (el) { var m = /\bdepth-(\d+)/.exec(el.className); return m ? parseInt(m[1], 10) : 0; };
  return li.matches("li.folder-section") || depth(next) > depth(li);
}

function onReset(ev) {
  if (ev.folder === folder && ev.tbody === undefined) showNotice(gettext("This folder changed on the server: reload it"));
}

function apply(ev) {
  if (ev.tbody !== undefined && ev.folder === folder && tbody) {
    if (ev.uidvalidity) { uidvalidity = ev.uidvalidity; table.setAttribute("data-uidvalidity", String(uidvalidity)); }
    if (ev.uidnext) { uidnext = ev.uidnext; table.setAttribute("data-uidnext", String(uidnext)); }
    replaceRows(ev.tbody);
    var count = document.querySelector(".list-head .count");
    if (count && ev.count !== undefined) count.textContent = fromHTML(ev.count).textContent;
  }
  if (ev.kind === "new") onNew(ev);
  else if (ev.kind === "expunge") onExpunge(ev);
  else if (ev.kind === "flags") onFlags(ev);
  else if (ev.kind === "counts") onCounts(ev);
  else if (ev.kind === "reset") onReset(ev);
  else if (ev.kind === "gone") onGone(ev);
}

// -- notifications and sound ----------------------------------------------------------------

function soundOn() { return store && store.getItem("webmail.live.sound") === "on"; }

function beep() {
  var Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try {
    var ctx = new Ctx();
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35);
    osc.connect(gain);
    gain.connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.35);
    osc.onended = function () { ctx.close(); };
  } catch (e) { /* no sound then */ }
}

function firstToAnnounce(uid) {
  // Several tabs get the same event: the first one to claim the UID announces it.
  if (!store) return true;
  var last = parseInt(store.getItem("webmail.live.announced") || "0", 10);
  if (uid <= last) return false;
  store.setItem("webmail.live.announced", String(uid));
  return true;
}

function announce(rows) {
  var unread = rows.filter(function (r) { return !r.seen; });
  if (!unread.length) return;
  var newest = unread[unread.length - 1];
  if (!firstToAnnounce(newest.uid)) return;
  if (soundOn()) beep();
  if (window.Notification && Notification.permission === "granted" && (document.hidden || !document.hasFocus())) {
    var n = new Notification(unread.length > 1 ? interpolate(ngettext("%s new message", "%s new messages", unread.length), [unread.length]) : newest.sender, {
      body: newest.subject,
      tag: "webmail-inbox-" + newest.uid,
    });
    n.onclick = function () { window.focus(); n.close(); };
  }
}

function toggleButton(label, pressed, onClick) {
  var b = document.createElement("button");
  b.type = "button";
  b.className = "live-toggle";
  b.textContent = label;
  b.setAttribute("aria-pressed", pressed ? "true" : "false");
  b.addEventListener("click", function () { onClick(b); });
  return b;
}

var who = document.querySelector(".topbar .who");
if (who) {
  var sound = toggleButton(gettext("Sound"), soundOn(), function (b) {
    var on = !soundOn();
    if (store) store.setItem("webmail.live.sound", on ? "on" : "off");
    b.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) beep();
  });
  sound.title = gettext("Play a sound when new mail arrives");
  who.parentNode.insertBefore(sound, who);
  if (window.Notification && Notification.permission !== "denied") {
    var notify = toggleButton(gettext("Notifications"), Notification.permission === "granted", function (b) {
      Notification.requestPermission().then(function (p) { b.setAttribute("aria-pressed", p === "granted" ? "true" : "false"); });
    });
    notify.title = gettext("Show a desktop notification when new mail arrives in the Inbox");
    who.parentNode.insertBefore(notify, who);
  }
}

// -- transport: websocket, else polling --------------------------------------------------------

var socket = null;
var working = false;  // the server said "watching": events flow
var retry = 1;
var pollTimer = null;
var polling = false;

function updatesUrl() {
  var path = folder.split("/").map(encodeURIComponent).join("/");
  var q = new URLSearchParams(Object.assign(pageView(), { since: String(uidnext), uidvalidity: String(uidvalidity), uids: shownUids().join(",") }));
  return updatesBase + path + "/?" + q.toString();
}

// A poll answers with the state when the server read it. If websocket events arrived while it
// was on its way, its state parts (flags, counts, rows drawn afresh) may be older than what the
// page shows: only its facts (new messages, expunges, a reset) still apply.
var socketEvents = 0;

function stillTrue(ev) {
  return ev.kind === "new" || ev.kind === "expunge" || ev.kind === "reset";
}

function poll() {
  if (!folder || polling) return;
  polling = true;
  var sent = socketEvents;
  fetch(updatesUrl(), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (resp) {
      if (followLoginRedirect(resp)) return null;
      return resp.ok ? resp.json() : null;
    })
    .then(function (data) {
      if (!data) return;
      var stale = socketEvents !== sent;
      data.events.forEach(function (ev) {
        if (!stale) { apply(ev); return; }
        if (!stillTrue(ev)) return;
        if (ev.kind !== "reset") delete ev.tbody;
        apply(ev);
      });
      uidnext = Math.max(uidnext, data.uidnext);
    })
    .catch(function () { /* offline: next time */ })
    .then(function () { polling = false; });
}

function startPolling() {
  if (pollTimer === null) {
    pollTimer = window.setInterval(poll, pollSeconds * 1000);
    poll();
  }
  document.body.setAttribute("data-live", "polling");
}

function stopPolling() {
  if (pollTimer !== null) { window.clearInterval(pollTimer); pollTimer = null; }
}

function showNotice(text) {
  var bar = document.querySelector(".flash.live-notice");
  if (!bar) {
    bar = document.createElement("div");
    bar.className = "flash live-notice";
    bar.setAttribute("role", "status");
    var layout = document.querySelector(".layout");
    if (!layout) return;
    layout.parentNode.insertBefore(bar, layout);
  }
  bar.textContent = "";
  var p = document.createElement("p");
  p.textContent = text;
  bar.appendChild(p);
}

function connect() {
  if (!window.WebSocket) { startPolling(); return; }
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var ws;
  try {
    ws = new WebSocket(scheme + window.location.host + wsPath);
  } catch (e) {
    startPolling();
    return;
  }
  socket = ws;
  working = false;
  // A proxy may accept the upgrade and then pass nothing: no "watching" in time = blocked.
  var patience = window.setTimeout(function () { if (!working) ws.close(); }, 20000);
  ws.onopen = function () {
    if (folder) ws.send(JSON.stringify(Object.assign({ type: "subscribe", folder: folder }, pageView())));
  };
  ws.onmessage = function (message) {
    var data;
    try { data = JSON.parse(message.data); } catch (e) { return; }
    if (data.type === "event") { socketEvents++; apply(data.event); }
    else if (data.type === "watching" && data.folder === (folder || "INBOX")) {
      working = true;
      retry = 1;
      stopPolling();
      document.body.setAttribute("data-live", "websocket");
      if (table) poll();  // whatever arrived between the page and the watcher
    }
    else if (data.type === "limited" && data.folder === (folder || "INBOX")) {
      // The server holds as many IDLE connections for this user as it allows: this page
      // polls instead, and says so. The socket stays (other folders' events still come).
      working = true;
      startPolling();
      document.body.setAttribute("data-live", "limited");
      showNotice(String(data.message || ""));
    }
  };
  ws.onclose = function () {
    window.clearTimeout(patience);
    if (socket === ws) socket = null;
    if (!working) startPolling();  // blocked, or refused (session over: the poll says so)
    working = false;
    window.setTimeout(connect, Math.min(retry, 300) * 1000 * (0.8 + Math.random() * 0.4));
    retry = Math.min(retry * 2, 300);
  };
}

// A tree shown without fresh counts (the server was not asked on the page's time): ask now,
// and again whenever a list drawn in place (lib/inplace.js) came without them.
function askCounts(url) {
  fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (followLoginRedirect(response) || !response.ok) return null;
      return response.json();
    })
    .then(function (data) {
      if (data) data.events.forEach(onCounts);
    })
    .catch(function () { /* the badges stay as they are; live events and polls update them */ });
}
var nav = document.querySelector("nav#folders[data-counts]");
if (nav) {
  askCounts(nav.getAttribute("data-counts"));
  nav.removeAttribute("data-counts");
}
document.addEventListener("webmail:counts-pending", function (event) { askCounts(event.detail); });

document.addEventListener("webmail:page-changed", function () {
  readPage();
  if (socket && socket.readyState === 1 && folder) {
    socket.send(JSON.stringify(Object.assign({ type: "subscribe", folder: folder }, pageView())));
  }
  if (pollTimer !== null) poll();
});

connect();
}
