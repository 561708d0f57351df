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

export async function replayQueue(key) {
  const results = [];
  for (const { seq, action } of await queued(key)) {
    if (!action) {
      await dequeue(seq); // sealed by a session that has ended: nothing can be done with it
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
  head.textContent = `Back online: ${done} of ${results.length} action(s) made offline done.`;
  box.append(head);
  for (const result of results.filter((r) => r.status !== "done")) {
    const line = document.createElement("p");
    line.className = "warning";
    line.textContent = `Not done: ${result.label} – ${result.message}`;
    box.append(line);
  }
  const anchor = document.querySelector(".layout") || document.body.firstElementChild;
  anchor.before(box);
}
