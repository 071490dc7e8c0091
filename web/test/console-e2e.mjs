// The console in a real browser (Debian's Chromium driven by playwright-core) at desktop and tablet
// widths, against a running `dwp serve` with `dwp bank-sim` as its bank. Applications are submitted
// through the API by an employer and an officer, and two are paid through the bank; then, through
// the page: the officer submits a walk-in's application (the page shows back only its number, state
// and fee) and records an identity check; the registrar sees the queue, approves one application,
// suspends the permit it issued, is refused a rejection without a reason in the registry's words,
// and rejects another with a reason; the employer sees the fee QR of its unpaid application (read
// back from the screen). No text the officer is shown holds a worker's name, passport number or
// birth date. Screenshots of each role in Thai and English are saved in web/test/artifacts/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { CONSOLE } from '../console/i18n.js';
import { startRegistryWithBank } from './registry.mjs';

const web = path.resolve(import.meta.dirname, '..');
const root = path.resolve(web, '..');
const dwp = process.env.DWP_BIN || path.join(root, 'target/debug/dwp');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = path.join(web, 'test/artifacts');
fs.mkdirSync(artifacts, { recursive: true });
const started = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwp-console-e2e-'));
const children = [];
let browser = null;
let lastPage = null;
const cleanUp = () => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
};
process.on('exit', cleanUp);
const deadline = setTimeout(() => { console.error('error: the console test took longer than 5 minutes'); process.exit(1); }, 300_000);
prepareZXingModule({ overrides: { wasmBinary: fs.readFileSync(path.join(web, 'node_modules/zxing-wasm/dist/reader/zxing_reader.wasm')) } });

// What an officer must never be shown: the worker's name, passport number and birth date, in any form.
const PERSONAL = [/AUNG/i, /KYAW/i, /MH1234567/i, /1994/, /2537/, /12[./-]0?3[./-](94|1994)/];

