// The service worker of the field pages: a unit's page and its report form open without a
// connection once they have been opened with one. Scripts and styles come from the cache first
// (their addresses carry no version, so a fresh copy is fetched behind them); the field pages
// from the network first, the cached copy only when the network fails; the unit's photos once
// seen (they never change). Nothing else is kept:
// dashboards and lists need a connection. Signing out empties the cache.
'use strict';
var CACHE = 'pantau-field-v2';
var SHELL = [
  '/static/css/pantau.css',
  '/static/js/forms.js',
  '/static/js/menu.js',
  '/static/js/outbox.js',
  '/static/js/photos.js',
  '/static/favicon.svg'
];
// A unit's page and its report form (any period): the pages a reporter works on in the field.
var FIELD_PAGE = /^\/ibm\/\d+(\/laporan)?$/;
// Photos of a unit's visits and follow-ups: they never change once stored.
var PHOTO = /^\/ibm\/\d+\/foto\/\d+$/;

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) {
      return caches.delete(k);
    }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('message', function (e) {
  if (e.data === 'signed-out') e.waitUntil(caches.delete(CACHE));
});

self.addEventListener('fetch', function (e) {
  var req = e.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf('/static/') === 0) {
    e.respondWith(caches.open(CACHE).then(function (c) {
      return c.match(req).then(function (hit) {
        var fresh = fetch(req).then(function (res) {
          if (res.ok) c.put(req, res.clone());
          return res;
        }, function () {
          return hit || Response.error();
        });
        return hit || fresh;
      });
    }));
    return;
  }
  if (PHOTO.test(url.pathname)) {
    e.respondWith(caches.open(CACHE).then(function (c) {
      return c.match(req).then(function (hit) {
        return hit || fetch(req).then(function (res) {
          if (res.ok) c.put(req, res.clone());
          return res;
        });
      });
    }));
    return;
  }
  if (req.mode === 'navigate' && FIELD_PAGE.test(url.pathname)) {
    e.respondWith(caches.open(CACHE).then(function (c) {
      return fetch(req).then(function (res) {
        // Only pages answered in full: not a refusal, not the sign-in page it redirected to.
        if (res.ok && !res.redirected) c.put(req, res.clone());
        return res;
      }, function () {
        return c.match(req).then(function (hit) {
          return hit || c.match(url.pathname, { ignoreSearch: true }).then(function (page) {
            return page || Response.error();
          });
        });
      });
    }));
  }
});
