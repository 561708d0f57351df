// The per-device offline setting (templates/mailview/_offline_settings.html): saved in this
// browser at once; turning it off wipes what the device kept.
import { saveSetting, setting, usage, wipe } from "./store.js";

const enabled = document.getElementById("offline-enabled");
const days = document.getElementById("offline-days");
const mb = document.getElementById("offline-mb");
const shown = document.getElementById("offline-usage");

async function showUsage(current) {
  if (!current.enabled) {
    shown.textContent = "Nothing is kept on this device.";
    return;
  }
  const { bytes, messages } = await usage();
  shown.textContent = `Kept on this device: ${messages} message(s), ${(bytes / 1048576).toFixed(1)} MB of ${current.mb} MB.`;
}

const current = setting();
enabled.checked = current.enabled;
days.value = String(current.days);
mb.value = String(current.mb);
showUsage(current).catch(() => {});

async function save() {
  const before = setting();
  const next = { enabled: enabled.checked, days: Number(days.value), mb: Number(mb.value) };
  saveSetting(next);
  if (before.enabled && !next.enabled) await wipe();
  document.dispatchEvent(new CustomEvent("webmail:offline-setting"));
  await showUsage(setting());
}

for (const input of [enabled, days, mb]) input.addEventListener("change", () => save().catch(() => {}));
