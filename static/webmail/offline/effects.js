// What an action does to the kept lists, so that the device shows the state it will have once
// the queue is replayed (and a message read online shows as read offline).
import { forget, keep, keptLists } from "./store.js";

export const FOLDERS_ID = "folders";
export const INBOX_PATH = "/mail/INBOX/";

// A kept page of a folder's list: the folder's URL and the page's number.
export function listId(path, page) {
  return `list:${path}#${Number(page) || 1}`;
}

export function messageId(path) {
  return `message:${path}`;
}

function setUnread(row, unread) {
  row.classList.toggle("unread", unread);
  const state = row.querySelector(".c-state");
  const dot = state && state.querySelector(".dot");
  if (!unread && dot) dot.remove();
  if (unread && state && !dot) {
    const mark = document.createElement("span");
    mark.className = "dot";
    mark.title = gettext("Unread");
    state.prepend(mark);
  }
}

// The rows changed; returns the message URLs of the rows removed (moved, deleted).
export function applyToRows(root, action, uids) {
  const gone = [];
  for (const uid of uids) {
    const row = root.querySelector(`tr.row[data-uid="${Number(uid)}"]`);
    if (!row) continue;
    if (action === "read" || action === "unread") setUnread(row, action === "unread");
    else if (action === "flag" || action === "unflag") row.classList.toggle("flagged", action === "flag");
    else if (action !== "reply") {
      const link = row.querySelector(".c-subject a[href]");
      if (link) gone.push(new URL(link.getAttribute("href"), location.href).pathname);
      row.remove();
    }
  }
  return gone;
}

export async function applyToKeptList(key, folder, action, uids) {
  for (const list of (await keptLists(key)).filter((l) => l.folder === folder)) {
    const doc = new DOMParser().parseFromString(`<body>${list.html}</body>`, "text/html");
    const gone = applyToRows(doc.body, action, uids);
    const { id, at, ...value } = list;
    await keep(key, id, "list", { ...value, html: doc.body.innerHTML });
    for (const path of gone) await forget(messageId(path));
  }
}
