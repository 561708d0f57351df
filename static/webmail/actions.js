// Actions on messages: selection (checkboxes, shift-click ranges, select all), drag and drop
// onto folders, keyboard shortcuts with a help overlay, and the import progress bar.
// Progressive enhancement: every action is a plain POST form that works without this file.
(function () {
  "use strict";

  var form = document.getElementById("actions-form");
  var help = document.getElementById("shortcut-help");

  function rowsOf() {
    return Array.prototype.slice.call(document.querySelectorAll("table.messages tr.row"));
  }
  function boxOf(row) { return row.querySelector(".c-check input[type=checkbox]:not(.thread-member)"); }
  function boxes() {
    return rowsOf().map(boxOf).filter(function (b) { return b; });
  }
  function checked() { return boxes().filter(function (b) { return b.checked; }); }
  function currentRow() { return document.querySelector("table.messages tr.row.selected"); }

  function setChecked(box, value) {
    box.checked = value;
    var row = box.closest("tr");
    if (row) row.classList.toggle("checked", value);
    // A collapsed thread's head stands for the whole conversation.
    if (row && row.dataset.thread) {
      row.querySelectorAll("input.thread-member").forEach(function (m) { m.checked = value; });
    }
  }

  function syncSelectAll() {
    var all = document.getElementById("select-all");
    if (!all) return;
    var list = boxes();
    var n = checked().length;
    all.checked = list.length > 0 && n === list.length;
    all.indeterminate = n > 0 && n < list.length;
  }

  // -- selection ------------------------------------------------------------------------------
  var lastIndex = null;
  if (form) {
    boxes().forEach(function (box) {
      box.addEventListener("click", function (event) {
        event.stopPropagation();  // a click on the box selects; it does not open the message
        var list = boxes();
        var index = list.indexOf(box);
        if (event.shiftKey && lastIndex !== null && lastIndex !== index) {
          var lo = Math.min(lastIndex, index), hi = Math.max(lastIndex, index);
          for (var i = lo; i <= hi; i++) setChecked(list[i], box.checked);
        } else {
          setChecked(box, box.checked);
        }
        lastIndex = index;
        syncSelectAll();
      });
      // The cell around the box: a larger target, and no preview opening.
      box.parentNode.addEventListener("click", function (event) {
        if (event.target === box) return;
        event.stopPropagation();
        box.click();
      });
    });
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        boxes().forEach(function (b) { setChecked(b, all.checked); });
        syncSelectAll();
      });
    }

    // Nothing ticked: the toolbar acts on the message open in the preview.
    form.addEventListener("submit", function (event) {
      if (checked().length) return;
      var row = currentRow();
      if (row && boxOf(row)) { setChecked(boxOf(row), true); return; }
      event.preventDefault();
      flash("Select one or more messages first.");
    });
  }

  function flash(text) {
    var bar = document.querySelector(".flash");
    if (!bar) {
      bar = document.createElement("div");
      bar.className = "flash";
      bar.setAttribute("role", "status");
      var layout = document.querySelector(".layout");
      layout.parentNode.insertBefore(bar, layout);
    }
    bar.textContent = "";
    var p = document.createElement("p");
    p.textContent = text;
    bar.appendChild(p);
  }

  function submitAction(name, value) {
    if (!form) return;
    var button = form.querySelector('button[name="' + name + '"][value="' + value + '"]');
    if (!button) return;
    if (!checked().length) {
      var row = currentRow();
      if (!row || !boxOf(row)) { flash("Select one or more messages first."); return; }
      setChecked(boxOf(row), true);
    }
    form.requestSubmit(button);
  }

  // -- conversations: the count opens and closes a thread in place ----------------------------
  document.querySelectorAll("a.thread-count").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      event.stopPropagation();
      var head = link.closest("tr");
      var open = link.getAttribute("aria-expanded") !== "true";
      link.setAttribute("aria-expanded", open ? "true" : "false");
      document.querySelectorAll('tr.thread-child[data-parent="' + head.dataset.uid + '"]').forEach(function (r) {
        r.hidden = !open;
      });
    });
  });

  // -- drag and drop onto the folder tree -----------------------------------------------------
  var dragging = false;
  rowsOf().forEach(function (row) {
    row.addEventListener("dragstart", function (event) {
      var box = boxOf(row);
      if (!box || !form) return;
      if (!box.checked) {
        boxes().forEach(function (b) { setChecked(b, false); });
        setChecked(box, true);
        syncSelectAll();
      }
      dragging = true;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", checked().length + " message(s)");
    });
    row.addEventListener("dragend", function () {
      dragging = false;
      document.querySelectorAll("li.folder.drop-target").forEach(function (li) { li.classList.remove("drop-target"); });
    });
  });
  document.querySelectorAll("nav#folders li.folder").forEach(function (li) {
    li.addEventListener("dragover", function (event) {
      if (!dragging || !li.querySelector("a")) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      li.classList.add("drop-target");
    });
    li.addEventListener("dragleave", function () { li.classList.remove("drop-target"); });
    li.addEventListener("drop", function (event) {
      if (!dragging || !form) return;
      event.preventDefault();
      li.classList.remove("drop-target");
      var select = document.getElementById("move-target");
      var name = li.dataset.folder;
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === name; });
      if (!option) {
        option = document.createElement("option");
        option.value = name;
        option.textContent = name;
        select.appendChild(option);
      }
      select.value = name;
      form.requestSubmit(document.getElementById("move-button"));
    });
  });

  // -- keyboard shortcuts ---------------------------------------------------------------------
  function showHelp(show) {
    if (!help) return;
    help.hidden = !show;
    if (show) help.querySelector(".close-help").focus();
  }
  document.querySelectorAll(".help-button").forEach(function (b) {
    b.addEventListener("click", function () { showHelp(true); });
  });
  if (help) {
    help.querySelector(".close-help").addEventListener("click", function () { showHelp(false); });
    help.addEventListener("click", function (event) { if (event.target === help) showHelp(false); });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)) {
      if (event.key === "Escape" && target.blur) target.blur();
      return;
    }
    if (help && !help.hidden) {
      if (event.key === "Escape" || event.key === "?") { showHelp(false); event.preventDefault(); }
      return;
    }
    var key = event.key;
    var row = currentRow();
    if (key === "?") { showHelp(true); }
    else if (key === "/") {
      var q = document.getElementById("search-q");
      if (!q) return;
      q.focus();
    }
    else if (key === "x" && row && boxOf(row)) { setChecked(boxOf(row), !boxOf(row).checked); syncSelectAll(); }
    else if (key === "*") {
      var all = document.getElementById("select-all");
      if (!all) return;
      all.checked = !all.checked;
      all.dispatchEvent(new Event("change"));
    }
    else if (key === "I") submitAction("action", "read");
    else if (key === "U") submitAction("action", "unread");
    else if (key === "s") submitAction("action", row && row.classList.contains("flagged") && !checked().length ? "unflag" : "flag");
    else if (key === "e") submitAction("action", "archive");
    else if (key === "#" || key === "Delete") submitAction("action", "delete");
    else if (key === "!") submitAction("action", "junk");
    else if (key === "r" || key === "a" || key === "f" || key === "c") {
      // Reply, reply all, forward: the open message's own links (preview pane or message page).
      var selector = {r: ".message-actions .act-reply", a: ".message-actions .act-reply-all",
        f: ".message-actions .act-forward", c: "a.compose-button"}[key];
      var link = document.querySelector(selector);
      if (!link) return;
      window.location.href = link.href;
    }
    else if (key === "z") {
      var undo = document.getElementById("undo-form");
      if (undo && document.querySelector('button[form="undo-form"]')) undo.requestSubmit();
    }
    else return;
    event.preventDefault();
  });

  // -- import: an upload progress bar, then "Importing message N of M", then the report ------
  // The POST asks for application/x-ndjson: the server answers with one JSON line per message
  // it has APPENDed ({"done": n, "total": m}) and a last line {"result": {..., "html": ...}}.
  // XHR (not fetch) because only XHR reports upload progress; its partial responseText gives
  // the lines as they arrive. Any other answer (a form error, an error page) is an HTML page
  // whose <main> replaces ours, as without streaming.
  function bindImport() {
    var importForm = document.getElementById("import-form");
    if (!importForm || !window.XMLHttpRequest || !window.FormData || !window.DOMParser) return;
    importForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var bar = document.getElementById("import-progress");
      var status = document.getElementById("import-status");
      var button = importForm.querySelector("button[type=submit]");
      var xhr = new XMLHttpRequest();
      var read = 0;  // how much of responseText has been parsed
      var result = null;
      xhr.open("POST", importForm.action);
      xhr.setRequestHeader("Accept", "application/x-ndjson");
      bar.hidden = false;
      bar.max = 100;
      bar.value = 0;
      if (button) button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(100 * e.loaded / e.total);
          status.textContent = "Uploading… " + bar.value + "%";
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");  // indeterminate until the server has counted the messages
        status.textContent = "Preparing the import…";
      });

      function streamed() {
        return (xhr.getResponseHeader("Content-Type") || "").indexOf("application/x-ndjson") === 0;
      }
      function show(line) {
        var data = JSON.parse(line);
        if (data.result) { result = data.result; return; }
        if (!data.total) { status.textContent = "No messages found in these files."; return; }
        bar.max = data.total;
        bar.value = data.done;
        status.textContent = "Importing message " + Math.min(data.done + 1, data.total) +
          " of " + data.total;
      }
      function readLines(all) {
        var text = xhr.responseText;
        var end = all ? text.length : text.lastIndexOf("\n") + 1;
        if (end <= read) return;
        var lines = text.slice(read, end).split("\n");
        read = end;
        lines.forEach(function (line) { if (line.trim()) show(line); });
      }
      function showReport() {
        var main = document.querySelector("main");
        var old = main.querySelectorAll(".import-report, .form-error");
        for (var i = 0; i < old.length; i++) old[i].remove();
        // Rendered by our own template (all values autoescaped).
        var doc = new DOMParser().parseFromString(result.html, "text/html");
        var report = doc.querySelector(".import-report");
        if (report) importForm.before(document.importNode(report, true));
        status.textContent = "";
        importForm.querySelector("input[type=file]").value = "";  // the folder stays chosen
      }

      xhr.addEventListener("progress", function () { if (streamed()) readLines(false); });
      xhr.addEventListener("load", function () {
        if (button) button.disabled = false;
        if (xhr.responseURL && xhr.responseURL.indexOf("/accounts/login/") !== -1) {
          window.location.href = xhr.responseURL;
          return;
        }
        if (streamed()) {
          try { readLines(true); } catch (e) { result = null; }
          if (result) showReport();
          else status.textContent = "The import stopped before it finished. " +
            "Open the folder to see what was imported.";
          return;
        }
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var fresh = doc.querySelector("main");
        var main = document.querySelector("main");
        if (!fresh || !main) { status.textContent = "The import failed. Try again."; return; }
        main.replaceWith(document.importNode(fresh, true));
        bindImport();
      });
      xhr.addEventListener("error", function () {
        if (button) button.disabled = false;
        bar.hidden = true;
        status.textContent = "The connection was lost. Open the folder to see what was " +
          "imported, then try again.";
      });
      xhr.send(new FormData(importForm));
    });
  }
  bindImport();
})();
