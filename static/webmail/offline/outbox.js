// Actions queued while offline, replayed in order once the page is online again. A message
// that another device deleted or moved meanwhile is reported and dropped, never retried;
// a network or server failure stops the replay, which resumes at the next page load.
import { dequeue, queued } from "./store.js";

const REPORT = "webmail-offline-report";

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) return input.value;
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  return cookie ? cookie.slice("csrftoken=".length) : "";
}

// A reply written offline goes the way of one written online: the reply form the server
// prepares (recipients, subject, quoted text, identity), saved to Drafts, then sent. A send the
// server refuses stays in Drafts and is reported.
async function replayReply(action) {
  const start = await fetch(
    `/compose/?kind=reply&folder=${encodeURIComponent(action.folder)}&uid=${action.uids[0]}`,
    { credentials: "same-origin" },
  );
  const composeUrl = new URL(start.url).pathname;
  if (!start.ok || !/^\/compose\/[^/]+\/$/.test(composeUrl)) {
    if (start.status === 404) return { status: "missing", message: gettext("The message is no longer there.") };
    throw new Error(`compose: ${start.status}`);
  }
  const form = new DOMParser().parseFromString(await start.text(), "text/html");
  const value = (name) => {
    const field = form.querySelector(`[name=${name}]`);
    return field ? field.value : "";
  };
  const body = new URLSearchParams({
    identity: value("identity"),
    to: value("to"),
    cc: value("cc"),
    bcc: value("bcc"),
    subject: value("subject"),
    format: "text",
    text: `${action.text}\n\n${value("text")}`.trim() + "\n",
  });
  const headers = { "X-CSRFToken": csrfToken() };
  const saved = await fetch(`${composeUrl}save/`, { method: "POST", body, headers, credentials: "same-origin" });
  if (!saved.ok) throw new Error(`draft: ${saved.status}`);
  const sent = await fetch(`${composeUrl}send/`, { method: "POST", body, headers, credentials: "same-origin" });
  if (sent.redirected && new URL(sent.url).pathname.startsWith("/mail/")) {
    return { status: "done", message: gettext("Sent.") };
  }
  const page = new DOMParser().parseFromString(await sent.text(), "text/html");
  const error = page.querySelector(".compose-error");
  return {
    status: "refused",
    message: error ? error.textContent.trim() : gettext("The server did not send it; it is kept in Drafts."),
  };
}

export async function replayQueue(key) {
  const results = [];
  for (const { seq, action } of await queued(key)) {
    if (!action) {
      await dequeue(seq); // sealed by a session that has ended: nothing can be done with it
      continue;
    }
    if (action.action === "reply") {
      let answer;
      try {
        answer = await replayReply(action);
      } catch {
        break; // offline again, or the server is in trouble: try again later
      }
      results.push({ label: action.label, ...answer });
      await dequeue(seq);
      continue;
    }
    const body = new URLSearchParams({ folder: action.folder, action: action.action });
    if (action.target) body.set("target", action.target);
    for (const uid of action.uids) body.append("uid", String(uid));
    let response;
    try {
      response = await fetch("/offline/replay/", {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
    } catch {
      break; // offline again
    }
    const type = response.headers.get("content-type") || "";
    if (response.redirected || !type.includes("json") || response.status >= 500) break;
    const answer = await response.json();
    results.push({ label: action.label, status: answer.status, message: answer.message });
    await dequeue(seq);
  }
  if (results.length) sessionStorage.setItem(REPORT, JSON.stringify(results));
  return results.length;
}

// After the reload that follows a replay: what was done, and what was not.
export function showReport() {
  const text = sessionStorage.getItem(REPORT);
  if (!text) return;
  sessionStorage.removeItem(REPORT);
  let results = [];
  try {
    results = JSON.parse(text);
  } catch {
    return;
  }
  const box = document.createElement("div");
  box.className = "flash offline-report";
  box.setAttribute("role", "status");
  const done = results.filter((r) => r.status === "done").length;
  const head = document.createElement("p");
  head.className = "success";
  head.textContent = interpolate(
    ngettext(
      "Back online: %(done)s of %(total)s action made offline done.",
      "Back online: %(done)s of %(total)s actions made offline done.",
      results.length,
    ),
    { done, total: results.length },
    true,
  );
  box.append(head);
  for (const result of results.filter((r) => r.status !== "done")) {
    const line = document.createElement("p");
    line.className = "warning";
    line.textContent = interpolate(gettext("Not done: %(action)s – %(reason)s"), { action: result.label, reason: result.message }, true);
    box.append(line);
  }
  const anchor = document.querySelector(".layout") || document.body.firstElementChild;
  anchor.before(box);
}
