// The per-device offline setting (templates/mailview/_offline_settings.html): saved in this
// browser at once; turning it off wipes what the device kept.
import { saveSetting, setting, usage, wipe } from "./store.js";
import { canUnlock } from "./unlock.js";

const enabled = document.getElementById("offline-enabled");
const days = document.getElementById("offline-days");
const mb = document.getElementById("offline-mb");
const pages = document.getElementById("offline-pages");
const shown = document.getElementById("offline-usage");

async function showUsage(current) {
  if (!current.enabled) {
    shown.textContent = gettext("Nothing is kept on this device.");
    return;
  }
  const { bytes, messages } = await usage();
  shown.textContent = interpolate(
    ngettext(
      "Kept on this device: %(n)s message, %(used)s MB of %(limit)s MB.",
      "Kept on this device: %(n)s messages, %(used)s MB of %(limit)s MB.",
      messages,
    ),
    { n: messages, used: (bytes / 1048576).toFixed(1), limit: current.mb },
    true,
  );
  // Reading offline after the browser restarts needs the password typed at a login (unlock.js).
  if (!(await canUnlock())) {
    shown.textContent += ` ${gettext("After the browser restarts, kept mail opens offline with your password from your next login on this device.")}`;
  }
}

const current = setting();
enabled.checked = current.enabled;
days.value = String(current.days);
mb.value = String(current.mb);
pages.value = String(current.pages);
showUsage(current).catch(() => {});

async function save() {
  const before = setting();
  const next = {
    enabled: enabled.checked,
    days: Number(days.value),
    mb: Number(mb.value),
    pages: Number(pages.value),
  };
  saveSetting(next);
  if (before.enabled && !next.enabled) await wipe();
  document.dispatchEvent(new CustomEvent("webmail:offline-setting"));
  await showUsage(setting());
}

for (const input of [enabled, days, mb, pages]) input.addEventListener("change", () => save().catch(() => {}));
