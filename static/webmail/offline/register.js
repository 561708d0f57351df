// Every page: register the service worker (installable app), show the Inbox's unread count as
// the app badge, and, only on a device where the user opted in, keep mail for offline use.
// A page without a signed-in user (the login page, where logout and an ended session lead)
// wipes whatever this device kept.
import { keepWhatIsShown } from "./keep.js";
import { replayQueue, showReport } from "./outbox.js";
import { SessionGone, sessionKey, setting, wipe } from "./store.js";

const script = document.querySelector("script[data-offline]");
const signedIn = Boolean(script && script.dataset.signedIn === "1");

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}

function unreadBadge() {
  if (!("setAppBadge" in navigator)) return;
  const update = () => {
    const count = document.querySelector('nav#folders li.folder[data-folder="INBOX"] .unseen');
    const n = count ? Number.parseInt(count.textContent, 10) || 0 : 0;
    (n ? navigator.setAppBadge(n) : navigator.clearAppBadge()).catch(() => {});
  };
  update();
  const nav = document.querySelector("nav#folders");
  if (nav) new MutationObserver(update).observe(nav, { childList: true, subtree: true, characterData: true });
}

// The offline page and what it loads, so the app opens without a network.
async function cacheShell() {
  const response = await fetch("/offline/", { cache: "no-cache" });
  if (!response.ok) return;
  const doc = new DOMParser().parseFromString(await response.clone().text(), "text/html");
  const assets = [...doc.querySelectorAll("script[src], link[href][rel=stylesheet], link[href][rel=modulepreload]")]
    .map((el) => el.getAttribute("src") || el.getAttribute("href"));
  const cache = await caches.open("webmail-offline-shell");
  await cache.put("/offline/", response);
  await cache.addAll(assets);
}

export async function startKeeping() {
  const limits = setting();
  if (!limits.enabled || !navigator.onLine) return;
  let key;
  try {
    key = await sessionKey({ fromServer: true });
  } catch (error) {
    if (error instanceof SessionGone) await wipe();
    return;
  }
  // One tab at a time replays (Web Locks): a second tab then finds the queue empty, so nothing
  // is sent twice.
  const replayed = navigator.locks
    ? await navigator.locks.request("webmail-offline-replay", () => replayQueue(key))
    : await replayQueue(key);
  if (replayed) {
    location.reload(); // show the server's state, and the report
    return;
  }
  await cacheShell();
  await keepWhatIsShown(key, limits);
}

if (!signedIn) {
  if ("clearAppBadge" in navigator) navigator.clearAppBadge().catch(() => {});
  wipe().catch(() => {});
} else {
  sessionStorage.removeItem("webmail-offline-reloads"); // the real page: back online
  unreadBadge();
  showReport();
  document.addEventListener("webmail:offline-setting", () => startKeeping().catch(() => {}));
  startKeeping().catch(() => {});
}
