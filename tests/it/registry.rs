//! The registry's HTTP surface, on SQLite and on PostgreSQL: the lifecycle,
//! published status lists (read back by an independent decoder), idempotency,
//! hostile input and the audit chain. What needs no socket runs in process
//! ([`InProc`]); hostile bytes on the wire, the token command beside a running
//! server and edits behind its back run against the real `dwp serve`.

use std::io::Read;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

use dwp_verifier::ed25519::PublicKey;
use dwp_verifier::{multikey, proof};

use crate::both_engines;
use crate::inproc::InProc;
use crate::server::{Engine, Registry, Server, sample_permit};

/// An independent reading of W3C Bitstring Status List v1.0 §3.2: `encodedList` is
/// multibase base64url (no padding, prefix `u`) of the GZIP of the bitstring;
/// index 0 is the left-most (most significant) bit of the first byte.
fn decode_list(encoded: &str) -> Vec<u8> {
    let b64 = encoded.strip_prefix('u').expect("multibase base64url prefix u");
    let gz = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64).expect("base64url");
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).take(1 << 22).read_to_end(&mut bits).expect("gzip");
    bits
}

#[test]
fn the_independent_decoder_reads_the_w3c_example() {
    let path = crate::common::shared_vectors().join("bitstring-status-list/example-status-list-credential.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let example: Value = serde_json::from_str(&text).expect("JSON");
    let bits = decode_list(example["credentialSubject"]["encodedList"].as_str().expect("encodedList"));
    assert_eq!(bits.len() * 8, 131_072, "the example holds 131,072 entries");
    assert!(bits.iter().all(|b| *b == 0), "and none is set");
    // The registry's own encoder, read by the independent decoder: index 0 is the first byte's top bit.
    let mut ours = dwp_verifier::status::Bitstring::zeroed(131_072);
    ours.set(0, true);
    ours.set(131_071, true);
    let decoded = decode_list(&ours.encode());
    assert_eq!((decoded[0], decoded[16_383]), (0x80, 0x01));
}

fn bit(bits: &[u8], index: u64) -> bool {
    let i = usize::try_from(index).expect("index");
    bits[i / 8] & (0x80 >> (i % 8)) != 0
}

fn issuer_key(s: &impl Registry) -> PublicKey {
    let did = s.get("/.well-known/did.json", None).json();
    let mb = did["verificationMethod"][0]["publicKeyMultibase"].as_str().expect("publicKeyMultibase");
    PublicKey::from_bytes(&multikey::decode_public(mb).expect("multikey")).expect("key")
}

/// Fetches a list, checks its signature and shape, returns (sequence, bits).
fn fetch_list(s: &impl Registry, purpose: &str, shard: u64) -> (u64, Vec<u8>) {
    let r = s.get(&format!("/status/{purpose}/{shard}"), None);
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.json();
    proof::verify_jcs(&list, &issuer_key(s)).expect("the list is signed by the permits' issuer key");
    assert_eq!(list["type"], json!(["VerifiableCredential", "BitstringStatusListCredential"]));
    assert_eq!(list["issuer"], "did:web:registry.test");
    assert!(list["validFrom"].is_string() && list["validUntil"].is_string());
    let subject = &list["credentialSubject"];
    assert_eq!(subject["type"], "BitstringStatusList");
    assert_eq!(subject["statusPurpose"], purpose);
    assert!(subject["ttl"].as_u64().is_some_and(|t| t > 0));
    let bits = decode_list(subject["encodedList"].as_str().expect("encodedList"));
    assert!(bits.len() * 8 >= 131_072, "at least 131,072 entries, got {}", bits.len() * 8);
    (subject["statusSequence"].as_u64().expect("statusSequence"), bits)
}

fn status_of(p: &Value) -> (u64, u64) {
    (p["status"]["shard"].as_u64().expect("shard"), p["status"]["index"].as_u64().expect("index"))
}

/// The served list shows `want` at `index` on the first fetch after the acknowledged change:
/// an acknowledged change is committed, and a list whose sequence moved is signed afresh.
/// (How long that takes is `dwp bench registry`'s figure, not a test's.)
fn visible_at_once(s: &impl Registry, purpose: &str, shard: u64, index: u64, want: bool) -> u64 {
    let (seq, bits) = fetch_list(s, purpose, shard);
    assert_eq!(bit(&bits, index), want, "{purpose} bit {index} on the first fetch after the change");
    seq
}

fn lifecycle(engine: Engine) {
    let s = InProc::on(engine);
    let reg = s.token("registrar", None);
    let issued = s.issue(&reg, &sample_permit(1));
    let id = issued["id"].as_str().expect("id").to_string();
    assert!(issued["payload"].as_str().expect("payload").starts_with("DWP1:"));
    assert_eq!(issued["credential"]["credentialSubject"]["workPermit"]["permitNumber"], "WP-2569-21-000001");
    let (shard, index) = status_of(&issued);
    assert!(index < 131_072);

    // The payload verifies offline against the registry's own trust list.
    let trust = s.get("/trust-list", None).body;
    let trust = dwp_verifier::trust::TrustList::verify(&trust, None).expect("trust list");
    let now = dwp_verifier::time::UnixTime::parse("2027-01-01T00:00:00Z").expect("time");
    dwp_verifier::verify::verify(issued["payload"].as_str().expect("payload"), &trust, now).expect("valid permit");

    let (seq0, bits) = fetch_list(&s, "suspension", shard);
    assert!(!bit(&bits, index));
    let reason = json!({ "reason": "นายจ้างแจ้งว่าลูกจ้างหยุดงาน (employer report)" });
    let r = s.act(&reg, &id, "suspend", &reason);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["state"], "suspended");
    let seq1 = visible_at_once(&s, "suspension", shard, index, true);
    assert!(seq1 > seq0, "the sequence grows: {seq0} → {seq1}");
    assert_eq!(s.act(&reg, &id, "suspend", &reason).code(), "already_suspended");
    assert_eq!(
        s.act(&reg, &id, "renew", &json!({"reason": "r", "validUntil": "2030-11-23T23:59:59Z"})).code(),
        "permit_suspended"
    );
    let r = s.act(&reg, &id, "reinstate", &json!({ "reason": "resolved" }));
    assert_eq!(r.status, 200, "{}", r.body);
    let seq2 = visible_at_once(&s, "suspension", shard, index, false);
    assert!(seq2 > seq1);
    let r = s.act(&reg, &id, "revoke", &json!({ "reason": "fraudulent application" }));
    assert_eq!(r.json()["state"], "revoked");
    visible_at_once(&s, "revocation", shard, index, true);
    for (action, body) in [
        ("reinstate", json!({ "reason": "x" })),
        ("renew", json!({ "reason": "x", "validUntil": "2030-11-23T23:59:59Z" })),
        ("suspend", json!({ "reason": "x" })),
    ] {
        let r = s.act(&reg, &id, action, &body);
        assert_eq!((r.status, r.code().as_str()), (409, "permit_revoked"), "{action} on a revoked permit");
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
    }

    // Renewal and change of employer: a new credential, the old one retired on the revocation list.
    let first = s.issue(&reg, &sample_permit(2));
    let first_id = first["id"].as_str().expect("id");
    let r = s.act(&reg, first_id, "renew", &json!({ "reason": "renewal", "validUntil": "2030-11-23T23:59:59Z" }));
    assert_eq!(r.status, 201, "{}", r.body);
    let renewed = &r.json()["successor"];
    let renewed_id = renewed["id"].as_str().expect("successor id").to_string();
    assert_eq!(renewed["credential"]["validUntil"], "2030-11-23T23:59:59Z");
    let (s1, i1) = status_of(&first);
    visible_at_once(&s, "revocation", s1, i1, true);
    let (s2, i2) = status_of(renewed);
    assert_ne!((s1, i1), (s2, i2), "a new index for the new credential");
    let moved = s.act(
        &reg,
        &renewed_id,
        "change-employer",
        &json!({
            "reason": "change of employer approved",
            "validUntil": "2030-11-23T23:59:59Z",
            "employer": { "juristicId": "0105536012346", "name": "บริษัท ทดสอบ จำกัด" },
        }),
    );
    assert_eq!(moved.status, 201, "{}", moved.body);
    let moved = moved.json()["successor"].clone();
    assert_eq!(moved["credential"]["credentialSubject"]["workPermit"]["employer"]["juristicId"], "0105536012346");
    let view = s.read(&format!("/v1/permits/{}", moved["id"].as_str().expect("id")), Some(&reg), "issuance").json();
    assert_eq!(view["lineage"]["permits"].as_array().expect("lineage").len(), 3, "the worker's history stays linked");
    assert_eq!(view["predecessor"], renewed_id.as_str());
    let old = s.read(&format!("/v1/permits/{first_id}"), Some(&reg), "issuance").json();
    assert_eq!(old["state"], "superseded");
    assert_eq!(old["successor"], renewed_id.as_str());
    let actions: Vec<&str> =
        old["history"].as_array().expect("history").iter().filter_map(|h| h["action"].as_str()).collect();
    assert_eq!(actions, ["issue", "renew"]);
    assert_eq!(s.act(&reg, first_id, "suspend", &json!({"reason": "x"})).code(), "permit_superseded");

    // A status list that does not exist.
    assert_eq!(s.get("/status/revocation/999", None).status, 404);
    assert_eq!(s.get("/status/other/1", None).status, 404);
}
both_engines!(lifecycle_and_status_lists, super::lifecycle);

