/* Xuehou service worker: the worker pages, the kept catalogue and the subsidy rules, offline.
 *
 * Served by GET /sw.js, which fills in CONFIG (cache version, pages, fingerprinted static files).
 * - Pages: network first, so online a worker gets a fresh page; but after CONFIG.wait ms without an
 *   answer (a network that says online and carries nothing), or on a 5xx, the kept copy, stamped with
 *   when it was kept.
 * - The catalogue, its class pages and the worker's sign-up pages are, offline, the one kept catalogue
 *   page (outbox.js shows the part the address asks for).
 * - Static files (fingerprinted, immutable): from the cache first.
 * - POSTs are never touched or cached. Queued submissions live in IndexedDB (outbox.js), which a
 *   new version of this script never touches.
 * - Only GETs of empty forms and lists are kept: no page with a resident's data goes in the cache.
 * - A new version fills its own cache completely before it takes over, and only then deletes the
 *   old one, so a cached form never loses its script or stylesheet. Every fetch has a time limit.
 */
"use strict";

var CONFIG = {};
var PREFIX = "xuehou-";
var CACHE = PREFIX + CONFIG.version;
var KEPT = /^\/courses(\/\d+)?$|^\/worker\/courses\/\d+\/signup$/;

function timed(request, ms) {
  var stop = new AbortController();
  var timer = setTimeout(function () { stop.abort(); }, ms);
  return fetch(request, { signal: stop.signal }).finally(function () { clearTimeout(timer); });
}

// Mark a kept page, so the page's script knows it is an offline copy (its tokens may be old) and when it was kept.
function markOffline(response) {
  return response.text().then(function (html) {
    return new Response(html.replace("<html ", '<html data-offline-copy data-saved-at="' + Date.now() + '" '), {
      headers: { "Content-Type": response.headers.get("Content-Type") },
    });
  });
}

// Keep one URL: a plain 200 page (not a redirect to the log-in page); otherwise keep the older copy.
function keep(cache, url) {
  var headers = {};
  headers[CONFIG.precacheHeader] = "1";
  return timed(new Request(url, { credentials: "same-origin", cache: "no-store", headers: headers }), CONFIG.timeout)
    .then(function (response) {
      if (!response.ok || response.redirected) throw new Error("not kept");
      var html = (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
      return (html ? markOffline(response) : response).then(function (kept) { return cache.put(url, kept); });
    })
    .catch(function () {
      return caches.match(url).then(function (old) { return old ? cache.put(url, old) : undefined; });
    });
}

function fill() {
  return caches.open(CACHE).then(function (cache) {
    return Promise.all(CONFIG.pages.concat(CONFIG.assets).map(function (url) { return keep(cache, url); }));
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(fill().then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// outbox.js asks for a fresh copy on an online visit, and to forget the pages when a worker logs out.
self.addEventListener("message", function (event) {
  if (event.data === "refresh") event.waitUntil(fill());
  if (event.data === "forget") {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(CONFIG.pages.map(function (url) { return cache.delete(url); }));
    }));
  }
});

function kept(url) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(KEPT.test(url.pathname) ? CONFIG.kept : url.pathname, { ignoreSearch: true });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || timed(request, CONFIG.timeout); }));
    return;
  }
  if (request.mode !== "navigate") return;
  // The network, unless it has not answered in CONFIG.wait ms (or failed) and a kept copy exists;
  // with no kept copy, the network for up to CONFIG.timeout ms, then the browser's own error page.
  var network = fetch(request);
  event.respondWith(new Promise(function (resolve, reject) {
    var fallback = function () {
      kept(url).then(function (hit) {
        if (hit) return resolve(hit);
        network.then(resolve, reject);
        setTimeout(reject, CONFIG.timeout);
      });
    };
    var timer = setTimeout(fallback, CONFIG.wait);
    network.then(function (response) {
      clearTimeout(timer);
      if (response.status < 500) return resolve(response);
      kept(url).then(function (hit) { resolve(hit || response); }); // 502–504: the server is out of reach
    }, function () {
      clearTimeout(timer);
      fallback();
    });
  }));
});
