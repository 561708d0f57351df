// Reading kept mail offline after the browser (or the installed app) restarted. The session's
// key lives in the tab's sessionStorage, gone after a restart; so, on a device where the user
// opted in, the login page derives a key from the password typed (PBKDF2-SHA-256, many
// iterations, a salt of this device) and, once logged in, the session's key is stored wrapped
// with it (AES-GCM) in the offline database. Offline, after a restart, the password unwraps it.
// Nothing of this is kept without a password (single sign-on: no unlock), and wipe() (logout,
// an ended session, unticking the setting) removes it with everything else.
import {
  decodeKey,
  PENDING_ITEM,
  rememberKey,
  seal,
  settingFor,
  transaction,
  unseal,
} from "./store.js";

export const UNLOCK_ID = "unlock";
export const ITERATIONS = 600000; // OWASP's figure for PBKDF2-HMAC-SHA256 (2023)
const SALT_ITEM = "webmail-offline-salt";

const toBase64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function deviceSalt() {
  let salt = localStorage.getItem(SALT_ITEM);
  if (!salt) {
    salt = toBase64(crypto.getRandomValues(new Uint8Array(16)));
    localStorage.setItem(SALT_ITEM, salt);
  }
  return salt;
}

async function derive(password, salt, iterations) {
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: fromBase64(salt), iterations },
    base,
    256,
  );
  return toBase64(bits);
}

function wrappingKey(bits) {
  return crypto.subtle.importKey("raw", fromBase64(bits), "AES-GCM", false, ["encrypt", "decrypt"]);
}

// The login page, before its form goes: only for a login that opted in on this device.
export async function prepareUnlock(user, password) {
  if (!password || !settingFor(user).enabled) return;
  const salt = deviceSalt();
  const bits = await derive(password, salt, ITERATIONS);
  sessionStorage.setItem(PENDING_ITEM, JSON.stringify({ salt, iterations: ITERATIONS, bits }));
}

async function unlockRecord() {
  return (await transaction("kept", "readonly", (store) => store.get(UNLOCK_ID))) || null;
}

async function unwrap(record, bits) {
  const plain = await unseal(await wrappingKey(bits), record);
  return typeof plain === "string" ? plain : null;
}

// Records sealed with the key of a session that ended (kept, or queued offline after a
// restart) sealed again with this session's key, so the queue is replayed and nothing is lost.
async function reseal(oldKey, newKey) {
  for (const store of ["kept", "outbox"]) {
    const all = await transaction(store, "readonly", (s) => s.getAll());
    for (const record of all.filter((r) => r.id !== UNLOCK_ID)) {
      const value = await unseal(oldKey, record);
      if (value === null) continue;
      const box = await seal(newKey, value);
      await transaction(store, "readwrite", (s) => s.put({ ...record, ...box, size: box.data.byteLength }));
    }
  }
}

// Logged in (a page with the session's key): wrap the key with what the login page derived.
export async function storeUnlock(keyText, user) {
  const pending = sessionStorage.getItem(PENDING_ITEM);
  if (!pending) return;
  const { salt, iterations, bits } = JSON.parse(pending);
  const previous = await unlockRecord();
  if (previous && previous.user === user) {
    const oldText = await unwrap(previous, bits).catch(() => null);
    if (oldText && oldText !== keyText) await reseal(await decodeKey(oldText), await decodeKey(keyText));
  }
  const box = await seal(await wrappingKey(bits), keyText);
  await transaction("kept", "readwrite", (store) =>
    store.put({ id: UNLOCK_ID, kind: "unlock", at: Date.now(), size: 0, salt, iterations, user, ...box }),
  );
  // Only now: a page left before this point leaves it for the next page to finish.
  sessionStorage.removeItem(PENDING_ITEM);
}

// Whether kept mail can be unlocked with a password on this device.
export async function canUnlock() {
  return Boolean(await unlockRecord());
}

// Offline after a restart: the password typed opens the key (null: wrong password).
export async function unlock(password) {
  const record = await unlockRecord();
  if (!record || !password) return null;
  const text = await unwrap(record, await derive(password, record.salt, record.iterations));
  if (!text) return null;
  rememberKey(text);
  return decodeKey(text);
}

// Another login on this browser: what the previous one kept is not theirs to keep.
export async function unlockUser() {
  const record = await unlockRecord();
  return record ? record.user : "";
}
