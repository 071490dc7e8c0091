//! The application journey from the outside, on both engines: an employer
//! submits, the fee QR (a real PNG, read by a real decoder) is paid through
//! `dwp bank-sim`, whose callback the registry confirms with the bank's
//! inquiry; an officer records the identity check; the registrar approves and
//! the permit verifies; the public tracking shows each state in turn. Wrong
//! payments go to the reconciliation queue; a payment without a callback is
//! found by `dwp payments reconcile`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use dwp_issuer::thaiqr::{BillPayment, BillerId, Reference};

use crate::banksim::BankSim;
use crate::server::{Engine, Registry, Server, sample_permit};

/// The sample permit's employer (its juristic id is the fee's Ref2).
pub const EMPLOYER: &str = "0215559001234";
/// The sample worker's birth date.
const BIRTH: &str = "1994-03-12";

/// A registry with a bank beside it, and a token of each desk.
pub struct Desk {
    pub s: Server,
    pub bank: BankSim,
    pub employer: String,
    pub officer: String,
    pub registrar: String,
}

/// `dwp serve` with more `args`, and a `dwp bank-sim` as its bank, calling it back.
pub fn start_with_bank(engine: Engine, args: &[&str]) -> (Server, BankSim) {
    // The bank's port is chosen first, so that each side can be told where the other is.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("port").port();
    let bank_url = format!("http://127.0.0.1:{port}");
    let mut all = vec!["--bank-url", bank_url.as_str()];
    all.extend_from_slice(args);
    let s = Server::start_with(engine, &all);
    let callback = format!("{}/v1/payments/bank-callback", s.base);
    let bank = BankSim::start_on(&format!("127.0.0.1:{port}"), &callback, &[]);
    (s, bank)
}

