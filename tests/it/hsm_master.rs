//! The data master key in a hardware token (SoftHSM2 through PKCS#11): the
//! registry generates an AES key in the token (sensitive, never extractable),
//! every data key is wrapped there, the database holds no worker's name, and a
//! start without that token key is refused and serves nothing.
//! `dwp keys rotate-master --hsm-master-key` moves a registry's data keys from
//! its key file into the token. `.ci/run` installs SoftHSM2.

use std::path::Path;
use std::process::{Command, Output};

use crate::encryption::{NAME, contains, database_bytes, worker};
use crate::hsm::{MODULE, PIN, TOKEN, softhsm};
use crate::server::{Engine, Opts, Registry, Server, refused_start_with};

const MASTER: &str = "dwp-master-1";

fn master_args(label: &str) -> Vec<String> {
    ["--hsm-module", MODULE, "--hsm-token", TOKEN, "--hsm-master-key", label].map(String::from).to_vec()
}

fn token_env(conf: &Path) -> Vec<(String, String)> {
    vec![("SOFTHSM2_CONF".into(), conf.display().to_string()), ("DWP_HSM_PIN".into(), PIN.into())]
}

/// What OpenSC's `pkcs11-tool` lists of the token's secret keys (read by another program than the registry).
fn secret_keys(conf: &Path) -> String {
    let out = Command::new("pkcs11-tool")
        .args(["--module", MODULE, "--token-label", TOKEN, "--login", "--pin", PIN, "--list-objects"])
        .args(["--type", "secrkey"])
        .env("SOFTHSM2_CONF", conf)
        .output()
        .expect("pkcs11-tool runs (apt-get install -y opensc)");
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The worker's name, read through the API.
fn name_of(s: &Server, reg: &str, id: &str) -> String {
    let r = s.read(&format!("/v1/permits/{id}"), Some(reg), "issuance");
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["permit"]["worker"]["name"].as_str().expect("name").to_string()
}

/// `dwp serve` on `data` that must be refused, saying the data key is missing; its stderr.
fn refused(data: &Path, args: &[String], env: &[(&str, &str)]) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err, _) = refused_start_with(data, None, "127.0.0.1:0", &args, env);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the data key is missing"), "{err}");
    assert!(!err.contains(PIN), "the PIN is never printed: {err}");
    err
}

#[test]
fn a_registry_seals_personal_data_under_a_key_that_never_leaves_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = softhsm(dir.path());
    let opts = Opts { env: token_env(&conf), args: master_args(MASTER), ..Opts::default() };
    let mut s = Server::start_opts(Engine::Sqlite, opts);
    assert!(s.stderr().contains("generated the master key"), "{}", s.stderr());
    assert!(!s.dir.path().join("data.master-key.json").exists(), "no master key file is written");
    let index = s.dir.path().join("data.index-key.json");
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(&index).expect("the blind-index key file, beside the data directory");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }

    let reg = s.token("registrar", None);
    let id = s.issue(&reg, &worker(3))["id"].as_str().expect("id").to_string();
    assert_eq!(name_of(&s, &reg, &id), NAME);
    // The blind index finds the live number.
    assert_eq!(s.post("/v1/permits", Some(&reg), &worker(3)).code(), "permit_number_in_use");
    s.kill();
    let bytes = database_bytes(&s);
    assert!(!contains(&bytes, NAME), "the worker's name is not stored in clear");
    assert!(contains(&bytes, &format!("hsm:{TOKEN}/{MASTER}")), "each data key names the token key that wraps it");

    // The token says the key cannot leave it.
    let listed = secret_keys(&conf);
    let access = listed.lines().find(|l| l.trim_start().starts_with("Access:")).unwrap_or_default();
    assert!(listed.contains(MASTER) && listed.contains("AES length 32"), "{listed}");
    assert!(access.contains("never extractable") && access.contains("sensitive"), "{listed}");
    assert!(!access.replace("never extractable", "").contains("extractable"), "{listed}");

    // The same token key reads everything back.
    s.restart();
    assert_eq!(name_of(&s, &reg, &id), NAME);
    assert!(!s.stderr().contains(PIN), "the PIN is never logged");
    s.kill();

    // Started again without the token's flags, with another key label, or without the token: refused.
    let data = s.data();
    let conf_env = conf.display().to_string();
    let with_token = [("SOFTHSM2_CONF", conf_env.as_str()), ("DWP_HSM_PIN", PIN)];
    let err = refused(&data, &[], &with_token);
    assert!(err.contains(&format!("hsm:{TOKEN}/{MASTER}")) && err.contains("--hsm-master-key"), "{err}");
    let err = refused(&data, &master_args("dwp-master-2"), &with_token);
    assert!(err.contains(&format!("--hsm-master-key {MASTER}")), "{err}");
    assert!(!secret_keys(&conf).contains("dwp-master-2"), "no key is made for a database that holds sealed data");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let other_conf = softhsm(elsewhere.path());
    let other_env = other_conf.display().to_string();
    let err = refused(&data, &master_args(MASTER), &[("SOFTHSM2_CONF", other_env.as_str()), ("DWP_HSM_PIN", PIN)]);
    assert!(err.contains(&format!("holds no AES key labelled {MASTER:?}")), "{err}");
    // The blind-index key file belongs with the token key.
    std::fs::rename(&index, dir.path().join("aside.json")).expect("move the index key away");
    let args: Vec<String> = master_args(MASTER);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err, _) = refused_start_with(&data, None, "127.0.0.1:0", &args, &with_token);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("blind-index key file") && err.contains("is missing"), "{err}");
}

