//! eddsa-rdfc-2022 against the W3C vectors in `../shared/vectors/w3c-vc-di-eddsa/`,
//! step by step: canonical N-Quads, hashes, signature.
//!
//! The `employ/` vector uses a context this build does not hold
//! (`https://w3id.org/citizenship/v4rc1`), so it is reproduced from its
//! published canonical N-Quads: hash data, signature and `proofValue`.

use std::path::PathBuf;

use dwp_issuer::contexts::rdfc_contexts;
use dwp_issuer::keys::KeyPair;
use dwp_issuer::rdfc::{RdfcError, canonicalize};
use dwp_issuer::sign::rdfc_hash_data;
use dwp_verifier::multikey;
use serde_json::Value;

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/w3c-vc-di-eddsa")
}

fn text(rel: &str) -> String {
    let path = vector_dir().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading vector {}: {e}", path.display()))
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&text(rel)).unwrap_or_else(|e| panic!("vector {rel} is not JSON: {e}"))
}

fn key() -> KeyPair {
    KeyPair::from_json(&text("keyPair.json")).expect("the vector key pair loads")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The vectors' text files end without a newline; N-Quads statements each end in one.
fn nquads(rel: &str) -> String {
    let t = text(rel);
    if t.ends_with('\n') { t } else { format!("{t}\n") }
}

fn reproduce_from_nquads(dir: &str) {
    let doc = nquads(&format!("{dir}/canonDocDataInt.txt"));
    let cfg = nquads(&format!("{dir}/proofCanonDataInt.txt"));
    let hash = rdfc_hash_data(&doc, &cfg);
    assert_eq!(hex(&hash[32..]), text(&format!("{dir}/docHashDataInt.txt")).trim(), "{dir}: document hash");
    assert_eq!(hex(&hash[..32]), text(&format!("{dir}/proofHashDataInt.txt")).trim(), "{dir}: proof hash");
    assert_eq!(hex(&hash), text(&format!("{dir}/combinedHashDataInt.txt")).trim(), "{dir}: combined hash");
    let signature = key().sign(&hash);
    assert_eq!(hex(&signature), text(&format!("{dir}/sigHexDataInt.txt")).trim(), "{dir}: signature");
    let proof_value = multikey::encode_signature(&signature);
    assert_eq!(proof_value, text(&format!("{dir}/sigBTC58DataInt.txt")).trim(), "{dir}: base58btc signature");
    let signed = json(&format!("{dir}/signedDataInt.json"));
    assert_eq!(signed["proof"]["proofValue"].as_str(), Some(proof_value.as_str()), "{dir}: proofValue");
}

#[test]
fn employ_vector_is_reproduced_from_its_canonical_nquads() {
    reproduce_from_nquads("eddsa-rdfc-2022/employ");
}

#[test]
fn main_vector_is_reproduced_from_its_canonical_nquads() {
    reproduce_from_nquads("eddsa-rdfc-2022");
}

#[test]
fn canonicalization_through_ssi_gives_the_published_nquads() {
    let contexts = rdfc_contexts();
    let unsigned = json("unsigned.json");
    assert_eq!(
        canonicalize(&unsigned, &contexts).expect("unsigned.json canonicalizes"),
        nquads("eddsa-rdfc-2022/canonDocDataInt.txt"),
        "canonical document"
    );
    let config = json("eddsa-rdfc-2022/proofConfigDataInt.json");
    assert_eq!(
        canonicalize(&config, &contexts).expect("the proof configuration canonicalizes"),
        nquads("eddsa-rdfc-2022/proofCanonDataInt.txt"),
        "canonical proof configuration"
    );
}

#[test]
fn a_context_not_held_is_named_and_never_fetched() {
    let employ = json("eddsa-rdfc-2022/employ/signedDataInt.json");
    match canonicalize(&employ, &rdfc_contexts()) {
        Err(RdfcError::Expansion { message }) => {
            assert!(message.contains("https://w3id.org/citizenship/v4rc1"), "the error names the context: {message}")
        }
        other => panic!("expected an expansion error, got {other:?}"),
    }
}

#[test]
fn a_term_outside_the_vocabulary_is_still_signed() {
    // RDFC drops JSON terms that expand to nothing; a signature would then not
    // cover them. The examples context maps every other term under its `@vocab`, so an
    // added member must appear in the canonical form (and change the hash).
    let mut doc = json("unsigned.json");
    doc["credentialSubject"]["unmappedTerm"] = Value::String("covered by the signature".into());
    let canonical = canonicalize(&doc, &rdfc_contexts()).expect("canonicalizes");
    assert!(
        canonical.contains("<https://www.w3.org/ns/credentials/examples#unmappedTerm> \"covered by the signature\""),
        "{canonical}"
    );
    assert_ne!(canonical, nquads("eddsa-rdfc-2022/canonDocDataInt.txt"));
}
