// The offline page (templates/mailview/offline.html), shown by the service worker for a mail
// URL when the network is gone: a kept list (the Inbox's first pages, other folders' first
// page) or a kept message, the same HTML as online (bodies in frames with the same sandbox),
// and actions that wait in the outbox. After a restart, the password unlocks (unlock.js).
import { applyToKeptList, applyToRows, FOLDERS_ID, INBOX_PATH, listId, messageId } from "./effects.js";
import { enqueue, kept, keptLists, queued, sessionKey } from "./store.js";
import { canUnlock, unlock } from "./unlock.js";

const main = document.getElementById("offline-main");
const status = document.getElementById("offline-status");

// Back online (the server answers, not only the event): load the real page, which replays
// the queue. The browser may say "online" before a request gets through (the service worker
// sees the network a moment after this page; the server may be down): then it asks the server
// again, later and later (up to every 10 s) while the device says it is online. The service
// worker may also show this page again after the reload: then it reloads again, each time a
// little later, for about half a minute.
const RELOADS = "webmail-offline-reloads";
let asking = 0;
let nextAsk = 1000;

async function backOnline() {
  clearTimeout(asking);
  if (!navigator.onLine) return; // the online event will come
  try {
    await fetch("/manifest.webmanifest", { cache: "no-store" });
  } catch {
    asking = setTimeout(backOnline, nextAsk);
    nextAsk = Math.min(nextAsk * 2, 10000);
    return;
  }
  const tries = Number(sessionStorage.getItem(RELOADS) || 0);
  if (tries >= 10) return;
  sessionStorage.setItem(RELOADS, String(tries + 1));
  setTimeout(() => location.reload(), Math.min(tries, 5) * 1000);
}

window.addEventListener("online", () => backOnline());
if (navigator.onLine) backOnline();

function say(text, link) {
  const p = document.createElement("p");
  p.className = "offline-empty";
  p.textContent = text;
  if (link) {
    const a = document.createElement("a");
    a.href = INBOX_PATH;
    a.textContent = gettext("Inbox");
    p.append(" ", a);
  }
  main.replaceChildren(p);
}

async function showQueue(key) {
  const n = (await queued(key)).length;
  status.textContent = n
    ? interpolate(
        ngettext(
          "%s action waiting to be sent when the connection returns.",
          "%s actions waiting to be sent when the connection returns.",
          n,
        ),
        [n],
      )
    : "";
}

function button(label, name) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.action = name;
  return b;
}

