//! The master key's life: `dwp keys rotate-master` re-wraps every data key
//! under a new master key (the old file no longer opens the database, a
//! rotation killed half-way goes on), and a database from before encryption
//! is sealed in place at start.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::both_engines;
use crate::server::{Engine, Registry, Server, refused_start};

const NAME: &str = "AUNG KYAW MIN THEIN";

fn worker(n: usize) -> Value {
    let mut v: Value = serde_json::from_str(crate::common::WORST).expect("sample");
    v["permitNumber"] = format!("WP-2569-21-{n:06}").into();
    v
}

fn key_file(s: &Server) -> PathBuf {
    s.dir.path().join("data.master-key.json")
}

fn listen() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    l.local_addr().expect("addr").to_string()
}

/// `dwp keys rotate-master` on the server's data; its exit code and stderr.
fn rotate(s: &Server) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(["keys", "rotate-master", "--data"])
        .arg(s.data())
        .env_remove("DATABASE_URL")
        .envs(s.database_url.as_deref().map(|u| ("DATABASE_URL", u)))
        .output()
        .expect("dwp runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).to_string())
}

fn key_id(path: &Path) -> String {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("key file")).expect("json");
    v["id"].as_str().expect("id").to_string()
}

fn retired(s: &Server) -> Vec<PathBuf> {
    std::fs::read_dir(s.dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(".master-key.json.retired-"))
        .collect()
}

fn reads_back(s: &Server, reg: &str, id: &str) {
    let r = s.read(&format!("/v1/permits/{id}"), Some(reg), "issuance");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["permit"]["worker"]["name"], NAME);
}

fn rotation(engine: Engine) {
    let mut s = Server::start(engine);
    let reg = s.token("registrar", None);
    let a = s.issue(&reg, &worker(1))["id"].as_str().expect("id").to_string();
    let b = s.issue(&reg, &worker(2))["id"].as_str().expect("id").to_string();
    s.kill();
    let key = key_file(&s);
    let before = std::fs::read_to_string(&key).expect("key");
    let (code, err) = rotate(&s);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("re-wrapped") && err.contains(&key_id(&key)), "{err}");
    assert_ne!(key_id(&key), serde_json::from_str::<Value>(&before).expect("json")["id"].as_str().expect("id"));
    assert!(retired(&s).is_empty(), "the old key is gone once every data key is re-wrapped");
    s.restart();
    reads_back(&s, &reg, &a);
    reads_back(&s, &reg, &b);
    // The blind index survives the rotation: the live number is still found.
    assert_eq!(s.post("/v1/permits", Some(&reg), &worker(1)).code(), "permit_number_in_use");
    s.kill();

    // The old key no longer opens the database: its data keys are wrapped under the new one.
    let after = std::fs::read_to_string(&key).expect("key");
    write_private(&key, &before);
    let (code, err, _) = refused_start(&s.data(), s.database_url.as_deref(), &listen());
    assert_ne!(code, 0);
    assert!(err.contains("the data key is missing"), "{err}");

    // A rotation killed after its new key went into place, before any data key was re-wrapped:
    // the key in use is a retired file, the next one (same blind-index key) in place. A start
    // then still opens everything; run again, the rotation finishes and the retired file goes.
    let retired_file = PathBuf::from(format!("{}.retired-1", key.display()));
    write_private(&retired_file, &after);
    let mut next: Value = serde_json::from_str(&after).expect("json");
    next["id"] = "mk_1111111111111111".into();
    next["key"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into();
    write_private(&key, &next.to_string());
    s.restart();
    reads_back(&s, &reg, &b);
    s.kill();
    let (code, err) = rotate(&s);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("not finished") && err.contains("re-wrapped 2 data keys under the master key mk_1111111111111111"),
        "{err}"
    );
    assert!(retired(&s).is_empty(), "the retired key is removed once every data key is re-wrapped");
    s.restart();
    reads_back(&s, &reg, &a);
}
both_engines!(rotating_the_master_key_rewraps_the_data_keys, crate::sealing::rotation);

