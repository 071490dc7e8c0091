//! The conformance kit's runner: `dwp conformance DIR` runs the vectors of
//! `wallet-spec/vectors/` (written by `cargo run -p xtask -- vectors`) through
//! this verifier and prints pass/fail per vector.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::files;

/// Runs one vector; `Ok(actual)` is the outcome found.
pub fn run_vector(doc: &Value) -> Result<Value> {
    dwp_verifier::conformance::run_vector(doc).map_err(|e| anyhow::anyhow!(e))
}

/// `dwp conformance DIR`.
pub fn run(dir: &Path, json_lines: bool) -> Result<ExitCode> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.file_name().is_some_and(|n| n != "index.json"))
        .collect();
    names.sort();
    if names.is_empty() {
        bail!("no vectors (*.json) in {}", dir.display());
    }
    use std::io::Write as _;
    // Written, not printed: a reader that stops early (`| head`) ends the run quietly.
    let mut out = std::io::stdout().lock();
    let (mut pass, mut fail) = (0, 0);
    for path in &names {
        let doc: Value = serde_json::from_str(&files::read_text(path, "vector")?)
            .with_context(|| format!("vector {}", path.display()))?;
        let id = doc["id"].as_str().unwrap_or("?");
        let result = run_vector(&doc);
        if json_lines {
            let actual = result.as_ref().map(Value::clone).unwrap_or_else(|e| json!({ "error": format!("{e:#}") }));
            let ok = actual == doc["expected"];
            if ok {
                pass += 1
            } else {
                fail += 1
            }
            writeln!(out, "{}", json!({ "id": id, "actual": actual, "pass": ok }))?;
            continue;
        }
        match result {
            Ok(actual) if actual == doc["expected"] => {
                pass += 1;
                writeln!(out, "pass  {id:<32} {}", doc["expected"])?;
            }
            Ok(actual) => {
                fail += 1;
                writeln!(out, "FAIL  {id:<32} expected {} got {actual}", doc["expected"])?;
            }
            Err(e) => {
                fail += 1;
                writeln!(out, "FAIL  {id:<32} could not run: {e:#}")?;
            }
        }
    }
    if !json_lines {
        writeln!(out, "{pass} passed, {fail} failed, of {}", names.len())?;
    }
    Ok(if fail == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
