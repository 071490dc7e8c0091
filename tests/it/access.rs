//! Every read of a worker's data is on the record, with the purpose the
//! reader stated; a read without one is refused and leaves no record.

use serde_json::Value;

use crate::inproc::InProc;
use crate::server::{Engine, Registry, sample_permit};

fn access_log(engine: Engine) {
    let s = InProc::on(engine);
    let reg = s.token("registrar", None);
    let auditor = s.token("auditor", None);
    let partner = s.token("partner", Some("ESIE"));
    let employer = s.token("employer", Some("0215559001234"));
    let id = s.issue(&reg, &sample_permit(1))["id"].as_str().expect("id").to_string();
    let path = format!("/v1/permits/{id}");
    let log = || s.get(&format!("{path}/access-log"), Some(&auditor)).json();
    assert_eq!(log()["reads"], Value::Array(vec![]), "nothing read yet");

    // Refused: no purpose, a purpose not in the vocabulary, another role's purpose. Nothing is recorded.
    for (token, purpose, status, code) in [
        (&reg, None, 400, "purpose_required"),
        (&reg, Some("curiosity"), 400, "invalid_purpose"),
        (&partner, Some("audit"), 403, "purpose_not_allowed"),
        (&employer, Some("stay-extension"), 403, "purpose_not_allowed"),
    ] {
        let headers: Vec<(&str, &str)> = purpose.map(|p| ("dwp-purpose", p)).into_iter().collect();
        let r = s.request("GET", &path, Some(token), None, &headers);
        assert_eq!((r.status, r.code().as_str()), (status, code), "{purpose:?}: {}", r.body);
        assert!(!r.body.contains("AUNG"), "a refused read releases nothing");
    }
    assert_eq!(log()["reads"], Value::Array(vec![]), "refused reads leave no record");

    // Read for a purpose: each is recorded with who, which and why.
    for (token, purpose) in [(&reg, "issuance"), (&auditor, "audit"), (&partner, "stay-extension")] {
        let r = s.read(&path, Some(token), purpose);
        assert_eq!(r.status, 200, "{purpose}: {}", r.body);
        assert_eq!(r.json()["permit"]["worker"]["name"], "AUNG KYAW MIN");
    }
    assert_eq!(s.read(&format!("{path}/qr.png"), Some(&employer), "employment-check").status, 200);
    let reads = log()["reads"].as_array().expect("reads").clone();
    let seen: Vec<(&str, &str, &str)> = reads
        .iter()
        .map(|r| {
            (r["role"].as_str().unwrap_or(""), r["purpose"].as_str().unwrap_or(""), r["action"].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("registrar", "issuance", "permit.read"),
            ("auditor", "audit", "permit.read"),
            ("partner", "stay-extension", "permit.read"),
            ("employer", "employment-check", "permit.read_qr"),
        ]
    );
    assert!(reads.iter().all(|r| r["token"].as_str().is_some_and(|t| t.starts_with("tok_"))), "{reads:?}");
    assert!(!Value::Array(reads).to_string().contains("AUNG"), "the access log holds no personal data");
    // The registrar reads it too; an employer may not.
    assert_eq!(s.get(&format!("{path}/access-log"), Some(&reg)).status, 200);
    assert_eq!(s.get(&format!("{path}/access-log"), Some(&employer)).status, 403);
    // The chain still verifies, and the permit's audited history still leads to its state.
    let verified = s.get("/v1/audit/verify", Some(&auditor)).json();
    assert_eq!(verified["valid"], true, "{verified}");
}
crate::both_engines!(reads_are_on_the_record, super::access_log);
