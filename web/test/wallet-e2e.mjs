// The wallet page end to end in a real browser (Debian's Chromium driven by playwright-core) at
// 360×780, against a running `dwp serve`: the registrar makes a permit and an offer over HTTP; the
// wallet, in Khmer (the browser's language), reads the offer's QR code (the registry's PNG) through
// the fake camera, is refused a wrong code, receives the permit bound to its non-extractable WebCrypto
// Ed25519 key with the right one, caches itself (service worker) and syncs the bundle. The network is
// cut; the card and the holder-bound QR code (DWP1H:, redrawn every 30 s) show. A screenshot of that
// QR code, fed to the verifier page's fake camera offline, is valid and shown live; checked 5 minutes
// later (the page's clock moved) it is holder_proof_stale. A second phone redeems a new offer for the
// permit (a re-bind); after a bundle refresh the first phone's QR code is revoked and the second's
// live, and the first phone, back online, warns that its permit was revoked. Every language is
// rendered with its self-hosted font; large text is remembered; a browser without Ed25519 is told so;
// the revoked permit, the near expiry and a wrong clock are warned about. Screenshots are saved in
// web/test/artifacts/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { WALLET } from '../wallet/i18n.js';
import { freePort, startRegistry } from './registry.mjs';

const web = path.resolve(import.meta.dirname, '..');
const root = path.resolve(web, '..');
const dwp = process.env.DWP_BIN || path.join(root, 'target/debug/dwp');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = path.join(web, 'test/artifacts');
fs.mkdirSync(artifacts, { recursive: true });
const started = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwp-wallet-e2e-'));
const deadline = setTimeout(() => { console.error('error: the wallet browser test took longer than 5 minutes'); process.exit(1); }, 300_000);
prepareZXingModule({ overrides: { wasmBinary: fs.readFileSync(path.join(web, 'node_modules/zxing-wasm/dist/reader/zxing_reader.wasm')) } });

