//! `/metrics` for the operator: Prometheus text on a listener of its own,
//! never on the public one; after a lifecycle its counters have moved.

use serde_json::json;

use crate::server::{Engine, Registry, Server, sample_permit};

/// The value of the sample `name{labels}` (labels as written, in order), or 0.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

#[test]
fn metrics_move_with_a_lifecycle_and_stay_off_the_public_listener() {
    let s = Server::start_with(Engine::Sqlite, &["--metrics-listen", "127.0.0.1:0"]);
    let url = s.metrics.clone().expect("the metrics URL is printed");
    let scrape = || {
        let r = ureq::get(&url).call().expect("the metrics listener answers");
        r.into_body().read_to_string().expect("text")
    };
    let before = scrape();
    let reg = s.token("registrar", None);
    let ids: Vec<String> =
        (1..=3).map(|n| s.issue(&reg, &sample_permit(n))["id"].as_str().expect("id").to_string()).collect();
    assert_eq!(s.act(&reg, &ids[0], "suspend", &json!({ "reason": "check" })).status, 200);
    assert_eq!(s.act(&reg, &ids[1], "revoke", &json!({ "reason": "check" })).status, 200);
    assert_eq!(s.get("/v1/bundle", None).status, 200);
    let after = scrape();

    assert_eq!(value(&after, "dwp_permits_issued_total") - value(&before, "dwp_permits_issued_total"), 3.0, "{after}");
    assert_eq!(value(&after, "dwp_status_changes_total{action=\"suspend\"}"), 1.0, "{after}");
    assert_eq!(value(&after, "dwp_status_changes_total{action=\"revoke\"}"), 1.0, "{after}");
    let posted = "dwp_http_requests_total{method=\"POST\",route=\"/v1/permits\",status=\"201\"}";
    assert_eq!(value(&after, posted), 3.0, "{after}");
    assert!(
        after.contains("dwp_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/permits\""),
        "{after}"
    );
    assert!(value(&after, "dwp_writer_batch_jobs_count") >= 5.0, "{after}");
    assert!(after.contains("dwp_status_list_newest_age_seconds"), "{after}");
    assert!(after.contains("dwp_db_pool_connections{state=\"idle\"}"), "{after}");
    // No id, token or personal data in a label.
    for id in &ids {
        assert!(!after.contains(id.as_str()), "a permit id in the metrics");
    }
    assert!(!after.contains("AUNG") && !after.contains(&reg), "personal data or a token in the metrics");

    // The public listener does not serve them.
    let public = s.get("/metrics", None);
    assert_eq!((public.status, public.code()), (404, "not_found".into()));
}
