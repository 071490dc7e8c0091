//! `dwp vc`: signing and verifying any W3C Verifiable Credential (data model
//! 2.0 or 1.1) with Data Integrity EdDSA proofs (`eddsa-jcs-2022` or
//! `eddsa-rdfc-2022`): one proof, a proof set or a proof chain.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use serde_json::Value;

use dwp_issuer::keys::KeyPair;
use dwp_issuer::vc::{self, ProofOptions};
use dwp_verifier::ed25519::PublicKey;
use dwp_verifier::integrity::{KeySource, ProofExpectations, ProofPurpose};
use dwp_verifier::multikey;

use crate::files;
use crate::registry::Clock;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Cryptosuite {
    #[value(name = "eddsa-jcs-2022")]
    EddsaJcs2022,
    #[value(name = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
}

impl From<Cryptosuite> for vc::Cryptosuite {
    fn from(c: Cryptosuite) -> Self {
        match c {
            Cryptosuite::EddsaJcs2022 => vc::Cryptosuite::EddsaJcs2022,
            Cryptosuite::EddsaRdfc2022 => vc::Cryptosuite::EddsaRdfc2022,
        }
    }
}

/// Reads a `proofPurpose` flag.
pub fn parse_purpose(s: &str) -> Result<ProofPurpose, String> {
    ProofPurpose::parse(s).ok_or_else(|| {
        "one of assertionMethod, authentication, capabilityInvocation, capabilityDelegation, keyAgreement".into()
    })
}

#[derive(Debug, Subcommand)]
pub enum VcCommand {
    /// Add a DataIntegrityProof to a credential and print it. The credential must conform to the
    /// VC data model (2.0 or 1.1); a credential that already has proofs gets one more (a proof set),
    /// or with --previous-proof a link of a proof chain.
    Sign {
        /// Key pair file (publicKeyMultibase + privateKeyMultibase).
        #[arg(long)]
        key: PathBuf,
        /// The cryptosuite.
        #[arg(long, value_enum)]
        cryptosuite: Cryptosuite,
        /// Proof creation time, an XML Schema dateTime with a time zone (default: now).
        #[arg(long)]
        created: Option<String>,
        /// The verificationMethod (default: the key file's id, else did:key:X#X).
        #[arg(long)]
        verification_method: Option<String>,
        /// The proofPurpose.
        #[arg(long, default_value = "assertionMethod", value_parser = parse_purpose)]
        proof_purpose: ProofPurpose,
        /// The new proof's id (e.g. urn:uuid:…), so that a later proof can chain to it.
        #[arg(long, value_name = "ID")]
        proof_id: Option<String>,
        /// Chain the new proof to the document's proof with this id (repeat for several).
        #[arg(long, value_name = "ID")]
        previous_proof: Vec<String>,
        /// The credential.
        doc: PathBuf,
    },
    /// Verify every proof of a signed credential (one proof, a set or a chain); exit 0 if all
    /// verify, 1 if not. Without --key or --did-doc, did:key verification methods resolve to
    /// their own key.
    Verify {
        /// A key file with publicKeyMultibase: every proof must verify under it.
        #[arg(long, conflicts_with = "did_doc")]
        key: Option<PathBuf>,
        /// A DID document that lists each proof's verificationMethod under its proof purpose.
        #[arg(long)]
        did_doc: Option<PathBuf>,
        /// The proofPurpose every proof must name.
        #[arg(long, default_value = "assertionMethod", value_parser = parse_purpose)]
        proof_purpose: ProofPurpose,
        /// The time to check proofs' expires against (RFC 3339, UTC; default: now).
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// The signed credential.
        signed: PathBuf,
    },
}

/// Runs a `dwp vc` command: 0 signed or verified, 1 not verified.
///
/// # Errors
/// When an input cannot be read or the document cannot be signed.
pub fn run(cmd: VcCommand) -> Result<ExitCode> {
    match cmd {
        VcCommand::Sign {
            key,
            cryptosuite,
            created,
            verification_method,
            proof_purpose,
            proof_id,
            previous_proof,
            doc,
        } => {
            let pair = KeyPair::from_json(&files::read_text(&key, "key")?)
                .with_context(|| format!("key {}", key.display()))?;
            let doc_value: Value = serde_json::from_str(&files::read_text(&doc, "document")?)
                .with_context(|| format!("document {}", doc.display()))?;
            let created = created.unwrap_or_else(|| Clock::system().now().to_string());
            let vm =
                verification_method.or_else(|| pair.id.clone()).unwrap_or_else(|| pair.did_key_verification_method());
            let options = ProofOptions {
                cryptosuite: cryptosuite.into(),
                created,
                verification_method: vm,
                purpose: proof_purpose,
                id: proof_id,
                previous_proof,
            };
            let signed =
                vc::add_proof(&doc_value, &pair, &options).with_context(|| format!("signing {}", doc.display()))?;
            println!("{}", serde_json::to_string_pretty(&signed)?);
            Ok(ExitCode::SUCCESS)
        }
        VcCommand::Verify { key, did_doc, proof_purpose, now, signed } => {
            let value: Value = serde_json::from_str(&files::read_text(&signed, "signed document")?)
                .with_context(|| format!("document {}", signed.display()))?;
            let now = match now {
                Some(t) => super::parse_time(&t, "--now")?,
                None => Clock::system().now(),
            };
            let key = match key {
                Some(k) => {
                    let v: Value = serde_json::from_str(&files::read_text(&k, "key")?)
                        .with_context(|| format!("key {}", k.display()))?;
                    let bytes = v
                        .get("publicKeyMultibase")
                        .and_then(Value::as_str)
                        .and_then(multikey::decode_public)
                        .with_context(|| format!("key {} has no Ed25519 publicKeyMultibase", k.display()))?;
                    match PublicKey::from_bytes(&bytes) {
                        Ok(p) => Some(p),
                        Err(e) => bail!("key {}: {e}", k.display()),
                    }
                }
                None => None,
            };
            let doc = match did_doc {
                Some(d) => Some(
                    serde_json::from_str::<Value>(&files::read_text(&d, "DID document")?)
                        .with_context(|| format!("DID document {}", d.display()))?,
                ),
                None => None,
            };
            let source = match (&key, &doc) {
                (Some(k), _) => KeySource::Key(k),
                (None, Some(d)) => KeySource::DidDocument(d),
                (None, None) => KeySource::DidKey,
            };
            Ok(report(vc::verify_credential(&value, source, &ProofExpectations::new(proof_purpose, now))))
        }
    }
}

fn report(result: Result<Vec<vc::VerifiedProof>, vc::VcError>) -> ExitCode {
    match result {
        Ok(proofs) => {
            for p in &proofs {
                println!("verified: {} proof by {}", p.cryptosuite.as_str(), p.verification_method);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("not verified: {e}");
            ExitCode::from(1)
        }
    }
}
