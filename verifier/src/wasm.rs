//! JavaScript bindings for the browser verifier (feature `wasm`): the same
//! verification as the command line, compiled to WebAssembly. The page passes
//! the bundle, the payload and the time; nothing here reads a clock or the network.

use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use crate::bundle::Bundle;
use crate::codec;
use crate::holder::{self, HolderWindow};
use crate::i18n;
use crate::multikey;
use crate::policy::{Audience, EmployerScope};
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
        self.verify_within(payload, policy, now, 0)
    }

    /// [`WasmVerifier::verify`], with holder proofs accepted within ±1 step widened by
    /// `tolerance_secs` of clock tolerance (`wallet-spec/SPEC.md` §12).
    ///
    /// # Errors
    /// An unknown policy name, or a tolerance beyond an hour.
    #[wasm_bindgen(js_name = verifyWithin)]
    pub fn verify_within(&self, payload: &str, policy: &str, now: f64, tolerance_secs: u32) -> Result<String, JsError> {
        self.verdict(payload, policy, now, tolerance_secs, &Audience::Anyone)
    }

    /// [`WasmVerifier::verify_within`] for one employer (the page's employer mode): a permit valid in
    /// every other respect that names another employer is `other_employer`, another province or
    /// industrial estate `other_workplace`. The verdict document then holds `checkedFor`.
    ///
    /// # Errors
    /// An unknown policy name, or a tolerance beyond an hour.
    #[wasm_bindgen(js_name = verifyForEmployer)]
    pub fn verify_for_employer(
        &self,
        payload: &str,
        policy: &str,
        now: f64,
        tolerance_secs: u32,
        employer: &WasmEmployer,
    ) -> Result<String, JsError> {
        self.verdict(payload, policy, now, tolerance_secs, &Audience::Employer(employer.scope.clone()))
    }

    fn verdict(
        &self,
        payload: &str,
        policy: &str,
        now: f64,
        tolerance_secs: u32,
        audience: &Audience,
    ) -> Result<String, JsError> {
        let policy = Policy::parse(policy)
            .ok_or_else(|| JsError::new(&format!("unknown policy {policy:?}: inspector, employer or immigration")))?;
        let window = HolderWindow::with_tolerance(tolerance_secs)
            .ok_or_else(|| JsError::new("the holder clock tolerance is at most 3600 seconds"))?;
        let now = UnixTime(now as i64);
        let verdict = verify::verify_with_bundle_within(payload.trim(), &self.bundle, policy, now, window, audience);
        let mut doc = report::document(payload, &verdict, self.bundle.trust(), Some(policy), now);
        report::checked_for(&mut doc, audience);
        Ok(doc.to_string())
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

/// The employer a page in employer mode checks for: its juristic ID and, optionally, its province
/// and industrial estate, checked once when the settings are saved.
#[wasm_bindgen]
pub struct WasmEmployer {
    scope: EmployerScope,
}

#[wasm_bindgen]
impl WasmEmployer {
    /// The employer: a 13-digit juristic ID with its check digit, a province `TH-NN` and an
    /// industrial-estate code (empty or absent: not compared).
    ///
    /// # Errors
    /// `field: why`, for the first part not accepted: `juristic_id`, `province` or
    /// `industrial_estate` ([`crate::policy::ScopeError::field`]), then why in English (the page
    /// shows its own text, keyed by the field).
    #[wasm_bindgen(constructor)]
    pub fn new(juristic_id: &str, province: Option<String>, estate: Option<String>) -> Result<WasmEmployer, JsError> {
        let given = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let (province, estate) = (given(&province), given(&estate));
        EmployerScope::parse(juristic_id.trim(), province.as_deref(), estate.as_deref())
            .map(|scope| WasmEmployer { scope })
            .map_err(|e| JsError::new(&format!("{}: {e}", e.field())))
    }

    /// The employer as JSON: `{juristicId, province, industrialEstate}`.
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> String {
        self.scope.to_json().to_string()
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

/// The time step of `now` (Unix seconds): ⌊now / 30⌋ (`wallet-spec/SPEC.md` §12).
#[wasm_bindgen(js_name = holderStep)]
pub fn holder_step(now: f64) -> f64 {
    holder::step_of(UnixTime(now as i64)) as f64
}

fn step_arg(step: f64) -> Result<u64, JsError> {
    // Steps are whole numbers; 2^53 is far beyond any clock.
    if step.fract() != 0.0 || !(0.0..=9_007_199_254_740_991.0).contains(&step) {
        return Err(JsError::new("the step is not a whole number of 30-second steps since 1970"));
    }
    Ok(step as u64)
}

/// The 59 bytes a wallet signs with its holder key (Ed25519, e.g. WebCrypto) to present the
/// `DWP1:` payload at `step`.
///
/// # Errors
/// When the payload is not a readable permit or the step is not a step.
#[wasm_bindgen(js_name = holderToSign)]
pub fn holder_to_sign(payload: &str, step: f64) -> Result<Vec<u8>, JsError> {
    let step = step_arg(step)?;
    holder::to_sign(payload.trim(), step).map(|m| m.to_vec()).map_err(|e| JsError::new(&e.to_string()))
}

/// The `DWP1H:` presentation of a `DWP1:` payload, a step and the holder's 64-byte signature.
///
/// # Errors
/// When the payload is not a readable permit, the step is not a step, or the signature is not 64 bytes.
#[wasm_bindgen(js_name = holderAssemble)]
pub fn holder_assemble(payload: &str, step: f64, signature: &[u8]) -> Result<String, JsError> {
    let step = step_arg(step)?;
    let signature: [u8; 64] = signature.try_into().map_err(|_| JsError::new("an Ed25519 signature is 64 bytes"))?;
    holder::assemble(payload.trim(), step, &signature).map_err(|e| JsError::new(&e.to_string()))
}
