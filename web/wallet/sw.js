// The wallet's service worker, scoped to /wallet/: keeps the page, its WebAssembly and its fonts so
// that the permit shows with no network (airplane mode). The permit itself is in IndexedDB, not here.
// Cache first for the page's own files; the registry's API (outside the scope) is never cached here.
const CACHE = 'dwp-wallet-__BUILD__';
const FILES = __FILES__;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(FILES);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith('dwp-wallet-') && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || !url.href.startsWith(self.registration.scope)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(event.request, { ignoreSearch: true });
    if (hit) return hit;
    const resp = await fetch(event.request);
    if (resp.ok) await cache.put(event.request, resp.clone());
    return resp;
  })());
});
