//! `eddsa-jcs-2022` (W3C Data Integrity EdDSA Cryptosuites v1.0, §3.3) for any
//! JSON document: the generic path used by `dwp vc sign|verify`, the trust
//! list and status lists. Permits take the faster path in [`crate::credential`],
//! which produces the same bytes.
//! What any Data Integrity proof needs whatever its cryptosuite is in
//! [`crate::integrity`].

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::ed25519::{PublicKey, SignatureError};
use crate::integrity::ProofPurpose;
use crate::multikey;
use crate::time::UnixTime;

/// The cryptosuite identifier.
pub const EDDSA_JCS_2022: &str = "eddsa-jcs-2022";

/// Why a data-integrity proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The document is not a JSON object.
    #[error("the document is not a JSON object")]
    NotAnObject,
    /// No `proof` member, or one that is neither a proof object nor a list of them.
    #[error("the document has no proof")]
    NoProof,
    /// A proof set or chain where one proof was expected (permits, trust lists, status lists).
    #[error("the document has a proof set or chain where one proof was expected")]
    ProofSet,
    /// `proofPurpose` is not the purpose the verifier expects.
    #[error("proofPurpose is not {expected}")]
    Purpose {
        /// The purpose expected.
        expected: ProofPurpose,
    },
    /// The proof is not locked to the security domain the verifier expects.
    #[error("the proof's domain is not the one expected")]
    Domain,
    /// The proof does not answer the challenge the verifier sent.
    #[error("the proof's challenge is not the one expected")]
    Challenge,
    /// The DID document does not list the verification method for the purpose.
    #[error("the DID document does not list the verification method under {purpose}")]
    NotListed {
        /// The purpose.
        purpose: ProofPurpose,
    },
    /// The verification method's key cannot be found (not a did:key, and no key or DID document given).
    #[error("the verification method cannot be resolved here (give its key or DID document)")]
    UnresolvedKey,
    /// `created` or `expires` is not an XML Schema dateTime with a time zone.
    #[error("proof {member} is not an XML Schema dateTime with a time zone")]
    Date {
        /// `created` or `expires`.
        member: &'static str,
    },
    /// The proof's `expires` has passed.
    #[error("the proof expired at {expires} (now {now})")]
    Expired {
        /// The proof's `expires`.
        expires: UnixTime,
        /// The time of the check.
        now: UnixTime,
    },
    /// A `previousProof` names no proof of the set.
    #[error("previousProof names a proof that is not in the document")]
    PreviousProof,
    /// `type` is not `DataIntegrityProof` or the cryptosuite is not the one expected.
    #[error("proof type/cryptosuite is not DataIntegrityProof/{expected}")]
    Suite {
        /// The cryptosuite expected.
        expected: &'static str,
    },
    /// A proof member is missing or has the wrong type.
    #[error("proof member {member} is missing or not a string")]
    Member {
        /// The member.
        member: &'static str,
    },
    /// `proofValue` is not `z` + base58btc of 64 bytes.
    #[error("proofValue is not a base58btc Ed25519 signature")]
    ProofValue,
    /// The proof's `@context` is not a prefix of the document's.
    #[error("proof @context does not match the document's")]
    Context,
    /// JCS could not serialize the document (e.g. a number JSON cannot round-trip).
    #[error("the document cannot be canonicalized")]
    Canonicalize,
    /// The signature check failed.
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

fn jcs(v: &Value) -> Result<Vec<u8>, ProofError> {
    serde_json_canonicalizer::to_vec(v).map_err(|_| ProofError::Canonicalize)
}

/// SHA-256 of the canonical proof configuration, then of the canonical document.
///
/// # Errors
/// [`ProofError::Canonicalize`] if either cannot be serialized.
pub fn hash_data(document: &Value, proof_config: &Value) -> Result<[u8; 64], ProofError> {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(jcs(proof_config)?));
    out[32..].copy_from_slice(&Sha256::digest(jcs(document)?));
    Ok(out)
}

/// The proof configuration for `document` (§3.3.5): the given options, plus the
/// document's `@context` when it has one.
pub fn proof_config(
    document: &Map<String, Value>,
    cryptosuite: &str,
    created: &str,
    verification_method: &str,
) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("type".into(), "DataIntegrityProof".into());
    p.insert("cryptosuite".into(), cryptosuite.into());
    p.insert("created".into(), created.into());
    p.insert("verificationMethod".into(), verification_method.into());
    p.insert("proofPurpose".into(), "assertionMethod".into());
    if let Some(ctx) = document.get("@context") {
        p.insert("@context".into(), ctx.clone());
    }
    p
}

