// Compose page: rich-text editor toggle, autosave to Drafts, attachments, address autocomplete.
import { clockTime } from "./lib/clock.js";
const form = document.getElementById("compose");
if (form) compose(form);

function compose(form) {

  var AUTOSAVE_MS = 3000;
  var textArea = document.getElementById("c-text");
  var htmlArea = document.getElementById("c-html");
  var editorWrap = document.getElementById("c-editor-wrap");
  var statusEl = document.getElementById("c-status");
  var tokenField = form.querySelector("input[name=csrfmiddlewaretoken]");
  // The browser's CSRF token, read when it is needed: logging in again (in another tab, after
  // the session ended) gives the browser a new one, and this page's copy would be refused; the
  // form's own field is brought up to date before each save and the send.
  function csrf() {
    var found = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (found) tokenField.value = decodeURIComponent(found[1]);
    return tokenField.value;
  }
  var quill = null;
  var dirty = false;
  var saving = false;
  var leaving = false;

  function setStatus(text) { statusEl.textContent = text; }
  function markDirty() { dirty = true; }
  function htmlMode() { return form.querySelector("input[name=format]:checked").value === "html"; }

  // -- the editor -------------------------------------------------------------------------------
  function escapeHtml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  // One paragraph per line, an empty one per blank line: the editor shows (and sends) the text
  // with the same paragraphs and blank lines, and switching back gives the same text.
  function textToHtml(text) {
    return text.replace(/\n$/, "").split("\n").map(function (line) {
      return line ? "<p>" + escapeHtml(line) + "</p>" : "<p><br></p>";
    }).join("");
  }
  function ensureQuill() {
    if (quill || !window.Quill) return quill;
    quill = new window.Quill("#c-editor", {
      theme: "snow",
      modules: {
        toolbar: [["bold", "italic", "underline", "strike"], [{ header: [1, 2, 3, false] }],
          [{ list: "ordered" }, { list: "bullet" }], ["blockquote", "code-block", "link"], ["clean"]]
      }
    });
    quill.on("text-change", function () { syncHtml(); markDirty(); });
    return quill;
  }
  // Quill 2's semantic HTML turns every space into &nbsp;: give mail clients normal spaces back.
  function syncHtml() {
    if (quill) htmlArea.value = quill.getSemanticHTML().replace(/&nbsp;/g, " ");
  }
  function loadHtml(markup) {
    var q = ensureQuill();
    if (!q) return;
    q.setContents(q.clipboard.convert({ html: markup || "" }), "silent");
    syncHtml();
  }
  function showMode(html) {
    textArea.hidden = html;
    editorWrap.hidden = !html;
  }
  form.querySelectorAll("input[name=format]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (htmlMode()) {
        loadHtml(textToHtml(textArea.value));
        showMode(true);
        quill && quill.focus();
      } else {
        syncHtml();
        textArea.value = quill ? quill.getText().replace(/\n$/, "") : textArea.value;
        showMode(false);
        textArea.focus();
      }
      markDirty();
    });
  });
  // The format the page was drawn in; switched before this script ran (a slow connection), the
  // editor starts from the text written so far.
  var drawnHtml = form.querySelector("input[name=format][value=html]").defaultChecked;
  if (htmlMode()) {
    loadHtml(drawnHtml ? htmlArea.value : textToHtml(textArea.value));
    showMode(true);
  } else if (drawnHtml) {
    showMode(false);
  }

  // -- the question before sending (no subject, a mentioned attachment missing) ---------------
  var sendCheck = document.getElementById("c-send-check");
  var keepEditing = document.getElementById("c-keep-editing");
  if (keepEditing) {
    keepEditing.addEventListener("click", function (e) {
      e.preventDefault();
      sendCheck.hidden = true;
      document.getElementById("c-subject").focus();
    });
  }

  // -- where the cursor starts ----------------------------------------------------------------
  var toField = document.getElementById("c-to");
  var kind = form.dataset.kind;
  var userMovedFirst = document.activeElement && document.activeElement !== document.body;
  if (sendCheck && location.hash === "#c-subject") {
    // "Keep editing" was chosen before this script ran (its link goes to the subject).
    sendCheck.hidden = true;
    document.getElementById("c-subject").focus();
  } else if (userMovedFirst) {
    // The person already clicked or typed into a field while the page loaded: leave them there.
  } else if (sendCheck) {
    document.getElementById("c-send-anyway").focus();
  } else if (!toField.value) {
    toField.focus();
  } else if (htmlMode() && quill) {
    quill.setSelection(form.dataset.cursor === "bottom" ? quill.getLength() : 0, 0);
  } else {
    var pos = form.dataset.cursor === "bottom" && (kind === "reply" || kind === "reply_all") ? textArea.value.length : 0;
    textArea.focus();
    textArea.setSelectionRange(pos, pos);
    textArea.scrollTop = pos ? textArea.scrollHeight : 0;
  }

  // -- Enter in a one-line field (From, To, Cc, Bcc, Subject) never submits the form ----------
  form.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.isComposing) return;
    var field = e.target;
    if (field.tagName === "INPUT" && field.type !== "submit" && field.type !== "button") e.preventDefault();
  });

  // -- autosave ---------------------------------------------------------------------------------
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);

  function formData() { syncHtml(); csrf(); return new FormData(form); }
  // What a save writes (the fields and the attachments), to compare with what was saved: an
  // event without a change (a field's "change" when it loses focus, as the page is left) saves
  // nothing, and "Draft saved" is shown only once what the page shows is saved.
  var savedState = null;  // the page's content as it was loaded, then as last saved
  function snapshot(data) {
    var parts = [];
    data.forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") parts.push(name + "=" + value);
    });
    list.querySelectorAll("li[data-id]").forEach(function (li) { parts.push("attachment=" + li.dataset.id); });
    return parts.join("\n");
  }
  // Each save of this page load carries a number: an autosave and the save sent as the tab
  // closes can be on their way at once, and the server keeps the newer whichever comes last.
  var savePage = Array.prototype.map.call(crypto.getRandomValues(new Uint32Array(4)), function (n) {
    return n.toString(36).padStart(7, "0");
  }).join("");
  var saveSeq = 0;
  function numbered(data) {
    saveSeq += 1;
    data.append("save_page", savePage);
    data.append("save_seq", String(saveSeq));
    return data;
  }
  function save(manual) {
    if (saving || leaving) return Promise.resolve();
    dirty = false;
    var body = formData();
    var state = snapshot(body);
    if (!manual && state === savedState) return Promise.resolve();
    numbered(body);
    saving = true;
    setStatus(gettext("Saving draft…"));
    return fetch(form.dataset.saveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.redirected && response.url.indexOf("/accounts/login/") !== -1) {
        // The session ended (logged out elsewhere, or expired): nothing here is lost.
        return { ok: false, error: gettext("You are logged out, so the draft cannot be saved. Log in again in another tab: this page keeps what you wrote and saves it then.") };
      }
      return response.json().catch(function () { return { ok: false, error: gettext("The draft could not be saved.") }; });
    }).then(function (data) {
      if (data.stale) {
        // A newer save (sent as the page was hidden) was written first: this one changed nothing.
        dirty = snapshot(formData()) !== savedState;
        if (!dirty) setStatus("");
        return;
      }
      if (data.ok) savedState = state;
      if (data.ok && data.uid) form.dataset.draftUid = data.uid;
      if (data.ok && snapshot(formData()) !== state) {
        dirty = true;  // changed while it was saved: still "Saving…" until the next autosave
      } else if (data.ok && data.skipped) {
        setStatus("");  // nothing but recipients yet: not worth a draft
      } else if (data.ok) {
        setStatus(interpolate(gettext("Draft saved at %s"), [clockTime(new Date())]));
      } else {
        dirty = true;
        setStatus(data.error || gettext("The draft could not be saved."));
      }
    }).catch(function () {
      dirty = true;
      setStatus(gettext("The draft could not be saved (no connection); retrying."));
    }).finally(function () {
      saving = false;
    });
  }
  setInterval(function () { if (dirty) save(false); }, AUTOSAVE_MS);
  document.getElementById("c-save").addEventListener("click", function () { save(true); });

  // Sent even while an autosave of the same text is on its way: a closing page may cancel that
  // request before it reaches the server, a beacon outlives the page. Sent once per content
  // ("pagehide" and "visibilitychange" both come as a tab closes).
  var leftState = null;
  function saveOnLeave() {
    if (leaving) return;
    var data = formData();
    var state = snapshot(data);
    if (state === savedState || state === leftState) return;
    leftState = state;
    dirty = false;
    numbered(data);
    if (!(navigator.sendBeacon && navigator.sendBeacon(form.dataset.saveUrl, data))) {
      fetch(form.dataset.saveUrl, { method: "POST", body: data, keepalive: true, credentials: "same-origin" });
    }
  }
  window.addEventListener("pagehide", saveOnLeave);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") saveOnLeave();
  });
  form.addEventListener("submit", function () { syncHtml(); csrf(); leaving = true; dirty = false; });

  // -- attachments ------------------------------------------------------------------------------
  var maxSize = parseInt(form.dataset.maxSize, 10);
  // The message's total (the outgoing server's SIZE): checked before anything is uploaded.
  var maxTotal = parseInt(form.dataset.maxTotal, 10);
  var attached = parseInt(form.dataset.attached || "0", 10);
  var list = document.getElementById("c-attachments");
  var attachError = document.getElementById("c-attach-error");
  var uploadBox = document.getElementById("c-upload");
  var progress = document.getElementById("c-progress");
  var uploadLabel = document.getElementById("c-upload-label");

  function showAttachError(text) { attachError.textContent = text; attachError.hidden = !text; }
  function sizeText(n) {
    if (n < 1024) return interpolate(ngettext("%s byte", "%s bytes", n), [n]);
    if (n < 1048576) return interpolate(gettext("%s KB"), [(n / 1024).toFixed(1)]);
    return interpolate(gettext("%s MB"), [(n / 1048576).toFixed(1)]);
  }
  function renderAttachments(items) {
    list.textContent = "";
    attached = items.reduce(function (sum, a) { return sum + a.size; }, 0);
    items.forEach(function (a) {
      var li = document.createElement("li");
      li.dataset.id = a.id;
      var name = document.createElement("span");
      name.className = "att-name";
      name.textContent = a.filename;
      var size = document.createElement("span");
      size.className = "muted";
      size.textContent = " (" + sizeText(a.size) + ") ";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "linkish att-remove";
      remove.dataset.id = a.id;
      remove.textContent = gettext("Remove");
      li.append(name, size, remove);
      list.appendChild(li);
    });
  }
  function upload(files) {
    showAttachError("");
    var ok = [];
    var refused = [];
    var total = attached;
    Array.prototype.forEach.call(files, function (file) {
      if (file.size > maxSize) refused.push(interpolate(gettext("“%(name)s” is larger than the limit of %(limit)s."), { name: file.name, limit: form.dataset.maxSizeHuman }, true));
      else if (total + file.size > maxTotal) refused.push(interpolate(gettext("With “%(name)s” the message would be too large: attachments may take %(limit)s in all (the outgoing mail server's limit)."), { name: file.name, limit: form.dataset.maxTotalHuman }, true));
      else { ok.push(file); total += file.size; }
    });
    if (refused.length) showAttachError(refused.join(" "));
    if (!ok.length) return;
    var data = new FormData();
    ok.forEach(function (file) { data.append("file", file, file.name); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", csrf());
    uploadBox.hidden = false;
    progress.value = 0;
    uploadLabel.textContent = interpolate(gettext("Uploading %s…"), [ok.map(function (f) { return f.name; }).join(", ")]);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total);
    });
    xhr.addEventListener("load", function () {
      uploadBox.hidden = true;
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      if (data && data.ok) { renderAttachments(data.attachments); markDirty(); }
      else showAttachError((data && data.error) || gettext("The upload failed."));
    });
    xhr.addEventListener("error", function () {
      uploadBox.hidden = true;
      showAttachError(gettext("The upload failed (no connection)."));
    });
    xhr.send(data);
  }
  var fileInput = document.getElementById("c-files");
  function uploadChosen() {
    if (!fileInput.files.length) return;
    upload(fileInput.files);
    fileInput.value = "";
  }
  fileInput.addEventListener("change", uploadChosen);
  // Files chosen before this module ran (it runs once the page is parsed) wait in the input.
  uploadChosen();
  list.addEventListener("click", function (e) {
    var button = e.target.closest(".att-remove");
    if (!button) return;
    fetch(form.dataset.removeUrl.replace("ATTACHMENT", button.dataset.id), {
      method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin"
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.ok) { renderAttachments(data.attachments); markDirty(); }
      else showAttachError(data.error);
    });
  });
  var dropzone = document.body;
  ["dragenter", "dragover"].forEach(function (type) {
    dropzone.addEventListener(type, function (e) {
      if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0) {
        e.preventDefault();
        form.classList.add("dropping");
      }
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    dropzone.addEventListener(type, function () { form.classList.remove("dropping"); });
  });
  dropzone.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) {
      e.preventDefault();
      upload(e.dataTransfer.files);
    }
  });

  // -- address autocomplete -----------------------------------------------------------------------
  form.querySelectorAll("input[data-autocomplete]").forEach(function (input) {
    var box = document.createElement("ul");
    box.className = "ac-list";
    box.setAttribute("role", "listbox");
    box.id = input.id + "-list";
    box.hidden = true;
    input.setAttribute("aria-controls", box.id);
    input.setAttribute("aria-autocomplete", "list");
    input.parentNode.appendChild(box);
    var active = -1;
    var timer = null;
    var seq = 0;

    function lastToken() {
      var parts = input.value.split(/[,;]/);
      return parts[parts.length - 1].trim();
    }
    function choose(value) {
      var parts = input.value.split(/[,;]/);
      parts[parts.length - 1] = " " + value;
      input.value = parts.join(",").replace(/^\s+/, "") + ", ";
      box.hidden = true;
      markDirty();
      input.focus();
    }
    // An address the user wrote to can be forgotten from the list (×).
    function forgetButton(item, li) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ac-forget";
      button.title = interpolate(gettext("Do not suggest %s again"), [item.value]);
      button.setAttribute("aria-label", interpolate(gettext("Remove %s from suggestions"), [item.value]));
      button.addEventListener("mousedown", function (e) {
        e.preventDefault();
        e.stopPropagation();
        var url = form.dataset.recentRemoveUrl.replace("/0/", "/" + encodeURIComponent(item.id) + "/");
        fetch(url, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" })
          .then(function (r) { if (r.ok) { li.remove(); box.hidden = !box.querySelector("li"); } });
      });
      return button;
    }
    function highlight(i) {
      var items = box.querySelectorAll("li");
      items.forEach(function (li, n) { li.setAttribute("aria-selected", n === i ? "true" : "false"); });
      active = i;
    }
    function lookup() {
      clearTimeout(timer);
      var q = lastToken();
      if (q.length < 2) { box.hidden = true; return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(form.dataset.autocompleteUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            if (mine !== seq) return;
            box.textContent = "";
            data.results.forEach(function (item) {
              var li = document.createElement("li");
              li.setAttribute("role", "option");
              li.textContent = item.label;
              li.dataset.value = item.value;
              li.className = "ac-" + item.kind;
              li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item.value); });
              if (item.id) li.appendChild(forgetButton(item, li));
              box.appendChild(li);
            });
            box.hidden = !data.results.length;
            highlight(-1);
          });
      }, 150);
    }
    input.addEventListener("input", lookup);
    // An address begun before this script ran (a slow connection) is looked up now.
    if (document.activeElement === input && input.value !== input.defaultValue) lookup();
    input.addEventListener("keydown", function (e) {
      if (box.hidden) return;
      var items = box.querySelectorAll("li");
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && items.length) {
        // Enter takes the highlighted suggestion, else the first one (never sends).
        e.preventDefault();
        choose(items[Math.max(active, 0)].dataset.value);
      }
      else if (e.key === "Tab" && active >= 0) { e.preventDefault(); choose(items[active].dataset.value); }
      else if (e.key === "Escape") { box.hidden = true; }
    });
    input.addEventListener("blur", function () { setTimeout(function () { box.hidden = true; }, 150); });
  });

  // What the page was drawn with is what is saved (an opened draft; a new message, a reply or a
  // forward is saved once it is changed). Fields written in before this script ran (a slow
  // connection) hold more than that: unsaved, as if typed now.
  if (changedBeforeScript()) {
    markDirty();
  } else {
    savedState = snapshot(formData());
  }
  function changedBeforeScript() {
    return Array.prototype.some.call(form.elements, function (field) {
      if (!field.name || field.type === "hidden" || field.type === "file") return false;
      if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
      if (field.tagName === "SELECT") {
        var drawn = Array.prototype.findIndex.call(field.options, function (o) { return o.defaultSelected; });
        return field.selectedIndex !== Math.max(drawn, 0);
      }
      return typeof field.defaultValue === "string" && field.value !== field.defaultValue;
    });
  }
}
