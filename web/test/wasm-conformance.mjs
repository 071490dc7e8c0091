// The conformance vectors through the WASM build, compared vector by vector with the native build
// (`dwp conformance --json`): the browser runs the same verifier as the command line.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import os from 'node:os';
import { initSync, runVector, WasmEmployer, WasmVerifier, holderStep, holderToSign, holderAssemble } from '../build/pkg/dwp_verifier.js';
import { startRegistry } from './registry.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const dwp = process.env.DWP_BIN || path.join(root, 'target/debug/dwp');
const dir = path.join(root, 'wallet-spec/vectors');
initSync({ module: fs.readFileSync(path.join(root, 'web/build/pkg/dwp_verifier_bg.wasm')) });

const native = new Map(
  execFileSync(dwp, ['conformance', '--json', dir], { encoding: 'utf8' })
    .trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.id, r.actual]),
);
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'index.json').sort();
assert.ok(files.length >= 35, `vectors found: ${files.length}`);
let same = 0;
for (const f of files) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  const doc = JSON.parse(text);
  const wasm = JSON.parse(runVector(text));
  assert.deepEqual(wasm, native.get(doc.id), `${doc.id}: WASM and native differ`);
  assert.deepEqual(wasm, doc.expected, `${doc.id}: not the expected outcome`);
  same += 1;
}
console.log(`WASM conformance: ${same} of ${files.length} vectors give the native outcome`);

// One verdict document: the page's (WASM) and `dwp verify --json` agree field by field, for a valid
// and a revoked permit, and an unknown policy is an error, never another policy.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwp-verdict-'));
for (const id of ['valid', 'status-revoked', 'status-stale-inspector', 'holder-live', 'holder-outside-window', 'holder-missing', 'holder-transplanted']) {
  const { input, expected, root: rootKey } = JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8'));
  const bundleText = JSON.stringify(input.bundle);
  const bundleFile = path.join(tmp, `${id}.json`);
  fs.writeFileSync(bundleFile, bundleText);
  const verifier = new WasmVerifier(bundleText, rootKey ?? undefined);
  const now = Date.parse(input.now) / 1000;
  const page = JSON.parse(verifier.verify(input.payload, input.policy, now));
  let out;
  try {
    out = execFileSync(dwp, ['verify', '--bundle', bundleFile, '--policy', input.policy, '--now', input.now, '--json', input.payload], { encoding: 'utf8' });
  } catch (e) {
    out = e.stdout; // a rejection exits 1
  }
  const cli = JSON.parse(out);
  delete cli.rootPinned;
  assert.deepEqual(page, cli, `${id}: the page's verdict and the command line's differ`);
  assert.equal(page.reason, expected.reason, `${id}: the vector's reason`);
  assert.throws(() => verifier.verify(input.payload, 'inspektor', now), /unknown policy/);
}
// The employer vectors: the page's employer mode (`verifyForEmployer`) and `dwp verify --employer
// --province --estate --json` give one verdict document, `checkedFor` included.
const employerIds = files.map((f) => f.slice(0, -5)).filter((id) => id.startsWith('employer-'));
assert.ok(employerIds.includes('employer-other') && employerIds.includes('employer-other-province'), `employer vectors: ${employerIds}`);
for (const id of employerIds) {
  const { input, expected, root: rootKey } = JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8'));
  const bundleText = JSON.stringify(input.bundle);
  const bundleFile = path.join(tmp, `${id}.json`);
  fs.writeFileSync(bundleFile, bundleText);
  const e = input.employer;
  const employer = new WasmEmployer(e.juristicId, e.province ?? undefined, e.industrialEstate ?? undefined);
  const now = Date.parse(input.now) / 1000;
  const page = JSON.parse(new WasmVerifier(bundleText, rootKey).verifyForEmployer(input.payload, input.policy, now, 0, employer));
  const options = ['--employer', e.juristicId, ...(e.province ? ['--province', e.province] : []), ...(e.industrialEstate ? ['--estate', e.industrialEstate] : [])];
  let out;
  let status = 0;
  try {
    out = execFileSync(dwp, ['verify', '--bundle', bundleFile, '--root', rootKey, '--policy', input.policy, '--now', input.now, ...options, '--json', input.payload], { encoding: 'utf8' });
  } catch (err) {
    out = err.stdout; // a rejection exits 1
    status = err.status;
  }
  const cli = JSON.parse(out);
  delete cli.rootPinned;
  assert.deepEqual(page, cli, `${id}: the page's verdict and the command line's differ`);
  assert.equal(page.reason, expected.reason, `${id}: the vector's reason`);
  assert.equal(page.detail, expected.detail, `${id}: the vector's detail`);
  assert.equal(status, expected.valid ? 0 : 1, `${id}: the command line's exit code`);
  assert.deepEqual(page.checkedFor, { juristicId: e.juristicId, province: e.province ?? null, industrialEstate: e.industrialEstate ?? null }, `${id}: checkedFor`);
}
assert.throws(() => new WasmEmployer('0215559001235', undefined, undefined), /^Error: juristic_id: /);
assert.throws(() => new WasmEmployer('0215559001234', 'TH-99', undefined), /^Error: province: /);
assert.throws(() => new WasmEmployer('0215559001234', undefined, 'esie'), /^Error: industrial_estate: /);
fs.rmSync(tmp, { recursive: true, force: true });
console.log('one verdict document: the page and the command line agree on valid, revoked, stale and holder-bound permits');
console.log(`employer check: the page's employer mode and dwp verify --employer agree on ${employerIds.length} vectors`);

