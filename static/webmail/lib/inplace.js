// Actions in place: a list's action forms (the toolbar, the notice's Undo, z) are posted with
// fetch, and the page the server redirects to (the same list,
// rendered by the same templates as a full page) supplies the parts that changed: the rows,
// the count line and pager, the folders' unread badges, the notice, the toolbar's Undo, the
// title. The open message stays open while its row is in the list. Without this file the
// forms post and the whole page reloads, as before.
import { fromHTML } from "./dom.js";
import { followLoginRedirect } from "./session.js";
import { previewPane } from "./preview.js";

const STATE = ["selected", "checked"];

function samePage(url) {
  const a = new URL(url, window.location.href);
  return a.pathname === window.location.pathname && a.search === window.location.search;
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

// Put a fresh rendering of this list page in place.
export function showListPage(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  if (!doc.querySelector("table.messages")) return false;
  const openUid = updateRows(doc);
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
  const still = openUid && document.querySelector('table.messages tr.row[data-uid="' + openUid + '"]');
  if (preview && openUid && !still) {
    // The open message left the list (moved, deleted): the pane says so, the list keeps focus.
    preview.replaceChildren();
    const p = document.createElement("p");
    p.className = "placeholder";
    p.textContent = gettext("Select a message to read it.");
    preview.appendChild(p);
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
