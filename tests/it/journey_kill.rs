//! SIGKILL in the middle of the journey: the bank's callbacks (sent here, twice each, as a bank
//! retrying would) and the registrar's approvals run while the registry is killed. After the
//! restart no acknowledged payment is lost or counted twice, every acknowledged approval issued its
//! permit, and the events feed has every transition of every application once, in order.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::journey::Desk;
use crate::server::{Engine, Registry};

const APPLICATIONS: usize = 40;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// POSTs `body` to `url`; the status, or `None` when the registry is gone.
fn post(agent: &ureq::Agent, url: &str, token: Option<&str>, body: &Value) -> Option<(u16, Value)> {
    let mut r = agent.post(url).header("content-type", "application/json");
    if let Some(t) = token {
        r = r.header("authorization", &format!("Bearer {t}"));
    }
    let resp = r.send(body.to_string().as_bytes()).ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.into_body().read_json().unwrap_or(Value::Null)))
}

#[test]
fn a_kill_during_callbacks_and_approvals_loses_and_doubles_nothing() {
    let mut d = Desk::start(Engine::Sqlite);
    let officer = d.officer.clone();
    let ids: Vec<String> =
        (0..APPLICATIONS).map(|n| d.submit(100 + n)["id"].as_str().expect("id").to_string()).collect();
    // The bank records every payment but sends no callback: the test is the bank's callback sender.
    let mut transactions = vec![];
    for id in &ids {
        let qr = d.s.get(&format!("/v1/applications/{id}"), Some(&officer)).json()["fee"]["qr"].clone();
        let (status, tx) = d.bank.pay(&json!({ "qr": qr, "payerBank": "014", "noCallback": true }));
        assert_eq!(status, 200, "{tx}");
        transactions.push(tx);
    }
    let acked_payments = Mutex::new(BTreeSet::<String>::new());
    let acked_approvals = Mutex::new(BTreeSet::<String>::new());
    let base = d.s.base.clone();
    let (registrar, officer_t) = (d.registrar.clone(), d.officer.clone());
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let a = agent();
            for tx in &transactions {
                // Twice, as a bank that did not hear the first answer.
                for _ in 0..2 {
                    match post(&a, &format!("{base}/v1/payments/bank-callback"), None, tx) {
                        Some((200, v)) => {
                            assert_eq!(v["outcome"], "applied", "{v}");
                            acked_payments
                                .lock()
                                .expect("lock")
                                .insert(tx["transactionId"].as_str().unwrap_or_default().into());
                        }
                        Some((status, v)) => panic!("callback answered {status}: {v}"),
                        None => return,
                    }
                }
            }
        });
        scope.spawn(|| {
            let a = agent();
            let identity =
                json!({ "centre": "SC-21-01", "biometricMatch": "BIO-1", "verifiedAt": "2026-01-01T00:00:00Z" });
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut done = BTreeSet::new();
            while done.len() < ids.len() && Instant::now() < deadline {
                let open: Vec<&String> = ids.iter().filter(|i| !done.contains(*i)).collect();
                for id in open {
                    let url = format!("{base}/v1/applications/{id}");
                    match post(&a, &format!("{url}/identity"), Some(&officer_t), &identity) {
                        Some((200, _)) => {}
                        // Not paid yet: later.
                        Some((409, v)) if v["code"] == "fee_not_paid" => continue,
                        Some((status, v)) => panic!("identity answered {status}: {v}"),
                        None => return,
                    }
                    match post(&a, &format!("{url}/approve"), Some(&registrar), &json!({})) {
                        Some((201, _)) => {
                            acked_approvals.lock().expect("lock").insert(id.clone());
                            done.insert(id.clone());
                        }
                        Some((status, v)) => panic!("approve answered {status}: {v}"),
                        None => return,
                    }
                }
            }
        });
        let start = Instant::now();
        while acked_approvals.lock().expect("lock").len() < 8 && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(5));
        }
        d.s.kill();
    });
    let (payments, approvals) =
        (acked_payments.into_inner().expect("lock"), acked_approvals.into_inner().expect("lock"));
    assert!(approvals.len() >= 8, "{} approvals acknowledged before the kill", approvals.len());
    d.s.restart();

    // Every acknowledged payment is there once, applied; no application was paid twice.
    let all = d.payments(true);
    let by_tx: BTreeMap<&str, &Value> = all.iter().map(|p| (p["transactionId"].as_str().expect("tx"), p)).collect();
    assert_eq!(by_tx.len(), all.len(), "a transaction once");
    for tx in &payments {
        assert_eq!(by_tx.get(tx.as_str()).map(|p| p["outcome"].as_str()), Some(Some("applied")), "acknowledged {tx}");
    }
    let mut applied = BTreeSet::new();
    for p in all.iter().filter(|p| p["outcome"] == "applied") {
        assert!(applied.insert(p["applicationId"].as_str().expect("application")), "paid twice: {p}");
    }
    for id in &approvals {
        assert_eq!(d.state(id), "issued", "acknowledged approval of {id}");
    }
    // The bank retries the callbacks the kill cut off: each is applied once, the others change nothing.
    let a = agent();
    for tx in &transactions {
        let (status, v) = post(&a, &format!("{}/v1/payments/bank-callback", d.s.base), None, tx).expect("answered");
        assert_eq!((status, v["outcome"].as_str()), (200, Some("applied")), "{v}");
    }
    let all = d.payments(true);
    assert_eq!(all.len(), APPLICATIONS, "one payment per application: {all:?}");
    assert!(all.iter().all(|p| p["outcome"] == "applied"));

    // The feed: gapless, and each application's changes once, in its timeline's order.
    let admin = d.s.admin.clone();
    let mut events = vec![];
    loop {
        let after = events.last().and_then(|e: &Value| e["dwpseq"].as_i64()).unwrap_or(0);
        let page = d.s.get(&format!("/v1/events?after={after}&limit=500"), Some(&admin)).json();
        let page = page.as_array().cloned().unwrap_or_default();
        if page.is_empty() {
            break;
        }
        events.extend(page);
    }
    let seqs: Vec<i64> = events.iter().filter_map(|e| e["dwpseq"].as_i64()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "gapless, in order");
    for id in &ids {
        let fed: Vec<&str> =
            events.iter().filter(|e| e["subject"] == id.as_str()).filter_map(|e| e["data"]["state"].as_str()).collect();
        let view = d.s.get(&format!("/v1/applications/{id}"), Some(&officer)).json();
        let timeline: Vec<&str> =
            view["timeline"].as_array().expect("timeline").iter().filter_map(|s| s["state"].as_str()).collect();
        assert_eq!(fed, timeline, "{id}: the feed tells its timeline, once each");
        assert!(timeline.starts_with(&["submitted", "fee_pending", "fee_paid"]), "{id}: {timeline:?}");
    }
    eprintln!(
        "journey kill: {} payments and {} approvals acknowledged before SIGKILL; {} events after restart",
        payments.len(),
        approvals.len(),
        events.len()
    );
}
