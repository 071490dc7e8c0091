//! `dwp vc sign|verify` against the W3C vc-di-eddsa test vectors, read in place.

use serde_json::Value;

use crate::common::*;

const VM: &str =
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";

fn sign(suite: &str) -> Value {
    let out = dwp(&[
        "vc",
        "sign",
        "--key",
        &s(&w3c("keyPair.json")),
        "--cryptosuite",
        suite,
        "--created",
        "2023-02-24T23:36:38Z",
        "--verification-method",
        VM,
        &s(&w3c("unsigned.json")),
    ]);
    assert_eq!(code(&out), 0, "{suite}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("signed JSON")
}

#[test]
fn vc_sign_reproduces_the_eddsa_jcs_2022_vector() {
    let ours = sign("eddsa-jcs-2022");
    let theirs = read_json(&w3c("eddsa-jcs-2022/signedJCS.json"));
    assert_eq!(ours["proof"]["proofValue"], theirs["proof"]["proofValue"], "signedJCS.json proofValue");
    assert_eq!(ours, theirs, "signedJCS.json");
}

#[test]
fn vc_sign_reproduces_the_eddsa_rdfc_2022_vector() {
    let ours = sign("eddsa-rdfc-2022");
    let theirs = read_json(&w3c("eddsa-rdfc-2022/signedDataInt.json"));
    assert_eq!(ours["proof"]["proofValue"], theirs["proof"]["proofValue"], "signedDataInt.json proofValue");
    assert_eq!(ours, theirs, "signedDataInt.json");
}

fn verify_file(path: &str) -> i32 {
    code(&dwp(&["vc", "verify", "--key", &s(&w3c("keyPair.json")), path]))
}

fn leaves(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Value::Object(m) = v {
        for (k, child) in m {
            at.push(k.clone());
            leaves(child, at, out);
            at.pop();
        }
    } else {
        out.push(at.clone());
    }
}

fn every_change_is_refused(vector: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let signed = read_json(&w3c(vector));
    assert_eq!(verify_file(&s(&w3c(vector))), 0, "{vector} verifies");
    let mut paths = Vec::new();
    leaves(&signed, &mut Vec::new(), &mut paths);
    assert!(paths.len() >= 10, "{vector}: only {} leaves", paths.len());
    for path in paths {
        let mut changed = signed.clone();
        let leaf = path.iter().try_fold(&mut changed, |v, k| v.get_mut(k.as_str())).expect("leaf");
        let replacement = match &*leaf {
            Value::String(s) => Value::String(format!("{s}x")),
            other => Value::String(format!("{other}x")),
        };
        *leaf = replacement;
        let file = write(dir.path(), "changed.json", &changed.to_string());
        assert_eq!(verify_file(&file), 1, "{vector}: changing {path:?} was not noticed");
    }
}

#[test]
fn vc_verify_accepts_the_jcs_vector_and_refuses_every_change() {
    every_change_is_refused("eddsa-jcs-2022/signedJCS.json");
}

#[test]
fn vc_verify_accepts_the_rdfc_vector_and_refuses_every_change() {
    every_change_is_refused("eddsa-rdfc-2022/signedDataInt.json");
}

#[test]
fn vc_verify_resolves_the_key_from_a_did_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let did = VM.split('#').next().expect("did");
    let doc = serde_json::json!({
        "id": did,
        "verificationMethod": [{ "id": VM, "type": "Multikey", "controller": did,
            "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2" }],
        "assertionMethod": [VM],
    });
    let path = write(dir.path(), "did.json", &doc.to_string());
    let out = dwp(&["vc", "verify", "--did-doc", &path, &s(&w3c("eddsa-jcs-2022/signedJCS.json"))]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let mut not_asserted = doc.clone();
    not_asserted["assertionMethod"] = serde_json::json!([]);
    let path = write(dir.path(), "did2.json", &not_asserted.to_string());
    let out = dwp(&["vc", "verify", "--did-doc", &path, &s(&w3c("eddsa-jcs-2022/signedJCS.json"))]);
    assert_eq!(code(&out), 1, "a key not listed under assertionMethod is refused");
}

#[test]
fn vc_verify_names_a_context_this_build_does_not_hold() {
    let out = dwp(&[
        "vc",
        "verify",
        "--key",
        &s(&w3c("keyPair.json")),
        &s(&w3c("eddsa-rdfc-2022/employ/signedDataInt.json")),
    ]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("https://w3id.org/citizenship/v4rc1"), "{}", stdout(&out));
}