// 1. A registry on a known port (its public URL, the credential issuer) with a permit to offer, a
// revoked permit and one with 20 days left.
const { base, admin, server } = await startRegistry(dwp, path.join(tmp, 'data'), { DWP_WEB_DIR: path.join(web, 'dist') }, { port: await freePort() });
process.on('exit', () => server.kill('SIGKILL'));
const call = async (method, url, token, body) => {
  const resp = await fetch(base + url, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  assert.ok(resp.ok, `${method} ${url}: HTTP ${resp.status}`);
  return resp.json();
};
const reg = (await call('POST', '/v1/tokens', admin, { role: 'registrar' })).token;
const sample = JSON.parse(fs.readFileSync(path.join(root, 'wallet-spec/examples/permit-sample.json'), 'utf8'));
const nativeName = 'အောင်ကျော်မင်း';
const valid = await call('POST', '/v1/permits', reg, { ...sample, permitNumber: 'WP-2569-21-000201', worker: { ...sample.worker, nativeName } });
const revoked = await call('POST', '/v1/permits', reg, { ...sample, permitNumber: 'WP-2569-21-000202' });
await call('POST', `/v1/permits/${revoked.id}/revoke`, reg, { reason: 'fraudulent application' });
// A permit with 20 days left (its validity starts on the sample's first day, as every permit here).
const soon = new Date(Date.now() + 20.5 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
const expiring = await call('POST', '/v1/permits', reg, { ...sample, permitNumber: 'WP-2569-21-000203', validUntil: soon });
// The registrar's offer: its link, its transaction code (for the worker, apart) and its QR code.
const offer = await call('POST', `/v1/permits/${valid.id}/offer`, reg, {});
assert.match(offer.txCode, /^\d{6}$/);
assert.ok(offer.credentialOfferUri.startsWith('openid-credential-offer://?credential_offer_uri='));

// An image (PNG) as a camera feed (.y4m, two I420 frames): drawn `side` px wide on white, centred.
const plain = await chromium.launch({ executablePath: browserPath, headless: true });
const painter = await plain.newPage();
async function feedOf(png, name, { width = 640, height = 480, side = 440 } = {}) {
  const rgba = await painter.evaluate(async ({ b64, width, height, side }) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = width; c.height = height;
    const g = c.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, width, height);
    g.drawImage(img, (width - side) / 2, (height - side) / 2, side, side);
    return Array.from(g.getImageData(0, 0, width, height).data);
  }, { b64: png.toString('base64'), width, height, side });
  const y = Buffer.alloc(width * height);
  for (let p = 0; p < y.length; p++) y[p] = Math.round(0.299 * rgba[4 * p] + 0.587 * rgba[4 * p + 1] + 0.114 * rgba[4 * p + 2]);
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma, chroma]);
  const file = path.join(tmp, `${name}.y4m`);
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]));
  return file;
}
const feed = await feedOf(Buffer.from(offer.qrPng, 'base64'), 'offer');
const camera = (file) => ({
  permissions: ['camera'],
  args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${file}`],
});

// The verifier page, on a phone of its own (a persistent profile, its camera fed per launch).
const verifierProfile = path.join(tmp, 'verifier');
const verifierErrors = [];
async function verifierWith(file, { online }) {
  const context = await chromium.launchPersistentContext(verifierProfile, {
    executablePath: browserPath, headless: true, viewport: { width: 360, height: 780 }, ...camera(file),
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => verifierErrors.push(e.message));
  if (!online) await context.setOffline(true);
  await page.goto(`${base}/verify/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { context, page };
}
async function scanned(page, reason) {
  await page.click('#scan');
  await page.waitForSelector('#verdict:not([hidden])[data-reason]', { timeout: 120_000 });
  const got = await page.getAttribute('#verdict', 'data-reason');
  assert.equal(got, reason, `the verdict (${await page.textContent('#verdict')})`);
  return { holder: await page.getAttribute('#verdict', 'data-holder'), line: await page.textContent('#verdict-holder') };
}

const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
  executablePath: browserPath, headless: true, viewport: { width: 360, height: 780 }, deviceScaleFactor: 2, locale: 'km-KH',
  ...camera(feed),
});
const page = context.pages()[0] || (await context.newPage());
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
const seed = (payload) => page.evaluate((p) => new Promise((resolve, reject) => {
  const open = indexedDB.open('dwp-wallet', 1);
  open.onsuccess = () => {
    const tx = open.result.transaction('wallet', 'readwrite');
    tx.objectStore('wallet').put({ payload: p, credential: null, receivedAt: Date.now() }, 'permit');
    tx.oncomplete = () => { open.result.close(); resolve(); };
    tx.onerror = () => reject(tx.error);
  };
  open.onerror = () => reject(open.error);
}), payload);
const ready = async () => page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });

// 2. Online once: the service worker installs and the bundle is synced; then the permit is stored.
await page.goto(`${base}/wallet`);
await ready();
assert.equal(new URL(page.url()).pathname, '/wallet/', 'the address without its slash is given one');
assert.equal(await page.isVisible('#empty'), true, 'an empty wallet says so');
assert.equal(await page.getAttribute('html', 'lang'), 'km', 'the first language is the browser\'s (navigator.languages)');
assert.equal(await page.textContent('#empty'), 'មិនទាន់មានលិខិតអនុញ្ញាតក្នុងទូរស័ព្ទនេះទេ');
assert.equal(await page.evaluate(() => document.querySelector('#receive').open), true, 'an empty wallet offers to receive');

