//! `dwp verify --employer` on the employer vectors of the kit (`wallet-spec/vectors/employer-*`), as
//! the real binary runs it: one permit (`--json` and the text for people) and a batch with its report.
//! A valid permit for another employer is `other_employer`, for another workplace `other_workplace`
//! (exit 1: not valid for this employer); a forged, revoked or suspended one keeps its reason.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{code, dwp, stderr, stdout};

fn vector(id: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("wallet-spec/vectors/{id}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// The `--employer`, `--province` and `--estate` options of a vector's `employer`.
fn employer_args(v: &Value) -> Vec<String> {
    let e = &v["input"]["employer"];
    let mut args = vec!["--employer".to_string(), e["juristicId"].as_str().expect("juristicId").to_string()];
    for (key, option) in [("province", "--province"), ("industrialEstate", "--estate")] {
        if let Some(value) = e[key].as_str() {
            args.extend([option.to_string(), value.to_string()]);
        }
    }
    args
}

/// The vector's bundle in a file, and the `--bundle --root --policy --now` options for it.
fn bundle_args(dir: &Path, v: &Value) -> Vec<String> {
    let id = v["id"].as_str().expect("id");
    let path = dir.join(format!("{id}-bundle.json"));
    std::fs::write(&path, v["input"]["bundle"].to_string()).expect("write the bundle");
    let input = &v["input"];
    [
        "--bundle",
        &path.to_string_lossy(),
        "--root",
        v["root"].as_str().expect("root"),
        "--policy",
        input["policy"].as_str().expect("policy"),
        "--now",
        input["now"].as_str().expect("now"),
    ]
    .map(str::to_string)
    .to_vec()
}

fn run(args: &[String]) -> std::process::Output {
    dwp(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

const VECTORS: [&str; 8] = [
    "employer-match",
    "employer-match-anywhere",
    "employer-other",
    "employer-other-province",
    "employer-other-estate",
    "employer-forged-wins",
    "employer-revoked-wins",
    "employer-suspended-wins",
];

#[test]
fn dwp_verify_for_an_employer_gives_each_vectors_outcome_and_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    for id in VECTORS {
        let v = vector(id);
        let expected = &v["expected"];
        let mut args = vec!["verify".to_string()];
        args.extend(bundle_args(dir.path(), &v));
        args.extend(employer_args(&v));
        args.extend(["--json".to_string(), v["input"]["payload"].as_str().expect("payload").to_string()]);
        let out = run(&args);
        let doc: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{id}: {e}: {}", stderr(&out)));
        assert_eq!(doc["valid"], expected["valid"], "{id}: valid");
        assert_eq!(doc["reason"], expected["reason"], "{id}: reason");
        assert_eq!(doc["detail"], expected["detail"], "{id}: detail");
        assert_eq!(code(&out), if expected["valid"] == true { 0 } else { 1 }, "{id}: exit code");
        assert_eq!(doc["checkedFor"]["juristicId"], v["input"]["employer"]["juristicId"], "{id}: checkedFor");
        if let Some(reason @ ("other_employer" | "other_workplace")) = expected["reason"].as_str() {
            // Authentic, so the permit is shown: whose worker it is, and where the permit says they work.
            assert_eq!(doc["permit"]["employer"]["juristicId"], "0215559001234", "{id}: the permit is shown");
            assert_eq!(
                doc["title"]["en"],
                if reason == "other_employer" { "NOT FOR THIS EMPLOYER" } else { "NOT FOR THIS WORKPLACE" }
            );
            for lang in ["th", "my", "lo", "km"] {
                assert!(doc["message"][lang].as_str().is_some_and(|s| !s.is_empty()), "{id}: a {lang} message");
            }
        }
    }
}

#[test]
fn the_text_for_people_names_the_outcome_and_both_employers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v = vector("employer-other");
    let mut args = vec!["verify".to_string()];
    args.extend(bundle_args(dir.path(), &v));
    args.extend(employer_args(&v));
    args.push(v["input"]["payload"].as_str().expect("payload").to_string());
    let out = run(&args);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("REJECTED / ไม่ผ่าน (other_employer) — A genuine permit, but for another employer"), "{text}");
    assert!(text.contains("the permit is for employer 0215559001234, not 0105559012342"), "{text}");
    // Without --employer the same permit is valid: the check is the employer's, not the permit's.
    let mut plain = vec!["verify".to_string()];
    plain.extend(bundle_args(dir.path(), &v));
    plain.push(v["input"]["payload"].as_str().expect("payload").to_string());
    assert_eq!(code(&run(&plain)), 0, "valid for anyone");
}

#[test]
fn a_batch_for_an_employer_reports_other_employer_and_other_workplace() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One bundle (the sample permit neither revoked nor suspended), one row per employer question:
    // the rows differ by the permit only, so the workplace is asked of a second run.
    let ours = vector("employer-match");
    let forged = vector("employer-forged-wins");
    let payload = |v: &Value| v["input"]["payload"].as_str().expect("payload").to_string();
    let csv = dir.path().join("workers.csv");
    std::fs::write(
        &csv,
        format!("ref,payload\nW-1,{}\nW-2,{}\nW-3,DWP1:NOT-A-PERMIT\n", payload(&ours), payload(&forged)),
    )
    .expect("write");
    let batch = |employer: &[&str], report: &Path| {
        let mut args = vec!["verify".to_string(), "--batch".to_string(), csv.to_string_lossy().to_string()];
        args.extend(bundle_args(dir.path(), &ours));
        args.extend(employer.iter().map(|s| s.to_string()));
        args.extend(["--report".to_string(), report.to_string_lossy().to_string()]);
        run(&args)
    };
    let cases: [(&[&str], &str, &str); 4] = [
        (&["--employer", "0215559001234", "--province", "TH-21", "--estate", "ESIE"], "valid", ""),
        (&["--employer", "0105559012342"], "other_employer", ""),
        (&["--employer", "0215559001234", "--province", "TH-20"], "other_workplace", "province"),
        (&["--employer", "0215559001234", "--estate", "AMATA"], "other_workplace", "industrial_estate"),
    ];
    for (employer, reason, detail) in cases {
        let report = dir.path().join(format!("report-{reason}-{detail}.csv"));
        let out = batch(employer, &report);
        assert_eq!(code(&out), 1, "{reason}: the forged and unreadable rows fail the run: {}", stderr(&out));
        let summary = stdout(&out);
        assert!(summary.lines().any(|l| l.starts_with(reason) && l.contains(" 1 ")), "{reason} in\n{summary}");
        assert!(summary.lines().any(|l| l.starts_with("bad_signature") && l.contains(" 1 ")), "{summary}");
        assert!(summary.contains(&format!("for employer {}", employer[1])), "{summary}");
        let report = std::fs::read_to_string(&report).expect("report");
        let lines: Vec<&str> = report.lines().collect();
        let valid = if reason == "valid" { "true" } else { "false" };
        // Valid or not for this employer, a genuine permit's row names the worker.
        let row = format!("2,W-1,{valid},{reason},{detail},WP-2569-21-000123,AUNG KYAW MIN,MMR,MH1234567,");
        assert!(lines[1].starts_with(&row), "{reason}: {}", lines[1]);
        assert!(lines[2].starts_with("3,W-2,false,bad_signature,"), "{}", lines[2]);
        assert!(lines[3].starts_with("4,W-3,false,malformed,"), "{}", lines[3]);
    }
}

#[test]
fn employer_options_are_checked_before_any_permit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v = vector("employer-match");
    let cases: [(&[&str], &str); 5] = [
        (&["--employer", "021555900123"], "--employer 021555900123: the juristic ID must be 13 digits"),
        (&["--employer", "0215559001235"], "wrong check digit (the first twelve digits give 4)"),
        (&["--employer", "0215559001234", "--province", "TH-99"], "--province TH-99: the province must be"),
        (&["--employer", "0215559001234", "--estate", "esie"], "--estate esie: the industrial-estate code must be"),
        (&["--province", "TH-21"], "--employer"),
    ];
    for (options, message) in cases {
        let mut args = vec!["verify".to_string()];
        args.extend(bundle_args(dir.path(), &v));
        args.extend(options.iter().map(|s| s.to_string()));
        args.push(v["input"]["payload"].as_str().expect("payload").to_string());
        let out = run(&args);
        assert_eq!(code(&out), 2, "{options:?}: could not run");
        assert!(stderr(&out).contains(message), "{options:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{options:?}: no verdict");
    }
}
