// What an action does to the kept Inbox list, so that the device shows the state it will have
// once the queue is replayed (and a message read online shows as read offline).
import { forget, keep, kept } from "./store.js";

export const LIST_ID = "list:INBOX";
export const FOLDERS_ID = "folders";

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
    mark.title = "Unread";
    state.prepend(mark);
  }
}

export function applyToRows(root, action, uids) {
  for (const uid of uids) {
    const row = root.querySelector(`tr.row[data-uid="${Number(uid)}"]`);
    if (!row) continue;
    if (action === "read" || action === "unread") setUnread(row, action === "unread");
    else if (action === "flag" || action === "unflag") row.classList.toggle("flagged", action === "flag");
    else if (action !== "reply") row.remove();
  }
}

export async function applyToKeptList(key, folder, action, uids) {
  if (folder !== "INBOX") return;
  const list = await kept(key, LIST_ID);
  if (!list) return;
  const doc = new DOMParser().parseFromString(`<body>${list.html}</body>`, "text/html");
  applyToRows(doc.body, action, uids);
  await keep(key, LIST_ID, "list", { ...list, html: doc.body.innerHTML });
  if (!["read", "unread", "flag", "unflag", "reply"].includes(action)) {
    for (const uid of uids) await forget(messageId(`/message/INBOX/${Number(uid)}/`));
  }
}