// Receive over OpenID4VCI from the registry: the offer's QR code is read from the camera, the key is
// made by Chromium's WebCrypto, its proof checked by the registry, the bound payload stored in IndexedDB.
await page.click('#scan-offer');
await page.waitForFunction((link) => document.getElementById('offer').value === link, offer.credentialOfferUri, { timeout: 120_000 });
assert.equal(await page.evaluate(() => document.activeElement.id), 'tx-code', 'after the scan, the code is asked for');
await page.fill('#tx-code', offer.txCode === '000000' ? '111111' : '000000');
await page.click('#receive-button');
await page.waitForSelector('#receive-status[data-kind="error"]', { timeout: 15_000 });
assert.equal(await page.textContent('#receive-status'), WALLET.km.err_refused, 'a wrong code is refused in Khmer');
await page.fill('#tx-code', offer.txCode);
await page.click('#receive-button');
await page.waitForSelector('#receive-status[data-kind="done"]', { timeout: 15_000 });
await page.waitForSelector('#card:not([hidden])');
assert.equal(await page.textContent('#card-name'), 'AUNG KYAW MIN', 'the received permit is shown');
const held = () => page.evaluate(() => new Promise((resolve) => {
  const open = indexedDB.open('dwp-wallet', 1);
  open.onsuccess = () => {
    const store = open.result.transaction('wallet').objectStore('wallet');
    const key = store.get('deviceKey');
    const permit = store.get('permit');
    permit.onsuccess = () => resolve({
      payload: permit.result?.payload, credential: permit.result?.credential ?? null,
      algorithm: key.result?.privateKey?.algorithm?.name, extractable: key.result?.privateKey?.extractable,
    });
  };
}));
const stored = await held();
const bound = stored.payload;
assert.ok(bound.startsWith('DWP1:') && bound !== valid.payload, 'the payload received is the bound credential\'s, not the unbound one');
assert.deepEqual(stored.credential?.type, ['VerifiableCredential', 'WorkPermitCredential'], 'the W3C credential is kept');
assert.ok(JSON.stringify(stored.credential).includes('did:key:z6Mk'), 'the credential names the device key');
assert.deepEqual({ algorithm: stored.algorithm, extractable: stored.extractable }, { algorithm: 'Ed25519', extractable: false },
  'a non-extractable Ed25519 key in IndexedDB');
await page.waitForSelector('#qr[data-kind="holder"]', { timeout: 10_000 });
await page.screenshot({ path: path.join(artifacts, 'wallet-received-km.png'), fullPage: true });

await page.evaluate(() => navigator.serviceWorker.ready);
await page.reload();
await ready();
assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the service worker controls the page');
assert.ok(await page.evaluate(() => new Promise((resolve) => {
  const open = indexedDB.open('dwp-wallet', 1);
  open.onsuccess = () => {
    const req = open.result.transaction('wallet').objectStore('wallet').get('registry');
    req.onsuccess = () => resolve(!!req.result?.bundle);
  };
})), 'the registry bundle was synced');

// The verifier's phone syncs the registry's bundle while it is online.
{
  const v = await verifierWith(feed, { online: true });
  await v.page.evaluate(() => navigator.serviceWorker.ready);
  assert.ok(await v.page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('dwp-verifier', 1);
    open.onsuccess = () => {
      const req = open.result.transaction('verifier').objectStore('verifier').get('bundle');
      req.onsuccess = () => resolve(typeof req.result === 'string' && req.result.length > 0);
      req.onerror = () => resolve(false);
    };
    open.onerror = () => resolve(false);
  })), 'the verifier holds the bundle (in IndexedDB)');
  await v.context.close();
}

