/* Xuehou service worker: the worker pages, a recent catalogue and the subsidy rules, offline.
 *
 * Served by GET /sw.js, which fills in CONFIG (cache version, pages, fingerprinted static files).
 * - Pages: network first, so online a worker always gets a fresh page; offline, the kept copy.
 * - Static files (fingerprinted, immutable): from the cache first.
 * - POSTs are never touched or cached. Queued submissions live in IndexedDB (outbox.js), which a
 *   new version of this script never touches.
 * - Only GETs of empty forms and lists are kept: no page with a resident's data goes in the cache.
 * - A new version fills its own cache completely before it takes over, and only then deletes the
 *   old one, so a cached form never loses its script or stylesheet.
 */
"use strict";

var CONFIG = {};
var PREFIX = "xuehou-";
var CACHE = PREFIX + CONFIG.version;
var CLASS_PAGE = /href="(\/courses\/\d+)"/g;

function precacheRequest(url) {
  var headers = {};
  headers[CONFIG.precacheHeader] = "1";
  return new Request(url, { credentials: "same-origin", cache: "no-store", headers: headers });
}

// Mark a kept page, so the page's script knows it is an offline copy (its tokens may be old).
function markOffline(response) {
  var type = response.headers.get("Content-Type") || "";
  if (type.indexOf("text/html") !== 0) return Promise.resolve(response);
  return response.text().then(function (html) {
    return new Response(html.replace("<html ", "<html data-offline-copy "), {
      status: response.status,
      statusText: response.statusText,
      headers: { "Content-Type": type },
    });
  });
}

// Keep one URL: a plain 200 (not a redirect to the log-in page); otherwise keep the older copy.
function keep(cache, url) {
  return fetch(precacheRequest(url))
    .then(function (response) {
      if (!response.ok || response.redirected) throw new Error("not kept");
      return markOffline(response).then(function (marked) { return cache.put(url, marked); });
    })
    .catch(function () {
      return caches.match(url).then(function (old) { return old ? cache.put(url, old) : undefined; });
    });
}

// The first page of the catalogue and the class pages it links to; older class pages are dropped.
function keepCatalogue(cache) {
  return keep(cache, CONFIG.catalogue)
    .then(function () { return cache.match(CONFIG.catalogue); })
    .then(function (page) { return page ? page.text() : ""; })
    .then(function (html) {
      var wanted = [];
      var match;
      CLASS_PAGE.lastIndex = 0;
      while ((match = CLASS_PAGE.exec(html)) && wanted.length < CONFIG.classPages) {
        if (wanted.indexOf(match[1]) < 0) wanted.push(match[1]);
      }
      return cache.keys().then(function (requests) {
        var stale = requests.filter(function (request) {
          var path = new URL(request.url).pathname;
          return /^\/courses\/\d+$/.test(path) && wanted.indexOf(path) < 0;
        });
        return Promise.all(stale.map(function (request) { return cache.delete(request); }));
      }).then(function () {
        return Promise.all(wanted.map(function (url) { return keep(cache, url); }));
      });
    });
}

function fill() {
  return caches.open(CACHE).then(function (cache) {
    return Promise.all(
      CONFIG.pages.concat(CONFIG.assets).map(function (url) { return keep(cache, url); })
    ).then(function () { return keepCatalogue(cache); });
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

// outbox.js asks for a fresh copy of the catalogue and pages now and then while online.
self.addEventListener("message", function (event) {
  if (event.data === "refresh") event.waitUntil(fill());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.mode !== "navigate") return;
  event.respondWith(
    fetch(request).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname + url.search).then(function (hit) {
          return hit || cache.match(url.pathname, { ignoreSearch: true });
        });
      }).then(function (hit) {
        if (hit) return hit;
        throw new Error("offline and not kept: " + url.pathname);
      });
    })
  );
});
