// The service worker, served at /sw.js with scope / (mailview/views/app.py). It stores nothing
// itself: Cache Storage holds the offline page only after the user opted in on this device
// (static/webmail/offline/register.js), and this worker reads it only when the network is gone.
// A device that never opted in has nothing cached, so a mail URL offline fails as it would
// without a worker.

const MAIL_PAGES = /^\/(mail\/|message\/|$)/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// One copy of each is kept (the catalogue in the language of the page that kept it): its Vary
// (Accept-Language, Cookie) must not make the offline request miss it.
async function kept(request) {
  const hit = await caches.match(request, { ignoreVary: true });
  return hit || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && MAIL_PAGES.test(url.pathname)) {
    event.respondWith(fetch(request).catch(() => kept("/offline/")));
  } else if (url.pathname.startsWith("/static/") || url.pathname === "/jsi18n/") {
    // The app's files and its JavaScript catalogue (the offline page's words) kept with it.
    event.respondWith(fetch(request).catch(() => kept(request)));
  }
});
