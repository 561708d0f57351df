// The one keyboard handler: page scripts register their shortcuts here (onKey), so typing in a
// field, modifier keys and the help overlay are decided in one place.
import { inField } from "./dom.js";

const bindings = new Map();
let overlay = null;

// `handler(event)` runs for `keys`; returning false means "not handled" (the key's default
// action happens).
export function onKey(keys, handler) {
  keys.forEach(function (key) { bindings.set(key, handler); });
}

// The shortcut help: while it is open, Escape or ? close it and other keys do nothing.
export function setOverlay(help) {
  overlay = help;
}

document.addEventListener("keydown", function (event) {
  if (!bindings.size) return;  // a page without shortcuts (log-in, compose): keys are its own
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (inField(target)) {
    if (event.key === "Escape" && target.blur) target.blur();
    return;
  }
  if (overlay && overlay.isOpen()) {
    if (event.key === "Escape" || event.key === "?") { overlay.close(); event.preventDefault(); }
    return;
  }
  const handler = bindings.get(event.key);
  if (handler && handler(event) !== false) event.preventDefault();
});
