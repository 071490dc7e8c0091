//! A fixed trust list for the targets that verify (built once).

use std::sync::OnceLock;

use dwp_issuer::keys::KeyPair;
use dwp_issuer::trust::sign_trust_list;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::{TrustList, TrustedIssuerDocument, TrustedKeyDocument};

pub const DID: &str = "did:web:dwp.doe.go.th";

pub fn root() -> KeyPair {
    KeyPair::from_seed(&[12; 32], None)
}

pub fn trust_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let issuer = KeyPair::from_seed(&[11; 32], Some(format!("{DID}#key-1")));
        let entry = TrustedIssuerDocument {
            id: DID.into(),
            name: [("en".to_string(), "DOE".to_string())].into_iter().collect(),
            categories: ["section59", "section62", "section63_1", "section64"].map(String::from).to_vec(),
            keys: vec![TrustedKeyDocument {
                id: format!("{DID}#key-1"),
                public_key_multibase: issuer.public_multibase(),
                valid_from: "2026-01-01T00:00:00Z".into(),
                valid_until: "2030-12-31T23:59:59Z".into(),
                revoked: None,
            }],
        };
        sign_trust_list(&root(), 1, UnixTime(1_795_000_000), vec![entry]).expect("trust list signs").to_string()
    })
}

#[allow(dead_code)] // used by verify_full, not by bundle_parse
pub fn trust() -> &'static TrustList {
    static TRUST: OnceLock<TrustList> = OnceLock::new();
    TRUST.get_or_init(|| TrustList::verify(trust_json(), Some(&root().public())).expect("the trust list verifies"))
}
