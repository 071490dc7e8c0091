//! `dwp vc`: signing and verifying any W3C VC 2.0 document with a Data
//! Integrity EdDSA proof (`eddsa-jcs-2022` or `eddsa-rdfc-2022`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use serde_json::Value;

use dwp_issuer::keys::KeyPair;
use dwp_issuer::sign;
use dwp_verifier::ed25519::PublicKey;
use dwp_verifier::multikey;
use dwp_verifier::proof;

use super::parse_time;
use crate::files;
use crate::registry::Clock;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Cryptosuite {
    #[value(name = "eddsa-jcs-2022")]
    EddsaJcs2022,
    #[value(name = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
}

#[derive(Debug, Subcommand)]
pub enum VcCommand {
    /// Add a DataIntegrityProof to a JSON document and print it.
    Sign {
        /// Key pair file (publicKeyMultibase + privateKeyMultibase).
        #[arg(long)]
        key: PathBuf,
        /// The cryptosuite.
        #[arg(long, value_enum)]
        cryptosuite: Cryptosuite,
        /// Proof creation time (default: now).
        #[arg(long)]
        created: Option<String>,
        /// The verificationMethod (default: the key file's id, else did:key:X#X).
        #[arg(long)]
        verification_method: Option<String>,
        /// The unsigned document.
        doc: PathBuf,
    },
    /// Verify a signed document's proof; exit 0 if it verifies, 1 if not.
    Verify {
        /// A key file with publicKeyMultibase.
        #[arg(long, conflicts_with = "did_doc", required_unless_present = "did_doc")]
        key: Option<PathBuf>,
        /// A DID document that lists the proof's verificationMethod under assertionMethod.
        #[arg(long)]
        did_doc: Option<PathBuf>,
        /// The signed document.
        signed: PathBuf,
    },
}

/// Runs a `dwp vc` command: 0 signed or verified, 1 not verified.
///
/// # Errors
/// When an input cannot be read or the document cannot be signed.
pub fn run(cmd: VcCommand) -> Result<ExitCode> {
    match cmd {
        VcCommand::Sign { key, cryptosuite, created, verification_method, doc } => {
            let pair = KeyPair::from_json(&files::read_text(&key, "key")?)
                .with_context(|| format!("key {}", key.display()))?;
            let doc_value: Value = serde_json::from_str(&files::read_text(&doc, "document")?)
                .with_context(|| format!("document {}", doc.display()))?;
            let created = match created {
                Some(c) => parse_time(&c, "--created")?.to_string(),
                None => Clock::system().now().to_string(),
            };
            let vm =
                verification_method.or_else(|| pair.id.clone()).unwrap_or_else(|| pair.did_key_verification_method());
            let signed = match cryptosuite {
                Cryptosuite::EddsaJcs2022 => sign::sign_jcs(&doc_value, &pair, &created, &vm)?,
                Cryptosuite::EddsaRdfc2022 => sign::sign_rdfc(&doc_value, &pair, &created, &vm)?,
            };
            println!("{}", serde_json::to_string_pretty(&signed)?);
            Ok(ExitCode::SUCCESS)
        }
        VcCommand::Verify { key, did_doc, signed } => {
            let value: Value = serde_json::from_str(&files::read_text(&signed, "signed document")?)
                .with_context(|| format!("document {}", signed.display()))?;
            let vm = value
                .get("proof")
                .and_then(|p| p.get("verificationMethod"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let key_bytes = match (key, did_doc) {
                (Some(k), _) => {
                    let v: Value = serde_json::from_str(&files::read_text(&k, "key")?)
                        .with_context(|| format!("key {}", k.display()))?;
                    v.get("publicKeyMultibase")
                        .and_then(Value::as_str)
                        .and_then(multikey::decode_public)
                        .with_context(|| format!("key {} has no Ed25519 publicKeyMultibase", k.display()))?
                }
                (None, Some(d)) => {
                    let doc: Value = serde_json::from_str(&files::read_text(&d, "DID document")?)
                        .with_context(|| format!("DID document {}", d.display()))?;
                    match proof::key_in_did_document(&doc, &vm) {
                        Some(k) => k,
                        None => {
                            println!("not verified: the DID document does not list {vm:?} as an assertion method");
                            return Ok(ExitCode::from(1));
                        }
                    }
                }
                (None, None) => bail!("give --key or --did-doc"),
            };
            let public = match PublicKey::from_bytes(&key_bytes) {
                Ok(p) => p,
                Err(e) => {
                    println!("not verified: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            let suite =
                value.get("proof").and_then(|p| p.get("cryptosuite")).and_then(Value::as_str).unwrap_or_default();
            let result = match suite {
                "eddsa-rdfc-2022" => sign::verify_rdfc(&value, &public).map_err(|e| e.to_string()),
                _ => proof::verify_jcs(&value, &public).map(|_| ()).map_err(|e| e.to_string()),
            };
            match result {
                Ok(()) => {
                    println!("verified: {suite} proof by {vm}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("not verified: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
