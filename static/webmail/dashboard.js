// The admin dashboard refreshes itself every 10 seconds while its checkbox is ticked (a timed
// refresh the user can stop, WCAG 2.2.1; a <meta http-equiv="refresh"> cannot be stopped).
const box = document.getElementById("auto-refresh");
if (box) {
  const key = "webmail.dashboard.refresh";
  box.checked = window.sessionStorage.getItem(key) !== "off";
  box.addEventListener("change", function () {
    window.sessionStorage.setItem(key, box.checked ? "on" : "off");
  });
  window.setInterval(function () {
    if (box.checked) window.location.reload();
  }, 10000);
}
