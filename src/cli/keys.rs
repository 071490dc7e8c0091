//! `dwp keys`: generating a key folder (`crate::keyfiles`), and the authority
//! flags that `keys generate` and `serve` share.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use dwp_issuer::trust::Authority;

use crate::keyfiles::generate_keys;
use crate::registry::Clock;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write issuer-key.json, root-key.json (both mode 0600), did.json, trust-list.json and root-public-key.json.
    Generate {
        /// The directory to write to (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The issuer DID.
        #[arg(long, default_value = "did:web:dwp.doe.go.th")]
        did: String,
        #[command(flatten)]
        authority: AuthorityArgs,
    },
    /// Make the registry's next issuer key (`#key-N`: a file of mode 0600, or a key in the token
    /// with --hsm-module) and draft the trust list that names it from now. The root signs the
    /// draft offline (`dwp trust sign`) and `POST /v1/trust-list` publishes it; the registry then
    /// signs with the new key. A demonstration's key folder, which holds the root secret, signs
    /// and publishes at once.
    Rotate {
        /// The registry's data directory (DATABASE_URL names a PostgreSQL database instead).
        #[arg(long, default_value = "dwp-data")]
        data: PathBuf,
        /// Where the draft goes (default: trust-list-draft-SEQUENCE.json here).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// The new key in a hardware security module (the label of the new key).
        #[command(flatten)]
        hsm: super::serve::HsmArgs,
    },
    /// Draft the trust list that holds an issuer key compromised as of an instant: verifiers
    /// refuse what it signed from then on, and once the list is published the registry re-issues
    /// every live permit it signed under the key that signs now. Rotate first.
    Compromise {
        /// The registry's data directory (DATABASE_URL names a PostgreSQL database instead).
        #[arg(long, default_value = "dwp-data")]
        data: PathBuf,
        /// The key's verification method, e.g. did:web:dwp.doe.go.th#key-1.
        #[arg(long)]
        key: String,
        /// The instant from which it is held compromised (RFC 3339, UTC), e.g. 2026-12-01T08:00:00Z.
        #[arg(long, value_name = "TIME")]
        as_of: String,
        /// Where the draft goes (default: trust-list-draft-SEQUENCE.json here).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Make a new master key (the one that seals personal data at rest) and re-wrap every data
    /// key under it; the rows are not rewritten. Run it with the registry stopped.
    RotateMaster {
        /// The registry's data directory (DATABASE_URL names a PostgreSQL database instead).
        #[arg(long, default_value = "dwp-data")]
        data: PathBuf,
        /// The master key file, if not DWP_MASTER_KEY_FILE or `<data>.master-key.json`.
        #[arg(long, value_name = "PATH")]
        master_key: Option<PathBuf>,
        /// Move the data keys from the master key file to this AES key in a PKCS#11 token
        /// (generated there if absent), instead of making a new master key file; the key file is
        /// removed once every data key is re-wrapped. The PIN in DWP_HSM_PIN or --hsm-pin-file.
        #[arg(long, value_name = "LABEL", requires_all = ["hsm_module", "hsm_token"])]
        hsm_master_key: Option<String>,
        /// The PKCS#11 module (shared library) of --hsm-master-key.
        #[arg(long, value_name = "PATH", requires = "hsm_master_key")]
        hsm_module: Option<PathBuf>,
        /// The token's label.
        #[arg(long, value_name = "LABEL", requires = "hsm_master_key")]
        hsm_token: Option<String>,
        /// A file holding the token's user PIN (instead of DWP_HSM_PIN).
        #[arg(long, value_name = "PATH", requires = "hsm_master_key")]
        hsm_pin_file: Option<PathBuf>,
    },
}

/// The issuing authority's name, as the trust list gives it to verifiers.
#[derive(Debug, Clone, Args)]
pub struct AuthorityArgs {
    /// The authority's name in English.
    #[arg(long, default_value = "Department of Employment")]
    pub authority_name: String,
    /// The authority's name in Thai.
    #[arg(long, default_value = "กรมการจัดหางาน")]
    pub authority_name_th: String,
}

impl AuthorityArgs {
    /// The authority, its names checked as permit texts are.
    ///
    /// # Errors
    /// Naming the flag whose text breaks a rule.
    pub fn authority(&self) -> Result<Authority> {
        dwp_verifier::text::check(&self.authority_name, 200).map_err(|e| anyhow::anyhow!("--authority-name {e}"))?;
        dwp_verifier::text::check(&self.authority_name_th, 200)
            .map_err(|e| anyhow::anyhow!("--authority-name-th {e}"))?;
        Ok(Authority { en: self.authority_name.clone(), th: self.authority_name_th.clone() })
    }
}

/// Runs a `dwp keys` command.
///
/// # Errors
/// When the authority's names break a rule or the keys cannot be written.
pub fn run(cmd: KeysCommand) -> Result<ExitCode> {
    match cmd {
        KeysCommand::Generate { out, did, authority } => {
            generate_keys(&out, &did, &authority.authority()?, Clock::system().now())?;
            println!(
                "wrote issuer-key.json, root-key.json (mode 0600), did.json, trust-list.json, root-public-key.json to {}",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Rotate { data, out, hsm } => {
            crate::registry::rotation::rotate_cli(&data, hsm.config(), out.as_deref())
        }
        KeysCommand::Compromise { data, key, as_of, out } => {
            let as_of = super::parse_time(&as_of, "--as-of")?;
            crate::registry::rotation::compromise_cli(&data, &key, as_of, out.as_deref())
        }
        KeysCommand::RotateMaster { data, master_key, hsm_master_key, hsm_module, hsm_token, hsm_pin_file } => {
            match (hsm_master_key, hsm_module, hsm_token) {
                (Some(key), Some(module), Some(token)) => {
                    let config = crate::hsm::HsmConfig { module, token, key, pin_file: hsm_pin_file };
                    crate::registry::rotate::rotate_into_token_cli(&data, master_key.as_deref(), &config)
                }
                _ => crate::registry::rotate::rotate_master_cli(&data, master_key.as_deref()),
            }
        }
    }
}
