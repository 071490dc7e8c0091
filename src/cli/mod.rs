//! The `dwp` command line: argument definitions and the dispatch to one runner
//! per subcommand. Exit codes: 0 valid/done, 1 rejected, 2 could not run.

pub mod backup;
pub mod banksim;
pub mod bench;
pub mod bundle;
pub mod expand;
pub mod issue;
pub mod keys;
pub mod partner;
pub mod payments;
pub mod serve;
pub mod tokens;
pub mod trust;
pub mod vc;
pub mod vcapi;
pub mod verify;
pub mod wallet;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use dwp_verifier::time::UnixTime;

/// Digital Work Permit: issue, print and verify work permits as W3C Verifiable Credentials in QR codes.
#[derive(Debug, Parser)]
#[command(name = "dwp", version, about, long_about = None, after_help = "Exit codes: 0 valid or done, 1 rejected, 2 could not run.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate demo keys, issue the sample permit, show its QR and verify it offline.
    Demo {
        /// Where the demo keys and files go.
        #[arg(long, default_value = "dwp-demo")]
        out: PathBuf,
    },
    /// Issuer and root keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Sign a permit (PERMIT.json) and print its DWP1: QR payload.
    Issue(issue::IssueArgs),
    /// Print the W3C credential (with its proof) rebuilt from a payload.
    Expand {
        /// The DWP1: payload.
        payload: String,
        /// Print the RFC 8785 canonical form (the bytes that are hashed) instead of indented JSON.
        #[arg(long)]
        canonical: bool,
    },
    /// Verify a permit offline: signature, validity and issuer trust.
    Verify(verify::VerifyArgs),
    /// Sign or verify any W3C VC 2.0 document with a Data Integrity EdDSA proof.
    #[command(subcommand)]
    Vc(vc::VcCommand),
    /// A conformance tool: the W3C VC API's issue and verify endpoints, for the W3C
    /// interoperability test suites, with its own test key (never the registry's).
    ///
    /// A conformance tool, not part of the registry: serves POST /credentials/issue and POST
    /// /credentials/verify of the W3C CCG VC API for the W3C interoperability test suites (EdDSA
    /// cryptosuites, Bitstring Status List). It signs any conforming credential it is sent as the
    /// did:key of its own test key, verifies any eddsa-jcs-2022 or eddsa-rdfc-2022 credential
    /// (proof sets and chains included, did:key verification methods), and keeps nothing. It
    /// refuses the registry's issuer and root keys.
    VcApi(vcapi::VcApiArgs),
    /// Measure verification speed and payload sizes (prints ratios measured in one run).
    Bench {
        #[command(subcommand)]
        what: Option<bench::BenchCommand>,
    },
    /// Run the registry service (SQLite in DIR by default; PostgreSQL when DATABASE_URL=postgres://…).
    // A flag given twice takes its last value (a supervisor's defaults, then the site's own).
    #[command(args_override_self = true)]
    Serve(Box<serve::ServeArgs>),
    /// API tokens of the registry.
    #[command(subcommand)]
    Tokens(tokens::TokensCommand),
    /// The trust list's root, on its offline machine: sign a draft list.
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// The verifier bundle, for offline status checks.
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    /// A reference holder wallet: a holder key, and the holder-bound DWP1H: presentation of a permit.
    #[command(subcommand)]
    Wallet(wallet::WalletCommand),
    /// A bank simulator for the demonstration and the tests (loopback only, never production): pays
    /// Thai QR bill-payment QRs and calls the registry back as Thai banks do.
    BankSim(banksim::BankSimArgs),
    /// A consistent copy of the registry's database (SQLite beside a running registry; pg_dump).
    Backup(backup::BackupArgs),
    /// Put a backup back (the registry stopped), moved on past what was published since it.
    Restore(backup::RestoreArgs),
    /// The signed exchange's reference client, for partner agencies' developers.
    #[command(subcommand)]
    Partner(partner::PartnerCommand),
    /// Fee payments: reconcile a day's payments with the bank.
    #[command(subcommand)]
    Payments(payments::PaymentsCommand),
    /// Run a directory of conformance vectors (wallet-spec/vectors) and print pass/fail per vector.
    Conformance {
        /// The directory of vectors (written by `cargo run -p xtask -- vectors`).
        dir: PathBuf,
        /// Print each vector's outcome as a JSON line (`{"id", "actual", "pass"}`) instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Reads a time argument, naming the flag when it is not one.
fn parse_time(s: &str, what: &str) -> Result<UnixTime> {
    UnixTime::parse(s).with_context(|| format!("{what} {s:?}"))
}

/// Runs a command.
///
/// # Errors
/// When the command could not run (exit code 2).
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Demo { out } => crate::demo::run(&out),
        Command::Keys(cmd) => keys::run(cmd),
        Command::Issue(args) => issue::run(&args),
        Command::Expand { payload, canonical } => expand::run(&payload, canonical),
        Command::Verify(args) => verify::run(&args),
        Command::Vc(cmd) => vc::run(cmd),
        Command::VcApi(args) => vcapi::run(args),
        Command::Bench { what } => bench::run(what),
        Command::Serve(args) => serve::run(*args),
        Command::Conformance { dir, json } => crate::conformance::run(&dir, json),
        Command::Bundle(cmd) => bundle::run(cmd),
        Command::Tokens(cmd) => tokens::run(cmd),
        Command::Trust(cmd) => trust::run(cmd),
        Command::Wallet(cmd) => wallet::run(cmd),
        Command::BankSim(args) => banksim::run(args),
        Command::Payments(cmd) => payments::run(cmd),
        Command::Partner(cmd) => partner::run(cmd),
        Command::Backup(args) => backup::backup(args),
        Command::Restore(args) => backup::restore(args),
    }
}
