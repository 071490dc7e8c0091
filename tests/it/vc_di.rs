//! `dwp vc sign|verify` against what the Data Integrity and EdDSA specifications
//! require beyond a signature that checks: the proof purpose, the dates, proof
//! sets and chains (the W3C vectors, read in place), data model conformance and
//! the pinned contexts.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use dwp_issuer::keys::KeyPair;
use dwp_issuer::rdfc;
use dwp_issuer::sign::rdfc_hash_data;
use dwp_verifier::multikey;
use dwp_verifier::proof;

use crate::common::*;

fn vector_key() -> KeyPair {
    KeyPair::from_json(&std::fs::read_to_string(w3c("keyPair.json")).expect("key")).expect("key pair")
}

fn obj(v: &Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

/// Signs the vectors' unsigned credential by hand, with whatever proof members
/// are given, so that a well-signed proof can carry what a verifier must refuse.
fn signed_with(suite: &str, members: &[(&str, Value)]) -> Value {
    let key = vector_key();
    let mut doc = obj(&read_json(&w3c("unsigned.json")));
    let mut config = proof::proof_config(&doc, suite, "2023-02-24T23:36:38Z", &key.did_key_verification_method());
    for (k, v) in members {
        config.insert((*k).to_string(), v.clone());
    }
    let hash = if suite == "eddsa-jcs-2022" {
        proof::hash_data(&Value::Object(doc.clone()), &Value::Object(config.clone())).expect("hash")
    } else {
        let contexts = dwp_issuer::contexts::rdfc_contexts();
        let d = rdfc::canonicalize(&Value::Object(doc.clone()), &contexts).expect("canonical document");
        let c = rdfc::canonicalize(&Value::Object(config.clone()), &contexts).expect("canonical proof");
        config.remove("@context");
        rdfc_hash_data(&d, &c)
    };
    config.insert("proofValue".into(), multikey::encode_signature(&key.sign(&hash)).into());
    doc.insert("proof".into(), Value::Object(config));
    Value::Object(doc)
}

fn verify(doc: &Value, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "signed.json", &doc.to_string());
    let mut all = vec!["vc", "verify"];
    all.extend_from_slice(args);
    all.push(&path);
    let out = dwp(&all);
    (code(&out), stdout(&out))
}

fn with_key() -> [String; 2] {
    ["--key".into(), s(&w3c("keyPair.json"))]
}

#[test]
fn vc_verify_refuses_a_well_signed_proof_made_for_another_purpose() {
    let key = with_key();
    let key: Vec<&str> = key.iter().map(String::as_str).collect();
    for suite in ["eddsa-jcs-2022", "eddsa-rdfc-2022"] {
        let doc = signed_with(suite, &[("proofPurpose", json!("authentication"))]);
        let (c, out) = verify(&doc, &key);
        assert_eq!(c, 1, "{suite}: an authentication proof is no assertion: {out}");
        assert!(out.contains("proofPurpose is not assertionMethod"), "{suite}: {out}");
        let mut asked = key.clone();
        asked.extend(["--proof-purpose", "authentication"]);
        assert_eq!(verify(&doc, &asked).0, 0, "{suite}: the purpose asked for verifies");
        // did:key lists its key for every purpose.
        assert_eq!(verify(&doc, &["--proof-purpose", "authentication"]).0, 0, "{suite}: did:key");
    }
}

#[test]
fn vc_verify_checks_the_did_document_lists_the_method_for_the_purpose() {
    let key = vector_key();
    let vm = key.did_key_verification_method();
    let did = key.did_key();
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = json!({
        "id": did,
        "verificationMethod": [{ "id": vm, "type": "Multikey", "controller": did,
            "publicKeyMultibase": key.public_multibase() }],
        "assertionMethod": [vm],
    });
    let did_doc = write(dir.path(), "did.json", &doc.to_string());
    let signed = signed_with("eddsa-jcs-2022", &[("proofPurpose", json!("authentication"))]);
    let (c, out) = verify(&signed, &["--did-doc", &did_doc, "--proof-purpose", "authentication"]);
    assert_eq!(c, 1, "{out}");
    assert!(out.contains("does not list the verification method under authentication"), "{out}");
}

