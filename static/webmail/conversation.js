// Conversation view (templates/mailview/message/_conversation.html): an older message of the
// stack is a <details> that opens by click or keyboard without JavaScript (then it offers a
// link to the message); with it, opening fetches the message as the preview pane shows it
// (the same view, sanitizer and sandboxed frame) into the stack, once.
import { fromHTML } from "./lib/dom.js";

async function load(details) {
  if (!details.open || details.dataset.loaded) return;
  details.dataset.loaded = "1";
  const body = details.querySelector(".conv-body");
  try {
    const response = await fetch(details.dataset.src, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    body.replaceChildren(fromHTML(await response.text()));
    // Its landmarks are named after the message (the open one below keeps the plain names).
    const from = details.querySelector(".conv-from")?.textContent.trim() || "";
    const date = details.querySelector(".conv-date")?.getAttribute("title") || "";
    body.querySelectorAll("nav[aria-label], section[aria-label]").forEach(function (landmark) {
      const label = { label: landmark.getAttribute("aria-label"), from: from, date: date };
      landmark.setAttribute("aria-label", interpolate(gettext("%(label)s (%(from)s, %(date)s)"), label, true));
    });
  } catch {
    delete details.dataset.loaded; // keep the link; the next opening tries again
  }
}

// "toggle" does not bubble: caught on the way down, so stacks put into the preview pane later
// are handled too.
document.addEventListener(
  "toggle",
  (event) => {
    if (event.target instanceof HTMLDetailsElement && event.target.matches(".conv-item")) {
      load(event.target);
    }
  },
  true,
);
