//! The conformance kit's generator: writes `wallet-spec/vectors/`, one JSON
//! file per vector, with its input (payload, verifier bundle, pinned root,
//! policy, time) and the outcome a conforming verifier must give (fixed keys
//! and times: the output is the same on every run). `dwp conformance DIR`
//! runs them; this generator is a development tool and ships in no binary.
//!
//! Each expected outcome is written here by hand from the specification; the
//! generator never asks the verifier what it thinks.

mod decode;
mod employer;
mod holder;
mod status;
mod trust;

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use dwp_issuer::keys::KeyPair;
use dwp_issuer::sign::issue_permit;
use dwp_issuer::status::{ListInfo, sign_status_list};
use dwp_issuer::trust::Authority;
use dwp_issuer::trust::sign_trust_list;
use dwp_verifier::codec::{self, PREFIX};
use dwp_verifier::credential::{Issuance, KeyRef, SignedPermit, StatusPurpose, StatusRef};
use dwp_verifier::multikey;
use dwp_verifier::permit::Permit;
use dwp_verifier::status::Bitstring;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::{TrustedIssuerDocument, TrustedKeyDocument};

use dwp::demo::SAMPLE_PERMIT;
use dwp::files;

const DOE: &str = "did:web:dwp.doe.go.th";
const OTHER: &str = "did:web:other-authority.example";
const CREATED: &str = "2026-11-24T03:00:00Z";
const LISTS_SIGNED: &str = "2026-11-25T00:00:00Z";
const NOW: &str = "2026-11-25T02:00:00Z";
const INDEX: u32 = 94_567;
/// The instant as of which key-1 is compromised in the compromise trust list: after [`CREATED`],
/// before [`LISTS_SIGNED`].
const COMPROMISED: &str = "2026-11-24T12:00:00Z";

fn t(s: &str) -> UnixTime {
    // invariant: every time here is a literal in the accepted form; a typo must stop the generator.
    UnixTime::parse(s).expect("invariant: a literal time")
}

struct Keys {
    issuer: KeyPair,
    other: KeyPair,
    rogue: KeyPair,
    /// The issuer's key-2 in the compromise trust list: the key it re-issues and signs lists with.
    successor: KeyPair,
    root: KeyPair,
}

fn keys() -> Keys {
    Keys {
        issuer: KeyPair::from_seed(&[11; 32], Some(format!("{DOE}#key-1"))),
        other: KeyPair::from_seed(&[13; 32], Some(format!("{OTHER}#key-1"))),
        rogue: KeyPair::from_seed(&[14; 32], Some(format!("{DOE}#key-2"))),
        successor: KeyPair::from_seed(&[15; 32], Some(format!("{DOE}#key-2"))),
        root: KeyPair::from_seed(&[12; 32], None),
    }
}

/// Trust-list variations.
#[derive(Clone, Copy, PartialEq)]
enum Trust {
    Normal,
    /// Key-1 compromised as of [`COMPROMISED`], and key-2 (the successor) from then on.
    KeyCompromised,
    NoSection62,
}

fn trust_list(k: &Keys, variant: Trust) -> Result<Value> {
    let mut doe = dwp_issuer::trust::trusted_issuer(
        DOE,
        &Authority::demo(),
        &k.issuer,
        t("2026-01-01T00:00:00Z"),
        t("2030-12-31T23:59:59Z"),
    );
    if variant == Trust::KeyCompromised {
        doe.keys[0].revoked = Some(COMPROMISED.into());
        doe.keys.push(TrustedKeyDocument {
            id: format!("{DOE}#key-2"),
            public_key_multibase: multikey::encode_public(&k.successor.public()),
            valid_from: COMPROMISED.into(),
            valid_until: "2030-12-31T23:59:59Z".into(),
            revoked: None,
        });
    }
    if variant == Trust::NoSection62 {
        doe.categories.retain(|c| c != "section62");
    }
    let other: TrustedIssuerDocument = dwp_issuer::trust::trusted_issuer(
        OTHER,
        &Authority::demo(),
        &k.other,
        t("2026-01-01T00:00:00Z"),
        t("2030-12-31T23:59:59Z"),
    );
    Ok(sign_trust_list(&k.root, 1, t("2026-11-24T00:00:00Z"), vec![doe, other])?)
}

fn list(k: &KeyPair, issuer: &str, purpose: StatusPurpose, seq: u64, set: &[u32], signed: &str) -> Result<Value> {
    let mut bits = Bitstring::zeroed(131_072);
    for i in set {
        bits.set(*i as usize, true);
    }
    let vm = k.id.clone().unwrap_or_default();
    let info = ListInfo {
        issuer,
        verification_method: &vm,
        shard: 1,
        purpose,
        sequence: seq,
        valid_from: t(signed),
        valid_until: UnixTime(t(signed).0 + 7 * 86_400),
        ttl_ms: 300_000,
    };
    Ok(sign_status_list(&info, &bits, k)?)
}

