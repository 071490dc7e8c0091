// The public tracking page in a real browser (Debian's Chromium driven by playwright-core) at
// 360×780, against a running `dwp serve` with `dwp bank-sim` as its bank: an employer's application
// is tracked by its number and the worker's birth date in Thai, English, Burmese, Lao and Khmer while
// its fee is unpaid (the fee QR drawn in the page, read back from the screen, is the registry's
// string), then after the bank has paid it (no QR); a wrong number is refused in the reader's
// language, and after ten wrong birth dates the page says to try again in an hour. Each language's
// text is in its own script with no English left in it. Screenshots in web/test/artifacts/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { TRACK } from '../track/i18n.js';
import { startRegistryWithBank } from './registry.mjs';

const web = path.resolve(import.meta.dirname, '..');
const root = path.resolve(web, '..');
const dwp = process.env.DWP_BIN || path.join(root, 'target/debug/dwp');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = path.join(web, 'test/artifacts');
fs.mkdirSync(artifacts, { recursive: true });
const started = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwp-track-e2e-'));
const children = [];
let browser = null;
const cleanUp = () => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
};
process.on('exit', cleanUp);
const deadline = setTimeout(() => { console.error('error: the tracking page test took longer than 5 minutes'); process.exit(1); }, 300_000);
prepareZXingModule({ overrides: { wasmBinary: fs.readFileSync(path.join(web, 'node_modules/zxing-wasm/dist/reader/zxing_reader.wasm')) } });

const SCRIPTS = { th: [0x0e00, 0x0e7f], my: [0x1000, 0x109f], lo: [0x0e80, 0x0eff], km: [0x1780, 0x17ff] };
const LANGS = ['th', 'en', 'my', 'lo', 'km'];

