//! Signing: permits (the fast canonical path of `dwp_verifier::credential`),
//! and any JSON document with `eddsa-jcs-2022` (and, with the `rdfc` feature,
//! `eddsa-rdfc-2022`).

use serde_json::{Map, Value};

use dwp_verifier::codec;
use dwp_verifier::credential::{self, Issuance, SignedPermit};
use dwp_verifier::ed25519::PublicKey;
use dwp_verifier::multikey;
use dwp_verifier::permit::Permit;
use dwp_verifier::proof::{self, ProofError};

use crate::keys::KeyPair;
use crate::signer::{Signer, sign_checked};

/// Why signing was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The payload does not decode back to exactly the signed credential; nothing is released.
    #[error("the QR payload does not round-trip to the signed credential (detail: {detail}); nothing was issued")]
    RoundTrip {
        /// What differed.
        detail: &'static str,
    },
    /// The document cannot be signed as given.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// The document is not a JSON object.
    #[error("the document to sign is not a JSON object")]
    NotAnObject,
    /// The document already has a proof.
    #[error("the document already has a proof; DWP signs unsigned documents only")]
    AlreadySigned,
    /// The signer failed, or its signature did not verify.
    #[error(transparent)]
    Signer(#[from] crate::signer::SignerError),
    /// RDF canonicalization failed.
    #[cfg(feature = "rdfc")]
    #[error(transparent)]
    Rdfc(#[from] crate::rdfc::RdfcError),
}

/// A permit signed and checked: its payload decodes to exactly it.
#[derive(Debug, Clone)]
pub struct IssuedPermit {
    /// The signed permit.
    pub signed: SignedPermit,
    /// The `DWP1:` QR payload.
    pub payload: String,
    /// The W3C credential (canonical JSON).
    pub credential_json: String,
}

/// Signs a permit and refuses to release it unless the payload decodes back
/// to the same credential, byte for byte, and the signature verifies.
///
/// # Errors
/// [`SignError::RoundTrip`] if the codec loses anything.
pub fn issue_permit(
    permit: Permit,
    issuance: Issuance,
    key: &(impl Signer + ?Sized),
) -> Result<IssuedPermit, SignError> {
    let signature = sign_checked(key, &credential::signing_input(&permit, &issuance))?;
    let signed = SignedPermit::new(permit, issuance, signature);
    let payload = codec::encode(&signed);
    let decoded = codec::decode(&payload).map_err(|e| SignError::RoundTrip { detail: e.detail() })?;
    if decoded != signed {
        return Err(SignError::RoundTrip { detail: "decoded permit differs" });
    }
    let credential_json = signed.credential_json();
    if decoded.credential_json() != credential_json {
        return Err(SignError::RoundTrip { detail: "credential JSON differs" });
    }
    let public = PublicKey::from_bytes(&key.public()).map_err(ProofError::from)?;
    public.verify(&decoded.signing_input(), decoded.signature()).map_err(ProofError::from)?;
    Ok(IssuedPermit { signed, payload, credential_json })
}

fn unsigned_object(doc: &Value) -> Result<Map<String, Value>, SignError> {
    let obj = doc.as_object().ok_or(SignError::NotAnObject)?;
    if obj.contains_key("proof") {
        return Err(SignError::AlreadySigned);
    }
    Ok(obj.clone())
}

fn attach(mut doc: Map<String, Value>, mut config: Map<String, Value>, signature: &[u8; 64]) -> Value {
    config.insert("proofValue".into(), multikey::encode_signature(signature).into());
    doc.insert("proof".into(), Value::Object(config));
    Value::Object(doc)
}

/// Adds an `eddsa-jcs-2022` proof to a JSON document (§3.3.1).
///
/// # Errors
/// [`SignError`] if the document is not an unsigned object or cannot be canonicalized.
pub fn sign_jcs(
    doc: &Value,
    key: &(impl Signer + ?Sized),
    created: &str,
    verification_method: &str,
) -> Result<Value, SignError> {
    let unsecured = unsigned_object(doc)?;
    let config = proof::proof_config(&unsecured, proof::EDDSA_JCS_2022, created, verification_method);
    let hash = proof::hash_data(&Value::Object(unsecured.clone()), &Value::Object(config.clone()))?;
    Ok(attach(unsecured, config, &sign_checked(key, &hash)?))
}

/// The cryptosuite identifier of eddsa-rdfc-2022.
#[cfg(feature = "rdfc")]
pub const EDDSA_RDFC_2022: &str = "eddsa-rdfc-2022";

/// The eddsa-rdfc-2022 hash data (§3.2.4): `SHA-256(canonical proof
/// configuration) || SHA-256(canonical document)`, from the two RDFC-1.0
/// N-Quads texts. This is the part of the suite that does not depend on
/// JSON-LD, so it can be checked against a vector's published N-Quads alone.
pub fn rdfc_hash_data(canonical_document: &str, canonical_proof_config: &str) -> [u8; 64] {
    use sha2::{Digest, Sha256};
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonical_proof_config.as_bytes()));
    out[32..].copy_from_slice(&Sha256::digest(canonical_document.as_bytes()));
    out
}

