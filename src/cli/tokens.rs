//! `dwp tokens`: creating, listing and revoking the registry's API tokens.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token and print it on standard output (it is stored hashed and shown once).
    Create {
        /// Data directory of the registry (ignored when DATABASE_URL is set).
        #[arg(long, default_value = "dwp-data")]
        data: PathBuf,
        /// admin, registrar, officer, employer, partner, inspector or auditor.
        #[arg(long)]
        role: String,
        /// Employer: the juristic ID; partner: industrial-estate codes, comma-separated.
        #[arg(long)]
        scope: Option<String>,
        /// A note for the audit log (who holds the token).
        #[arg(long)]
        label: Option<String>,
        /// Days until the token expires (1 to 3650).
        #[arg(long, default_value_t = crate::registry::DEFAULT_TOKEN_DAYS)]
        days: u32,
    },
    /// List the registry's tokens: id, role, scope, label, created, expires, state (never a secret).
    List {
        /// Data directory of the registry (ignored when DATABASE_URL is set).
        #[arg(long, default_value = "dwp-data")]
        data: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token at once (its id, from `dwp tokens list`).
    Revoke {
        /// Data directory of the registry (ignored when DATABASE_URL is set).
        #[arg(long, default_value = "dwp-data")]
        data: PathBuf,
        /// The token's id (`tok_…`).
        id: String,
    },
}

/// Runs a `dwp tokens` command.
///
/// # Errors
/// When the registry's database cannot be opened or written.
pub fn run(cmd: TokensCommand) -> Result<ExitCode> {
    match cmd {
        TokensCommand::Create { data, role, scope, label, days } => {
            crate::registry::create_token_cli(&data, &role, scope.as_deref(), label.as_deref(), days)
        }
        TokensCommand::List { data, json } => crate::registry::list_tokens_cli(&data, json),
        TokensCommand::Revoke { data, id } => crate::registry::revoke_token_cli(&data, &id),
    }
}