fn write_private(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

fn quoted(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

/// Writes the permit `id` back in clear, as a registry from before encryption stored it.
fn clear_permit(s: &Server, reg: &str, id: &str) -> Vec<String> {
    let v = s.read(&format!("/v1/permits/{id}"), Some(reg), "issuance").json();
    vec![format!(
        "UPDATE permits SET permit_number = {}, input_json = {}, payload = {}, credential_json = {}, \
         number_index = NULL, passport_index = NULL, holder_index = NULL WHERE id = '{id}'",
        quoted(v["permitNumber"].as_str().expect("number")),
        quoted(&v["permit"].to_string()),
        quoted(v["payload"].as_str().expect("payload")),
        quoted(&v["credential"].to_string()),
    )]
}

fn migration(engine: Engine) {
    let mut s = Server::start(engine);
    let reg = s.token("registrar", None);
    let officer = s.token("officer", None);
    let p = s.issue(&reg, &worker(3))["id"].as_str().expect("id").to_string();
    let q = s.issue(&reg, &worker(5))["id"].as_str().expect("id").to_string();
    let note = json!({ "reason": format!("{NAME} asked for it") });
    assert_eq!(s.act(&reg, &p, "suspend", &note).status, 200);
    let app = s.post("/v1/applications", Some(&officer), &worker(4));
    assert_eq!(app.status, 201, "{}", app.body);
    let app_id = app.json()["id"].as_str().expect("id").to_string();
    let app_input =
        s.read(&format!("/v1/applications/{app_id}"), Some(&reg), "application-review").json()["permit"].clone();
    let q_clear = clear_permit(&s, &reg, &q);
    let mut clear = clear_permit(&s, &reg, &p);
    clear.extend(q_clear.clone());
    clear.push("UPDATE permit_events SET reason = NULL".into());
    let reason = quoted(&format!("{NAME} asked for it"));
    clear.push(format!("UPDATE permit_events SET reason = {reason} WHERE permit_id = '{p}' AND n = 2"));
    clear
        .push(format!("UPDATE applications SET input_json = {} WHERE id = '{app_id}'", quoted(&app_input.to_string())));
    clear.push("DELETE FROM data_keys".into());
    s.kill();
    s.sql(&clear.iter().map(String::as_str).collect::<Vec<_>>());
    std::fs::remove_file(key_file(&s)).expect("a database from before has no master key");

    s.restart();
    let err = s.stderr();
    assert!(err.contains("sealing the personal data of 4 rows stored in clear"), "{err}");
    assert!(err.contains("sealed the personal data of 4 rows"), "{err}");
    assert!(key_file(&s).exists(), "a first start on a clear database makes the master key");
    let check = |s: &Server| {
        reads_back(s, &reg, &p);
        reads_back(s, &reg, &q);
        let v = s.read(&format!("/v1/permits/{p}"), Some(&reg), "issuance").json();
        assert_eq!(v["history"][1]["reason"], format!("{NAME} asked for it"), "{v}");
        let a = s.read(&format!("/v1/applications/{app_id}"), Some(&reg), "application-review");
        assert_eq!(a.json()["permit"], app_input);
        assert_eq!(s.post("/v1/permits", Some(&reg), &worker(5)).code(), "permit_number_in_use");
    };
    check(&s);
    s.kill();
    if engine == Engine::Sqlite {
        let mut bytes = std::fs::read(s.data().join("registry.sqlite")).expect("file");
        bytes.extend(std::fs::read(s.data().join("registry.sqlite-wal")).unwrap_or_default());
        for n in [NAME, "CI00123456", "1994-03-12", "WP-2569-21-00000"] {
            assert!(!bytes.windows(n.len()).any(|w| w == n.as_bytes()), "{n:?} is left in the file");
        }
    }

    // A sealing killed half-way: one permit sealed, the other still clear. The next start goes on.
    s.sql(&q_clear.iter().map(String::as_str).collect::<Vec<_>>());
    s.restart();
    assert!(s.stderr().contains("sealing the personal data of 1 rows"), "{}", s.stderr());
    check(&s);

    // A sealed database from before the passport and holder-key indexes: they are filled, once.
    s.kill();
    s.sql(&["UPDATE permits SET passport_index = NULL, holder_index = NULL"]);
    let before = s.stderr().len();
    s.restart();
    let said = s.stderr()[before..].to_string();
    assert!(said.contains("filling the look-up indexes of 2 sealed rows"), "{said}");
    assert!(!said.contains("sealing the personal data"), "nothing was clear: {said}");
    check(&s);
    s.kill();
    let before = s.stderr().len();
    s.restart();
    assert!(!s.stderr()[before..].contains("filling the look-up indexes"), "filled once: {}", s.stderr());
}
both_engines!(a_clear_database_is_sealed_in_place_at_start, crate::sealing::migration);
