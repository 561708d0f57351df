// Actions on messages: selection (checkboxes, shift-click ranges, select all), drag and drop
// onto folders, keyboard shortcuts with a help overlay, and the import progress bar.
// Progressive enhancement: every action is a plain POST form that works without this file.
// Handlers are delegated, so rows added live (live.js) can be selected, dragged and acted on.
import { messageRows, messageTable } from "./lib/dom.js";
import { submitInPlace } from "./lib/inplace.js";
import { onKey, setOverlay } from "./lib/keyboard.js";
import { followLoginRedirect } from "./lib/session.js";

// Looked up when needed: showing another page of the list in place (lib/inplace.js) replaces them.
function actionsForm() { return document.getElementById("actions-form"); }
function helpDialog() { return document.getElementById("shortcut-help"); }

function boxOf(row) { return row.querySelector(".c-check input[type=checkbox]:not(.thread-member)"); }
function boxes() {
  return messageRows().map(boxOf).filter(function (b) { return b; });
}
function checked() { return boxes().filter(function (b) { return b.checked; }); }
function currentRow() { return document.querySelector("table.messages tr.row.selected"); }

function setChecked(box, value) {
  box.checked = value;
  const row = box.closest("tr");
  if (row) row.classList.toggle("checked", value);
  // A collapsed thread's head stands for the whole conversation.
  if (row && row.dataset.thread) {
    row.querySelectorAll("input.thread-member").forEach(function (m) { m.checked = value; });
  }
}

function syncSelectAll() {
  const all = document.getElementById("select-all");
  if (!all) return;
  const list = boxes();
  const n = checked().length;
  const count = document.getElementById("selected-count");
  if (count) count.textContent = n ? interpolate(ngettext("%s selected", "%s selected", n), [n]) : "";
  all.checked = list.length > 0 && n === list.length;
  all.indeterminate = n > 0 && n < list.length;
}

// -- selection ------------------------------------------------------------------------------
let lastBox = null;
if (actionsForm()) {
  document.addEventListener("click", function (event) {
    const cell = event.target.closest("table.messages td.c-check");
    const box = cell && boxOf(cell.closest("tr"));
    if (!box) return;
    // The cell around the box: a larger target. Neither opens the message (webmail.js).
    if (event.target !== box) { box.click(); return; }
    const list = boxes();
    const index = list.indexOf(box);
    const last = lastBox ? list.indexOf(lastBox) : -1;
    if (event.shiftKey && last !== -1 && last !== index) {
      const lo = Math.min(last, index), hi = Math.max(last, index);
      for (let i = lo; i <= hi; i++) setChecked(list[i], box.checked);
    } else {
      setChecked(box, box.checked);
    }
    lastBox = box;
    syncSelectAll();
  });
  document.addEventListener("change", function (event) {
    const all = event.target;
    if (all.id !== "select-all") return;
    boxes().forEach(function (b) { setChecked(b, all.checked); });
    syncSelectAll();
  });
  // Rows added, replaced or removed live.
  document.addEventListener("webmail:rows-changed", syncSelectAll);
  // Ticked before this script ran (a slow connection): "select all" selects every row, and a
  // row ticked by hand is marked as one.
  const early = document.getElementById("select-all");
  boxes().forEach(function (b) { setChecked(b, b.checked || Boolean(early && early.checked)); });
  syncSelectAll();

  // Nothing ticked: the toolbar acts on the message open in the preview.
  document.addEventListener("submit", function (event) {
    if (event.target !== actionsForm() || checked().length) return;
    const row = currentRow();
    if (row && boxOf(row)) { actOnOpen(row); return; }
    event.preventDefault();
    flash(gettext("Select one or more messages first."));
  });
}

// The open message (and, for a conversation, its other messages) is what the toolbar acts on
// when nothing is ticked: sent as hidden fields of this one submission, not ticked, so the
// selection stays the user's.
function actOnOpen(row) {
  const form = actionsForm();
  const values = [boxOf(row).value];
  row.querySelectorAll("input.thread-member").forEach(function (m) { values.push(m.value); });
  const added = values.map(function (value) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = boxOf(row).name;
    input.value = value;
    form.appendChild(input);
    return input;
  });
  window.setTimeout(function () { added.forEach(function (input) { input.remove(); }); }, 0);
}

// -- actions in place (lib/inplace.js); the plain POST stays the fallback ---------------------
function inPlaceForm(f) {
  if (!messageTable() || !window.fetch || !window.DOMParser) return false;
  return f.id === "actions-form" || f.id === "undo-form" || f.classList.contains("undo-inline");
}
document.addEventListener("submit", function (event) {
  const f = event.target;
  if (event.defaultPrevented || !inPlaceForm(f)) return;
  if (f.dataset.native === "1") { delete f.dataset.native; return; }
  event.preventDefault();
  const submitter = event.submitter;
  const list = messageTable();
  list.setAttribute("aria-busy", "true");
  function plain() {
    f.dataset.native = "1";
    if (submitter && submitter.form === f) f.requestSubmit(submitter); else f.requestSubmit();
  }
  submitInPlace(f, submitter)
    .then(function (done) { if (!done) plain(); }, plain)
    .then(function () { list.removeAttribute("aria-busy"); });
});

