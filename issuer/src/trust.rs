//! Building what verifiers pin and resolve: the signed trust list and the
//! issuer's DID document.

use serde_json::{Value, json};

use dwp_verifier::codes::Category;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::{TRUST_LIST_TYPE, TrustListDocument, TrustedIssuerDocument, TrustedKeyDocument};

use crate::keys::KeyPair;
use crate::sign::{SignError, sign_jcs};

/// The authority a trust-list entry names, as verifiers show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// In English.
    pub en: String,
    /// In Thai.
    pub th: String,
}

impl Authority {
    /// The Department of Employment: what a registry names unless configured otherwise.
    pub fn department_of_employment() -> Authority {
        Authority { en: "Department of Employment".into(), th: "กรมการจัดหางาน".into() }
    }

    /// Keys made for a demonstration or a test, and said to be so.
    pub fn demo() -> Authority {
        Authority {
            en: "Department of Employment (demo keys)".into(), th: "กรมการจัดหางาน (กุญแจสาธิต)".into()
        }
    }
}

/// A trust-list entry for an issuer with one key, allowed every category.
pub fn trusted_issuer(
    did: &str,
    authority: &Authority,
    key: &KeyPair,
    valid_from: UnixTime,
    valid_until: UnixTime,
) -> TrustedIssuerDocument {
    let id = key.id.clone().unwrap_or_else(|| format!("{did}#key-1"));
    trusted_issuer_key(did, authority, &id, &key.public(), valid_from, valid_until)
}

/// A trust-list entry for an issuer whose one key (verification method `key_id`) is `public`,
/// wherever its secret lives (a file, or a hardware token).
pub fn trusted_issuer_key(
    did: &str,
    authority: &Authority,
    key_id: &str,
    public: &[u8; 32],
    valid_from: UnixTime,
    valid_until: UnixTime,
) -> TrustedIssuerDocument {
    TrustedIssuerDocument {
        id: did.to_string(),
        name: [("en".to_string(), authority.en.clone()), ("th".to_string(), authority.th.clone())]
            .into_iter()
            .collect(),
        categories: Category::ALL.iter().map(|c| c.as_str().to_string()).collect(),
        keys: vec![TrustedKeyDocument {
            id: key_id.to_string(),
            public_key_multibase: dwp_verifier::multikey::encode_public(public),
            valid_from: valid_from.to_string(),
            valid_until: valid_until.to_string(),
            revoked: None,
        }],
    }
}

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
