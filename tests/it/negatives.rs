//! One negative test (at least) per reason code, each asserting the exact code.

use dwp_verifier::codec::PREFIX;
use dwp_verifier::credential::KeyRef;

use crate::common::*;

const NOW: &str = "2027-01-01T00:00:00Z";

fn reason(f: &Fixture, payload: &str, now: &str) -> (String, Option<String>) {
    let (code, v) = f.verify(payload, now);
    assert_eq!(code, 1, "a rejection exits 1: {v}");
    assert_eq!(v["valid"], false);
    let reason = v["reason"].as_str().expect("reason").to_string();
    // Before the signature verified nothing of the permit is shown; after it (dates, status) it is authentic.
    let after_signature = [
        "not_yet_valid",
        "expired",
        "revoked",
        "suspended",
        "status_stale",
        "status_unknown",
        "status_list_invalid",
        "other_employer",
        "other_workplace",
    ];
    if after_signature.contains(&reason.as_str()) {
        assert!(v["permit"]["permitNumber"].is_string(), "{reason}: the authentic permit is shown: {v}");
    } else {
        assert!(v["permit"].is_null(), "{reason}: a permit whose signature did not verify shows nothing: {v}");
    }
    (reason, v["detail"].as_str().map(str::to_string))
}

fn cbor_of(payload: &str) -> Vec<u8> {
    base45::decode(payload.strip_prefix(PREFIX).expect("prefix")).expect("base45")
}

fn payload_of(cbor: &[u8]) -> String {
    format!("{PREFIX}{}", base45::encode(cbor))
}

#[test]
fn accepts_the_sample_before_any_change() {
    let f = Fixture::new();
    let (code, v) = f.verify(&sample_payload(), NOW);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["valid"], true);
    assert!(v["reason"].is_null());
    assert_eq!(v["permit"]["permitNumber"], "WP-2569-21-000123");
    assert_eq!(v["permit"]["name"], "AUNG KYAW MIN");
    assert_eq!(v["permit"]["employer"]["name"], "Eastern Seaboard Auto Parts Co., Ltd.");
    assert_eq!(v["permit"]["occupation"]["title"], "Agricultural and Industrial Machinery Mechanics and Repairers");
    assert_eq!(v["permit"]["workplace"]["provinceName"]["th"], "ระยอง");
}

#[test]
fn rejects_a_flipped_character_as_bad_signature() {
    let f = Fixture::new();
    let payload = sample_payload();
    // Flip the worker's name inside the CBOR ("AUNG" -> "BUNG"): still well formed, no longer signed.
    let mut cbor = cbor_of(&payload);
    let at = cbor.windows(4).position(|w| w == b"AUNG").expect("name in payload");
    cbor[at] = b'B';
    assert_eq!(reason(&f, &payload_of(&cbor), NOW), ("bad_signature".into(), None));
    // Flip one Base45 character of the signature's bytes.
    let sig_at = cbor_of(&payload).windows(2).position(|w| w == [0x58, 0x40]).expect("signature header") + 2;
    let char_at = PREFIX.len() + (sig_at + 10) / 2 * 3;
    let mut chars: Vec<char> = payload.chars().collect();
    chars[char_at] = if chars[char_at] == '0' { '1' } else { '0' };
    let flipped: String = chars.into_iter().collect();
    assert_eq!(reason(&f, &flipped, NOW), ("bad_signature".into(), None));
}

#[test]
fn rejects_a_truncated_payload() {
    let f = Fixture::new();
    let payload = sample_payload();
    // Base45 packs 2 bytes in 3 characters. Cutting whole groups leaves valid Base45 of
    // truncated CBOR; leaving one dangling character is invalid Base45.
    let data = payload.len() - PREFIX.len();
    let whole_groups = PREFIX.len() + data - data % 3 - 3;
    assert_eq!(reason(&f, &payload[..whole_groups], NOW), ("malformed".into(), Some("cbor".into())));
    assert_eq!(reason(&f, &payload[..whole_groups + 1], NOW), ("malformed".into(), Some("base45".into())));
    assert_eq!(reason(&f, "DWP1:", NOW), ("malformed".into(), Some("cbor".into())), "an empty payload");
}

#[test]
fn rejects_a_wrong_prefix() {
    let f = Fixture::new();
    let payload = sample_payload().replacen("DWP1:", "HC1:", 1);
    assert_eq!(reason(&f, &payload, NOW), ("malformed".into(), Some("prefix".into())));
    let lower = sample_payload().replacen("DWP1:", "dwp1:", 1);
    assert_eq!(reason(&f, &lower, NOW), ("malformed".into(), Some("prefix".into())));
}

#[test]
fn rejects_bad_base45() {
    let f = Fixture::new();
    let mut payload = sample_payload();
    payload.replace_range(10..11, "a");
    assert_eq!(reason(&f, &payload, NOW), ("malformed".into(), Some("base45".into())));
    // "GGW" is 16*1 + 16*45 + 32*2025 = 65 536: one more than two bytes hold.
    let over = format!("{}GGW", &sample_payload()[..PREFIX.len()]);
    assert_eq!(reason(&f, &over, NOW), ("malformed".into(), Some("base45".into())));
}

