//! `dwp payments reconcile`: asks the registry to read a day's payments from
//! the bank and record those whose callback never came; prints what it found.
//! The token (admin or registrar) comes from `DWP_TOKEN`, never from a flag.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::{Value, json};

#[derive(Debug, Subcommand)]
pub enum PaymentsCommand {
    /// Settle a day's payments whose bank callback never came (run each morning for the day before).
    Reconcile {
        /// The day, in Bangkok: YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// The registry's base URL (http://host:port).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        registry: String,
        /// An admin or registrar token; read from the environment only.
        #[arg(long = "token-env", default_value = "DWP_TOKEN", value_name = "VAR")]
        token_env: String,
    },
}

/// Runs a `dwp payments` command.
///
/// # Errors
/// When the registry cannot be reached or refuses.
pub fn run(cmd: PaymentsCommand) -> Result<ExitCode> {
    match cmd {
        PaymentsCommand::Reconcile { date, registry, token_env } => {
            dwp_verifier::time::Date::parse(&date).map_err(|e| anyhow::anyhow!("--date {date:?}: {e} (YYYY-MM-DD)"))?;
            let token = std::env::var(&token_env)
                .ok()
                .filter(|t| !t.trim().is_empty())
                .with_context(|| format!("set {token_env} to an admin or registrar token of the registry"))?;
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(600)))
                .build()
                .into();
            let url = format!("{}/v1/payments/reconcile", registry.trim_end_matches('/'));
            eprintln!("asking {registry} to reconcile the payments of {date} with the bank…");
            let mut resp = agent
                .post(&url)
                .header("authorization", &format!("Bearer {}", token.trim()))
                .send_json(json!({ "date": date }))
                .with_context(|| format!("reaching the registry at {registry}"))?;
            let status = resp.status().as_u16();
            let body: Value = resp.body_mut().read_json().unwrap_or(Value::Null);
            if status != 200 {
                let detail = body["detail"].as_str().or(body["title"].as_str()).unwrap_or("no detail");
                bail!("the registry refused (HTTP {status}, {}): {detail}", body["code"].as_str().unwrap_or("?"));
            }
            let n = |k: &str| body[k].as_u64().unwrap_or(0);
            println!(
                "{date}: {} payment(s) listed by the bank; {} already recorded, {} applied now, {} to the reconciliation queue",
                n("listed"),
                n("alreadyRecorded"),
                n("applied"),
                n("queued")
            );
            if n("queued") > 0 {
                println!("the queue: GET {registry}/v1/payments/queue");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