// 3. The network cut (the registry still runs, for the re-bind): the card and the QR code.
await context.setOffline(true);
assert.equal(await page.evaluate(() => fetch('/v1/bundle', { cache: 'no-store' }).then(() => 'online', () => 'offline')), 'offline', 'the wallet has no network');
await page.reload();
await ready();
await page.selectOption('#lang', 'en');
await page.waitForSelector('#card:not([hidden])');
assert.equal(await page.textContent('#card-name'), 'AUNG KYAW MIN');
assert.equal(await page.textContent('#card-native'), nativeName);
const field = (k) => page.textContent(`#fields dd[data-field="${k}"]`);
assert.equal(await field('permitNumber'), 'WP-2569-21-000201');
assert.equal(await field('employer'), 'Eastern Seaboard Auto Parts Co., Ltd.');
assert.match(await field('workplace'), /Rayong · ESIE/);
assert.match(await field('occupation'), /Machinery Mechanics/);
const days = Math.floor((Date.parse(sample.validUntil) - Date.now()) / 86_400_000);
assert.match(await field('validity'), new RegExp(`${days} days left`), 'validity with the days remaining');
assert.match(await page.textContent('#status-seen'), /^Status last checked /, 'when the status was last seen');
assert.equal(await page.isVisible('#warnings'), false, 'a valid permit far from expiry has no warning');
assert.match(await page.textContent('#countdown'), /^New code in ([1-9]|[12][0-9]|30) s$/);
const qr = await page.$('#qr');
assert.equal(await qr.getAttribute('role'), 'img');
assert.equal(await qr.getAttribute('aria-label'), 'QR code of work permit WP-2569-21-000201, for the inspector to scan');
const box = await qr.boundingBox();
assert.ok(box.width >= 300 && box.width <= 360, `the QR code is large (${box.width} px of 360)`);
await page.waitForSelector('#qr[data-kind="holder"]', { timeout: 10_000 });
// The verifier accepts the proof of the step it is in and of the steps either side: the screenshot is
// taken early in a step (at least 20 s left), so that it is still live when the verifier scans it.
if (Number((await page.textContent('#countdown')).match(/\d+/)[0]) < 20) {
  const shown = await qr.getAttribute('data-epoch');
  await page.waitForFunction((e) => document.getElementById('qr').dataset.epoch !== e, shown, { timeout: 70_000 });
}
const shot = await qr.screenshot({ path: path.join(artifacts, 'wallet-qr.png') });
const readQr = async (png) => (await readBarcodes(new Blob([png]), { formats: ['QRCode'], tryHarder: true }))[0];
const decoded = await readQr(shot);
assert.ok(decoded?.text?.startsWith('DWP1H:'), `the QR code on the screen is the holder-bound presentation (${decoded?.text?.slice(0, 8)})`);
assert.equal(decoded.ecLevel, 'Q', 'error correction Q');
const shownAt = Date.now();
const version = Number(await qr.getAttribute('data-version'));
// The quiet zone: 4 white modules on every side, then the finder pattern's dark corner.
const zone = await page.evaluate((v) => {
  const c = document.getElementById('qr');
  const modules = 17 + 4 * v + 8;
  const scale = c.width / modules;
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const dark = (x, y) => px[4 * (y * c.width + x)] < 128;
  let border = 0;
  for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
    if ((x < 4 * scale || y < 4 * scale || x >= c.width - 4 * scale || y >= c.height - 4 * scale) && dark(x, y)) border++;
  }
  return { whole: Number.isInteger(scale), border, corner: dark(4 * scale, 4 * scale) };
}, version);
assert.deepEqual(zone, { whole: true, border: 0, corner: true }, 'a quiet zone of exactly 4 modules');
const width = await page.evaluate(() => document.documentElement.scrollWidth);
assert.ok(width <= 360, `no horizontal scrolling at 360 px (${width})`);

