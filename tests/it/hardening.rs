//! The registry as an adversary or a careless operator meets it: key sets
//! that disagree, two issuers on one database, tokens that must end, status
//! edited behind the audit log's back, the Authorization scheme's case,
//! caching of personal data, and what officers and former employers may read.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::both_engines;
use crate::common::{code, dwp, stderr, stdout};
use crate::server::Registry;
use crate::server::{Engine, Server, refused_start, sample_permit};

fn copy_file(from: &Path, to: &Path) {
    std::fs::remove_file(to).ok();
    std::fs::copy(from, to).expect("copy");
}

#[test]
fn a_key_set_that_disagrees_refuses_to_start() {
    let mut s = Server::start(Engine::Sqlite);
    s.kill();
    let keys = s.data().join("keys");
    let other = s.dir.path().join("other-keys");
    let out = dwp(&["keys", "generate", "--out", &other.to_string_lossy(), "--did", "did:web:registry.test"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let saved = s.dir.path().join("saved");
    std::fs::create_dir_all(&saved).expect("dir");
    for name in ["issuer-key.json", "did.json", "trust-list.json"] {
        copy_file(&keys.join(name), &saved.join(name));
    }
    // Each file replaced by another key set's, in turn: the refusal names it.
    for (name, says) in [
        ("issuer-key.json", "did.json gives did:web:registry.test#key-1 the key"),
        ("did.json", "did.json gives did:web:registry.test#key-1 the key"),
        ("trust-list.json", "trust-list.json is not signed by root-public-key.json"),
    ] {
        copy_file(&other.join(name), &keys.join(name));
        let (exit, err, _) = refused_start(&s.data(), None, "127.0.0.1:0");
        assert_eq!(exit, 2, "{name}: {err}");
        assert!(err.contains("disagrees") && err.contains(says), "{name}: {err}");
        copy_file(&saved.join(name), &keys.join(name));
    }
    // Put back, it starts again.
    s.restart();
    assert_eq!(s.get("/healthz", None).status, 200);
}

/// Starts `dwp serve` on `data` and reads its first lines: (child, base URL, bootstrap token if any).
fn start_one(data: &Path) -> (std::process::Child, String, Option<String>) {
    crate::server::start_process(data, None)
}

#[test]
fn concurrent_first_starts_make_one_key_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let starts: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4).map(|_| scope.spawn(|| start_one(&data))).collect();
        handles.into_iter().map(|h| h.join().expect("start")).collect()
    });
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let get = |url: String| agent.get(url).call().expect("GET").into_body().read_to_string().expect("body");
    let docs: Vec<String> = starts.iter().map(|(_, base, _)| get(format!("{base}/.well-known/did.json"))).collect();
    assert!(docs.iter().all(|d| *d == docs[0]), "every process serves the same DID document");
    let lists: Vec<String> = starts.iter().map(|(_, base, _)| get(format!("{base}/trust-list"))).collect();
    assert!(lists.iter().all(|l| *l == lists[0]), "and the same trust list");
    let tokens: Vec<&String> = starts.iter().filter_map(|(_, _, t)| t.as_ref()).collect();
    assert_eq!(tokens.len(), 1, "one bootstrap token among concurrent first starts");
    // A permit issued through any of them verifies against the key set on disk.
    let admin = tokens[0];
    let base = &starts[3].1;
    let reg: Value = agent
        .post(format!("{base}/v1/tokens"))
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "application/json")
        .send(json!({ "role": "registrar" }).to_string().as_bytes())
        .expect("token")
        .into_body()
        .read_json()
        .expect("json");
    let reg = reg["token"].as_str().expect("token");
    let issued: Value = agent
        .post(format!("{base}/v1/permits"))
        .header("authorization", format!("Bearer {reg}"))
        .header("content-type", "application/json")
        .send(sample_permit(7).to_string().as_bytes())
        .expect("issue")
        .into_body()
        .read_json()
        .expect("json");
    let payload = issued["payload"].as_str().expect("payload");
    let keys = data.join("keys");
    let out = dwp(&[
        "verify",
        "--trust",
        &keys.join("trust-list.json").to_string_lossy(),
        "--root",
        &keys.join("root-public-key.json").to_string_lossy(),
        payload,
    ]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    for (mut child, _, _) in starts {
        child.kill().ok();
        child.wait().ok();
    }
}

