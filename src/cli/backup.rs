//! `dwp backup` and `dwp restore` (`crate::registry::backup`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

/// The flags of `dwp backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The registry's data directory (its SQLite file; PostgreSQL when DATABASE_URL=postgres://…).
    #[arg(long, default_value = "dwp-data")]
    pub data: PathBuf,
    /// The backup file to write (never overwritten; mode 0600).
    #[arg(long)]
    pub to: PathBuf,
    /// The master key file, if not the default (see `dwp serve --master-key`).
    #[arg(long, value_name = "PATH")]
    pub master_key: Option<PathBuf>,
}

/// The flags of `dwp restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The registry's data directory, with its key folder, journal and high-water mark. Stop the
    /// registry first (every instance, when several share the database).
    #[arg(long, default_value = "dwp-data")]
    pub data: PathBuf,
    /// The backup file (`dwp backup --to`).
    #[arg(long)]
    pub from: PathBuf,
    /// The master key file, if not the default.
    #[arg(long, value_name = "PATH")]
    pub master_key: Option<PathBuf>,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// Runs `dwp backup`.
///
/// # Errors
/// When the copy cannot be made.
pub fn backup(args: BackupArgs) -> Result<ExitCode> {
    let keys = crate::registry::config::key_source(&args.data, args.master_key.as_deref(), None);
    runtime()?.block_on(crate::registry::backup::backup(&args.data, &args.to, &keys))?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `dwp restore`.
///
/// # Errors
/// When the backup cannot be put back.
pub fn restore(args: RestoreArgs) -> Result<ExitCode> {
    let keys = crate::registry::config::key_source(&args.data, args.master_key.as_deref(), None);
    runtime()?.block_on(crate::registry::backup::restore(&args.data, &args.from, &keys))?;
    Ok(ExitCode::SUCCESS)
}
