//! `dwp bench instructions`: the verifier's ratios in instructions executed,
//! which a busy machine does not move, beside the wall-clock ones of `dwp
//! bench`. Each kernel (scan-verify, a raw `verify_strict` of a message as
//! long as the payload, their holder-bound counterparts, one-at-a-time and
//! batch verification with a bundle) runs in this binary under valgrind's
//! callgrind twice, `n` and `2n` times; the difference divided by `n` is the
//! kernel's instructions per operation, its set-up cancelled out.

use std::hint::black_box;
use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use ed25519_dalek::{Signer, SigningKey};

use dwp_verifier::time::UnixTime;
use dwp_verifier::verify::{Policy, verify, verify_many, verify_with_bundle};

use crate::bench::{batch_fixture, bench_permit, bench_presentation};
use crate::demo::SAMPLE_PERMIT;

/// Payloads checked per operation by the batch kernels.
const BATCH: u32 = 64;

/// The kernels, by name.
pub const KERNELS: [&str; 6] = ["scan", "raw", "holder", "raw-holder", "single", "batch"];

fn now() -> Result<UnixTime> {
    Ok(UnixTime::parse("2027-01-01T00:00:00Z")?)
}

/// Runs kernel `name` `n` times (what callgrind counts).
///
/// # Errors
/// An unknown kernel, or fixtures that cannot be made.
pub fn kernel(name: &str, n: u32) -> Result<()> {
    let now = now()?;
    let raw_key = SigningKey::from_bytes(&[9; 32]);
    let raw_vk = raw_key.verifying_key();
    match name {
        "scan" | "raw" => {
            let (payload, trust) = bench_permit(SAMPLE_PERMIT)?;
            let message = vec![0x5au8; payload.len()];
            let sig = raw_key.sign(&message);
            for _ in 0..n {
                if name == "scan" {
                    let _ = black_box(verify(black_box(&payload), &trust, now));
                } else {
                    let _ = black_box(raw_vk.verify_strict(black_box(&message), &sig));
                }
            }
        }
        "holder" | "raw-holder" => {
            let (shown, _, trust) = bench_presentation(SAMPLE_PERMIT, now)?;
            let message = vec![0x5au8; shown.len()];
            let sig = raw_key.sign(&message);
            for _ in 0..n {
                if name == "holder" {
                    let _ = black_box(verify(black_box(&shown), &trust, now));
                } else {
                    let _ = black_box(raw_vk.verify_strict(black_box(&message), &sig));
                }
            }
        }
        "single" | "batch" => {
            let (payloads, bundle, at) = batch_fixture(BATCH)?;
            let refs: Vec<&str> = payloads.iter().map(String::as_str).collect();
            for _ in 0..n {
                if name == "single" {
                    for p in &refs {
                        let _ = black_box(verify_with_bundle(black_box(p), &bundle, Policy::Inspector, at));
                    }
                } else {
                    let _ = black_box(verify_many(black_box(&refs), &bundle, Policy::Inspector, at));
                }
            }
        }
        other => bail!("no kernel {other:?} (one of {})", KERNELS.join(", ")),
    }
    Ok(())
}

/// The instructions callgrind counted for `dwp bench kernel NAME --n N`.
fn counted(exe: &Path, dir: &Path, name: &str, n: u32) -> Result<u64> {
    let out_file = dir.join(format!("callgrind.{name}.{n}"));
    let out = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(exe)
        .args(["bench", "kernel", name, "--n", &n.to_string()])
        .output()
        .context("running valgrind (install it: apt-get install valgrind)")?;
    if !out.status.success() {
        bail!("valgrind on the kernel {name}: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let text = std::fs::read_to_string(&out_file).with_context(|| format!("reading {}", out_file.display()))?;
    let total = text
        .lines()
        .find_map(|l| l.strip_prefix("summary:").or_else(|| l.strip_prefix("totals:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .context("callgrind wrote no instruction total")?;
    Ok(total)
}

/// Instructions per operation of each kernel, in [`KERNELS`] order.
fn measure(exe: &Path, dir: &Path, n: u32) -> Result<Vec<f64>> {
    let mut per_op = Vec::new();
    for name in KERNELS {
        let (once, twice) = (counted(exe, dir, name, n)?, counted(exe, dir, name, 2 * n)?);
        let ops = if name == "single" || name == "batch" { n * BATCH } else { n };
        per_op.push(twice.saturating_sub(once) as f64 / f64::from(ops));
    }
    Ok(per_op)
}

/// The ratios of one measurement: scan-verify, holder-bound, and the batch speedup.
fn ratios(m: &[f64]) -> [f64; 3] {
    [m[0] / m[1], m[2] / m[3], m[4] / m[5]]
}

/// `dwp bench instructions`: measures `runs` times and prints the ratios and how far they spread.
///
/// # Errors
/// Without valgrind, or when a kernel fails.
pub fn run(n: u32, runs: u32) -> Result<ExitCode> {
    if !(1..=10_000).contains(&n) || !(1..=10).contains(&runs) {
        bail!("--n must be 1..=10000 and --runs 1..=10");
    }
    let exe = std::env::current_exe().context("this binary's path")?;
    let dir = crate::registry_bench::scratch_dir()?;
    let profile =
        if cfg!(debug_assertions) { "a debug build: compare only with the same build" } else { "a release build" };
    println!(
        "instruction counts (valgrind callgrind; each kernel run {n} and {} times, the difference per operation; {profile})",
        2 * n
    );
    let mut all = Vec::new();
    for run in 1..=runs {
        let m = measure(&exe, &dir, n);
        let m = match m {
            Ok(m) => m,
            Err(e) => {
                std::fs::remove_dir_all(&dir).ok();
                return Err(e);
            }
        };
        let [scan, holder, batch] = ratios(&m);
        println!(
            "  run {run}: scan-verify {:.0} instructions, raw verify_strict {:.0}: ratio {scan:.3}; holder-bound \
             {:.0} vs {:.0}: ratio {holder:.3}; one at a time {:.0} vs batch {:.0} per permit: speedup {batch:.3}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        );
        all.push([scan, holder, batch]);
    }
    std::fs::remove_dir_all(&dir).ok();
    let names = ["scan-verify ratio", "holder-bound ratio", "batch-verify speedup"];
    for (i, name) in names.iter().enumerate() {
        let values: Vec<f64> = all.iter().map(|r| r[i]).collect();
        let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        println!(
            "{name} (instructions): {:.3}, spread {:.2} % across {runs} run(s)",
            values[0],
            (hi - lo) / lo * 100.0
        );
    }
    Ok(ExitCode::SUCCESS)
}
