// Attachments open in an in-page viewer (issue 13): images and PDFs of a message, one at a time,
// with previous/next; the "Preview" links stay plain links without JavaScript. Images are shown
// by an <img> (no script can run in one); a PDF in a frame of its own, as the server sends it
// (its own CSP: no script, framed by this site only).

let dialog = null;
let items = [];
let index = 0;

function build() {
  dialog = document.createElement("dialog");
  dialog.className = "viewer";
  dialog.setAttribute("aria-labelledby", "viewer-title");
  dialog.innerHTML =
    '<div class="viewer-bar">' +
    '<h2 id="viewer-title" class="viewer-title"></h2><span class="viewer-count"></span>' +
    '<button type="button" class="viewer-prev"></button>' +
    '<button type="button" class="viewer-next"></button>' +
    '<a class="viewer-download"></a>' +
    '<button type="button" class="viewer-close"></button></div>' +
    '<div class="viewer-stage"></div>';
  dialog.querySelector(".viewer-prev").textContent = gettext("Previous");
  dialog.querySelector(".viewer-next").textContent = gettext("Next");
  dialog.querySelector(".viewer-download").textContent = gettext("Download");
  dialog.querySelector(".viewer-close").textContent = gettext("Close");
  dialog.querySelector(".viewer-prev").addEventListener("click", function () { show(index - 1); });
  dialog.querySelector(".viewer-next").addEventListener("click", function () { show(index + 1); });
  dialog.querySelector(".viewer-close").addEventListener("click", function () { dialog.close(); });
  // While the viewer is open, its keys come first (the page's shortcuts wait): the arrows walk.
  document.addEventListener("keydown", function (event) {
    if (!dialog.open) return;
    // Right to left, the previous attachment is on the right.
    const back = document.documentElement.dir === "rtl" ? "ArrowRight" : "ArrowLeft";
    const ahead = back === "ArrowLeft" ? "ArrowRight" : "ArrowLeft";
    if (event.key === back) { show(index - 1); event.preventDefault(); }
    else if (event.key === ahead) { show(index + 1); event.preventDefault(); }
    if (event.key !== "Escape" && event.key !== "Tab") event.stopPropagation();
  }, true);
  dialog.addEventListener("close", function () {
    dialog.querySelector(".viewer-stage").replaceChildren();
  });
  document.body.appendChild(dialog);
}

function show(at) {
  if (at < 0 || at >= items.length) return;
  index = at;
  const item = items[index];
  const stage = dialog.querySelector(".viewer-stage");
  let shown;
  if (item.image) {
    shown = document.createElement("img");
    shown.alt = item.name;
  } else {
    shown = document.createElement("iframe");
    shown.title = item.name;
  }
  shown.src = item.url;
  stage.replaceChildren(shown);
  dialog.querySelector(".viewer-title").textContent = item.name;
  dialog.querySelector(".viewer-count").textContent = interpolate(gettext("%(n)s of %(total)s"), { n: index + 1, total: items.length }, true);
  const prev = dialog.querySelector(".viewer-prev");
  const next = dialog.querySelector(".viewer-next");
  const focused = document.activeElement;
  prev.disabled = index === 0;
  next.disabled = index === items.length - 1;
  // A button that was just disabled would drop the focus out of the dialog: hand it over.
  if (focused && focused.disabled) (prev.disabled ? next : prev).focus();
  if (prev.disabled && next.disabled) dialog.querySelector(".viewer-close").focus();
  const download = dialog.querySelector(".viewer-download");
  download.href = item.download;
  download.setAttribute("download", item.name);
}

function collect(section) {
  return Array.from(section.querySelectorAll("li.attachment")).filter(function (li) {
    return li.querySelector("a.preview");
  }).map(function (li) {
    const name = li.querySelector("a.name");
    return {
      name: name.textContent.trim(),
      url: li.querySelector("a.preview").getAttribute("href"),
      download: name.getAttribute("href"),
      image: !!li.querySelector("img.thumb") || li.querySelector(".type-image") !== null,
      li: li,
    };
  });
}

document.addEventListener("click", function (event) {
  const target = event.target.closest(".attachments a.preview, .attachments img.thumb");
  if (!target || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const section = target.closest(".attachments");
  items = collect(section);
  const at = items.findIndex(function (item) { return item.li.contains(target); });
  if (at < 0) return;
  event.preventDefault();
  if (!dialog) build();
  show(at);
  if (!dialog.open) dialog.showModal();
});