#[test]
fn one_database_belongs_to_one_issuer() {
    let s = Server::start(Engine::Postgres);
    let url = s.database_url.clone().expect("postgres");
    // Another host: its own data directory, so its own keys, under the same DID.
    let other = tempfile::tempdir().expect("tempdir");
    let (exit, err, _) = refused_start(other.path(), Some(&url), "127.0.0.1:0");
    assert_eq!(exit, 2, "{err}");
    let did = s.get("/.well-known/did.json", None).json();
    let key = did["verificationMethod"][0]["publicKeyMultibase"].as_str().expect("key").to_string();
    assert!(
        err.contains("this database belongs to the issuer did:web:registry.test") && err.contains(&key),
        "the refusal names the issuer the database belongs to: {err}"
    );
    assert_eq!(s.get("/healthz", None).status, 200, "the first registry is unaffected");
}

#[test]
fn a_start_that_cannot_listen_creates_nothing() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let (exit, err, _) = refused_start(&data, None, &format!("127.0.0.1:{port}"));
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("listening on"), "{err}");
    assert!(!data.join("keys").exists(), "no keys were made");
    assert!(!data.join("registry.sqlite").exists(), "no database, so no token that was never shown");
    drop(taken);
    let (mut child, _, token) = start_one(&data);
    assert!(token.is_some(), "the first start that listens prints the bootstrap token");
    child.kill().ok();
    child.wait().ok();
}

fn tokens_revoke_and_list(engine: Engine) {
    let s = Server::start(engine);
    let reg = s.token("registrar", None);
    let other = s.token("auditor", None);
    let listed = s.get("/v1/tokens", Some(&s.admin));
    assert_eq!(listed.status, 200, "{}", listed.body);
    let tokens = listed.json()["tokens"].as_array().expect("tokens").clone();
    assert_eq!(tokens.len(), 3);
    assert!(!listed.body.contains(&reg) && !listed.body.contains(&s.admin), "no secret is listed");
    let reg_id = tokens.iter().find(|t| t["role"] == "registrar").expect("registrar")["id"].as_str().expect("id");
    assert_eq!(s.request("DELETE", &format!("/v1/tokens/{reg_id}"), Some(&reg), None, &[]).status, 403);
    let revoked = s.request("DELETE", &format!("/v1/tokens/{reg_id}"), Some(&s.admin), None, &[]);
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(revoked.json()["state"], "revoked");
    let refused = s.get("/v1/permits", Some(&reg));
    assert_eq!((refused.status, refused.code().as_str()), (401, "invalid_token"), "revoked at once");
    let again = s.request("DELETE", &format!("/v1/tokens/{reg_id}"), Some(&s.admin), None, &[]);
    assert_eq!((again.status, again.code().as_str()), (404, "token_not_found"));
    let after = s.get("/v1/tokens", Some(&s.admin)).json();
    let state =
        after["tokens"].as_array().expect("tokens").iter().find(|t| t["id"] == reg_id).expect("listed")["state"]
            .clone();
    assert_eq!(state, "revoked");
    // From the command line, beside the running server.
    let data = s.data().to_string_lossy().to_string();
    let with_db = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dwp"));
        cmd.args(args).env_remove("DATABASE_URL");
        if let Some(url) = &s.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().expect("dwp tokens")
    };
    let list = with_db(&["tokens", "list", "--data", &data, "--json"]);
    assert_eq!(code(&list), 0, "{}", stderr(&list));
    let cli: Value = serde_json::from_str(&stdout(&list)).expect("json");
    let auditor_id = cli.as_array().expect("tokens").iter().find(|t| t["role"] == "auditor").expect("auditor")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert!(!stdout(&list).contains(&other), "no secret is listed");
    let table = with_db(&["tokens", "list", "--data", &data]);
    assert!(stdout(&table).contains(&auditor_id) && stdout(&table).contains("revoked"), "{}", stdout(&table));
    let out = with_db(&["tokens", "revoke", "--data", &data, &auditor_id]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(s.get("/v1/audit", Some(&other)).status, 401, "revoked from the command line");
    let out = with_db(&["tokens", "revoke", "--data", &data, &auditor_id]);
    assert_eq!(code(&out), 2, "revoking twice is an error");
    // Both revocations are in the audit log.
    let auditor = s.token("auditor", None);
    let log = s.get("/v1/audit?limit=1000", Some(&auditor)).json();
    let revokes = log["entries"].as_array().expect("entries").iter().filter(|e| e["action"] == "token.revoke").count();
    assert_eq!(revokes, 2);
    let created = s.post("/v1/tokens", Some(&s.admin), &json!({ "role": "inspector", "expiresInDays": 0 }));
    assert_eq!((created.status, created.json()["field"].as_str()), (422, Some("expiresInDays")));
}
both_engines!(tokens_can_be_revoked_and_listed, super::tokens_revoke_and_list);

