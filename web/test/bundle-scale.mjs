// The verifier page with a national bundle, in a real browser (Debian's Chromium): `dwp bench bundle`
// makes the bundle of 115 status lists of each purpose (15 million permits) and a permit of the same
// issuer; a small server serves the built page and that bundle; the page downloads it (its progress
// shown), keeps it in IndexedDB, and — offline, after a reload — verifies the permit against it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const web = path.resolve(import.meta.dirname, '..');
const root = path.resolve(web, '..');
const dwp = process.env.DWP_BIN || path.join(root, 'target/debug/dwp');
const dist = path.join(web, 'dist');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwp-bundle-scale-'));
const deadline = setTimeout(() => { console.error('error: the bundle test took longer than 5 minutes'); process.exit(1); }, 300_000);
const started = Date.now();

const bundleFile = path.join(tmp, 'bundle.json');
const payloadFile = path.join(tmp, 'payload.txt');
const made = execFileSync(dwp, ['bench', 'bundle', '--shards', '115', '--out', bundleFile, '--payload-out', payloadFile], { encoding: 'utf8' });
const bundle = fs.readFileSync(bundleFile);
const payload = fs.readFileSync(payloadFile, 'utf8').trim();
assert.equal(JSON.parse(bundle).statusLists.length, 230, 'a bundle of 115 shards of each purpose');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
  '.json': 'application/json', '.woff2': 'font/woff2', '.webmanifest': 'application/manifest+json' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/v1/bundle') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': bundle.length, 'cache-control': 'no-store' });
    res.end(bundle);
    return;
  }
  const rel = url.pathname.replace(/^\/verify\//, '') || 'index.html';
  const file = path.join(dist, rel.endsWith('/') || rel === '' ? `${rel}index.html` : rel);
  if (!url.pathname.startsWith('/verify/') || !file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' });
  res.end(fs.readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, viewport: { width: 360, height: 780 },
});
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${base}/verify/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.evaluate(() => navigator.serviceWorker.ready);
  const held = await page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('dwp-verifier', 1);
    req.onsuccess = () => {
      const get = req.result.transaction('verifier').objectStore('verifier').get('bundle');
      get.onsuccess = () => resolve({ chars: get.result?.length ?? 0, bytes: window.dwpBundleBytes, local: localStorage.getItem('dwp.bundle') });
      get.onerror = () => reject(get.error);
    };
    req.onerror = () => reject(req.error);
  }));
  assert.equal(held.bytes, bundle.length, 'the page read the whole bundle, counting its progress');
  assert.ok(held.chars > 600_000, `the bundle of ${held.chars} characters is kept in IndexedDB`);
  assert.equal(held.local, null, 'the bundle is never in localStorage');

  // Offline, from the service worker's copy of the page and the bundle in IndexedDB.
  server.close();
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.fill('#paste', payload);
  await page.click('#paste-form button[type="submit"], #paste-form button');
  await page.waitForSelector('#verdict:not([hidden])', { timeout: 60_000 });
  const reason = await page.getAttribute('#verdict', 'data-reason');
  assert.equal(reason, 'valid', `the permit on status list 115, offline: ${await page.textContent('#verdict')}`);
  fs.mkdirSync(path.join(web, 'test/artifacts'), { recursive: true });
  await page.screenshot({ path: path.join(web, 'test/artifacts/bundle-115-shards.png'), fullPage: true });
  console.log(made.split('\n').filter((l) => l.includes('size:')).join(' ').trim());
  console.log(`verifier page: a bundle of 115 shards (${bundle.length} bytes) downloaded, kept in IndexedDB, a permit of list 115 valid offline; ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  await context.close();
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  clearTimeout(deadline);
}
