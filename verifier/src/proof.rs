//! `eddsa-jcs-2022` (W3C Data Integrity EdDSA Cryptosuites v1.0, §3.3) for any
//! JSON document: the generic path used by `dwp vc sign|verify`, the trust
//! list and status lists. Permits take the faster path in [`crate::credential`],
//! which produces the same bytes.
//!
//! It also holds what every Data Integrity proof needs whatever its
//! cryptosuite (W3C Verifiable Credential Data Integrity 1.0, §4.4 "Verify
//! Proof" and §4.5 "Verify Proof Sets and Chains"): the purpose and date checks,
//! the split of a proof set or chain into one input per proof, and finding the
//! verification method's key for a purpose.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::ed25519::{PublicKey, SignatureError};
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

/// A verification relationship of a DID document, as a proof's `proofPurpose`
/// names it (DID Core §5.3; Data Integrity §2.2 "Proof Purposes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProofPurpose {
    /// `assertionMethod`: the issuer asserts the claims (credentials).
    AssertionMethod,
    /// `authentication`: the controller proves who it is (presentations).
    Authentication,
    /// `capabilityInvocation`.
    CapabilityInvocation,
    /// `capabilityDelegation`.
    CapabilityDelegation,
    /// `keyAgreement`.
    KeyAgreement,
}

impl ProofPurpose {
    const ALL: [ProofPurpose; 5] = [
        Self::AssertionMethod,
        Self::Authentication,
        Self::CapabilityInvocation,
        Self::CapabilityDelegation,
        Self::KeyAgreement,
    ];

    /// The `proofPurpose` string, which is also the DID document's member name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AssertionMethod => "assertionMethod",
            Self::Authentication => "authentication",
            Self::CapabilityInvocation => "capabilityInvocation",
            Self::CapabilityDelegation => "capabilityDelegation",
            Self::KeyAgreement => "keyAgreement",
        }
    }

    /// Reads a `proofPurpose` string.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for ProofPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a verifier expects of every proof, whatever its cryptosuite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofExpectations {
    /// The purpose each proof must name (`assertionMethod` for credentials).
    pub purpose: ProofPurpose,
    /// The time of the check, against the proofs' `expires`.
    pub now: UnixTime,
}

/// Verify Proof, steps 3 and 4 (§4.4), and the dates of §2.1: `type`,
/// `verificationMethod` and `proofPurpose` present, the purpose the one
/// expected, `created` and `expires` (when present) XML Schema dateTimes with a
/// time zone, and `expires` not passed.
///
/// # Errors
/// [`ProofError::Member`], [`ProofError::Purpose`], [`ProofError::Date`] or [`ProofError::Expired`].
pub fn check_proof(proof: &Map<String, Value>, expected: &ProofExpectations) -> Result<(), ProofError> {
    str_member(proof, "type")?;
    str_member(proof, "verificationMethod")?;
    if str_member(proof, "proofPurpose")? != expected.purpose.as_str() {
        return Err(ProofError::Purpose { expected: expected.purpose });
    }
    for member in ["created", "expires"] {
        if let Some(v) = proof.get(member) {
            let member = if member == "created" { "created" } else { "expires" };
            let at = v.as_str().and_then(|s| UnixTime::parse_date_time(s).ok()).ok_or(ProofError::Date { member })?;
            if member == "expires" && at <= expected.now {
                return Err(ProofError::Expired { expires: at, now: expected.now });
            }
        }
    }
    Ok(())
}

/// One proof of a secured document with the document it secures.
#[derive(Debug, Clone, PartialEq)]
pub struct ProofInput {
    /// The document without its proofs; for a proof with `previousProof`, with
    /// the proofs it names as `proof` (the "input document" of §4.5 step 3.3).
    pub unsecured: Map<String, Value>,
    /// The proof, with its `proofValue`.
    pub proof: Map<String, Value>,
}

