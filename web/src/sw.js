// The service worker: keeps the page, its WebAssembly, its fonts and the verifier bundle so that the page
// opens and verifies with no network. Static files: cache first. The bundle: network first.
const CACHE = 'dwp-verify-__BUILD__';
const FILES = ['./', 'index.html', 'app.js', 'style.css', 'manifest.webmanifest', 'pkg/dwp_verifier_bg.wasm', 'vendor/zxing_reader.wasm', ...__FONTS__];
const BUNDLE = new URL('../v1/bundle', self.registration.scope).href;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(FILES);
    try { await cache.add(BUNDLE); } catch (_) { /* offline at install: the page keeps its own copy */ }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    // Only this page's older caches: the wallet (/wallet/) keeps its own on the same origin.
    for (const key of await caches.keys()) if (key.startsWith('dwp-verify-') && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET') return;
  if (url.href === BUNDLE) {
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      try {
        const fresh = await fetch(event.request);
        if (fresh.ok) await cache.put(BUNDLE, fresh.clone());
        return fresh;
      } catch (_) {
        return (await cache.match(BUNDLE)) || Response.error();
      }
    })());
    return;
  }
  if (!url.href.startsWith(self.registration.scope)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(event.request, { ignoreSearch: true });
    if (hit) return hit;
    const resp = await fetch(event.request);
    if (resp.ok) await cache.put(event.request, resp.clone());
    return resp;
  })());
});
