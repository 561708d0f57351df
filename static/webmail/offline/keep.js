// While online, on an opted-in device: keep the Inbox's first page, the folder names, and every
// message the user opens (page or preview pane), encrypted; then prune to the device's limits.
import { applyToKeptList, FOLDERS_ID, LIST_ID, messageId } from "./effects.js";
import { keep, keptAt, prune } from "./store.js";

const LIST_PATH = "/mail/INBOX/";
const LIST_FRESH_MS = 60000;

function cleanTable(table) {
  const copy = table.cloneNode(true);
  copy.querySelectorAll(".selected, .checked").forEach((e) => e.classList.remove("selected", "checked"));
  copy.querySelectorAll("[aria-selected]").forEach((e) => e.removeAttribute("aria-selected"));
  copy.querySelectorAll("input:checked").forEach((e) => { e.checked = false; });
  return copy.outerHTML;
}

async function keepFolders(key) {
  const items = document.querySelectorAll("nav#folders li.folder[data-folder]");
  if (!items.length) return;
  const folders = [...items].map((li) => {
    const label = li.querySelector(".label");
    return { name: li.dataset.folder, label: label ? label.textContent.trim() : li.dataset.folder };
  });
  await keep(key, FOLDERS_ID, "meta", folders);
}

async function keepList(key) {
  let table = null;
  if (location.pathname === LIST_PATH && !location.search) {
    table = document.querySelector("table.messages");
  } else if (Date.now() - (await keptAt(LIST_ID)) > LIST_FRESH_MS) {
    const response = await fetch(LIST_PATH, { credentials: "same-origin" });
    if (!response.ok || response.redirected) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    table = doc.querySelector("table.messages");
  }
  if (table) await keep(key, LIST_ID, "list", { html: cleanTable(table) });
}

function frameLoaded(frame) {
  return new Promise((resolve) => {
    const doc = frame.contentDocument;
    if (doc && doc.readyState === "complete" && doc.URL !== "about:blank") resolve();
    else frame.addEventListener("load", () => resolve(), { once: true });
  });
}

// The article as the server drew it, and each HTML body as its sandboxed frame received it
// (the sanitizer's output: the device shows exactly what was shown online).
async function keepMessage(key, article) {
  if (article.dataset.offlineKept || article.querySelector(".attached-note")) return;
  article.dataset.offlineKept = "1";
  const path = new URL(article.dataset.url, location.href).pathname;
  const frames = [];
  for (const frame of article.querySelectorAll("iframe.body-html")) {
    await frameLoaded(frame);
    const doc = frame.contentDocument;
    if (!doc) return;
    frames.push(`<!DOCTYPE html>${doc.documentElement.outerHTML}`);
  }
  const copy = article.cloneNode(true);
  delete copy.dataset.offlineKept;
  const subject = article.querySelector(".subject");
  await keep(key, messageId(path), "message", {
    path,
    subject: subject ? subject.textContent.trim() : "",
    html: copy.outerHTML,
    frames,
  });
  const match = path.match(/^\/message\/INBOX\/(\d+)\/$/);
  if (match) await applyToKeptList(key, "INBOX", "read", [match[1]]);
}

export async function keepWhatIsShown(key, limits) {
  await keepFolders(key);
  await keepList(key);
  const seen = (root) => {
    root.querySelectorAll("article.message[data-url]").forEach((article) => {
      keepMessage(key, article).then(() => prune(limits)).catch(() => {});
    });
  };
  seen(document);
  new MutationObserver(() => seen(document)).observe(document.body, { childList: true, subtree: true });
  await prune(limits);
}
