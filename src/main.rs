use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = dwp::cli::Cli::parse();
    match dwp::cli::run(cli) {
        Ok(code) => code,
        // A reader that stopped early (`dwp conformance --json | head`) is not an error.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
