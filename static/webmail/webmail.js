// Progressive enhancement: every link works without this file.
(function () {
  "use strict";

  // Log-in form: tell the server the browser's time zone (used as the default preference).
  var tz = document.getElementById("id_time_zone");
  if (tz && window.Intl) {
    try { tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* ignore */ }
  }

  // Phone width: the folder pane opens and closes from the menu button.
  var toggle = document.querySelector(".menu-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var open = document.body.classList.toggle("folders-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  var table = document.querySelector("table.messages");
  var preview = document.getElementById("preview");
  if (!table) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll("tr.row"));

  function previewVisible() {
    return preview && window.getComputedStyle(preview).display !== "none";
  }

  function select(row, focus) {
    rows.forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    var link = row.querySelector(".c-subject a");
    if (focus && link) link.focus();
  }

  function open(row) {
    var link = row.querySelector(".c-subject a");
    if (!link) return;
    select(row, false);
    if (!previewVisible()) { window.location.href = link.href; return; }
    var url = link.href + (link.href.indexOf("?") === -1 ? "?" : "&") + "pane=1";
    preview.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (resp) {
        if (resp.redirected && resp.url.indexOf("/accounts/login/") !== -1) { window.location.href = resp.url; return null; }
        return resp.text();
      })
      .then(function (html) {
        if (html === null) return;
        preview.innerHTML = html;  // rendered by our own templates, all values autoescaped
        preview.removeAttribute("aria-busy");
        row.classList.remove("unread");
      })
      .catch(function () {
        preview.removeAttribute("aria-busy");
        preview.innerHTML = "";
        var p = document.createElement("p");
        p.className = "notice";
        p.textContent = "The message could not be loaded. Check your connection and try again.";
        preview.appendChild(p);
      });
  }

  rows.forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      open(row);
    });
  });

  // Keyboard: j/k or arrows move through the list, Enter or o opens.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
    if (!rows.length) return;
    var current = rows.findIndex(function (r) { return r.classList.contains("selected"); });
    if (event.key === "j" || event.key === "ArrowDown") {
      select(rows[Math.min(rows.length - 1, current + 1)], true);
      event.preventDefault();
    } else if (event.key === "k" || event.key === "ArrowUp") {
      select(rows[Math.max(0, current - 1)], true);
      event.preventDefault();
    } else if ((event.key === "Enter" || event.key === "o") && current >= 0) {
      open(rows[current]);
      event.preventDefault();
    }
  });

  // Rows that live.js inserts or removes: the same click opens them, j/k walks the new list.
  table.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr.row.live-added");
    if (!row || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    open(row);
  });
  document.addEventListener("webmail:rows-changed", function () {
    rows = Array.prototype.slice.call(table.querySelectorAll("tr.row"));
  });
})();