async function toolbar(key, folders, current, run) {
  const bar = document.createElement("div");
  bar.className = "toolbar offline-toolbar";
  bar.append(
    button(gettext("Mark read"), "read"),
    button(gettext("Mark unread"), "unread"),
    button(gettext("Flag"), "flag"),
    button(gettext("Unflag"), "unflag"),
    button(gettext("Delete"), "delete"),
  );
  const select = document.createElement("select");
  select.setAttribute("aria-label", gettext("Move to folder"));
  select.append(new Option(gettext("Move to…"), ""));
  for (const folder of folders.filter((f) => f.name !== current)) {
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

// What the report says of a queued action (made in the language of the page that queued it).
function describe(action, subject, count, target) {
  const what = subject
    ? interpolate(gettext("“%s”"), [subject])
    : interpolate(ngettext("%s message", "%s messages", count), [count]);
  const verbs = {
    read: gettext("mark %(what)s as read"),
    unread: gettext("mark %(what)s as unread"),
    flag: gettext("flag %(what)s"),
    unflag: gettext("unflag %(what)s"),
    delete: gettext("delete %(what)s"),
    move: gettext("move %(what)s to %(target)s"),
    reply: gettext("reply to %(what)s"),
  };
  return interpolate(verbs[action], { what, target }, true);
}

async function queue(key, folder, uids, action, target, targetLabel, subject) {
  const label = describe(action, subject, uids.length, targetLabel);
  await enqueue(key, { folder, uids, action, target: target || "", label });
  await applyToKeptList(key, folder, action, uids);
  await showQueue(key);
}

// The kept folders (their first pages) as links, the one shown marked.
function keptFolders(lists, path) {
  const nav = document.createElement("nav");
  nav.className = "offline-folders";
  nav.setAttribute("aria-label", gettext("Folders kept on this device"));
  const firsts = lists.filter((l) => l.page === 1).sort((a, b) => (a.path === INBOX_PATH ? -1 : b.path === INBOX_PATH ? 1 : a.label.localeCompare(b.label)));
  for (const list of firsts) {
    const a = document.createElement("a");
    a.href = list.path;
    a.textContent = list.label;
    if (list.path === path) a.setAttribute("aria-current", "page");
    nav.append(a);
  }
  return nav;
}

// Newer and older pages, where they are kept.
function pager(lists, list) {
  const nav = document.createElement("nav");
  nav.className = "pager offline-pager";
  nav.setAttribute("aria-label", gettext("Pages"));
  const has = (page) => lists.some((l) => l.path === list.path && l.page === page);
  const link = (page, text, rel) => {
    const a = document.createElement("a");
    a.href = page === 1 ? list.path : `${list.path}?page=${page}`;
    a.rel = rel;
    a.textContent = text;
    return a;
  };
  if (has(list.page - 1)) nav.append(link(list.page - 1, gettext("‹ Newer"), "prev"));
  const here = document.createElement("span");
  here.className = "pageno";
  here.textContent = interpolate(gettext("Page %s"), [list.page]);
  nav.append(here);
  if (list.more && has(list.page + 1)) nav.append(link(list.page + 1, gettext("Older ›"), "next"));
  return nav;
}

async function showList(key, folders, path, page) {
  const lists = await keptLists(key);
  const list = lists.find((l) => l.id === listId(path, page));
  if (!list) {
    say(
      path === INBOX_PATH && page === 1
        ? gettext("The Inbox has not been kept on this device yet.")
        : gettext("This page of the folder is not kept on this device."),
      path !== INBOX_PATH,
    );
    main.prepend(keptFolders(lists, path));
    return;
  }
  const heading = document.createElement("h1");
  heading.textContent = list.label;
  heading.dir = "auto";
  const holder = document.createElement("div");
  holder.className = "offline-list";
  holder.innerHTML = list.html;
  const bar = await toolbar(key, folders, list.folder, async (action, target, targetLabel) => {
    const boxes = [...holder.querySelectorAll("tr.row input[name=uid]:checked")];
    if (!boxes.length) {
      status.textContent = gettext("Select messages first.");
      return;
    }
    const uids = boxes.map((box) => Number(box.value));
    await queue(key, list.folder, uids, action, target, targetLabel, "");
    applyToRows(holder, action, uids);
  });
  main.replaceChildren(keptFolders(lists, path), heading, bar, holder, pager(lists, list));
}

async function showMessage(key, folders, path, folder, uid) {
  const record = await kept(key, messageId(path));
  if (!record) {
    say(gettext("This message is not kept on this device."), true);
    return;
  }
  const doc = new DOMParser().parseFromString(record.html, "text/html");
  const article = doc.querySelector("article.message");
  if (!article) {
    say(gettext("This message is not kept on this device."), true);
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
  const backLink = document.createElement("a");
  backLink.href = INBOX_PATH;
  backLink.textContent = gettext("‹ Back to Inbox");
  back.append(backLink);
  const bar = await toolbar(key, folders, folder, async (action, target, targetLabel) => {
    await queue(key, folder, [uid], action, target, targetLabel, record.subject);
    if (!["read", "unread", "flag", "unflag"].includes(action)) location.href = INBOX_PATH;
  });
  main.replaceChildren(back, bar, replyForm(key, folder, uid, record.subject), document.adoptNode(article));
}

// A reply written offline: queued, then saved to Drafts and sent when the network returns.
function replyForm(key, folder, uid, subject) {
  const details = document.createElement("details");
  details.className = "offline-reply";
  const summary = document.createElement("summary");
  summary.textContent = gettext("Reply");
  const label = document.createElement("label");
  label.textContent = gettext("Your reply");
  const text = document.createElement("textarea");
  text.rows = 8;
  label.append(text);
  const send = button(gettext("Send when online"), "");
  send.removeAttribute("data-action");
  send.addEventListener("click", async () => {
    if (!text.value.trim()) return;
    await enqueue(key, {
      folder,
      uids: [uid],
      action: "reply",
      text: text.value,
      label: describe("reply", subject, 1, ""),
    });
    text.value = "";
    details.open = false;
    await showQueue(key);
  });
  details.append(summary, label, send);
  return details;
}

// After the browser restarted: the session's key is gone from the tab; the password typed at
// the last login on this device unwraps it. Without that (a single sign-on login), nothing opens.
async function unlockForm() {
  if (!(await canUnlock().catch(() => false))) {
    say(
      gettext(
        "Nothing can be shown: mail kept on this device opens after a restart only with the password of a login made on this device (a single sign-on login has none). Connect to the network and log in.",
      ),
    );
    return;
  }
  const form = document.createElement("form");
  form.className = "offline-unlock";
  const intro = document.createElement("p");
  intro.textContent = gettext("Enter your password to open the mail kept on this device.");
  const label = document.createElement("label");
  label.textContent = gettext("Password");
  const input = document.createElement("input");
  input.type = "password";
  input.name = "password";
  input.autocomplete = "current-password";
  input.required = true;
  label.append(input);
  const go = document.createElement("button");
  go.type = "submit";
  go.textContent = gettext("Unlock");
  const error = document.createElement("p");
  error.className = "offline-unlock-error";
  error.setAttribute("role", "alert");
  form.append(intro, label, go, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    go.disabled = true;
    error.textContent = "";
    const key = await unlock(input.value).catch(() => null);
    go.disabled = false;
    if (!key) {
      error.textContent = gettext("Wrong password: the mail kept on this device stays locked.");
      input.select();
      return;
    }
    input.value = "";
    await show();
  });
  main.replaceChildren(form);
  input.focus();
}

async function show() {
  const key = await sessionKey({ fromServer: false });
  if (!key) {
    await unlockForm();
    return;
  }
  const folders = (await kept(key, FOLDERS_ID)) || [];
  await showQueue(key);
  const path = location.pathname;
  const message = path.match(/^\/message\/(.+)\/(\d+)\/$/);
  if (message) {
    await showMessage(key, folders, path, decodeURIComponent(message[1]), Number(message[2]));
  } else if (path === "/" || path === "/mail/") {
    await showList(key, folders, INBOX_PATH, 1);
  } else if (path.startsWith("/mail/")) {
    const page = Number.parseInt(new URLSearchParams(location.search).get("page") || "1", 10);
    await showList(key, folders, path, page >= 1 ? page : 1);
  } else {
    say(gettext("This page is not kept on this device."), true);
  }
}

show().catch(() => say(gettext("The mail kept on this device could not be read.")));
