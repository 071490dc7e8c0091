//! `dwp vc-api`: the flags of the W3C VC API conformance service ([`crate::vcapi`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use dwp_issuer::keys::KeyPair;

use super::vc::Cryptosuite;
use crate::files;
use crate::keyfiles::{ISSUER_KEY, ROOT_KEY, ROOT_PUBLIC, TRUST_LIST};
use crate::registry::Clock;
use crate::vcapi::{Issuer, run as serve};

/// The flags of `dwp vc-api`.
#[derive(Debug, Args)]
pub struct VcApiArgs {
    /// The test key pair file (publicKeyMultibase + privateKeyMultibase); never a registry key.
    #[arg(long)]
    pub key: PathBuf,
    /// Write a new test key to --key first (mode 0600); refused if the file exists.
    #[arg(long)]
    pub generate_key: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: String,
    /// The cryptosuite of the proofs it issues (it verifies both).
    #[arg(long, value_enum, default_value = "eddsa-rdfc-2022")]
    pub cryptosuite: Cryptosuite,
}

/// Runs the service until SIGTERM or ctrl-c.
///
/// # Errors
/// When the key cannot be read or written, is a registry key, or the address cannot be bound.
pub fn run(args: VcApiArgs) -> Result<ExitCode> {
    if args.generate_key {
        if args.key.exists() {
            bail!("--generate-key: {} exists; it is never overwritten", args.key.display());
        }
        let pair = KeyPair::generate(None).context("generating the test key")?;
        let file = serde_json::to_string_pretty(&pair.to_file(None))?;
        files::write_secret(&args.key, file.as_bytes())?;
        eprintln!("vc-api: wrote a new test key to {}", args.key.display());
    }
    let name = args.key.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if name == ISSUER_KEY || name == ROOT_KEY {
        bail!("--key {}: a registry key file; dwp vc-api takes its own test key (--generate-key)", args.key.display());
    }
    let key = KeyPair::from_json(&files::read_text(&args.key, "key")?)
        .with_context(|| format!("key {}", args.key.display()))?;
    if let Some(id) = key.id.as_deref()
        && !id.starts_with("did:key:")
    {
        bail!(
            "--key {}: the key of {id}, an issuer's key; dwp vc-api signs as did:key with its own test key (--generate-key)",
            args.key.display()
        );
    }
    // A registry's key folder names its keys in its public files: a key they name is not a test key.
    let folder = args.key.parent().unwrap_or_else(|| std::path::Path::new("."));
    let public = key.public_multibase();
    for named_by in ["did.json", TRUST_LIST, ROOT_PUBLIC] {
        let path = folder.join(named_by);
        if std::fs::read_to_string(&path).is_ok_and(|text| text.contains(&public)) {
            bail!(
                "--key {}: {} names this key, so it is a registry key; dwp vc-api takes its own test key (--generate-key)",
                args.key.display(),
                path.display()
            );
        }
    }
    serve(&args.listen, Issuer { key, cryptosuite: args.cryptosuite.into(), clock: Clock::system() })
}