// The screenshot at the verifier, offline: valid and shown live; 5 minutes later, a stale proof.
const qrFeed = (png, name) => feedOf(png, name, { width: 720, height: 720, side: 680 });
const live = { feed: await qrFeed(shot, 'shown') };
{
  const v = await verifierWith(live.feed, { online: false });
  await v.page.selectOption('#lang', 'en');
  const seen = await scanned(v.page, 'valid');
  assert.equal(seen.holder, 'live', 'the screenshot scanned at once is live');
  assert.match(seen.line, /^shown live from the holder's phone — holder proof \d+ s old$/);
  live.age = Number(seen.line.match(/(\d+) s old/)[1]);
  assert.ok(live.age <= 60, `the proof is at most two steps old (${live.age} s)`);
  await v.page.screenshot({ path: path.join(artifacts, 'wallet-at-verifier-live-en.png'), fullPage: true });
  // The same screenshot, 5 minutes later on the verifier's clock.
  await v.page.clock.setFixedTime(shownAt + 5 * 60_000);
  await v.page.reload();
  await v.page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  const later = await scanned(v.page, 'holder_proof_stale');
  assert.equal(later.holder, 'stale', 'a 5-minute-old screenshot is stale');
  assert.ok((await v.page.getAttribute('#verdict', 'class')).split(' ').includes('warn'), 'stale is amber');
  await v.page.screenshot({ path: path.join(artifacts, 'wallet-at-verifier-stale-en.png'), fullPage: true });
  await v.context.close();
}

// 4. Every language, with its own script and font, offline.
const expected = {
  th: ['ใบอนุญาตทำงานของฉัน', 'คิวอาร์โค้ดใบอนุญาตทำงานเลขที่ WP-2569-21-000201'],
  en: ['My work permit', 'QR code of work permit WP-2569-21-000201'],
  my: ['ကျွန်ုပ်၏ အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ်', 'အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ် WP-2569-21-000201 ၏ QR ကုဒ်'],
  lo: ['ໃບອະນຸຍາດເຮັດວຽກຂອງຂ້ອຍ', 'ລະຫັດ QR ຂອງໃບອະນຸຍາດເຮັດວຽກເລກທີ WP-2569-21-000201'],
  km: ['លិខិតអនុញ្ញាតការងាររបស់ខ្ញុំ', 'កូដ QR នៃលិខិតអនុញ្ញាតការងារលេខ WP-2569-21-000201'],
};
for (const [lang, [title, qrLabel]] of Object.entries(expected)) {
  await page.selectOption('#lang', lang);
  assert.equal(await page.getAttribute('html', 'lang'), lang);
  assert.equal(await page.textContent('h1'), title, `${lang}: title`);
  assert.ok((await qr.getAttribute('aria-label')).includes(qrLabel), `${lang}: the QR code's label`);
  if (lang !== 'en') assert.doesNotMatch(await field('validity'), /[A-Za-z]/, `${lang}: dates without English month names`);
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: path.join(artifacts, `wallet-${lang}.png`), fullPage: true });
}
const fonts = await page.evaluate(async () => {
  const out = {};
  for (const [family, sample] of [['Noto Sans Myanmar', 'က'], ['Noto Sans Lao', 'ກ'], ['Noto Sans Khmer', 'ក'], ['Noto Sans Thai', 'ก']]) {
    await document.fonts.load(`16px "${family}"`, sample);
    const faces = [...document.fonts].filter((f) => f.family.replace(/"/g, '') === family);
    out[family] = { check: document.fonts.check(`16px "${family}"`, sample), status: faces.map((f) => f.status) };
  }
  return out;
});
for (const [family, f] of Object.entries(fonts)) {
  assert.ok(f.check && f.status.length === 1 && f.status[0] === 'loaded', `${family} loaded offline: ${JSON.stringify(f)}`);
}

// 5. Large text, remembered across a reload.
await page.selectOption('#lang', 'my');
const before = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('#fields dd')).fontSize));
await page.click('#large');
const after = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('#fields dd')).fontSize));
assert.ok(after >= before * 1.3, `large text (${before} → ${after} px)`);
await page.reload();
await ready();
assert.equal(await page.getAttribute('#large', 'aria-pressed'), 'true', 'large text is remembered');
assert.equal(await page.getAttribute('html', 'lang'), 'my', 'the language is remembered');
await page.screenshot({ path: path.join(artifacts, 'wallet-my-large.png'), fullPage: true });
await page.click('#large');

// A browser without Ed25519 in WebCrypto is told so, and cannot start receiving.
const bare = await context.newPage();
await bare.addInitScript(() => {
  crypto.subtle.generateKey = () => Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError'));
});
await bare.goto(`${base}/wallet/`);
await bare.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
assert.equal(await bare.$eval('#no-ed25519', (e) => !e.hidden && e.textContent), WALLET.my.noEd25519, 'no Ed25519: said plainly');
assert.equal(await bare.$eval('#receive-button', (e) => e.disabled), true, 'no Ed25519: no receiving');
await bare.close();