/// The `eddsa-rdfc-2022` hash of a document and its proof configuration (both canonicalized).
#[cfg(feature = "rdfc")]
pub(crate) fn rdfc_hash(
    unsecured: &Map<String, Value>,
    config: &Map<String, Value>,
) -> Result<[u8; 64], crate::rdfc::RdfcError> {
    let contexts = crate::contexts::rdfc_contexts();
    let doc = crate::rdfc::canonicalize(&Value::Object(unsecured.clone()), &contexts)?;
    let cfg = crate::rdfc::canonicalize(&Value::Object(config.clone()), &contexts)?;
    Ok(rdfc_hash_data(&doc, &cfg))
}

/// Adds an `eddsa-rdfc-2022` proof (RDFC-1.0 canonical N-Quads through ssi).
///
/// # Errors
/// [`SignError`] if the document is not an unsigned object or cannot be canonicalized
/// (for instance, it names a context this build does not hold).
#[cfg(feature = "rdfc")]
pub fn sign_rdfc(doc: &Value, key: &KeyPair, created: &str, verification_method: &str) -> Result<Value, SignError> {
    let unsecured = unsigned_object(doc)?;
    let config = proof::proof_config(&unsecured, EDDSA_RDFC_2022, created, verification_method);
    let hash = rdfc_hash(&unsecured, &config)?;
    let mut config = config;
    // The W3C vectors carry the context in the proof configuration when
    // hashing but not in the attached proof of an rdfc-signed document.
    config.remove("@context");
    Ok(attach(unsecured, config, &key.sign(&hash)))
}

/// Verifies an `eddsa-rdfc-2022` proof under `key`.
///
/// # Errors
/// [`SignError`] for a proof of the wrong shape, a document that cannot be
/// canonicalized, or a signature that does not verify.
#[cfg(feature = "rdfc")]
pub fn verify_rdfc(secured: &Value, key: &PublicKey) -> Result<(), SignError> {
    verify_rdfc_parts(proof::split(secured, EDDSA_RDFC_2022)?, key)
}

/// Verifies an `eddsa-rdfc-2022` proof already split from its document (the proof configuration
/// takes the document's `@context` when it has none of its own).
///
/// # Errors
/// A document that cannot be canonicalized, or a signature that does not verify (as the caller's error).
#[cfg(feature = "rdfc")]
pub(crate) fn verify_rdfc_parts<E>(parts: proof::ProofParts, key: &PublicKey) -> Result<(), E>
where
    E: From<crate::rdfc::RdfcError> + From<ProofError>,
{
    let mut config = parts.config;
    if !config.contains_key("@context")
        && let Some(ctx) = parts.unsecured.get("@context")
    {
        config.insert("@context".into(), ctx.clone());
    }
    let hash = rdfc_hash(&parts.unsecured, &config)?;
    key.verify(&hash, &parts.signature).map_err(ProofError::from)?;
    Ok(())
}
