//! `dwp bench`: the speed and size figures (`crate::bench`), or a registry
//! driven over loopback (`crate::registry_bench`).

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Drive a registry over loopback (SQLite, and PostgreSQL when reachable) and print throughput and p99 latency.
    Registry {
        /// Issuances per run (status changes: the same number).
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// PostgreSQL server to benchmark too (a scratch database is created and dropped).
        #[arg(long, default_value = "postgres://127.0.0.1:5432/postgres")]
        postgres: String,
        /// Skip PostgreSQL.
        #[arg(long)]
        sqlite_only: bool,
        /// Store personal data in clear, to compare with the sealed run (never what `dwp serve` does).
        #[arg(long)]
        no_encryption: bool,
        /// With a token, each engine is run twice, the issuer key in a file then in the token (the
        /// PIN in DWP_HSM_PIN or --hsm-pin-file), and the token's cost is printed as a ratio.
        #[command(flatten)]
        hsm: super::serve::HsmArgs,
    },
    /// The application journey through the API, sustained (submit, pay by the bank simulator, the
    /// bank's callback, identity, approval): applications per second and p99 per step, on SQLite
    /// and PostgreSQL when reachable, against the 90,000 a day the incumbent system could not take.
    Applications {
        /// Applications per engine.
        #[arg(long, default_value_t = 1000)]
        applications: usize,
        /// Concurrent clients (each takes its applications through every step).
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// PostgreSQL server to benchmark too (a scratch database is created and dropped).
        #[arg(long, default_value = "postgres://127.0.0.1:5432/postgres")]
        postgres: String,
        /// Skip PostgreSQL.
        #[arg(long)]
        sqlite_only: bool,
    },
    /// The verifier's ratios in instructions executed (valgrind's callgrind), which a busy machine
    /// does not move: scan-verify and holder-bound against raw verify_strict, batch against one at a time.
    Instructions {
        /// Operations per kernel run (each kernel runs n and 2n times).
        #[arg(long, default_value_t = 50)]
        n: u32,
        /// Measurements, to show how far they spread.
        #[arg(long, default_value_t = 2)]
        runs: u32,
    },
    /// The verifier bundle at national scale (115 shards hold 15 million permits): its size raw and
    /// gzip against the 2 MB goal, and the time to build and check it; `--out` keeps it.
    Bundle {
        /// Status lists of each purpose.
        #[arg(long, default_value_t = 115)]
        shards: u32,
        /// Where to write the bundle.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Where to write a permit of the same issuer that the bundle says is active.
        #[arg(long)]
        payload_out: Option<std::path::PathBuf>,
    },
    /// One kernel of `dwp bench instructions`, run under callgrind.
    #[command(hide = true)]
    Kernel {
        /// The kernel.
        name: String,
        /// How many times.
        #[arg(long)]
        n: u32,
    },
    /// Issue the sample permit with an in-memory key and with a key in a PKCS#11 token (the PIN in
    /// DWP_HSM_PIN or --hsm-pin-file), and print the cost of signing in the token as a ratio.
    Signer {
        /// Issuances a round with each signer.
        #[arg(long, default_value_t = 200)]
        per_round: u32,
        /// The token.
        #[command(flatten)]
        hsm: super::serve::HsmArgs,
    },
}

/// Runs `dwp bench`, or the benchmark named.
///
/// # Errors
/// When a benchmark could not run.
pub fn run(what: Option<BenchCommand>) -> Result<ExitCode> {
    match what {
        None => crate::bench::run(),
        Some(BenchCommand::Registry { requests, concurrency, postgres, sqlite_only, no_encryption, hsm }) => {
            let sealing = match no_encryption {
                true => crate::registry_bench::Sealing::Off,
                false => crate::registry_bench::Sealing::On,
            };
            if hsm.hsm_module.is_some() && hsm.hsm_key.is_none() {
                anyhow::bail!("--hsm-module: give --hsm-key, the label of the issuer key in the token");
            }
            let postgres = (!sqlite_only).then_some(postgres.as_str());
            crate::registry_bench::run(requests, concurrency, postgres, sealing, hsm.config().as_ref())
        }
        Some(BenchCommand::Applications { applications, concurrency, postgres, sqlite_only }) => {
            crate::applications_bench::run(applications, concurrency, (!sqlite_only).then_some(postgres.as_str()))
        }
        Some(BenchCommand::Bundle { shards, out, payload_out }) => {
            crate::bench_bundle::run(shards, out.as_deref(), payload_out.as_deref())
        }
        Some(BenchCommand::Instructions { n, runs }) => crate::bench_instructions::run(n, runs),
        Some(BenchCommand::Kernel { name, n }) => {
            crate::bench_instructions::kernel(&name, n)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(BenchCommand::Signer { per_round, hsm }) => {
            let config = hsm.config().context("give --hsm-module, --hsm-token and --hsm-key")?;
            crate::signer_bench::run(&config, per_round)
        }
    }
}
