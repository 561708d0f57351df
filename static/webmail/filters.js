// Settings › Filters: drag and drop to reorder rules (the Up/Down buttons are the keyboard
// and no-JavaScript way), and the rule form's header-name field shown only where it applies.

const list = document.getElementById("rule-list");
const orderForm = document.getElementById("order-form");

if (list && orderForm) {
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li.rule");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.index);
  });
  list.addEventListener("dragover", (event) => {
    const over = event.target.closest("li.rule");
    if (!dragged || !over) return;
    event.preventDefault();
    list.querySelectorAll(".drop-target").forEach((li) => li.classList.remove("drop-target"));
    if (over !== dragged) over.classList.add("drop-target");
  });
  list.addEventListener("dragend", () => {
    list.querySelectorAll(".drop-target, .dragging").forEach((li) => li.classList.remove("drop-target", "dragging"));
    dragged = null;
  });
  list.addEventListener("drop", (event) => {
    const over = event.target.closest("li.rule");
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    list.insertBefore(dragged, over);
    for (const li of list.querySelectorAll("li.rule")) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "order";
      input.value = li.dataset.index;
      orderForm.append(input);
    }
    orderForm.submit();
  });
}

function syncHeaderField(row) {
  const field = row.querySelector("select[name^='cond_field']");
  row.classList.toggle("no-header", field.value !== "header");
}

for (const row of document.querySelectorAll(".cond-row")) {
  syncHeaderField(row);
  row.querySelector("select[name^='cond_field']").addEventListener("change", () => syncHeaderField(row));
}
