//! Signed W3C Bitstring Status List v1.0 credentials (§2.2): one list per
//! purpose and shard, signed with `eddsa-jcs-2022` by the issuer's key.

use serde_json::{Value, json};

use dwp_verifier::credential::{CONTEXT_V2, DWP_CONTEXT, StatusPurpose, status_list_url};
use dwp_verifier::status::Bitstring;
use dwp_verifier::time::UnixTime;

use crate::sign::{SignError, sign_jcs};
use crate::signer::Signer;

/// What a published list says besides its bits.
#[derive(Debug, Clone)]
pub struct ListInfo<'a> {
    /// The issuer DID (`did:web`), whose base URL names the list.
    pub issuer: &'a str,
    /// The verification method of the signing key.
    pub verification_method: &'a str,
    /// The shard (list number).
    pub shard: u32,
    /// Revocation or suspension.
    pub purpose: StatusPurpose,
    /// Grows with every change of the list; verifiers refuse a lower one (rollback).
    pub sequence: u64,
    /// When it was signed (`validFrom`).
    pub valid_from: UnixTime,
    /// `validUntil`: verifiers must not use the list after it.
    pub valid_until: UnixTime,
    /// How long, in milliseconds, a verifier may cache it before fetching again (`ttl`).
    pub ttl_ms: u64,
}

/// Builds and signs a `BitstringStatusListCredential`.
///
/// # Errors
/// [`SignError`] if the document cannot be canonicalized.
pub fn sign_status_list(
    info: &ListInfo<'_>,
    bits: &Bitstring,
    key: &(impl Signer + ?Sized),
) -> Result<Value, SignError> {
    let url = status_list_url(info.issuer, info.purpose, info.shard);
    let doc = json!({
        "@context": [CONTEXT_V2, DWP_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": info.issuer,
        "validFrom": info.valid_from.to_string(),
        "validUntil": info.valid_until.to_string(),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": info.purpose.as_str(),
            "encodedList": bits.encode(),
            "ttl": info.ttl_ms,
            "statusSequence": info.sequence,
        },
    });
    sign_jcs(&doc, key, &info.valid_from.to_string(), info.verification_method)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;
    use dwp_verifier::ed25519::PublicKey;
    use dwp_verifier::proof;

    #[test]
    fn signed_list_verifies_and_carries_its_bits() {
        let key = KeyPair::from_seed(&[3; 32], Some("did:web:dwp.doe.go.th#key-1".into()));
        let mut bits = Bitstring::zeroed(131_072);
        bits.set(94_567, true);
        let info = ListInfo {
            issuer: "did:web:dwp.doe.go.th",
            verification_method: "did:web:dwp.doe.go.th#key-1",
            shard: 1,
            purpose: StatusPurpose::Revocation,
            sequence: 7,
            valid_from: UnixTime(1_795_478_400),
            valid_until: UnixTime(1_795_478_400 + 7 * 86_400),
            ttl_ms: 300_000,
        };
        let signed = sign_status_list(&info, &bits, &key).expect("sign");
        let public = PublicKey::from_bytes(&key.public()).expect("key");
        proof::verify_jcs(&signed, &public).expect("verifies");
        assert_eq!(signed["id"], "https://dwp.doe.go.th/status/revocation/1");
        let encoded = signed["credentialSubject"]["encodedList"].as_str().expect("encodedList");
        let back = Bitstring::decode(encoded).expect("decode");
        assert_eq!(back.get(94_567), Some(true));
        assert_eq!(back.count_set(), 1);
        let mut tampered = signed.clone();
        tampered["credentialSubject"]["statusSequence"] = 8.into();
        assert!(proof::verify_jcs(&tampered, &public).is_err());
    }
}