function flash(text) {
  let bar = document.querySelector(".flash");
  if (!bar) {
    bar = document.createElement("div");
    bar.className = "flash";
    bar.setAttribute("role", "status");
    const layout = document.querySelector(".layout");
    layout.parentNode.insertBefore(bar, layout);
  }
  bar.textContent = "";
  const p = document.createElement("p");
  p.textContent = text;
  bar.appendChild(p);
}

function submitAction(name, value) {
  const form = actionsForm();
  if (!form) return;
  const button = form.querySelector('button[name="' + name + '"][value="' + value + '"]');
  if (!button) return;
  // Nothing ticked: the submit handler above sends the open message (or says to select one).
  form.requestSubmit(button);
}

// -- conversations: the count opens and closes a thread in place ----------------------------
document.addEventListener("click", function (event) {
  const link = event.target.closest("table.messages a.thread-count");
  if (!link) return;
  event.preventDefault();
  const head = link.closest("tr");
  const open = link.getAttribute("aria-expanded") !== "true";
  link.setAttribute("aria-expanded", open ? "true" : "false");
  document.querySelectorAll('tr.thread-child[data-parent="' + head.dataset.uid + '"]').forEach(function (r) {
    r.hidden = !open;
  });
});

// -- drag and drop onto the folder tree -----------------------------------------------------
let dragging = false;
document.addEventListener("dragstart", function (event) {
  const row = event.target.closest && event.target.closest("table.messages tr.row");
  if (!row) return;
  const box = boxOf(row);
  if (!box || !actionsForm()) return;
  if (!box.checked) {
    boxes().forEach(function (b) { setChecked(b, false); });
    setChecked(box, true);
    syncSelectAll();
  }
  dragging = true;
  row.classList.add("dragging"); // live.js leaves this node in place until the drag ends
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", interpolate(ngettext("%s message", "%s messages", checked().length), [checked().length]));
});
document.addEventListener("dragend", function () {
  dragging = false;
  document.querySelectorAll("table.messages tr.row.dragging").forEach(function (r) { r.classList.remove("dragging"); });
  document.querySelectorAll("li.folder.drop-target").forEach(function (li) { li.classList.remove("drop-target"); });
});
document.querySelectorAll("nav#folders li.folder").forEach(function (li) {
  li.addEventListener("dragover", function (event) {
    // Not a folder, or one that takes no messages (shared without the insert right).
    if (!dragging || !li.querySelector("a") || li.hasAttribute("data-no-drop")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    li.classList.add("drop-target");
  });
  li.addEventListener("dragleave", function () { li.classList.remove("drop-target"); });
  li.addEventListener("drop", function (event) {
    const form = actionsForm();
    if (!dragging || !form) return;
    event.preventDefault();
    li.classList.remove("drop-target");
    // The picker speaks display paths ("Projects/2026"), as the user would have typed it.
    const option = Array.from(document.querySelectorAll("#move-folders option")).find(function (o) {
      return o.dataset.folder === li.dataset.folder;
    });
    document.getElementById("move-target").value = option ? option.value : li.dataset.folder;
    form.requestSubmit(document.getElementById("move-button"));
  });
});

// -- keyboard shortcuts (lib/keyboard.js decides when a key is a shortcut) -------------------
function showHelp(show) {
  const help = helpDialog();
  if (!help) return;
  help.hidden = !show;
  if (show) help.querySelector(".close-help").focus();
}
document.addEventListener("click", function (event) {
  const help = helpDialog();
  if (event.target.closest(".help-button")) showHelp(true);
  else if (help && (event.target === help || event.target.closest("#shortcut-help .close-help"))) showHelp(false);
});
if (helpDialog()) {
  setOverlay({ isOpen: function () { return !!helpDialog() && !helpDialog().hidden; }, close: function () { showHelp(false); } });
}

onKey(["?"], function () { showHelp(true); });
onKey(["/"], function () {
  const q = document.getElementById("search-q");
  if (!q) return false;
  q.focus();
});
onKey(["x"], function () {
  const row = currentRow();
  if (!row || !boxOf(row)) return false;
  setChecked(boxOf(row), !boxOf(row).checked);
  syncSelectAll();
});
onKey(["*"], function () {
  const all = document.getElementById("select-all");
  if (!all) return false;
  all.checked = !all.checked;
  all.dispatchEvent(new Event("change"));
});
onKey(["I"], function () { submitAction("action", "read"); });
onKey(["U"], function () { submitAction("action", "unread"); });
onKey(["s"], function () {
  const row = currentRow();
  submitAction("action", row && row.classList.contains("flagged") && !checked().length ? "unflag" : "flag");
});
onKey(["e"], function () { submitAction("action", "archive"); });
onKey(["#", "Delete"], function () { submitAction("action", "delete"); });
onKey(["!"], function () { submitAction("action", "junk"); });
// Reply, reply all, forward: the open message's own links (preview pane or message page).
const LINKS = { r: ".message-actions .act-reply", a: ".message-actions .act-reply-all",
  f: ".message-actions .act-forward", c: "a.compose-button" };
onKey(Object.keys(LINKS), function (event) {
  // In a conversation stack the open message is the stack's own, not an older one expanded.
  const link = document.querySelector(".conversation > article.message " + LINKS[event.key]) ||
    document.querySelector(LINKS[event.key]);
  if (!link) return false;
  window.location.href = link.href;
});
// z: the Undo of the notice ("Moved 3 messages to Trash. Undo"), else the last undoable action.
onKey(["z"], function () {
  const inline = document.querySelector(".flash form.undo-inline");
  const undo = inline || document.querySelector("#undo-form[data-can-undo]");
  if (undo) undo.requestSubmit();
});

// -- import: an upload progress bar, then "Importing message N of M", then the report ------
// The POST asks for application/x-ndjson: the server answers with one JSON line per message
// it has APPENDed ({"done": n, "total": m}) and a last line {"result": {..., "html": ...}}.
// XHR (not fetch) because only XHR reports upload progress; its partial responseText gives
// the lines as they arrive. Any other answer (a form error, an error page) is an HTML page
// whose <main> replaces ours, as without streaming.
function bindImport() {
  let importForm = document.getElementById("import-form");
  if (!importForm || !window.XMLHttpRequest || !window.FormData || !window.DOMParser) return;
  importForm.addEventListener("submit", function (event) {
    event.preventDefault();
    let bar = document.getElementById("import-progress");
    let status = document.getElementById("import-status");
    let button = importForm.querySelector("button[type=submit]");
    let xhr = new XMLHttpRequest();
    let read = 0;  // how much of responseText has been parsed
    let result = null;
    xhr.open("POST", importForm.action);
    xhr.setRequestHeader("Accept", "application/x-ndjson");
    bar.hidden = false;
    bar.max = 100;
    bar.value = 0;
    if (button) button.disabled = true;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        status.textContent = interpolate(gettext("Uploading… %s"), [bar.value + "%"]);
      }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value");  // indeterminate until the server has counted the messages
      status.textContent = gettext("Preparing the import…");
    });

    function streamed() {
      return (xhr.getResponseHeader("Content-Type") || "").indexOf("application/x-ndjson") === 0;
    }
    function show(line) {
      let data = JSON.parse(line);
      if (data.result) { result = data.result; return; }
      if (!data.total) { status.textContent = gettext("No messages found in these files."); return; }
      bar.max = data.total;
      bar.value = data.done;
      status.textContent = interpolate(gettext("Importing message %(done)s of %(total)s"),
        { done: Math.min(data.done + 1, data.total), total: data.total }, true);
    }
    function readLines(all) {
      let text = xhr.responseText;
      let end = all ? text.length : text.lastIndexOf("\n") + 1;
      if (end <= read) return;
      let lines = text.slice(read, end).split("\n");
      read = end;
      lines.forEach(function (line) { if (line.trim()) show(line); });
    }
    function showReport() {
      let main = document.querySelector("main");
      let old = main.querySelectorAll(".import-report, .form-error");
      for (let i = 0; i < old.length; i++) old[i].remove();
      // Rendered by our own template (all values autoescaped).
      let doc = new DOMParser().parseFromString(result.html, "text/html");
      let report = doc.querySelector(".import-report");
      if (report) importForm.before(document.importNode(report, true));
      status.textContent = "";
      importForm.querySelector("input[type=file]").value = "";  // the folder stays chosen
    }

    xhr.addEventListener("progress", function () { if (streamed()) readLines(false); });
    xhr.addEventListener("load", function () {
      if (button) button.disabled = false;
      if (followLoginRedirect(xhr)) return;
      if (streamed()) {
        try { readLines(true); } catch (e) { result = null; }
        if (result) showReport();
        else status.textContent = gettext("The import stopped before it finished. " +
          "Open the folder to see what was imported.");
        return;
      }
      let doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      let fresh = doc.querySelector("main");
      let main = document.querySelector("main");
      if (!fresh || !main) { status.textContent = gettext("The import failed. Try again."); return; }
      main.replaceWith(document.importNode(fresh, true));
      bindImport();
    });
    xhr.addEventListener("error", function () {
      if (button) button.disabled = false;
      bar.hidden = true;
      status.textContent = gettext("The connection was lost. Open the folder to see what was " +
        "imported, then try again.");
    });
    xhr.send(new FormData(importForm));
  });
}
bindImport();
