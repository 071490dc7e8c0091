//! `dwp bench bundle`: the verifier bundle at national scale, without a
//! registry of that size: `--shards N` status lists of each purpose (115 hold
//! 15 million permits at 131,072 a list), 1 % of the entries revoked and
//! 0.5 % suspended at random (a fixed seed), each list signed by the bench
//! issuer now, the bundle checked by the verifier crate. Prints its size raw
//! and gzip against the 2 MB goal, and the time to build and to check it.
//! `--out` keeps the bundle and `--payload-out` a permit of the same issuer on
//! an index that is neither revoked nor suspended (what the page test loads).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};

use dwp_issuer::keys::KeyPair;
use dwp_issuer::sign::issue_permit;
use dwp_issuer::status::{ListInfo, sign_status_list};
use dwp_issuer::trust::sign_trust_list;
use dwp_verifier::bundle::Bundle;
use dwp_verifier::credential::{Issuance, KeyRef, StatusPurpose, StatusRef};
use dwp_verifier::permit::Permit;
use dwp_verifier::status::Bitstring;
use dwp_verifier::time::UnixTime;

use crate::demo::SAMPLE_PERMIT;
use crate::issuance::LIST_ENTRIES;

const DID: &str = "did:web:dwp.doe.go.th";
/// The goal for the bundle of 15 million permits, gzip.
const GOAL_GZIP_BYTES: usize = 2_000_000;

/// A small deterministic generator (xorshift64*): the same bits on every run.
struct Bits(u64);

impl Bits {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// Builds, checks and measures the bundle of `shards` lists of each purpose.
///
/// # Errors
/// When a list cannot be signed or the bundle is refused by the verifier.
pub fn run(shards: u32, out: Option<&Path>, payload_out: Option<&Path>) -> Result<ExitCode> {
    if !(1..=2000).contains(&shards) {
        bail!("--shards must be 1..=2000");
    }
    let key = KeyPair::from_seed(&[42; 32], Some(format!("{DID}#key-1")));
    let root = KeyPair::from_seed(&[43; 32], None);
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let now = UnixTime(i64::try_from(secs)?);
    let entry = dwp_issuer::trust::trusted_issuer(
        DID,
        &dwp_issuer::trust::Authority::demo(),
        &key,
        UnixTime(now.0 - 86_400),
        UnixTime(now.0 + 3650 * 86_400),
    );
    let trust = sign_trust_list(&root, 1, now, vec![entry])?;
    let vm = key.id.clone().unwrap_or_default();
    let entries = LIST_ENTRIES as usize;
    let started = Instant::now();
    let mut rng = Bits(0x5EED_DA7A_2569_0001);
    let mut lists = Vec::new();
    for shard in 1..=shards {
        for (purpose, per_mille) in [(StatusPurpose::Revocation, 10u64), (StatusPurpose::Suspension, 5)] {
            let mut bits = Bitstring::zeroed(entries);
            for _ in 0..(entries as u64 * per_mille / 1000) {
                bits.set(usize::try_from(rng.below(entries as u64))?, true);
            }
            let info = ListInfo {
                issuer: DID,
                verification_method: &vm,
                shard,
                purpose,
                sequence: 1,
                valid_from: now,
                valid_until: UnixTime(now.0 + 7 * 86_400),
                ttl_ms: 300_000,
            };
            lists.push(sign_status_list(&info, &bits, &key)?);
        }
    }
    let bundle = serde_json::json!({
        "type": "DwpVerifierBundle", "version": 1, "issued": now.to_string(), "issuer": DID,
        "trustList": trust, "statusLists": lists, "contexts": {},
    })
    .to_string();
    let built = started.elapsed();
    let started = Instant::now();
    let checked = Bundle::verify(&bundle, Some(&root.public()))?.strict()?;
    let check = started.elapsed();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bundle.as_bytes())?;
    let gzip = gz.finish()?.len();
    let permits = u64::from(shards) * u64::from(LIST_ENTRIES);
    println!("bundle of {shards} shards × 2 purposes ({permits} permit entries; 1 % revoked, 0.5 % suspended)");
    println!(
        "  size: {} bytes raw, {gzip} bytes gzip ({:.0} % of the 2 MB goal)",
        bundle.len(),
        gzip as f64 * 100.0 / GOAL_GZIP_BYTES as f64
    );
    println!(
        "  built and signed in {:.2} s; checked by the verifier in {:.1} ms",
        built.as_secs_f64(),
        check.as_secs_f64() * 1000.0
    );
    if let Some(path) = out {
        crate::files::write_public(path, bundle.as_bytes())?;
        println!("  written to {}", path.display());
    }
    if let Some(path) = payload_out {
        // An index of the last shard that is neither revoked nor suspended.
        let index = (0..LIST_ENTRIES)
            .find(|i| {
                [StatusPurpose::Revocation, StatusPurpose::Suspension].iter().all(|p| {
                    checked.list(&(DID.to_string(), *p, shards)).is_some_and(|l| l.bits.get(*i as usize) == Some(false))
                })
            })
            .unwrap_or(0);
        let issuance = Issuance::new(DID, KeyRef::Numbered(1), now, StatusRef { shard: shards, index })?;
        let issued = issue_permit(Permit::from_json(SAMPLE_PERMIT)?, issuance, &key)?;
        crate::files::write_public(path, issued.payload.as_bytes())?;
        println!("  a permit on status list {shards}, index {index}: {}", path.display());
    }
    let verdict = if gzip <= GOAL_GZIP_BYTES { "within" } else { "over" };
    println!("bundle gzip / goal: {:.2} ({verdict} the goal)", gzip as f64 / GOAL_GZIP_BYTES as f64);
    Ok(ExitCode::SUCCESS)
}
