// Actions in place: a list's action forms (the toolbar, the notice's Undo, z) are posted with
// fetch, and the page the server redirects to (the same list,
// rendered by the same templates as a full page) supplies the parts that changed: the rows,
// the count line and pager, the folders' unread badges, the notice, the toolbar's Undo, the
// title. The open message stays open while its row is in the list. Without this file the
// forms post and the whole page reloads, as before.
import { fromHTML, selectRowAt } from "./dom.js";
import { followLoginRedirect } from "./session.js";
import { loadPreview, previewPane } from "./preview.js";

const STATE = ["selected", "checked"];

// The action's answer is this list (the message open in the preview, ?msg=, aside).
function samePage(url) {
  return listOf(url) === listOf(window.location.href);
}

// The folder tree keeps its elements (drag and drop is bound to them): only badges change.
function updateBadges(doc) {
  doc.querySelectorAll("nav#folders li.folder").forEach(function (fresh) {
    const li = document.querySelector('nav#folders li.folder[data-folder="' + CSS.escape(fresh.dataset.folder) + '"]');
    if (!li) return;
    li.classList.toggle("has-unseen", fresh.classList.contains("has-unseen"));
    const badge = li.querySelector(".unseen");
    const next = fresh.querySelector(".unseen");
    if (badge && next) badge.replaceWith(document.importNode(next, true));
    else if (badge) badge.remove();
    else if (next) {
      const label = li.querySelector(".label");
      const node = document.importNode(next, true);
      if (label) label.after(node); else li.appendChild(node);
    }
  });
}

function replaceOrRemove(selector, doc) {
  const mine = document.querySelector(selector);
  const theirs = doc.querySelector(selector);
  if (mine && theirs) mine.replaceWith(document.importNode(theirs, true));
  else if (mine) mine.remove();
  return { mine: mine, theirs: theirs };
}

function updateFlash(doc) {
  const old = document.querySelector(".flash");
  const fresh = doc.querySelector(".flash");
  if (old) old.remove();
  if (!fresh) return;
  const layout = document.querySelector(".layout");
  layout.parentNode.insertBefore(document.importNode(fresh, true), layout);
}

// Whether z has something to undo (the notice's own Undo is part of the notice).
function updateUndo(doc) {
  const form = document.getElementById("undo-form");
  const fresh = doc.getElementById("undo-form");
  if (!form || !fresh) return;
  ["data-can-undo", "title"].forEach(function (name) {
    if (fresh.hasAttribute(name)) form.setAttribute(name, fresh.getAttribute(name));
    else form.removeAttribute(name);
  });
}

// Rows of the fresh page, with what the user did to rows still shown (opened, ticked).
function updateRows(doc) {
  const tbody = document.querySelector("table.messages tbody");
  const fresh = doc.querySelector("table.messages tbody");
  if (!tbody || !fresh) return null;
  const before = new Map();
  tbody.querySelectorAll("tr.row").forEach(function (r) { before.set(r.dataset.uid, r); });
  const openRow = tbody.querySelector("tr.row.selected");
  const openUid = openRow ? openRow.dataset.uid : null;
  const rows = fromHTML(fresh.innerHTML);
  rows.querySelectorAll("tr.row").forEach(function (row) {
    const old = before.get(row.dataset.uid);
    if (!old) return;
    STATE.forEach(function (c) { if (old.classList.contains(c)) row.classList.add(c); });
    if (old.hasAttribute("aria-selected")) row.setAttribute("aria-selected", "true");
    const boxes = old.querySelectorAll("input[type=checkbox]");
    row.querySelectorAll("input[type=checkbox]").forEach(function (box, i) {
      if (boxes[i] && boxes[i].value === box.value) box.checked = boxes[i].checked;
    });
  });
  tbody.replaceChildren(rows);
  const table = document.querySelector("table.messages");
  const freshTable = doc.querySelector("table.messages");
  ["data-uidnext", "data-uidvalidity"].forEach(function (name) {
    if (freshTable.hasAttribute(name)) table.setAttribute(name, freshTable.getAttribute(name));
  });
  document.dispatchEvent(new CustomEvent("webmail:rows-changed"));
  return openUid;
}

