//! Running one conformance vector of `wallet-spec/vectors/` (the format is in
//! that directory's README). Shared by `dwp conformance` and the WASM build, so
//! that both run the same steps.

use serde_json::{Value, json};

use crate::bundle::{Bundle, BundleError};
use crate::holder::{Holder, HolderWindow};
use crate::multikey;
use crate::policy::{Audience, EmployerScope};
use crate::time::UnixTime;
use crate::verify::{self, Policy};

/// Runs a vector and returns the outcome found, in the form of its `expected`.
///
/// # Errors
/// A sentence when the vector itself is not readable (no root, no bundle…).
pub fn run_vector(doc: &Value) -> Result<Value, String> {
    let root = doc["root"].as_str().and_then(multikey::decode_public).ok_or("vector has no root key")?;
    let input = &doc["input"];
    if input.get("held").is_some() {
        let held = Bundle::verify(&input["held"].to_string(), Some(&root)).map_err(|e| format!("held bundle: {e}"))?;
        let candidate = Bundle::verify(&input["candidate"].to_string(), Some(&root)).and_then(Bundle::strict);
        return Ok(match candidate.and_then(|c| c.check_not_older_than(&held)) {
            Ok(()) => json!({ "accepted": true, "error": null }),
            Err(BundleError::Rollback(_)) => json!({ "accepted": false, "error": "rollback" }),
            Err(_) => json!({ "accepted": false, "error": "invalid" }),
        });
    }
    let bundle = Bundle::verify(&input["bundle"].to_string(), Some(&root)).map_err(|e| format!("bundle: {e}"))?;
    let policy = Policy::parse(input["policy"].as_str().unwrap_or("")).ok_or("unknown policy")?;
    let now = UnixTime::parse(input["now"].as_str().unwrap_or("")).map_err(|e| format!("now: {e}"))?;
    let payload = input["payload"].as_str().ok_or("no payload")?;
    let window = match input.get("holderToleranceSeconds") {
        None => HolderWindow::DEFAULT,
        Some(v) => v
            .as_u64()
            .and_then(|s| u32::try_from(s).ok())
            .and_then(HolderWindow::with_tolerance)
            .ok_or("holderToleranceSeconds is not a tolerance")?,
    };
    let audience = audience(input)?;
    Ok(match verify::verify_with_bundle_within(payload, &bundle, policy, now, window, &audience) {
        // A holder-bound permit's outcome also names the holder state and its warning (§12).
        Ok(v) if v.holder() != Holder::Unbound => json!({
            "valid": true, "reason": null, "detail": null,
            "holder": v.holder().as_str(), "warning": v.holder().warning().map(|c| c.as_str()),
        }),
        Ok(_) => json!({ "valid": true, "reason": null, "detail": null }),
        Err(r) => json!({ "valid": false, "reason": r.code(), "detail": r.detail() }),
    })
}

/// The vector's `employer` (`{juristicId, province?, industrialEstate?}`): absent, the verdict is
/// for anyone.
fn audience(input: &Value) -> Result<Audience, String> {
    let Some(e) = input.get("employer") else { return Ok(Audience::Anyone) };
    let part = |k: &str| e.get(k).and_then(Value::as_str);
    let id = part("juristicId").ok_or("employer has no juristicId")?;
    EmployerScope::parse(id, part("province"), part("industrialEstate"))
        .map(Audience::Employer)
        .map_err(|e| format!("employer: {e}"))
}
