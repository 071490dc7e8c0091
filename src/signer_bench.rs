//! `dwp bench signer`: what signing in a hardware token costs. The same
//! permit is issued (signed, round-tripped through its payload, and its
//! signature checked) with an in-memory key and with the token's key, in
//! alternating rounds, and the median round of each is compared.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use dwp_issuer::keys::KeyPair;
use dwp_issuer::sign::issue_permit;
use dwp_issuer::signer::Signer;
use dwp_verifier::credential::{Issuance, KeyRef, StatusRef};
use dwp_verifier::permit::Permit;
use dwp_verifier::time::UnixTime;

use crate::demo::SAMPLE_PERMIT;
use crate::hsm::{HsmConfig, Pkcs11Signer};

const ROUNDS: usize = 7;

fn issue_round(signer: &dyn Signer, permit: &Permit, issuance: &Issuance, n: u32) -> Result<f64> {
    let start = Instant::now();
    for _ in 0..n {
        issue_permit(permit.clone(), issuance.clone(), signer).context("issuing")?;
    }
    Ok(start.elapsed().as_secs_f64() * 1000.0 / f64::from(n))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs the signer benchmark: `per_round` issuances a round with each signer.
///
/// # Errors
/// When the token cannot be opened or a signature fails.
pub fn run(config: &HsmConfig, per_round: u32) -> Result<ExitCode> {
    if !(1..=100_000).contains(&per_round) {
        bail!("--per-round must be 1..=100000");
    }
    let token = Pkcs11Signer::open(config, true)?;
    let memory = KeyPair::generate(None)?;
    let permit = Permit::from_json(SAMPLE_PERMIT).context("the sample permit")?;
    let created = UnixTime::parse("2026-11-24T03:04:05Z")?;
    let issuance =
        Issuance::new("did:web:dwp.doe.go.th", KeyRef::Numbered(1), created, StatusRef { shard: 1, index: 7 })?;
    let (mut mem, mut hsm) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        mem.push(issue_round(&memory, &permit, &issuance, per_round)?);
        hsm.push(issue_round(&token, &permit, &issuance, per_round)?);
    }
    let (mem, hsm) = (median(mem), median(hsm));
    println!(
        "signer bench: the sample permit issued {per_round} times a round, {ROUNDS} alternating rounds, median round"
    );
    println!("  in-memory key:          {mem:.3} ms an issuance ({:.0}/s)", 1000.0 / mem);
    println!("  token key (token {:?}): {hsm:.3} ms an issuance ({:.0}/s)", config.token, 1000.0 / hsm);
    println!("  token/in-memory ratio: {:.2}", hsm / mem);
    Ok(ExitCode::SUCCESS)
}