// The message the preview shows, as a UID of this list (null: none, or not one of this list's).
function shownUid() {
  const preview = previewPane();
  const article = preview && preview.querySelector("article.message[data-url]");
  const table = document.querySelector("table.messages[data-message-prefix]");
  if (!article || !table) return null;
  const prefix = table.dataset.messagePrefix;
  const url = article.dataset.url;
  return url.startsWith(prefix) ? url.slice(prefix.length).replace(/\/$/, "") : null;
}

// Put a fresh rendering of this list page in place.
export function showListPage(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  if (!doc.querySelector("table.messages")) return false;
  const before = Array.from(document.querySelectorAll("table.messages tr.row:not([hidden])"));
  const openIndex = Math.max(0, before.findIndex(function (r) { return r.classList.contains("selected"); }));
  // The open message is the one the preview shows: its row may be gone already (live mail
  // removes an expunged row, and its event can come before this answer).
  const shown = shownUid();
  const selectedUid = updateRows(doc);
  replaceOrRemove(".list-head .count", doc);
  replaceOrRemove(".list-head .pager", doc);
  // A tree drawn without counts (the server counts after the page): the badges stay until
  // live.js has fetched the fresh counts, rather than vanishing in between.
  const pending = doc.querySelector("nav#folders[data-counts]");
  if (pending) document.dispatchEvent(new CustomEvent("webmail:counts-pending", { detail: pending.getAttribute("data-counts") }));
  else updateBadges(doc);
  updateFlash(doc);
  updateUndo(doc);
  document.title = doc.title;
  const preview = previewPane();
  const openGone = !!shown && !rowOf(shown);
  if (openGone || (selectedUid && !rowOf(selectedUid))) {
    // The open message left the list (moved, deleted): the pane says so, and the row that took
    // its place is the selected one, so j/k and the shortcuts go on from there.
    if (preview && (openGone || !shown)) placeholder(preview);
    selectRowAt(openIndex);
    if (openGone && new URL(window.location.href).searchParams.has("msg")) history.replaceState(history.state, "", messageAddress(null));
  }
  return true;
}

// A refused action ("Choose a folder.") is said in the notice; the list stays as it is.
function showError(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const said = doc.querySelector(".error-box h1, .error-box h2");
  if (!said) return false;
  const old = document.querySelector(".flash");
  if (old) old.remove();
  const bar = document.createElement("div");
  bar.className = "flash";
  bar.setAttribute("role", "alert");
  const p = document.createElement("p");
  p.className = "error";
  p.textContent = said.textContent.trim();
  bar.appendChild(p);
  const layout = document.querySelector(".layout");
  layout.parentNode.insertBefore(bar, layout);
  return true;
}

function fetchPage(url, init) {
  return fetch(url, Object.assign({ credentials: "same-origin", headers: { "X-Requested-With": "fetch" } }, init || {}))
    .then(function (resp) {
      if (followLoginRedirect(resp)) return null;
      return resp.text().then(function (html) { return { resp: resp, html: html }; });
    });
}

// Post `form` (pressed `submitter`) in place. Resolves false when the page must do it the
// plain way (a confirmation page, a message page of its own): the caller then submits natively.
export function submitInPlace(form, submitter) {
  const data = new FormData(form);
  if (submitter && submitter.name) data.append(submitter.name, submitter.value);
  // getAttribute: the toolbar's buttons are named "action", which shadows form.action.
  const target = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
  return fetchPage(new URL(target, window.location.href).href, { method: "POST", body: data }).then(function (got) {
    if (got === null) return true;  // the session ended: the page is on its way to log in
    const resp = got.resp;
    if (resp.status >= 400) return showError(got.html);
    if (!resp.ok || !resp.redirected) return false;
    return samePage(resp.url) ? showListPage(got.html) : false;
  });
}