fn publishing(engine: Engine) {
    let s = InProc::on(engine);
    let reg = s.token("registrar", None);
    s.issue(&reg, &sample_permit(1));
    let r = s.get("/status/revocation/1", None);
    let etag = r.header("etag").expect("ETag").to_string();
    assert!(r.header("cache-control").is_some());
    let again = s.request("GET", "/status/revocation/1", None, None, &[("if-none-match", &etag)]);
    assert_eq!(again.status, 304);
    let gz = s.request("GET", "/status/revocation/1", None, None, &[("accept-encoding", "gzip")]);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    // The bundle: an ETag that holds while nothing a verifier keeps changed, and gzip.
    let first = s.get("/v1/bundle", None);
    let tag = first.header("etag").expect("the bundle's ETag").to_string();
    let same = s.request("GET", "/v1/bundle", None, None, &[("if-none-match", &tag)]);
    assert_eq!((same.status, same.body.as_str()), (304, ""), "nothing changed: 304, no body");
    let gz = s.request("GET", "/v1/bundle", None, None, &[("accept-encoding", "gzip")]);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let p = s.issue(&reg, &sample_permit(2));
    let suspended = s.act(&reg, p["id"].as_str().expect("id"), "suspend", &json!({ "reason": "etag" }));
    assert_eq!(suspended.status, 200);
    let changed = s.request("GET", "/v1/bundle", None, None, &[("if-none-match", &tag)]);
    assert_eq!(changed.status, 200, "a suspension changes the bundle");
    assert_ne!(changed.header("etag"), Some(tag.as_str()));
    let bundle = first.json();
    assert_eq!(bundle["type"], "DwpVerifierBundle");
    assert_eq!(bundle["statusLists"].as_array().expect("lists").len(), 2, "one revocation and one suspension list");
    assert!(bundle["contexts"]["https://dwp.doe.go.th/contexts/dwp/v1"].is_string());
    dwp_verifier::trust::TrustList::verify(&bundle["trustList"].to_string(), None).expect("signed trust list");
    assert_eq!(s.get("/contexts/dwp/v1", None).body, dwp_issuer::contexts::DWP_V1);
    let health = s.get("/healthz", None).json();
    match engine {
        Engine::Sqlite => {
            assert_eq!(health["sqlite"]["journalMode"], "wal");
            assert_eq!(health["sqlite"]["synchronous"], "full");
        }
        Engine::Postgres => assert_eq!(health["database"], "postgres"),
    }
    let api = s.get("/openapi.json", None).json();
    for path in ["/v1/permits", "/v1/permits/{id}/revoke", "/status/{purpose}/{list}", "/v1/bundle", "/v1/audit/verify"]
    {
        assert!(api["paths"][path].is_object(), "openapi lists {path}");
    }
}
both_engines!(publishing, super::publishing);

