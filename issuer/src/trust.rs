//! Building what verifiers pin and resolve: the signed trust list and the
//! issuer's DID document.

use serde_json::{Value, json};

use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::{TRUST_LIST_TYPE, TrustListDocument, TrustedIssuerDocument};

use crate::keys::KeyPair;
use crate::sign::{SignError, sign_jcs};

/// Signs a trust list with the root key (`eddsa-jcs-2022`, verification method `did:key:X#X`).
///
/// # Errors
/// [`SignError`] if the document cannot be canonicalized.
pub fn sign_trust_list(
    root: &KeyPair,
    sequence: u64,
    issued: UnixTime,
    issuers: Vec<TrustedIssuerDocument>,
) -> Result<Value, SignError> {
    let doc =
        TrustListDocument { kind: TRUST_LIST_TYPE.into(), sequence, issued: issued.to_string(), issuers, proof: None };
    // invariant: the document is plain strings, numbers and arrays; serialization cannot fail.
    let value = serde_json::to_value(&doc).unwrap_or(Value::Null);
    sign_jcs(&value, root, &issued.to_string(), &root.did_key_verification_method())
}

/// The `did:web` DID document of an issuer: each key as a `Multikey` verification
/// method, listed under `assertionMethod`.
pub fn did_document(did: &str, keys: &[(&str, String)]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|(id, public)| json!({ "id": id, "type": "Multikey", "controller": did, "publicKeyMultibase": public }))
        .collect();
    let ids: Vec<&str> = keys.iter().map(|(id, _)| *id).collect();
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}
