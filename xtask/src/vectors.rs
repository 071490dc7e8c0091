//! The conformance kit's generator: writes `wallet-spec/vectors/`, one JSON
//! file per vector, with its input (payload, verifier bundle, pinned root,
//! policy, time) and the outcome a conforming verifier must give (fixed keys
//! and times: the output is the same on every run). `dwp conformance DIR`
//! runs them; this generator is a development tool and ships in no binary.
//!
//! Each expected outcome is written here by hand from the specification; the
//! generator never asks the verifier what it thinks.

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
use dwp_verifier::trust::TrustedIssuerDocument;

use dwp::demo::SAMPLE_PERMIT;
use dwp::files;

const DOE: &str = "did:web:dwp.doe.go.th";
const OTHER: &str = "did:web:other-authority.example";
const CREATED: &str = "2026-11-24T03:00:00Z";
const LISTS_SIGNED: &str = "2026-11-25T00:00:00Z";
const NOW: &str = "2026-11-25T02:00:00Z";
const INDEX: u32 = 94_567;

fn t(s: &str) -> UnixTime {
    // invariant: every time here is a literal in the accepted form; a typo must stop the generator.
    UnixTime::parse(s).expect("invariant: a literal time")
}

struct Keys {
    issuer: KeyPair,
    other: KeyPair,
    rogue: KeyPair,
    root: KeyPair,
}

fn keys() -> Keys {
    Keys {
        issuer: KeyPair::from_seed(&[11; 32], Some(format!("{DOE}#key-1"))),
        other: KeyPair::from_seed(&[13; 32], Some(format!("{OTHER}#key-1"))),
        rogue: KeyPair::from_seed(&[14; 32], Some(format!("{DOE}#key-2"))),
        root: KeyPair::from_seed(&[12; 32], None),
    }
}

