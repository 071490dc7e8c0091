//! `dwp bundle`: keeping the verifier bundle for offline status checks
//! (`crate::field`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Download (or copy) the registry's verifier bundle, check every piece, and store it; an older bundle
    /// than the one already stored is refused.
    Fetch {
        /// The registry (http://host:port, or the full /v1/bundle URL), or a bundle file.
        #[arg(long)]
        from: String,
        /// Where the bundle is kept.
        #[arg(long)]
        out: PathBuf,
        /// The pinned root key (z6Mk… or a JSON file with publicKeyMultibase). Without it, the root of the
        /// bundle already stored is kept; on first fetch, the bundle's root is accepted and shown.
        #[arg(long)]
        root: Option<String>,
    },
}

/// Runs a `dwp bundle` command.
///
/// # Errors
/// When the bundle cannot be fetched, checked or stored.
pub fn run(cmd: BundleCommand) -> Result<ExitCode> {
    match cmd {
        BundleCommand::Fetch { from, out, root } => crate::field::fetch(&from, &out, root.as_deref()),
    }
}