fn idempotency(engine: Engine) {
    let s = InProc::on(engine);
    let reg = s.token("registrar", None);
    let body = sample_permit(7).to_string();
    let send = |b: &str| {
        s.request(
            "POST",
            "/v1/permits",
            Some(&reg),
            Some(("application/json", b.as_bytes())),
            &[("idempotency-key", "k-1")],
        )
    };
    let a = send(&body);
    let b = send(&body);
    assert_eq!((a.status, b.status), (201, 201));
    assert_eq!(a.json()["id"], b.json()["id"], "a retry returns the same permit");
    assert_eq!(b.header("idempotent-replayed"), Some("true"));
    let other = sample_permit(8).to_string();
    let c = send(&other);
    assert_eq!((c.status, c.code().as_str()), (422, "idempotency_key_reused"));
    let list = s.get("/v1/permits", Some(&reg)).json();
    assert_eq!(list["permits"].as_array().expect("permits").len(), 1, "nothing was issued twice");
}
both_engines!(idempotency, super::idempotency);

fn raw_request(s: &Server, head: &str) -> String {
    use std::io::Write;
    let addr = s.base.strip_prefix("http://").expect("http base");
    let mut tcp = std::net::TcpStream::connect(addr).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    tcp.write_all(head.as_bytes()).expect("write");
    let mut out = Vec::new();
    let _ = tcp.take(1 << 20).read_to_end(&mut out);
    String::from_utf8_lossy(&out).to_string()
}