fn status_bit(s: &Server, shard: u64, index: u64) -> (bool, u64) {
    let list = s.get(&format!("/status/revocation/{shard}"), None);
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    let bits =
        dwp_verifier::status::Bitstring::decode(list["credentialSubject"]["encodedList"].as_str().expect("list"))
            .expect("bits");
    (bits.get(index as usize) == Some(true), list["credentialSubject"]["statusSequence"].as_u64().expect("seq"))
}

fn status_edited_behind_the_audit_log(engine: Engine) {
    let s = Server::start(engine);
    let reg = s.token("registrar", None);
    let auditor = s.token("auditor", None);
    let p = s.issue(&reg, &sample_permit(1));
    let id = p["id"].as_str().expect("id").to_string();
    let (shard, index) = (p["status"]["shard"].as_u64().expect("shard"), p["status"]["index"].as_u64().expect("i"));
    assert_eq!(s.act(&reg, &id, "revoke", &json!({ "reason": "revoked" })).status, 200);
    let (revoked, sequence) = status_bit(&s, shard, index);
    assert!(revoked);
    assert_eq!(s.get(&format!("/status/suspension/{shard}"), None).status, 200);
    assert_eq!(s.get("/v1/audit/verify", Some(&auditor)).json()["valid"], true);

    // Set back to active by hand, with the list's sequence bumped so that it would be re-signed.
    s.sql(&[
        &format!("UPDATE permits SET state = 'active', revoked_bit = 0 WHERE id = '{id}'"),
        "UPDATE status_lists SET sequence = sequence + 1 WHERE purpose = 'revocation'",
    ]);
    let audit = s.get("/v1/audit/verify", Some(&auditor)).json();
    assert_eq!(audit["valid"], false, "{audit}");
    assert_eq!(audit["break"], "permit_state");
    assert_eq!(audit["disagreements"][0]["id"], id.as_str());
    assert_eq!(audit["disagreements"][0]["audited"]["state"], "revoked");
    assert_eq!(audit["disagreements"][0]["stored"]["state"], "active");
    let (still, seq) = status_bit(&s, shard, index);
    assert!(still, "the list keeps its last good signature: the permit stays revoked");
    assert_eq!(seq, sequence, "and its sequence");
    let ready = s.get("/readyz", None);
    assert_eq!(ready.status, 503);
    assert!(ready.body.contains("status_disagrees_with_audit"), "{}", ready.body);
    let bundle = s.get("/v1/bundle", None);
    assert_eq!(bundle.status, 200, "the bundle carries the last good lists");
    assert_eq!(bundle.json()["statusLists"].as_array().map(Vec::len), Some(2), "{}", bundle.body);
    // A list never signed before the edit cannot be signed from rows that disagree: it is left out.
    s.sql(&[
            "UPDATE status_lists SET signed_json = NULL, signed_at = NULL, signed_sequence = NULL WHERE purpose = 'suspension'",
        ],
    );
    let bundle = s.get("/v1/bundle", None).json();
    assert_eq!(bundle["statusLists"].as_array().map(Vec::len), Some(1), "{bundle}");
    assert_eq!(s.get(&format!("/status/suspension/{shard}"), None).status, 503);
}
both_engines!(status_edited_behind_the_audit_log_is_refused, super::status_edited_behind_the_audit_log);

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let s = Server::start(Engine::Sqlite);
    let reg = s.token("registrar", None);
    for scheme in ["bearer", "BEARER", "Bearer", "bEaReR"] {
        let r = s.request("GET", "/v1/permits", None, None, &[("authorization", &format!("{scheme} {reg}"))]);
        assert_eq!(r.status, 200, "{scheme}: {}", r.body);
    }
    let r = s.request("GET", "/v1/permits", None, None, &[("authorization", &format!("Basic {reg}"))]);
    assert_eq!(r.status, 401);
}

