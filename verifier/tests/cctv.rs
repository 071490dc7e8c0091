//! The C2SP CCTV Ed25519 edge cases: every vector answered, the answers pinned.

use std::collections::BTreeSet;
use std::path::PathBuf;

use dwp_verifier::ed25519;
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/cctv-ed25519")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn load() -> Vec<Value> {
    let path = vectors_dir().join("ed25519vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let v: Vec<Value> = serde_json::from_str(&text).expect("vectors are JSON");
    assert!(v.len() >= 900, "{} holds only {} vectors", path.display(), v.len());
    v
}

fn accepted(v: &Value) -> bool {
    let key: [u8; 32] = hex(v["key"].as_str().expect("key")).try_into().expect("32-byte key");
    let sig: [u8; 64] = hex(v["sig"].as_str().expect("sig")).try_into().expect("64-byte sig");
    ed25519::verify(&key, v["msg"].as_str().expect("msg").as_bytes(), &sig).is_ok()
}

#[test]
fn every_cctv_vector_gets_its_pinned_answer() {
    let vectors = load();
    let ours: BTreeSet<u64> =
        vectors.iter().filter(|v| accepted(v)).map(|v| v["number"].as_u64().expect("number")).collect();
    let pin_file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/cctv-accepted.txt");
    if std::env::var_os("DWP_REPIN").is_some() {
        let mut text = String::from(
            "# CCTV ed25519vectors.json numbers that dwp_verifier::ed25519::verify accepts; all others are refused.\n",
        );
        ours.iter().for_each(|n| text.push_str(&format!("{n}\n")));
        std::fs::write(&pin_file, text).expect("writing the pinned answers");
    }
    let pinned_text = std::fs::read_to_string(&pin_file).expect("reading the pinned answers");
    let pinned: BTreeSet<u64> = pinned_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.trim().parse().expect("a vector number"))
        .collect();
    assert!(!pinned.is_empty(), "the pinned answer file is empty");
    assert_eq!(ours, pinned, "accepted CCTV vectors changed (left: now, right: pinned)");
    assert!(ours.len() < vectors.len(), "some edge cases must be refused");
}

#[test]
fn weak_and_non_canonical_keys_and_r_values_are_refused() {
    let refused_flags = ["low_order_A", "low_order_R", "non_canonical_A", "non_canonical_R"];
    for v in load() {
        let flags: Vec<&str> =
            v["flags"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        if flags.iter().any(|f| refused_flags.contains(f)) {
            assert!(!accepted(&v), "vector {} with flags {flags:?} was accepted", v["number"]);
        }
    }
}
