// The one preview-pane loader: a message (or its reloaded view) into #preview with ?pane=1.
import { followLoginRedirect } from "./session.js";

export function previewPane() {
  return document.getElementById("preview");
}

export function withPane(url) {
  return url + (url.indexOf("?") === -1 ? "?" : "&") + "pane=1";
}

// Resolves true once the pane shows `url`, false if the session ended (the page is leaving);
// rejects if the message could not be loaded (the pane is then no longer busy).
export function loadPreview(url) {
  const preview = previewPane();
  preview.setAttribute("aria-busy", "true");
  return fetch(withPane(url), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
    .then(function (resp) {
      if (followLoginRedirect(resp)) return false;
      return resp.text().then(function (html) {
        preview.innerHTML = html;  // rendered by our own templates, all values autoescaped
        preview.removeAttribute("aria-busy");
        return true;
      });
    }, function (error) {
      preview.removeAttribute("aria-busy");
      throw error;
    });
}