#[test]
fn answers_with_personal_data_are_never_cached() {
    let s = Server::start(Engine::Sqlite);
    let reg = s.token("registrar", None);
    let officer = s.token("officer", None);
    let issued = s.post("/v1/permits", Some(&reg), &sample_permit(1));
    assert_eq!(issued.header("cache-control"), Some("no-store"), "the issued permit");
    let id = issued.json()["id"].as_str().expect("id").to_string();
    let app = s.post("/v1/applications", Some(&officer), &sample_permit(2));
    let app_id = app.json()["id"].as_str().expect("id").to_string();
    for (path, token) in [
        (format!("/v1/permits/{id}"), &reg),
        (format!("/v1/permits/{id}/qr.png"), &reg),
        ("/v1/permits".to_string(), &reg),
        (format!("/v1/applications/{app_id}"), &reg),
        ("/v1/tokens".to_string(), &s.admin),
    ] {
        // The registrar's own purpose for each read of a worker's data (ignored elsewhere).
        let purpose = if path.starts_with("/v1/applications/") { "application-review" } else { "issuance" };
        let r = s.read(&path, Some(token), purpose);
        assert_eq!(r.status, 200, "{path}");
        let cc = r.header("cache-control").unwrap_or("");
        assert!(cc.split(',').any(|d| d.trim() == "no-store"), "{path}: Cache-Control {cc:?}");
    }
    let refused = s.get(&format!("/v1/permits/{id}"), None);
    assert_eq!(refused.header("cache-control"), Some("no-store"), "problems too");
    // Public documents keep their own caching.
    assert_eq!(s.get("/trust-list", None).header("cache-control"), Some("public, max-age=300"));
}

