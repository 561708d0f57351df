// Progressive enhancement: every link works without this file.
// The message list: a click or Enter opens a message in the preview pane, j/k walk the list.
// Handlers are delegated, so rows added live (live.js) behave like the rest.
import { messageRows, messageTable, plainClick } from "./lib/dom.js";
import { onKey } from "./lib/keyboard.js";
import { loadPreview, previewPane } from "./lib/preview.js";
import { messageAddress, navigate } from "./lib/inplace.js";

// Log-in form: tell the server the browser's time zone (used as the default preference).
const tz = document.getElementById("id_time_zone");
if (tz && window.Intl) {
  try { tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* ignore */ }
}

// Phone width: the folder pane opens and closes from the menu button.
const toggle = document.querySelector(".menu-toggle");
if (toggle) {
  toggle.addEventListener("click", function () {
    const open = document.body.classList.toggle("folders-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
}

if (messageTable()) list();

function list() {
  const preview = previewPane();
  // A mailbox page (not search results): the open message is part of the address (?msg=).
  const addressed = !!document.querySelector("main.list-pane[data-list-url]") && !!window.history.pushState;

  function previewVisible() {
    return preview && window.getComputedStyle(preview).display !== "none";
  }

  function select(row, focus) {
    messageRows().forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    const link = row.querySelector(".c-subject a:not(.thread-count)");
    if (focus && link) link.focus();
  }

  function open(row) {
    const link = row.querySelector(".c-subject a:not(.thread-count)");
    if (!link) return;
    select(row, false);
    if (!previewVisible()) { window.location.href = link.href; return; }
    if (addressed) { navigate(messageAddress(row.dataset.uid), true); return; }
    loadPreview(link.href)
      .then(function (shown) { if (shown) row.classList.remove("unread"); })
      .catch(function () {
        preview.innerHTML = "";
        const p = document.createElement("p");
        p.className = "notice";
        p.textContent = gettext("The message could not be loaded. Check your connection and try again.");
        preview.appendChild(p);
      });
  }

  // Delegated: the table itself is replaced when another page of the list is shown in place.
  document.addEventListener("click", function (event) {
    const row = event.target.closest("table.messages tr.row");
    if (!row || !plainClick(event)) return;
    // The checkbox cell selects (actions.js); a conversation's count opens it in place.
    if (event.target.closest(".c-check, a.thread-count")) return;
    event.preventDefault();
    open(row);
  });

  function current(rows) {
    return rows.findIndex(function (r) { return r.classList.contains("selected"); });
  }
  function step(by) {
    const rows = messageRows();
    if (!rows.length) return false;
    const index = current(rows);
    select(rows[Math.min(rows.length - 1, Math.max(0, index + by))], true);
  }
  // Keyboard: j/k or arrows move through the list, Enter or o opens.
  onKey(["j", "ArrowDown"], function () { return step(1); });
  onKey(["k", "ArrowUp"], function () { return step(-1); });
  onKey(["Enter", "o"], function () {
    const rows = messageRows();
    const index = current(rows);
    if (index < 0) return false;
    open(rows[index]);
  });
}
