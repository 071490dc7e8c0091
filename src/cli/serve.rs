//! `dwp serve`: the registry service's flags, turned into its configuration.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use super::keys::AuthorityArgs;

/// The flags of `dwp serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Data directory: the SQLite file and the keys (generated on first start).
    #[arg(long, default_value = "dwp-data")]
    pub data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The issuer DID for keys generated on first start (default: did:web of the listen address).
    #[arg(long)]
    pub did: Option<String>,
    /// The authority named in the trust list of keys generated on first start.
    #[command(flatten)]
    pub authority: AuthorityArgs,
    /// How log lines (one per request, on stderr) are written.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: crate::registry::observe::LogFormat,
    /// Days a new API token lives unless its creator says otherwise (1 to 3650).
    #[arg(long, default_value_t = crate::registry::DEFAULT_TOKEN_DAYS)]
    pub token_days: u32,
    /// Seconds a client has to send a whole request head (from the connection, or from the
    /// first byte of a later request on a kept-alive connection).
    #[arg(long, default_value_t = 10, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_secs: u64,
    /// Seconds a connection may stay open with no byte moving while no request is being handled
    /// (keep-alive between requests, or a client that stops reading its response).
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,
    /// Connections served at once; one more gets 503 with Retry-After. Lowered if the
    /// open-file limit is too small for it.
    #[arg(long, default_value_t = 1024, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// Seconds SIGTERM or ctrl-c waits for requests in flight before closing what is left.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub shutdown_grace_secs: u64,
    /// The issuer key in a hardware security module.
    #[command(flatten)]
    pub hsm: HsmArgs,
    /// The master key in a hardware security module.
    #[command(flatten)]
    pub hsm_master: HsmMasterArgs,
    /// The master key file that seals personal data at rest (mode 0600, created on the
    /// registry's first start). Default: DWP_MASTER_KEY_FILE, else `<data>.master-key.json`
    /// beside the data directory; keep it apart from the database and its backups.
    #[arg(long, value_name = "PATH", conflicts_with = "hsm_master_key")]
    pub master_key: Option<PathBuf>,
    /// A production registry: it never makes its key set (made with `dwp keys generate` on the
    /// offline machine that keeps the root key) and refuses to start with the root's secret key
    /// in its data directory. Without it, a root secret there is a demonstration's, and said so.
    #[arg(long, env = "DWP_PRODUCTION")]
    pub production: bool,
    /// Serve Prometheus metrics at /metrics on this address (a listener of its own, for the
    /// operator's network; never on the public one), e.g. 127.0.0.1:9464.
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
    /// The application journey: fees, the biller id, the bank.
    #[command(flatten)]
    pub journey: JourneyArgs,
}

/// How applications are charged and their payments confirmed.
#[derive(Debug, Args)]
pub struct JourneyArgs {
    /// The fee schedule, a JSON file (see the README); default: 100 THB to apply and 750 / 1,500 /
    /// 3,000 / 6,000 THB for a permit of up to 3 / 6 / 12 / 24 months.
    #[arg(long, value_name = "PATH")]
    pub fee_schedule: Option<PathBuf>,
    /// The collecting agency's biller id on fee QRs: its 13-digit tax id and a 2-digit suffix.
    /// Default: the demonstration's (refused with --production).
    #[arg(long, value_name = "DIGITS", env = "DWP_BILLER_ID")]
    pub biller_id: Option<String>,
    /// The bank's API base URL: the registry asks it to confirm every payment callback
    /// (GET <url>/transactions/<id>) and for a day's payments (`dwp payments reconcile`).
    /// Without it, no fee can be marked paid.
    #[arg(long, value_name = "URL", env = "DWP_BANK_URL")]
    pub bank_url: Option<String>,
    /// A permit category whose applications need no identity verification before review
    /// (repeatable; by default every category needs one).
    #[arg(long, value_name = "CATEGORY")]
    pub no_identity_check: Vec<String>,
}