#[test]
fn rejects_a_final_base45_group_above_255() {
    // Found by the payload_decode fuzz target: a last two-character group "OO" (24 + 24 * 45 = 1104)
    // was read as 1104 mod 256, so two payloads decoded to one permit.
    let f = Fixture::new();
    let cbor = cbor_of(&sample_payload());
    // An odd number of bytes ends in a two-character group.
    let odd = payload_of(&cbor[..cbor.len() - 1 + cbor.len() % 2]);
    assert_eq!((odd.len() - PREFIX.len()) % 3, 2);
    let altered = format!("{}OO", &odd[..odd.len() - 2]);
    assert_eq!(reason(&f, &altered, NOW), ("malformed".into(), Some("base45".into())));
}

#[test]
fn rejects_trailing_bytes() {
    let f = Fixture::new();
    let mut cbor = cbor_of(&sample_payload());
    cbor.push(0x00);
    assert_eq!(reason(&f, &payload_of(&cbor), NOW), ("malformed".into(), Some("trailing_bytes".into())));
}

#[test]
fn rejects_duplicate_cbor_keys() {
    let f = Fixture::new();
    let cbor = cbor_of(&sample_payload());
    // The sample ends with the optional-fields map {4: "ESIE"}; write the key twice.
    let tail = [0xa1, 0x04, 0x64, b'E', b'S', b'I', b'E'];
    assert!(cbor.ends_with(&tail), "sample payload ends with its optional map");
    let mut dup = cbor[..cbor.len() - tail.len()].to_vec();
    dup.extend_from_slice(&[0xa2, 0x04, 0x64, b'E', b'S', b'I', b'E', 0x04, 0x64, b'E', b'S', b'I', b'E']);
    assert_eq!(reason(&f, &payload_of(&dup), NOW), ("malformed".into(), Some("duplicate_key".into())));
}

#[test]
fn rejects_over_long_input_before_decoding() {
    let f = Fixture::new();
    let long = format!("{PREFIX}{}", "0".repeat(4292));
    assert_eq!(long.len(), 4297);
    assert_eq!(reason(&f, &long, NOW), ("malformed".into(), Some("too_long".into())));
    // A megabyte through standard input is refused too, without being decoded.
    let huge = format!("{PREFIX}{}", "%".repeat(1 << 20));
    let out = dwp_with_stdin(&["verify", "--trust", &f.trust(), "--root", &f.root(), "--json", "-"], Some(&huge));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).contains("too_long"), "{}", stdout(&out));
}

#[test]
fn rejects_an_issuer_not_in_the_trust_list() {
    let f = Fixture::new();
    let stranger = dwp_issuer::keys::KeyPair::from_seed(&[5; 32], None);
    let p = issue(SAMPLE, &stranger, "did:web:unknown.example", KeyRef::Numbered(1), "2026-11-24T03:00:00Z");
    assert_eq!(reason(&f, &p.payload, NOW), ("unknown_issuer".into(), None));
}

#[test]
fn rejects_a_signature_by_a_key_not_in_the_trust_list() {
    let f = Fixture::new();
    // A key the trust list does not hold, named as one it does not list.
    let p = issue(SAMPLE, &doe_key(9), DOE, KeyRef::Numbered(9), "2026-11-24T03:00:00Z");
    assert_eq!(reason(&f, &p.payload, NOW), ("unknown_key".into(), None));
    // A key the trust list does not hold, claiming to be key-1.
    let p = issue(SAMPLE, &doe_key(9), DOE, KeyRef::Numbered(1), "2026-11-24T03:00:00Z");
    assert_eq!(reason(&f, &p.payload, NOW), ("bad_signature".into(), None));
}

#[test]
fn rejects_a_key_used_outside_its_window() {
    let f = Fixture::new();
    let p = issue(SAMPLE, &doe_key(1), DOE, KeyRef::Numbered(1), "2025-12-31T23:00:00Z");
    assert_eq!(reason(&f, &p.payload, NOW), ("key_not_valid".into(), None));
    let p = issue(SAMPLE, &doe_key(1), DOE, KeyRef::Numbered(1), "2036-01-01T00:00:01Z");
    assert_eq!(reason(&f, &p.payload, "2027-01-01T00:00:00Z"), ("key_not_valid".into(), None));
}

#[test]
fn rejects_a_permit_signed_from_the_instant_its_key_is_compromised_as_of() {
    // Key-2 is compromised as of 2026-06-01T00:00:00Z (the fixture's trust list).
    let f = Fixture::new();
    for created in ["2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z"] {
        let p = issue(SAMPLE, &doe_key(2), DOE, KeyRef::Numbered(2), created);
        assert_eq!(reason(&f, &p.payload, NOW), ("key_revoked".into(), None), "created {created}");
    }
    let p = issue(SAMPLE, &doe_key(2), DOE, KeyRef::Numbered(2), "2026-05-31T23:59:59Z");
    let (code, v) = f.verify(&p.payload, NOW);
    assert_eq!(code, 0, "a permit signed a second before the instant is judged as any other: {v}");
}

