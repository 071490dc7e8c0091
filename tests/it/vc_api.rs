//! `dwp vc-api`, the W3C VC API conformance service, driven over loopback HTTP
//! as the W3C interoperability test suites drive it: issuing with each
//! cryptosuite (checked step by step against the W3C vectors' procedure and by
//! `dwp vc verify`), verifying the W3C vectors (proof set and chains included)
//! and tampered copies, and refusing bad requests with the VC API's status codes.

use std::path::{Path, PathBuf};
use std::process::Child;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use dwp_verifier::ed25519::PublicKey;
use dwp_verifier::multikey;

use crate::common::*;

fn read_text(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A running `dwp vc-api`, killed when dropped.
struct VcApi {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl VcApi {
    fn start(key: &Path, suite: &str, extra: &[&str]) -> VcApi {
        use std::ffi::OsStr;
        let mut args: Vec<&OsStr> =
            ["vc-api", "--listen", "127.0.0.1:0", "--cryptosuite", suite, "--key"].map(OsStr::new).to_vec();
        args.push(key.as_os_str());
        args.extend(extra.iter().map(OsStr::new));
        let (child, base, agent) = start_tool(&args, "vc-api");
        VcApi { child, base, agent }
    }

    fn post(&self, path: &str, body: &str) -> (u16, Value) {
        let resp = self
            .agent
            .post(&format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(body)
            .expect("POST");
        let status = resp.status().as_u16();
        let text = resp.into_body().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn issue(&self, body: &Value) -> (u16, Value) {
        self.post("/credentials/issue", &body.to_string())
    }

    fn verify(&self, vc: &Value) -> (u16, Value) {
        self.post("/credentials/verify", &json!({ "verifiableCredential": vc, "options": {} }).to_string())
    }
}

impl Drop for VcApi {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The vectors' key pair, as the service's test key.
fn vector_key(dir: &Path) -> PathBuf {
    let path = dir.join("test-key.json");
    std::fs::write(&path, read_text(&w3c("keyPair.json"))).expect("write key");
    path
}

fn vc_verify(dir: &Path, vc: &Value) -> i32 {
    let path = write(dir, "issued.json", &vc.to_string());
    let out = dwp(&["vc", "verify", &path]);
    code(&out)
}

/// The W3C vectors' procedure, step by step: canonical document, its hash, the
/// proof configuration, its canonical form and hash, and the signature over both
/// under the did:key of the verification method.
fn check_by_the_vectors_procedure(issued: &Value, suite: &str) {
    let (dir, suffix) = match suite {
        "eddsa-jcs-2022" => ("eddsa-jcs-2022", "JCS"),
        _ => ("eddsa-rdfc-2022", "DataInt"),
    };
    let file = |name: &str| w3c(dir).join(format!("{name}{suffix}.txt"));
    let mut unsecured = issued.as_object().expect("object").clone();
    let mut config = unsecured.remove("proof").expect("proof").as_object().expect("proof object").clone();
    let proof_value = config.remove("proofValue").expect("proofValue");
    config.insert("@context".into(), unsecured["@context"].clone());
    let (canon_doc, canon_proof) = if suite == "eddsa-jcs-2022" {
        (
            serde_json_canonicalizer::to_string(&Value::Object(unsecured)).expect("jcs"),
            serde_json_canonicalizer::to_string(&Value::Object(config)).expect("jcs"),
        )
    } else {
        let contexts = dwp_issuer::contexts::rdfc_contexts();
        (
            dwp_issuer::rdfc::canonicalize(&Value::Object(unsecured), &contexts).expect("rdfc"),
            dwp_issuer::rdfc::canonicalize(&Value::Object(config), &contexts).expect("rdfc"),
        )
    };
    assert_eq!(canon_doc, read_text(&file("canonDoc")), "{suite}: canonDoc");
    let doc_hash = Sha256::digest(canon_doc.as_bytes());
    assert_eq!(hex(&doc_hash), read_text(&file("docHash")).trim(), "{suite}: docHash");
    assert_eq!(canon_proof, read_text(&file("proofCanon")), "{suite}: proofCanon");
    let proof_hash = Sha256::digest(canon_proof.as_bytes());
    assert_eq!(hex(&proof_hash), read_text(&file("proofHash")).trim(), "{suite}: proofHash");
    let combined = [proof_hash.as_slice(), doc_hash.as_slice()].concat();
    assert_eq!(hex(&combined), read_text(&file("combinedHash")).trim(), "{suite}: combinedHash");
    assert_eq!(proof_value, read_text(&file("sigBTC58")).trim(), "{suite}: sigBTC58");
    let signature = multikey::decode_signature(proof_value.as_str().expect("string")).expect("signature");
    assert_eq!(hex(&signature), read_text(&file("sigHex")).trim(), "{suite}: sigHex");
    let vm = issued["proof"]["verificationMethod"].as_str().expect("vm");
    let key = multikey::parse_did_key_checked(vm.split('#').next().expect("did")).expect("did:key");
    let key = PublicKey::from_bytes(&key.to_bytes()).expect("key");
    key.verify(&combined, &signature).expect("the signature verifies under the did:key");
}

#[test]
fn vc_api_issues_with_each_cryptosuite_as_the_w3c_vectors_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = vector_key(dir.path());
    let unsigned = read_json(&w3c("unsigned.json"));
    for (suite, vector) in
        [("eddsa-jcs-2022", "eddsa-jcs-2022/signedJCS.json"), ("eddsa-rdfc-2022", "eddsa-rdfc-2022/signedDataInt.json")]
    {
        let api = VcApi::start(&key, suite, &[]);
        let (status, body) =
            api.issue(&json!({ "credential": unsigned, "options": { "created": "2023-02-24T23:36:38Z" } }));
        assert_eq!(status, 201, "{suite}: {body}");
        let issued = &body["verifiableCredential"];
        assert_eq!(issued, &read_json(&w3c(vector)), "{suite}: the issued credential is {vector}");
        check_by_the_vectors_procedure(issued, suite);
        assert_eq!(vc_verify(dir.path(), issued), 0, "{suite}: dwp vc verify accepts it");
        // Without options, now; without an issuer, its own did:key.
        let mut anonymous = unsigned.clone();
        anonymous.as_object_mut().expect("object").remove("issuer");
        let (status, body) = api.issue(&json!({ "credential": anonymous }));
        assert_eq!(status, 201, "{suite}: {body}");
        let issued = &body["verifiableCredential"];
        assert_eq!(issued["issuer"], "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "{suite}");
        assert_eq!(issued["proof"]["cryptosuite"], suite);
        assert_eq!(vc_verify(dir.path(), issued), 0, "{suite}: dwp vc verify accepts it");
        let (status, answer) = api.verify(issued);
        assert_eq!((status, &answer["verified"]), (200, &json!(true)), "{suite}: {answer}");
    }
}

#[test]
fn vc_api_verifies_the_w3c_vectors_and_refuses_tampered_copies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let api = VcApi::start(&vector_key(dir.path()), "eddsa-rdfc-2022", &[]);
    let vectors = [
        "eddsa-jcs-2022/signedJCS.json",
        "eddsa-rdfc-2022/signedDataInt.json",
        "proof-set-chain/signedProofSet1.json",
        "proof-set-chain/signedProofSet2.json",
        "proof-set-chain/signedProofChain1.json",
        "proof-set-chain/signedProofChain2.json",
    ];
    for name in vectors {
        let vc = read_json(&w3c(name));
        let (status, body) = api.verify(&vc);
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body, json!({ "verified": true, "checks": ["proof"], "warnings": [], "errors": [] }), "{name}");
        let mut changed = vc.clone();
        changed["credentialSubject"]["alumniOf"] = json!("Another School");
        let (status, body) = api.verify(&changed);
        assert_eq!(status, 400, "{name}: a changed subject: {body}");
        assert_eq!(body["verified"], false, "{name}");
        assert_eq!(body["errors"][0]["type"], "https://w3id.org/security#PROOF_VERIFICATION_ERROR", "{name}: {body}");
    }
    let mut chain = read_json(&w3c("proof-set-chain/signedProofChain2.json"));
    chain["proof"].as_array_mut().expect("proofs").remove(2);
    let (status, body) = api.verify(&chain);
    assert_eq!(status, 400, "a chain missing a link: {body}");
    assert!(body["errors"][0]["detail"].as_str().expect("detail").contains("previousProof"), "{body}");
    let mut set = read_json(&w3c("proof-set-chain/signedProofSet2.json"));
    set["proof"][0]["proofPurpose"] = json!("authentication");
    let (status, body) = api.verify(&set);
    assert_eq!(status, 400, "an authentication proof: {body}");
    assert!(body["errors"][0]["detail"].as_str().expect("detail").contains("proofPurpose"), "{body}");
    let jcs = read_json(&w3c("eddsa-jcs-2022/signedJCS.json"));
    let body = json!({ "verifiableCredential": jcs, "options": { "expectedProofPurpose": "authentication" } });
    let (status, answer) = api.post("/credentials/verify", &body.to_string());
    assert_eq!(status, 400, "an assertion proof where authentication is expected: {answer}");
    let body = json!({ "verifiableCredential": jcs, "options": { "domain": "example.org" } });
    let (status, answer) = api.post("/credentials/verify", &body.to_string());
    assert_eq!(status, 400, "a proof locked to no domain where one is expected: {answer}");
    assert!(answer["errors"][0]["detail"].as_str().expect("detail").contains("domain"), "{answer}");
    let mut no_subject = jcs.clone();
    no_subject.as_object_mut().expect("object").remove("credentialSubject");
    let (status, answer) = api.verify(&no_subject);
    assert_eq!(status, 400, "{answer}");
    assert!(answer["errors"][0]["detail"].as_str().expect("detail").contains("credentialSubject"), "{answer}");
    for bad in ["{}", "not json", r#"{"credential": {}}"#] {
        let (status, answer) = api.post("/credentials/verify", bad);
        assert_eq!(status, 400, "{bad}: {answer}");
    }
}

#[test]
fn vc_api_refuses_bad_issue_requests_with_400() {
    let dir = tempfile::tempdir().expect("tempdir");
    let api = VcApi::start(&vector_key(dir.path()), "eddsa-jcs-2022", &[]);
    let unsigned = read_json(&w3c("unsigned.json"));
    let mut no_subject = unsigned.clone();
    no_subject.as_object_mut().expect("object").remove("credentialSubject");
    let signed = read_json(&w3c("eddsa-jcs-2022/signedJCS.json"));
    let cases = [
        (json!({}), "credential"),
        (json!({ "credential": "text" }), "JSON object"),
        (json!({ "credential": no_subject }), "credentialSubject is missing"),
        (json!({ "credential": unsigned, "options": { "created": "invalidDate" } }), "created must be"),
        (json!({ "credential": unsigned, "options": { "created": 5 } }), "options.created"),
        (json!({ "credential": signed }), "must not have a proof"),
    ];
    for (body, expect) in cases {
        let (status, answer) = api.issue(&body);
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["detail"].as_str().unwrap_or_default().contains(expect), "{body}: {answer}");
    }
    let (status, _) = api.post("/credentials/issue", "{");
    assert_eq!(status, 400);
}

#[test]
fn vc_api_takes_its_own_test_key_and_says_it_is_a_conformance_tool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = dir.path().join("keys");
    let out = dwp(&["keys", "generate", "--out", &keys.to_string_lossy()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for file in ["issuer-key.json", "root-key.json"] {
        let out = dwp(&["vc-api", "--listen", "127.0.0.1:0", "--key", &keys.join(file).to_string_lossy()]);
        assert_eq!(code(&out), 2, "{file} was taken");
        assert!(stderr(&out).contains("own test key"), "{}", stderr(&out));
    }
    let renamed = dir.path().join("renamed.json");
    std::fs::copy(keys.join("issuer-key.json"), &renamed).expect("copy");
    let out = dwp(&["vc-api", "--listen", "127.0.0.1:0", "--key", &renamed.to_string_lossy()]);
    assert_eq!(code(&out), 2, "an issuer key under another name was taken");
    assert!(stderr(&out).contains("an issuer's key"), "{}", stderr(&out));

    let in_folder = keys.join("copy.json");
    std::fs::copy(keys.join("root-key.json"), &in_folder).expect("copy");
    let out = dwp(&["vc-api", "--listen", "127.0.0.1:0", "--key", &in_folder.to_string_lossy()]);
    assert_eq!(code(&out), 2, "the root key under another name was taken");
    assert!(stderr(&out).contains("names this key, so it is a registry key"), "{}", stderr(&out));

    let fresh = dir.path().join("test-key.json");
    let api = VcApi::start(&fresh, "eddsa-rdfc-2022", &["--generate-key"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&fresh).expect("key written").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the generated key is private");
    }
    let (status, body) = api.issue(&json!({ "credential": read_json(&w3c("unsigned.json")) }));
    assert_eq!(status, 201, "{body}");
    assert_eq!(vc_verify(dir.path(), &body["verifiableCredential"]), 0);
    drop(api);
    let out = dwp(&["vc-api", "--generate-key", "--listen", "127.0.0.1:0", "--key", &fresh.to_string_lossy()]);
    assert_eq!(code(&out), 2, "an existing key is never overwritten");

    let help = stdout(&dwp(&["vc-api", "--help"]));
    assert!(help.contains("A conformance tool") && help.contains("never the registry's"), "{help}");
    let serve_help = stdout(&dwp(&["serve", "--help"]));
    assert!(!serve_help.contains("vc-api") && !serve_help.contains("credentials/issue"), "{serve_help}");
}
