//! JavaScript bindings for the browser verifier (feature `wasm`): the same
//! verification as the command line, compiled to WebAssembly. The page passes
//! the bundle, the payload and the time; nothing here reads a clock or the network.

use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use crate::bundle::Bundle;
use crate::codec;
use crate::i18n;
use crate::multikey;
use crate::report;
use crate::time::UnixTime;
use crate::verify::{self, Policy};

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

    /// The verdict document ([`crate::report::document`]) on a payload at `now`
    /// (Unix seconds) under `policy`, as JSON.
    ///
    /// # Errors
    /// An unknown policy name (never silently another policy).
    pub fn verify(&self, payload: &str, policy: &str, now: f64) -> Result<String, JsError> {
        let policy = Policy::parse(policy)
            .ok_or_else(|| JsError::new(&format!("unknown policy {policy:?}: inspector, employer or immigration")))?;
        let now = UnixTime(now as i64);
        let verdict = verify::verify_with_bundle(payload.trim(), &self.bundle, policy, now);
        Ok(report::document(payload, &verdict, self.bundle.trust(), Some(policy), now).to_string())
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
    let (en, th) = report::age_text(UnixTime(as_of as i64), UnixTime(now as i64));
    json!([en, th]).to_string()
}

/// Every verdict text in the five languages ([`crate::i18n::all_texts`]), as JSON.
#[wasm_bindgen(js_name = reasonTexts)]
pub fn reason_texts() -> String {
    i18n::all_texts().to_string()
}

/// The displayable fields of a payload, decoded but not verified (the wallet shows the permit it
/// received from the registry), as JSON; names of the issuer are not resolved (`null`).
///
/// # Errors
/// The payload does not decode: the detail code (`prefix`, `base45`, `cbor`, …), never its content.
#[wasm_bindgen(js_name = decodePermit)]
pub fn decode_permit(payload: &str) -> Result<String, JsError> {
    let signed = codec::decode(payload.trim()).map_err(|e| JsError::new(e.detail()))?;
    Ok(verify::display_fields(&signed, None, None).to_string())
}
