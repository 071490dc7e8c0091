// A stand-in for the registry's OpenID4VCI issuer on loopback, speaking the shapes of the registry's
// pre-authorized code flow (src/registry/routes/oid4vci/: offer, both metadata documents, token,
// nonce, credential with `proofs: {jwt: [one JWT]}`) and checking what the wallet sends: the form of
// the token request, the bearer token, and the key proof JWT (verified with node's WebCrypto). Answers with CORS headers, so that a wallet page served from another port can call it.
import http from 'node:http';
import { webcrypto as crypto } from 'node:crypto';

export const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const fromB64url = (s) => Buffer.from(s, 'base64url');

export function decodeJwt(jwt) {
  const [h, c, s] = jwt.split('.');
  return { header: JSON.parse(fromB64url(h)), claims: JSON.parse(fromB64url(c)), input: `${h}.${c}`, signature: fromB64url(s) };
}

export async function verifyJwt(jwt) {
  const { header, claims, input, signature } = decodeJwt(jwt);
  const key = await crypto.subtle.importKey('jwk', header.jwk, { name: 'Ed25519' }, false, ['verify']);
  const ok = await crypto.subtle.verify('Ed25519', key, signature, new TextEncoder().encode(input));
  return { ok, header, claims };
}

// Starts the double; `seen` lists every request, `proofs` every verified key proof.
// `metadataIssuer` makes the issuer metadata name another issuer than the offer's (a wallet refuses it).
export async function startIssuerDouble({ payload, txCode, credential = { type: ['VerifiableCredential', 'WorkPermitCredential'] }, metadataIssuer }) {
  const seen = [];
  const proofs = [];
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization, content-type', 'access-control-allow-methods': 'GET, POST' };
    if (req.method === 'OPTIONS') { res.writeHead(204, cors); return res.end(); }
    seen.push({ method: req.method, url: req.url, headers: req.headers, body });
    const send = (status, doc) => { res.writeHead(status, { ...cors, 'content-type': 'application/json' }); res.end(JSON.stringify(doc)); };
    const issuer = `http://127.0.0.1:${server.address().port}`;
    if (req.url === '/offers/abc') {
      return send(200, { credential_issuer: issuer, credential_configuration_ids: ['DWP_WorkPermit_v1'],
        grants: { [GRANT]: { 'pre-authorized_code': 'pac-1', tx_code: { input_mode: 'numeric', length: 6 } } } });
    }
    if (req.url === '/.well-known/openid-credential-issuer') {
      return send(200, {
        credential_issuer: metadataIssuer ?? issuer, credential_endpoint: `${issuer}/oid4vci/credential`, nonce_endpoint: `${issuer}/oid4vci/nonce`,
        credential_configurations_supported: { DWP_WorkPermit_v1: { format: 'ldp_vc', proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA'] } } } },
      });
    }
    if (req.url === '/.well-known/oauth-authorization-server') return send(200, { issuer, token_endpoint: `${issuer}/oid4vci/token` });
    if (req.url === '/oid4vci/token' && req.method === 'POST') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== GRANT || form.get('pre-authorized_code') !== 'pac-1' || form.get('tx_code') !== txCode) {
        return send(400, { error: 'invalid_grant' });
      }
      return send(200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 300 });
    }
    if (req.url === '/oid4vci/nonce' && req.method === 'POST') return send(200, { c_nonce: 'nonce-7' });
    if (req.url === '/oid4vci/credential' && req.method === 'POST') {
      if (req.headers.authorization !== 'Bearer at-1') return send(401, { error: 'invalid_token' });
      const doc = JSON.parse(body);
      // As the registry: exactly one JWT in `proofs.jwt` (1.0 final), or the earlier drafts' `proof`.
      const jwts = doc.proofs ? doc.proofs.jwt : doc.proof?.proof_type === 'jwt' && [doc.proof.jwt];
      if (!Array.isArray(jwts) || jwts.length !== 1 || (doc.proofs && doc.proof)) return send(400, { error: 'invalid_proof' });
      const proof = await verifyJwt(jwts[0]);
      if (doc.credential_configuration_id !== 'DWP_WorkPermit_v1' || !proof.ok
        || proof.claims.nonce !== 'nonce-7' || proof.claims.aud !== issuer) return send(400, { error: 'invalid_proof' });
      proofs.push(proof);
      return send(200, { credentials: [{ credential }], dwp_payload: payload });
    }
    send(404, { error: 'not_found' });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base, seen, proofs,
    link: `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${base}/offers/abc`)}`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
