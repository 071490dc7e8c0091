//! Verification in the field, offline: permits issued by a running registry
//! are verified from a fetched bundle after the registry is stopped, with the
//! clock passed in; staleness per policy, missing and invalid lists, and a
//! bundle rollback refused.

use serde_json::{Value, json};

use dwp_verifier::time::UnixTime;

use crate::common::{code, dwp, stderr, stdout};
use crate::server::Registry;
use crate::server::{Engine, Server, sample_permit};

fn fetch(from: &str, out: &str) -> std::process::Output {
    dwp(&["bundle", "fetch", "--from", from, "--out", out])
}

/// `(reason, detail)` of `dwp verify --bundle … --json`, with the exit code checked.
fn verdict(bundle: &str, policy: &str, now: &str, payload: &str) -> (Value, (String, Option<String>)) {
    let out = dwp(&["verify", "--bundle", bundle, "--policy", policy, "--now", now, "--json", payload]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let reason = (v["reason"].as_str().unwrap_or("valid").to_string(), v["detail"].as_str().map(str::to_string));
    assert_eq!(code(&out), if v["valid"] == true { 0 } else { 1 }, "exit code of {reason:?}");
    (v, reason)
}

fn at(t: UnixTime) -> String {
    t.to_string()
}

#[test]
fn offline_verdicts_from_a_fetched_bundle() {
    let mut s = Server::start(Engine::Sqlite);
    let reg = s.token("registrar", None);
    let issued: Vec<Value> = (1..=3).map(|n| s.issue(&reg, &sample_permit(n))).collect();
    let payload = |i: usize| issued[i]["payload"].as_str().expect("payload").to_string();
    let id = |i: usize| issued[i]["id"].as_str().expect("id").to_string();
    assert_eq!(s.act(&reg, &id(1), "revoke", &json!({ "reason": "fraud" })).status, 200);
    assert_eq!(s.act(&reg, &id(2), "suspend", &json!({ "reason": "inquiry" })).status, 200);

    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("bundle.json").to_string_lossy().to_string();
    let out = fetch(&s.base, &bundle);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("2 status lists"), "{}", stdout(&out));
    let first = std::fs::read_to_string(&bundle).expect("bundle");
    s.kill(); // the network is gone from here on

    let b: Value = serde_json::from_str(&first).expect("json");
    let as_of = b["statusLists"]
        .as_array()
        .expect("lists")
        .iter()
        .filter_map(|l| UnixTime::parse(l["validFrom"].as_str()?).ok())
        .min()
        .expect("as of");
    let soon = at(UnixTime(as_of.0 + 3 * 3600));
    let (v, r) = verdict(&bundle, "inspector", &soon, &payload(0));
    assert_eq!(r, ("valid".into(), None));
    assert_eq!(v["statusChecked"], true);
    assert!(v["statusFreshness"]["en"].as_str().expect("freshness").ends_with(", 3 h ago"), "{v}");
    assert_eq!(verdict(&bundle, "inspector", &soon, &payload(1)).1, ("revoked".into(), None));
    assert_eq!(verdict(&bundle, "inspector", &soon, &payload(2)).1, ("suspended".into(), None));

    // Staleness is its own outcome, per policy: immigration 1 h, inspector 72 h, employer 7 days.
    assert_eq!(verdict(&bundle, "immigration", &soon, &payload(0)).1, ("status_stale".into(), None));
    let four_days = at(UnixTime(as_of.0 + 4 * 86_400));
    assert_eq!(verdict(&bundle, "inspector", &four_days, &payload(0)).1, ("status_stale".into(), None));
    assert_eq!(verdict(&bundle, "employer", &four_days, &payload(0)).1, ("valid".into(), None));
    // A revocation is final: reported even from a stale list.
    assert_eq!(verdict(&bundle, "immigration", &four_days, &payload(1)).1, ("revoked".into(), None));
    let human = dwp(&["verify", "--bundle", &bundle, "--now", &soon, &payload(0)]);
    assert!(stdout(&human).contains("status as of"), "{}", stdout(&human));

    // The bulk check: every row gets a verdict, a bad row never stops the run.
    let csv = dir.path().join("stay-extensions.csv");
    let rows = format!(
        "ref,payload\nIMM-1,{}\nIMM-2,{}\nIMM-3,{}\nIMM-4,DWP1:GARBAGE\nIMM-5,\n",
        payload(0),
        payload(1),
        payload(2)
    );
    std::fs::write(&csv, rows).expect("write");
    let report = dir.path().join("report.csv");
    let out = dwp(&[
        "verify",
        "--batch",
        &csv.to_string_lossy(),
        "--bundle",
        &bundle,
        "--policy",
        "employer",
        "--now",
        &soon,
        "--report",
        &report.to_string_lossy(),
    ]);
    assert_eq!(code(&out), 1, "some rows are rejected: {}", stderr(&out));
    let summary = stdout(&out);
    for line in ["valid", "revoked", "suspended", "malformed", "unreadable row"] {
        assert!(summary.lines().any(|l| l.starts_with(line) && l.contains(" 1 ")), "{line} in\n{summary}");
    }
    let report = std::fs::read_to_string(&report).expect("report");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 6, "a header and one row per input:\n{report}");
    assert!(lines[1].starts_with("2,IMM-1,true,valid,,WP-2569-21-000001,AUNG KYAW MIN,MMR,MH1234567"), "{}", lines[1]);
    assert!(lines[2].starts_with("3,IMM-2,false,revoked,"), "{}", lines[2]);
    assert!(lines[3].starts_with("4,IMM-3,false,suspended,"), "{}", lines[3]);
    assert!(lines[4].starts_with("5,IMM-4,false,malformed,"), "{}", lines[4]);
    assert!(lines[5].starts_with("6,IMM-5,false,unreadable_row,"), "{}", lines[5]);

    // Without the permit's lists: status_unknown. With a list altered: status_list_invalid.
    let mut empty = b.clone();
    empty["statusLists"] = json!([]);
    let empty_path = dir.path().join("empty.json");
    std::fs::write(&empty_path, empty.to_string()).expect("write");
    let (_, r) = verdict(&empty_path.to_string_lossy(), "inspector", &soon, &payload(0));
    assert_eq!(r, ("status_unknown".into(), None));
    let mut altered = b.clone();
    for l in altered["statusLists"].as_array_mut().expect("lists") {
        l["credentialSubject"]["statusSequence"] = json!(999);
    }
    let altered_path = dir.path().join("altered.json");
    std::fs::write(&altered_path, altered.to_string()).expect("write");
    let (_, r) = verdict(&altered_path.to_string_lossy(), "inspector", &soon, &payload(0));
    assert_eq!(r, ("status_list_invalid".into(), Some("list_signature".into())));
    let out = fetch(&altered_path.to_string_lossy(), &dir.path().join("other.json").to_string_lossy());
    assert_eq!(code(&out), 2, "an altered bundle is not stored");
    assert!(stderr(&out).contains("signature"), "{}", stderr(&out));

    // Reinstate and re-fetch: the suspended permit is valid again.
    s.restart();
    assert_eq!(s.act(&reg, &id(2), "reinstate", &json!({ "reason": "cleared" })).status, 200);
    let out = fetch(&format!("{}/v1/bundle", s.base), &bundle);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let now = at(UnixTime(crate::server::now_secs() + 60));
    assert_eq!(verdict(&bundle, "inspector", &now, &payload(2)).1, ("valid".into(), None));

    // The older bundle, carried on a USB stick, does not replace the newer one.
    let old_path = dir.path().join("old.json");
    std::fs::write(&old_path, &first).expect("write");
    let before = std::fs::read_to_string(&bundle).expect("bundle");
    let out = fetch(&old_path.to_string_lossy(), &bundle);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("older bundle"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&bundle).expect("bundle"), before, "the stored bundle is unchanged");
}
