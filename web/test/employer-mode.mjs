// The verifier page's employer mode in a real browser (Debian's Chromium driven by playwright-core), on
// the employer vectors of the conformance kit (wallet-spec/vectors/employer-*): a small server serves the
// built page and each vector's bundle; the page's clock is the vector's `now`. The company's juristic ID
// (and its province and estate) is typed once, kept on the device and shown on a bar of its own colour;
// each vector's permit is pasted and the page must give the vector's outcome: valid for its employer,
// other_employer and other_workplace in their own red-ish class, a forged, revoked or suspended permit its
// own verdict. The settings survive a reload, bad settings are refused with the field named, and the
// clear button brings back the plain check. Screenshots in web/test/artifacts/.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const web = path.resolve(import.meta.dirname, '..');
const root = path.resolve(web, '..');
const dist = path.join(web, 'dist');
const vectors = path.join(root, 'wallet-spec/vectors');
const artifacts = path.join(web, 'test/artifacts');
fs.mkdirSync(artifacts, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwp-employer-'));
const deadline = setTimeout(() => { console.error('error: the employer-mode test took longer than 5 minutes'); process.exit(1); }, 300_000);

const ids = fs.readdirSync(vectors).filter((f) => f.startsWith('employer-') && f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
assert.ok(ids.length >= 5, `employer vectors found: ${ids}`);
const load = (id) => JSON.parse(fs.readFileSync(path.join(vectors, `${id}.json`), 'utf8'));
const outcome = (expected) => (expected.valid ? 'valid' : expected.reason);
const TONES = { valid: 'valid', other_employer: 'other', other_workplace: 'other', suspended: 'warn' };

// One server; the bundle it serves is the one of the vector under test.
let bundle = Buffer.from('{}');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
  '.json': 'application/json', '.woff2': 'font/woff2', '.webmanifest': 'application/manifest+json' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/v1/bundle') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(bundle);
    return;
  }
  const rel = url.pathname.replace(/^\/verify\//, '') || 'index.html';
  const file = path.join(dist, rel);
  if (!url.pathname.startsWith('/verify/') || !file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' });
  res.end(fs.readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true });

// A fresh device holding the vector's bundle, its clock at the vector's `now`.
async function device(vector) {
  bundle = Buffer.from(JSON.stringify(vector.input.bundle));
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, serviceWorkers: 'block' });
  await context.clock.setFixedTime(new Date(vector.input.now));
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${base}/verify/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.selectOption('#lang', 'en');
  return { context, page };
}

async function setEmployer(page, e) {
  if (await page.isVisible('#employer-clear')) await page.click('#employer-clear');
  if ((await page.getAttribute('#employer-setup', 'open')) === null) await page.click('#employer-setup summary');
  await page.fill('#employer-id', e.juristicId ?? '');
  await page.fill('#employer-province', e.province ?? '');
  await page.fill('#employer-estate', e.industrialEstate ?? '');
  await page.click('#employer-form button[type="submit"]');
}

async function verdictOf(page, payload) {
  await page.evaluate(() => { document.getElementById('verdict').hidden = true; });
  await page.fill('#paste', payload);
  await page.click('#paste-form button[type="submit"]');
  await page.waitForSelector('#verdict:not([hidden])', { timeout: 10_000 });
  return {
    reason: await page.getAttribute('#verdict', 'data-reason'),
    classes: (await page.getAttribute('#verdict', 'class')).split(' '),
    title: await page.textContent('#verdict-title'),
  };
}

