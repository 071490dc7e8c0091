//! The events feed: every change of an application's state as a CloudEvents
//! 1.0 record, once, in commit order, with no personal data; and nothing
//! lost or doubled across a SIGKILL in the middle of submissions.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{Engine, Registry, Server, sample_permit};

/// The whole feed, page by page.
fn feed(s: &Server, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = 0;
    for _ in 0..1000 {
        let r = s.get(&format!("/v1/events?after={after}&limit=50"), Some(token));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("content-type"), Some("application/cloudevents-batch+json"));
        let page = r.json().as_array().expect("a batch").clone();
        let Some(last) = page.last() else { break };
        after = last["dwpseq"].as_i64().expect("dwpseq");
        all.extend(page);
    }
    all
}

fn feed_in_order(engine: Engine) {
    let (s, bank) = crate::journey::start_with_bank(engine, &[]);
    let (reg, officer, auditor) = (s.token("registrar", None), s.token("officer", None), s.token("auditor", None));
    let submitted: Vec<Value> = (1..=3)
        .map(|n| {
            let r = s.post("/v1/applications", Some(&officer), &sample_permit(n));
            assert_eq!(r.status, 201, "{}", r.body);
            r.json()
        })
        .collect();
    let ids: Vec<String> = submitted.iter().map(|a| a["id"].as_str().expect("id").to_string()).collect();
    crate::journey::to_decision(&s, &bank, &officer, &submitted[0]);
    assert_eq!(s.post(&format!("/v1/applications/{}/approve", ids[0]), Some(&reg), &json!({})).status, 201);
    crate::journey::to_decision(&s, &bank, &officer, &submitted[1]);
    let reason = json!({ "reason": "the documents do not match", "reasonCode": "documents_incomplete" });
    assert_eq!(s.post(&format!("/v1/applications/{}/reject", ids[1]), Some(&reg), &reason).status, 200);
    assert_eq!(s.get("/v1/events", Some(&officer)).status, 403, "officers do not read the feed");
    assert_eq!(s.get("/v1/events?after=x", Some(&auditor)).code(), "invalid_query");
    let events = feed(&s, &auditor);
    let got: Vec<(String, Value, Value)> = events
        .iter()
        .map(|e| {
            assert_eq!(e["specversion"], "1.0");
            assert_eq!(e["type"], "th.go.doe.dwp.application.status_changed");
            assert_eq!(e["subject"], e["data"]["application"]);
            (
                e["subject"].as_str().expect("subject").to_string(),
                e["data"]["previousState"].clone(),
                e["data"]["state"].clone(),
            )
        })
        .collect();
    let step = |i: usize, from: Option<&str>, to: &str| (ids[i].clone(), json!(from), json!(to));
    let mut expected = vec![];
    for i in 0..3 {
        expected.extend([step(i, None, "submitted"), step(i, Some("submitted"), "fee_pending")]);
    }
    expected.extend([
        step(0, Some("fee_pending"), "fee_paid"),
        step(0, Some("fee_paid"), "identity_verified"),
        step(0, Some("identity_verified"), "under_review"),
        step(0, Some("under_review"), "approved"),
        step(0, Some("approved"), "issued"),
        step(1, Some("fee_pending"), "fee_paid"),
        step(1, Some("fee_paid"), "identity_verified"),
        step(1, Some("identity_verified"), "under_review"),
        step(1, Some("under_review"), "rejected"),
    ]);
    assert_eq!(got, expected);
    let seqs: Vec<i64> = events.iter().map(|e| e["dwpseq"].as_i64().expect("seq")).collect();
    assert_eq!(seqs, (1..=15).collect::<Vec<_>>(), "gapless, in order");
    let text = serde_json::to_string(&events).expect("json");
    assert!(!text.contains("AUNG") && !text.contains("MH1234567"), "no personal data in the feed");
}
crate::both_engines!(the_feed_has_every_change_once_in_order, super::feed_in_order);

#[test]
fn the_feed_loses_nothing_across_a_sigkill() {
    let mut s = Server::start(Engine::Sqlite);
    let (officer, auditor) = (s.token("officer", None), s.token("auditor", None));
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let base = s.base.clone();
    std::thread::scope(|scope| {
        for worker in 0..4usize {
            let (acked, officer, base) = (acked.clone(), officer.clone(), base.clone());
            scope.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                // Bounded: the server dies well before.
                for n in 0..400usize {
                    let Ok(resp) = agent
                        .post(format!("{base}/v1/applications"))
                        .header("authorization", format!("Bearer {officer}"))
                        .header("content-type", "application/json")
                        .send(sample_permit(worker * 1000 + n).to_string().as_bytes())
                    else {
                        return;
                    };
                    if resp.status().as_u16() != 201 {
                        return;
                    }
                    let Ok(v) = resp.into_body().read_json::<Value>() else { return };
                    acked.lock().expect("lock").insert(v["id"].as_str().unwrap_or_default().to_string());
                }
            });
        }
        let start = Instant::now();
        while acked.lock().expect("lock").len() < 100 && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(20));
        }
        s.kill();
    });
    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    assert!(acked.len() >= 100, "{} acknowledged before the kill", acked.len());
    s.restart();
    let events = feed(&s, &auditor);
    let changes: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["subject"].as_str().expect("subject"), e["data"]["state"].as_str().expect("state")))
        .collect();
    let unique: BTreeSet<(&str, &str)> = changes.iter().copied().collect();
    assert_eq!(unique.len(), changes.len(), "each change's event once");
    for id in &acked {
        for state in ["submitted", "fee_pending"] {
            assert!(unique.contains(&(id.as_str(), state)), "the {state} event of acknowledged {id} is lost");
        }
    }
    let seqs: Vec<i64> = events.iter().map(|e| e["dwpseq"].as_i64().expect("seq")).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "gapless, in order");
    eprintln!("events: {} submissions acknowledged before SIGKILL, {} events after restart", acked.len(), events.len());
}