#[test]
fn vc_verify_refuses_invalid_proof_dates_and_expired_proofs() {
    let key = with_key();
    let key: Vec<&str> = key.iter().map(String::as_str).collect();
    for suite in ["eddsa-jcs-2022", "eddsa-rdfc-2022"] {
        for (member, value) in
            [("created", "invalidDate"), ("expires", "invalidDate"), ("created", "2023-02-24T23:36:38")]
        {
            let doc = signed_with(suite, &[(member, json!(value))]);
            let (c, out) = verify(&doc, &key);
            assert_eq!(c, 1, "{suite}: {member} {value:?} verified: {out}");
            assert!(out.contains(&format!("proof {member} is not an XML Schema dateTime")), "{suite}: {out}");
        }
        let doc = signed_with(suite, &[("expires", json!("2025-01-01T00:00:00Z"))]);
        let (c, out) = verify(&doc, &key);
        assert_eq!(c, 1, "{suite}: an expired proof verified: {out}");
        assert!(out.contains("the proof expired at 2025-01-01T00:00:00Z"), "{suite}: {out}");
        let mut before = key.clone();
        before.extend(["--now", "2024-12-31T23:59:59Z"]);
        assert_eq!(verify(&doc, &before).0, 0, "{suite}: before it expires");
        let offset = signed_with(suite, &[("created", json!("2023-02-25T06:36:38.5+07:00"))]);
        assert_eq!(verify(&offset, &key).0, 0, "{suite}: a dateTime with an offset and a fraction");
    }
}

const SET_CHAIN: &str = "proof-set-chain";

fn set_chain(name: &str) -> PathBuf {
    w3c(SET_CHAIN).join(name)
}

#[test]
fn vc_verify_accepts_the_w3c_proof_set_and_chains() {
    for name in ["signedProofSet1.json", "signedProofSet2.json", "signedProofChain1.json", "signedProofChain2.json"] {
        let out = dwp(&["vc", "verify", &s(&set_chain(name))]);
        assert_eq!(code(&out), 0, "{name}: {}{}", stdout(&out), stderr(&out));
        let n = read_json(&set_chain(name))["proof"].as_array().map_or(1, Vec::len);
        assert_eq!(stdout(&out).lines().filter(|l| l.starts_with("verified: eddsa-rdfc-2022")).count(), n, "{name}");
    }
}

