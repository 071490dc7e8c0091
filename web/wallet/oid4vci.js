// The wallet's OpenID for Verifiable Credential Issuance 1.0 client, pre-authorized code flow, and its
// device key. Every name of the protocol and of the registry's answer is in NAMES, so that the client
// and the registry are aligned in one place. `fetch` and `crypto` are passed in: the same code runs in
// the page and in node's tests.

export const NAMES = {
  offerUriParam: 'credential_offer_uri',
  offerParam: 'credential_offer',
  grant: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
  preAuthorizedCode: 'pre-authorized_code',
  txCode: 'tx_code',
  issuerMetadata: '/.well-known/openid-credential-issuer',
  authorizationServerMetadata: '/.well-known/oauth-authorization-server',
  credentialConfigurationId: 'DWP_WorkPermit_v1',
  proofType: 'jwt',
  proofJwtType: 'openid4vci-proof+jwt',
  proofAlgorithm: 'EdDSA',
  payload: 'dwp_payload',
  payloadPrefix: 'DWP1:',
};

// Why receiving failed, as a code the page words in the worker's language (never the server's text).
export class ReceiveError extends Error {
  constructor(code, detail) {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
  }
}

const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const textB64url = (s) => b64url(new TextEncoder().encode(s));

// A non-extractable Ed25519 key pair, or null where the browser has no Ed25519 in WebCrypto.
export async function generateDeviceKey(crypto) {
  try {
    return await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  } catch (_) {
    return null;
  }
}

// The public key as a JWK `{kty: "OKP", crv: "Ed25519", x}` (the public half is always exportable).
export async function publicJwk(crypto, publicKey) {
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', publicKey));
  return { kty: 'OKP', crv: 'Ed25519', x: b64url(raw) };
}

// The key proof of OpenID4VCI 1.0 (appendix F.1): a JWT of type openid4vci-proof+jwt, EdDSA, with the
// device's public key in its header, the credential issuer as audience and the issuer's nonce.
export async function proofJwt(crypto, keyPair, { audience, nonce, issuedAt }) {
  const header = { typ: NAMES.proofJwtType, alg: 'EdDSA', jwk: await publicJwk(crypto, keyPair.publicKey) };
  const claims = { aud: audience, iat: issuedAt, nonce };
  const input = `${textB64url(JSON.stringify(header))}.${textB64url(JSON.stringify(claims))}`;
  const signature = await crypto.subtle.sign('Ed25519', keyPair.privateKey, new TextEncoder().encode(input));
  return `${input}.${b64url(new Uint8Array(signature))}`;
}

// The offer's address from what the worker scanned or pasted: an `openid-credential-offer://` link or a
// link to this page carrying `credential_offer_uri` (or an inline `credential_offer`).
export function parseOfferLink(text) {
  let url;
  try {
    url = new URL(String(text).trim());
  } catch (_) {
    throw new ReceiveError('offer_link');
  }
  const uri = url.searchParams.get(NAMES.offerUriParam);
  if (uri) {
    if (!/^https?:\/\//.test(uri)) throw new ReceiveError('offer_link');
    return { uri };
  }
  const inline = url.searchParams.get(NAMES.offerParam);
  if (inline) {
    try {
      return { offer: JSON.parse(inline) };
    } catch (_) {
      throw new ReceiveError('offer_link');
    }
  }
  throw new ReceiveError('offer_link');
}

async function json(fetch, step, url, init) {
  let resp;
  try {
    resp = await fetch(url, init);
  } catch (_) {
    throw new ReceiveError('network', step);
  }
  if (!resp.ok) throw new ReceiveError(resp.status === 400 || resp.status === 401 ? 'refused' : 'server', `${step} HTTP ${resp.status}`);
  try {
    return await resp.json();
  } catch (_) {
    throw new ReceiveError('server', `${step} answer is not JSON`);
  }
}

const stripSlash = (s) => s.replace(/\/+$/, '');

// The whole flow: offer → issuer metadata (which names the authorization server) → its metadata →
// token (pre-authorized code and tx_code) → nonce → credential with the key proof, in the 1.0 final
// shape `proofs: {jwt: [one JWT]}`. Every endpoint is read from the metadata, none is guessed; the
// metadata must be the offer's issuer's and must offer the permit's configuration with EdDSA jwt
// proofs. Returns `{credential, payload}`: the W3C credential and its `DWP1:` QR payload.
export async function receive({ fetch, crypto, now }, link, txCode, keyPair) {
  const where = parseOfferLink(link);
  const offer = where.offer ?? (await json(fetch, 'offer', where.uri, { headers: { accept: 'application/json' } }));
  const issuer = offer?.credential_issuer;
  const grant = offer?.grants?.[NAMES.grant];
  const code = grant?.[NAMES.preAuthorizedCode];
  if (typeof issuer !== 'string' || !/^https?:\/\//.test(issuer) || typeof code !== 'string') throw new ReceiveError('offer');
  if (!offer.credential_configuration_ids?.includes?.(NAMES.credentialConfigurationId)) throw new ReceiveError('offer');
  if (grant[NAMES.txCode] && !txCode) throw new ReceiveError('tx_code_missing');
  const base = stripSlash(issuer);
  const meta = await json(fetch, 'issuer metadata', base + NAMES.issuerMetadata, { headers: { accept: 'application/json' } });
  if (stripSlash(String(meta?.credential_issuer)) !== base) throw new ReceiveError('server', 'metadata of another issuer');
  const config = meta.credential_configurations_supported?.[NAMES.credentialConfigurationId];
  const algs = config?.proof_types_supported?.[NAMES.proofType]?.proof_signing_alg_values_supported;
  if (!Array.isArray(algs) || !algs.includes(NAMES.proofAlgorithm)) throw new ReceiveError('server', 'no EdDSA jwt proof');
  // The authorization server is the issuer itself unless the metadata names one (the first).
  const asBase = stripSlash(meta.authorization_servers?.[0] ?? issuer);
  const as = await json(fetch, 'authorization server metadata', asBase + NAMES.authorizationServerMetadata, { headers: { accept: 'application/json' } });
  for (const [doc, field] of [[meta, 'credential_endpoint'], [meta, 'nonce_endpoint'], [as, 'token_endpoint']]) {
    if (typeof doc?.[field] !== 'string') throw new ReceiveError('server', `no ${field}`);
  }
  const form = new URLSearchParams({ grant_type: NAMES.grant, [NAMES.preAuthorizedCode]: code });
  if (txCode) form.set(NAMES.txCode, txCode);
  const token = await json(fetch, 'token', as.token_endpoint, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(),
  });
  if (typeof token?.access_token !== 'string') throw new ReceiveError('server', 'no access_token');
  const { c_nonce: nonce } = await json(fetch, 'nonce', meta.nonce_endpoint, { method: 'POST' });
  if (typeof nonce !== 'string') throw new ReceiveError('server', 'no c_nonce');
  const jwt = await proofJwt(crypto, keyPair, { audience: issuer, nonce, issuedAt: Math.floor(now() / 1000) });
  const answer = await json(fetch, 'credential', meta.credential_endpoint, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ credential_configuration_id: NAMES.credentialConfigurationId, proofs: { [NAMES.proofType]: [jwt] } }),
  });
  const credential = answer?.credentials?.[0]?.credential;
  const payload = answer?.[NAMES.payload];
  if (!credential || typeof payload !== 'string' || !payload.startsWith(NAMES.payloadPrefix)) throw new ReceiveError('server', 'no credential');
  return { credential, payload };
}