// 6. Warnings: the revoked permit (from the synced bundle), and a phone clock behind the registry's.
await seed(revoked.payload);
await page.selectOption('#lang', 'en');
await page.evaluate(() => window.dwpWallet.reload());
assert.equal(await page.textContent('#warnings li[data-warning="revoked"]'), 'REVOKED — The permit has been revoked.');
await page.screenshot({ path: path.join(artifacts, 'wallet-revoked-en.png'), fullPage: true });
await seed(expiring.payload);
await page.evaluate(() => window.dwpWallet.reload());
assert.equal(await page.textContent('#warnings li[data-warning="expiry"]'), 'Your permit expires in 20 days: renew it at the service centre.');
assert.match(await field('validity'), / · 20 days left$/);
await page.selectOption('#lang', 'lo');
assert.equal(await page.textContent('#warnings li[data-warning="expiry"]'), 'ໃບອະນຸຍາດຈະໝົດອາຍຸໃນ 20 ມື້ ກະລຸນາຕໍ່ອາຍຸທີ່ສູນບໍລິການ');
await page.screenshot({ path: path.join(artifacts, 'wallet-expiring-lo.png'), fullPage: true });
await page.selectOption('#lang', 'en');
await seed(bound);
await page.evaluate(() => new Promise((resolve) => {
  const open = indexedDB.open('dwp-wallet', 1);
  open.onsuccess = () => {
    const store = open.result.transaction('wallet', 'readwrite').objectStore('wallet');
    const req = store.get('registry');
    req.onsuccess = () => {
      // The registry was last seen three hours after the phone's now: the phone's clock is behind.
      const r = req.result;
      store.put({ ...r, registryTime: Date.now() + 3 * 3600_000, localTime: Date.now() + 3 * 3600_000 }, 'registry').onsuccess = resolve;
    };
  };
}));
await page.reload();
await ready();
assert.match(await page.textContent('#warnings li[data-warning="clock"]'), /^This phone's clock is 3 h away from the registry's time/);
assert.equal(await page.$('#warnings li[data-warning="revoked"]'), null);

// 7. The QR code is drawn again at each 30-second boundary, the countdown running down to it: a new
// holder proof for the new step.
await page.clock.install();
await page.reload();
await ready();
await page.waitForSelector('#qr[data-kind="holder"][data-epoch]', { timeout: 10_000 });
const epoch = Number(await page.getAttribute('#qr', 'data-epoch'));
const before7 = (await readQr(await page.locator('#qr').screenshot())).text;
const left = Number((await page.textContent('#countdown')).match(/\d+/)[0]);
await page.clock.runFor((left + 1) * 1000);
await page.waitForFunction((e) => document.getElementById('qr').dataset.epoch === String(e), epoch + 1, { timeout: 30_000, polling: 100 });
assert.match(await page.textContent('#countdown'), /^New code in (29|30) s$/);
const after7 = (await readQr(await page.locator('#qr').screenshot())).text;
assert.ok(after7.startsWith('DWP1H:') && after7 !== before7, 'a new holder proof for the new step');

// 8. A re-bind: a second phone opens the link of a new offer for the same permit and receives it.
const offer2 = await call('POST', `/v1/permits/${valid.id}/offer`, reg, {});
const second = await plain.newContext({ viewport: { width: 360, height: 780 }, locale: 'en-GB' });
const phone2 = await second.newPage();
phone2.on('pageerror', (e) => errors.push(e.message));
await phone2.goto(`${base}/wallet/${new URL(offer2.credentialOfferUri).search}`);
await phone2.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
assert.equal(new URL(phone2.url()).search, '', 'the offer\'s link leaves the address');
await phone2.fill('#tx-code', offer2.txCode);
await phone2.click('#receive-button');
await phone2.waitForSelector('#receive-status[data-kind="done"]', { timeout: 15_000 });
await phone2.waitForSelector('#qr[data-kind="holder"]', { timeout: 10_000 });
// The worker's access log on the new phone, signed with its key: the registrar's read is there, in its words.
{
  const read = await fetch(`${base}/v1/permits/${valid.id}`, { headers: { authorization: `Bearer ${reg}`, 'dwp-purpose': 'issuance' } });
  assert.equal(read.status, 200, 'the registrar reads the permit, on the record');
  await phone2.click('#access summary');
  await phone2.click('#access-load');
  await phone2.waitForSelector('#access-status[data-kind="done"]', { state: 'attached', timeout: 15_000 });
  const lines = await phone2.$$eval('#access-list li', (els) => els.map((e) => ({ action: e.dataset.action, text: e.textContent })));
  const registrar = lines.find((l) => l.action === 'permit.read');
  assert.ok(registrar, `the registrar's read is listed: ${JSON.stringify(lines)}`);
  assert.match(registrar.text, /Registrar, Department of Employment — issuing or managing the permit$/);
  await phone2.screenshot({ path: path.join(artifacts, 'wallet-access-log-en.png'), fullPage: true });
  await phone2.click('#access summary');
}
const shootPhone2 = async () => (await phone2.$('#qr')).screenshot({ path: path.join(artifacts, 'wallet-rebound-qr.png') });
const shot2 = await shootPhone2();

