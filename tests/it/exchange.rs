//! The signed exchange with a partner agency, from the outside: the test plays
//! IEAT with its own key. A signed Section 62 notification is received (202,
//! a receipt whose signature verifies and binds the request); the registrar
//! decides it in the queue; IEAT's state check shows the permit; IEAT's
//! disclosure request returns the minimum and the status history; the worker,
//! signing with the wallet's holder key, sees the disclosure in their access
//! log with IEAT's purpose and case. Each refusal has its own code, writes
//! nothing, and is in the audit log as a refusal.

use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};

use dwp::partner::{self, Answer, Outgoing, SignedRequest};
use dwp_issuer::keys::KeyPair;

use crate::banksim::BankSim;
use crate::journey::{EMPLOYER, to_decision};
use crate::oid4vci_client::{Wallet, now};
use crate::server::{Engine, Opts, Registry, Server, sample_permit};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("port").port()
}

/// A registry whose public URL is its loopback address (the target URI the agency signs), with a bank.
fn start(engine: Engine) -> (Server, BankSim) {
    let (port, bank_port) = (free_port(), free_port());
    let base = format!("http://127.0.0.1:{port}");
    let args = ["--listen", &format!("127.0.0.1:{port}"), "--bank-url", &format!("http://127.0.0.1:{bank_port}")]
        .map(str::to_string)
        .to_vec();
    let s = Server::start_opts(
        engine,
        Opts { env: vec![("DWP_PUBLIC_URL".into(), base.clone())], args, ..Opts::default() },
    );
    assert_eq!(s.base, base, "the registry listens where its public URL says");
    let bank = BankSim::start_on(&format!("127.0.0.1:{bank_port}"), &format!("{base}/v1/payments/bank-callback"), &[]);
    (s, bank)
}

/// IEAT, as the test plays it.
struct Agency<'a> {
    s: &'a Server,
    key: KeyPair,
    keyid: String,
    registry: (VerifyingKey, String),
}

/// What one exchange call gave.
struct Call {
    answer: Answer,
    verified: Result<(), partner::AnswerError>,
}

impl Call {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.answer.body).unwrap_or(Value::Null)
    }
    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_string()
    }
}

const CASE: &str = "IEAT-EXT-2569-0042";
const OFFICER: &str = "ieat-officer-17";