// -- Navigating in place (issue 13): paging, sorting, another folder, the view toggle, and the
// message open in the preview (?msg=<uid>). The page the link names is fetched and its <main>
// (drawn by the same template as a full page) takes the place of ours; the folder tree keeps
// its elements. history.pushState gives each step an address of its own, so Back, Forward,
// reload and links work: the server draws the same address as a full page, with the message
// in the preview. Without JavaScript, or if the fetch fails, the links load the page.

// The list part of an address: without ?msg=, its parameters in one order.
function listOf(url) {
  const u = new URL(url, window.location.href);
  u.searchParams.delete("msg");
  u.searchParams.sort();
  return u.pathname + u.search;
}

function listMain() {
  return document.querySelector("main.list-pane[data-list-url]");
}

let shownList = listMain() ? listOf(window.location.href) : null;
let latest = 0;  // the newest navigation: an older answer that arrives later is dropped

// The element that had the focus in the old <main>, found again in the new one.
function focusKey(el) {
  if (!el || !el.closest || !el.closest("main.list-pane")) return null;
  const rel = el.closest(".pager a[rel]");
  if (rel) return '.pager a[rel="' + rel.getAttribute("rel") + '"]';
  const th = el.closest("thead th");
  if (th) return "thead th." + th.classList[0] + " a";
  if (el.closest(".list-head a.view-toggle")) return ".list-head a.view-toggle";
  return "main";
}

function updateTree(doc) {
  const active = doc.querySelector("nav#folders li.folder.active");
  const name = active ? active.dataset.folder : null;
  document.querySelectorAll("nav#folders li.folder").forEach(function (li) {
    const on = li.dataset.folder === name;
    li.classList.toggle("active", on);
    if (on) li.setAttribute("aria-current", "page"); else li.removeAttribute("aria-current");
  });
  const pending = doc.querySelector("nav#folders[data-counts]");
  if (pending) document.dispatchEvent(new CustomEvent("webmail:counts-pending", { detail: pending.getAttribute("data-counts") }));
  else updateBadges(doc);
}

function swapMain(doc) {
  const mine = listMain();
  const fresh = doc.querySelector("main.list-pane[data-list-url]");
  const key = focusKey(document.activeElement);
  const main = document.importNode(fresh, true);
  // The search box keeps its element (search.js is bound to it, and what was typed stays).
  const box = mine.querySelector("form.search-box");
  const newBox = main.querySelector("form.search-box");
  if (box && newBox) {
    const was = box.querySelector("input[name=folder]");
    const now = newBox.querySelector("input[name=folder]");
    if (was && now) was.value = now.value;
    const link = box.querySelector("a.advanced-link");
    const newLink = newBox.querySelector("a.advanced-link");
    if (link && newLink) link.href = newLink.getAttribute("href");
    newBox.replaceWith(box);
  }
  mine.replaceWith(main);
  updateTree(doc);
  updateFlash(doc);
  document.title = doc.title;
  if (key) {
    const target = main.querySelector(key) || main;
    target.focus();
  }
}

function placeholder(preview) {
  preview.replaceChildren();
  const p = document.createElement("p");
  p.className = "placeholder";
  p.textContent = gettext("Select a message to read it.");
  preview.appendChild(p);
}

function previewShown(preview) {
  return preview && window.getComputedStyle(preview).display !== "none";
}

function rowOf(uid) {
  return uid ? document.querySelector('table.messages tr.row[data-uid="' + CSS.escape(uid) + '"]') : null;
}

// The preview shows message `uid` of this list (or nothing); its row is the selected one.
function showOpen(uid) {
  const preview = previewPane();
  const table = document.querySelector("table.messages[data-message-prefix]");
  if (!previewShown(preview) || !table) return Promise.resolve();
  const row = rowOf(uid);
  if (row || !uid) {
    document.querySelectorAll("table.messages tr.row.selected").forEach(function (r) {
      r.classList.remove("selected");
      r.removeAttribute("aria-selected");
    });
  }
  if (row) { row.classList.add("selected"); row.setAttribute("aria-selected", "true"); }
  const article = preview.querySelector("article.message");
  const url = uid ? table.dataset.messagePrefix + uid + "/" : null;
  if (article && url && article.dataset.url === url) return Promise.resolve();
  if (!url) { if (article) placeholder(preview); return Promise.resolve(); }
  return loadPreview(url).then(function (shown) {
    const now = rowOf(uid);
    if (shown && now) now.classList.remove("unread");
  }, function () {
    preview.replaceChildren();
    const p = document.createElement("p");
    p.className = "notice";
    p.textContent = gettext("The message could not be loaded. Check your connection and try again.");
    preview.appendChild(p);
  });
}

