//! `dwp bench`: the speed and size figures (`crate::bench`), or a registry
//! driven over loopback (`crate::registry_bench`).

use std::process::ExitCode;

use anyhow::Result;
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
    },
}

/// Runs `dwp bench`, or the benchmark named.
///
/// # Errors
/// When a benchmark could not run.
pub fn run(what: Option<BenchCommand>) -> Result<ExitCode> {
    match what {
        None => crate::bench::run(),
        Some(BenchCommand::Registry { requests, concurrency, postgres, sqlite_only, no_encryption }) => {
            let sealing = match no_encryption {
                true => crate::registry_bench::Sealing::Off,
                false => crate::registry_bench::Sealing::On,
            };
            crate::registry_bench::run(requests, concurrency, (!sqlite_only).then_some(postgres.as_str()), sealing)
        }
    }
}
