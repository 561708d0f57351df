// Live mail: rows, folder counts and the tab title follow the mailbox without a reload.
// Events come over a websocket (ws/live/); if it cannot connect, the same events are polled
// from /updates/<folder>/ every data-poll seconds. Every text goes in with textContent.
(function () {
  "use strict";

  var script = document.currentScript;
  var table = document.querySelector("table.messages");
  var tbody = table ? table.querySelector("tbody") : null;
  var active = document.querySelector("nav#folders li.folder.active");
  var folder = table ? table.getAttribute("data-folder") : (active ? active.getAttribute("data-folder") : null);
  var uidvalidity = table ? parseInt(table.getAttribute("data-uidvalidity") || "0", 10) : 0;
  var uidnext = table ? parseInt(table.getAttribute("data-uidnext") || "0", 10) : 0;
  var pollSeconds = Math.max(2, parseInt((script && script.getAttribute("data-poll")) || "30", 10));
  var wsPath = (script && script.getAttribute("data-ws")) || "/ws/live/";
  var updatesBase = (script && script.getAttribute("data-updates")) || "/updates/";
  var SVG = "http://www.w3.org/2000/svg";
  var store = window.localStorage;

  if (!document.querySelector("nav#folders")) return;  // not a mail page

  // -- the list ---------------------------------------------------------------------------

  var query = new URLSearchParams(window.location.search);
  var sort = query.get("sort") || "date";
  var newestFirst = (query.get("order") || "desc") !== "asc" && (sort === "date" || sort === "arrival");
  var firstPage = (parseInt(query.get("page") || "1", 10) || 1) === 1;

  function rowOf(uid) {
    return tbody ? tbody.querySelector('tr.row[data-uid="' + uid + '"]') : null;
  }

  function shownUids() {
    if (!tbody) return [];
    return Array.prototype.map.call(tbody.querySelectorAll("tr.row"), function (r) { return r.getAttribute("data-uid"); });
  }

  function icon(name, label, extra) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "icon" + (extra ? " " + extra : ""));
    svg.setAttribute("aria-label", label);
    svg.setAttribute("role", "img");
    var use = document.createElementNS(SVG, "use");
    use.setAttribute("href", "#i-" + name);
    svg.appendChild(use);
    return svg;
  }

  function cell(cls, text, title) {
    var td = document.createElement("td");
    td.className = cls;
    if (text !== undefined && text !== null) td.textContent = text;
    if (title) td.title = title;
    return td;
  }

  function renderState(row, seen, flagged, answered) {
    row.classList.toggle("unread", !seen);
    row.classList.toggle("flagged", flagged);
    var td = row.querySelector("td.c-state");
    if (!td) return;
    while (td.firstChild) td.removeChild(td.firstChild);
    if (!seen) {
      var dot = document.createElement("span");
      dot.className = "dot";
      dot.title = "Unread";
      var sr = document.createElement("span");
      sr.className = "sr-only";
      sr.textContent = "Unread";
      dot.appendChild(sr);
      td.appendChild(dot);
    }
    if (flagged) td.appendChild(icon("flag", "Flagged", "flag"));
    if (answered) td.appendChild(icon("answered", "Answered", "answered"));
  }

  function buildRow(data) {
    var tr = document.createElement("tr");
    tr.className = "row live-added";
    tr.setAttribute("data-uid", String(data.uid));
    tr.appendChild(cell("c-state"));
    tr.appendChild(cell("c-from", data.sender, data.sender_email));
    var subject = cell("c-subject");
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.subject;
    subject.appendChild(link);
    tr.appendChild(subject);
    var att = cell("c-att");
    if (data.attachment) att.appendChild(icon("clip", "Has attachment"));
    tr.appendChild(att);
    tr.appendChild(cell("c-date", data.date, data.date_title));
    tr.appendChild(cell("c-size", data.size, data.size_title));
    renderState(tr, data.seen, data.flagged, data.answered);
    return tr;
  }

  function rowsChanged() {
    var empty = tbody && tbody.querySelector("tr.empty");
    if (empty && tbody.querySelector("tr.row")) empty.parentNode.removeChild(empty);
    document.dispatchEvent(new CustomEvent("webmail:rows-changed"));
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

  function updateCount() {
    var p = document.querySelector(".list-head .count");
    if (!p || total === null || !tbody) return;
    var shown = tbody.querySelectorAll("tr.row").length;
    var match = /^\s*([\d,]+)\s*–/.exec(p.textContent);
    var first = match ? parseInt(match[1].replace(/,/g, ""), 10) : 1;
    if (!shown || !total) { p.textContent = "No messages"; return; }
    var fmt = function (n) { return n.toLocaleString("en-US"); };
    p.textContent = fmt(first) + "–" + fmt(first + shown - 1) + " of " + fmt(total);
  }

  function onNew(ev) {
    ev.rows.forEach(function (data) { uidnext = Math.max(uidnext, data.uid + 1); });
    if (ev.folder === "INBOX") announce(ev.rows);
    if (ev.folder !== folder || !tbody) return;
    var fresh = ev.rows.filter(function (data) { return !rowOf(data.uid); });
    if (!fresh.length) return;
    if (!(firstPage && newestFirst)) { showNotice("New messages arrived: show them"); return; }
    fresh.sort(function (a, b) { return a.uid - b.uid; });
    fresh.forEach(function (data) { tbody.insertBefore(buildRow(data), tbody.firstChild); });
    rowsChanged();
    updateCount();
  }

  function onExpunge(ev) {
    if (ev.folder !== folder) return;
    var removed = false;
    ev.uids.forEach(function (uid) {
      var row = rowOf(uid);
      if (row) { row.parentNode.removeChild(row); removed = true; }
    });
    if (removed) { rowsChanged(); updateCount(); }
  }

  function onFlags(ev) {
    if (ev.folder !== folder) return;
    ev.changes.forEach(function (c) {
      var row = rowOf(c.uid);
      if (row) renderState(row, c.seen, c.flagged, c.answered);
    });
  }

  // -- folder tree and title ----------------------------------------------------------------

  function onCounts(ev) {
    var li = document.querySelector('nav#folders li.folder[data-folder="' + CSS.escape(ev.folder) + '"]');
    if (li) {
      li.classList.toggle("has-unseen", ev.unseen > 0);
      var badge = li.querySelector(".unseen");
      if (ev.unseen > 0) {
        if (!badge) {
          badge = document.createElement("span");
          badge.className = "unseen";
          var label = li.querySelector(".label");
          (label ? label.parentNode : li).appendChild(badge);
        }
        badge.textContent = String(ev.unseen);
        badge.title = ev.unseen + " unread";
      } else if (badge) {
        badge.parentNode.removeChild(badge);
      }
    }
    if (ev.folder === "INBOX" && table) {
      var bare = document.title.replace(/^\(\d+\) /, "");
      document.title = (ev.unseen > 0 ? "(" + ev.unseen + ") " : "") + bare;
    }
    if (ev.folder === folder) { total = ev.messages; updateCount(); }
  }

  function onReset(ev) {
    if (ev.folder === folder) showNotice("This folder changed on the server: reload it");
  }

  function apply(ev) {
    if (ev.kind === "new") onNew(ev);
    else if (ev.kind === "expunge") onExpunge(ev);
    else if (ev.kind === "flags") onFlags(ev);
    else if (ev.kind === "counts") onCounts(ev);
    else if (ev.kind === "reset") onReset(ev);
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
      var n = new Notification(unread.length > 1 ? unread.length + " new messages" : newest.sender, {
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
    var sound = toggleButton("Sound", soundOn(), function (b) {
      var on = !soundOn();
      if (store) store.setItem("webmail.live.sound", on ? "on" : "off");
      b.setAttribute("aria-pressed", on ? "true" : "false");
      if (on) beep();
    });
    sound.title = "Play a sound when new mail arrives";
    who.parentNode.insertBefore(sound, who);
    if (window.Notification && Notification.permission !== "denied") {
      var notify = toggleButton("Notifications", Notification.permission === "granted", function (b) {
        Notification.requestPermission().then(function (p) { b.setAttribute("aria-pressed", p === "granted" ? "true" : "false"); });
      });
      notify.title = "Show a desktop notification when new mail arrives in the Inbox";
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
    var q = new URLSearchParams({ since: String(uidnext), uidvalidity: String(uidvalidity), uids: shownUids().join(",") });
    return updatesBase + path + "/?" + q.toString();
  }

  function poll() {
    if (!folder || polling) return;
    polling = true;
    fetch(updatesUrl(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (resp.redirected && resp.url.indexOf("/accounts/login/") !== -1) { window.location.href = resp.url; return null; }
        return resp.ok ? resp.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        data.events.forEach(apply);
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
      if (folder) ws.send(JSON.stringify({ type: "subscribe", folder: folder }));
    };
    ws.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.type === "event") apply(data.event);
      else if (data.type === "watching" && data.folder === (folder || "INBOX")) {
        working = true;
        retry = 1;
        stopPolling();
        document.body.setAttribute("data-live", "websocket");
        if (table) poll();  // whatever arrived between the page and the watcher
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

  connect();
})();
