// The field report page's service worker (scope /app/report): it lets an information
// officer open the report form with no network, and the outbox sends the reports once the
// network returns. Made by the build (vite.config.js fills in PRECACHE and VERSION), so
// every build is a new worker that replaces the old one and its cache.
//
// What it keeps, and nothing else:
// - the page and its own files (HTML, JS, CSS, icon) of this build: cache first, since
//   their names carry a content hash; the page itself is network first;
// - the three public base layers of the page's pick map (county, town areas, towns):
//   network first, the last answer kept for offline.
// Reports and photos (POST) are never touched: the outbox keeps them, with their
// idempotency keys. Every other API answer (signed-in data) and the event stream go to the
// network untouched and are never stored.
const VERSION = __VERSION__;
const PRECACHE = __PRECACHE__;
const CACHE = `yingji-report-${VERSION}`;
const PAGE = '/app/report';
const MAP_DATA = new Set([
  '/api/v1/collections/county/items',
  '/api/v1/collections/town_areas/items',
  '/api/v1/collections/towns/items',
]);
const BUILD_FILES = new Set(PRECACHE);

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(PRECACHE);
    // The map layers are a convenience offline (the officer can still use the device's
    // position): one that cannot be fetched now does not stop the page being kept.
    await Promise.all([...MAP_DATA].map((url) => keepAnswer(cache, url).catch(() => null)));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const stale = (await caches.keys()).filter((name) => name.startsWith('yingji-report-') && name !== CACHE);
    await Promise.all(stale.map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    if (url.pathname.startsWith(PAGE)) event.respondWith(networkFirst(request, PAGE, false));
  } else if (BUILD_FILES.has(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (MAP_DATA.has(url.pathname) && !url.search) {
    event.respondWith(networkFirst(request, url.pathname, true));
  }
});

async function keepAnswer(cache, url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (response.ok) await cache.put(url, response.clone());
  return response;
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  return (await cache.match(request)) ?? fetch(request);
}

/** The network's answer when there is a network; the kept one (under `key`) when there is
 *  none. `keep` stores a good answer for next time. The page is not re-stored from the
 *  network: it must stay the one whose files this build's cache holds. */
async function networkFirst(request, key, keep) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (keep && response.ok) await cache.put(key, response.clone());
    return response;
  } catch (offline) {
    const kept = await cache.match(key);
    if (kept) return kept;
    throw offline;
  }
}
