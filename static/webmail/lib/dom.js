// Small DOM helpers shared by the page scripts.

// Elements from server-rendered HTML (our own autoescaped templates), e.g. table rows: a
// <template> parses <tr> without a table around it and runs nothing.
export function fromHTML(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

export function messageTable() {
  return document.querySelector("table.messages");
}

// The message rows of the list (tr.row), in document order: whatever was added live too.
export function messageRows() {
  return Array.from(document.querySelectorAll("table.messages tr.row"));
}

// The keyboard's row left the list: the visible row now at `index` (or the last) takes its
// place, unless another row is the keyboard's already.
export function selectRowAt(index) {
  if (document.querySelector("table.messages tr.row.selected")) return;
  const rows = document.querySelectorAll("table.messages tr.row:not([hidden])");
  const next = rows[Math.min(index, rows.length - 1)];
  if (next) { next.classList.add("selected"); next.setAttribute("aria-selected", "true"); }
}

// Whether a keyboard or click event belongs to a form field (typing, not a shortcut).
export function inField(target) {
  if (target && target.tagName === "INPUT" && (target.type === "checkbox" || target.type === "radio")) return false;
  return !!target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
    target.tagName === "SELECT" || target.isContentEditable);
}

// A plain left click (no modifier): the one that opens in place instead of a new tab.
export function plainClick(event) {
  return !(event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0);
}
