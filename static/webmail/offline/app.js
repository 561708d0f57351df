// The offline page (templates/mailview/offline.html), shown by the service worker for a mail
// URL when the network is gone: the kept Inbox list or a kept message, the same HTML as online
// (bodies in frames with the same sandbox), and actions that wait in the outbox.
import { applyToKeptList, applyToRows, FOLDERS_ID, LIST_ID, messageId } from "./effects.js";
import { enqueue, kept, queued, sessionKey } from "./store.js";

const main = document.getElementById("offline-main");
const status = document.getElementById("offline-status");

// Back online (the server answers, not only the event): load the real page, which replays
// the queue. The service worker may see the network a moment after this page does and show
// this page again: then it tries again, a few times, each a little later.
const RELOADS = "webmail-offline-reloads";

async function backOnline() {
  try {
    await fetch("/manifest.webmanifest", { cache: "no-store" });
  } catch {
    return; // still offline: the online event will come
  }
  const tries = Number(sessionStorage.getItem(RELOADS) || 0);
  if (tries >= 5) return;
  sessionStorage.setItem(RELOADS, String(tries + 1));
  setTimeout(() => location.reload(), tries * 1000);
}

window.addEventListener("online", () => backOnline());
if (navigator.onLine) backOnline();

function say(text, link) {
  const p = document.createElement("p");
  p.className = "offline-empty";
  p.textContent = text;
  if (link) {
    const a = document.createElement("a");
    a.href = "/mail/INBOX/";
    a.textContent = "Inbox";
    p.append(" ", a);
  }
  main.replaceChildren(p);
}

async function showQueue(key) {
  const n = (await queued(key)).length;
  status.textContent = n ? `${n} action(s) waiting to be sent when the connection returns.` : "";
}

function button(label, name) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.action = name;
  return b;
}

async function toolbar(key, folders, run) {
  const bar = document.createElement("div");
  bar.className = "toolbar offline-toolbar";
  bar.append(
    button("Mark read", "read"),
    button("Mark unread", "unread"),
    button("Flag", "flag"),
    button("Unflag", "unflag"),
    button("Delete", "delete"),
  );
  const select = document.createElement("select");
  select.setAttribute("aria-label", "Move to folder");
  select.append(new Option("Move to…", ""));
  for (const folder of folders.filter((f) => f.name !== "INBOX")) {
    select.append(new Option(folder.label, folder.name));
  }
  select.addEventListener("change", () => {
    if (select.value) run("move", select.value, select.selectedOptions[0].textContent);
  });
  bar.append(select);
  bar.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-action]");
    if (target) run(target.dataset.action, "", "");
  });
  return bar;
}

const VERBS = {
  read: "mark as read",
  unread: "mark as unread",
  flag: "flag",
  unflag: "unflag",
  delete: "delete",
  move: "move",
  reply: "reply to",
};

async function queue(key, folder, uids, action, target, targetLabel, subject) {
  const what = subject ? `“${subject}”` : `${uids.length} message(s)`;
  const label = `${VERBS[action]} ${what}${targetLabel ? ` to ${targetLabel}` : ""}`;
  await enqueue(key, { folder, uids, action, target: target || "", label });
  await applyToKeptList(key, folder, action, uids);
  await showQueue(key);
}

async function showList(key, folders) {
  const list = await kept(key, LIST_ID);
  if (!list) {
    say("The Inbox has not been kept on this device yet.");
    return;
  }
  const heading = document.createElement("h1");
  heading.textContent = "Inbox";
  const holder = document.createElement("div");
  holder.className = "offline-list";
  holder.innerHTML = list.html;
  const bar = await toolbar(key, folders, async (action, target, targetLabel) => {
    const boxes = [...holder.querySelectorAll("tr.row input[name=uid]:checked")];
    if (!boxes.length) {
      status.textContent = "Select messages first.";
      return;
    }
    const uids = boxes.map((box) => Number(box.value));
    await queue(key, "INBOX", uids, action, target, targetLabel, "");
    applyToRows(holder, action, uids);
  });
  main.replaceChildren(heading, bar, holder);
}

async function showMessage(key, folders, path, folder, uid) {
  const record = await kept(key, messageId(path));
  if (!record) {
    say("This message is not kept on this device.", true);
    return;
  }
  const doc = new DOMParser().parseFromString(record.html, "text/html");
  const article = doc.querySelector("article.message");
  if (!article) {
    say("This message is not kept on this device.", true);
    return;
  }
  // Only what works without a network: no forms, no links to parts or other views.
  article.querySelectorAll("form, .message-tools, nav.message-actions, .remote-bar, .attachments a")
    .forEach((el) => el.remove());
  article.querySelectorAll("iframe.body-html").forEach((frame, i) => {
    frame.removeAttribute("src");
    frame.setAttribute("sandbox", "allow-same-origin allow-popups allow-popups-to-escape-sandbox");
    frame.srcdoc = record.frames[i] || "";
  });
  const back = document.createElement("p");
  back.className = "back";
  back.innerHTML = '<a href="/mail/INBOX/">‹ Back to Inbox</a>';
  const bar = await toolbar(key, folders, async (action, target, targetLabel) => {
    await queue(key, folder, [uid], action, target, targetLabel, record.subject);
    if (!["read", "unread", "flag", "unflag"].includes(action)) location.href = "/mail/INBOX/";
    else status.textContent += ` Queued: ${VERBS[action]}.`;
  });
  main.replaceChildren(back, bar, replyForm(key, folder, uid, record.subject), document.adoptNode(article));
}

// A reply written offline: queued, then saved to Drafts and sent when the network returns.
function replyForm(key, folder, uid, subject) {
  const details = document.createElement("details");
  details.className = "offline-reply";
  const summary = document.createElement("summary");
  summary.textContent = "Reply";
  const label = document.createElement("label");
  label.textContent = "Your reply";
  const text = document.createElement("textarea");
  text.rows = 8;
  label.append(text);
  const send = button("Send when online", "");
  send.removeAttribute("data-action");
  send.addEventListener("click", async () => {
    if (!text.value.trim()) return;
    await enqueue(key, {
      folder,
      uids: [uid],
      action: "reply",
      text: text.value,
      label: `reply to “${subject}”`,
    });
    text.value = "";
    details.open = false;
    await showQueue(key);
  });
  details.append(summary, label, send);
  return details;
}

async function show() {
  const key = await sessionKey({ fromServer: false });
  if (!key) {
    say("Nothing can be shown: mail kept on this device opens only in the browser session that kept it. Connect to the network and log in.");
    return;
  }
  const folders = (await kept(key, FOLDERS_ID)) || [];
  await showQueue(key);
  const path = location.pathname;
  const message = path.match(/^\/message\/(.+)\/(\d+)\/$/);
  if (message) {
    await showMessage(key, folders, path, decodeURIComponent(message[1]), Number(message[2]));
  } else if (path === "/" || path === "/mail/" || path === "/mail/INBOX/") {
    await showList(key, folders);
  } else {
    say("Only the Inbox is kept on this device.", true);
  }
}

show().catch(() => say("The mail kept on this device could not be read."));
