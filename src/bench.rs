//! `dwp bench`: speed and size figures, measured in one run against a
//! reference on the same machine, printed as ratios.
//!
//! The scan-verify ratio divides the time of a full verification of a payload
//! (Base45, CBOR, schema, expansion to the canonical credential, two SHA-256,
//! `verify_strict`) by one raw `ed25519_dalek::VerifyingKey::verify_strict` of
//! a message as long as the payload. Both are timed in alternating rounds and
//! the median round is reported, so that a noisy neighbour moves both sides.
//! The holder-bound ratio does the same for a `DWP1H:` presentation
//! (`wallet-spec/SPEC.md` §12): everything above, one more SHA-256 and a
//! second `verify_strict`, by the holder key.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use ed25519_dalek::{Signer, SigningKey};

use dwp_issuer::keys::KeyPair;
use dwp_issuer::qr::{Qr, alphanumeric_capacity_q};
use dwp_issuer::sign::issue_permit;
use dwp_issuer::trust::sign_trust_list;
use dwp_verifier::credential::{Issuance, KeyRef, StatusRef};
use dwp_verifier::permit::Permit;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::TrustList;
use dwp_verifier::verify::verify;

use crate::demo::{SAMPLE_PERMIT, WORST_PERMIT};
use crate::issuance::LIST_ENTRIES;

const ROUNDS: usize = 15;
const PER_ROUND: u32 = 400;

