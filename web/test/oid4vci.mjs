// The wallet's OpenID4VCI client in node, against a registry double on loopback
// (issuer-double.mjs) that speaks the shapes of the pre-authorized code flow: the key proof is a JWT signed with a non-extractable
// WebCrypto Ed25519 key and verified here with node's WebCrypto; each request's form and body are
// checked; refusals come back as the wallet's error codes.
import assert from 'node:assert/strict';
import { webcrypto as crypto } from 'node:crypto';
import { ReceiveError, generateDeviceKey, parseOfferLink, proofJwt, receive } from '../wallet/oid4vci.js';
import { decodeJwt, startIssuerDouble, verifyJwt } from './issuer-double.mjs';

const fromB64url = (s) => Buffer.from(s, 'base64url');

// 1. The proof JWT on its own.
const keys = await generateDeviceKey(crypto);
assert.ok(keys, 'node has Ed25519 in WebCrypto');
assert.equal(keys.privateKey.extractable, false, 'the private key is not extractable');
await assert.rejects(crypto.subtle.exportKey('pkcs8', keys.privateKey), 'the private key cannot be exported');
const jwt = await proofJwt(crypto, keys, { audience: 'https://registry.test', nonce: 'n-123', issuedAt: 1_795_000_000 });
const checked = await verifyJwt(jwt);
assert.ok(checked.ok, 'the proof verifies with the public key of its header');
assert.deepEqual(Object.keys(checked.header).sort(), ['alg', 'jwk', 'typ']);
assert.equal(checked.header.typ, 'openid4vci-proof+jwt');
assert.equal(checked.header.alg, 'EdDSA');
assert.equal(checked.header.jwk.kty, 'OKP');
assert.equal(checked.header.jwk.crv, 'Ed25519');
assert.equal(fromB64url(checked.header.jwk.x).length, 32);
assert.deepEqual(checked.claims, { aud: 'https://registry.test', iat: 1_795_000_000, nonce: 'n-123' });
const tampered = jwt.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ aud: 'https://registry.test', iat: 1, nonce: 'n-123' })).toString('base64url')}.`);
assert.equal((await verifyJwt(tampered)).ok, false, 'a changed claim does not verify');

// 2. Offer links.
assert.deepEqual(parseOfferLink('openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fr.test%2Fo%2F1'), { uri: 'https://r.test/o/1' });
assert.deepEqual(parseOfferLink('https://r.test/wallet/?credential_offer_uri=https%3A%2F%2Fr.test%2Fo%2F1'), { uri: 'https://r.test/o/1' });
for (const bad of ['', 'hello', 'https://r.test/wallet/', 'openid-credential-offer://?credential_offer_uri=javascript%3Aalert(1)']) {
  assert.throws(() => parseOfferLink(bad), (e) => e instanceof ReceiveError && e.code === 'offer_link', JSON.stringify(bad));
}

// 3. The flow against a registry double.
const PAYLOAD = 'DWP1:6BF-TEST';
const double = await startIssuerDouble({ payload: PAYLOAD, txCode: '493817' });
const { base, seen, link } = double;
const env = { fetch, crypto, now: () => 1_795_000_000_000 };

const got = await receive(env, link, '493817', keys);
assert.equal(got.payload, PAYLOAD);
assert.deepEqual(got.credential.type, ['VerifiableCredential', 'WorkPermitCredential']);
assert.deepEqual(seen.map((r) => `${r.method} ${r.url}`), [
  'GET /offers/abc', 'GET /.well-known/openid-credential-issuer', 'GET /.well-known/oauth-authorization-server',
  'POST /oid4vci/token', 'POST /oid4vci/nonce', 'POST /oid4vci/credential',
]);
assert.equal(seen[3].headers['content-type'], 'application/x-www-form-urlencoded');
const credentialRequest = JSON.parse(seen[5].body);
assert.deepEqual(Object.keys(credentialRequest).sort(), ['credential_configuration_id', 'proofs'], 'the 1.0 final request shape');
assert.deepEqual(Object.keys(credentialRequest.proofs), ['jwt']);
assert.equal(credentialRequest.proofs.jwt.length, 1, 'one key proof');
const sent = decodeJwt(credentialRequest.proofs.jwt[0]);
assert.equal(sent.claims.iat, 1_795_000_000, 'iat is the time passed in, in seconds');
assert.equal(sent.claims.aud, base);

const code = async (promise) => { try { await promise; return 'no error'; } catch (e) { return e instanceof ReceiveError ? e.code : e; } };
assert.equal(await code(receive(env, link, '000000', keys)), 'refused', 'a wrong tx_code');
assert.equal(await code(receive(env, link, '', keys)), 'tx_code_missing', 'the offer asks for a tx_code');
assert.equal(await code(receive(env, `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${base}/offers/none`)}`, '1', keys)), 'server');
await double.close();
assert.equal(await code(receive(env, link, '493817', keys)), 'network', 'the registry is unreachable');
// Metadata that names another issuer than the offer's is refused before any code is sent.
const other = await startIssuerDouble({ payload: PAYLOAD, txCode: '493817', metadataIssuer: 'https://elsewhere.test' });
assert.equal(await code(receive(env, other.link, '493817', keys)), 'server', 'metadata of another issuer');
assert.deepEqual(other.seen.map((r) => r.url), ['/offers/abc', '/.well-known/openid-credential-issuer'], 'no token request after it');
await other.close();
console.log(`oid4vci: proof JWT verified by node's WebCrypto; the pre-authorized code flow in 6 requests, proofs.jwt; refusals named`);
