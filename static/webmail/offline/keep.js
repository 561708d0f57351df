// While online, on an opted-in device: keep the Inbox's first pages (a setting, 3), the first
// page of every other folder the user opens, the folder names, and every message the user
// opens (page or preview pane), encrypted; then prune to the device's limits.
import { applyToKeptList, FOLDERS_ID, INBOX_PATH, listId, messageId } from "./effects.js";
import { keep, keptAt, prune } from "./store.js";

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

// A folder's page as the server drew it (no search, the default order): the rows, the folder's
// name and title, and whether an older page follows.
async function keepPage(key, doc, path, page) {
  const table = doc.querySelector("table.messages[data-folder]");
  if (!table) return false;
  const heading = doc.querySelector(".list-head h1, main h1");
  const more = Boolean(doc.querySelector('.pager a[rel="next"]'));
  await keep(key, listId(path, page), "list", {
    path,
    page,
    more,
    folder: table.dataset.folder,
    label: heading ? heading.textContent.trim() : table.dataset.folder,
    html: cleanTable(table),
  });
  return more;
}

function plainPage(search) {
  const params = new URLSearchParams(search);
  if ([...params.keys()].some((name) => name !== "page")) return 0;
  const page = Number.parseInt(params.get("page") || "1", 10);
  return page >= 1 ? page : 0;
}

async function keepLists(key, pages) {
  const shown = plainPage(location.search);
  const path = location.pathname;
  if (shown && path.startsWith("/mail/") && (path === INBOX_PATH ? shown <= pages : shown === 1)) {
    await keepPage(key, document, path, shown);
  }
  // The Inbox's first pages, fetched when what is kept is older than a minute.
  for (let page = 1; page <= pages; page++) {
    if (path === INBOX_PATH && page === shown) continue;
    if (Date.now() - (await keptAt(listId(INBOX_PATH, page))) <= LIST_FRESH_MS) continue;
    const response = await fetch(page === 1 ? INBOX_PATH : `${INBOX_PATH}?page=${page}`, {
      credentials: "same-origin",
    });
    if (!response.ok || response.redirected) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    if (!(await keepPage(key, doc, INBOX_PATH, page))) return;
  }
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
  const match = path.match(/^\/message\/(.+)\/(\d+)\/$/);
  if (match) await applyToKeptList(key, decodeURIComponent(match[1]), "read", [match[2]]);
}

export async function keepWhatIsShown(key, limits) {
  await keepFolders(key);
  await keepLists(key, limits.pages);
  const seen = (root) => {
    root.querySelectorAll("article.message[data-url]").forEach((article) => {
      keepMessage(key, article).then(() => prune(limits)).catch(() => {});
    });
  };
  seen(document);
  new MutationObserver(() => seen(document)).observe(document.body, { childList: true, subtree: true });
  await prune(limits);
}