fn per_op_ns(n: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

const BENCH_DID: &str = "did:web:dwp.doe.go.th";

/// The fixed bench issuer: its key, the root key, the proof time, and the signed trust list naming it.
struct BenchIssuer {
    key: KeyPair,
    root: KeyPair,
    created: UnixTime,
    trust: serde_json::Value,
}

fn bench_issuer() -> Result<BenchIssuer> {
    let key = KeyPair::from_seed(&[42; 32], Some(format!("{BENCH_DID}#key-1")));
    let root = KeyPair::from_seed(&[43; 32], None);
    let created = UnixTime::parse("2026-11-24T03:04:05Z")?;
    let entry = dwp_issuer::trust::trusted_issuer(
        BENCH_DID,
        &dwp_issuer::trust::Authority::demo(),
        &key,
        UnixTime(created.0 - 86_400),
        UnixTime(created.0 + 3650 * 86_400),
    );
    let trust = sign_trust_list(&root, 1, created, vec![entry])?;
    Ok(BenchIssuer { key, root, created, trust })
}

/// Issues `permit_json` with the fixed bench key; returns (payload, trust list).
pub fn bench_permit(permit_json: &str) -> Result<(String, TrustList)> {
    let b = bench_issuer()?;
    let permit = Permit::from_json(permit_json)?;
    let issuance = Issuance::new(BENCH_DID, KeyRef::Numbered(1), b.created, StatusRef { shard: 1, index: 94_567 })?;
    let issued = issue_permit(permit, issuance, &b.key)?;
    let trust = TrustList::verify(&b.trust.to_string(), Some(&b.root.public()))?;
    Ok((issued.payload, trust))
}

/// The fixed bench holder key.
fn bench_holder() -> KeyPair {
    KeyPair::from_seed(&[44; 32], None)
}

/// Issues `permit_json` bound to the bench holder key and presents it at `now`; returns
/// (presentation, its DWP1: payload, trust list).
pub fn bench_presentation(permit_json: &str, now: UnixTime) -> Result<(String, String, TrustList)> {
    let holder = bench_holder();
    let mut input: serde_json::Value = serde_json::from_str(permit_json)?;
    input["worker"]["holderKey"] = holder.did_key().into();
    let (payload, trust) = bench_permit(&input.to_string())?;
    let step = u64::try_from(dwp_verifier::holder::step_of(now))?;
    let signature = holder.sign(&dwp_verifier::holder::to_sign(&payload, step)?);
    Ok((dwp_verifier::holder::assemble(&payload, step, &signature)?, payload, trust))
}

/// Payloads in the batch comparison.
const BATCH_PAYLOADS: u32 = 10_000;

/// `count` payloads of the bench issuer (one in 50 revoked), the bundle that checks them, and the
/// time to check them at.
pub fn batch_fixture(count: u32) -> Result<(Vec<String>, dwp_verifier::bundle::Bundle, UnixTime)> {
    use dwp_issuer::status::{ListInfo, sign_status_list};
    use dwp_verifier::bundle::Bundle;
    use dwp_verifier::credential::StatusPurpose;
    use dwp_verifier::status::Bitstring;

    let did = BENCH_DID;
    let BenchIssuer { key, root, created, trust } = bench_issuer()?;
    let vm = key.id.clone().unwrap_or_default();
    let now = UnixTime(created.0 + 3600);
    let mut payloads = Vec::new();
    let mut revoked = Bitstring::zeroed(LIST_ENTRIES as usize);
    for i in 0..count {
        let mut input: serde_json::Value = serde_json::from_str(SAMPLE_PERMIT)?;
        input["permitNumber"] = format!("WP-2569-21-{i:06}").into();
        let permit = Permit::from_json(&input.to_string())?;
        let issuance = Issuance::new(did, KeyRef::Numbered(1), created, StatusRef { shard: 1, index: i * 13 })?;
        payloads.push(issue_permit(permit, issuance, &key)?.payload);
        if i % 50 == 0 {
            revoked.set((i * 13) as usize, true);
        }
    }
    let mut lists = Vec::new();
    for (purpose, bits) in
        [(StatusPurpose::Revocation, &revoked), (StatusPurpose::Suspension, &Bitstring::zeroed(LIST_ENTRIES as usize))]
    {
        let info = ListInfo {
            issuer: did,
            verification_method: &vm,
            shard: 1,
            purpose,
            sequence: 1,
            valid_from: created,
            valid_until: UnixTime(created.0 + 7 * 86_400),
            ttl_ms: 300_000,
        };
        lists.push(sign_status_list(&info, bits, &key)?);
    }
    let bundle_json = serde_json::json!({
        "type": "DwpVerifierBundle", "version": 1, "issued": created.to_string(), "issuer": did,
        "trustList": trust, "statusLists": lists, "contexts": {},
    });
    let bundle = Bundle::verify(&bundle_json.to_string(), Some(&root.public()))?.strict()?;
    Ok((payloads, bundle, now))
}

/// Verifies the same 10,000 payloads against one bundle one at a time and with
/// `verify_many` (what `dwp verify --batch` calls), in alternating rounds, and
/// returns the throughput ratio; the verdicts must agree.
fn batch_speedup() -> Result<f64> {
    use dwp_verifier::verify::{Policy, verify_many, verify_with_bundle};

    let (payloads, bundle, now) = batch_fixture(BATCH_PAYLOADS)?;
    let refs: Vec<&str> = payloads.iter().map(String::as_str).collect();
    let single: Vec<_> = refs.iter().map(|p| verify_with_bundle(p, &bundle, Policy::Inspector, now)).collect();
    let batch = verify_many(&refs, &bundle, Policy::Inspector, now);
    let differ = single.iter().zip(&batch).filter(|(a, b)| a.as_ref().err() != b.as_ref().err()).count();
    anyhow::ensure!(differ == 0, "batch and one-at-a-time verdicts differ on {differ} payloads");
    let (mut one, mut many) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let start = Instant::now();
        for p in &refs {
            let _ = black_box(verify_with_bundle(black_box(p), &bundle, Policy::Inspector, now));
        }
        one.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let _ = black_box(verify_many(black_box(&refs), &bundle, Policy::Inspector, now));
        many.push(start.elapsed().as_secs_f64());
    }
    let (one, many) = (median(one), median(many));
    let n = f64::from(BATCH_PAYLOADS);
    println!("\nBulk verification of {BATCH_PAYLOADS} payloads with a bundle (3 alternating rounds, medians):");
    println!("  one at a time                        {:>8.0} permits/s", n / one);
    println!("  batch signature verification         {:>8.0} permits/s", n / many);
    println!("  verdicts identical                   {:>8}", "yes");
    Ok(one / many)
}

