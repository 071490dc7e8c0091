use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = dwp::cli::Cli::parse();
    match dwp::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
