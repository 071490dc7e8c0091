//! Personal data at rest: after a permit's whole life (renewal, change of
//! employer, suspension, revocation, an application, a wallet's credential), neither the SQLite
//! file (its WAL included) nor a dump of the PostgreSQL database holds the
//! worker's name, document number, birth date or QR payload, while the API
//! still answers them; a ciphertext moved behind the server's back does not
//! open; a database without its master key does not start; a clear-text
//! database is sealed in place at start.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::both_engines;
use crate::server::{Engine, Registry, Server, refused_start};

const NATIVE: &str = "အောင်ကျော်မင်းသိန်း";
pub const NAME: &str = "AUNG KYAW MIN THEIN";
const DOCUMENT: &str = "CI00123456";

/// The worst-case sample (a native-script name), numbered `n`.
pub fn worker(n: usize) -> Value {
    let mut v: Value = serde_json::from_str(crate::common::WORST).expect("sample");
    v["permitNumber"] = format!("WP-2569-21-{n:06}").into();
    v
}

/// The default master key file of a test server: beside its data directory.
fn key_file(s: &Server) -> PathBuf {
    s.dir.path().join("data.master-key.json")
}

/// Every byte the database holds: the SQLite file and its -wal and -journal,
/// or a `pg_dump` of the PostgreSQL database.
pub fn database_bytes(s: &Server) -> Vec<u8> {
    match &s.database_url {
        None => {
            let mut all = Vec::new();
            for suffix in ["", "-wal", "-journal"] {
                let path = s.data().join(format!("registry.sqlite{suffix}"));
                all.extend(std::fs::read(&path).unwrap_or_default());
            }
            assert!(all.len() > 4096, "the SQLite file was read");
            all
        }
        Some(url) => {
            let out = std::process::Command::new("pg_dump").arg("--data-only").arg(url).output().expect("pg_dump runs");
            assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
            assert!(String::from_utf8_lossy(&out.stdout).contains("COPY public.permits"), "the dump holds the permits");
            out.stdout
        }
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// No needle anywhere in the database's bytes.
fn assert_nothing_clear(s: &Server, needles: &[&str]) {
    let bytes = database_bytes(s);
    for n in needles {
        let at = bytes.windows(n.len()).position(|w| w == n.as_bytes());
        let around =
            at.map(|i| String::from_utf8_lossy(&bytes[i.saturating_sub(300)..(i + 100).min(bytes.len())]).to_string());
        assert!(at.is_none(), "{n:?} is stored in clear: {around:?}");
    }
    // The check can fail: the audit chain's action names are stored clear.
    assert!(contains(&bytes, "suspend"), "the bytes read are the database's");
}

fn lifecycle(engine: Engine) {
    let (mut s, bank) = crate::journey::start_with_bank(engine, &[]);
    let reg = s.token("registrar", None);
    let officer = s.token("officer", None);
    let auditor = s.token("auditor", None);
    let permit = worker(7);
    let r = s.request(
        "POST",
        "/v1/permits",
        Some(&reg),
        Some(("application/json", permit.to_string().as_bytes())),
        &[("idempotency-key", "k-1")],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let issued = r.json();
    let id = issued["id"].as_str().expect("id").to_string();
    let payload = issued["payload"].as_str().expect("payload").to_string();
    let note = json!({ "reason": format!("{NAME} asked for it") });
    assert_eq!(s.act(&reg, &id, "suspend", &note).status, 200);
    assert_eq!(s.act(&reg, &id, "reinstate", &note).status, 200);
    let renewed = s.act(&reg, &id, "renew", &json!({ "reason": "renewal", "validUntil": "2030-11-23T23:59:59Z" }));
    assert_eq!(renewed.status, 201, "{}", renewed.body);
    let renewed_id = renewed.json()["successor"]["id"].as_str().expect("successor").to_string();
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
    let last = moved.json()["successor"]["id"].as_str().expect("successor").to_string();
    assert_eq!(s.act(&reg, &last, "revoke", &note).status, 200);
    let app = s.post("/v1/applications", Some(&officer), &worker(8));
    assert_eq!(app.status, 201, "{}", app.body);
    let app_id = crate::journey::to_decision(&s, &bank, &officer, &app.json());
    let approved = s.post(&format!("/v1/applications/{app_id}/approve"), Some(&reg), &json!({}));
    assert_eq!(approved.status, 201, "{}", approved.body);
    // A wallet's credential: the printed one is retired (kept, sealed), the bound one is live.
    let carried = s.issue(&reg, &worker(9))["id"].as_str().expect("id").to_string();
    let bound = crate::oid4vci_client::Wallet::new(&s, 41).bind(&officer, &carried);
    assert_eq!(bound["credentials"][0]["credential"]["credentialSubject"]["name"], NAME, "{bound}");

    // The API still answers the worker's data to those who may read it.
    let read = |s: &Server| {
        let r = s.read(&format!("/v1/permits/{id}"), Some(&reg), "issuance");
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        assert_eq!(v["permit"]["worker"]["name"], NAME);
        assert_eq!(v["permit"]["worker"]["nativeName"], NATIVE);
        assert_eq!(v["payload"], payload.as_str());
        assert_eq!(v["history"][1]["reason"], format!("{NAME} asked for it"), "{v}");
        let a = s.read(&format!("/v1/applications/{app_id}"), Some(&reg), "application-review");
        assert_eq!(a.json()["permit"]["worker"]["document"]["number"], DOCUMENT, "{}", a.body);
        let list = s.get("/v1/permits?limit=100", Some(&auditor)).json();
        let numbers: Vec<&str> =
            list["permits"].as_array().expect("permits").iter().filter_map(|p| p["permitNumber"].as_str()).collect();
        assert!(numbers.contains(&"WP-2569-21-000007") && numbers.contains(&"WP-2569-21-000008"), "{list}");
    };
    read(&s);
    // The same number is refused while a permit is live: the blind index finds it.
    assert_eq!(s.post("/v1/permits", Some(&reg), &worker(8)).code(), "permit_number_in_use");

    s.kill();
    let body = payload.trim_start_matches("DWP1:");
    let wallet_payload = bound["dwp_payload"].as_str().expect("dwp_payload").trim_start_matches("DWP1:").to_string();
    assert_nothing_clear(
        &s,
        &[NAME, NATIVE, DOCUMENT, "1994-03-12", "19940312", body, &wallet_payload, "WP-2569-21-00000"],
    );

    // The same key reads everything back.
    s.restart();
    read(&s);
}
both_engines!(a_whole_lifecycle_leaves_no_personal_data_in_the_database, crate::encryption::lifecycle);

fn moved(engine: Engine) {
    let s = Server::start(engine);
    let reg = s.token("registrar", None);
    let a = s.issue(&reg, &worker(1))["id"].as_str().expect("id").to_string();
    let b = s.issue(&reg, &worker(2))["id"].as_str().expect("id").to_string();
    // Another row's sealed permit data, then another column's.
    s.sql(&[&format!(
        "UPDATE permits SET input_json = (SELECT input_json FROM permits WHERE id = '{b}') WHERE id = '{a}'"
    )]);
    let r = s.read(&format!("/v1/permits/{a}"), Some(&reg), "issuance");
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(!r.body.contains(NAME) && !r.body.contains("WP-2569"), "{}", r.body);
    s.sql(&[&format!("UPDATE permits SET payload = input_json WHERE id = '{b}'")]);
    assert_eq!(s.read(&format!("/v1/permits/{b}"), Some(&reg), "issuance").status, 500);
    // A clear value written behind the server's back is not served either.
    s.sql(&[&format!("UPDATE permits SET payload = 'DWP1:FORGED', input_json = '{{}}' WHERE id = '{b}'")]);
    assert_eq!(s.read(&format!("/v1/permits/{b}"), Some(&reg), "issuance").status, 500);
    // The log is read from the server's stderr as it comes: wait for it, within a bound.
    let logged = |s: &Server| s.stderr().contains("does not open") && s.stderr().contains("is not sealed");
    for _ in 0..50 {
        if logged(&s) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(logged(&s), "the cause is logged");
    assert!(!s.stderr().contains(NAME), "no personal data in the log");
}
both_engines!(a_ciphertext_moved_to_another_row_or_column_is_refused, crate::encryption::moved);

fn listen() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    l.local_addr().expect("addr").to_string()
}

fn without_key(engine: Engine) {
    let mut s = Server::start(engine);
    let reg = s.token("registrar", None);
    s.issue(&reg, &worker(1));
    s.kill();
    let key = key_file(&s);
    let text = std::fs::read_to_string(&key).expect("the key file is beside the data directory");
    let aside = s.dir.path().join("elsewhere.json");
    std::fs::rename(&key, &aside).expect("move the key away");
    let (code, err, _) = refused_start(&s.data(), s.database_url.as_deref(), &listen());
    assert_ne!(code, 0);
    assert!(err.contains("the data key is missing") && err.contains(&key.display().to_string()), "{err}");
    assert!(!key.exists(), "no new master key is made for a database that holds sealed data");

    // A key file of another registry.
    let other = r#"{"type":"dwp-master-key","id":"mk_0000000000000000","key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","indexKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","createdAt":0}"#;
    write_private(&key, other);
    let (code, err, _) = refused_start(&s.data(), s.database_url.as_deref(), &listen());
    assert_ne!(code, 0);
    assert!(err.contains("the data key is missing") && err.contains("mk_0000000000000000"), "{err}");
    // This registry's id with another key.
    let id = serde_json::from_str::<Value>(&text).expect("json")["id"].as_str().expect("id").to_string();
    write_private(&key, &other.replace("mk_0000000000000000", &id));
    let (code, err, _) = refused_start(&s.data(), s.database_url.as_deref(), &listen());
    assert_ne!(code, 0);
    assert!(err.contains("does not unwrap"), "{err}");
    // Its own key, readable by others.
    std::fs::remove_file(&key).expect("remove");
    std::fs::rename(&aside, &key).expect("back");
    set_mode(&key, 0o644);
    let (code, err, _) = refused_start(&s.data(), s.database_url.as_deref(), &listen());
    assert_ne!(code, 0);
    assert!(err.contains("others than its owner may read it"), "{err}");
    for secret in ["\"key\"", &text[text.find("\"key\"").expect("key") + 8..][..20]] {
        assert!(!err.contains(secret), "no key material in messages");
    }
    set_mode(&key, 0o600);
    s.restart();
    assert_eq!(s.get("/v1/permits", Some(&reg)).status, 200);
}
both_engines!(a_database_without_its_master_key_does_not_start, crate::encryption::without_key);

fn write_private(path: &Path, text: &str) {
    std::fs::remove_file(path).ok();
    std::fs::write(path, text).expect("write");
    set_mode(path, 0o600);
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn the_master_key_file_is_private_and_outside_the_data_directory() {
    let s = Server::start(Engine::Sqlite);
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(key_file(&s)).expect("the key file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let in_data = std::fs::read_dir(s.data())
        .expect("data")
        .flatten()
        .any(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("dwp-master-key")));
    assert!(!in_data, "the master key is not in the data directory");
}
