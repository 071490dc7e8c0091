//! `dwp bank-sim`: the bank simulator's flags.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

/// The flags of `dwp bank-sim`.
#[derive(Debug, Args)]
pub struct BankSimArgs {
    /// Address to listen on (loopback only).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// The registry's payment callback URL (http://…), called with POST for each payment.
    #[arg(long)]
    pub callback: String,
    /// A bearer token sent with every callback.
    #[arg(long, env = "DWP_BANK_SIM_CALLBACK_TOKEN")]
    pub callback_token: Option<String>,
}

/// Runs the simulator until SIGTERM or ctrl-c.
///
/// # Errors
/// When it cannot listen or the callback URL is not http://.
pub fn run(args: BankSimArgs) -> Result<ExitCode> {
    let config = crate::banksim::Config { callback: args.callback, callback_token: args.callback_token };
    crate::banksim::run(&args.listen, config)
}