impl<'a> Agency<'a> {
    fn new(s: &'a Server, seed: u8, keyid: &str, estates: &[&str]) -> Agency<'a> {
        let key = KeyPair::from_seed(&[seed; 32], None);
        let r = s.post(
            "/v1/partner-keys",
            Some(&s.admin),
            &json!({
                "keyId": keyid, "agency": "ieat", "publicKeyMultibase": key.public_multibase(),
                "estates": estates, "purposes": ["stay-extension", "issuance"], "notAfter": "2031-01-01T00:00:00Z",
            }),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let keys = s.get("/x/v1/keys", None).json();
        let rkey = keys["publicKeyMultibase"].as_str().expect("the registry's answer key");
        let bytes = dwp_verifier::multikey::decode_public(rkey).expect("multibase");
        let registry =
            (VerifyingKey::from_bytes(&bytes).expect("a key"), keys["keyId"].as_str().expect("keyId").into());
        Agency { s, key, keyid: keyid.into(), registry }
    }

    fn out<'b>(&self, method: &'b str, url: &'b str, body: Option<&'b [u8]>, purpose: &'b str) -> Outgoing<'b> {
        Outgoing { method, url, body, purpose, case: CASE, officer: OFFICER, now: now() }
    }

    /// Signs and sends; `tamper` may change the signed request before it goes.
    fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        purpose: &str,
        tamper: impl FnOnce(&mut Outgoing<'_>, &mut SignedRequest, &mut Option<Vec<u8>>),
    ) -> Call {
        let url = format!("{}{path}", self.s.base);
        let bytes = body.map(|b| b.to_string().into_bytes());
        let out = self.out(method, &url, bytes.as_deref(), purpose);
        let mut signed = partner::sign_request(&self.key, &self.keyid, &out).expect("signed");
        let mut sent_body = bytes.clone();
        let mut sent = out.clone();
        tamper(&mut sent, &mut signed, &mut sent_body);
        let sent = Outgoing { body: sent_body.as_deref(), ..sent };
        let answer = partner::send(&sent, &signed).expect("sent");
        let verified = partner::verify_answer(&self.registry.0, &self.registry.1, &out, &signed, &answer);
        Call { answer, verified }
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>, purpose: &str) -> Call {
        self.call_with(method, path, body, purpose, |_, _, _| {})
    }
}

fn notification(id: &str, n: usize) -> Value {
    json!({
        "notificationId": id,
        "estate": "ESIE",
        "permission": { "reference": "IEAT-46/2569/000123", "validFrom": "2026-11-01T00:00:00Z", "validUntil": "2029-01-01T00:00:00Z" },
        "permit": sample_permit(n),
        "attachments": [{ "name": "passport.pdf", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }],
    })
}

/// The audit log's entries.
fn audit(s: &Server, auditor: &str) -> Vec<Value> {
    s.get("/v1/audit?limit=1000", Some(auditor)).json()["entries"].as_array().cloned().unwrap_or_default()
}

fn the_exchange(engine: Engine) {
    let (s, bank) = start(engine);
    let ieat = Agency::new(&s, 41, "ieat-2026-01", &["ESIE"]);
    let officer = s.token("officer", None);
    let registrar = s.token("registrar", None);
    let auditor = s.token("auditor", None);

    // 1. IEAT notifies: 202, a receipt signed by the registry over IEAT's own signature.
    let note = notification("IEAT-S62-2569-000001", 1);
    let sent = ieat.call("POST", "/x/v1/ieat/s62-notifications", Some(&note), "issuance");
    assert_eq!(sent.answer.status, 202, "{}", String::from_utf8_lossy(&sent.answer.body));
    sent.verified.as_ref().expect("the receipt's signature verifies and binds the request");
    let receipt = sent.json();
    let application = receipt["applicationId"].as_str().expect("an application").to_string();
    assert_eq!(receipt["state"], "received");
    assert_eq!(receipt["permissionReference"], "IEAT-46/2569/000123");
    // The same notification again (a retry, newly signed): the same receipt, nothing new.
    let again = ieat.call("POST", "/x/v1/ieat/s62-notifications", Some(&note), "issuance");
    assert_eq!((again.answer.status, again.json()["applicationId"].clone()), (202, json!(application)));
    // The same id with another body is refused.
    let mut other = note.clone();
    other["permission"]["reference"] = json!("IEAT-46/2569/999999");
    let conflict = ieat.call("POST", "/x/v1/ieat/s62-notifications", Some(&other), "issuance");
    assert_eq!((conflict.answer.status, conflict.code().as_str()), (409, "notification_conflict"));
    conflict.verified.as_ref().expect("a refusal is signed too");

    // 2. In the registrar's queue, marked as IEAT's; the registrar decides alone.
    let view = s.read(&format!("/v1/applications/{application}"), Some(&registrar), "application-review").json();
    assert_eq!(view["source"], json!({ "agency": "ieat", "reference": "IEAT-46/2569/000123" }), "{view}");
    let state = ieat.call("GET", "/x/v1/ieat/s62-notifications/IEAT-S62-2569-000001", None, "issuance");
    assert_eq!((state.answer.status, state.json()["state"].clone()), (200, json!("received")));
    to_decision(&s, &bank, &officer, &json!({ "id": application, "fee": receipt["fee"] }));
    let approved = s.request(
        "POST",
        &format!("/v1/applications/{application}/approve"),
        Some(&registrar),
        Some(("application/json", b"{}")),
        &[],
    );
    assert_eq!(approved.status, 201, "{}", approved.body);
    let permit = approved.json()["permitId"].as_str().expect("a permit").to_string();
    let state = ieat.call("GET", "/x/v1/ieat/s62-notifications/IEAT-S62-2569-000001", None, "issuance");
    state.verified.as_ref().expect("signed");
    assert_eq!(state.json()["state"], "permit_issued", "{}", state.json());
    assert_eq!(state.json()["permitId"], permit.as_str());
    // Another notification for the same worker and operator: the permit is live.
    let twice =
        ieat.call("POST", "/x/v1/ieat/s62-notifications", Some(&notification("IEAT-S62-2569-000002", 2)), "issuance");
    assert_eq!((twice.answer.status, twice.code().as_str()), (409, "live_permit_exists"));

    // 3. The worker binds the permit to a wallet; the registrar suspends and reinstates it (a history).
    let wallet = Wallet::new(&s, 77);
    wallet.bind(&registrar, &permit);
    for action in ["suspend", "reinstate"] {
        let r = s.act(&registrar, &permit, action, &json!({ "reason": "a check" }));
        assert_eq!(r.status, 200, "{action}: {}", r.body);
    }

    // 4. IEAT asks for the worker's permits for a stay extension: the minimum, with the history.
    let search =
        ieat.call("GET", "/x/v1/estates/ESIE/permits?passport=MH1234567&nationality=MMR", None, "stay-extension");
    assert_eq!(search.answer.status, 200, "{}", String::from_utf8_lossy(&search.answer.body));
    search.verified.as_ref().expect("signed");
    let found = search.json()["permits"].as_array().cloned().unwrap_or_default();
    let one = found.iter().find(|p| p["id"] == permit.as_str()).unwrap_or_else(|| panic!("{found:?}")).clone();
    let keys: Vec<&str> = one.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "effectiveState",
            "employer",
            "estate",
            "history",
            "id",
            "occupation",
            "permitNumber",
            "province",
            "state",
            "successor",
            "validFrom",
            "validUntil"
        ],
        "the minimum, nothing more"
    );
    let body = String::from_utf8_lossy(&search.answer.body);
    assert!(
        !body.contains("AUNG") && !body.contains("1994-03-12") && !body.contains("MH1234567"),
        "no name, birth date or passport"
    );
    assert_eq!(
        (one["employer"].as_str(), one["estate"].as_str(), one["occupation"].as_str()),
        (Some(EMPLOYER), Some("ESIE"), Some("7233"))
    );
    let actions: Vec<&str> =
        one["history"].as_array().expect("history").iter().filter_map(|h| h["action"].as_str()).collect();
    assert!(actions.ends_with(&["suspend", "reinstate"]), "{actions:?}");
    assert!(
        one["history"].as_array().expect("history").iter().all(|h| h["at"].as_str().is_some_and(|a| a.ends_with('Z')))
    );
    let single = ieat.call("GET", &format!("/x/v1/estates/ESIE/permits/{permit}"), None, "stay-extension");
    assert_eq!((single.answer.status, single.json()["id"].clone()), (200, json!(permit)));

