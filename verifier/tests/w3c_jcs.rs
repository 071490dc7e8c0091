//! W3C `eddsa-jcs-2022` test vectors (vc-di-eddsa, 2025-05-15 Recommendation),
//! read in place: every intermediate value is reproduced, the signed
//! credential verifies, and any change to it is refused.

use std::path::PathBuf;

use dwp_verifier::ed25519::PublicKey;
use dwp_verifier::{multikey, proof};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/w3c-vc-di-eddsa")
}

fn read(name: &str) -> String {
    let path = dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("vector {}: {e}", path.display()))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("vector {name}: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn key_pair() -> (SigningKey, PublicKey) {
    let kp = json("keyPair.json");
    let seed = multikey::decode_secret(kp["privateKeyMultibase"].as_str().expect("secret")).expect("secret key");
    let public = multikey::decode_public(kp["publicKeyMultibase"].as_str().expect("public")).expect("public key");
    (SigningKey::from_bytes(&seed), PublicKey::from_bytes(&public).expect("valid key"))
}

#[test]
fn reproduces_every_intermediate_value_of_the_jcs_vector() {
    let unsigned = json("unsigned.json");
    let config = json("eddsa-jcs-2022/proofConfigJCS.json");
    let canon_doc = serde_json_canonicalizer::to_string(&unsigned).expect("jcs");
    assert_eq!(canon_doc, read("eddsa-jcs-2022/canonDocJCS.txt").trim_end(), "canonDocJCS.txt");
    let canon_proof = serde_json_canonicalizer::to_string(&config).expect("jcs");
    assert_eq!(canon_proof, read("eddsa-jcs-2022/proofCanonJCS.txt").trim_end(), "proofCanonJCS.txt");
    assert_eq!(hex(&Sha256::digest(&canon_doc)), read("eddsa-jcs-2022/docHashJCS.txt").trim(), "docHashJCS.txt");
    assert_eq!(hex(&Sha256::digest(&canon_proof)), read("eddsa-jcs-2022/proofHashJCS.txt").trim(), "proofHashJCS.txt");
    let combined = proof::hash_data(&unsigned, &config).expect("hash");
    assert_eq!(hex(&combined), read("eddsa-jcs-2022/combinedHashJCS.txt").trim(), "combinedHashJCS.txt");
    let (signing, _) = key_pair();
    let sig = signing.sign(&combined).to_bytes();
    assert_eq!(hex(&sig), read("eddsa-jcs-2022/sigHexJCS.txt").trim(), "sigHexJCS.txt");
    assert_eq!(multikey::encode_signature(&sig), read("eddsa-jcs-2022/sigBTC58JCS.txt").trim(), "sigBTC58JCS.txt");
}

#[test]
fn the_signed_jcs_vector_verifies() {
    let (_, public) = key_pair();
    proof::verify_jcs(&json("eddsa-jcs-2022/signedJCS.json"), &public).expect("signedJCS.json verifies");
}

/// Every string and array in the document, changed one at a time, must break the proof.
#[test]
fn any_change_to_the_signed_jcs_vector_is_refused() {
    let (_, public) = key_pair();
    let signed = json("eddsa-jcs-2022/signedJCS.json");
    let mut paths = Vec::new();
    collect_leaves(&signed, &mut Vec::new(), &mut paths);
    assert!(paths.len() > 10, "found only {} leaves", paths.len());
    for path in paths {
        let mut changed = signed.clone();
        let leaf = path.iter().try_fold(&mut changed, |v, k| v.get_mut(k.as_str())).expect("leaf");
        let replacement = match &*leaf {
            Value::String(s) => Value::String(format!("{s}x")),
            other => Value::String(format!("{other}")),
        };
        *leaf = replacement;
        assert!(proof::verify_jcs(&changed, &public).is_err(), "changing {path:?} was not noticed");
    }
    let mut extra = signed.clone();
    extra["credentialSubject"]["extra"] = Value::Bool(true);
    assert!(proof::verify_jcs(&extra, &public).is_err(), "an added member was not noticed");
}

fn collect_leaves(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Value::Object(m) = v {
        for (k, child) in m {
            at.push(k.clone());
            collect_leaves(child, at, out);
            at.pop();
        }
    } else {
        out.push(at.clone());
    }
}
