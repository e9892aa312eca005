// guidecast serve's service worker: keeps the sessions the player asks it to (page, audio and
// the player's script), and answers for them when the network is gone. Audio is kept whole and
// ranges (seeking) are cut from it here. Everything else goes to the network as usual.
"use strict";
var CACHE = "guidecast-sessions-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (e) {
  var files = (e.data && e.data.keep) || [];
  var source = e.source;
  e.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(files.map(function (path) {
      return cache.match(path).then(function (hit) {
        return hit || fetch(path, { credentials: "same-origin" }).then(function (r) {
          if (r.ok && r.status === 200) return cache.put(path, r);
        });
      });
    }));
  }).then(function () { if (source) source.postMessage({ kept: files }); }));
});

function ranged(request, response) {
  var range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("range") || "");
  if (!range) return response;
  return response.arrayBuffer().then(function (body) {
    var size = body.byteLength;
    var start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    var end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size || start > end) {
      return new Response(null, { status: 416, headers: { "content-range": "bytes */" + size } });
    }
    return new Response(body.slice(start, end + 1), {
      status: 206,
      headers: {
        "content-type": response.headers.get("content-type") || "audio/mpeg",
        "content-range": "bytes " + start + "-" + end + "/" + size,
        "content-length": String(end - start + 1),
        "accept-ranges": "bytes"
      }
    });
  });
}

self.addEventListener("fetch", function (e) {
  var url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/s/") !== 0 && url.pathname !== "/static/player.js") return;
  e.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(url.pathname).then(function (hit) {
      if (hit) return ranged(e.request, hit);
      return fetch(e.request);
    });
  }));
});
