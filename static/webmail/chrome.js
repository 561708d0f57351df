// The page's frame (issue 13): the account menu on a phone, and the favicon with the Inbox's
// unread count (read from the folder tree's badge or the title, redrawn when live mail changes them).

const accountToggle = document.querySelector(".account-toggle");
if (accountToggle) {
  accountToggle.addEventListener("click", function () {
    const open = document.body.classList.toggle("account-open");
    accountToggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("click", function (event) {
    if (!document.body.classList.contains("account-open")) return;
    if (event.target.closest(".account, .account-toggle")) return;
    document.body.classList.remove("account-open");
    accountToggle.setAttribute("aria-expanded", "false");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("account-open")) {
      document.body.classList.remove("account-open");
      accountToggle.setAttribute("aria-expanded", "false");
      accountToggle.focus();
    }
  });
}

// -- favicon -------------------------------------------------------------------------------------

const icon = document.querySelector('link[rel="icon"]');

function inboxBadge() {
  return document.querySelector('nav#folders li.folder[data-folder="INBOX"] .unseen');
}

export function unreadCount() {
  const badge = inboxBadge();
  if (badge) return parseInt(badge.textContent.replace(/[^0-9]/g, ""), 10) || 0;
  if (document.getElementById("folders")) return 0;  // a tree without an Inbox badge: none unread
  const match = /^\((\d+)\) /.exec(document.title);
  return match ? parseInt(match[1], 10) : 0;
}

function drawIcon(count) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#1a62d6";
  ctx.beginPath();
  ctx.roundRect(4, 12, 56, 40, 8);
  ctx.fill();
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 5;
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(8, 18); ctx.lineTo(32, 36); ctx.lineTo(56, 18);
  ctx.stroke();
  if (count > 0) {
    const text = count > 99 ? "99+" : String(count);
    ctx.fillStyle = "#c62828";
    ctx.beginPath();
    ctx.roundRect(text.length > 1 ? 14 : 28, 0, text.length > 1 ? 50 : 36, 36, 18);
    ctx.fill();
    ctx.fillStyle = "#fff";
    ctx.font = "bold " + (text.length > 2 ? 22 : 28) + "px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(text, text.length > 1 ? 39 : 46, 19);
  }
  return canvas.toDataURL("image/png");
}

let shown = null;
function updateIcon() {
  const count = unreadCount();
  if (!icon || count === shown) return;
  shown = count;
  icon.type = "image/png";
  icon.href = drawIcon(count);
  icon.dataset.unread = String(count);
}

if (icon) {
  updateIcon();
  const watch = new MutationObserver(updateIcon);
  const tree = document.getElementById("folders");
  if (tree) watch.observe(tree, { subtree: true, childList: true, characterData: true });
  const title = document.querySelector("title");
  if (title) watch.observe(title, { childList: true, characterData: true, subtree: true });
}

// -- printing a message: a Print button beside the message's tools (print.css does the rest) -----

function addPrintButton(tools) {
  if (tools.querySelector(".print-message")) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "linkish print-message";
  button.textContent = gettext("Print");
  button.addEventListener("click", function () { window.print(); });
  tools.appendChild(button);
}
document.querySelectorAll(".message-tools").forEach(addPrintButton);
const previewPane = document.getElementById("preview");
if (previewPane) {
  new MutationObserver(function () {
    previewPane.querySelectorAll(".message-tools").forEach(addPrintButton);
  }).observe(previewPane, { childList: true, subtree: true });
}

// -- the folder drawer (phone, tablet): a tap beside it closes it --------------------------------

document.addEventListener("click", function (event) {
  if (!document.body.classList.contains("folders-open")) return;
  if (event.target.closest("#folders, .menu-toggle")) return;
  document.body.classList.remove("folders-open");
  const menu = document.querySelector(".menu-toggle");
  if (menu) menu.setAttribute("aria-expanded", "false");
  event.preventDefault();
}, true);