    // 5. The worker reads their access log, signing with the wallet's key: the disclosure is there.
    let log = holder_get(&s, &wallet, "/v1/me/access-log");
    assert_eq!(log.status, 200, "{}", log.body);
    let reads = log.json()["reads"].as_array().cloned().unwrap_or_default();
    let disclosure = reads.iter().find(|r| r["action"] == "permit.disclose").unwrap_or_else(|| panic!("{reads:?}"));
    assert_eq!(
        (
            disclosure["agency"].as_str(),
            disclosure["purpose"].as_str(),
            disclosure["case"].as_str(),
            disclosure["officer"].as_str()
        ),
        (Some("ieat"), Some("stay-extension"), Some(CASE), Some(OFFICER))
    );
    let unsigned = s.get("/v1/me/access-log", None);
    assert_eq!((unsigned.status, unsigned.code().as_str()), (401, "exchange_unsigned"));
    let stranger = Wallet::new(&s, 78);
    let r = holder_get(&s, &stranger, "/v1/me/access-log");
    assert_eq!((r.status, r.code().as_str()), (404, "holder_unknown"));

    // 6. Every refusal: its own code, nothing written but its line in the audit log.
    let before = audit(&s, &auditor);
    let notify = "/x/v1/ieat/s62-notifications";
    let fresh = notification("IEAT-S62-2569-000003", 3);
    let stranger = Agency { keyid: "ieat-unknown".into(), key: KeyPair::from_seed(&[42; 32], None), ..clone_of(&ieat) };
    let cases: Vec<(&str, Call)> = vec![
        ("exchange_key_unknown", stranger.call("POST", notify, Some(&fresh), "issuance")),
        ("exchange_estate_not_allowed", {
            let mut amata = fresh.clone();
            amata["estate"] = json!("AMATA");
            amata["permit"]["workplace"]["industrialEstate"] = json!("AMATA");
            ieat.call("POST", notify, Some(&amata), "issuance")
        }),
        (
            "exchange_estate_not_allowed",
            ieat.call("GET", "/x/v1/estates/AMATA/permits?passport=MH1234567&nationality=MMR", None, "stay-extension"),
        ),
        (
            "exchange_signature_invalid",
            ieat.call_with("POST", notify, Some(&fresh), "issuance", |_, signed, _| {
                let sig = signed.fields.iter_mut().find(|(n, _)| n == "signature").expect("signature");
                sig.1 = format!("sig1=:{}:", base64_of(&[7u8; 64]));
            }),
        ),
        (
            "exchange_digest_mismatch",
            ieat.call_with("POST", notify, Some(&fresh), "issuance", |_, _, body| {
                let tampered = String::from_utf8(body.take().expect("a body")).expect("utf-8").replace("ESIE", "ESIF");
                *body = Some(tampered.into_bytes());
            }),
        ),
        ("exchange_signature_stale", {
            let url = format!("{}{notify}", s.base);
            let bytes = fresh.to_string().into_bytes();
            let out = Outgoing { now: now() - 1000, ..ieat.out("POST", &url, Some(&bytes), "issuance") };
            let signed = partner::sign_request(&ieat.key, &ieat.keyid, &out).expect("signed");
            let answer = partner::send(&out, &signed).expect("sent");
            let verified = partner::verify_answer(&ieat.registry.0, &ieat.registry.1, &out, &signed, &answer);
            Call { answer, verified }
        }),
        ("exchange_nonce_replayed", {
            let url = format!("{}/x/v1/ieat/s62-notifications/IEAT-S62-2569-000001", s.base);
            let out = ieat.out("GET", &url, None, "issuance");
            let signed = partner::sign_request(&ieat.key, &ieat.keyid, &out).expect("signed");
            let first = partner::send(&out, &signed).expect("sent");
            assert_eq!(first.status, 200);
            let answer = partner::send(&out, &signed).expect("sent again");
            let verified = partner::verify_answer(&ieat.registry.0, &ieat.registry.1, &out, &signed, &answer);
            Call { answer, verified }
        }),
        (
            "exchange_purpose_required",
            ieat.call_with("POST", notify, Some(&fresh), "issuance", |_, signed, _| {
                signed.fields.retain(|(n, _)| n != "dwp-purpose");
            }),
        ),
        (
            "exchange_case_required",
            ieat.call_with("POST", notify, Some(&fresh), "issuance", |_, signed, _| {
                signed.fields.retain(|(n, _)| n != "dwp-case");
            }),
        ),
        (
            "exchange_purpose_not_allowed",
            ieat.call("GET", "/x/v1/estates/ESIE/permits?passport=MH1234567&nationality=MMR", None, "issuance"),
        ),
        (
            "exchange_unsigned",
            ieat.call_with("POST", notify, Some(&fresh), "issuance", |_, signed, _| {
                signed.fields.retain(|(n, _)| n != "signature" && n != "signature-input");
            }),
        ),
    ];
    for (code, call) in &cases {
        assert_eq!(call.code(), *code, "{}", String::from_utf8_lossy(&call.answer.body));
        assert!((400..500).contains(&call.answer.status), "{code}: {}", call.answer.status);
        // A request without a signature gets an answer that cannot bind one; every other refusal binds it.
        if *code != "exchange_unsigned" {
            call.verified.as_ref().unwrap_or_else(|e| panic!("{code}: the refusal is signed by the registry: {e}"));
        }
    }
    let after = audit(&s, &auditor);
    let new: Vec<&Value> = after.iter().skip(before.len()).collect();
    // The replay's first request was a state check: its nonce is its only write.
    let refused: Vec<&str> =
        new.iter().filter(|e| e["action"] == "exchange.refused").filter_map(|e| e["detail"]["code"].as_str()).collect();
    let expected: Vec<&str> = cases.iter().map(|(c, _)| *c).collect();
    assert_eq!(refused, expected, "each refusal on the record, in order");
    assert!(new.iter().all(|e| e["action"] == "exchange.refused"), "nothing else written: {new:?}");
    assert!(new.iter().all(|e| !e.to_string().contains("MH1234567")), "no passport number in the audit log");
    let queue = s.get("/v1/applications", Some(&registrar)).json();
    let ieat_apps = queue["applications"].as_array().map(|a| a.len());
    assert_eq!(ieat_apps, Some(1), "one application, from the one notification: {queue}");
    // The chain still verifies, and each permit's audited history still leads to its state.
    let verified = s.get("/v1/audit/verify", Some(&auditor)).json();
    assert_eq!(verified["valid"], true, "{verified}");
}

