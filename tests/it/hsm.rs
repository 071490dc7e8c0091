//! The issuer key in a hardware security module: SoftHSM2 through PKCS#11.
//! The registry generates its key in the token (sensitive, never extractable),
//! signs every permit and status list there, writes no issuer key file, and
//! `dwp verify` accepts what it signs. `.ci/run` installs SoftHSM2.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{code, dwp, stderr, stdout};
use crate::server::{Engine, Opts, Registry, Server, refused_start_with, sample_permit};

/// Debian's SoftHSM2 module.
pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
pub const TOKEN: &str = "dwp-registry";
const KEY: &str = "dwp-issuer-1";
pub const PIN: &str = "473826";

/// A SoftHSM2 configuration of its own in `dir`, with one initialized token; returns the config file.
pub fn softhsm(dir: &Path) -> PathBuf {
    assert!(
        Path::new(MODULE).is_file(),
        "{MODULE} is missing: install SoftHSM2 (apt-get install -y softhsm2 opensc), as .ci/run does"
    );
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).expect("token directory");
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()),
    )
    .expect("softhsm2.conf");
    let out = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "91827364"])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util runs");
    assert!(out.status.success(), "initializing the token: {}", String::from_utf8_lossy(&out.stderr));
    conf
}

fn hsm_args() -> Vec<String> {
    ["--hsm-module", MODULE, "--hsm-token", TOKEN, "--hsm-key", KEY].map(String::from).to_vec()
}

#[test]
fn a_registry_signs_with_a_key_that_never_leaves_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = softhsm(dir.path());
    let conf_env = conf.display().to_string();
    let env = vec![("SOFTHSM2_CONF".to_string(), conf_env.clone()), ("DWP_HSM_PIN".to_string(), PIN.to_string())];
    let s = Server::start_opts(Engine::Sqlite, Opts { env, args: hsm_args(), ..Opts::default() });
    let keys = s.data().join("keys");
    assert!(!keys.join("issuer-key.json").exists(), "no issuer key file is written");
    let described: Value = serde_json::from_str(
        &std::fs::read_to_string(keys.join("issuer-key-token.json")).expect("token key description"),
    )
    .expect("JSON");
    assert_eq!(described["pkcs11"]["token"], TOKEN);
    assert!(!described.to_string().contains("privateKeyMultibase"), "the description holds no secret");

    // Every permit and status list is signed in the token, under the published key.
    let reg = s.token("registrar", None);
    let issued = s.issue(&reg, &sample_permit(1));
    let payload = issued["payload"].as_str().expect("payload").to_string();
    let revoked = s.issue(&reg, &sample_permit(2));
    let rid = revoked["id"].as_str().expect("id");
    assert_eq!(s.act(&reg, rid, "revoke", &serde_json::json!({ "reason": "test" })).status, 200);
    let bundle = s.get("/v1/bundle", None);
    assert_eq!(bundle.status, 200, "{}", bundle.body);
    let bundle_file = dir.path().join("bundle.json");
    std::fs::write(&bundle_file, &bundle.body).expect("bundle");
    let root = keys.join("root-public-key.json").display().to_string();
    let trust = keys.join("trust-list.json").display().to_string();
    let out = dwp(&["verify", "--trust", &trust, "--root", &root, "--json", &payload]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let bundle_arg = bundle_file.display().to_string();
    let out = dwp(&["verify", "--bundle", &bundle_arg, "--root", &root, "--json", &payload]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let verdict: Value = serde_json::from_str(&stdout(&out)).expect("verdict");
    assert_eq!(verdict["statusChecked"], true, "the status lists signed in the token verify");
    let out =
        dwp(&["verify", "--bundle", &bundle_arg, "--root", &root, "--json", revoked["payload"].as_str().expect("p")]);
    assert_eq!(code(&out), 1);
    assert_eq!(serde_json::from_str::<Value>(&stdout(&out)).expect("verdict")["reason"], "revoked");

    // The token says the key cannot leave it (read by OpenSC's pkcs11-tool, not by the registry's code).
    let listed = Command::new("pkcs11-tool")
        .args([
            "--module",
            MODULE,
            "--token-label",
            TOKEN,
            "--login",
            "--pin",
            PIN,
            "--list-objects",
            "--type",
            "privkey",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("pkcs11-tool runs (apt-get install -y opensc)");
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    let access = listed.lines().find(|l| l.trim_start().starts_with("Access:")).unwrap_or_default();
    assert!(listed.contains(KEY), "{listed}");
    assert!(access.contains("never extractable") && access.contains("sensitive"), "{listed}");
    assert!(!access.replace("never extractable", "").contains("extractable"), "{listed}");
    // What signing in the token costs is a benchmark's figure: it runs against the same token.
    let bench = Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(["bench", "signer", "--per-round", "5"])
        .args(hsm_args())
        .env("SOFTHSM2_CONF", &conf)
        .env("DWP_HSM_PIN", PIN)
        .output()
        .expect("dwp bench signer runs");
    let printed = String::from_utf8_lossy(&bench.stdout).to_string();
    assert!(bench.status.success(), "{printed}{}", String::from_utf8_lossy(&bench.stderr));
    assert!(printed.contains("token/in-memory ratio:") && !printed.contains(PIN), "{printed}");
    assert!(!s.stderr().contains(PIN), "the PIN is never logged");
    let mut s = s;
    s.kill();
    let data = s.data();

    // Started again: without the token's flags, with a wrong PIN, with no PIN — refused, each saying why.
    let (c, err, _) = refused_start_with(&data, None, "127.0.0.1:0", &[], &[("SOFTHSM2_CONF", &conf_env)]);
    assert_eq!(c, 2, "{err}");
    assert!(err.contains("hardware token") && err.contains("--hsm-module"), "{err}");
    let owned = hsm_args();
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    let wrong = [("SOFTHSM2_CONF", conf_env.as_str()), ("DWP_HSM_PIN", "000000")];
    let (c, err, _) = refused_start_with(&data, None, "127.0.0.1:0", &args, &wrong);
    assert_eq!(c, 2, "{err}");
    assert!(err.contains("logging in") && !err.contains("000000"), "{err}");
    let (c, err, _) = refused_start_with(&data, None, "127.0.0.1:0", &args, &[("SOFTHSM2_CONF", &conf_env)]);
    assert_eq!(c, 2, "{err}");
    assert!(err.contains("DWP_HSM_PIN"), "{err}");
}