const seen = [];
try {
  // 1. The plain check, then refused settings, each naming its field.
  const first = load('employer-other');
  {
    const { context, page } = await device(first);
    assert.equal(await page.getAttribute('body', 'data-mode'), 'plain');
    assert.ok(await page.isHidden('#employer-bar'), 'no employer bar in the plain check');
    assert.equal((await verdictOf(page, first.input.payload)).reason, 'valid', 'the plain check ignores employers');
    for (const [settings, problem] of [
      [{ juristicId: '021555900123' }, 'juristic_id'],
      [{ juristicId: '0215559001235' }, 'juristic_id'],
      [{ juristicId: '0215559001234', province: 'TH-99' }, 'province'],
      [{ juristicId: '0215559001234', industrialEstate: 'E' }, 'industrial_estate'],
    ]) {
      await setEmployer(page, settings);
      assert.equal(await page.getAttribute('#employer-error', 'data-problem'), problem, `${JSON.stringify(settings)}: refused`);
      assert.ok((await page.textContent('#employer-error')).length > 10, 'the refusal is worded');
      assert.equal(await page.getAttribute('body', 'data-mode'), 'plain', 'refused settings leave the plain check');
      assert.equal(await page.evaluate(() => localStorage.getItem('dwp.employer')), null, 'nothing is kept');
    }
    await context.close();
  }

  // 2. Every employer vector, on a device holding its bundle.
  for (const id of ids) {
    const v = load(id);
    const want = outcome(v.expected);
    const { context, page } = await device(v);
    await setEmployer(page, v.input.employer);
    assert.equal(await page.getAttribute('body', 'data-mode'), 'employer', `${id}: employer mode on`);
    const bar = await page.textContent('#employer-mode');
    assert.ok(bar.startsWith('EMPLOYER MODE') && bar.includes(v.input.employer.juristicId), `${id}: the bar names the employer (${bar})`);
    const kept = JSON.parse(await page.evaluate(() => localStorage.getItem('dwp.employer')));
    assert.equal(kept.juristicId, v.input.employer.juristicId, `${id}: the settings are kept on the device`);
    const got = await verdictOf(page, v.input.payload);
    assert.equal(got.reason, want, `${id}: the page's verdict`);
    assert.ok(got.classes.includes(TONES[want] ?? 'bad'), `${id}: class ${TONES[want] ?? 'bad'} (${got.classes})`);
    if (want === 'other_employer') assert.equal(got.title, 'NOT FOR THIS EMPLOYER');
    if (want === 'other_workplace') assert.equal(got.title, 'NOT FOR THIS WORKPLACE');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${id}: no horizontal scrolling at 360 px (${width})`);
    await page.screenshot({ path: path.join(artifacts, `${id}-en.png`), fullPage: true });
    if (want.startsWith('other_')) {
      const titles = new Set();
      for (const lang of ['th', 'my', 'lo', 'km']) {
        await page.selectOption('#lang', lang);
        titles.add(await page.textContent('#verdict-title'));
        assert.ok(!(await page.textContent('#employer-mode')).startsWith('EMPLOYER'), `${id}: the bar in ${lang}`);
        await page.screenshot({ path: path.join(artifacts, `${id}-${lang}.png`), fullPage: true });
      }
      assert.equal(titles.size, 4, `${id}: a title of its own in each language`);
      await page.selectOption('#lang', 'en');
    }
    seen.push(`${id} ${want}`);
    if (id === 'employer-other') {
      // Kept across a reload; cleared by the button, after which the same permit is valid again.
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      assert.equal(await page.getAttribute('body', 'data-mode'), 'employer', 'employer mode survives a reload');
      assert.equal((await verdictOf(page, v.input.payload)).reason, 'other_employer', 'after the reload');
      await page.click('#employer-clear');
      assert.equal(await page.getAttribute('body', 'data-mode'), 'plain', 'cleared');
      assert.ok(await page.isHidden('#employer-bar'), 'the bar is gone');
      assert.equal(await page.evaluate(() => localStorage.getItem('dwp.employer')), null, 'the settings are gone');
      assert.equal((await verdictOf(page, v.input.payload)).reason, 'valid', 'the plain check again');
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  clearTimeout(deadline);
}
for (const line of seen) console.log(`employer mode: ${line}`);
console.log(`employer mode in the page: ${seen.length} vectors give the kit's outcome; kept across a reload, cleared by its button`);
