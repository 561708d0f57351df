// Times written in the browser the way the server writes them (mailview/render/format.py):
// the user's clock from <html data-clock>, "17:05" or "5:05 PM", never seconds.
export function clockTime(date) {
  const hours = date.getHours();
  const minutes = String(date.getMinutes()).padStart(2, "0");
  if (document.documentElement.dataset.clock === "12") {
    return (hours % 12 || 12) + ":" + minutes + " " + (hours >= 12 ? gettext("PM") : gettext("AM"));
  }
  return String(hours).padStart(2, "0") + ":" + minutes;
}