// The first phone, still offline, shows its QR code as before; the verifier refreshes its bundle.
await page.clock.runFor(30_000);
await page.waitForFunction((e) => document.getElementById('qr').dataset.epoch === String(e), epoch + 2, { timeout: 30_000, polling: 100 });
const oldPhone = await page.locator('#qr').screenshot();
assert.ok((await readQr(oldPhone)).text.startsWith('DWP1H:'));
for (const [png, name, reason, holder] of [[oldPhone, 'old-phone', 'revoked', null], [shot2, 'new-phone', 'valid', 'live']]) {
  const v = await verifierWith(await qrFeed(png, name), { online: true });
  await v.page.selectOption('#lang', 'en');
  await v.context.setOffline(true);
  // A live proof is at most a step old: the new phone's code is shot again just before the scan (the
  // camera reads its file when it starts), so a slow browser start cannot age it out of the window.
  if (png === shot2) await qrFeed(await shootPhone2(), name);
  const seen = await scanned(v.page, reason);
  if (holder) assert.equal(seen.holder, holder, `${name}: ${holder}`);
  else assert.ok((await v.page.getAttribute('#verdict', 'class')).split(' ').includes('bad'), `${name}: red`);
  await v.page.screenshot({ path: path.join(artifacts, `wallet-at-verifier-${name}-en.png`), fullPage: true });
  await v.context.close();
}
await second.close();
await plain.close();
// Back online, the first phone syncs the bundle and says its permit was revoked.
await context.setOffline(false);
await page.evaluate(() => window.dispatchEvent(new Event('online')));
await page.waitForSelector('#warnings li[data-warning="revoked"]', { timeout: 15_000 });
assert.equal(await page.textContent('#warnings li[data-warning="revoked"]'), 'REVOKED — The permit has been revoked.', 'the old phone learns of the re-bind');
await page.screenshot({ path: path.join(artifacts, 'wallet-rebound-old-phone-en.png'), fullPage: true });

await context.close();
server.kill('SIGKILL');
clearTimeout(deadline);
assert.deepEqual(errors, [], 'no error in the wallet pages');
assert.deepEqual(verifierErrors, [], 'no error in the verifier page');
const sizes = JSON.parse(fs.readFileSync(path.join(web, 'dist/build.json'), 'utf8'));
console.log(`wallet: permit received from dwp serve over OpenID4VCI (offer QR from the camera, tx_code typed), bound to the WebCrypto key`);
console.log(`wallet: holder-bound QR (DWP1H:, version ${version}, Q) offline at 360×780; at the verifier: valid, shown live (${live.age} s), 5 min later holder_proof_stale; after a re-bind the old phone revoked, the new one live`);
console.log(`wallet: th en my lo km rendered; fonts ${Object.keys(fonts).join(', ')} loaded offline`);
console.log(`wallet: offline download ${sizes.wallet.offlineBytes} bytes (wallet.js ${sizes.wallet.walletJsBytes}, fonts ${sizes.fontTotalBytes}); screenshots in ${path.relative(root, artifacts)}; ${Math.round((Date.now() - started) / 1000)} s`);
fs.rmSync(tmp, { recursive: true, force: true });
