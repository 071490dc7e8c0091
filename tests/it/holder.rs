//! Holder binding from the command line (SPEC §12): a holder key from `dwp wallet keygen`, a permit
//! issued to it, its `DWP1H:` presentation from `dwp wallet present`, and the verdicts of
//! `dwp verify` — live, stale, missing, invalid — with a revocation still winning; the batch
//! report's holder column; and the RFC 8032 vector recomputed from the specification's words alone.

use std::path::PathBuf;

use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

use dwp_verifier::cbor::{self, Item, Writer};

use crate::common::*;

const PRESENTED_AT: &str = "2027-01-01T00:00:12Z";

struct Holder {
    f: Fixture,
    key: String,
    did: String,
}

impl Holder {
    fn new() -> Self {
        let f = Fixture::new();
        let key = f.path("holder-key.json").to_string_lossy().to_string();
        let out = dwp(&["wallet", "keygen", "--out", &key]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let did = stdout(&out).trim().to_string();
        Holder { f, key, did }
    }

    /// Issues the sample permit (with `number`) bound to the holder key; returns its DWP1: payload.
    fn issue(&self, number: &str) -> String {
        let mut permit: Value = serde_json::from_str(SAMPLE).expect("sample");
        permit["worker"]["holderKey"] = self.did.clone().into();
        permit["permitNumber"] = number.into();
        let path = write(self.f.dir.path(), &format!("{number}.json"), &permit.to_string());
        let out = self.f.issue_cli(&path, &["--created", "2026-11-24T03:00:00Z"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        stdout(&out).trim().to_string()
    }

    fn present(&self, payload: &str, now: &str) -> String {
        let out = dwp(&["wallet", "present", "--key", &self.key, "--payload", payload, "--now", now]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(stderr(&out).contains("QR version"), "{}", stderr(&out));
        stdout(&out).trim().to_string()
    }
}

/// A verdict's code (its reason, else its warning, else `valid`) and holder state.
fn outcome(v: &Value) -> (String, String) {
    let code = v["reason"].as_str().or(v["warning"].as_str()).unwrap_or("valid");
    (code.to_string(), v["holder"].as_str().unwrap_or("-").to_string())
}

fn verify_with(f: &Fixture, payload: &str, now: &str, extra: &[&str]) -> (i32, Value) {
    let trust = f.trust();
    let root = f.root();
    let mut args = vec!["verify", "--trust", &trust, "--root", &root, "--now", now, "--json"];
    args.extend_from_slice(extra);
    args.push(payload);
    let out = dwp(&args);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (code(&out), json)
}

#[test]
fn keygen_issue_present_verify_live_stale_and_missing() {
    let h = Holder::new();
    assert!(h.did.starts_with("did:key:z6Mk"), "{}", h.did);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&h.key).expect("key file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the holder key is private");
    }
    let again = dwp(&["wallet", "keygen", "--out", &h.key]);
    assert_eq!(code(&again), 2, "an existing key is never replaced");

    let payload = h.issue("WP-2569-21-000123");
    let shown = h.present(&payload, PRESENTED_AT);
    assert!(shown.starts_with("DWP1H:"), "{shown}");
    assert!(shown.len() <= 470, "the sample's holder-bound QR fits version 16-Q: {} characters", shown.len());

    let (rc, live) = verify_with(&h.f, &shown, "2027-01-01T00:00:20Z", &[]);
    assert_eq!(
        (rc, &live["valid"], &live["holder"], &live["warning"]),
        (0, &true.into(), &"live".into(), &Value::Null)
    );
    assert_eq!(live["holderProofAgeSeconds"], 20, "the proof's step began at 00:00:00");
    assert_eq!(live["holderFreshness"]["en"], "shown live from the holder's phone — holder proof 20 s old");
    assert_eq!(live["permit"]["holderKey"], h.did.as_str());

    // Five minutes later the same QR is a screenshot, unless the verifier allows that much clock skew.
    let (rc, stale) = verify_with(&h.f, &shown, "2027-01-01T00:05:12Z", &[]);
    assert_eq!((rc, &stale["valid"], &stale["holder"]), (0, &true.into(), &"stale".into()));
    assert_eq!(outcome(&stale), ("holder_proof_stale".into(), "stale".into()));
    assert_eq!(stale["title"]["en"], "MAY BE A SCREENSHOT");
    assert!(
        stale["message"]["km"].is_string() && stale["message"]["my"].is_string() && stale["message"]["lo"].is_string()
    );
    let (_, tolerated) = verify_with(&h.f, &shown, "2027-01-01T00:05:12Z", &["--holder-tolerance", "300"]);
    assert_eq!(tolerated["holder"], "live");
    let wide = dwp(&["verify", "--trust", &h.f.trust(), "--holder-tolerance", "3601", &shown]);
    assert_eq!(code(&wide), 2, "{}", stderr(&wide));
    assert!(stderr(&wide).contains("--holder-tolerance"), "{}", stderr(&wide));

    // The plain payload of a bound permit: amber; a printed card of an unbound permit stays plain valid.
    let (rc, missing) = verify_with(&h.f, &payload, "2027-01-01T00:00:20Z", &[]);
    assert_eq!(rc, 0);
    assert_eq!(outcome(&missing), ("holder_proof_missing".into(), "missing".into()));
    let (rc, card) = verify_with(&h.f, &sample_payload(), "2027-01-01T00:00:20Z", &[]);
    assert_eq!((rc, &card["holder"], &card["warning"]), (0, &"unbound".into(), &Value::Null));
    assert_eq!(card["title"]["en"], "VALID");

    // People read the same outcomes.
    let out = dwp(&["verify", "--trust", &h.f.trust(), "--now", "2027-01-01T00:05:12Z", &shown]);
    assert!(
        stdout(&out).contains("VALID, CHECK THE PASSPORT") && stdout(&out).contains("MAY BE A SCREENSHOT"),
        "{}",
        stdout(&out)
    );
    let out = dwp(&["verify", "--trust", &h.f.trust(), "--now", "2027-01-01T00:00:20Z", &shown]);
    assert!(stdout(&out).contains("holder proof 20 s old"), "{}", stdout(&out));
}

/// Replaces the credential of a presentation, keeping its step and signature.
fn transplant(presentation: &str, onto: &str) -> String {
    let bytes = base45::decode(&presentation["DWP1H:".len()..]).expect("base45");
    let Ok(Item::Array(parts)) = cbor::decode(&bytes) else { panic!("a presentation is an array") };
    let (Item::Uint(step), Item::Bytes(sig)) = (&parts[1], &parts[2]) else { panic!("[credential, step, signature]") };
    let mut w = Writer::default();
    w.array(3);
    w.bytes(&base45::decode(&onto["DWP1:".len()..]).expect("base45"));
    w.uint(*step);
    w.bytes(sig);
    format!("DWP1H:{}", base45::encode(&w.buf))
}

#[test]
fn a_proof_moved_onto_another_permit_or_by_another_key_is_invalid() {
    let h = Holder::new();
    let first = h.issue("WP-2569-21-000123");
    let second = h.issue("WP-2569-21-000124");
    let moved = transplant(&h.present(&first, PRESENTED_AT), &second);
    let (rc, v) = verify_with(&h.f, &moved, PRESENTED_AT, &[]);
    assert_eq!((rc, &v["detail"]), (1, &"signature".into()));
    assert_eq!(outcome(&v), ("holder_proof_invalid".into(), "invalid".into()));
    assert_eq!(
        v["permit"]["permitNumber"], "WP-2569-21-000124",
        "the issuer's signature verified: the permit is shown"
    );

    // A wallet with another key refuses to present the permit at all.
    let other = h.f.path("other-key.json").to_string_lossy().to_string();
    assert_eq!(code(&dwp(&["wallet", "keygen", "--out", &other])), 0);
    let out = dwp(&["wallet", "present", "--key", &other, "--payload", &first, "--now", PRESENTED_AT]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("not bound to this key"), "{}", stderr(&out));
    let out = dwp(&["wallet", "present", "--key", &h.key, "--payload", "DWP1:NOT-A-PERMIT"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));

    // Malformed presentations are `malformed`, with their own detail.
    let (rc, v) = verify_with(&h.f, "DWP1H:NOT-A-PRESENTATION", PRESENTED_AT, &[]);
    assert_eq!((rc, &v["reason"], &v["detail"]), (1, &"malformed".into(), &"base45".into()));
    let (rc, v) = verify_with(&h.f, &format!("DWP1H:{}", base45::encode([0x80])), PRESENTED_AT, &[]);
    assert_eq!((rc, &v["reason"], &v["detail"]), (1, &"malformed".into(), &"presentation".into()));
}

fn vector(id: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("wallet-spec/vectors/{id}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("vector")).expect("json")
}

#[test]
fn a_revocation_wins_over_a_live_proof_and_the_batch_report_names_the_holder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let revoked = vector("holder-revoked-wins");
    let input = &revoked["input"];
    let bundle = write(dir.path(), "revoked.json", &input["bundle"].to_string());
    let root = revoked["root"].as_str().expect("root");
    let now = input["now"].as_str().expect("now");
    let payload = input["payload"].as_str().expect("payload");
    let out = dwp(&["verify", "--bundle", &bundle, "--root", root, "--now", now, "--json", payload]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("verdict");
    assert_eq!((code(&out), &v["reason"], &v["holder"]), (1, &"revoked".into(), &Value::Null));

    // One bundle in which nothing is revoked, and a row of each holder outcome.
    let live = vector("holder-live");
    let clear = write(dir.path(), "clear.json", &live["input"]["bundle"].to_string());
    let rows: Vec<String> = ["holder-live", "holder-outside-window", "holder-missing", "holder-transplanted", "valid"]
        .iter()
        .map(|id| format!("{id},{}", vector(id)["input"]["payload"].as_str().expect("payload")))
        .collect();
    let csv = write(dir.path(), "rows.csv", &format!("ref,payload\n{}\n", rows.join("\n")));
    let report = dir.path().join("report.csv").to_string_lossy().to_string();
    let out = dwp(&["verify", "--batch", &csv, "--bundle", &clear, "--root", root, "--now", now, "--report", &report]);
    assert_eq!(code(&out), 1, "one row is rejected: {}", stderr(&out));
    let report = std::fs::read_to_string(&report).expect("report");
    let lines: Vec<&str> = report.lines().collect();
    assert!(lines[0].ends_with(",checkedAt,holder"), "{}", lines[0]);
    let cells = |i: usize| -> (String, String, String) {
        let c: Vec<&str> = lines[i].split(',').collect();
        (c[2].to_string(), c[3].to_string(), c[c.len() - 1].to_string())
    };
    assert_eq!(cells(1), ("true".into(), "valid".into(), "live".into()), "{report}");
    assert_eq!(cells(2), ("true".into(), "holder_proof_stale".into(), "stale".into()), "{report}");
    assert_eq!(cells(3), ("true".into(), "holder_proof_missing".into(), "missing".into()), "{report}");
    assert_eq!(cells(4), ("false".into(), "holder_proof_invalid".into(), "invalid".into()), "{report}");
    assert_eq!(cells(5), ("true".into(), "valid".into(), "unbound".into()), "{report}");
}

#[test]
fn the_rfc8032_vector_is_recomputed_from_the_specification_alone() {
    let doc = vector("holder-live");
    let shown = doc["input"]["payload"].as_str().expect("payload");
    let bytes = base45::decode(shown.strip_prefix("DWP1H:").expect("prefix")).expect("base45");
    let Ok(Item::Array(parts)) = cbor::decode(&bytes) else { panic!("an array") };
    let [Item::Bytes(credential), Item::Uint(step), Item::Bytes(signature)] = parts.as_slice() else {
        panic!("[credential, step, signature]")
    };
    // SPEC §12: the step of `now`, and the 59 bytes signed.
    let now = t(doc["input"]["now"].as_str().expect("now"));
    assert_eq!(*step as i64, now.0 / 30);
    let mut msg = b"DWP1H holder proof\0".to_vec();
    msg.extend_from_slice(&Sha256::digest(credential));
    msg.extend_from_slice(&step.to_be_bytes());
    assert_eq!(msg.len(), 59);
    let secret: [u8; 32] = std::array::from_fn(|i| {
        u8::from_str_radix(&"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"[2 * i..2 * i + 2], 16)
            .expect("hex")
    });
    let key = SigningKey::from_bytes(&secret);
    let public: String = key.verifying_key().to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(public, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "RFC 8032 §7.1 TEST 1");
    assert_eq!(key.sign(&msg).to_bytes().as_slice(), *signature, "Ed25519 is deterministic: the same signature");
    // The credential is exactly the CBOR of the DWP1: payload bound to that key.
    let plain = format!("DWP1:{}", base45::encode(credential));
    assert_eq!(plain, vector("holder-missing")["input"]["payload"].as_str().expect("payload"));
    let signed = dwp_verifier::codec::decode(&plain).expect("a permit");
    assert_eq!(signed.permit().holder_key(), Some(key.verifying_key().to_bytes()));
}