/// A secured document split into its parts, checked for shape.
#[derive(Debug, Clone)]
pub struct ProofParts {
    /// The document without `proof`.
    pub unsecured: Map<String, Value>,
    /// The proof without `proofValue`.
    pub config: Map<String, Value>,
    /// The signature.
    pub signature: [u8; 64],
    /// The proof's `verificationMethod`.
    pub verification_method: String,
    /// The proof's `created`, if present.
    pub created: Option<String>,
}

fn str_member<'a>(m: &'a Map<String, Value>, member: &'static str) -> Result<&'a str, ProofError> {
    m.get(member).and_then(Value::as_str).ok_or(ProofError::Member { member })
}

/// Splits a secured document with one proof for `cryptosuite` (§3.3.2 steps 1–4).
///
/// # Errors
/// [`ProofError`] for a document or proof of the wrong shape; [`ProofError::ProofSet`]
/// for a proof set or chain.
pub fn split(secured: &Value, cryptosuite: &'static str) -> Result<ProofParts, ProofError> {
    let mut unsecured = secured.as_object().ok_or(ProofError::NotAnObject)?.clone();
    match unsecured.remove("proof") {
        Some(Value::Object(config)) => split_proof(unsecured, config, cryptosuite),
        Some(Value::Array(_)) => Err(ProofError::ProofSet),
        _ => Err(ProofError::NoProof),
    }
}

/// Checks one proof for `cryptosuite` and separates its `proofValue`; `unsecured`
/// is the document the proof secures (for a proof in a chain, with the proofs it
/// names as its `proof`, as [`proof_inputs`] gives it).
///
/// # Errors
/// [`ProofError`] for a proof of the wrong shape.
pub fn split_proof(
    mut unsecured: Map<String, Value>,
    mut config: Map<String, Value>,
    cryptosuite: &'static str,
) -> Result<ProofParts, ProofError> {
    if str_member(&config, "type")? != "DataIntegrityProof" || str_member(&config, "cryptosuite")? != cryptosuite {
        return Err(ProofError::Suite { expected: cryptosuite });
    }
    let verification_method = str_member(&config, "verificationMethod")?.to_string();
    str_member(&config, "proofPurpose")?;
    let created = config.get("created").and_then(Value::as_str).map(str::to_string);
    let value = config.remove("proofValue").ok_or(ProofError::Member { member: "proofValue" })?;
    let signature = value.as_str().and_then(multikey::decode_signature).ok_or(ProofError::ProofValue)?;
    if let Some(pctx) = config.get("@context") {
        let (Some(p), Some(Value::Array(d))) = (pctx.as_array(), unsecured.get("@context")) else {
            if unsecured.get("@context") == Some(pctx) {
                return Ok(ProofParts { unsecured, config, signature, verification_method, created });
            }
            return Err(ProofError::Context);
        };
        if !d.starts_with(p) {
            return Err(ProofError::Context);
        }
        unsecured.insert("@context".into(), pctx.clone());
    }
    Ok(ProofParts { unsecured, config, signature, verification_method, created })
}

/// Verifies an `eddsa-jcs-2022` proof under `key`.
///
/// # Errors
/// [`ProofError`] for a proof of the wrong shape or a signature that does not verify.
pub fn verify_jcs(secured: &Value, key: &PublicKey) -> Result<ProofParts, ProofError> {
    verify_jcs_parts(split(secured, EDDSA_JCS_2022)?, key)
}

/// Verifies the `eddsa-jcs-2022` signature of a proof already split by [`split_proof`].
///
/// # Errors
/// [`ProofError`] if the document cannot be canonicalized or the signature does not verify.
pub fn verify_jcs_parts(parts: ProofParts, key: &PublicKey) -> Result<ProofParts, ProofError> {
    let hash = hash_data(&Value::Object(parts.unsecured.clone()), &Value::Object(parts.config.clone()))?;
    key.verify(&hash, &parts.signature)?;
    Ok(parts)
}

/// Finds the Ed25519 key of `verification_method` in a DID document, if the
/// document lists it under `assertionMethod`.
pub fn key_in_did_document(did_doc: &Value, verification_method: &str) -> Option<[u8; 32]> {
    crate::integrity::key_for_purpose(did_doc, verification_method, ProofPurpose::AssertionMethod)
}