fn hostile_input(engine: Engine) {
    let s = Server::start(engine);
    let reg = s.token("registrar", None);
    s.issue(&reg, &sample_permit(1));
    let before_audit = s.get("/v1/audit/verify", Some(&s.token("auditor", None))).json();
    let post = |ctype: &str, body: &[u8]| s.request("POST", "/v1/permits", Some(&reg), Some((ctype, body)), &[]);
    // An oversized body is refused on its Content-Length, before it is read: the client
    // sends the head only, as a client would that waits for "100 Continue".
    let oversized = raw_request(
        &s,
        &format!(
            "POST /v1/permits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {reg}\r\n\
             Content-Type: application/json\r\nContent-Length: 204800\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(oversized.starts_with("HTTP/1.1 413"), "{oversized}");
    assert!(oversized.contains("\"code\":\"body_too_large\""), "{oversized}");
    // Just over the limit, sent whole.
    let big = vec![b' '; 64 * 1024 + 1];
    let mut cases: Vec<(&str, crate::server::Resp, u16, &str)> = vec![
        (
            "oversized body",
            s.request_alone("POST", "/v1/permits", Some(&reg), Some(("application/json", &big))),
            413,
            "body_too_large",
        ),
        ("text/plain", post("text/plain", sample_permit(2).to_string().as_bytes()), 415, "unsupported_media_type"),
        ("bad JSON", post("application/json", b"{\"permitNumber\": "), 400, "malformed_json"),
        ("not UTF-8", post("application/json", b"{\"a\":\"\xff\"}"), 400, "malformed_json"),
    ];
    let mut unknown = sample_permit(3);
    unknown["salary"] = json!(1);
    cases.push(("unknown field", s.post("/v1/permits", Some(&reg), &unknown), 422, "invalid_field"));
    let mut sqlish = sample_permit(4);
    sqlish["permitNumber"] = json!("WP'; DROP TABLE permits;--");
    let r = s.post("/v1/permits", Some(&reg), &sqlish);
    assert_eq!(r.json()["field"], "permitNumber");
    cases.push(("SQL-ish permit number", r, 422, "invalid_permit"));
    let mut juristic = sample_permit(5);
    juristic["employer"]["juristicId"] = json!("0215559001235");
    cases.push(("bad juristic check digit", s.post("/v1/permits", Some(&reg), &juristic), 422, "invalid_permit"));
    cases.push((
        "duplicate live permit number",
        s.post("/v1/permits", Some(&reg), &sample_permit(1)),
        409,
        "permit_number_in_use",
    ));
    cases.push(("SQL-ish id", s.read("/v1/permits/x'%20OR%20'1'='1", Some(&reg), "issuance"), 404, "not_found"));
    cases.push((
        "invalid token",
        s.get("/v1/permits", Some("dwp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")),
        401,
        "invalid_token",
    ));
    cases.push(("garbage token", s.get("/v1/permits", Some("'; --")), 401, "invalid_token"));
    cases.push(("no token", s.get("/v1/permits", None), 401, "missing_token"));
    cases.push((
        "bad idempotency key",
        s.request(
            "POST",
            "/v1/permits",
            Some(&reg),
            Some(("application/json", sample_permit(6).to_string().as_bytes())),
            &[("idempotency-key", "")],
        ),
        400,
        "invalid_idempotency_key",
    ));
    cases.push(("reason missing", s.post("/v1/permits/none/suspend", Some(&reg), &json!({})), 422, "invalid_field"));
    cases.push(("wrong method", s.request("DELETE", "/v1/permits", Some(&reg), None, &[]), 405, "method_not_allowed"));
    cases.push(("unknown path", s.get("/v1/nothing", Some(&reg)), 404, "not_found"));
    for (what, r, status, code) in &cases {
        assert_eq!((r.status, r.code().as_str()), (*status, *code), "{what}: {}", r.body);
        assert_eq!(r.header("content-type"), Some("application/problem+json"), "{what}");
    }
    let list = s.get("/v1/permits", Some(&reg)).json();
    assert_eq!(list["permits"].as_array().expect("permits").len(), 1, "nothing was written");
    let after = s.get("/v1/audit/verify", Some(&s.token("auditor", None))).json();
    assert_eq!(after["valid"], true);
    // Two auditor tokens were created since; no other entry was added.
    assert_eq!(after["entries"].as_i64(), before_audit["entries"].as_i64().map(|n| n + 1));
}
both_engines!(hostile_input, super::hostile_input);

fn audit_chain(engine: Engine) {
    let s = Server::start(engine);
    let reg = s.token("registrar", None);
    let auditor = s.token("auditor", None);
    let p = s.issue(&reg, &sample_permit(1));
    s.act(&reg, p["id"].as_str().expect("id"), "revoke", &json!({ "reason": "test" }));
    let log = s.get("/v1/audit", Some(&auditor)).json();
    let actions: Vec<&str> =
        log["entries"].as_array().expect("entries").iter().filter_map(|e| e["action"].as_str()).collect();
    // The first entry: the key folder's trust list, published at the first start.
    assert_eq!(
        actions,
        ["trust_list.publish", "token.create", "token.create", "token.create", "permit.issue", "permit.revoke"]
    );
    assert!(!log.to_string().contains("AUNG"), "the audit log holds no personal data");
    let ok = s.get("/v1/audit/verify", Some(&auditor)).json();
    assert_eq!((ok["valid"].clone(), ok["entries"].clone()), (json!(true), json!(6)));
    // Edit an entry behind the registry's back: the check finds it.
    s.sql(&["UPDATE audit_log SET action = 'permit.suspend' WHERE seq = 6"]);
    let bad = s.get("/v1/audit/verify", Some(&auditor)).json();
    assert_eq!(
        (bad["valid"].clone(), bad["break"].clone(), bad["seq"].clone()),
        (json!(false), json!("content"), json!(6))
    );
}
both_engines!(audit_chain, super::audit_chain);

fn applications(engine: Engine) {
    let s = InProc::on(engine);
    let reg = s.token("registrar", None);
    let officer = s.token("officer", None);
    let r = s.post("/v1/applications", Some(&officer), &sample_permit(1));
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(!r.body.contains("AUNG") && !r.body.contains("MH1234567"), "the answer echoes no personal data");
    let id = r.json()["id"].as_str().expect("id").to_string();
    let path = format!("/v1/applications/{id}");
    assert_eq!(r.json()["state"], "fee_pending", "the fee is issued with the submission");
    assert_eq!(s.post(&format!("{path}/approve"), Some(&officer), &json!({})).status, 403, "officers never approve");
    let early = s.post(&format!("{path}/approve"), Some(&reg), &json!({ "reason": "complete" }));
    assert_eq!((early.status, early.code().as_str()), (409, "fee_not_paid"), "{}", early.body);
    let unsaid = s.post(&format!("{path}/reject"), Some(&reg), &json!({}));
    assert_eq!((unsaid.status, unsaid.json()["field"].as_str()), (422, Some("reason")), "a rejection says why");
    let seen = s.get(&path, Some(&officer));
    assert_eq!(seen.json()["state"], "fee_pending");
    assert_eq!(seen.json()["fee"]["amount"], "6100.00");
    assert!(seen.json()["nextStep"]["my"].as_str().is_some_and(|t| !t.is_empty() && !t.contains("{due}")));
    assert!(!seen.body.contains("AUNG") && !seen.body.contains("MH1234567") && !seen.body.contains("1994-03-12"));
    // The walk-in worker withdraws, through the officer; nothing more can happen to it.
    let withdrawn = s.post(&format!("{path}/withdraw"), Some(&officer), &json!({}));
    assert_eq!(withdrawn.json()["state"], "withdrawn", "{}", withdrawn.body);
    let closed = s.post(&format!("{path}/approve"), Some(&reg), &json!({}));
    assert_eq!((closed.status, closed.code().as_str()), (409, "application_closed"), "{}", closed.body);
    assert!(
        s.read(&path, Some(&reg), "application-review").body.contains("AUNG KYAW MIN"),
        "the registrar sees the data"
    );
}
both_engines!(applications, super::applications);

fn tokens_cli(engine: Engine) {
    let s = Server::start(engine);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dwp"));
    cmd.args(["tokens", "create", "--role", "employer", "--scope", "0215559001234", "--data"]).arg(s.data());
    cmd.env_remove("DATABASE_URL");
    if let Some(url) = &s.database_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().expect("dwp tokens create");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).expect("utf-8").trim().to_string();
    assert!(token.starts_with("dwp_") && token.len() == 47);
    assert_eq!(s.read("/v1/permits/none", Some(&token), "employment-check").status, 404, "the new token authenticates");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(["tokens", "create", "--role", "employer", "--scope", "123", "--data"])
        .arg(s.data())
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("juristic ID"));
}
both_engines!(tokens_cli, super::tokens_cli);