fn rotate_into_token(data: &Path, conf: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(["keys", "rotate-master", "--data"])
        .arg(data)
        .args(master_args(MASTER))
        .env_remove("DATABASE_URL")
        .env("SOFTHSM2_CONF", conf)
        .env("DWP_HSM_PIN", PIN)
        .output()
        .expect("dwp runs")
}

#[test]
fn a_rotation_moves_the_data_keys_from_the_key_file_into_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = softhsm(dir.path());
    let mut s = Server::start(Engine::Sqlite);
    let reg = s.token("registrar", None);
    let id = s.issue(&reg, &worker(5))["id"].as_str().expect("id").to_string();
    s.kill();
    let key_file = s.dir.path().join("data.master-key.json");
    assert!(key_file.exists());

    let out = rotate_into_token(&s.data(), &conf);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    assert!(err.contains("re-wrapped") && !err.contains(PIN), "{err}");
    assert!(!key_file.exists(), "the key file is gone once every data key is in the token");
    assert!(contains(&database_bytes(&s), &format!("hsm:{TOKEN}/{MASTER}")));

    // Started with the token's key: the rows (not rewritten) open, and the blind index is the same.
    s.restart_with(master_args(MASTER), token_env(&conf));
    assert_eq!(name_of(&s, &reg, &id), NAME);
    assert_eq!(s.post("/v1/permits", Some(&reg), &worker(5)).code(), "permit_number_in_use");
    s.kill();
    // Run again, it has nothing left to move.
    let out = rotate_into_token(&s.data(), &conf);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Without the token, the key file's way no longer opens the database.
    let err = refused(&s.data(), &[], &[]);
    assert!(err.contains("--hsm-master-key"), "{err}");
}

#[test]
fn the_issuer_key_and_the_master_key_share_one_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = softhsm(dir.path());
    let mut args = master_args(MASTER);
    args.extend(["--hsm-key", "dwp-issuer-1"].map(String::from));
    let mut s = Server::start_opts(Engine::Sqlite, Opts { env: token_env(&conf), args, ..Opts::default() });
    assert!(!s.data().join("keys/issuer-key.json").exists(), "the issuer key is in the token");
    assert!(!s.dir.path().join("data.master-key.json").exists(), "so is the master key");
    let reg = s.token("registrar", None);
    let issued = s.issue(&reg, &worker(4));
    assert!(issued["payload"].as_str().is_some_and(|p| p.starts_with("DWP1:")), "{issued}");
    let id = issued["id"].as_str().expect("id").to_string();
    s.restart();
    assert_eq!(name_of(&s, &reg, &id), NAME);
}
