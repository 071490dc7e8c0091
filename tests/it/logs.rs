//! What the operator sees: `dwp serve --log-format json` writes one JSON line
//! per request (method, route, status, latency, request id) and never a token,
//! a worker's name or a document number; the request id is echoed and quoted
//! in problem bodies; a 500 logs its cause and answers nothing of it.

use serde_json::{Value, json};

use crate::server::Registry;
use crate::server::{Engine, Server, sample_permit};

fn log_lines(s: &Server) -> Vec<Value> {
    s.stderr().lines().filter(|l| l.starts_with('{')).filter_map(|l| serde_json::from_str(l).ok()).collect()
}

#[test]
fn one_json_line_per_request_and_no_secret_or_personal_data() {
    let s = Server::start_with(Engine::Sqlite, &["--log-format", "json"]);
    let reg = s.token("registrar", None);
    let officer = s.token("officer", None);
    let employer = s.token("employer", Some("0215559001234"));
    let p = s.issue(&reg, &sample_permit(1));
    let id = p["id"].as_str().expect("id").to_string();
    for action in ["suspend", "reinstate"] {
        assert_eq!(s.act(&reg, &id, action, &json!({ "reason": "ตรวจสอบ" })).status, 200);
    }
    let renewed = s.act(&reg, &id, "renew", &json!({ "reason": "renewal", "validUntil": "2030-11-23T23:59:59Z" }));
    assert_eq!(renewed.status, 201);
    let new_id = renewed.json()["successor"]["id"].as_str().expect("successor").to_string();
    assert_eq!(s.act(&reg, &new_id, "revoke", &json!({ "reason": "revoked" })).status, 200);
    assert_eq!(s.read(&format!("/v1/permits/{new_id}"), Some(&employer), "employment-check").status, 200);
    assert_eq!(s.read(&format!("/v1/permits/{id}/qr.png"), Some(&reg), "issuance").status, 200);
    let app = s.post("/v1/applications", Some(&officer), &sample_permit(2)).json();
    let app_id = app["id"].as_str().expect("application").to_string();
    assert_eq!(s.get(&format!("/v1/applications/{app_id}"), Some(&officer)).status, 200);
    assert_eq!(s.get("/v1/bundle", None).status, 200);
    assert_eq!(s.read("/v1/permits/wp_nosuchpermit", Some(&reg), "issuance").status, 404);
    assert_eq!(s.get("/v1/permits", Some("not-a-token")).status, 401);
    let made = 15; // 3 tokens, 1 issue, 4 actions, 2 reads, 2 application calls, the bundle, a 404, a 401

    // The server's stderr is read by a thread of the test: give its last lines a moment.
    let start = std::time::Instant::now();
    let mut lines = log_lines(&s);
    while lines.iter().filter(|l| l["message"] == "request").count() < made && start.elapsed().as_secs() < 5 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        lines = log_lines(&s);
    }
    let requests: Vec<&Value> = lines.iter().filter(|l| l["message"] == "request").collect();
    assert!(requests.len() >= made, "one line per request: {} for {made}", requests.len());
    for r in &requests {
        for field in ["method", "route", "request_id"] {
            assert!(r[field].as_str().is_some_and(|v| !v.is_empty()), "{field} in {r}");
        }
        assert!(r["status"].as_u64().is_some() && r["latency_ms"].as_f64().is_some(), "{r}");
    }
    assert!(
        requests.iter().any(|r| r["route"] == "/v1/permits/{id}/suspend" && r["status"] == 200),
        "the matched route, not the path with its id"
    );
    let all = s.stderr();
    for secret in [&s.admin, &reg, &officer, &employer] {
        assert!(!all.contains(secret.as_str()), "a token in the log");
    }
    for personal in ["AUNG KYAW MIN", "MH1234567", "1994-03-12", &id] {
        assert!(!all.contains(personal), "{personal} in the log");
    }
}

#[test]
fn the_request_id_is_echoed_and_quoted_and_a_500_logs_its_cause() {
    let s = Server::start_with(Engine::Sqlite, &["--log-format", "json"]);
    let reg = s.token("registrar", None);
    let r = s.request("GET", "/v1/permits/wp_none", Some(&reg), None, &[("x-request-id", "inspection-42")]);
    assert_eq!(r.header("x-request-id"), Some("inspection-42"));
    assert_eq!(r.json()["requestId"], "inspection-42", "a problem quotes the request id: {}", r.body);
    let hostile = s.request("GET", "/healthz", None, None, &[("x-request-id", "two words")]);
    let made = hostile.header("x-request-id").expect("a request id").to_string();
    assert!(made.starts_with("req_") && made != "two words", "{made}");

    // A stored row that no longer reads: our fault, a 500 that says nothing of why.
    let p = s.issue(&reg, &sample_permit(1));
    let id = p["id"].as_str().expect("id").to_string();
    s.sql(&[&format!("UPDATE permits SET state = 'misfiled' WHERE id = '{id}'")]);
    let broken = s.request(
        "GET",
        &format!("/v1/permits/{id}"),
        Some(&reg),
        None,
        &[("x-request-id", "case-500"), ("dwp-purpose", "issuance")],
    );
    assert_eq!(broken.status, 500);
    let body = broken.json();
    assert_eq!((body["code"].as_str(), body["requestId"].as_str()), (Some("internal_error"), Some("case-500")));
    assert!(!broken.body.contains("misfiled") && !broken.body.contains("stored state"), "{}", broken.body);
    let start = std::time::Instant::now();
    let mut lines = log_lines(&s);
    while !lines.iter().any(|l| l["request_id"] == "case-500") && start.elapsed().as_secs() < 5 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        lines = log_lines(&s);
    }
    let error = lines
        .iter()
        .find(|l| l["message"] == "internal error" && l["request_id"] == "case-500")
        .unwrap_or_else(|| panic!("the 500's cause is logged with its request id: {lines:?}"));
    assert!(error["cause"].as_str().is_some_and(|c| c.contains("misfiled")), "{error}");
}
