//! `dwp trust sign`: the root's one act, on the offline machine that keeps
//! its key. It reads a draft trust list (from `dwp keys rotate` or `dwp keys
//! compromise`), shows what it says, and writes it signed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use dwp_issuer::keys::KeyPair;
use dwp_issuer::trust::sign_trust_list;
use dwp_verifier::trust::{TrustList, TrustListDocument};

use crate::files;
use crate::registry::Clock;

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Sign a draft trust list with the root key (on the offline machine), after showing it.
    Sign {
        /// The root's secret key file (root-key.json).
        #[arg(long, value_name = "PATH")]
        root: PathBuf,
        /// The draft (unsigned) trust list.
        #[arg(long, value_name = "PATH")]
        draft: PathBuf,
        /// The trust list published now, if at hand: the draft must come after it.
        #[arg(long, value_name = "PATH")]
        previous: Option<PathBuf>,
        /// Where the signed list goes (never overwritten).
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
}

/// Runs a `dwp trust` command.
///
/// # Errors
/// When a file cannot be read or written, or the draft is not a trust list.
pub fn run(cmd: TrustCommand) -> Result<ExitCode> {
    match cmd {
        TrustCommand::Sign { root, draft, previous, out } => sign(&root, &draft, previous.as_deref(), &out),
    }
}

fn sign(root: &Path, draft: &Path, previous: Option<&Path>, out: &Path) -> Result<ExitCode> {
    let key = KeyPair::from_json(&files::read_text(root, "root key")?)
        .with_context(|| format!("reading {}", root.display()))?;
    let doc: TrustListDocument = serde_json::from_str(&files::read_text(draft, "draft trust list")?)
        .with_context(|| format!("{} is not a trust list", draft.display()))?;
    if doc.proof.is_some() {
        bail!("{} is signed already; sign a draft (dwp keys rotate or dwp keys compromise write one)", draft.display());
    }
    if let Some(previous) = previous {
        let text = files::read_text(previous, "previous trust list")?;
        let before = TrustList::verify(&text, Some(&key.public()))
            .with_context(|| format!("{} is not a trust list signed by this root", previous.display()))?;
        if doc.sequence <= before.sequence() {
            bail!(
                "the draft has sequence {}, not above the {} of {}",
                doc.sequence,
                before.sequence(),
                previous.display()
            );
        }
    }
    if out.exists() {
        bail!("{} exists; refusing to overwrite it", out.display());
    }
    let now = Clock::system().now();
    eprintln!("trust list {} (issued {now}):", doc.sequence);
    for issuer in &doc.issuers {
        eprintln!("  {} ({})", issuer.id, issuer.name.get("en").map_or("", String::as_str));
        for k in &issuer.keys {
            let state = match &k.revoked {
                Some(t) => format!("COMPROMISED as of {t}"),
                None => "in use".into(),
            };
            eprintln!("    {}  {}  {} … {}  {state}", k.id, k.public_key_multibase, k.valid_from, k.valid_until);
        }
    }
    let signed = sign_trust_list(&key, doc.sequence, now, doc.issuers)?;
    let text = serde_json::to_string_pretty(&signed)?;
    TrustList::verify(&text, Some(&key.public())).context("the signed list does not read back")?;
    files::write_public(out, text.as_bytes())?;
    println!("wrote {} signed by {}", out.display(), key.did_key());
    Ok(ExitCode::SUCCESS)
}
