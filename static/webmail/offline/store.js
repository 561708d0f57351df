// The mail kept on this device for offline use: the device's setting (localStorage, no mail;
// it holds for the login that made it), the session's key (sessionStorage: it lives as long as
// this tab's session, never on disk for good), and the AES-GCM encrypted records in IndexedDB.
// The database is opened only after the user opted in on this device; wipe() removes everything.
// For reading offline after the browser restarts, the session's key is also kept wrapped with a
// key derived from the password typed at login (PBKDF2): see unlock.js and docs/offline.md.

const SETTING = "webmail-offline";
const KEY_ITEM = "webmail-offline-key";
export const PENDING_ITEM = "webmail-offline-unlock";
export const DB_NAME = "webmail-offline";
export const SHELL_CACHE = "webmail-offline-shell";
const DAY = 86400000;
const MB = 1048576;

export class SessionGone extends Error {}

function bounded(value, low, high, fallback) {
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= low && n <= high ? n : fallback;
}

// The signed-in login (templates/base.html puts it on the script tag): the setting is per device
// and per user, so another user of a shared browser never keeps mail because someone opted in.
function currentUser() {
  const script = document.querySelector("script[data-offline]");
  return script ? script.dataset.user || "" : "";
}

export function setting() {
  return settingFor(currentUser());
}

// The setting as it holds for `user` (on the login page: the login being typed).
export function settingFor(user) {
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(SETTING) || "{}") || {};
  } catch {
    saved = {};
  }
  return {
    enabled: saved.enabled === true && Boolean(saved.user) && sameUser(saved.user, user),
    days: bounded(saved.days, 1, 365, 7),
    mb: bounded(saved.mb, 1, 2000, 50),
    pages: bounded(saved.pages, 1, 10, 3),
  };
}

// A login typed without its domain is the same login ("alice" for "alice@example.org").
function sameUser(saved, user) {
  return Boolean(user) && (saved === user || saved.startsWith(`${user}@`));
}

export function saveSetting(value) {
  localStorage.setItem(SETTING, JSON.stringify({ ...value, user: currentUser() }));
}

let opened = null;

function database() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("kept", { keyPath: "id" });
        db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = () => {
        const db = request.result;
        // A wipe in another tab deletes the database: let it.
        db.onversionchange = () => {
          db.close();
          opened = null;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

export async function transaction(store, mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    let result;
    const request = work(tx.objectStore(store));
    if (request) request.onsuccess = () => { result = request.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

// Everything this app keeps on the device, gone: the key, Cache Storage, IndexedDB.
export async function wipe() {
  sessionStorage.removeItem(KEY_ITEM);
  sessionStorage.removeItem(PENDING_ITEM);
  if (opened) {
    (await opened).close();
    opened = null;
  }
  if (window.caches) {
    for (const name of await caches.keys()) await caches.delete(name);
  }
  // A page still holding the database (closing, or in the back-forward cache) delays the
  // deletion: it completes when that one closes, and opening it meanwhile waits for it.
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

export function decodeKey(text) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
}

// Online: the session's key from the server (and kept for this tab's offline use).
// Offline (fromServer false): the key this tab was given, or null.
export async function sessionKey({ fromServer }) {
  if (fromServer) {
    const response = await fetch("/offline/key/", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const type = response.headers.get("content-type") || "";
    if (response.redirected || response.status === 401 || response.status === 403) {
      throw new SessionGone();
    }
    if (!response.ok || !type.includes("json")) throw new Error(`key: ${response.status}`);
    const { key } = await response.json();
    sessionStorage.setItem(KEY_ITEM, key);
    return decodeKey(key);
  }
  return keyOfThisTab();
}

export function rememberKey(text) {
  sessionStorage.setItem(KEY_ITEM, text);
}

export function keyText() {
  return sessionStorage.getItem(KEY_ITEM);
}

// Whether this origin has the offline database, without creating it by looking.
export async function hasDatabase() {
  if (!indexedDB.databases) return true;
  return (await indexedDB.databases()).some((d) => d.name === DB_NAME);
}

function keyOfThisTab() {
  const text = sessionStorage.getItem(KEY_ITEM);
  return text ? decodeKey(text) : null;
}

export async function seal(key, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(value));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plain);
  return { iv, data };
}

// A record sealed by another session's key (or tampered with) reads as absent.
export async function unseal(key, record) {
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: record.iv }, key, record.data);
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null;
  }
}

export async function keep(key, id, kind, value) {
  const box = await seal(key, value);
  await transaction("kept", "readwrite", (store) =>
    store.put({ id, kind, at: Date.now(), size: box.data.byteLength, ...box }),
  );
}

export async function kept(key, id) {
  const record = await transaction("kept", "readonly", (store) => store.get(id));
  return record ? unseal(key, record) : null;
}

export async function keptAt(id) {
  const record = await transaction("kept", "readonly", (store) => store.get(id));
  return record ? record.at : 0;
}

export async function forget(id) {
  await transaction("kept", "readwrite", (store) => store.delete(id));
}

// The Inbox's first `pages` pages are always kept. Messages and other folders' first pages
// opened more than `days` ago go first, then the oldest until all fits in `mb`.
export async function prune({ days, mb, pages }) {
  const all = await transaction("kept", "readonly", (store) => store.getAll());
  const since = Date.now() - days * DAY;
  const inbox = (r) => r.id.startsWith("list:/mail/INBOX/#");
  const drop = all.filter((r) => inbox(r) && Number(r.id.split("#")[1]) > (pages || 1)).map((r) => r.id);
  const fixed = (r) => (r.kind !== "message" && r.kind !== "list") || (inbox(r) && !drop.includes(r.id));
  let total = all.filter(fixed).reduce((sum, r) => sum + r.size, 0);
  for (const record of all.filter((r) => !fixed(r) && !drop.includes(r.id)).sort((a, b) => b.at - a.at)) {
    if (record.at < since || total + record.size > mb * MB) drop.push(record.id);
    else total += record.size;
  }
  for (const id of drop) await forget(id);
}

// The kept lists (all folders and pages), for finding a folder's rows or its pages offline.
export async function keptLists(key) {
  const all = await transaction("kept", "readonly", (store) => store.getAll());
  const out = [];
  for (const record of all.filter((r) => r.kind === "list")) {
    const value = await unseal(key, record);
    if (value) out.push({ id: record.id, at: record.at, ...value });
  }
  return out;
}

export async function usage() {
  const all = await transaction("kept", "readonly", (store) => store.getAll());
  return {
    bytes: all.reduce((sum, r) => sum + r.size, 0),
    messages: all.filter((r) => r.kind === "message").length,
  };
}

export async function enqueue(key, action) {
  const box = await seal(key, action);
  await transaction("outbox", "readwrite", (store) => store.add(box));
}

// The queued actions in the order they were made: [{seq, action}] (action null if unreadable).
export async function queued(key) {
  const records = await transaction("outbox", "readonly", (store) => store.getAll());
  records.sort((a, b) => a.seq - b.seq);
  const out = [];
  for (const record of records) out.push({ seq: record.seq, action: await unseal(key, record) });
  return out;
}

export async function dequeue(seq) {
  await transaction("outbox", "readwrite", (store) => store.delete(seq));
}
