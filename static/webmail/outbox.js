// Undo send: the "Sending… Undo" notice (templates/compose/_outbox.html). Undo is a plain form
// (it works without JavaScript); this asks the server how the message is doing once its delay is
// over and shows the answer, in the server's words: sent, or not sent and why.

function follow(notice) {
  const text = notice.querySelector(".outbox-text");
  let failures = 0;

  function later(seconds) {
    window.setTimeout(ask, Math.max(200, seconds * 1000));
  }

  async function ask() {
    let data;
    try {
      const response = await fetch(notice.dataset.status, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.status === 404) {
        notice.remove();
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch {
      failures += 1;
      if (failures < 30) later(2);
      return;
    }
    failures = 0;
    text.textContent = data.text;
    if (!data.undoable) notice.querySelector("form.outbox-undo")?.remove();
    if (!data.final) {
      later(data.undoable ? data.remaining + 0.2 : 1);
      return;
    }
    notice.dataset.final = "1";
    notice.dataset.state = data.state;
    if (data.failed) {
      notice.classList.add("failed");
      if (data.open_url && !notice.querySelector("a.outbox-open")) {
        const link = document.createElement("a");
        link.className = "outbox-open";
        link.href = data.open_url;
        link.textContent = data.open_label;
        notice.append(" ", link);
      }
    }
  }

  later(parseFloat(notice.dataset.remaining || "0") + 0.2);
}

for (const notice of document.querySelectorAll(".outbox-notice[data-final='0']")) follow(notice);
