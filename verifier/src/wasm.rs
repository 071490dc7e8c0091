//! JavaScript bindings for the browser verifier (feature `wasm`): the same
//! verification as the command line, compiled to WebAssembly. The page passes
//! the bundle, the payload and the time; nothing here reads a clock or the network.

use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use crate::bundle::Bundle;
use crate::multikey;
use crate::time::UnixTime;
use crate::verify::{self, Policy, VALID_TEXT, reason_text};

/// A verifier holding a checked bundle.
#[wasm_bindgen]
pub struct WasmVerifier {
    bundle: Bundle,
}

fn seconds(t: UnixTime) -> f64 {
    t.0 as f64
}

#[wasm_bindgen]
impl WasmVerifier {
    /// Checks a bundle (its trust list against `root`, a `z6Mk…` key, when given).
    ///
    /// # Errors
    /// The reason the bundle was refused.
    #[wasm_bindgen(constructor)]
    pub fn new(bundle_json: &str, root: Option<String>) -> Result<WasmVerifier, JsError> {
        let pinned = match root {
            Some(r) => Some(multikey::decode_public(&r).ok_or_else(|| JsError::new("the root key is not z6Mk…"))?),
            None => None,
        };
        let bundle = Bundle::verify(bundle_json, pinned.as_ref()).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(WasmVerifier { bundle })
    }

    /// The verdict on a payload at `now` (Unix seconds) under `policy`, as JSON:
    /// `valid`, `reason`, `detail`, `message` {en, th}, `statusAsOf` (Unix seconds or null), `permit`.
    pub fn verify(&self, payload: &str, policy: &str, now: f64) -> String {
        let policy = Policy::parse(policy).unwrap_or(Policy::Inspector);
        let now = UnixTime(now as i64);
        let verdict = verify::verify_with_bundle(payload.trim(), &self.bundle, policy, now);
        let as_of = verify::status_as_of(&verdict).map(seconds);
        let value = match &verdict {
            Ok(v) => json!({
                "valid": true, "reason": null, "detail": null,
                "message": { "en": VALID_TEXT.0, "th": VALID_TEXT.1 },
                "statusAsOf": as_of, "permit": v.display_fields(),
            }),
            Err(r) => {
                let (en, th) = reason_text(r.code());
                // After the signature check, the permit is authentic: show whose it is.
                let permit = match crate::codec::decode(payload.trim()) {
                    Ok(sp) if r.signature_verified() => {
                        let issuer = self.bundle.trust().issuer(sp.issuance().issuer());
                        verify::display_fields(
                            &sp,
                            issuer.and_then(|i| i.name("en")),
                            issuer.and_then(|i| i.name("th")),
                        )
                    }
                    _ => Value::Null,
                };
                json!({
                    "valid": false, "reason": r.code(), "detail": r.detail(),
                    "message": { "en": en, "th": th }, "explanation": r.to_string(),
                    "statusAsOf": as_of, "permit": permit,
                })
            }
        };
        value.to_string()
    }

    /// When the registry assembled the bundle (Unix seconds).
    pub fn issued(&self) -> f64 {
        seconds(self.bundle.issued())
    }

    /// The oldest status list's `validFrom` (Unix seconds), if any.
    #[wasm_bindgen(js_name = statusAsOf)]
    pub fn status_as_of(&self) -> Option<f64> {
        self.bundle.status_as_of().map(seconds)
    }

    /// Whether `candidate` (bundle JSON) may replace the held bundle: `""` if so, else the reason.
    #[wasm_bindgen(js_name = checkUpdate)]
    pub fn check_update(&self, candidate: &str) -> String {
        let root = *self.bundle.trust().root();
        match Bundle::verify(candidate, Some(&root)).and_then(Bundle::strict) {
            Ok(c) => c.check_not_older_than(&self.bundle).map(|_| String::new()).unwrap_or_else(|e| e.to_string()),
            Err(e) => e.to_string(),
        }
    }
}

/// Runs one conformance vector (JSON text) and returns the outcome found (JSON text).
#[wasm_bindgen(js_name = runVector)]
pub fn run_vector(vector_json: &str) -> String {
    match serde_json::from_str::<Value>(vector_json) {
        Ok(doc) => match crate::conformance::run_vector(&doc) {
            Ok(v) => v.to_string(),
            Err(e) => json!({ "error": e }).to_string(),
        },
        Err(e) => json!({ "error": e.to_string() }).to_string(),
    }
}

/// "3 h ago" in English and Thai, as `[en, th]` JSON.
#[wasm_bindgen(js_name = ageText)]
pub fn age_text(as_of: f64, now: f64) -> String {
    let (en, th) = verify::age_text(UnixTime(as_of as i64), UnixTime(now as i64));
    json!([en, th]).to_string()
}