fn bundle(trust: Value, lists: Vec<Value>, issued: &str) -> Value {
    json!({
        "type": "DwpVerifierBundle", "version": 1, "issued": issued, "issuer": DOE,
        "trustList": trust, "statusLists": lists, "contexts": {},
    })
}

fn permit(k: &KeyPair, issuer: &str, key: KeyRef, created: &str, index: u32) -> Result<String> {
    let p = Permit::from_json(SAMPLE_PERMIT)?;
    let iss = Issuance::new(issuer, key, t(created), StatusRef { shard: 1, index })?;
    Ok(issue_permit(p, iss, k)?.payload)
}

fn cbor_payload(cbor: &[u8]) -> String {
    format!("{PREFIX}{}", base45::encode(cbor))
}

struct Vector {
    id: &'static str,
    stage: &'static str,
    description: &'static str,
    input: Value,
    expected: Value,
}

fn verify_vector(
    id: &'static str,
    stage: &'static str,
    description: &'static str,
    payload: &str,
    bundle: &Value,
    (policy, now): (&str, &str),
    expected: (&str, Option<&str>),
) -> Vector {
    let (reason, detail) = expected;
    Vector {
        id,
        stage,
        description,
        input: json!({ "payload": payload, "bundle": bundle, "policy": policy, "now": now }),
        expected: json!({
            "valid": reason == "valid",
            "reason": if reason == "valid" { Value::Null } else { reason.into() },
            "detail": detail,
        }),
    }
}
/// What every group of vectors starts from: the keys, the trust list, the sample permit and a bundle
/// in which it is neither revoked nor suspended.
struct Ctx {
    k: Keys,
    normal: Value,
    good: String,
    clear: Value,
}

impl Ctx {
    fn new() -> Result<Self> {
        let k = keys();
        let normal = trust_list(&k, Trust::Normal)?;
        let good = permit(&k.issuer, DOE, KeyRef::Numbered(1), CREATED, INDEX)?;
        let mut c = Ctx { k, normal, good, clear: Value::Null };
        c.clear = bundle(c.normal.clone(), c.lists(&[], &[], 5, LISTS_SIGNED)?, LISTS_SIGNED);
        Ok(c)
    }

    /// The revocation and suspension lists with these indices set.
    fn lists(&self, rev: &[u32], sus: &[u32], seq: u64, signed: &str) -> Result<Vec<Value>> {
        Ok(vec![
            list(&self.k.issuer, DOE, StatusPurpose::Revocation, seq, rev, signed)?,
            list(&self.k.issuer, DOE, StatusPurpose::Suspension, seq, sus, signed)?,
        ])
    }
}

fn vectors() -> Result<Vec<Vector>> {
    let c = Ctx::new()?;
    let mut out = decode::vectors(&c)?;
    out.extend(trust::vectors(&c)?);
    out.extend(status::vectors(&c)?);
    out.extend(holder::vectors(&c)?);
    out.extend(employer::vectors(&c)?);
    Ok(out)
}

/// Re-signs a list with an `encodedList` of 65,536 entries.
fn short_list(k: &Keys, mut list: Value) -> Result<Value> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&[0u8; 8192])?;
    let encoded =
        format!("u{}", base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, gz.finish()?));
    if let Some(obj) = list.as_object_mut() {
        obj.remove("proof");
    }
    list["credentialSubject"]["encodedList"] = encoded.into();
    let vm = k.issuer.id.clone().unwrap_or_default();
    Ok(dwp_issuer::sign::sign_jcs(&list, &k.issuer, LISTS_SIGNED, &vm)?)
}

/// Writes the vectors to `dir`; returns how many.
pub fn generate(dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let root = multikey::encode_public(&keys().root.public());
    let all = vectors()?;
    let mut index = Vec::new();
    for v in &all {
        let doc = json!({
            "id": v.id, "stage": v.stage, "description": v.description, "root": root,
            "input": v.input, "expected": v.expected,
        });
        files::write_public(
            &dir.join(format!("{}.json", v.id)),
            format!("{}\n", serde_json::to_string_pretty(&doc)?).as_bytes(),
        )?;
        index.push(json!({ "id": v.id, "stage": v.stage, "expected": v.expected }));
    }
    let manifest = json!({ "format": "dwp-conformance/1", "root": root, "vectors": index });
    files::write_public(&dir.join("index.json"), format!("{}\n", serde_json::to_string_pretty(&manifest)?).as_bytes())?;
    Ok(all.len())
}
