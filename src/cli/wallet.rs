//! `dwp wallet`: a reference holder, for tests and for partners building their
//! own wallets. `keygen` writes a holder key (the key file `dwp keys generate`
//! writes, with a `did:key` as its id) and prints its `did:key`, which goes into
//! `worker.holderKey` at issuance; `present` turns a permit bound to that key
//! into a `DWP1H:` presentation for the current 30-second step
//! (`wallet-spec/SPEC.md` §12).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use dwp_issuer::keys::KeyPair;
use dwp_issuer::qr::Qr;
use dwp_verifier::{codec, holder};

use super::parse_time;
use crate::files;
use crate::registry::Clock;

#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Write a new holder key file (mode 0600) and print its did:key (for worker.holderKey).
    Keygen {
        /// The key file to write; an existing file is never replaced.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the holder-bound DWP1H: presentation of a permit bound to KEY.
    Present {
        /// The holder key file (from `dwp wallet keygen`).
        #[arg(long)]
        key: PathBuf,
        /// The permit's DWP1: payload, or - to read it from standard input.
        #[arg(long)]
        payload: String,
        /// Present as of this instant (default: now), YYYY-MM-DDTHH:MM:SSZ.
        #[arg(long)]
        now: Option<String>,
    },
}

/// Runs a `dwp wallet` command.
///
/// # Errors
/// When a file cannot be read or written, or the permit is not bound to the key (exit code 2).
pub fn run(cmd: WalletCommand) -> Result<ExitCode> {
    match cmd {
        WalletCommand::Keygen { out } => {
            let mut key = KeyPair::generate(None)?;
            key.id = Some(key.did_key_verification_method());
            let file = serde_json::to_string_pretty(&key.to_file(Some(&key.did_key())))?;
            files::write_secret(&out, file.as_bytes())?;
            eprintln!("wrote the holder key {} (mode 0600)", out.display());
            println!("{}", key.did_key());
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Present { key, payload, now } => {
            let key = KeyPair::from_json(&files::read_text(&key, "holder key")?)
                .with_context(|| format!("reading {}", key.display()))?;
            let payload = read_payload(&payload)?;
            let now = match &now {
                Some(n) => parse_time(n, "--now")?,
                None => Clock::system().now(),
            };
            if payload.starts_with(holder::PREFIX) {
                bail!("--payload is already a presentation; give the permit's DWP1: payload");
            }
            let signed = codec::decode(&payload).context("the --payload is not a permit")?;
            if signed.permit().holder_key() != Some(key.public()) {
                bail!("the permit is not bound to this key (its credentialSubject.id is another key, or none)");
            }
            let step = u64::try_from(holder::step_of(now)).context("--now is before 1970")?;
            let signature = key.sign(&holder::to_sign(&payload, step)?);
            let presentation = holder::assemble(&payload, step, &signature)?;
            let qr = Qr::new(&presentation)?;
            eprintln!(
                "presentation: {} characters, QR version {} at error correction Q, step {step}",
                presentation.len(),
                qr.version()
            );
            println!("{presentation}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_payload(arg: &str) -> Result<String> {
    if arg != "-" {
        return Ok(arg.trim().to_string());
    }
    use std::io::Read;
    let mut s = String::new();
    std::io::stdin()
        .take(codec::MAX_PAYLOAD_CHARS as u64 * 4)
        .read_to_string(&mut s)
        .context("reading standard input")?;
    Ok(s.trim().to_string())
}
