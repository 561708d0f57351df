// The splitter between the message list and the preview (issue 13; panes.css draws the
// layouts). Dragged with the mouse or a finger, or moved with the arrow keys (Page Up/Down in
// larger steps, Home/End to the ends) when it has the focus; the list's share is saved for the
// user on the server (Settings: split_right, split_below), so it is the same after a reload and
// on another device. Without this file the panes keep the saved size's default.
const MIN = 20;
const MAX = 80;

const splitter = document.querySelector(".splitter[data-layout]");
if (splitter) start(splitter);

function start(splitter) {
  const layout = document.querySelector(".layout");
  const below = splitter.dataset.layout === "below";
  let size = clamp(parseInt(splitter.getAttribute("aria-valuenow"), 10) || (below ? 45 : 58));
  let saved = size;
  let timer = 0;

  function clamp(n) { return Math.min(MAX, Math.max(MIN, Math.round(n))); }

  function apply(n) {
    size = clamp(n);
    layout.style.setProperty("--list", size + "fr");
    layout.style.setProperty("--rest", (100 - size) + "fr");
    splitter.setAttribute("aria-valuenow", String(size));
    splitter.setAttribute("aria-valuetext", size + " %");
    window.dispatchEvent(new Event("resize"));  // the message frame fits its new width
  }

  function save() {
    window.clearTimeout(timer);
    if (size === saved) return;
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    const body = new FormData();
    body.append("layout", splitter.dataset.layout);
    body.append("size", String(size));
    fetch(splitter.dataset.save, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", "X-Requested-With": "fetch" },
    }).then(function (resp) {
      if (!resp.ok) return;
      saved = Number(body.get("size"));
      splitter.dataset.saved = String(saved);  // what the server now has
    }, function () { /* the next move saves */ });
  }

  // The list's share of the two panes at a pointer position.
  function shareAt(event) {
    const list = document.querySelector("main.list-pane").getBoundingClientRect();
    const preview = document.getElementById("preview").getBoundingClientRect();
    if (below) return 100 * (event.clientY - list.top) / (preview.bottom - list.top);
    return 100 * (event.clientX - list.left) / (preview.right - list.left);
  }

  splitter.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    event.preventDefault();
    splitter.setPointerCapture(event.pointerId);
    splitter.classList.add("dragging");
    splitter.focus();
  });
  splitter.addEventListener("pointermove", function (event) {
    if (splitter.classList.contains("dragging")) apply(shareAt(event));
  });
  function stop(event) {
    if (!splitter.classList.contains("dragging")) return;
    splitter.classList.remove("dragging");
    if (splitter.hasPointerCapture(event.pointerId)) splitter.releasePointerCapture(event.pointerId);
    save();
  }
  splitter.addEventListener("pointerup", stop);
  splitter.addEventListener("pointercancel", stop);

  const STEPS = below
    ? { ArrowUp: -2, ArrowDown: 2, PageUp: -10, PageDown: 10 }
    : { ArrowLeft: -2, ArrowRight: 2, PageUp: -10, PageDown: 10 };
  splitter.addEventListener("keydown", function (event) {
    let next = null;
    if (event.key in STEPS) next = size + STEPS[event.key];
    else if (event.key === "Home") next = MIN;
    else if (event.key === "End") next = MAX;
    if (next === null) return;
    // The splitter's keys are its own, not the list's shortcuts (lib/keyboard.js).
    event.preventDefault();
    event.stopPropagation();
    apply(next);
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 400);
  });
  splitter.addEventListener("blur", save);

  apply(size);
  splitter.parentElement.hidden = false;  // its landmark, shown once it works
}