try {
  // 1. A registry and its bank; an employer's application, unpaid.
  const reg = await startRegistryWithBank(dwp, path.join(tmp, 'data'), { DWP_WEB_DIR: path.join(web, 'dist') });
  children.push(reg.server, reg.bank);
  const call = async (method, url, token, body) => {
    const resp = await fetch(reg.base + url, {
      method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' }, body: body && JSON.stringify(body),
    });
    const data = await resp.json();
    assert.ok(resp.ok, `${method} ${url}: HTTP ${resp.status} ${JSON.stringify(data)}`);
    return data;
  };
  const employer = (await call('POST', '/v1/tokens', reg.admin, { role: 'employer', scope: '0215559001234' })).token;
  const sample = JSON.parse(fs.readFileSync(path.join(root, 'wallet-spec/examples/permit-sample.json'), 'utf8'));
  const app = await call('POST', '/v1/applications', employer, { ...sample, permitNumber: 'WP-2569-21-000301' });
  assert.equal(app.state, 'fee_pending');
  assert.ok(app.fee.qr?.startsWith('000201'), 'a Thai QR fee string');

  browser = await chromium.launch({ executablePath: browserPath, headless: true });
  // A phone set to Burmese opens the page in Burmese; any other, in Thai.
  const burmese = await browser.newPage({ locale: 'my-MM' });
  await burmese.goto(`${reg.base}/track/`);
  await burmese.waitForSelector('body[data-ready="true"]');
  assert.equal(await burmese.getAttribute('html', 'lang'), 'my', "the phone's language first");
  await burmese.close();
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, deviceScaleFactor: 1, locale: 'de-DE' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${reg.base}/track/`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'th', 'Thai by default');

  // The text a worker reads, of every language but English: in its script, and no English word in
  // it (the application number, "QR" and the due date's "UTC+7" are not words to translate).
  const mainText = () => page.evaluate(() => document.getElementById('main').innerText + '\n' + document.querySelector('footer').innerText);
  function ownScript(lang, text) {
    if (lang === 'en') return;
    const [a, b] = SCRIPTS[lang];
    assert.ok([...text].filter((c) => c.codePointAt(0) >= a && c.codePointAt(0) <= b).length > 20, `${lang}: written in its script`);
    const latin = text.replace(/DWP\d*/g, '').replace(/\bQR\b/g, '').replace(/\bUTC\b/g, '').match(/[A-Za-z]{2,}/g);
    assert.equal(latin, null, `${lang}: no English left (${latin})`);
    for (const [other, [x, y]] of Object.entries(SCRIPTS)) {
      if (other === lang) continue;
      assert.ok(![...text].some((c) => c.codePointAt(0) >= x && c.codePointAt(0) <= y), `${lang}: no ${other} script`);
    }
  }
  async function trackAs(lang, birth, { year } = {}) {
    await page.selectOption('#lang', lang);
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    await page.fill('#number', app.id.toLowerCase());
    await page.fill('#day', String(Number(birth.slice(8, 10))));
    await page.selectOption('#month', String(Number(birth.slice(5, 7))));
    await page.fill('#year', String(year ?? birth.slice(0, 4)));
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/track'));
    await page.click('#submit');
    const resp = await answered;
    assert.equal(resp.request().method(), 'POST');
    assert.deepEqual(JSON.parse(resp.request().postData()), { number: app.id, birthDate: birth }, 'the body holds the number and the birth date');
    await page.waitForFunction(() => !document.getElementById('submit').disabled);
    return resp.status();
  }

  // 2. A malformed number: refused by the registry (422), said in the reader's language.
  await page.selectOption('#lang', 'my');
  await page.fill('#number', 'DWP123');
  await page.click('#submit');
  await page.waitForSelector('#message:not([hidden])');
  assert.equal(await page.textContent('#message'), TRACK.my.err_number);

  // 3. Unpaid, in every language: the state, the last change, the next step, the fee and its QR.
  const readQr = async (png) => (await readBarcodes(new Blob([png]), { formats: ['QRCode'], tryHarder: true }))[0];
  const seen = {};
  for (const lang of LANGS) {
    // A Thai reader may type the Buddhist year (2537 is 1994).
    const status = await trackAs(lang, '1994-03-12', lang === 'th' ? { year: 2537 } : {});
    assert.equal(status, 200, `${lang}: tracked`);
    await page.waitForSelector('#state[data-state="fee_pending"]');
    await page.waitForSelector('#qr[data-qr]');
    assert.equal(await page.textContent('#state'), TRACK[lang].state_fee_pending, `${lang}: the state's label`);
    assert.ok(await page.isVisible('#qr'), `${lang}: the fee QR is shown`);
    assert.equal(await page.getAttribute('#qr', 'data-qr'), app.fee.qr);
    const decoded = await readQr(await page.locator('#qr').screenshot());
    assert.equal(decoded?.text, app.fee.qr, `${lang}: the QR code on the screen is the registry's fee string`);
    assert.equal(decoded.ecLevel, 'M', 'error correction M');
    const text = await mainText();
    ownScript(lang, text);
    seen[lang] = text;
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${lang}: no horizontal scrolling at 360 px (${width})`);
    await page.screenshot({ path: path.join(artifacts, `track-${lang}.png`), fullPage: true });
  }
  // The fonts of the four scripts, served by the page itself.
  const fonts = await page.evaluate(async () => Promise.all([['Noto Sans Myanmar', 'က'], ['Noto Sans Lao', 'ກ'], ['Noto Sans Khmer', 'ក'], ['Noto Sans Thai', 'ก']]
    .map(async ([family, sample]) => (await document.fonts.load(`16px "${family}"`, sample)).length === 1)));
  assert.deepEqual(fonts, [true, true, true, true], 'the self-hosted fonts load');

  // 4. Paid through the bank: the state is fee_paid, the payment date shown, no QR.
  await reg.pay(app.fee.qr);
  const until = Date.now() + 20_000;
  for (;;) {
    const now = await call('POST', '/v1/track', null, { number: app.id, birthDate: '1994-03-12' });
    if (now.state === 'fee_paid') break;
    assert.ok(Date.now() < until, `still ${now.state} 20 s after the payment`);
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const lang of LANGS) {
    assert.equal(await trackAs(lang, '1994-03-12'), 200);
    await page.waitForSelector('#state[data-state="fee_paid"]');
    assert.equal(await page.textContent('#state'), TRACK[lang].state_fee_paid);
    assert.ok(!(await page.isVisible('#qr')), `${lang}: no QR once paid`);
    assert.ok(await page.isVisible('#paid'), `${lang}: the payment's date`);
    ownScript(lang, await mainText());
    await page.screenshot({ path: path.join(artifacts, `track-${lang}-paid.png`), fullPage: true });
  }

  // 5. Ten wrong birth dates are each "not found"; the eleventh attempt is refused for an hour.
  await page.selectOption('#lang', 'km');
  for (let k = 1; k <= 10; k++) {
    assert.equal(await trackAs('km', `1990-01-${String(k).padStart(2, '0')}`), 404, `wrong answer ${k}`);
    assert.equal(await page.textContent('#message'), TRACK.km.err_not_found);
  }
  assert.equal(await trackAs('km', '1994-03-12'), 429, 'the right answer is not even checked now');
  assert.ok(await page.isHidden('#result'), 'no result shown');
  for (const lang of LANGS) {
    await page.selectOption('#lang', lang);
    assert.equal(await page.textContent('#message'), TRACK[lang].err_too_many, `${lang}: try again in an hour`);
    ownScript(lang, await mainText());
  }
  await page.selectOption('#lang', 'my');
  await page.screenshot({ path: path.join(artifacts, 'track-429-my.png'), fullPage: true });

  // Nothing the worker typed is in a URL or kept by the browser.
  assert.ok(!requests.some((u) => u.includes('1994') || u.includes(app.id)), 'no number or birth date in a URL');
  const kept = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!kept.includes(app.id) && !kept.includes('1994'), `nothing kept: ${kept}`);
  assert.deepEqual(errors, [], 'no error in the page');
  const sizes = JSON.parse(fs.readFileSync(path.join(web, 'dist/build.json'), 'utf8')).track;
  console.log(`track page: 5 languages unpaid (QR read back from the screen) and paid, 422 and 429 worded; track.js ${sizes.jsBytes} bytes (${sizes.jsGzipBytes} gzip); ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await browser?.close();
  cleanUp();
}