/// Waits, within 20 s, for the application `id` to reach `state`, as `reader` reads it.
pub fn wait_for(s: &Server, reader: &str, id: &str, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = s.get(&format!("/v1/applications/{id}"), Some(reader));
        assert_eq!(r.status, 200, "{}", r.body);
        let now = r.json()["state"].as_str().unwrap_or_default().to_string();
        if now == state {
            return;
        }
        assert!(Instant::now() < deadline, "{id} is still {now}, not {state}, after 20 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Pays the fee of an application just submitted (`submitted` is the answer) through the bank,
/// and records the identity check as `officer`: it is then ready for the registrar's decision.
/// Returns its number.
pub fn to_decision(s: &Server, bank: &BankSim, officer: &str, submitted: &Value) -> String {
    let id = submitted["id"].as_str().unwrap_or_else(|| panic!("an application: {submitted}")).to_string();
    let qr = submitted["fee"]["qr"].as_str().expect("a fee QR");
    let (status, paid) = bank.pay(&json!({ "qr": qr, "payerBank": "014" }));
    assert_eq!(status, 200, "{paid}");
    wait_for(s, officer, &id, "fee_paid");
    let identity = json!({ "centre": "SC-21-01", "biometricMatch": "BIO-7781", "verifiedAt": "2026-01-01T00:00:00Z" });
    let r = s.post(&format!("/v1/applications/{id}/identity"), Some(officer), &identity);
    assert_eq!(r.status, 200, "{}", r.body);
    id
}

impl Desk {
    /// A registry whose bank is a `dwp bank-sim` calling it back.
    pub fn start(engine: Engine) -> Desk {
        Desk::start_with(engine, &[])
    }

    /// [`Desk::start`] with more `dwp serve` arguments.
    pub fn start_with(engine: Engine, args: &[&str]) -> Desk {
        let (s, bank) = start_with_bank(engine, args);
        let employer = s.token("employer", Some(EMPLOYER));
        let officer = s.token("officer", None);
        let registrar = s.token("registrar", None);
        Desk { s, bank, employer, officer, registrar }
    }

    /// Submits the sample permit numbered `n` as the employer; returns the answer.
    pub fn submit(&self, n: usize) -> Value {
        let r = self.s.post("/v1/applications", Some(&self.employer), &sample_permit(n));
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()
    }

    /// The application as the officer reads it.
    pub fn state(&self, id: &str) -> String {
        let r = self.s.get(&format!("/v1/applications/{id}"), Some(&self.officer));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["state"].as_str().unwrap_or_default().to_string()
    }

    /// Waits, within 20 s, for the application to reach `state`.
    pub fn wait_for(&self, id: &str, state: &str) {
        wait_for(&self.s, &self.officer, id, state);
    }

    /// The public tracking.
    pub fn track(&self, number: &str, birth_date: &str) -> crate::server::Resp {
        self.s.post("/v1/track", None, &json!({ "number": number, "birthDate": birth_date }))
    }

    /// The payments recorded (`all`) or waiting in the queue.
    pub fn payments(&self, all: bool) -> Vec<Value> {
        let r = self.s.get(&format!("/v1/payments/queue?all={all}"), Some(&self.registrar));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["payments"].as_array().cloned().unwrap_or_default()
    }

    /// Waits, within 20 s, for `n` payments to be recorded in all.
    fn wait_payments(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let all = self.payments(true);
            if all.len() >= n {
                return all;
            }
            assert!(Instant::now() < deadline, "{} payments recorded, not {n}, after 20 s: {all:?}", all.len());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The fee QR of an application with another amount or another Ref1 (a payer who typed it wrong).
fn altered(qr: &str, ref1: Option<&str>, amount: Option<u64>) -> String {
    let bill = BillPayment::parse(qr).expect("the fee QR parses");
    BillPayment::new(
        bill.biller_id().clone(),
        ref1.map_or_else(|| bill.ref1().clone(), |r| Reference::parse(r).expect("ref1")),
        bill.ref2().clone(),
        amount.unwrap_or(bill.amount_satang()),
    )
    .expect("bill")
    .encode()
}

fn the_whole_journey(engine: Engine) {
    let d = Desk::start_with(engine, &["--metrics-listen", "127.0.0.1:0"]);
    let submitted = d.submit(1);
    let id = submitted["id"].as_str().expect("id").to_string();
    assert!(id.len() == 14 && id.starts_with("DWP25") && id[3..].bytes().all(|b| b.is_ascii_digit()), "{id}");
    assert_eq!(submitted["state"], "fee_pending");
    // The sample runs 24 months: 100 THB to apply and 6,000 THB for the permit.
    assert_eq!(submitted["fee"]["amount"], "6100.00", "{submitted}");
    assert!(submitted.to_string().find("AUNG").is_none(), "no personal data in the answer: {submitted}");

    // The fee QR, as a PNG read by a real decoder: the same string, its CRC and fields right.
    let png_bytes = d.s.request_bytes(&format!("/v1/applications/{id}/fee.png"), Some(&d.employer));
    let decoded = dwp::scan::payload_from_image_bytes(&png_bytes).expect("the fee PNG decodes");
    assert_eq!(decoded, submitted["fee"]["qr"].as_str().expect("qr"));
    let bill = BillPayment::parse(&decoded).expect("a bill payment whose CRC checks");
    assert_eq!(bill.biller_id(), &BillerId::parse(dwp::registry::journey::DEMO_BILLER_ID).expect("biller"));
    assert_eq!((bill.ref1().as_str(), bill.ref2().as_str(), bill.amount_satang()), (id.as_str(), EMPLOYER, 610_000));
    let svg = d.s.get(&format!("/v1/applications/{id}/fee.svg"), Some(&d.officer));
    assert!(svg.status == 200 && svg.body.starts_with("<?xml"), "{}", svg.status);
    // Another employer's token sees no such application.
    let other = d.s.token("employer", Some("0105536012346"));
    assert_eq!(d.s.get(&format!("/v1/applications/{id}/fee.png"), Some(&other)).status, 404);

    let mut seen = vec![];
    let mut track = |expect: &str| {
        let r = d.track(&id, BIRTH);
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        assert_eq!(v["state"], expect, "{v}");
        for lang in ["th", "en", "my", "lo", "km"] {
            let text = v["nextStep"][lang].as_str().unwrap_or_default();
            assert!(!text.is_empty() && !text.contains("{due}"), "{lang}: {text:?}");
        }
        let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["changedAt", "fee", "nextStep", "number", "state"], "nothing else is told");
        seen.push(expect.to_string());
        v
    };
    let first = track("fee_pending");
    assert_eq!(first["fee"]["qr"], submitted["fee"]["qr"], "the tracking shows the fee QR while unpaid");

    // Paid once, whatever the number of callbacks.
    let (status, tx) = d.bank.pay(&json!({ "qr": decoded, "payerBank": "014", "repeatCallback": 3 }));
    assert_eq!(status, 200, "{tx}");
    d.wait_for(&id, "fee_paid");
    let deadline = Instant::now() + Duration::from_secs(20);
    while d.s.stderr().matches("route=/v1/payments/bank-callback status=200").count() < 3 {
        assert!(Instant::now() < deadline, "three callbacks were not all answered within 20 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let all = d.payments(true);
    assert_eq!(all.len(), 1, "one payment recorded for three callbacks: {all:?}");
    assert_eq!((all[0]["outcome"].as_str(), all[0]["applicationId"].as_str()), (Some("applied"), Some(id.as_str())));
    let paid = track("fee_paid");
    assert!(paid["fee"]["qr"].is_null() && paid["fee"]["paidAt"].is_string(), "{paid}");

    // The registrar cannot approve before the identity check; the officer records it.
    let early = d.s.post(&format!("/v1/applications/{id}/approve"), Some(&d.registrar), &json!({}));
    assert_eq!((early.status, early.code().as_str()), (409, "identity_not_verified"), "{}", early.body);
    let not_officer = d.s.post(
        &format!("/v1/applications/{id}/identity"),
        Some(&d.registrar),
        &json!({ "centre": "SC-21-01", "biometricMatch": "BIO-1", "verifiedAt": "2026-01-01T00:00:00Z" }),
    );
    assert_eq!(not_officer.status, 403, "{}", not_officer.body);
    let identity = json!({ "centre": "SC-21-01", "biometricMatch": "BIO-7781", "verifiedAt": "2026-01-01T00:00:00Z" });
    let r = d.s.post(&format!("/v1/applications/{id}/identity"), Some(&d.officer), &identity);
    assert_eq!(r.status, 200, "{}", r.body);
    track("identity_verified");

    let approve = |key: &str| {
        let body = json!({}).to_string();
        d.s.request(
            "POST",
            &format!("/v1/applications/{id}/approve"),
            Some(&d.registrar),
            Some(("application/json", body.as_bytes())),
            &[("idempotency-key", key)],
        )
    };
    let approved = approve("approve-1");
    assert_eq!(approved.status, 201, "{}", approved.body);
    let approved = approved.json();
    assert_eq!(approved["state"], "issued");
    // The wallet offer comes with the approval, its one-time code in this answer only.
    let offer = &approved["offer"];
    assert!(
        offer["credentialOfferUri"].as_str().is_some_and(|u| u.starts_with("openid-credential-offer://")),
        "{approved}"
    );
    assert!(offer["txCode"].as_str().is_some_and(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())), "{offer}");
    let replayed = approve("approve-1");
    assert_eq!((replayed.status, replayed.header("idempotent-replayed")), (201, Some("true")));
    assert!(replayed.json().get("offer").is_none(), "a replay holds no one-time code: {}", replayed.body);
    let payload = approved["permit"]["payload"].as_str().expect("the permit's QR payload").to_string();
    track("issued");
    assert_eq!(seen, ["fee_pending", "fee_paid", "identity_verified", "issued"]);

    // The permit verifies.
    let verdict = d.s.post("/v1/verify", None, &json!({ "payload": payload, "policy": "inspector" }));
    assert_eq!(verdict.status, 200, "{}", verdict.body);
    assert_eq!(verdict.json()["valid"], true, "{}", verdict.body);
    // Online for an employer: its own worker here, another employer's, its own elsewhere, a bad id.
    let for_employer = |employer: Value| {
        d.s.post("/v1/verify", None, &json!({ "payload": payload, "policy": "employer", "employer": employer }))
    };
    let own = for_employer(json!({ "juristicId": EMPLOYER, "province": "TH-21", "industrialEstate": "ESIE" })).json();
    assert_eq!(
        (own["valid"].clone(), own["checkedFor"]["juristicId"].clone()),
        (json!(true), json!(EMPLOYER)),
        "{own}"
    );
    let other = for_employer(json!({ "juristicId": "0105536000011" })).json();
    assert_eq!((other["valid"].clone(), other["reason"].clone()), (json!(false), json!("other_employer")), "{other}");
    let elsewhere = for_employer(json!({ "juristicId": EMPLOYER, "province": "TH-10" })).json();
    assert_eq!(elsewhere["reason"], "other_workplace", "{elsewhere}");
    let bad = for_employer(json!({ "juristicId": "0215559001235" }));
    assert_eq!((bad.status, bad.code().as_str()), (422, "invalid_field"), "{}", bad.body);

    // Every transition is on the timeline and in the feed, once, in order.
    let view = d.s.get(&format!("/v1/applications/{id}"), Some(&d.officer)).json();
    let steps: Vec<&str> =
        view["timeline"].as_array().expect("timeline").iter().filter_map(|s| s["state"].as_str()).collect();
    let journey = ["submitted", "fee_pending", "fee_paid", "identity_verified", "under_review", "approved", "issued"];
    assert_eq!(steps, journey);
    assert!(view.get("permit").is_none() && !view.to_string().contains("MH1234567"), "the officer reads no data");
    let admin = d.s.admin.clone();
    let feed = d.s.get("/v1/events?limit=100", Some(&admin)).json();
    let states: Vec<&str> = feed
        .as_array()
        .expect("a batch")
        .iter()
        .filter(|e| e["subject"] == id.as_str())
        .filter_map(|e| e["data"]["state"].as_str())
        .collect();
    assert_eq!(states, journey);

    // Wrong payments never pay a fee: they wait in the queue.
    let second = d.submit(2);
    let (id2, qr2) = (second["id"].as_str().expect("id"), second["fee"]["qr"].as_str().expect("qr"));
    for (body, outcome) in [
        (json!({ "qr": altered(qr2, None, Some(100)), "payerBank": "002" }), "wrong_amount"),
        (json!({ "qr": altered(qr2, Some("DWP25699999999"), None), "payerBank": "004" }), "unknown_reference"),
        (json!({ "qr": qr2, "payerBank": "006", "deny": true }), "inquiry_denied"),
        (json!({ "qr": qr2, "payerBank": "011", "amountOverride": "1.00" }), "inquiry_mismatch"),
    ] {
        let before = d.payments(true).len();
        let (status, paid) = d.bank.pay(&body);
        assert_eq!(status, 200, "{paid}");
        let all = d.wait_payments(before + 1);
        let this = all.iter().find(|p| p["transactionId"] == paid["transactionId"]).expect("recorded");
        assert_eq!(this["outcome"], outcome, "{this}");
        assert_eq!(d.state(id2), "fee_pending", "{outcome} paid nothing");
    }
    assert_eq!(d.payments(false).len(), 4, "the four wait in the queue");
    let metrics = d.s.metrics.as_deref().expect("the metrics listener");
    let scraped = ureq::get(metrics).call().expect("GET /metrics").into_body().read_to_string().expect("text");
    for why in ["wrong_amount", "unknown_reference", "inquiry_denied", "inquiry_mismatch"] {
        let line = format!("dwp_payments_unreconciled{{outcome=\"{why}\"}} 1");
        assert!(scraped.contains(&line), "{line} in {scraped}");
    }
    assert!(scraped.contains("dwp_payments_unreconciled{outcome=\"late\"} 0"), "{scraped}");
    assert!(scraped.contains("dwp_applications{state=\"issued\"} 1"), "{scraped}");

    // A payment whose callback never came is found by the day's reconciliation.
    let (status, quiet) = d.bank.pay(&json!({ "qr": qr2, "payerBank": "014", "noCallback": true }));
    assert_eq!(status, 200, "{quiet}");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(d.state(id2), "fee_pending");
    let date = &quiet["transactionDateTime"].as_str().expect("date")[..10];
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(["payments", "reconcile", "--date", date, "--registry", &d.s.base])
        .env("DWP_TOKEN", &d.registrar)
        .output()
        .expect("dwp payments reconcile");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("1 applied now"), "{text}");
    assert_eq!(d.state(id2), "fee_paid");
    // Run again, it changes nothing.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(["payments", "reconcile", "--date", date, "--registry", &d.s.base])
        .env("DWP_TOKEN", &d.registrar)
        .output()
        .expect("dwp payments reconcile");
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 applied now"), "{again:?}");
}

#[test]
fn the_whole_journey_on_sqlite() {
    the_whole_journey(Engine::Sqlite);
}

#[test]
fn the_whole_journey_on_postgres() {
    the_whole_journey(Engine::Postgres);
}

/// The 11th wrong birth date within an hour is refused without being checked, even when right.
#[test]
fn wrong_birth_dates_are_limited_per_application() {
    let d = Desk::start(Engine::Sqlite);
    let id = d.submit(1)["id"].as_str().expect("id").to_string();
    assert_eq!(d.track(&id, BIRTH).status, 200);
    for n in 0..10 {
        let r = d.track(&id, &format!("1990-01-{:02}", n + 1));
        assert_eq!((r.status, r.code().as_str()), (404, "not_found"), "wrong answer {}: {}", n + 1, r.body);
    }
    let r = d.track(&id, BIRTH);
    assert_eq!((r.status, r.code().as_str()), (429, "too_many_attempts"), "{}", r.body);
    assert!(r.headers.iter().any(|(k, v)| k == "retry-after" && v == "3600"), "{:?}", r.headers);
    // A number that does not exist is a wrong answer like another, and bad input is refused as such.
    assert_eq!(d.track("DWP25690000999", BIRTH).status, 429, "the client is limited too");
    assert_eq!(d.track("not a number", BIRTH).status, 422);
}

/// Names typed in Zawgyi are refused with the hint; the same names in Unicode are accepted.
#[test]
fn a_burmese_name_typed_in_zawgyi_is_refused_with_the_hint() {
    let d = Desk::start(Engine::Sqlite);
    let mut permit = sample_permit(7);
    // "Aung Kyaw" typed with a Zawgyi keyboard: the vowel sign E (U+1031) before its consonant.
    permit["worker"]["nativeName"] = json!("\u{1031}\u{1000}\u{102C}\u{1004}\u{103A}");
    let r = d.s.post("/v1/applications", Some(&d.employer), &permit);
    assert_eq!((r.status, r.code().as_str()), (422, "invalid_permit"), "{}", r.body);
    assert!(r.body.contains("Zawgyi") && r.body.contains("Unicode"), "{}", r.body);
    permit["worker"]["nativeName"] = json!("\u{1000}\u{1031}\u{102C}\u{1004}\u{103A}");
    let r = d.s.post("/v1/applications", Some(&d.employer), &permit);
    assert_eq!(r.status, 201, "{}", r.body);
}

/// Documents: a real PNG is taken, sealed, and read back whole by the registrar alone, on the
/// record; a file over 5 MiB, a cut-off image and a file of another type are refused.
#[test]
fn documents_are_checked_by_content_sealed_and_read_by_the_registrar_alone() {
    let d = Desk::start(Engine::Sqlite);
    let submitted = d.submit(3);
    let id = submitted["id"].as_str().expect("id").to_string();
    let path = format!("/v1/applications/{id}/documents");
    // A real PNG: the fee QR itself.
    let png = d.s.request_bytes(&format!("/v1/applications/{id}/fee.png"), Some(&d.employer));
    let send =
        |kind: &str, bytes: &[u8], token: &str| d.s.request("POST", &path, Some(token), Some((kind, bytes)), &[]);
    let r = send("image/png", &png, &d.employer);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["bytes"], png.len());
    let too_big = vec![0xFFu8; (5 << 20) + 1];
    let r = send("image/jpeg", &too_big, &d.employer);
    assert_eq!((r.status, r.code().as_str()), (413, "body_too_large"), "{}", r.body);
    let r = send("image/png", &png[..png.len() / 2], &d.officer);
    assert_eq!((r.status, r.code().as_str()), (422, "invalid_document"), "a cut-off image: {}", r.body);
    let r = send("image/png", b"GIF89a not taken", &d.officer);
    assert_eq!((r.status, r.code().as_str()), (422, "invalid_document"), "{}", r.body);
    let listed = d.s.get(&path, Some(&d.officer)).json();
    assert_eq!(listed["documents"].as_array().map(Vec::len), Some(1), "only the whole PNG: {listed}");

    let one = format!("{path}/1");
    assert_eq!(d.s.read(&one, Some(&d.officer), "application-review").status, 403, "officers never open one");
    assert_eq!(d.s.get(&one, Some(&d.registrar)).code(), "purpose_required");
    let back = d.s.request_alone_with("GET", &one, Some(&d.registrar), None, &[("dwp-purpose", "application-review")]);
    assert_eq!(back.status, 200);
    assert_eq!(back.header("content-type"), Some("image/png"));
    // The file is sealed: its bytes are not in the database.
    let stored = crate::encryption::database_bytes(&d.s);
    let marker = &png[png.len() / 2..png.len() / 2 + 32];
    assert!(!stored.windows(marker.len()).any(|w| w == marker), "the document is stored sealed");
    let auditor = d.s.token("auditor", None);
    let audit = d.s.get("/v1/audit?limit=500", Some(&auditor)).json();
    let read = audit["entries"].as_array().expect("entries").iter().any(|e| {
        e["action"] == "application.read_document"
            && e["subject"] == id.as_str()
            && e["detail"]["purpose"] == "application-review"
    });
    assert!(read, "the registrar's read is on the record");
}

/// An employer lists its own workers' permits, and those due for renewal within 60 days.
#[test]
fn an_employer_lists_its_permits_due_for_renewal() {
    let s = Server::start(Engine::Sqlite);
    let reg = s.token("registrar", None);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    let soon = dwp_verifier::time::UnixTime(now + 30 * 86_400).to_string();
    let mut due = sample_permit(1);
    due["validFrom"] = json!(dwp_verifier::time::UnixTime(now - 86_400).to_string());
    due["validUntil"] = json!(soon);
    let due = s.issue(&reg, &due)["id"].as_str().expect("id").to_string();
    let later = s.issue(&reg, &sample_permit(2))["id"].as_str().expect("id").to_string();
    let own = s.token("employer", Some(EMPLOYER));
    let other = s.token("employer", Some("0105536012346"));
    let ids = |token: &str, query: &str| -> Vec<String> {
        let r = s.get(&format!("/v1/permits{query}"), Some(token));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["permits"]
            .as_array()
            .expect("permits")
            .iter()
            .filter_map(|p| p["id"].as_str().map(String::from))
            .collect()
    };
    let mut all = ids(&own, "");
    all.sort();
    let mut expected = vec![due.clone(), later];
    expected.sort();
    assert_eq!(all, expected, "its own permits");
    assert_eq!(ids(&own, "?expiringWithinDays=60"), vec![due.clone()], "the one due within 60 days");
    assert!(ids(&other, "").is_empty(), "another employer's are not listed");
    assert_eq!(ids(&reg, "?expiringWithinDays=60"), vec![due], "the registrar's office sees every one due");
    assert_eq!(s.get("/v1/permits?expiringWithinDays=0", Some(&own)).code(), "invalid_query");
}

/// An application whose fee is not paid within 7 days is closed as `expired_unpaid` two days
/// after its deadline (the grace lets the next day's reconciliation find a payment made in time);
/// a paid one is left alone, and the fee QR is no longer offered after the deadline.
#[test]
fn an_unpaid_application_expires_after_its_deadline_and_the_grace() {
    let s = crate::inproc::InProc::start("2026-12-01T03:00:00Z");
    let officer = s.token("officer", None);
    let r = s.post("/v1/applications", Some(&officer), &sample_permit(1));
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().expect("id").to_string();
    assert_eq!(r.json()["fee"]["dueAt"], "2026-12-08T03:00:00Z");
    let sweep = |s: &crate::inproc::InProc| s.rt.block_on(dwp::registry::expiry::sweep_once(&s.state)).expect("sweep");
    let state = |s: &crate::inproc::InProc| s.get(&format!("/v1/applications/{id}"), Some(&officer)).json();
    s.set("2026-12-08T03:00:00Z");
    assert_eq!(sweep(&s), 0);
    assert!(state(&s)["fee"]["qr"].is_string(), "the QR is offered up to the deadline");
    s.set("2026-12-08T03:00:01Z");
    assert!(state(&s)["fee"]["qr"].is_null(), "a payment now would be late: no QR");
    assert_eq!(s.get(&format!("/v1/applications/{id}/fee.png"), Some(&officer)).code(), "fee_overdue");
    s.set("2026-12-10T03:00:00Z");
    assert_eq!(sweep(&s), 0, "within the grace");
    s.set("2026-12-10T03:00:01Z");
    assert_eq!(sweep(&s), 1);
    let v = state(&s);
    assert_eq!(v["state"], "expired_unpaid", "{v}");
    let last = v["timeline"].as_array().and_then(|t| t.last()).cloned().expect("a step");
    assert_eq!((last["action"].as_str(), last["actor"].as_str()), (Some("expire-unpaid"), Some("system")));
    assert_eq!(sweep(&s), 0, "closed once");
}
