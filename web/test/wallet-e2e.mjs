// The wallet page in a real browser (Debian's Chromium driven by playwright-core) at 360×780, offline:
// a registry issues a permit, revokes a second and issues a third with 20 days left; the wallet is
// loaded once online in Khmer (the browser's language), receives the first permit over OpenID4VCI from
// a loopback double of the issuer, caches itself (service worker) and syncs the registry's bundle; a
// permit payload is put in its IndexedDB, the registry is stopped and the browser put offline. After a
// reload the card and the QR code show; the QR code in a screenshot decodes (zxing-wasm, in node) to
// the payload, at error correction Q with a 4-module quiet zone, and is redrawn every 30 s; every
// language is rendered with its self-hosted font; large text is remembered; a browser without Ed25519
// is told so; the revoked permit, the near expiry and a wrong clock are warned about. Screenshots are
// saved in web/test/artifacts/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { WALLET } from '../wallet/i18n.js';
import { encode } from '../wallet/qr.js';
import { startIssuerDouble } from './issuer-double.mjs';
import { startRegistry } from './registry.mjs';

const web = path.resolve(import.meta.dirname, '..');
const root = path.resolve(web, '..');
const dwp = process.env.DWP_BIN || path.join(root, 'target/debug/dwp');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = path.join(web, 'test/artifacts');
fs.mkdirSync(artifacts, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwp-wallet-e2e-'));
const deadline = setTimeout(() => { console.error('error: the wallet browser test took longer than 5 minutes'); process.exit(1); }, 300_000);
prepareZXingModule({ overrides: { wasmBinary: fs.readFileSync(path.join(web, 'node_modules/zxing-wasm/dist/reader/zxing_reader.wasm')) } });

// 1. A registry with a valid and a revoked permit.
const { base, admin, server } = await startRegistry(dwp, path.join(tmp, 'data'), { DWP_WEB_DIR: path.join(web, 'dist') });
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

// The issuer double, and its offer's QR code as the camera's feed (.y4m: a white 640×480 I420 frame).
const double = await startIssuerDouble({ payload: valid.payload, txCode: '493817' });
const offerQr = encode(double.link);
const scale = Math.floor(440 / (offerQr.size + 8));
const luma = Buffer.alloc(640 * 480, 255);
for (let r = 0; r < offerQr.size; r++) for (let c = 0; c < offerQr.size; c++) {
  if (!offerQr.dark(r, c)) continue;
  for (let y = 0; y < scale; y++) luma.fill(0, (20 + (r + 4) * scale + y) * 640 + 100 + (c + 4) * scale, (20 + (r + 4) * scale + y) * 640 + 100 + (c + 5) * scale);
}
const chroma = Buffer.alloc(320 * 240, 128);
const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
const feed = path.join(tmp, 'offer.y4m');
fs.writeFileSync(feed, Buffer.concat([Buffer.from('YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n'), frame, frame]));

const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
  executablePath: browserPath, headless: true, viewport: { width: 360, height: 780 }, deviceScaleFactor: 2, locale: 'km-KH',
  permissions: ['camera'],
  args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${feed}`],
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

// Receive over OpenID4VCI from a double of the registry's issuer (issuer-double.mjs): the offer's QR code
// is read from the camera, the key is made by Chromium's WebCrypto, the proof verified by the double,
// the payload stored in IndexedDB.
await page.click('#scan-offer');
await page.waitForFunction((link) => document.getElementById('offer').value === link, double.link, { timeout: 60_000 });
assert.equal(await page.evaluate(() => document.activeElement.id), 'tx-code', 'after the scan, the code is asked for');
await page.fill('#tx-code', '000000');
await page.click('#receive-button');
await page.waitForSelector('#receive-status[data-kind="error"]');
assert.equal(await page.textContent('#receive-status'), WALLET.km.err_refused, 'a wrong code is refused in Khmer');
await page.fill('#tx-code', '493817');
await page.click('#receive-button');
await page.waitForSelector('#receive-status[data-kind="done"]', { timeout: 15_000 });
await page.waitForSelector('#card:not([hidden])');
assert.equal(await page.textContent('#card-name'), 'AUNG KYAW MIN', 'the received permit is shown');
assert.equal(double.proofs.length, 1, 'one key proof, verified by the issuer');
assert.equal(double.proofs[0].header.jwk.crv, 'Ed25519');
const stored = await page.evaluate(() => new Promise((resolve) => {
  const open = indexedDB.open('dwp-wallet', 1);
  open.onsuccess = () => {
    const store = open.result.transaction('wallet').objectStore('wallet');
    const key = store.get('deviceKey');
    const permit = store.get('permit');
    permit.onsuccess = () => resolve({
      payload: permit.result?.payload, credential: !!permit.result?.credential,
      algorithm: key.result?.privateKey?.algorithm?.name, extractable: key.result?.privateKey?.extractable,
    });
  };
}));
assert.deepEqual(stored, { payload: valid.payload, credential: true, algorithm: 'Ed25519', extractable: false },
  'the credential, its payload and a non-extractable Ed25519 key are in IndexedDB');
await page.screenshot({ path: path.join(artifacts, 'wallet-received-km.png'), fullPage: true });
await double.close();

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
await seed(valid.payload);

// 3. Offline, registry stopped: the card and the QR code.
server.kill('SIGKILL');
await context.setOffline(true);
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
const shot = await qr.screenshot({ path: path.join(artifacts, 'wallet-qr.png') });
const [decoded] = await readBarcodes(new Blob([shot]), { formats: ['QRCode'], tryHarder: true });
assert.equal(decoded?.text, valid.payload, 'the QR code on the screen decodes to the payload');
assert.equal(decoded.ecLevel, 'Q', 'error correction Q');
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
await seed(valid.payload);
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

// 7. The QR code is drawn again at each 30-second boundary, the countdown running down to it.
await page.clock.install();
await page.reload();
await ready();
const epoch = Number(await page.getAttribute('#qr', 'data-epoch'));
const left = Number((await page.textContent('#countdown')).match(/\d+/)[0]);
await page.clock.runFor((left + 1) * 1000);
assert.equal(Number(await page.getAttribute('#qr', 'data-epoch')), epoch + 1, 'a new code after the countdown');
assert.match(await page.textContent('#countdown'), /^New code in (29|30) s$/);

await context.close();
clearTimeout(deadline);
assert.deepEqual(errors, [], 'no error in the page');
const sizes = JSON.parse(fs.readFileSync(path.join(web, 'dist/build.json'), 'utf8'));
console.log(`wallet: card and QR (version ${version}, Q) offline at 360×780; QR decodes to the payload; th en my lo km rendered; fonts ${Object.keys(fonts).join(', ')} loaded offline`);
console.log(`wallet: offline download ${sizes.wallet.offlineBytes} bytes (wallet.js ${sizes.wallet.walletJsBytes}, fonts ${sizes.fontTotalBytes}); screenshots in ${path.relative(root, artifacts)}`);
fs.rmSync(tmp, { recursive: true, force: true });