#[test]
fn vc_verify_resolves_every_proof_of_a_chain_from_a_did_document() {
    let pairs = read_json(&set_chain("multiKeyPairs.json"));
    let did = "did:example:chain";
    let methods: Vec<Value> = pairs
        .as_object()
        .expect("pairs")
        .values()
        .map(|p| {
            let mb = p["publicKeyMultibase"].as_str().expect("multibase");
            json!({ "id": format!("did:key:{mb}#{mb}"), "type": "Multikey", "controller": did, "publicKeyMultibase": mb })
        })
        .collect();
    let ids: Vec<Value> = methods.iter().map(|m| m["id"].clone()).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = json!({ "id": did, "verificationMethod": methods, "assertionMethod": ids });
    let path = write(dir.path(), "did.json", &doc.to_string());
    let out = dwp(&["vc", "verify", "--did-doc", &path, &s(&set_chain("signedProofChain2.json"))]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let mut only_first = doc.clone();
    only_first["assertionMethod"] = json!([ids[0]]);
    let path = write(dir.path(), "did1.json", &only_first.to_string());
    let out = dwp(&["vc", "verify", "--did-doc", &path, &s(&set_chain("signedProofChain2.json"))]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out)
            .contains("proof 2 (of 4): the DID document does not list the verification method under assertionMethod"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn vc_verify_refuses_tampered_proof_sets_and_chains() {
    let dir = tempfile::tempdir().expect("tempdir");
    let check = |doc: &Value, expect: &str, what: &str| {
        let path = write(dir.path(), "tampered.json", &doc.to_string());
        let out = dwp(&["vc", "verify", &path]);
        assert_eq!(code(&out), 1, "{what} verified");
        assert!(stdout(&out).contains(expect), "{what}: {}", stdout(&out));
    };
    let set = read_json(&set_chain("signedProofSet2.json"));
    let mut t = set.clone();
    t["proof"][1]["proofValue"] = t["proof"][0]["proofValue"].clone();
    check(&t, "proof 2 (of 2)", "a set whose second signature is the first's");
    let mut t = set.clone();
    t["credentialSubject"]["alumniOf"] = json!("Another School");
    check(&t, "proof 1 (of 2)", "a set over a changed subject");
    let chain = read_json(&set_chain("signedProofChain1.json"));
    let mut t = chain.clone();
    t["proof"].as_array_mut().expect("proofs").remove(0);
    check(&t, "previousProof names a proof that is not in the document", "a chain missing a proof it names");
    let mut t = chain.clone();
    t["proof"][2]["previousProof"] = json!(["urn:uuid:8cc9022b-6b14-4cf3-8571-74972c5feb54"]);
    check(&t, "proof 3 (of 3)", "a chain link that names fewer proofs than it signed");
    let mut t = chain.clone();
    t["proof"][0]["created"] = json!("2023-02-24T23:36:39Z");
    check(&t, "proof 1 (of 3)", "a changed earlier proof");
}

fn key_file(dir: &Path, n: u32) -> String {
    let pairs = read_json(&set_chain("multiKeyPairs.json"));
    write(dir, &format!("key{n}.json"), &pairs[format!("keyPair{n}")].to_string())
}

fn sign_next(dir: &Path, doc: &Path, key: u32, created: &str, id: Option<&str>, previous: &[&str]) -> Value {
    let key = key_file(dir, key);
    let mut args = vec!["vc", "sign", "--key", &key, "--cryptosuite", "eddsa-rdfc-2022", "--created", created];
    if let Some(id) = id {
        args.extend(["--proof-id", id]);
    }
    for p in previous {
        args.extend(["--previous-proof", p]);
    }
    let doc = s(doc);
    args.push(&doc);
    let out = dwp(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("signed JSON")
}

#[test]
fn vc_sign_reproduces_the_w3c_proof_set_and_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p1 = "urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544";
    let p2 = "urn:uuid:8cc9022b-6b14-4cf3-8571-74972c5feb54";
    let p3 = "urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c23";
    let set2 = sign_next(dir.path(), &set_chain("signedProofSet1.json"), 2, "2023-02-24T23:36:38Z", Some(p2), &[]);
    assert_eq!(set2, read_json(&set_chain("signedProofSet2.json")), "signedProofSet2.json");
    let chain1 =
        sign_next(dir.path(), &set_chain("signedProofSet2.json"), 3, "2023-02-26T22:06:38Z", Some(p3), &[p1, p2]);
    assert_eq!(chain1, read_json(&set_chain("signedProofChain1.json")), "signedProofChain1.json");
    let chain2 = sign_next(dir.path(), &set_chain("signedProofChain1.json"), 4, "2023-02-26T22:16:38Z", None, &[p3]);
    assert_eq!(chain2, read_json(&set_chain("signedProofChain2.json")), "signedProofChain2.json");
    let key = key_file(dir.path(), 4);
    let out = dwp(&[
        "vc",
        "sign",
        "--key",
        &key,
        "--cryptosuite",
        "eddsa-jcs-2022",
        "--previous-proof",
        "urn:uuid:none",
        &s(&set_chain("signedProofChain1.json")),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("previousProof names a proof that is not in the document"), "{}", stderr(&out));
}

#[test]
fn vc_sign_refuses_what_is_not_a_credential_naming_what_is_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let unsigned = read_json(&w3c("unsigned.json"));
    let key = s(&w3c("keyPair.json"));
    let cases: [(&str, Option<Value>, &str); 5] = [
        ("credentialSubject", None, "credentialSubject is missing"),
        ("issuer", None, "issuer is missing"),
        ("type", Some(json!(["AlumniCredential"])), "type must contain VerifiableCredential"),
        (
            "@context",
            Some(json!(["https://www.w3.org/ns/credentials/examples/v2"])),
            "@context must be a list whose first entry is",
        ),
        ("@context", Some(json!(["https://www.w3.org/2018/credentials/v1"])), "issuanceDate is missing"),
    ];
    for (member, value, expect) in cases {
        let mut doc = unsigned.clone();
        match value {
            Some(v) => doc[member] = v,
            None => {
                doc.as_object_mut().expect("object").remove(member);
            }
        }
        let path = write(dir.path(), "doc.json", &doc.to_string());
        for suite in ["eddsa-jcs-2022", "eddsa-rdfc-2022"] {
            let out = dwp(&["vc", "sign", "--key", &key, "--cryptosuite", suite, &path]);
            assert_eq!(code(&out), 2, "{member}: {suite} signed it");
            assert!(stderr(&out).contains(expect), "{member}: {}", stderr(&out));
        }
    }
}

#[test]
fn vc_signs_and_verifies_vc_1_1_credentials_with_the_data_integrity_v2_context() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = s(&w3c("keyPair.json"));
    let v1 = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2010-01-01T19:23:24Z",
        "credentialSubject": { "id": "did:example:subject" },
    });
    // A VC 1.1 credential takes the proof's terms from the Data Integrity v2 context. (With the VC 2.0
    // context, which defines them itself, the two contexts' protected terms clash.)
    let mut issued = v1.clone();
    issued["issuer"] = json!({ "id": "did:example:issuer" });
    for (name, doc) in [("credentials-v1", v1), ("credentials-v1-issuer-object", issued)] {
        let path = write(dir.path(), &format!("{name}.json"), &doc.to_string());
        for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
            let out = dwp(&["vc", "sign", "--key", &key, "--cryptosuite", suite, &path]);
            assert_eq!(code(&out), 0, "{name} {suite}: {}", stderr(&out));
            let signed = write(dir.path(), "signed.json", &stdout(&out));
            let out = dwp(&["vc", "verify", &signed]);
            assert_eq!(code(&out), 0, "{name} {suite}: {}", stdout(&out));
            let mut changed: Value =
                serde_json::from_str(&std::fs::read_to_string(&signed).expect("read")).expect("json");
            changed["credentialSubject"]["id"] = json!("did:example:other");
            let changed = write(dir.path(), "changed.json", &changed.to_string());
            assert_eq!(code(&dwp(&["vc", "verify", &changed])), 1, "{name} {suite}: a change is noticed");
        }
    }
}
