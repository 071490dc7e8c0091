//! `dwp keys generate`.

use std::os::unix::fs::PermissionsExt;

use dwp_verifier::trust::TrustList;
use serde_json::Value;

use crate::common::*;

#[test]
fn generates_keys_with_private_modes_and_a_signed_trust_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("keys");
    let out = dwp(&["keys", "generate", "--out", &out_dir.to_string_lossy(), "--did", "did:web:dwp.example.go.th"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for secret in ["issuer-key.json", "root-key.json"] {
        let mode = std::fs::metadata(out_dir.join(secret)).expect(secret).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{secret} mode");
    }
    let key: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("issuer-key.json")).expect("key")).expect("json");
    assert!(key["publicKeyMultibase"].as_str().expect("public").starts_with("z6Mk"));
    assert!(key["privateKeyMultibase"].as_str().expect("private").starts_with("z3u2"));
    assert_eq!(key["id"], "did:web:dwp.example.go.th#key-1");
    let did: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("did.json")).expect("did")).expect("json");
    assert_eq!(did["verificationMethod"][0]["publicKeyMultibase"], key["publicKeyMultibase"]);
    assert_eq!(did["assertionMethod"][0], "did:web:dwp.example.go.th#key-1");
    let root: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("root-public-key.json")).expect("root"))
            .expect("json");
    let root_key = dwp_verifier::multikey::decode_public(root["publicKeyMultibase"].as_str().expect("root key"))
        .expect("multikey");
    let trust =
        TrustList::verify(&std::fs::read_to_string(out_dir.join("trust-list.json")).expect("trust"), Some(&root_key))
            .expect("trust list verifies");
    assert!(trust.issuer("did:web:dwp.example.go.th").is_some());
    let listing = stdout(&out) + &stderr(&out);
    assert!(!listing.contains(key["privateKeyMultibase"].as_str().expect("private")), "the secret is never printed");

    let again = dwp(&["keys", "generate", "--out", &out_dir.to_string_lossy()]);
    assert_eq!(code(&again), 2, "refuses to overwrite keys");
    assert!(stderr(&again).contains("refusing to overwrite"), "{}", stderr(&again));
    let bad =
        dwp(&["keys", "generate", "--out", &dir.path().join("k2").to_string_lossy(), "--did", "did:web:Bad Host"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("--did"), "{}", stderr(&bad));
}