/// Where the issuer key lives when it is in a PKCS#11 token. The user PIN is read from the
/// environment variable DWP_HSM_PIN or from `--hsm-pin-file`, never from a flag.
#[derive(Debug, Args)]
pub struct HsmArgs {
    /// The PKCS#11 module (shared library), e.g. /usr/lib/softhsm/libsofthsm2.so. With it and
    /// --hsm-key, the issuer key is generated in the token on first start (sensitive,
    /// non-extractable) and every permit and status list is signed there; no issuer key file is
    /// written.
    #[arg(long, value_name = "PATH", requires = "hsm_token")]
    pub hsm_module: Option<PathBuf>,
    /// The token's label.
    #[arg(long, value_name = "LABEL", requires = "hsm_module")]
    pub hsm_token: Option<String>,
    /// The issuer key's label in the token.
    #[arg(long, value_name = "LABEL", requires = "hsm_module")]
    pub hsm_key: Option<String>,
    /// A file holding the token's user PIN (instead of DWP_HSM_PIN).
    #[arg(long, value_name = "PATH", requires = "hsm_module")]
    pub hsm_pin_file: Option<PathBuf>,
}

/// The master key that seals personal data, in a PKCS#11 token (the module, token and PIN of
/// [`HsmArgs`]).
#[derive(Debug, Args)]
pub struct HsmMasterArgs {
    /// The label of an AES-256 key in the token (--hsm-token) that wraps the data keys of personal
    /// data, instead of the master key file: generated in the token on the registry's first start
    /// (sensitive, non-extractable); the blind-index key is kept wrapped by it in
    /// `<data>.index-key.json` beside the data directory.
    #[arg(long, value_name = "LABEL", requires = "hsm_module")]
    pub hsm_master_key: Option<String>,
}

impl HsmArgs {
    /// The issuer key's token, when a module and a key label are given.
    pub fn config(self) -> Option<crate::hsm::HsmConfig> {
        self.with_key(None)
    }

    /// The token with `label` as the key (else the issuer key's label), when a module is given.
    pub fn with_key(&self, label: Option<&str>) -> Option<crate::hsm::HsmConfig> {
        let key = label.or(self.hsm_key.as_deref())?;
        Some(crate::hsm::HsmConfig {
            module: self.hsm_module.clone()?,
            token: self.hsm_token.clone()?,
            key: key.to_string(),
            pin_file: self.hsm_pin_file.clone(),
        })
    }
}

/// Checks the flags and runs the registry until it is stopped.
///
/// # Errors
/// When a flag is out of range or the registry cannot start.
pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let ServeArgs {
        data,
        listen,
        did,
        authority,
        log_format,
        token_days,
        header_timeout_secs,
        idle_timeout_secs,
        max_connections,
        shutdown_grace_secs,
        hsm,
        hsm_master,
        master_key,
        production,
        metrics_listen,
        journey,
    } = args;
    let journey = crate::registry::journey::Journey::from_flags(
        journey.fee_schedule.as_deref(),
        journey.biller_id.as_deref(),
        journey.bank_url.as_deref(),
        &journey.no_identity_check,
        production,
    )?;
    if hsm.hsm_module.is_some() && hsm.hsm_key.is_none() && hsm_master.hsm_master_key.is_none() {
        anyhow::bail!("--hsm-module: give --hsm-key (the issuer key), --hsm-master-key (the master key), or both");
    }
    let hsm_master = hsm_master.hsm_master_key.as_deref().and_then(|label| hsm.with_key(Some(label)));
    crate::registry::auth::check_days(token_days).map_err(|e| anyhow::anyhow!("--token-days: {e}"))?;
    let limits = crate::registry::listen::Limits {
        header_read_timeout: Duration::from_secs(header_timeout_secs),
        idle_timeout: Duration::from_secs(idle_timeout_secs),
        max_connections: usize::try_from(max_connections).context("--max-connections")?,
        shutdown_grace: Duration::from_secs(shutdown_grace_secs),
    };
    let config = crate::registry::ServeConfig {
        did: did.unwrap_or_else(|| crate::registry::default_did(&listen)),
        data,
        listen,
        authority: authority.authority()?,
        token_days,
        limits,
        hsm: hsm.config(),
        log_format,
        master_key,
        production,
        metrics_listen,
        hsm_master,
        journey,
    };
    crate::registry::serve(config)
}