/// The proofs of a secured document, each with the document it secures: a
/// single proof, a proof set, or a proof chain (Verify Proof Sets and Chains,
/// §4.5 steps 1–3.3). A proof whose `previousProof` names no proof of the set
/// fails the whole document.
///
/// # Errors
/// [`ProofError::NotAnObject`], [`ProofError::NoProof`] (no proof, an empty list,
/// or an entry that is not an object), [`ProofError::PreviousProof`].
pub fn proof_inputs(secured: &Value) -> Result<Vec<ProofInput>, ProofError> {
    let mut unsecured = secured.as_object().ok_or(ProofError::NotAnObject)?.clone();
    let all: Vec<Map<String, Value>> = match unsecured.remove("proof") {
        Some(Value::Object(p)) => vec![p],
        Some(Value::Array(list)) if !list.is_empty() => list
            .into_iter()
            .map(|p| match p {
                Value::Object(p) => Ok(p),
                _ => Err(ProofError::NoProof),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(ProofError::NoProof),
    };
    let mut inputs = Vec::with_capacity(all.len());
    for proof in &all {
        let named: Vec<&str> = match proof.get("previousProof") {
            None => Vec::new(),
            Some(Value::String(id)) => vec![id.as_str()],
            Some(Value::Array(ids)) => {
                ids.iter().map(|v| v.as_str().ok_or(ProofError::PreviousProof)).collect::<Result<_, _>>()?
            }
            Some(_) => return Err(ProofError::PreviousProof),
        };
        let mut matching = Vec::with_capacity(named.len());
        for id in named {
            let found = all.iter().find(|p| p.get("id").and_then(Value::as_str) == Some(id));
            matching.push(Value::Object(found.ok_or(ProofError::PreviousProof)?.clone()));
        }
        let mut input = unsecured.clone();
        if !matching.is_empty() {
            input.insert("proof".into(), Value::Array(matching));
        }
        inputs.push(ProofInput { unsecured: input, proof: proof.clone() });
    }
    Ok(inputs)
}

/// Where a verifier finds the key of a proof's verification method.
#[derive(Debug, Clone, Copy)]
pub enum KeySource<'a> {
    /// This key, whatever the verification method names.
    Key(&'a PublicKey),
    /// A DID document, which must list the method under the proof's purpose.
    DidDocument(&'a Value),
    /// The method is a `did:key` URL (`did:key:z6Mk…#z6Mk…`), whose key is listed for every purpose.
    DidKey,
}

impl KeySource<'_> {
    /// The key of `verification_method`, for `purpose`.
    ///
    /// # Errors
    /// [`ProofError::NotListed`] when the DID document does not list the method for
    /// the purpose; [`ProofError::UnresolvedKey`] when the method is not a `did:key`
    /// URL of an Ed25519 key; [`ProofError::Signature`] for a key that is not a valid point.
    pub fn resolve(&self, verification_method: &str, purpose: ProofPurpose) -> Result<PublicKey, ProofError> {
        match self {
            KeySource::Key(k) => Ok(**k),
            KeySource::DidDocument(doc) => {
                let bytes =
                    key_for_purpose(doc, verification_method, purpose).ok_or(ProofError::NotListed { purpose })?;
                Ok(PublicKey::from_bytes(&bytes)?)
            }
            KeySource::DidKey => {
                let (did, fragment) = verification_method.split_once('#').ok_or(ProofError::UnresolvedKey)?;
                let key = multikey::parse_did_key_checked(did).ok_or(ProofError::UnresolvedKey)?;
                // The did:key method lists exactly one method, named by the key itself.
                if did.strip_prefix("did:key:") != Some(fragment) {
                    return Err(ProofError::UnresolvedKey);
                }
                Ok(key)
            }
        }
    }
}

/// Finds the Ed25519 key of `verification_method` in a DID document, if the
/// document lists it under `assertionMethod`.
pub fn key_in_did_document(did_doc: &Value, verification_method: &str) -> Option<[u8; 32]> {
    key_for_purpose(did_doc, verification_method, ProofPurpose::AssertionMethod)
}

/// Finds the Ed25519 key of `verification_method` in a DID document, if the
/// document lists it under the verification relationship of `purpose`.
pub fn key_for_purpose(did_doc: &Value, verification_method: &str, purpose: ProofPurpose) -> Option<[u8; 32]> {
    let did = did_doc.get("id").and_then(Value::as_str).unwrap_or_default();
    let names =
        |id: &str| id == verification_method || (id.starts_with('#') && format!("{did}{id}") == verification_method);
    let listed_under = did_doc.get(purpose.as_str())?.as_array()?;
    let listed = listed_under
        .iter()
        .any(|a| a.as_str().is_some_and(&names) || a.get("id").and_then(Value::as_str).is_some_and(&names));
    if !listed {
        return None;
    }
    let embedded = listed_under.iter().filter(|a| a.is_object());
    let methods = did_doc.get("verificationMethod").and_then(Value::as_array).into_iter().flatten().chain(embedded);
    methods
        .filter(|m| m.get("id").and_then(Value::as_str).is_some_and(&names))
        .find_map(|m| multikey::decode_public(m.get("publicKeyMultibase")?.as_str()?))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn proof(members: Value) -> Map<String, Value> {
        let mut p = json!({ "type": "DataIntegrityProof", "verificationMethod": "did:key:z#z",
            "proofPurpose": "assertionMethod", "created": "2023-02-24T23:36:38Z" });
        for (k, v) in members.as_object().expect("object") {
            p[k] = v.clone();
        }
        p.as_object().expect("object").clone()
    }

    const NOW: UnixTime = UnixTime(1_800_000_000);

    #[test]
    fn checks_the_purpose_and_the_dates_of_a_proof() {
        let assertion = ProofExpectations { purpose: ProofPurpose::AssertionMethod, now: NOW };
        assert_eq!(check_proof(&proof(json!({})), &assertion), Ok(()));
        assert_eq!(
            check_proof(&proof(json!({ "proofPurpose": "authentication" })), &assertion),
            Err(ProofError::Purpose { expected: ProofPurpose::AssertionMethod })
        );
        let authentication = ProofExpectations { purpose: ProofPurpose::Authentication, ..assertion };
        assert_eq!(check_proof(&proof(json!({ "proofPurpose": "authentication" })), &authentication), Ok(()));
        assert_eq!(
            check_proof(&proof(json!({ "created": "invalidDate" })), &assertion),
            Err(ProofError::Date { member: "created" })
        );
        assert_eq!(
            check_proof(&proof(json!({ "expires": 5 })), &assertion),
            Err(ProofError::Date { member: "expires" })
        );
        let expires = UnixTime::parse("2027-01-15T08:00:00Z").expect("time");
        let p = proof(json!({ "expires": "2027-01-15T08:00:00Z" }));
        assert_eq!(check_proof(&p, &assertion), Err(ProofError::Expired { expires, now: NOW }));
        assert_eq!(check_proof(&p, &ProofExpectations { now: UnixTime(expires.0 - 1), ..assertion }), Ok(()));
        let mut no_purpose = proof(json!({}));
        no_purpose.remove("proofPurpose");
        assert_eq!(check_proof(&no_purpose, &assertion), Err(ProofError::Member { member: "proofPurpose" }));
    }

    #[test]
    fn a_did_key_method_resolves_to_its_own_key_only() {
        let key = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let any = ProofPurpose::CapabilityInvocation;
        let resolved = KeySource::DidKey.resolve(&format!("did:key:{key}#{key}"), any).expect("did:key");
        assert_eq!(Some(resolved.to_bytes()), multikey::decode_public(key));
        for vm in [format!("did:key:{key}#other"), format!("did:key:{key}"), "did:web:example.org#key-1".into()] {
            assert_eq!(KeySource::DidKey.resolve(&vm, any).map(|_| ()), Err(ProofError::UnresolvedKey), "{vm}");
        }
    }
}
