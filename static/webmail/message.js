// Message view: links and the trusted-sender form reload the preview pane in place.
// Every control also works without this file (plain links and a form that redirects).
import { plainClick } from "./lib/dom.js";
import { loadPreview, previewPane as pane } from "./lib/preview.js";

function load(url) {
  if (!pane()) { window.location.href = url; return; }
  loadPreview(url).catch(function () { window.location.href = url; });
}

document.addEventListener("click", function (event) {
  const link = event.target.closest ? event.target.closest("a[data-pane-reload]") : null;
  if (!link || !pane() || !pane().contains(link)) return;
  if (!plainClick(event)) return;
  event.preventDefault();
  load(link.getAttribute("href"));
});

// The HTML frame grows to its content, so the message scrolls with the page instead of in a
// box of its own. The frame is sandboxed without scripts but same-origin, so this script (the
// parent's) can measure its document; nothing runs inside the frame.
var MIN_HEIGHT = 40;
var MAX_HEIGHT = 40000;  // a pathological message scrolls inside its frame beyond this

function scroller(node) {
  for (var el = node.parentElement; el; el = el.parentElement) {
    var overflow = window.getComputedStyle(el).overflowY;
    if (overflow === "auto" || overflow === "scroll") return el;
  }
  return document.scrollingElement || document.documentElement;
}

function fit(frame) {
  var doc;
  try { doc = frame.contentDocument; } catch (e) { return; }
  if (!doc || !doc.documentElement || !doc.body || doc.URL === "about:blank") return;
  var root = doc.documentElement;
  var box = scroller(frame);
  var top = box.scrollTop;  // shrinking for a moment must not lose the reader's place
  frame.style.minHeight = "0";
  frame.style.height = MIN_HEIGHT + "px";
  var height = Math.max(root.scrollHeight, doc.body.scrollHeight);
  frame.style.height = Math.min(Math.max(height, MIN_HEIGHT), MAX_HEIGHT) + "px";
  // A horizontal scrollbar (a wide table) takes room from the height: add it back.
  var missing = root.scrollHeight - root.clientHeight;
  if (missing > 0 && height + missing <= MAX_HEIGHT) {
    frame.style.height = (height + missing) + "px";
  }
  box.scrollTop = top;
  frame.classList.add("fitted");
}

function schedule(frame) {
  if (frame._fitPending) return;
  frame._fitPending = true;
  window.requestAnimationFrame(function () {
    frame._fitPending = false;
    if (frame.isConnected) fit(frame);
  });
}

function watch(frame) {
  var doc;
  try { doc = frame.contentDocument; } catch (e) { return; }
  if (!doc || !doc.body || doc.URL === "about:blank" || frame._watched === doc) return;
  frame._watched = doc;
  fit(frame);
  var again = function () { schedule(frame); };
  // Late images, <details> opened or closed, web fonts (remote content shown), any reflow.
  doc.addEventListener("load", again, true);
  doc.addEventListener("error", again, true);
  doc.addEventListener("toggle", again, true);
  if (doc.fonts && doc.fonts.ready) doc.fonts.ready.then(again);
  if (window.ResizeObserver) new window.ResizeObserver(again).observe(doc.body);
}

function frames() { return document.querySelectorAll("iframe.body-html"); }

// Frames come with the page or with the preview pane's HTML: catch every frame's load.
document.addEventListener("load", function (event) {
  var target = event.target;
  if (target && target.tagName === "IFRAME" && target.classList.contains("body-html")) watch(target);
}, true);
Array.prototype.forEach.call(frames(), function (frame) {
  try {
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") watch(frame);
  } catch (e) { /* not ours to measure */ }
});
window.addEventListener("resize", function () {
  Array.prototype.forEach.call(frames(), schedule);
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