fn clone_of<'a>(a: &Agency<'a>) -> Agency<'a> {
    Agency { s: a.s, key: KeyPair::from_seed(&[0; 32], None), keyid: a.keyid.clone(), registry: a.registry.clone() }
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// A GET signed with the wallet's holder key (tag `dwp-holder`, keyid its did:key).
pub fn holder_get(s: &Server, wallet: &Wallet<'_>, path: &str) -> crate::server::Resp {
    use dwp::httpsig::{self, Component, Message, Params, SignatureInput};
    use ed25519_dalek::Signer as _;
    let url = format!("{}{path}", s.base);
    let input = SignatureInput {
        components: vec![Component::of("@method"), Component::of("@target-uri")],
        params: Params {
            created: Some(now()),
            expires: Some(now() + 60),
            nonce: Some(format!("n-{}", now())),
            keyid: Some(wallet.did()),
            tag: Some("dwp-holder".into()),
            ..Params::default()
        },
    };
    let msg = Message { method: Some("GET"), target_uri: Some(&url), status: None, fields: &[] };
    let signed = httpsig::sign(|m| wallet.key.sign(m).to_bytes(), "me", &input, &msg, None).expect("signed");
    s.request(
        "GET",
        path,
        None,
        None,
        &[("signature-input", &signed.signature_input), ("signature", &signed.signature)],
    )
}

