//! The conformance kit in `wallet-spec/vectors/`: reproducible (regenerating
//! gives the same bytes), complete (every reason code and every stage), and
//! passed by this verifier through `dwp conformance`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::common::{code, dwp, stdout};

fn kit() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wallet-spec/vectors")
}

#[test]
fn the_shipped_binary_runs_vectors_but_does_not_write_them() {
    // The generator is a development tool (`cargo run -p xtask -- vectors`; its own test checks the kit).
    let out = dwp(&["conformance", "--generate", &kit().to_string_lossy()]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let help = dwp(&["conformance", "--help"]);
    assert!(!stdout(&help).contains("--generate"), "{}", stdout(&help));
}

#[test]
fn every_vector_passes_and_every_code_and_stage_is_covered() {
    let out = dwp(&["conformance", &kit().to_string_lossy()]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let report = stdout(&out);
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(kit().join("index.json")).expect("index")).expect("json");
    let vectors = index["vectors"].as_array().expect("vectors");
    let summary = format!("{n} passed, 0 failed, of {n}", n = vectors.len());
    assert_eq!(report.lines().last(), Some(summary.as_str()), "{report}");
    // A code is covered as a rejection's reason or as a valid permit's amber warning (§12).
    let reasons: BTreeSet<&str> = vectors
        .iter()
        .flat_map(|v| [v["expected"]["reason"].as_str(), v["expected"]["warning"].as_str()])
        .flatten()
        .collect();
    for code in dwp_verifier::report::ReasonCode::ALL.map(|c| c.as_str()) {
        assert!(reasons.contains(code), "no vector expects {code}");
    }
    let stages: BTreeSet<&str> = vectors.iter().filter_map(|v| v["stage"].as_str()).collect();
    for stage in ["prefix", "base45", "cbor", "schema", "signature", "key", "clock", "status", "holder", "employer"] {
        assert!(stages.contains(stage), "no vector for the {stage} stage");
    }
    let ids: BTreeSet<&str> = vectors.iter().filter_map(|v| v["id"].as_str()).collect();
    for id in [
        "bundle-rollback",
        "bundle-clock-back",
        "status-stale-inspector",
        "status-list-other-issuer",
        "status-list-too-short",
        "status-index-out-of-range",
        "status-reinstated",
        "key-revoked",
        "key-compromised-before",
        "key-compromised-before-revoked",
        "key-compromised-list-after",
        "holder-live",
        "holder-step-early",
        "holder-step-late",
        "holder-outside-window",
        "holder-transplanted",
        "holder-wrong-key",
        "holder-missing",
        "holder-malformed",
        "holder-revoked-wins",
        "employer-match",
        "employer-other",
        "employer-other-province",
        "employer-other-estate",
        "employer-revoked-wins",
    ] {
        assert!(ids.contains(id), "missing vector {id}");
    }
}

#[test]
fn a_wrong_expectation_fails_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(kit().join("status-revoked.json")).expect("vector"))
            .expect("json");
    doc["expected"]["reason"] = "suspended".into();
    std::fs::write(dir.path().join("status-revoked.json"), doc.to_string()).expect("write");
    let out = dwp(&["conformance", &dir.path().to_string_lossy()]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("FAIL  status-revoked"), "{}", stdout(&out));
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(["conformance", "--json", &kit().to_string_lossy()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dwp conformance");
    // `| head -0`: the reader is gone before the first line, so every write meets a closed pipe.
    drop(child.stdout.take());
    let status = child.wait().expect("wait");
    let mut err = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
}
