//! `cargo run -p xtask -- vectors [DIR]`: the project's development tools,
//! kept out of the shipped `dwp` binary.

mod vectors;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next(), args.next()) {
        (Some("vectors"), dir, None) => {
            let dir = dir.map(PathBuf::from).unwrap_or_else(|| PathBuf::from("wallet-spec/vectors"));
            match vectors::generate(&dir) {
                Ok(n) => {
                    println!("wrote {n} vectors to {}", dir.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
        _ => {
            eprintln!(
                "usage: cargo run -p xtask -- vectors [DIR]   (writes the conformance vectors; default wallet-spec/vectors)"
            );
            ExitCode::from(2)
        }
    }
}