function fetchList(list) {
  return fetchPage(list).then(function (got) {
    if (got === null) return null;  // the session ended: the page is on its way to log in
    if (!got.resp.ok) return false;
    const doc = new DOMParser().parseFromString(got.html, "text/html");
    if (!doc.querySelector("main.list-pane[data-list-url] table.messages")) return false;
    return doc;
  });
}

// Show `url` (a list address, maybe with ?msg=) in place; `push`: a new history entry (a
// click), else the browser is already there (Back, Forward). Resolves false if the page had
// to load the plain way.
export function navigate(url, push) {
  const target = new URL(url, window.location.href);
  const list = listOf(target.href);
  const uid = target.searchParams.get("msg");
  const mine = ++latest;
  function done() {
    if (mine !== latest) return true;
    if (push && target.href !== window.location.href) history.pushState({ webmail: 1 }, "", target.href);
    return showOpen(uid).then(function () { return true; });
  }
  if (list === shownList) return done();
  const main = listMain();
  const table = document.querySelector("table.messages");
  if (table) table.setAttribute("aria-busy", "true");
  return fetchList(list).then(function (doc) {
    if (doc === null) return true;
    if (mine !== latest) return true;
    if (!doc) { window.location.assign(target.href); return false; }
    swapMain(doc);
    shownList = list;
    document.dispatchEvent(new CustomEvent("webmail:page-changed"));
    document.dispatchEvent(new CustomEvent("webmail:rows-changed"));
    return done();
  }, function () {
    if (mine === latest) window.location.assign(target.href);
    return false;
  }).finally(function () {
    if (main && main.isConnected && table) table.removeAttribute("aria-busy");
  });
}

// The address of the open message in this list: the list's address with ?msg=<uid>.
export function messageAddress(uid) {
  const u = new URL(window.location.href);
  u.hash = "";
  if (uid) u.searchParams.set("msg", uid); else u.searchParams.delete("msg");
  return u.href;
}

// The list's own address with the open message carried over (paging or sorting keeps it open).
function keepOpen(href) {
  const u = new URL(href, window.location.href);
  const here = new URL(window.location.href);
  const uid = here.searchParams.get("msg");
  if (uid && u.pathname === here.pathname && !u.searchParams.has("msg")) u.searchParams.set("msg", uid);
  return u.href;
}

if (listMain() && window.history && window.history.pushState && window.DOMParser) {
  history.replaceState({ webmail: 1 }, "", window.location.href);
  // A page loaded with a message open (?msg=, drawn by the server): its row is the selected one.
  const loaded = new URL(window.location.href).searchParams.get("msg");
  const loadedRow = rowOf(loaded);
  if (loadedRow && previewPane() && previewPane().querySelector("article.message")) {
    loadedRow.classList.add("selected");
    loadedRow.setAttribute("aria-selected", "true");
  }
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
    const link = event.target.closest && event.target.closest(
      "main.list-pane .pager a[href], main.list-pane thead th a[href], main.list-pane .list-head a.view-toggle, nav#folders li.folder > a[href]");
    if (!link || !listMain() || link.target) return;
    const href = new URL(link.getAttribute("href"), window.location.href);
    if (href.origin !== window.location.origin) return;
    event.preventDefault();
    if (document.body.classList.contains("folders-open")) {
      document.body.classList.remove("folders-open");
      const menu = document.querySelector(".menu-toggle");
      if (menu) menu.setAttribute("aria-expanded", "false");
    }
    navigate(link.closest("nav#folders") ? href.href : keepOpen(href.href), true);
  });
  window.addEventListener("popstate", function () {
    if (listMain()) navigate(window.location.href, false);
  });
}
