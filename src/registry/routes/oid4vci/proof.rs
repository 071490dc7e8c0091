//! The key proof of a credential request (OpenID4VCI 1.0 §8.2.1.1, Appendix
//! F.1): a compact JWS with `typ` `openid4vci-proof+jwt`, `alg` `EdDSA`, the
//! holder's Ed25519 key in the header (`jwk`, or `kid` as a `did:key` URL),
//! and the claims `aud` (the credential issuer), `iat` and `nonce`. Parsed by
//! hand with serde and base64, checked with ed25519-dalek's `verify_strict`;
//! keys of small order are refused. Pure: the caller passes the time and
//! checks the nonce against what it handed out.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::Deserialize;
use serde_json::Value;

use dwp_verifier::multikey;

/// The longest proof accepted, in bytes.
pub const MAX_PROOF_BYTES: usize = 4096;
/// How far `iat` may be from the registry's clock, in seconds.
pub const IAT_WINDOW_SECS: i64 = 300;

/// Why a proof is refused (all `invalid_proof`, each with its own description).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofError {
    /// Not a compact JWS of base64url JSON parts.
    Malformed,
    /// `typ` is not `openid4vci-proof+jwt`.
    Type,
    /// `alg` is not `EdDSA`.
    Algorithm,
    /// Neither or both of `jwk` and `kid`, or another key parameter, or `crit`.
    KeyParameter,
    /// The key is not an Ed25519 public key (`jwk` OKP/Ed25519 with `x`, or `did:key:z6Mk…#z6Mk…`).
    Key,
    /// The key is of small order: any signature could verify under it.
    WeakKey,
    /// The signature does not verify (strictly) under the key.
    Signature,
    /// `aud` is not the credential issuer.
    Audience,
    /// `iat` is missing or more than five minutes from now.
    IssuedAt,
    /// No `nonce` claim.
    MissingNonce,
}

impl std::fmt::Display for ProofError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "the proof is not a compact JWS of base64url-encoded JSON",
            Self::Type => "the proof's typ must be openid4vci-proof+jwt",
            Self::Algorithm => "the proof's alg must be EdDSA",
            Self::KeyParameter => "the proof's header must name its key by exactly one of jwk or kid, and nothing else",
            Self::Key => "the proof's key is not a valid Ed25519 public key",
            Self::WeakKey => "the proof's key is of small order",
            Self::Signature => "the proof's signature does not verify",
            Self::Audience => "the proof's aud must be the credential issuer",
            Self::IssuedAt => "the proof's iat must be within 5 minutes of the registry's clock",
            Self::MissingNonce => "the proof has no nonce; fetch one from the nonce endpoint",
        })
    }
}

impl std::error::Error for ProofError {}

/// A proof whose signature, audience and time are checked: the holder's key and the nonce it claims.
#[derive(Debug)]
pub struct ProvenKey {
    /// The holder's Ed25519 public key (canonical, of large order).
    pub key: [u8; 32],
    /// The `nonce` claim, still to be checked against the nonces handed out.
    pub nonce: String,
}

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: Option<String>,
    jwk: Option<Jwk>,
    kid: Option<String>,
    x5c: Option<Value>,
    trust_chain: Option<Value>,
    key_attestation: Option<Value>,
    crit: Option<Value>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    d: Option<Value>,
}

#[derive(Deserialize)]
struct Claims {
    aud: Option<Value>,
    iat: Option<Value>,
    nonce: Option<Value>,
}

fn part<T: serde::de::DeserializeOwned>(b64: &str) -> Result<T, ProofError> {
    let bytes = URL_SAFE_NO_PAD.decode(b64).map_err(|_| ProofError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| ProofError::Malformed)
}

/// The public key a header names: `jwk` or `kid`, never both.
fn header_key(h: &Header) -> Result<[u8; 32], ProofError> {
    if h.x5c.is_some() || h.trust_chain.is_some() || h.key_attestation.is_some() || h.crit.is_some() {
        return Err(ProofError::KeyParameter);
    }
    match (&h.jwk, &h.kid) {
        (Some(jwk), None) => {
            if jwk.kty.as_deref() != Some("OKP") || jwk.crv.as_deref() != Some("Ed25519") || jwk.d.is_some() {
                return Err(ProofError::Key);
            }
            let x = URL_SAFE_NO_PAD.decode(jwk.x.as_deref().ok_or(ProofError::Key)?).map_err(|_| ProofError::Key)?;
            x.try_into().map_err(|_| ProofError::Key)
        }
        (None, Some(kid)) => {
            // `did:key:z6Mk…#z6Mk…`: the fragment is the key's own multibase.
            let (did, fragment) = kid.split_once('#').ok_or(ProofError::Key)?;
            let mb = did.strip_prefix("did:key:").ok_or(ProofError::Key)?;
            if mb != fragment {
                return Err(ProofError::Key);
            }
            let key = multikey::decode_public(mb).ok_or(ProofError::Key)?;
            (multikey::did_key(&key) == did).then_some(key).ok_or(ProofError::Key)
        }
        _ => Err(ProofError::KeyParameter),
    }
}

