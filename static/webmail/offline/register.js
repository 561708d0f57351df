// Every page: register the service worker (installable app), show the Inbox's unread count as
// the app badge, and, only on a device where the user opted in, keep mail for offline use.
// A page without a signed-in user (the login page, where logout and an ended session lead)
// wipes whatever this device kept, unless actions made offline after a restart wait in the
// outbox (sealed; the next login with the password sends them, another login wipes them).
import { keepWhatIsShown } from "./keep.js";
import { replayQueue, showReport } from "./outbox.js";
import {
  hasDatabase,
  keyText,
  PENDING_ITEM,
  SessionGone,
  sessionKey,
  setting,
  settingFor,
  transaction,
  wipe,
} from "./store.js";
import { canUnlock, prepareUnlock, storeUnlock, unlockUser } from "./unlock.js";

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

const user = script ? script.dataset.user || "" : "";

export async function startKeeping() {
  const limits = setting();
  if (!limits.enabled) {
    // Someone else's sealed mail left for their next login: not for this one.
    if (await hasDatabase()) await wipe();
    return;
  }
  if (!navigator.onLine) return;
  await wipeOthers();
  let key;
  try {
    key = await sessionKey({ fromServer: true });
  } catch (error) {
    if (error instanceof SessionGone) await wipe();
    return;
  }
  await storeUnlock(keyText(), user);
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

// What a previous login kept, when a new one starts: wiped if it is not this login's.
async function wipeOthers() {
  if (!(await hasDatabase())) return;
  const other = await unlockUser();
  if (other && other !== user) {
    const pending = sessionStorage.getItem(PENDING_ITEM);
    await wipe();
    if (pending) sessionStorage.setItem(PENDING_ITEM, pending); // this login's, not theirs
  }
}

// Kept only while actions queued offline wait to be sent by the next login with the password.
async function waitingOutbox() {
  if (!(await hasDatabase()) || !(await canUnlock())) return false;
  return (await transaction("outbox", "readonly", (store) => store.count())) > 0;
}

// The login form, on a device where this login opted in: the key that will wrap the session's
// key is derived from the password before the form goes (unlock.js).
function hookLogin(cleared) {
  const form = document.querySelector("form.login-box");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    const password = form.querySelector("input[name=password]");
    const login = form.querySelector("input[name=username]");
    if (event.defaultPrevented || form.dataset.unlockReady || !password || !password.value || !login) return;
    if (!settingFor(login.value.trim()).enabled) return; // this login keeps nothing here
    event.preventDefault();
    const go = () => {
      form.dataset.unlockReady = "1";
      form.submit();
    };
    // After the login page's wipe, which would take the derived key with it.
    cleared.then(() => prepareUnlock(login.value.trim(), password.value)).then(go, go);
  });
}

if (!signedIn) {
  if ("clearAppBadge" in navigator) navigator.clearAppBadge().catch(() => {});
  // The login form starts afresh (a failed login's derived key goes); a step after the
  // password (two-factor code) keeps the key derived at the login, which the wipe would take.
  const loginForm = Boolean(document.querySelector("form.login-box input[name=password]"));
  if (loginForm) sessionStorage.removeItem(PENDING_ITEM);
  const pending = sessionStorage.getItem(PENDING_ITEM);
  const cleared = waitingOutbox()
    .catch(() => false)
    .then((waiting) => (waiting ? null : wipe()))
    .then(() => {
      if (pending) sessionStorage.setItem(PENDING_ITEM, pending);
    })
    .catch(() => {});
  hookLogin(cleared);
} else {
  sessionStorage.removeItem("webmail-offline-reloads"); // the real page: back online
  unreadBadge();
  showReport();
  document.addEventListener("webmail:offline-setting", () => startKeeping().catch(() => {}));
  startKeeping().catch(() => {});
}
