//! `dwp partner`: the reference client of the signed exchange, for partner
//! agencies' developers: a key for their tests, and signed requests whose
//! signed answers are verified.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use dwp_issuer::keys::KeyPair;

use crate::files;
use crate::partner::{self, Answer, Outgoing};
use crate::registry::Clock;

#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Make an agency's Ed25519 key file (0600); print its public key, for the administrator to register.
    Keygen {
        /// Where to write the key file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign a request as a partner agency (RFC 9421, Content-Digest), send it, and verify the
    /// registry's signed answer. Exit 0: accepted (2xx) and the answer verified; 1: refused, the
    /// refusal verified; 2: the answer is not the registry's, or the request could not be sent.
    Request {
        /// The agency's key file (publicKeyMultibase + privateKeyMultibase).
        #[arg(long)]
        key: PathBuf,
        /// The key's registered id (the signature's `keyid`).
        #[arg(long)]
        keyid: String,
        /// Why (DWP-Purpose): `stay-extension` for a disclosure, `issuance` for a notification.
        #[arg(long, default_value = "stay-extension")]
        purpose: String,
        /// The agency's case number (DWP-Case).
        #[arg(long)]
        case: String,
        /// The agency's officer (DWP-Officer).
        #[arg(long)]
        officer: String,
        /// The registry's answer key, pinned: `KEYID=z6Mk…` (default: fetched from /x/v1/keys, and said so).
        #[arg(long)]
        registry_key: Option<String>,
        /// GET or POST.
        method: String,
        /// The absolute URL, e.g. https://dwp.doe.go.th/x/v1/estates/ESIE/permits?passport=…&nationality=MMR
        url: String,
        /// The body: a JSON file, or `-` for standard input.
        body: Option<PathBuf>,
    },
}

/// Runs a `dwp partner` command.
///
/// # Errors
/// When it could not run (exit code 2).
pub fn run(cmd: PartnerCommand) -> Result<ExitCode> {
    match cmd {
        PartnerCommand::Keygen { out } => {
            if out.exists() {
                bail!("{} exists; choose another path", out.display());
            }
            let pair = KeyPair::generate(None).map_err(|e| anyhow::anyhow!("{e}"))?;
            let text = serde_json::to_string_pretty(&pair.to_file(None))?;
            files::write_secret(&out, text.as_bytes())?;
            println!("{}", pair.public_multibase());
            eprintln!("key written to {} (0600); register its public key above with the registry", out.display());
            Ok(ExitCode::SUCCESS)
        }
        PartnerCommand::Request { key, keyid, purpose, case, officer, registry_key, method, url, body } => {
            let text = std::fs::read_to_string(&key).with_context(|| format!("reading {}", key.display()))?;
            let pair = KeyPair::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", key.display()))?;
            let body = match body {
                None => None,
                Some(p) if p.as_os_str() == "-" => {
                    let mut b = Vec::new();
                    std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).context("reading the body")?;
                    Some(b)
                }
                Some(p) => Some(std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?),
            };
            let method = method.to_ascii_uppercase();
            let pinned = registry_key
                .as_deref()
                .map(|s| s.split_once('=').map(|(k, m)| (m, k)).context("--registry-key is KEYID=z6Mk…"))
                .transpose()?;
            let (rkey, rkeyid, was_pinned) = partner::registry_key(&url, pinned)?;
            let out = Outgoing {
                method: &method,
                url: &url,
                body: body.as_deref(),
                purpose: &purpose,
                case: &case,
                officer: &officer,
                now: Clock::system().now().0,
            };
            let signed = partner::sign_request(&pair, &keyid, &out)?;
            let answer: Answer = partner::send(&out, &signed)?;
            println!("{}", String::from_utf8_lossy(&answer.body));
            match partner::verify_answer(&rkey, &rkeyid, &out, &signed, &answer) {
                Ok(()) => {
                    let how = if was_pinned { "pinned" } else { "fetched from the registry, not pinned" };
                    eprintln!(
                        "HTTP {} · the answer's signature verifies (key {rkeyid}, {how}) and binds this request",
                        answer.status
                    );
                    Ok(if (200..300).contains(&answer.status) { ExitCode::SUCCESS } else { ExitCode::from(1) })
                }
                Err(e) => {
                    eprintln!("HTTP {} · {e}", answer.status);
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}
