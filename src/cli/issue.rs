//! `dwp issue`: signing a permit with a key folder and printing its DWP1: QR
//! payload, optionally writing the QR image and the W3C credential.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::Value;

use dwp_issuer::qr::Qr;
use dwp_verifier::credential::StatusRef;
use dwp_verifier::permit::Permit;

use super::parse_time;
use crate::files;
use crate::issuance::{issue_with, random_index};
use crate::registry::Clock;

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// Directory holding issuer-key.json.
    #[arg(long)]
    pub keys: PathBuf,
    /// The permit (PERMIT.json).
    #[arg(long)]
    pub permit: PathBuf,
    /// Write the QR code as PNG.
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// Write the QR code as SVG.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Write the full W3C credential JSON.
    #[arg(long)]
    pub vc: Option<PathBuf>,
    /// Proof creation time (default: now), YYYY-MM-DDTHH:MM:SSZ.
    #[arg(long)]
    pub created: Option<String>,
    /// Status-list shard (the registry assigns it; default 1).
    #[arg(long, default_value_t = 1)]
    pub status_shard: u32,
    /// Status-list index (the registry assigns it; default: drawn at random below 131072).
    #[arg(long)]
    pub status_index: Option<u32>,
}

/// Signs the permit and prints its payload.
///
/// # Errors
/// When the permit or the key cannot be read, or an output cannot be written.
pub fn run(args: &IssueArgs) -> Result<ExitCode> {
    let permit = Permit::from_json(&files::read_text(&args.permit, "permit")?)
        .with_context(|| format!("permit {}", args.permit.display()))?;
    let created = match &args.created {
        Some(c) => parse_time(c, "--created")?,
        None => Clock::system().now(),
    };
    let index = match args.status_index {
        Some(i) => i,
        None => random_index().context("system random source")?,
    };
    let issued = issue_with(&args.keys, permit, created, StatusRef { shard: args.status_shard, index })?;
    let qr = Qr::new(&issued.payload)?;
    if let Some(path) = &args.png {
        files::write_public(path, &qr.png(8)?)?;
    }
    if let Some(path) = &args.svg {
        files::write_public(path, qr.svg().as_bytes())?;
    }
    if let Some(path) = &args.vc {
        let value: Value = serde_json::from_str(&issued.credential_json)?;
        files::write_public(path, serde_json::to_string_pretty(&value)?.as_bytes())?;
    }
    eprintln!("payload: {} characters, QR version {} at error correction Q", issued.payload.len(), qr.version());
    println!("{}", issued.payload);
    Ok(ExitCode::SUCCESS)
}
