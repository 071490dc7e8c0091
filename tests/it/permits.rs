//! Issuing, expanding and verifying permits through the command line.

use dwp_issuer::qr::Qr;
use dwp_verifier::credential::KeyRef;
use serde_json::Value;

use crate::common::*;

#[test]
fn issue_prints_a_payload_that_expands_to_the_credential_it_wrote() {
    let f = Fixture::new();
    let permit = write(f.dir.path(), "permit.json", SAMPLE);
    let vc = f.path("vc.json").to_string_lossy().to_string();
    let out = f.issue_cli(&permit, &["--vc", &vc, "--created", "2026-11-24T03:00:00Z", "--status-index", "94567"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let payload = stdout(&out).trim().to_string();
    assert_eq!(payload, sample_payload(), "the command line and the library issue the same payload");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&vc).expect("vc")).expect("json");
    let expanded = dwp(&["expand", &payload]);
    assert_eq!(code(&expanded), 0, "{}", stderr(&expanded));
    let expanded: Value = serde_json::from_str(&stdout(&expanded)).expect("expand prints JSON");
    let jcs = |v: &Value| serde_json_canonicalizer::to_string(v).expect("jcs");
    assert_eq!(jcs(&expanded), jcs(&written), "expand gives exactly the signed credential");
    let canonical = dwp(&["expand", "--canonical", &payload]);
    assert_eq!(stdout(&canonical).trim_end(), jcs(&written), "--canonical prints the JCS bytes");
    assert_eq!(written["type"], serde_json::json!(["VerifiableCredential", "WorkPermitCredential"]));
    assert_eq!(written["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(written["credentialStatus"][0]["statusPurpose"], "revocation");
    assert_eq!(written["credentialStatus"][1]["statusListIndex"], "94567");
    assert_eq!(written["credentialStatus"][1]["statusListCredential"], "https://dwp.doe.go.th/status/suspension/1");
    // Any W3C eddsa-jcs-2022 verifier accepts the expanded form: ours, through `dwp vc verify`.
    let did_doc = dwp_issuer::trust::did_document(DOE, &[(&format!("{DOE}#key-1"), doe_key(1).public_multibase())]);
    let did_path = write(f.dir.path(), "did.json", &did_doc.to_string());
    let out = dwp(&["vc", "verify", "--did-doc", &did_path, &vc]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn payload_sizes_fit_their_qr_versions() {
    let sample = sample_payload();
    let worst = issue(WORST, &doe_key(1), DOE, KeyRef::Numbered(1), "2026-11-24T08:31:07Z").payload;
    let (qs, qw) = (Qr::new(&sample).expect("qr"), Qr::new(&worst).expect("qr"));
    println!("sample permit payload: {} characters, QR version {}-Q", sample.len(), qs.version());
    println!("worst realistic permit payload: {} characters, QR version {}-Q", worst.len(), qw.version());
    assert!(sample.len() <= 296, "sample payload is {} characters", sample.len());
    assert!(qs.version() <= 12, "sample QR version {}", qs.version());
    assert!(worst.len() <= 426, "worst payload is {} characters", worst.len());
    assert!(qw.version() <= 15, "worst QR version {}", qw.version());
}

#[test]
fn the_worst_permit_verifies_with_its_native_scripts() {
    let f = Fixture::new();
    let worst = issue(WORST, &doe_key(1), DOE, KeyRef::Numbered(1), "2026-11-24T08:31:07Z").payload;
    let (code, v) = f.verify(&worst, "2027-01-01T00:00:00Z");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["permit"]["nativeName"], "အောင်ကျော်မင်းသိန်း");
    assert_eq!(v["permit"]["employer"]["name"], "บริษัท สยามชิ้นส่วนยานยนต์และเครื่องจักรกลภาคตะวันออกฯ จำกัด");
    assert_eq!(v["permit"]["holderKey"], "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2");
}

#[test]
fn verify_reads_standard_input_and_prints_english_and_thai() {
    let f = Fixture::new();
    let out = dwp_with_stdin(
        &["verify", "--trust", &f.trust(), "--root", &f.root(), "--now", "2027-01-01T00:00:00Z", "-"],
        Some(&format!("{}\n", sample_payload())),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("VALID") && text.contains("ถูกต้อง"), "{text}");
    assert!(text.contains("AUNG KYAW MIN") && text.contains("ระยอง"), "{text}");
}

#[test]
fn verify_without_a_pinned_root_says_so() {
    let f = Fixture::new();
    let out = dwp(&["verify", "--trust", &f.trust(), "--now", "2027-01-01T00:00:00Z", "--json", &sample_payload()]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("not pinned"), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["rootPinned"], false);
}

#[test]
fn issue_names_the_field_of_a_bad_permit_and_writes_nothing() {
    let f = Fixture::new();
    let cases = [
        ("\"0215559001234\"", "\"0215559001235\"", "employer.juristicId"),
        ("\"section62\"", "\"section61\"", "category"),
        ("\"1994-03-12\"", "\"1994-02-30\"", "worker.birthDate"),
        ("\"2028-11-23T23:59:59Z\"", "\"2026-11-23T23:59:59Z\"", "validUntil"),
        ("\"AUNG KYAW MIN\"", "\"AUNG KYAW MI\\u004e\\u0303\"", "worker.name"),
        ("\"ESIE\"", "\"ESIE\", \"zone\": 3", "zone"),
    ];
    for (from, to, field) in cases {
        let bad = SAMPLE.replacen(from, to, 1);
        assert_ne!(bad, SAMPLE, "{from} is in the sample");
        let permit = write(f.dir.path(), "bad.json", &bad);
        let png = f.path("bad.png");
        let out = f.issue_cli(&permit, &["--png", &png.to_string_lossy()]);
        assert_eq!(code(&out), 2, "{field}: {}", stderr(&out));
        assert!(stderr(&out).contains(field), "message names {field}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "no payload is printed");
        assert!(!png.exists(), "no image is written");
    }
}

#[test]
fn issue_refuses_invisible_format_characters_in_names() {
    let f = Fixture::new();
    let cases = [
        // A right-to-left override: "AUNG NIM WAYK" would print as "AUNG KYAW MIN".
        (
            "\"AUNG KYAW MIN\"",
            "\"AUNG \\u202eNIM WAYK\"",
            "worker.name: contains the invisible format character U+202E",
        ),
        ("\"AUNG KYAW MIN\"", "\"AUNG\\u200bKYAW MIN\"", "worker.name: contains the invisible format character U+200B"),
        (
            "\"nationality\"",
            "\"nativeName\": \"အောင်\\u200bကျော်မင်း\", \"nationality\"",
            "worker.nativeName: contains the invisible format character U+200B",
        ),
        (
            "\"Eastern Seaboard",
            "\"Eastern\\u00adSeaboard",
            "employer.name: contains the invisible format character U+00AD",
        ),
    ];
    for (from, to, message) in cases {
        let bad = SAMPLE.replacen(from, to, 1);
        assert_ne!(bad, SAMPLE, "{from} is in the sample");
        let out = f.issue_cli(&write(f.dir.path(), "bad.json", &bad), &[]);
        assert_eq!(code(&out), 2, "{message}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "expected {message:?} in: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "no payload is printed");
    }
}

#[test]
fn issue_refuses_a_worker_under_fifteen_on_valid_from() {
    let f = Fixture::new();
    // The sample is valid from 2026-11-24: born 2011-11-25, the worker is 14 years and 364 days old.
    let young = SAMPLE.replacen("\"1994-03-12\"", "\"2011-11-25\"", 1);
    let out = f.issue_cli(&write(f.dir.path(), "young.json", &young), &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("worker.birthDate: makes the worker younger than 15 on validFrom"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "no payload is printed");
    // Born 2011-11-24: fifteen on the day, old enough.
    let fifteen = SAMPLE.replacen("\"1994-03-12\"", "\"2011-11-24\"", 1);
    let out = f.issue_cli(&write(f.dir.path(), "fifteen.json", &fifteen), &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).starts_with("DWP1:"), "{}", stdout(&out));
}