/// Runs the benchmark and prints its figures.
pub fn run() -> Result<ExitCode> {
    println!("QR payload sizes (QR alphanumeric mode, error correction Q):");
    for (name, json) in [("sample permit", SAMPLE_PERMIT), ("worst realistic permit", WORST_PERMIT)] {
        let (payload, _) = bench_permit(json)?;
        let qr = Qr::new(&payload)?;
        let cap = alphanumeric_capacity_q(qr.version()).unwrap_or(0);
        println!("  {name:<24} {:>4} characters  QR version {:>2}-Q (capacity {cap})", payload.len(), qr.version());
    }

    let now = UnixTime::parse("2027-01-01T00:00:00Z")?;
    println!("\nHolder-bound QR (DWP1H:, SPEC §12), error correction Q:");
    for (name, json, budget) in [("sample permit", SAMPLE_PERMIT, 16), ("worst realistic permit", WORST_PERMIT, 19)] {
        let (shown, _, _) = bench_presentation(json, now)?;
        let qr = Qr::new(&shown)?;
        let cap = alphanumeric_capacity_q(budget).unwrap_or(0);
        println!(
            "  {name:<24} {:>4} characters  QR version {:>2}-Q (budget: version {budget}-Q, {cap} characters)",
            shown.len(),
            qr.version()
        );
    }

    let (payload, trust) = bench_permit(SAMPLE_PERMIT)?;
    verify(&payload, &trust, now).map_err(|r| anyhow::anyhow!("bench payload rejected: {r}"))?;
    let (shown, _, holder_trust) = bench_presentation(SAMPLE_PERMIT, now)?;
    let live = verify(&shown, &holder_trust, now).map_err(|r| anyhow::anyhow!("bench presentation rejected: {r}"))?;
    anyhow::ensure!(live.holder().warning().is_none(), "the bench presentation is not live: {:?}", live.holder());

    let raw_key = SigningKey::from_bytes(&[9; 32]);
    let raw_vk = raw_key.verifying_key();
    let same_size = vec![0x5au8; payload.len()];
    let raw_sig = raw_key.sign(&same_size);
    let short = [0xa5u8; 64];
    let short_sig = raw_key.sign(&short);
    raw_vk.verify_strict(&same_size, &raw_sig).context("reference signature")?;
    let holder_size = vec![0x5au8; shown.len()];
    let holder_sig = raw_key.sign(&holder_size);

    let (mut scan, mut raw, mut raw64, mut ratios) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut held, mut holder_ratios) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let s = per_op_ns(PER_ROUND, || {
            let _ = black_box(verify(black_box(&payload), &trust, now));
        });
        let r = per_op_ns(PER_ROUND, || {
            let _ = black_box(raw_vk.verify_strict(black_box(&same_size), &raw_sig));
        });
        let r64 = per_op_ns(PER_ROUND, || {
            let _ = black_box(raw_vk.verify_strict(black_box(&short), &short_sig));
        });
        let h = per_op_ns(PER_ROUND, || {
            let _ = black_box(verify(black_box(&shown), &holder_trust, now));
        });
        let rh = per_op_ns(PER_ROUND, || {
            let _ = black_box(raw_vk.verify_strict(black_box(&holder_size), &holder_sig));
        });
        ratios.push(s / r);
        holder_ratios.push(h / rh);
        held.push(h);
        scan.push(s);
        raw.push(r);
        raw64.push(r64);
    }
    let (scan, raw, raw64, held) = (median(scan), median(raw), median(raw64), median(held));
    println!("\nVerification ({ROUNDS} alternating rounds of {PER_ROUND}, medians):");
    println!("  raw verify_strict, {}-byte message   {:>8.1} µs", payload.len(), raw / 1000.0);
    println!("  raw verify_strict, 64-byte message    {:>8.1} µs", raw64 / 1000.0);
    println!("  full scan-verify of the sample payload {:>7.1} µs", scan / 1000.0);
    println!("  overhead beyond the signature check   {:>8.1} µs", (scan - raw64) / 1000.0);
    println!("  scan-verify / raw (64-byte message)   {:>8.2}", scan / raw64);
    println!("  holder-bound scan-verify (DWP1H:)     {:>8.1} µs", held / 1000.0);
    println!("  holder-bound / raw (64-byte message)  {:>8.2}  (two signatures: about 2 at best)", held / raw64);
    let speedup = batch_speedup()?;
    println!("batch-verify speedup: {speedup:.2}");
    println!("scan-verify ratio: {:.2}", median(ratios));
    println!("holder-bound scan-verify ratio: {:.2}", median(holder_ratios));
    Ok(ExitCode::SUCCESS)
}