#[test]
fn ieat_notifies_the_registrar_decides_ieat_reads_the_minimum_and_the_worker_sees_it_on_sqlite() {
    the_exchange(Engine::Sqlite);
}

#[test]
fn ieat_notifies_the_registrar_decides_ieat_reads_the_minimum_and_the_worker_sees_it_on_postgres() {
    the_exchange(Engine::Postgres);
}

/// `dwp partner request`, the reference client, against the registry: a disclosure verified, exit 0;
/// a refusal verified, exit 1; a forged registry key, exit 2.
#[test]
fn the_reference_client_signs_sends_and_verifies() {
    let (s, _bank) = start(Engine::Sqlite);
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("ieat.json");
    let out = crate::common::dwp(&["partner", "keygen", "--out", &key.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", crate::common::stderr(&out));
    let public = crate::common::stdout(&out).trim().to_string();
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&key).expect("key").permissions().mode() & 0o777, 0o600);
    let r = s.post(
        "/v1/partner-keys",
        Some(&s.admin),
        &json!({ "keyId": "ieat-cli", "agency": "ieat", "publicKeyMultibase": public, "estates": ["ESIE"],
                 "purposes": ["stay-extension"], "notAfter": "2031-01-01T00:00:00Z" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let keys = s.get("/x/v1/keys", None).json();
    let pinned =
        format!("{}={}", keys["keyId"].as_str().expect("id"), keys["publicKeyMultibase"].as_str().expect("key"));
    let request = |url: &str, pin: &str| {
        crate::common::dwp(&[
            "partner",
            "request",
            "--key",
            &key.to_string_lossy(),
            "--keyid",
            "ieat-cli",
            "--case",
            CASE,
            "--officer",
            OFFICER,
            "--registry-key",
            pin,
            "GET",
            url,
        ])
    };
    let ok = request(&format!("{}/x/v1/estates/ESIE/permits?passport=X1&nationality=MMR", s.base), &pinned);
    assert_eq!(ok.status.code(), Some(0), "{}", crate::common::stderr(&ok));
    assert_eq!(serde_json::from_str::<Value>(&crate::common::stdout(&ok)).expect("json"), json!({ "permits": [] }));
    assert!(crate::common::stderr(&ok).contains("verifies"), "{}", crate::common::stderr(&ok));
    let refused = request(&format!("{}/x/v1/estates/AMATA/permits?passport=X1&nationality=MMR", s.base), &pinned);
    assert_eq!(refused.status.code(), Some(1), "{}", crate::common::stderr(&refused));
    assert!(crate::common::stdout(&refused).contains("exchange_estate_not_allowed"));
    let forged =
        format!("{}={}", keys["keyId"].as_str().expect("id"), KeyPair::from_seed(&[5; 32], None).public_multibase());
    let wrong = request(&format!("{}/x/v1/estates/ESIE/permits?passport=X1&nationality=MMR", s.base), &forged);
    assert_eq!(wrong.status.code(), Some(2), "{}", crate::common::stderr(&wrong));
    assert!(crate::common::stderr(&wrong).contains("not signed by the registry"), "{}", crate::common::stderr(&wrong));
}

/// A change to a signed request's fields before it is sent.
type Tamper<'a> = dyn Fn(&mut Vec<(String, String)>) + 'a;

/// On the registry's own clock (in process): a key past its validity, a signature dated ahead of the
/// clock, one that lives too long, and one past its `expires`: each refused with its own code.
#[test]
fn keys_and_signatures_are_held_to_their_times() {
    let r = crate::inproc::InProc::start("2026-11-25T00:00:00Z");
    let key = KeyPair::from_seed(&[44; 32], None);
    let added = r.post(
        "/v1/partner-keys",
        Some(&r.admin),
        &json!({ "keyId": "ieat-short", "agency": "ieat", "publicKeyMultibase": key.public_multibase(),
                 "estates": ["ESIE"], "purposes": ["stay-extension"], "notAfter": "2026-11-26T00:00:00Z" }),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let path = "/x/v1/estates/ESIE/permits?passport=X1&nationality=MMR";
    // The target URI is the registry's public URL (its did:web's), whatever the socket.
    let url = format!("https://registry.test{path}");
    let send = |now: i64, change: &Tamper<'_>| {
        let out = Outgoing {
            method: "GET",
            url: &url,
            body: None,
            purpose: "stay-extension",
            case: CASE,
            officer: OFFICER,
            now,
        };
        let mut signed = partner::sign_request(&key, "ieat-short", &out).expect("signed");
        change(&mut signed.fields);
        let headers: Vec<(&str, &str)> = signed.fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        r.request("GET", path, None, None, &headers)
    };
    let t = |s: &str| crate::common::t(s).0;
    let ok = send(t("2026-11-25T00:00:00Z"), &|_| {});
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(send(t("2026-11-25T00:01:00Z"), &|_| {}).code(), "exchange_signature_future", "a minute ahead");
    let long = send(t("2026-11-25T00:00:00Z"), &|fields| {
        // expires moved out to an hour: the signature no longer verifies, but the window is read first.
        for (n, v) in fields.iter_mut() {
            if n == "signature-input" {
                let at = v.find(";expires=").expect("expires");
                let end = v[at + 9..].find(';').map_or(v.len(), |e| at + 9 + e);
                v.replace_range(at..end, &format!(";expires={}", t("2026-11-25T01:00:00Z")));
            }
        }
    });
    assert_eq!(long.code(), "exchange_window_too_long", "{}", long.body);
    r.set("2026-11-25T00:06:00Z");
    assert_eq!(send(t("2026-11-25T00:00:00Z"), &|_| {}).code(), "exchange_signature_stale", "past its expires");
    r.set("2026-11-27T00:00:00Z");
    let expired = send(t("2026-11-27T00:00:00Z"), &|_| {});
    assert_eq!((expired.status, expired.code().as_str()), (401, "exchange_key_expired"), "{}", expired.body);
}
