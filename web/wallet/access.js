// The worker's access log: who read their permit's data, and why. The request is signed (RFC 9421,
// tag `dwp-holder`) with the wallet's holder key, whose did:key is the permit's credentialSubject.id:
// no account, no password — only this phone's key can ask.
const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

// The signature fields of a GET of `url` signed by `keyPair` as `did`, at `nowMs`.
export async function holderSignature(crypto, keyPair, did, url, nowMs) {
  const created = Math.floor(nowMs / 1000);
  const nonce = b64(crypto.getRandomValues(new Uint8Array(18))).replace(/[+/=]/g, (c) => ({ '+': '-', '/': '_', '=': '' })[c]);
  const params = `("@method" "@target-uri");created=${created};expires=${created + 60};nonce="${nonce}";keyid="${did}";tag="dwp-holder"`;
  const base = `"@method": GET\n"@target-uri": ${url}\n"@signature-params": ${params}`;
  const signature = await crypto.subtle.sign('Ed25519', keyPair.privateKey, new TextEncoder().encode(base));
  return { 'signature-input': `me=${params}`, signature: `me=:${b64(signature)}:` };
}

// The reads of the worker's permits (oldest first), or throws an Error whose message is a code:
// `network`, `unknown` (no permit bound to this key), `refused`.
export async function accessLog({ fetch, crypto, now }, keyPair, did, origin) {
  const url = `${origin}/v1/me/access-log`;
  let resp;
  try {
    resp = await fetch(url, { headers: await holderSignature(crypto, keyPair, did, url, now()), cache: 'no-store' });
  } catch (_) {
    throw new Error('network');
  }
  if (resp.status === 404) throw new Error('unknown');
  if (!resp.ok) throw new Error('refused');
  const body = await resp.json();
  return Array.isArray(body.reads) ? body.reads : [];
}
