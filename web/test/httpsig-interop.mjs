// The exchange against an independent implementation of RFC 9421 (the npm `http-message-signatures`
// package, Node's own Ed25519): a partner agency's request signed by it is accepted by the registry,
// and the registry's signed answers — a disclosure and a refusal — verify with it, bound to the
// request's signature; a changed answer does not verify.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { httpbis } from 'http-message-signatures';
import { freePort, startRegistry } from './registry.mjs';

const dwp = process.env.DWP_BIN || 'target/debug/dwp';
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'dwp-httpsig-'));
const deadline = setTimeout(() => { console.error('error: the interop test took over 120 s'); process.exit(1); }, 120_000);
const port = await freePort();
const { base, admin, server } = await startRegistry(dwp, data, {}, { port });

// base58btc, for the multibase (z…) of an Ed25519 multikey (0xed 0x01 + the 32 bytes).
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes) {
  let n = BigInt('0x' + Buffer.from(bytes).toString('hex'));
  let out = '';
  while (n > 0n) { out = ALPHABET[Number(n % 58n)] + out; n /= 58n; }
  for (const b of bytes) { if (b === 0) out = '1' + out; else break; }
  return out;
}
function unbase58(s) {
  let n = 0n;
  for (const c of s) n = n * 58n + BigInt(ALPHABET.indexOf(c));
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Buffer.from(hex, 'hex');
}
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const raw = (publicKey) => publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI.length);
const fromRaw = (bytes) => crypto.createPublicKey({ key: Buffer.concat([SPKI, bytes]), format: 'der', type: 'spki' });

// The agency's key, registered by the administrator.
const agency = crypto.generateKeyPairSync('ed25519');
const multibase = 'z' + base58(Buffer.concat([Buffer.from([0xed, 0x01]), raw(agency.publicKey)]));
const registered = await fetch(`${base}/v1/partner-keys`, {
  method: 'POST',
  headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
  body: JSON.stringify({ keyId: 'ieat-node', agency: 'ieat', publicKeyMultibase: multibase, estates: ['ESIE'], purposes: ['stay-extension'], notAfter: '2031-01-01T00:00:00Z' }),
});
assert.equal(registered.status, 201, await registered.clone().text());
const answerKey = await (await fetch(`${base}/x/v1/keys`)).json();
const registryKey = fromRaw(unbase58(answerKey.publicKeyMultibase.slice(1)).subarray(2));

const digest = (body) => `sha-256=:${crypto.createHash('sha256').update(body).digest('base64')}:`;

// A signed GET, as an agency's own software would make it.
async function signedGet(pathAndQuery) {
  const request = {
    method: 'GET',
    url: `${base}${pathAndQuery}`,
    headers: { 'content-digest': digest(''), 'dwp-purpose': 'stay-extension', 'dwp-case': 'NODE-1', 'dwp-officer': 'node' },
  };
  const signed = await httpbis.signMessage({
    key: { id: 'ieat-node', alg: 'ed25519', sign: async (data) => crypto.sign(null, data, agency.privateKey) },
    name: 'sig1',
    params: ['created', 'expires', 'nonce', 'keyid', 'tag'],
    fields: ['@method', '@target-uri', 'content-digest', 'dwp-purpose', 'dwp-case', 'dwp-officer'],
    paramValues: { nonce: crypto.randomBytes(16).toString('base64url'), tag: 'dwp-exchange', expires: new Date(Date.now() + 120_000) },
  }, request);
  const resp = await fetch(signed.url, { headers: signed.headers });
  const body = Buffer.from(await resp.arrayBuffer());
  const headers = Object.fromEntries(resp.headers.entries());
  return { signed, answer: { status: resp.status, headers }, body };
}

// The registry's answer, verified by the independent implementation (its key looked up by keyid).
const verifyAnswer = (answer, request) => httpbis.verifyMessage({
  keyLookup: async (params) => (params.keyid === answerKey.keyId
    ? { id: answerKey.keyId, algs: ['ed25519'], verify: async (data, sig) => crypto.verify(null, data, registryKey, sig) }
    : null),
  // (the package compares names only; the regex below checks the request's signature is the one bound)
  requiredFields: ['@status', 'content-digest', 'signature'],
  requiredParams: ['created', 'keyid', 'tag'],
}, answer, request);

// 1. A disclosure: accepted, and its answer verifies and binds the request.
const ok = await signedGet('/x/v1/estates/ESIE/permits?passport=MH1234567&nationality=MMR');
assert.equal(ok.answer.status, 200, ok.body.toString());
assert.deepEqual(JSON.parse(ok.body), { permits: [] });
assert.equal(ok.answer.headers['content-digest'], digest(ok.body), 'the digest is of the body received');
assert.match(ok.answer.headers['signature-input'], /"signature";req;key="sig1"/);
assert.equal(await verifyAnswer(ok.answer, ok.signed), true, 'the answer verifies with http-message-signatures');

// 2. A refusal is signed too.
const refused = await signedGet('/x/v1/estates/AMATA/permits?passport=MH1234567&nationality=MMR');
assert.equal(refused.answer.status, 403);
assert.equal(JSON.parse(refused.body).code, 'exchange_estate_not_allowed');
assert.equal(await verifyAnswer(refused.answer, refused.signed), true, 'the refusal verifies');

// 3. Changed: another status, or the answer offered for another request, does not verify.
assert.notEqual(await verifyAnswer({ ...ok.answer, status: 201 }, ok.signed).catch(() => false), true, 'a changed status');
assert.notEqual(await verifyAnswer(ok.answer, refused.signed).catch(() => false), true, 'another request');

server.kill('SIGKILL');
clearTimeout(deadline);
fs.rmSync(data, { recursive: true, force: true });
console.log('httpsig interop: an http-message-signatures request accepted; 2 signed answers verified by it, 2 changed ones refused');