/// Checks a proof JWT for `audience` at `now` (Unix seconds).
///
/// # Errors
/// [`ProofError`]: the first check that fails, in the order of the variants.
pub fn verify(jwt: &str, audience: &str, now: i64) -> Result<ProvenKey, ProofError> {
    if jwt.len() > MAX_PROOF_BYTES {
        return Err(ProofError::Malformed);
    }
    let mut parts = jwt.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ProofError::Malformed);
    };
    let header: Header = part(h)?;
    let claims: Claims = part(c)?;
    let sig: [u8; 64] =
        URL_SAFE_NO_PAD.decode(s).map_err(|_| ProofError::Malformed)?.try_into().map_err(|_| ProofError::Malformed)?;
    if header.typ.as_deref() != Some("openid4vci-proof+jwt") {
        return Err(ProofError::Type);
    }
    if header.alg.as_deref() != Some("EdDSA") {
        return Err(ProofError::Algorithm);
    }
    let key = header_key(&header)?;
    let vk = VerifyingKey::from_bytes(&key).map_err(|_| ProofError::Key)?;
    if vk.is_weak() {
        return Err(ProofError::WeakKey);
    }
    // The signing input is the first two parts as received (RFC 7515 §5.2).
    let signing_input = &jwt[..h.len() + 1 + c.len()];
    vk.verify_strict(signing_input.as_bytes(), &Signature::from_bytes(&sig)).map_err(|_| ProofError::Signature)?;
    if claims.aud.as_ref().and_then(Value::as_str) != Some(audience) {
        return Err(ProofError::Audience);
    }
    let iat = claims.iat.as_ref().and_then(Value::as_i64).ok_or(ProofError::IssuedAt)?;
    if iat.abs_diff(now) > IAT_WINDOW_SECS.unsigned_abs() {
        return Err(ProofError::IssuedAt);
    }
    let nonce = claims.nonce.as_ref().and_then(Value::as_str).ok_or(ProofError::MissingNonce)?;
    Ok(ProvenKey { key, nonce: nonce.to_string() })
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};
    use serde_json::json;

    use super::*;

    const AUD: &str = "https://registry.test";
    const NOW: i64 = 1_795_000_000;

    fn b64(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    fn jwt(key: &SigningKey, header: Value, claims: Value) -> String {
        let input = format!("{}.{}", b64(&header), b64(&claims));
        let sig = key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    fn jwk(key: &SigningKey) -> Value {
        json!({ "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()) })
    }

    fn good(key: &SigningKey) -> (Value, Value) {
        (
            json!({ "typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": jwk(key) }),
            json!({ "aud": AUD, "iat": NOW, "nonce": "n1" }),
        )
    }

    #[test]
    fn a_good_proof_by_jwk_or_kid_gives_its_key_and_nonce() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let (h, c) = good(&key);
        let proven = verify(&jwt(&key, h, c.clone()), AUD, NOW + 299).expect("valid");
        assert_eq!((proven.key, proven.nonce.as_str()), (key.verifying_key().to_bytes(), "n1"));
        let did = multikey::did_key(&key.verifying_key().to_bytes());
        let kid = format!("{did}#{}", did.trim_start_matches("did:key:"));
        let h = json!({ "typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": kid });
        assert!(verify(&jwt(&key, h, c), AUD, NOW).is_ok());
    }

    #[test]
    fn each_fault_has_its_own_error() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        let with = |f: &dyn Fn(&mut Value, &mut Value)| {
            let (mut h, mut c) = good(&key);
            f(&mut h, &mut c);
            verify(&jwt(&key, h, c), AUD, NOW).map(|p| p.nonce)
        };
        assert_eq!(with(&|h, _| h["typ"] = json!("JWT")), Err(ProofError::Type));
        assert_eq!(with(&|h, _| h["alg"] = json!("ES256")), Err(ProofError::Algorithm));
        assert_eq!(with(&|h, _| h["kid"] = json!("did:key:z6Mk#z6Mk")), Err(ProofError::KeyParameter));
        assert_eq!(with(&|h, _| h["crit"] = json!(["exp"])), Err(ProofError::KeyParameter));
        assert_eq!(with(&|h, _| h["jwk"]["crv"] = json!("X25519")), Err(ProofError::Key));
        assert_eq!(with(&|h, _| h["jwk"]["d"] = json!("secret")), Err(ProofError::Key));
        assert_eq!(with(&|h, _| h["jwk"] = jwk(&other)), Err(ProofError::Signature));
        assert_eq!(with(&|_, c| c["aud"] = json!("https://elsewhere.test")), Err(ProofError::Audience));
        assert_eq!(with(&|_, c| c["aud"] = json!([AUD])), Err(ProofError::Audience));
        assert_eq!(with(&|_, c| c["iat"] = json!(NOW - 301)), Err(ProofError::IssuedAt));
        assert_eq!(with(&|_, c| c["iat"] = json!(NOW + 301)), Err(ProofError::IssuedAt));
        assert_eq!(with(&|_, c| c["iat"] = json!("now")), Err(ProofError::IssuedAt));
        assert_eq!(with(&|_, c| c["nonce"] = Value::Null), Err(ProofError::MissingNonce));
        assert_eq!(verify("a.b", AUD, NOW).map(|p| p.nonce), Err(ProofError::Malformed));
        assert_eq!(verify(&"a".repeat(5000), AUD, NOW).map(|p| p.nonce), Err(ProofError::Malformed));
    }

    #[test]
    fn a_small_order_key_is_refused_whatever_the_signature() {
        // The identity point (y = 1): every small-order check must catch it.
        let mut weak = [0u8; 32];
        weak[0] = 1;
        let (h, c) = good(&SigningKey::from_bytes(&[7; 32]));
        let mut h = h;
        h["jwk"]["x"] = json!(URL_SAFE_NO_PAD.encode(weak));
        let input = format!("{}.{}", b64(&h), b64(&c));
        // R = identity, s = 0: the forgery that verifies under a lax check.
        let mut sig = [0u8; 64];
        sig[0] = 1;
        let forged = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig));
        assert_eq!(verify(&forged, AUD, NOW).map(|p| p.nonce), Err(ProofError::WeakKey));
    }
}
