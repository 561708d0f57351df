// Search as you type (progressive enhancement: the box and its button work without this file).
// After a pause in typing, the search page asks /search/ for its summary and rows alone
// (X-Search-Live: 1, mailview/render/search.py: live_parts) and puts them in place (the table
// and the actions form stay, with their handlers); a newer text aborts the older request, and an answer
// that still arrives for an older text is dropped. On a list page, the first pause opens the
// search page, which keeps the focus in the box. What the box looks in (and so what the server
// pays) is the server's default: subject and sender without a full-text index.
import { fromHTML } from "./lib/dom.js";
import { followLoginRedirect } from "./lib/session.js";

const PAUSE_MS = 350;
const MIN_CHARS = 2;
const FOCUS_KEY = "webmail-search-focus";

const input = document.querySelector("input[data-search-live]");
if (input && input.form && window.fetch && window.AbortController) live(input, input.form);

function live(input, form) {
  const summary = document.getElementById("search-summary");
  const rows = document.getElementById("search-rows");
  const actions = document.getElementById("actions-form");
  const results = summary && rows && actions ? rows : null;
  let timer = 0;
  let latest = 0;
  let controller = null;
  let asked = input.defaultValue.trim(); // what the page was drawn for

  if (results && sessionStorage.getItem(FOCUS_KEY)) {
    sessionStorage.removeItem(FOCUS_KEY);
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  function address() {
    const params = new URLSearchParams(new FormData(form));
    params.delete("page");
    return form.action + "?" + params.toString();
  }

  function search(force) {
    const text = input.value.trim();
    if (!force && text === asked) return;
    if (text.length > 0 && text.length < MIN_CHARS) return;
    asked = text;
    if (!results) {
      if (!text) return;
      sessionStorage.setItem(FOCUS_KEY, "1");
      window.location.assign(address());
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = ++latest;
    const url = address();
    fetch(url, { headers: { "X-Search-Live": "1" }, credentials: "same-origin", signal: controller.signal })
      .then(function (response) {
        if (followLoginRedirect(response)) return null;
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (html === null || mine !== latest) return; // a newer search was asked meanwhile
        put(fromHTML(html), url);
      })
      .catch(function (error) {
        if (error.name === "AbortError" || mine !== latest) return;
        window.location.assign(url); // let the full page show what went wrong
      });
  }

  function put(fragment, url) {
    const newSummary = fragment.getElementById("search-summary");
    const newRows = fragment.getElementById("search-rows");
    if (!newSummary || !newRows) { window.location.assign(url); return; }
    summary.replaceChildren(...newSummary.childNodes);
    rows.replaceChildren(...newRows.childNodes);
    actions.hidden = !rows.querySelector("tr.row");  // nothing found: nothing to act on
    actions.querySelectorAll("input[name=next]").forEach(function (next) {
      next.value = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    });
    history.replaceState(null, "", url);
    document.dispatchEvent(new CustomEvent("webmail:rows-changed"));
  }

  function typed() {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, PAUSE_MS);
  }
  input.addEventListener("input", typed);
  // Text typed before this script ran (a slow connection) is searched for as if typed now.
  if (document.activeElement === input && input.value.trim() !== asked) typed();
  const within = form.elements.namedItem("within");
  if (within && results) {
    within.addEventListener("change", function () {
      if (input.value.trim()) search(true);
    });
  }
}