#[test]
fn rejects_a_key_of_another_issuer() {
    let f = Fixture::new();
    let p = issue(SAMPLE, &partner_key(), DOE, KeyRef::Other(format!("{PARTNER}#key-1")), "2026-11-24T03:00:00Z");
    assert_eq!(reason(&f, &p.payload, NOW), ("wrong_issuer".into(), None));
}

#[test]
fn rejects_a_category_the_issuer_may_not_sign() {
    let f = Fixture::new();
    let p = issue(SAMPLE, &partner_key(), PARTNER, KeyRef::Numbered(1), "2026-11-24T03:00:00Z");
    assert_eq!(reason(&f, &p.payload, NOW), ("category_not_allowed".into(), None));
}

#[test]
fn rejects_before_valid_from_and_after_valid_until() {
    let f = Fixture::new();
    let payload = sample_payload();
    assert_eq!(reason(&f, &payload, "2026-11-23T23:59:59Z"), ("not_yet_valid".into(), None));
    assert_eq!(f.verify(&payload, "2026-11-24T00:00:00Z").0, 0, "valid from its first second");
    assert_eq!(f.verify(&payload, "2028-11-23T23:59:59Z").0, 0, "valid through its last second");
    assert_eq!(reason(&f, &payload, "2028-11-24T00:00:00Z"), ("expired".into(), None));
}

/// `dwp verify --trust … --employer …`: the employer check also runs without a bundle.
fn reason_for(f: &Fixture, payload: &str, employer: &[&str]) -> (String, Option<String>) {
    let (trust, root) = (f.trust(), f.root());
    let mut args = vec!["verify", "--trust", &trust, "--root", &root, "--now", NOW, "--json"];
    args.extend_from_slice(employer);
    args.push(payload);
    let out = dwp(&args);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(code(&out), if v["valid"] == true { 0 } else { 1 }, "{v}");
    assert_eq!(v["checkedFor"]["juristicId"], employer[1], "{v}");
    if v["valid"] == true {
        return ("valid".into(), None);
    }
    assert!(v["permit"]["permitNumber"].is_string(), "the authentic permit is shown: {v}");
    (v["reason"].as_str().expect("reason").to_string(), v["detail"].as_str().map(str::to_string))
}

#[test]
fn rejects_a_genuine_permit_for_another_employer_or_workplace() {
    let f = Fixture::new();
    let payload = sample_payload();
    let ours = ["--employer", "0215559001234", "--province", "TH-21", "--estate", "ESIE"];
    assert_eq!(reason_for(&f, &payload, &ours), ("valid".into(), None));
    assert_eq!(reason_for(&f, &payload, &["--employer", "0105559012342"]), ("other_employer".into(), None));
    assert_eq!(
        reason_for(&f, &payload, &["--employer", "0215559001234", "--province", "TH-10"]),
        ("other_workplace".into(), Some("province".into()))
    );
    assert_eq!(
        reason_for(&f, &payload, &["--employer", "0215559001234", "--estate", "HEMARAJ"]),
        ("other_workplace".into(), Some("industrial_estate".into()))
    );
}

#[test]
fn every_reason_code_is_documented_and_tested() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/wallet-spec/SPEC.md")).expect("SPEC.md");
    let tests = concat!(include_str!("negatives.rs"), include_str!("field.rs"), include_str!("holder.rs"));
    for code in dwp_verifier::report::ReasonCode::ALL.map(|c| c.as_str()) {
        assert!(spec.contains(&format!("`{code}`")), "SPEC.md does not document {code}");
        assert!(tests.contains(&format!("(\"{code}\".into()")), "no negative test asserts {code}");
    }
}

#[test]
fn cannot_run_exits_2_with_a_clear_message() {
    let f = Fixture::new();
    let out = dwp(&["verify", "--trust", "/nonexistent/trust.json", &sample_payload()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("/nonexistent/trust.json"), "{}", stderr(&out));
    let out = dwp(&["verify", "--trust", &f.trust(), "--now", "yesterday", &sample_payload()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--now"), "{}", stderr(&out));
    let other_root = root_key_other();
    let out = dwp(&["verify", "--trust", &f.trust(), "--root", &other_root, &sample_payload()]);
    assert_eq!(code(&out), 2, "a trust list from another root cannot be used");
    assert!(stderr(&out).contains("not by the pinned root"), "{}", stderr(&out));
    let mut tampered: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("trust-list.json")).expect("read")).expect("json");
    tampered["issuers"][1]["categories"] = serde_json::json!(["section62"]);
    let path = write(f.dir.path(), "tampered.json", &tampered.to_string());
    let out = dwp(&["verify", "--trust", &path, "--root", &f.root(), &sample_payload()]);
    assert_eq!(code(&out), 2, "a tampered trust list is refused");
    assert!(stderr(&out).contains("signature"), "{}", stderr(&out));
}

fn root_key_other() -> String {
    dwp_issuer::keys::KeyPair::from_seed(&[98; 32], None).public_multibase()
}
