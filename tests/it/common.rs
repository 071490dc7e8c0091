//! Shared fixtures: running the binary, fixed keys, a trust list with several issuers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use image::ImageEncoder;

use dwp_issuer::keys::KeyPair;
use dwp_issuer::sign::{IssuedPermit, issue_permit};
use dwp_issuer::trust::sign_trust_list;
use dwp_verifier::credential::{Issuance, KeyRef, StatusRef};
use dwp_verifier::permit::Permit;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::{TrustedIssuerDocument, TrustedKeyDocument};
use serde_json::Value;

pub const DOE: &str = "did:web:dwp.doe.go.th";
pub const PARTNER: &str = "did:web:partner.example";
pub const SAMPLE: &str = include_str!("../../wallet-spec/examples/permit-sample.json");
pub const WORST: &str = include_str!("../../wallet-spec/examples/permit-worst.json");

pub fn shared_vectors() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors");
    assert!(dir.is_dir(), "test vectors not found at {}", dir.display());
    dir
}

pub fn dwp(args: &[&str]) -> Output {
    dwp_with_stdin(args, None)
}

pub fn dwp_with_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dwp runs");
    if let Some(input) = stdin {
        // The command may refuse the input before reading all of it (over-long
        // input is cut off at the limit); a closed pipe is then expected.
        match child.stdin.take().expect("stdin").write_all(input.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.expect("write stdin"),
        }
    }
    child.wait_with_output().expect("dwp finishes")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

pub fn t(s: &str) -> UnixTime {
    UnixTime::parse(s).expect("time")
}

pub fn doe_key(n: u8) -> KeyPair {
    KeyPair::from_seed(&[n; 32], Some(format!("{DOE}#key-{n}")))
}

pub fn partner_key() -> KeyPair {
    KeyPair::from_seed(&[77; 32], Some(format!("{PARTNER}#key-1")))
}

pub fn root_key() -> KeyPair {
    KeyPair::from_seed(&[99; 32], None)
}

fn key_doc(k: &KeyPair, from: &str, until: &str, revoked: Option<&str>) -> TrustedKeyDocument {
    TrustedKeyDocument {
        id: k.id.clone().expect("id"),
        public_key_multibase: k.public_multibase(),
        valid_from: from.into(),
        valid_until: until.into(),
        revoked: revoked.map(str::to_string),
    }
}

/// A directory with the fixed keys and a trust list naming:
/// DOE key-1 (2026–2036), DOE key-2 (revoked), and a partner allowed only section59.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let doe = TrustedIssuerDocument {
            id: DOE.into(),
            name: [
                ("en".to_string(), "Department of Employment".to_string()),
                ("th".to_string(), "กรมการจัดหางาน".to_string()),
            ]
            .into_iter()
            .collect(),
            categories: vec!["section59".into(), "section62".into(), "section63_1".into(), "section64".into()],
            keys: vec![
                key_doc(&doe_key(1), "2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z", None),
                key_doc(&doe_key(2), "2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z", Some("2026-06-01T00:00:00Z")),
            ],
        };
        let partner = TrustedIssuerDocument {
            id: PARTNER.into(),
            name: [("en".to_string(), "Partner".to_string())].into_iter().collect(),
            categories: vec!["section59".into()],
            keys: vec![key_doc(&partner_key(), "2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z", None)],
        };
        let trust = sign_trust_list(&root_key(), 7, t("2026-11-01T00:00:00Z"), vec![doe, partner]).expect("trust list");
        std::fs::write(dir.path().join("trust-list.json"), serde_json::to_string_pretty(&trust).expect("json"))
            .expect("write");
        let key_file = serde_json::to_string_pretty(&doe_key(1).to_file(Some(DOE))).expect("json");
        std::fs::write(dir.path().join("issuer-key.json"), key_file).expect("write");
        Fixture { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn trust(&self) -> String {
        self.path("trust-list.json").to_string_lossy().to_string()
    }

    pub fn root(&self) -> String {
        root_key().public_multibase()
    }

    /// `dwp verify --json` of a payload at `now`; returns (exit code, verdict JSON).
    /// Runs `dwp issue --keys <fixture dir> --permit <permit> <extra…>`.
    pub fn issue_cli(&self, permit: &str, extra: &[&str]) -> Output {
        let keys = self.dir.path().to_string_lossy().to_string();
        let mut args = vec!["issue", "--keys", &keys, "--permit", permit];
        args.extend_from_slice(extra);
        dwp(&args)
    }

    pub fn verify(&self, payload: &str, now: &str) -> (i32, Value) {
        let out = dwp(&["verify", "--trust", &self.trust(), "--root", &self.root(), "--now", now, "--json", payload]);
        let json: Value = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("verdict JSON ({e}): {} {}", stdout(&out), stderr(&out)));
        (code(&out), json)
    }
}

pub fn issue(permit_json: &str, key: &KeyPair, issuer: &str, key_ref: KeyRef, created: &str) -> IssuedPermit {
    let permit = Permit::from_json(permit_json).expect("permit");
    let issuance = Issuance::new(issuer, key_ref, t(created), StatusRef { shard: 1, index: 94_567 }).expect("issuance");
    issue_permit(permit, issuance, key).expect("issue")
}

pub fn sample_payload() -> String {
    issue(SAMPLE, &doe_key(1), DOE, KeyRef::Numbered(1), "2026-11-24T03:00:00Z").payload
}

pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.to_string_lossy().to_string()
}

/// A grayscale image as PNG bytes.
pub fn png_bytes(img: &image::GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::L8)
        .expect("png");
    out
}

/// A grayscale image as JPEG bytes at `quality`.
pub fn jpeg_bytes(img: &image::GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::L8)
        .expect("jpeg");
    out
}

/// A file of the W3C vc-di-eddsa vectors (read in place).
pub fn w3c(name: &str) -> PathBuf {
    shared_vectors().join("w3c-vc-di-eddsa").join(name)
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> String {
    p.to_string_lossy().to_string()
}

/// A JSON file, read and parsed (the test fails naming it otherwise).
pub fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).expect("json")
}

/// Starts `dwp ARGS` (a tool that serves: the bank simulator, the VC API), reads its
/// `NAME listening on http://…` line and drains the rest of its stdout; returns it and its base URL
/// and a client that reads error statuses as answers.
pub fn start_tool(args: &[&std::ffi::OsStr], name: &str) -> (std::process::Child, String, ureq::Agent) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("dwp {name} starts: {e}"));
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        if let Some(first) = lines.next() {
            tx.send(first).ok();
        }
        // Drain the rest, so that the tool never writes to a closed pipe.
        lines.for_each(drop);
    });
    let first =
        rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap_or_else(|_| panic!("{name} prints its address"));
    let prefix = format!("{name} listening on ");
    let base = first.trim().strip_prefix(prefix.as_str()).expect("the listening line").to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    (child, base, agent)
}