try {
  // 1. A registry and its bank; a token of each desk; applications through the API.
  const reg = await startRegistryWithBank(dwp, path.join(tmp, 'data'), { DWP_WEB_DIR: path.join(web, 'dist') });
  children.push(reg.server, reg.bank);
  const call = async (method, url, token, body, headers = {}) => {
    const resp = await fetch(reg.base + url, {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: body && JSON.stringify(body),
    });
    const data = await resp.json();
    assert.ok(resp.ok, `${method} ${url}: HTTP ${resp.status} ${JSON.stringify(data)}`);
    return data;
  };
  const token = async (body) => (await call('POST', '/v1/tokens', reg.admin, body)).token;
  const tokens = {
    registrar: await token({ role: 'registrar' }),
    officer: await token({ role: 'officer' }),
    employer: await token({ role: 'employer', scope: '0215559001234' }),
  };
  const sample = JSON.parse(fs.readFileSync(path.join(root, 'wallet-spec/examples/permit-sample.json'), 'utf8'));
  const submit = (who, n) => call('POST', '/v1/applications', tokens[who], { ...sample, permitNumber: `WP-2569-21-000${n}` });
  const unpaid = await submit('employer', 401);
  const toApprove = await submit('employer', 402);
  const toReject = await submit('officer', 403);
  const stateOf = async (id) => (await call('GET', `/v1/applications/${id}`, tokens.officer)).state;
  async function waitFor(id, state) {
    const until = Date.now() + 20_000;
    while ((await stateOf(id)) !== state) {
      assert.ok(Date.now() < until, `${id} is not ${state} after 20 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  for (const a of [toApprove, toReject]) await reg.pay(a.fee.qr);
  await waitFor(toApprove.id, 'fee_paid');
  await waitFor(toReject.id, 'fee_paid');
  // Section 62 asks for an identity check before the decision: the one to approve has had it.
  await call('POST', `/v1/applications/${toApprove.id}/identity`, tokens.officer, { centre: 'SC-21-01', biometricMatch: 'BIO-7781', verifiedAt: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z') });

  // Documents, where the registry serves them: the employer attaches one (a PNG) to the application to approve.
  const png = Buffer.from(await (await fetch(`${reg.base}/v1/applications/${unpaid.id}/fee.png`, { headers: { authorization: `Bearer ${tokens.employer}` } })).arrayBuffer());
  const attach = await fetch(`${reg.base}/v1/applications/${toApprove.id}/documents`, {
    method: 'POST', headers: { authorization: `Bearer ${tokens.employer}`, 'content-type': 'image/png' }, body: png,
  });
  const documentsServed = attach.status !== 404 && attach.status !== 405;
  if (documentsServed) assert.equal(attach.status, 201, `a document attached: ${await attach.text()}`);

  // A permit of the employer's with 20 days left, where the registry lists an employer's renewals.
  const soon = new Date(Date.now() + 20.5 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const expiring = await call('POST', '/v1/permits', tokens.registrar, { ...sample, permitNumber: 'WP-2569-21-000499', validUntil: soon });
  const renewalsServed = (await fetch(`${reg.base}/v1/permits?expiringWithinDays=60`, {
    headers: { authorization: `Bearer ${tokens.employer}`, 'dwp-purpose': 'employment-check' },
  })).ok;

  browser = await chromium.launch({ executablePath: browserPath, headless: true });
  const errors = [];
  async function signIn(role, viewport) {
    const context = await browser.newContext({ viewport, locale: 'th-TH' });
    const page = await context.newPage();
    lastPage = page;
    page.on('pageerror', (e) => errors.push(`${role}: ${e.message}`));
    await page.goto(`${reg.base}/console/`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.getAttribute('html', 'lang'), 'th', 'Thai by default');
    await page.selectOption('#role', role);
    await page.fill('#token', tokens[role]);
    await page.click('#sign-in button[type="submit"]');
    await page.waitForSelector(`body[data-role="${role}"][data-busy="false"]`);
    const kept = await page.evaluate(() => ({ local: JSON.stringify({ ...localStorage }), url: location.href }));
    assert.ok(!kept.local.includes(tokens[role]) && !kept.url.includes(tokens[role]), 'the token is in sessionStorage only');
    return { context, page };
  }
  const idle = (page) => page.waitForSelector('body[data-busy="false"]');
  const tab = async (page, view) => { await page.click(`#tabs button[data-view="${view}"]`); await idle(page); };
  const open = async (page, id) => {
    await tab(page, 'open');
    await page.fill('#open-number', id);
    await page.click('#view form button[type="submit"]');
    await page.waitForSelector(`#application[data-id="${id}"]`);
    await idle(page);
  };
  const act = async (page, action, fill = {}) => {
    const form = `#actions form[data-action="${action}"]`;
    for (const [sel, value] of Object.entries(fill)) {
      if (sel === 'select') await page.selectOption(`${form} select`, value);
      else await page.fill(`${form} ${sel}`, value);
    }
    await page.click(`${form} button[type="submit"]`);
  };
  const english = async (page) => { await page.selectOption('#lang', 'en'); await idle(page); assert.equal(await page.getAttribute('html', 'lang'), 'en'); };

  // 2. The officer (tablet width): the queue, a walk-in's application, an identity check, one application.
  {
    const { context, page } = await signIn('officer', { width: 1024, height: 900 });
    const texts = [];
    const seen = async () => texts.push(await page.evaluate(() => document.body.innerText));
    await page.waitForSelector('#queue');
    assert.ok(await page.isVisible(`#queue tr[data-id="${toReject.id}"]`), 'the queue lists the applications');
    await seen();
    await tab(page, 'intake');
    await page.fill('#intake-json', JSON.stringify({ ...sample, permitNumber: 'WP-2569-21-000404' }));
    await page.click('#intake button[type="submit"]');
    await page.waitForSelector('#submitted img');
    const walkIn = await page.getAttribute('#submitted', 'data-id');
    assert.match(walkIn, /^DWP\d{11}$/);
    assert.equal(await page.inputValue('#intake-json'), '', 'what was typed is cleared');
    assert.equal(await stateOf(walkIn), 'fee_pending');
    await seen();
    await page.screenshot({ path: path.join(artifacts, 'console-officer-th.png'), fullPage: true });
    await tab(page, 'identity');
    await page.fill('#identity-number', toReject.id);
    await page.fill('#identity-form input[name="centre"]', 'SC-21-01');
    await page.fill('#identity-form input[name="biometricMatch"]', 'BIO-7781');
    await page.click('#identity-form button[type="submit"]');
    await page.waitForSelector('#notice:not([hidden])');
    assert.equal(await page.textContent('#notice'), CONSOLE.th.done_identity.replace('{number}', toReject.id));
    assert.equal(await stateOf(toReject.id), 'identity_verified', 'the identity check is recorded');
    await seen();
    await open(page, toReject.id);
    assert.equal(await page.textContent('#application-state'), CONSOLE.th.state_identity_verified);
    await seen();
    await english(page);
    await open(page, walkIn);
    assert.ok(await page.isVisible('#fee img'), "the walk-in's fee QR to pay");
    await seen();
    await page.screenshot({ path: path.join(artifacts, 'console-officer-en.png'), fullPage: true });
    for (const [i, text] of texts.entries()) {
      for (const p of PERSONAL) assert.doesNotMatch(text, p, `officer view ${i + 1} shows no personal data`);
    }
    await context.close();
    console.log(`officer: ${texts.length} views, no name, passport number or birth date; walk-in ${walkIn} submitted; identity of ${toReject.id} recorded`);
  }

  // 3. The registrar (desktop): the queue, an approval, the permit suspended, a refused and a real rejection.
  {
    const { context, page } = await signIn('registrar', { width: 1366, height: 900 });
    await page.waitForSelector('#queue');
    for (const a of [toApprove, toReject]) assert.ok(await page.isVisible(`#queue tr[data-id="${a.id}"]`), `${a.id} in the queue`);
    assert.ok(!(await page.isVisible(`#queue tr[data-id="${unpaid.id}"]`)), 'an unpaid application is not in the queue');
    await page.screenshot({ path: path.join(artifacts, 'console-registrar-th.png'), fullPage: true });
    await page.click(`#queue tr[data-id="${toApprove.id}"] button`);
    await page.waitForSelector(`#application[data-id="${toApprove.id}"]`);
    await idle(page);
    assert.match(await page.textContent('#permit-data'), /AUNG KYAW MIN/, 'the registrar reads the data');
    if (documentsServed) {
      assert.equal(await page.locator('#documents tbody tr').count(), 1, 'the document is listed');
      const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#documents tbody button')]);
      await popup.close();
    } else {
      assert.equal(await page.textContent('#documents p'), CONSOLE.th.documentsUnavailable);
    }
    await act(page, 'approve', { textarea: 'documents and identity in order' });
    await page.waitForSelector('#permit form[data-action="suspend"]');
    const issued = await call('GET', `/v1/applications/${toApprove.id}`, tokens.officer);
    assert.equal(issued.state, 'issued');
    assert.match(await page.textContent('#notice'), new RegExp(issued.permitId));
    await page.fill('#permit form[data-action="suspend"] textarea', 'under inquiry');
    await page.click('#permit form[data-action="suspend"] button');
    await page.waitForSelector('#notice:not([hidden])');
    await idle(page);
    const permit = await call('GET', `/v1/permits/${issued.permitId}`, tokens.registrar, undefined, { 'dwp-purpose': 'issuance' });
    assert.equal(permit.state ?? permit.status, 'suspended', `the permit is suspended (${JSON.stringify(permit).slice(0, 120)})`);
    await open(page, toReject.id);
    await act(page, 'reject');
    await page.waitForSelector('#problem:not([hidden])');
    const refusal = await page.innerText('#problem');
    assert.ok(refusal.length > 5, `the registry's refusal is shown (${refusal})`);
    assert.equal(await stateOf(toReject.id), 'identity_verified', 'not rejected without a reason');
    await act(page, 'reject', { textarea: 'the passport copy is unreadable', select: 'documents_incomplete' });
    await page.waitForSelector('#application-state');
    await page.waitForFunction((id) => document.getElementById('application')?.dataset.state === 'rejected', toReject.id);
    assert.equal(await stateOf(toReject.id), 'rejected');
    await english(page);
    await page.waitForSelector(`#application[data-state="rejected"]`);
    assert.equal(await page.textContent('#application-state'), CONSOLE.en.state_rejected);
    await page.screenshot({ path: path.join(artifacts, 'console-registrar-en.png'), fullPage: true });
    await context.close();
    console.log(`registrar: ${toApprove.id} approved (permit ${issued.permitId}, then suspended); rejection refused without a reason ("${refusal.replace(/\s+/g, ' ').trim().slice(0, 90)}"), ${toReject.id} rejected`);
  }

  // 4. The employer (tablet width): its applications with the unpaid one's fee QR, its renewals.
  {
    const { context, page } = await signIn('employer', { width: 1024, height: 900 });
    await page.waitForSelector(`#queue tr[data-id="${unpaid.id}"] img`);
    const png = await page.locator(`#queue tr[data-id="${unpaid.id}"] img`).screenshot();
    const decoded = (await readBarcodes(new Blob([png]), { formats: ['QRCode'], tryHarder: true }))[0];
    assert.equal(decoded?.text, unpaid.fee.qr, "the fee QR on the screen is the registry's bill");
    await page.screenshot({ path: path.join(artifacts, 'console-employer-th.png'), fullPage: true });
    // A document attached through the page, where the registry takes them.
    if (documentsServed) {
      await page.click(`#queue tr[data-id="${unpaid.id}"] button`);
      await page.waitForSelector('#documents input[type="file"]');
      await page.setInputFiles('#documents input[type="file"]', { name: 'passport.png', mimeType: 'image/png', buffer: png });
      await page.click('#documents button[type="submit"]');
      await page.waitForSelector('#notice:not([hidden])');
      await page.waitForSelector('#documents tbody tr');
      assert.equal(await page.textContent('#notice'), CONSOLE.th.uploaded);
    }
    // A new application through the form's fields (not pasted JSON).
    await tab(page, 'intake');
    const fields = {
      permitNumber: 'WP-2569-21-000405', 'worker.name': sample.worker.name, 'worker.nationality': 'MMR', 'worker.birthDate': '1994-03-12',
      'worker.document.number': 'MH7654321', 'worker.document.country': 'MMR', 'employer.juristicId': sample.employer.juristicId,
      'employer.name': sample.employer.name, 'workplace.province': 'TH-21', 'occupation.isco08': '7233', issuingOffice: 'DOE-21',
      validFrom: sample.validFrom, validUntil: sample.validUntil,
    };
    for (const [name, value] of Object.entries(fields)) await page.fill(`#intake [name="${name}"]`, value);
    await page.selectOption('#intake [name="category"]', 'section62');
    await page.selectOption('#intake [name="worker.document.type"]', 'passport');
    await page.click('#intake button[type="submit"]');
    await page.waitForSelector('#submitted img');
    const own = await page.getAttribute('#submitted', 'data-id');
    assert.equal(await stateOf(own), 'fee_pending', 'the employer submitted through the page');
    assert.equal(await page.inputValue('#intake [name="worker.name"]'), '', 'the form is cleared');
    await tab(page, 'renewals');
    await page.waitForSelector('#renewals');
    const renewals = await page.textContent('#renewals');
    if (renewalsServed) assert.ok(renewals.includes('WP-2569-21-000499'), `the permit due for renewal is listed (${renewals})`);
    else assert.ok(renewals.includes(CONSOLE.th.renewalsUnavailable), 'the page says the registry does not list renewals');
    assert.ok(expiring.id);
    await tab(page, 'mine');
    await english(page);
    await page.waitForSelector(`#queue tr[data-id="${unpaid.id}"] img`);
    assert.ok((await page.textContent('#queue')).includes(CONSOLE.en.state_fee_pending));
    await page.screenshot({ path: path.join(artifacts, 'console-employer-en.png'), fullPage: true });
    await context.close();
    console.log(`employer: fee QR of ${unpaid.id} read back from the screen; ${own} submitted through the form; documents: ${documentsServed ? 'one attached through the page' : 'not served by this registry yet'}; renewals: ${renewalsServed ? 'the permit due within 60 days listed' : 'not served by this registry yet'}`);
  }
  assert.deepEqual(errors, [], 'no error in the page');
  const sizes = JSON.parse(fs.readFileSync(path.join(web, 'dist/build.json'), 'utf8')).console;
  console.log(`console: console.js ${sizes.jsBytes} bytes (${sizes.jsGzipBytes} gzip); ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(e);
  // The page as it was when the test failed.
  await lastPage?.screenshot({ path: path.join(artifacts, 'console-failure.png'), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await browser?.close();
  cleanUp();
}