// A wallet with a WebCrypto Ed25519 key (SPEC §12): the bytes to sign and the presentation come from the
// WASM build, the signature from WebCrypto. With the RFC 8032 §7.1 TEST 1 key it rebuilds the holder-live
// vector byte for byte, and the page's verifier shows it live.
{
  const { input, root: rootKey } = JSON.parse(fs.readFileSync(path.join(dir, 'holder-live.json'), 'utf8'));
  const plain = JSON.parse(fs.readFileSync(path.join(dir, 'holder-missing.json'), 'utf8')).input.payload;
  const now = Date.parse(input.now) / 1000;
  const step = holderStep(now);
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'),
    Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')]);
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  const message = holderToSign(plain, step);
  assert.equal(message.length, 59);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, message));
  const shown = holderAssemble(plain, step, signature);
  assert.equal(shown, input.payload, 'the WebCrypto wallet rebuilds the holder-live vector');
  const page = JSON.parse(new WasmVerifier(JSON.stringify(input.bundle), rootKey).verify(shown, input.policy, now + 12));
  assert.equal(page.holder, 'live');
  assert.equal(page.holderProofAgeSeconds, 12);
  assert.throws(() => holderAssemble(plain, step, signature.slice(1)), /64 bytes/);
  assert.throws(() => holderToSign('DWP1:NOT-A-PERMIT', step));
  console.log('holder binding: a WebCrypto wallet builds the holder-live presentation; the page shows it live');
}

// One verdict document, online too: a registry issues a permit and revokes another; for each, its
// `POST /v1/verify`, the page's verifier (WASM) on the registry's bundle, `dwp verify --json` on the same
// bundle file, and the conformance runner (native and WASM) on a vector made of the same input agree.
{
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dwp-verdict-online-'));
  const data = path.join(work, 'data');
  const { base, admin, server } = await startRegistry(dwp, data);
  const call = async (method, url, token, body) => {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const resp = await fetch(base + url, { method, headers, body: body && JSON.stringify(body) });
    return { status: resp.status, body: await resp.json() };
  };
  try {
    const reg = (await call('POST', '/v1/tokens', admin, { role: 'registrar' })).body.token;
    const sample = JSON.parse(fs.readFileSync(path.join(root, 'wallet-spec/examples/permit-sample.json'), 'utf8'));
    const valid = (await call('POST', '/v1/permits', reg, { ...sample, permitNumber: 'WP-2569-21-000001' })).body;
    const revoked = (await call('POST', '/v1/permits', reg, { ...sample, permitNumber: 'WP-2569-21-000002' })).body;
    assert.equal((await call('POST', `/v1/permits/${revoked.id}/revoke`, reg, { reason: 'fraudulent application' })).status, 200);
    const rootKey = JSON.parse(fs.readFileSync(path.join(data, 'keys/root-public-key.json'), 'utf8'));
    const rootMultibase = rootKey.publicKeyMultibase;
    const rootFile = path.join(data, 'keys/root-public-key.json');
    for (const [name, permit, reason] of [['valid', valid, null], ['revoked', revoked, 'revoked']]) {
      const http = await call('POST', '/v1/verify', null, { payload: permit.payload, policy: 'immigration' });
      assert.equal(http.status, 200, `${name}: POST /v1/verify`);
      const doc = http.body;
      assert.equal(doc.reason, reason, `${name}: the registry's verdict`);
      const bundleText = JSON.stringify((await call('GET', '/v1/bundle')).body);
      const bundleFile = path.join(work, `${name}-bundle.json`);
      fs.writeFileSync(bundleFile, bundleText);
      const now = Date.parse(doc.checkedAt) / 1000;
      const page = JSON.parse(new WasmVerifier(bundleText, rootMultibase).verify(permit.payload, 'immigration', now));
      let out;
      try {
        out = execFileSync(dwp, ['verify', '--bundle', bundleFile, '--root', rootFile, '--policy', 'immigration', '--now', doc.checkedAt, '--json', permit.payload], { encoding: 'utf8' });
      } catch (e) {
        out = e.stdout; // a rejection exits 1
      }
      const cli = JSON.parse(out);
      assert.equal(cli.rootPinned, true, `${name}: the command line pinned the root`);
      assert.equal(doc.rootPinned, true, `${name}: the registry pinned its root`);
      delete cli.rootPinned;
      delete doc.rootPinned;
      assert.deepEqual(page, doc, `${name}: the page's verdict and the registry's differ`);
      assert.deepEqual(cli, doc, `${name}: the command line's verdict and the registry's differ`);
      const vectorDir = path.join(work, `${name}-vector`);
      fs.mkdirSync(vectorDir);
      const expected = { valid: doc.valid, reason: doc.reason, detail: doc.detail };
      const vector = {
        id: `online-${name}`, stage: 'status', description: 'A permit from a running registry.', root: rootMultibase,
        input: { payload: permit.payload, bundle: JSON.parse(bundleText), policy: 'immigration', now: doc.checkedAt },
        expected,
      };
      fs.writeFileSync(path.join(vectorDir, `online-${name}.json`), JSON.stringify(vector));
      fs.writeFileSync(path.join(vectorDir, 'index.json'), JSON.stringify({ format: 'dwp-conformance/1', root: rootMultibase, vectors: [{ id: vector.id, stage: vector.stage, expected }] }));
      const runner = JSON.parse(execFileSync(dwp, ['conformance', '--json', vectorDir], { encoding: 'utf8' }).trim());
      assert.deepEqual(runner.actual, expected, `${name}: the conformance runner's outcome`);
      assert.deepEqual(JSON.parse(runVector(JSON.stringify(vector))), expected, `${name}: the WASM conformance runner's outcome`);
    }
  } finally {
    server.kill('SIGTERM');
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log('one verdict document online: the registry, the page, the command line and both conformance runners agree on a valid and a revoked permit');
}