#[test]
fn officers_and_former_employers_read_no_more_than_they_may() {
    let (s, bank) = crate::journey::start_with_bank(Engine::Sqlite, &[]);
    let reg = s.token("registrar", None);
    let officer = s.token("officer", None);
    let app = s.post("/v1/applications", Some(&officer), &sample_permit(2)).json();
    let app_id = crate::journey::to_decision(&s, &bank, &officer, &app);
    let words = "passport AA1234567 does not match the photo";
    let bad = s.post(
        &format!("/v1/applications/{app_id}/reject"),
        Some(&reg),
        &json!({ "reason": words, "reasonCode": "approved" }),
    );
    assert_eq!((bad.status, bad.json()["field"].as_str()), (422, Some("reasonCode")), "a rejection is not approved");
    let rejected = s.post(
        &format!("/v1/applications/{app_id}/reject"),
        Some(&reg),
        &json!({ "reason": words, "reasonCode": "identity_not_verified" }),
    );
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    let seen = s.get(&format!("/v1/applications/{app_id}"), Some(&officer));
    assert!(!seen.body.contains("AA1234567"), "the officer never reads the registrar's words: {}", seen.body);
    assert_eq!(seen.json()["reasonCode"]["code"], "identity_not_verified");
    assert_eq!(seen.json()["reasonCode"]["titleTh"], "ยังไม่ได้ยืนยันตัวตน");
    let registrar_view = s.read(&format!("/v1/applications/{app_id}"), Some(&reg), "application-review").json();
    assert_eq!(registrar_view["reason"], words, "the registrar does");

    // A change of employer: the former employer learns that the permit ended, nothing more.
    let former = s.token("employer", Some("0215559001234"));
    let next = s.token("employer", Some("0105536012346"));
    let p = s.issue(&reg, &sample_permit(3));
    let id = p["id"].as_str().expect("id").to_string();
    assert!(
        s.read(&format!("/v1/permits/{id}"), Some(&former), "employment-check").json()["permit"]["worker"].is_object()
    );
    let moved = s.act(
        &reg,
        &id,
        "change-employer",
        &json!({
            "reason": "change of employer approved",
            "validUntil": "2030-11-23T23:59:59Z",
            "employer": { "juristicId": "0105536012346", "name": "บริษัท ทดสอบ จำกัด" },
        }),
    );
    assert_eq!(moved.status, 201, "{}", moved.body);
    let new_id = moved.json()["successor"]["id"].as_str().expect("successor").to_string();
    let old = s.read(&format!("/v1/permits/{id}"), Some(&former), "employment-check");
    assert_eq!(old.status, 200);
    assert_eq!(old.json()["state"], "ended");
    assert!(!old.body.contains(&new_id), "not the successor's id: {}", old.body);
    assert!(!old.body.contains("worker") && !old.body.contains("DWP1:"), "not the worker's data: {}", old.body);
    assert_eq!(
        s.read(&format!("/v1/permits/{id}/qr.png"), Some(&former), "employment-check").status,
        404,
        "nor the QR"
    );
    assert_eq!(s.read(&format!("/v1/permits/{new_id}"), Some(&former), "employment-check").status, 404);
    let theirs = s.read(&format!("/v1/permits/{new_id}"), Some(&next), "employment-check").json();
    assert!(theirs["permit"]["worker"].is_object(), "the new employer reads its worker's permit");
}

#[test]
fn a_registry_names_its_authority_never_demo_keys() {
    let s = Server::start(Engine::Sqlite);
    for path in ["/trust-list", "/v1/bundle"] {
        let body = s.get(path, None).body;
        assert!(!body.contains("demo") && !body.contains("สาธิต"), "{path} says demo: {body}");
    }
    let trust = s.get("/trust-list", None).json();
    assert_eq!(trust["issuers"][0]["name"]["en"], "Department of Employment");
    assert_eq!(trust["issuers"][0]["name"]["th"], "กรมการจัดหางาน");
    let named = Server::start_with(
        Engine::Sqlite,
        &[
            "--authority-name",
            "Department of Employment, Chonburi office",
            "--authority-name-th",
            "สำนักงานจัดหางานจังหวัดชลบุรี",
        ],
    );
    let trust = named.get("/trust-list", None).json();
    assert_eq!(trust["issuers"][0]["name"]["en"], "Department of Employment, Chonburi office");
    assert_eq!(trust["issuers"][0]["name"]["th"], "สำนักงานจัดหางานจังหวัดชลบุรี");
    // A verdict on one of its permits names it too.
    let reg = named.token("registrar", None);
    let payload = named.issue(&reg, &sample_permit(1))["payload"].as_str().expect("payload").to_string();
    let bundle = named.dir.path().join("bundle.json");
    std::fs::write(&bundle, named.get("/v1/bundle", None).body).expect("bundle");
    let out = dwp(&["verify", "--bundle", &bundle.to_string_lossy(), "--json", &payload]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("verdict");
    assert_eq!(v["permit"]["issuerName"]["th"], "สำนักงานจัดหางานจังหวัดชลบุรี", "{v}");
    // Demo keys say so, and only they.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dwp(&["demo", "--out", &dir.path().to_string_lossy()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let demo = std::fs::read_to_string(dir.path().join("trust-list.json")).expect("demo trust list");
    assert!(demo.contains("(demo keys)"), "{demo}");
    let bad = dwp(&["keys", "generate", "--out", &dir.path().join("k").to_string_lossy(), "--authority-name", " x"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("--authority-name"), "{}", stderr(&bad));
}
