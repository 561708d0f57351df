// Message view: links and the trusted-sender form reload the preview pane in place.
// Every control also works without this file (plain links and a form that redirects).
(function () {
  "use strict";

  function pane() { return document.getElementById("preview"); }

  function withPane(url) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "pane=1";
  }

  function load(url) {
    var preview = pane();
    if (!preview) { window.location.href = url; return; }
    preview.setAttribute("aria-busy", "true");
    fetch(withPane(url), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (resp) {
        if (resp.redirected && resp.url.indexOf("/accounts/login/") !== -1) { window.location.href = resp.url; return null; }
        return resp.text();
      })
      .then(function (html) {
        if (html === null) return;
        preview.innerHTML = html;  // rendered by our own templates, all values autoescaped
        preview.removeAttribute("aria-busy");
      })
      .catch(function () { window.location.href = url; });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-pane-reload]") : null;
    if (!link || !pane() || !pane().contains(link)) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    load(link.getAttribute("href"));
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("trust-sender") || !pane() || !pane().contains(form)) return;
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (resp) {
      if (!resp.ok) { form.submit(); return; }
      load(form.getAttribute("data-reload"));
    }).catch(function () { form.submit(); });
  });
})();
