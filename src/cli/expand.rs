//! `dwp expand`: the W3C credential, with its proof, rebuilt from a payload (or
//! from the credential inside a holder-bound `DWP1H:` presentation).

use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::Value;

use dwp_verifier::holder;

/// Prints the credential of `payload`: indented, or in its canonical form.
///
/// # Errors
/// When the payload does not decode.
pub fn run(payload: &str, canonical: bool) -> Result<ExitCode> {
    let (signed, _) = holder::decode(payload.trim()).context("decoding the payload")?;
    let text = signed.credential_json();
    if canonical {
        println!("{text}");
    } else {
        let value: Value = serde_json::from_str(&text).context("re-reading the credential")?;
        println!("{}", serde_json::to_string_pretty(&value)?);
    }
    Ok(ExitCode::SUCCESS)
}
