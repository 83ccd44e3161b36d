/* The field app's service worker (scope /field/).
   - The shell is precached under a versioned cache name and served cache-first, so the app
     opens with no signal and with the server down. The server writes a digest of the shell
     files into VERSION when it serves this file, so any change to the shell installs anew.
   - /api/ is never cached here: it always goes to the network; the app keeps the reference
     data it needs offline in IndexedDB itself.
   - Background Sync: the 'outbox' sync event sends the outbox (the open page does it when
     there is one, else this worker does, with the same code from core.js). */
'use strict';
var VERSION = '__SHELL_VERSION__';
var CACHE = 'field-shell-' + VERSION;
var SHELL = ['/field/', '/field/app.js', '/field/core.js', '/field/app.css', '/field/manifest.webmanifest',
             '/field/icons/icon-192.png'];

importScripts('/field/core.js');

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL.map(function (url) { return new Request(url, { cache: 'reload' }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    // delete only our own older shells
    return Promise.all(keys.filter(function (k) { return k.indexOf('field-shell-') === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf('/field/') !== 0) return;  // /api/: network only
  var key = request.mode === 'navigate' ? '/field/' : url.pathname;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(key, { ignoreSearch: true }).then(function (hit) {
      return hit || fetch(request).then(function (res) {
        if (res.ok && SHELL.indexOf(url.pathname) >= 0) cache.put(key, res.clone());
        return res;
      });
    });
  }));
});

self.addEventListener('sync', function (event) {
  if (event.tag !== 'outbox') return;
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then(function (clients) {
    var visible = clients.filter(function (c) { return c.visibilityState === 'visible'; });
    if (visible.length) { visible[0].postMessage({ type: 'sync' }); return null; }
    return FieldCore.getMeta('user').then(function (user) {
      return FieldCore.sync({ user: user && user.username });
    }).then(function (result) {
      clients.forEach(function (c) { c.postMessage({ type: 'synced' }); });
      // a throw makes the browser try this sync event again later with its own back-off
      if (result && (result.offline || result.waiting) && !result.auth) throw new Error('outbox not empty');
    });
  }));
});

self.addEventListener('message', function (event) {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});