/// Trust-list variations.
#[derive(Clone, Copy, PartialEq)]
enum Trust {
    Normal,
    KeyRevoked,
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
    if variant == Trust::KeyRevoked {
        doe.keys[0].revoked = Some("2026-11-24T12:00:00Z".into());
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

fn vectors() -> Result<Vec<Vector>> {
    let k = keys();
    let normal = trust_list(&k, Trust::Normal)?;
    let good = permit(&k.issuer, DOE, KeyRef::Numbered(1), CREATED, INDEX)?;
    let lists = |rev: &[u32], sus: &[u32], seq: u64, signed: &str| -> Result<Vec<Value>> {
        Ok(vec![
            list(&k.issuer, DOE, StatusPurpose::Revocation, seq, rev, signed)?,
            list(&k.issuer, DOE, StatusPurpose::Suspension, seq, sus, signed)?,
        ])
    };
    let clear = bundle(normal.clone(), lists(&[], &[], 5, LISTS_SIGNED)?, LISTS_SIGNED);
    let v = |id, stage, d, payload: &str, b: &Value, now: &str, e| {
        verify_vector(id, stage, d, payload, b, ("inspector", now), e)
    };
    let cbor = base45::decode(&good[PREFIX.len()..]).map_err(|e| anyhow::anyhow!("{e}"))?;
    // An odd number of bytes ends in a two-character group; "OO" is 24 + 24 * 45 = 1104.
    let odd = cbor_payload(&cbor[..cbor.len() - 1 + cbor.len() % 2]);
    let overflow = format!("{}OO", &odd[..odd.len() - 2]);
    let data = good.len() - PREFIX.len();
    let mut out = vec![
        v(
            "valid",
            "status",
            "The sample permit, neither revoked nor suspended, status 2 hours old.",
            &good,
            &clear,
            NOW,
            ("valid", None),
        ),
        v(
            "decode-prefix",
            "prefix",
            "Another prefix (HC1:).",
            &good.replacen(PREFIX, "HC1:", 1),
            &clear,
            NOW,
            ("malformed", Some("prefix")),
        ),
        v(
            "decode-too-long",
            "prefix",
            "4,297 characters: refused before decoding.",
            &format!("{PREFIX}{}", "0".repeat(4292)),
            &clear,
            NOW,
            ("malformed", Some("too_long")),
        ),
        v(
            "decode-base45-alphabet",
            "base45",
            "A lower-case letter, outside the Base45 alphabet.",
            &format!("{}a{}", &good[..10], &good[11..]),
            &clear,
            NOW,
            ("malformed", Some("base45")),
        ),
        v(
            "decode-base45-dangling",
            "base45",
            "One dangling character after whole groups.",
            &good[..PREFIX.len() + data - data % 3 - 2],
            &clear,
            NOW,
            ("malformed", Some("base45")),
        ),
        v(
            "decode-base45-overflow",
            "base45",
            "A final two-character group worth 1104 (more than one byte holds).",
            &overflow,
            &clear,
            NOW,
            ("malformed", Some("base45")),
        ),
        v(
            "decode-cbor-truncated",
            "cbor",
            "Whole Base45 groups of truncated CBOR.",
            &good[..PREFIX.len() + data - data % 3 - 3],
            &clear,
            NOW,
            ("malformed", Some("cbor")),
        ),
        v(
            "decode-cbor-trailing",
            "cbor",
            "One byte after the CBOR item.",
            &cbor_payload(&[cbor.as_slice(), &[0x00]].concat()),
            &clear,
            NOW,
            ("malformed", Some("trailing_bytes")),
        ),
        v(
            "decode-cbor-nesting",
            "cbor",
            "Arrays nested 200 deep.",
            &cbor_payload(&[vec![0x81u8; 200], vec![0x00]].concat()),
            &clear,
            NOW,
            ("malformed", Some("too_deep")),
        ),
        v(
            "decode-schema",
            "schema",
            "Well-formed CBOR of another shape: [1, 2, 3].",
            &cbor_payload(&[0x83, 0x01, 0x02, 0x03]),
            &clear,
            NOW,
            ("malformed", Some("schema")),
        ),
    ];
    // Signature and key.
    let signed = codec::decode(&good).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut sig = *signed.signature();
    sig[10] ^= 0x01;
    let tampered = codec::encode(&SignedPermit::new(signed.permit().clone(), signed.issuance().clone(), sig));
    out.push(v(
        "signature-bad",
        "signature",
        "One bit of the signature flipped.",
        &tampered,
        &clear,
        NOW,
        ("bad_signature", None),
    ));
    let forged = permit(&k.rogue, DOE, KeyRef::Numbered(1), CREATED, INDEX)?;
    out.push(v(
        "signature-wrong-key",
        "signature",
        "Signed by another key under the issuer's key-1 name.",
        &forged,
        &clear,
        NOW,
        ("bad_signature", None),
    ));
    let unknown_issuer = permit(&k.rogue, "did:web:unknown.example", KeyRef::Numbered(1), CREATED, INDEX)?;
    out.push(v(
        "key-unknown-issuer",
        "key",
        "Issued by a DID the trust list does not hold.",
        &unknown_issuer,
        &clear,
        NOW,
        ("unknown_issuer", None),
    ));
    let wrong_issuer = permit(&k.other, DOE, KeyRef::Other(format!("{OTHER}#key-1")), CREATED, INDEX)?;
    out.push(v(
        "key-wrong-issuer",
        "key",
        "Signed by a trusted key of another issuer.",
        &wrong_issuer,
        &clear,
        NOW,
        ("wrong_issuer", None),
    ));
    let unknown_key = permit(&k.rogue, DOE, KeyRef::Numbered(2), CREATED, INDEX)?;
    out.push(v(
        "key-unknown",
        "key",
        "Signed by key-2, which the trust list does not hold.",
        &unknown_key,
        &clear,
        NOW,
        ("unknown_key", None),
    ));
    let revoked_trust = bundle(trust_list(&k, Trust::KeyRevoked)?, lists(&[], &[], 5, LISTS_SIGNED)?, LISTS_SIGNED);
    out.push(v(
        "key-revoked",
        "key",
        "The issuer key was withdrawn for compromise.",
        &good,
        &revoked_trust,
        NOW,
        ("key_revoked", None),
    ));
    let early = permit(&k.issuer, DOE, KeyRef::Numbered(1), "2025-12-31T23:59:59Z", INDEX)?;
    out.push(v(
        "key-outside-window",
        "key",
        "Signed a second before the key's window opens.",
        &early,
        &clear,
        NOW,
        ("key_not_valid", None),
    ));
    let no62 = bundle(trust_list(&k, Trust::NoSection62)?, lists(&[], &[], 5, LISTS_SIGNED)?, LISTS_SIGNED);
    out.push(v(
        "key-category",
        "key",
        "The issuer may not sign section 62 permits.",
        &good,
        &no62,
        NOW,
        ("category_not_allowed", None),
    ));
    // Clock.
    out.push(v(
        "clock-not-yet-valid",
        "clock",
        "A second before validFrom.",
        &good,
        &clear,
        "2026-11-23T23:59:59Z",
        ("not_yet_valid", None),
    ));
    out.push(v(
        "clock-expired",
        "clock",
        "A second after validUntil.",
        &good,
        &clear,
        "2028-11-24T00:00:00Z",
        ("expired", None),
    ));
    // Status.
    let revoked = bundle(normal.clone(), lists(&[INDEX], &[], 6, LISTS_SIGNED)?, LISTS_SIGNED);
    out.push(v(
        "status-revoked",
        "status",
        "The permit's revocation bit is set.",
        &good,
        &revoked,
        NOW,
        ("revoked", None),
    ));
    out.push(v(
        "status-revoked-stale",
        "status",
        "Revoked in a list 10 days old: a revocation is final.",
        &good,
        &revoked,
        "2026-12-05T00:00:00Z",
        ("revoked", None),
    ));
    let suspended = bundle(normal.clone(), lists(&[], &[INDEX], 6, LISTS_SIGNED)?, LISTS_SIGNED);
    out.push(v(
        "status-suspended",
        "status",
        "The permit's suspension bit is set.",
        &good,
        &suspended,
        NOW,
        ("suspended", None),
    ));
    let reinstated = bundle(normal.clone(), lists(&[], &[], 7, "2026-11-25T01:00:00Z")?, "2026-11-25T01:00:00Z");
    out.push(v(
        "status-reinstated",
        "status",
        "After the suspension, a newer list (sequence 7) with the bit cleared.",
        &good,
        &reinstated,
        NOW,
        ("valid", None),
    ));
    out.push(v(
        "status-stale-inspector",
        "status",
        "Status 73 hours old, past the inspector policy's 72.",
        &good,
        &clear,
        "2026-11-28T01:00:01Z",
        ("status_stale", None),
    ));
    out.push(verify_vector(
        "status-stale-immigration",
        "status",
        "Status 2 hours old, past the immigration policy's 1.",
        &good,
        &clear,
        ("immigration", NOW),
        ("status_stale", None),
    ));
    out.push(verify_vector(
        "status-fresh-employer",
        "status",
        "Status 4 days old is fresh for the employer policy (7 days).",
        &good,
        &clear,
        ("employer", "2026-11-29T00:00:00Z"),
        ("valid", None),
    ));
    out.push(v(
        "status-past-valid-until",
        "status",
        "After the lists' validUntil (7 days), whatever the policy.",
        &good,
        &clear,
        "2026-12-02T00:00:01Z",
        ("status_stale", None),
    ));
    let none = bundle(normal.clone(), vec![], LISTS_SIGNED);
    out.push(v(
        "status-unknown",
        "status",
        "The bundle holds no list for the permit's shard.",
        &good,
        &none,
        NOW,
        ("status_unknown", None),
    ));
    let other_signed = bundle(
        normal.clone(),
        vec![
            list(&k.other, DOE, StatusPurpose::Revocation, 5, &[], LISTS_SIGNED)?,
            list(&k.issuer, DOE, StatusPurpose::Suspension, 5, &[], LISTS_SIGNED)?,
        ],
        LISTS_SIGNED,
    );
    out.push(v(
        "status-list-other-issuer",
        "status",
        "The revocation list is signed by another issuer's key.",
        &good,
        &other_signed,
        NOW,
        ("status_list_invalid", Some("list_key")),
    ));
    let mut short = list(&k.issuer, DOE, StatusPurpose::Revocation, 5, &[], LISTS_SIGNED)?;
    short = short_list(&k, short)?;
    let short_bundle = bundle(
        normal.clone(),
        vec![short, list(&k.issuer, DOE, StatusPurpose::Suspension, 5, &[], LISTS_SIGNED)?],
        LISTS_SIGNED,
    );
    out.push(v(
        "status-list-too-short",
        "status",
        "A revocation list of 65,536 entries (fewer than 131,072).",
        &good,
        &short_bundle,
        NOW,
        ("status_list_invalid", Some("list_too_short")),
    ));
    let high = permit(&k.issuer, DOE, KeyRef::Numbered(1), CREATED, 200_000)?;
    out.push(v(
        "status-index-out-of-range",
        "status",
        "Index 200,000 in lists of 131,072 entries.",
        &high,
        &clear,
        NOW,
        ("status_list_invalid", Some("index_out_of_range")),
    ));
    let future = bundle(normal.clone(), lists(&[], &[], 5, "2026-11-25T03:00:00Z")?, "2026-11-25T03:00:00Z");
    out.push(v(
        "status-list-from-the-future",
        "status",
        "Lists signed an hour after now.",
        &good,
        &future,
        NOW,
        ("status_list_invalid", Some("list_from_the_future")),
    ));
    // Bundle updates: rollback.
    out.push(Vector {
        id: "bundle-rollback",
        stage: "status",
        description: "Holding the reinstatement bundle (sequence 7), an older one (sequence 6, suspended) is offered.",
        input: json!({ "held": reinstated, "candidate": suspended }),
        expected: json!({ "accepted": false, "error": "rollback" }),
    });
    let clock_back = bundle(normal.clone(), lists(&[INDEX], &[], 8, "2026-11-24T23:00:00Z")?, "2026-11-24T23:00:00Z");
    out.push(Vector {
        id: "bundle-clock-back",
        stage: "status",
        description: "Holding the reinstatement bundle (sequence 7, 01:00), a newer one (sequence 8, revoked) \
                      signed two hours earlier by a registry whose clock stepped back is offered: sequences order \
                      bundles, never times.",
        input: json!({ "held": reinstated, "candidate": clock_back }),
        expected: json!({ "accepted": true, "error": null }),
    });
    out.push(Vector {
        id: "bundle-update",
        stage: "status",
        description: "Holding the suspension bundle (sequence 6), the newer reinstatement (sequence 7) is offered.",
        input: json!({ "held": suspended, "candidate": reinstated }),
        expected: json!({ "accepted": true, "error": null }),
    });
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
