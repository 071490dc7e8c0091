//! The signed exchange with partner agencies (`/x/v1/…`): every request is
//! signed by the agency's registered key (RFC 9421, tag `dwp-exchange`) over
//! its method, target URI, `Content-Digest` (RFC 9530), content type and the
//! purpose, case and officer fields; every answer — refusals included — is
//! signed by the registry's exchange key over its status, content type and
//! digest and over the request's own signature (`;req`), so that either side
//! can later prove which answer was given to which question.
//!
//! A refusal writes nothing but its line in the audit log (`exchange.refused`,
//! with its code, the key id and the path — never the query, which may name
//! a worker).

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};

use dwp_verifier::multikey;

use crate::httpsig::{self, Component, Message, Params, SigError, SignatureInput};
use crate::registry::db::exchange::PartnerKey;
use crate::registry::db::{self, WriteTx};
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;
use crate::registry::writer::{self, job};

/// The tag of a partner's request signature.
pub const REQUEST_TAG: &str = "dwp-exchange";
/// The tag of the registry's answer signature.
pub const RESPONSE_TAG: &str = "dwp-exchange-response";
/// The label of the registry's answer signature.
pub const RESPONSE_LABEL: &str = "dwp";
/// The longest a request signature may live (`expires - created`), and how long its nonce is kept.
pub const WINDOW_SECS: i64 = 300;
/// How far in the future a `created` may be (the partner's clock may run a little ahead).
pub const SKEW_SECS: i64 = 30;
/// The purpose, case and officer fields every request carries and signs.
pub const PURPOSE: &str = "dwp-purpose";
pub const CASE: &str = "dwp-case";
pub const OFFICER: &str = "dwp-officer";

mod key;
pub use key::{ExchangeKey, KEY_FILE};

/// A request to the exchange, as its signature sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The public origin and the path and query asked for.
    pub target_uri: String,
    /// The path alone (what the audit log names).
    pub path: String,
    pub fields: Vec<(String, String)>,
    pub body: Bytes,
    /// Its `dwp-exchange` signature, read once: the check, the refusal's audit line and the
    /// answer's binding all take it from here.
    signature: Result<httpsig::Found, SigError>,
}

impl Request {
    /// The request as received, its target URI on the registry's public origin.
    pub fn new(state: &AppState, method: &Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Request {
        let fields = headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
        let mut req = Request {
            method: method.as_str().to_string(),
            target_uri: format!("{}{path_and_query}", origin(&state.public_url)),
            path: uri.path().to_string(),
            fields,
            body,
            signature: Err(SigError::Missing { tag: REQUEST_TAG.to_string() }),
        };
        req.signature = httpsig::find(&req.message(), REQUEST_TAG);
        req
    }

    /// The message the signatures are over.
    pub fn message(&self) -> Message<'_> {
        Message { method: Some(&self.method), target_uri: Some(&self.target_uri), status: None, fields: &self.fields }
    }

    fn field(&self, name: &str) -> Option<String> {
        self.message().field(name).filter(|v| !v.is_empty())
    }
}

/// The scheme and authority of `url`.
pub fn origin(url: &str) -> &str {
    let after = url.find("://").map_or(0, |i| i + 3);
    url[after..].find('/').map_or(url, |i| &url[..after + i])
}

/// A request whose signature, key, window and fields hold; its nonce is used in [`consume`].
#[derive(Debug, Clone)]
pub struct Checked {
    pub key: PartnerKey,
    pub purpose: String,
    pub case: String,
    pub officer: String,
    nonce: String,
    expires: i64,
}

fn refusal(status: StatusCode, code: Code, detail: impl Into<String>) -> ApiError {
    ApiError::new(status, code).detail(detail)
}

/// A signature's refusal, with the code of its kind (the holder's own requests use the same codes).
pub(crate) fn sig_refusal(e: SigError) -> ApiError {
    let (status, code) = match &e {
        SigError::Missing { .. } => (StatusCode::UNAUTHORIZED, Code::ExchangeUnsigned),
        SigError::Malformed(_) | SigError::ParamMissing(_) | SigError::ComponentAbsent(_) => {
            (StatusCode::BAD_REQUEST, Code::ExchangeSignatureMalformed)
        }
        SigError::NotCovered(_) => (StatusCode::BAD_REQUEST, Code::ExchangeNotCovered),
        SigError::Bad => (StatusCode::UNAUTHORIZED, Code::ExchangeSignatureInvalid),
        SigError::DigestMissing => (StatusCode::BAD_REQUEST, Code::ExchangeDigestMissing),
        SigError::DigestMismatch => (StatusCode::BAD_REQUEST, Code::ExchangeDigestMismatch),
    };
    refusal(status, code, e.to_string())
}

/// The components every request signature covers.
fn required(has_body: bool) -> Vec<Component> {
    let mut c: Vec<Component> =
        ["@method", "@target-uri", "content-digest", PURPOSE, CASE, OFFICER].map(Component::of).to_vec();
    if has_body {
        c.push(Component::of("content-type"));
    }
    c
}

/// Checks a request: digest, signature, key, window, purpose, case and officer. Writes nothing.
///
/// # Errors
/// Each failure with its own code (see [`Code`]'s `exchange_…` codes).
pub async fn check(state: &AppState, req: &Request) -> Result<Checked, ApiError> {
    let now = state.clock.now().0;
    httpsig::check_digest(req.field("content-digest").as_deref(), &req.body).map_err(sig_refusal)?;
    let msg = req.message();
    let found = req.signature.clone().map_err(sig_refusal)?;
    let purpose = req.field(PURPOSE).ok_or_else(|| {
        refusal(StatusCode::BAD_REQUEST, Code::ExchangePurposeRequired, "DWP-Purpose is required (e.g. stay-extension)")
    })?;
    let case = req.field(CASE).ok_or_else(|| {
        refusal(StatusCode::BAD_REQUEST, Code::ExchangeCaseRequired, "DWP-Case is required: the agency's case number")
    })?;
    let officer = req.field(OFFICER).ok_or_else(|| {
        refusal(StatusCode::BAD_REQUEST, Code::ExchangeOfficerRequired, "DWP-Officer is required: who asks")
    })?;
    httpsig::require_covered(&found, &required(!req.body.is_empty())).map_err(sig_refusal)?;
    let p = &found.input.params;
    let keyid = p.keyid.clone().ok_or(SigError::ParamMissing("keyid")).map_err(sig_refusal)?;
    let created = p.created.ok_or(SigError::ParamMissing("created")).map_err(sig_refusal)?;
    let expires = p.expires.ok_or(SigError::ParamMissing("expires")).map_err(sig_refusal)?;
    let nonce = p.nonce.clone().filter(|n| (8..=128).contains(&n.len())).ok_or_else(|| {
        refusal(StatusCode::BAD_REQUEST, Code::ExchangeSignatureMalformed, "nonce: 8 to 128 characters, required")
    })?;
    if p.alg.as_deref().is_some_and(|a| a != "ed25519") {
        return Err(refusal(StatusCode::BAD_REQUEST, Code::ExchangeSignatureMalformed, "alg: only ed25519"));
    }
    check_window(created, expires, now)?;
    let key = db::exchange::key(&state.db, &keyid)
        .await?
        .ok_or_else(|| refusal(StatusCode::UNAUTHORIZED, Code::ExchangeKeyUnknown, "no partner key has this keyid"))?;
    if now < key.not_before || now > key.not_after {
        return Err(refusal(StatusCode::UNAUTHORIZED, Code::ExchangeKeyExpired, "the key is outside its validity"));
    }
    let public = multikey::decode_public(&key.public_key)
        .ok_or_else(|| ApiError::internal("a stored partner key does not decode"))?;
    let public = VerifyingKey::from_bytes(&public).map_err(ApiError::internal)?;
    httpsig::verify(&public, &found, &msg, None).map_err(sig_refusal)?;
    if !key.purposes.contains(&purpose) {
        return Err(refusal(
            StatusCode::FORBIDDEN,
            Code::ExchangePurposeNotAllowed,
            format!("this key may state: {}", key.purposes.join(", ")),
        ));
    }
    Ok(Checked { key, purpose, case, officer, nonce, expires })
}

/// A signature's times against the clock: `expires` after `created` by at most [`WINDOW_SECS`],
/// `created` at most [`SKEW_SECS`] ahead, neither passed.
///
/// # Errors
/// `exchange_window_too_long`, `exchange_signature_future`, `exchange_signature_stale`.
pub(crate) fn check_window(created: i64, expires: i64, now: i64) -> Result<(), ApiError> {
    if expires <= created || expires - created > WINDOW_SECS {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            Code::ExchangeWindowTooLong,
            format!("expires must follow created by at most {WINDOW_SECS} s"),
        ));
    }
    if created > now + SKEW_SECS {
        return Err(refusal(StatusCode::UNAUTHORIZED, Code::ExchangeSignatureFuture, "created is in the future"));
    }
    if now > expires || now - created > WINDOW_SECS {
        return Err(refusal(StatusCode::UNAUTHORIZED, Code::ExchangeSignatureStale, "sign the request again, now"));
    }
    Ok(())
}

impl Checked {
    /// Refuses (403) unless the key may speak for `estate`.
    ///
    /// # Errors
    /// `exchange_estate_not_allowed`.
    pub fn require_estate(&self, estate: &str) -> Result<(), ApiError> {
        if self.key.estates.iter().any(|e| e == estate) {
            Ok(())
        } else {
            Err(refusal(
                StatusCode::FORBIDDEN,
                Code::ExchangeEstateNotAllowed,
                format!("this key speaks for: {}", self.key.estates.join(", ")),
            ))
        }
    }

    /// What the audit log records of who asked, and why.
    pub fn on_record(&self) -> Value {
        json!({
            "agency": self.key.agency,
            "keyId": self.key.key_id,
            "purpose": self.purpose,
            "case": self.case,
            "officer": self.officer,
        })
    }
}

/// Runs an exchange write through the group-commit writer (never replayed: no idempotency key, the
/// nonce is the replay guard); answers its status and body once durable.
///
/// # Errors
/// The job's refusal, or the writer's 503.
pub async fn write(state: &AppState, work: writer::Job) -> Result<(StatusCode, Value), ApiError> {
    let (status, body, _) = writer::submit(&state.writer, "exchange", None, String::new(), work).await?;
    Ok((status, serde_json::from_str(&body).map_err(ApiError::internal)?))
}

/// Uses the request's nonce, inside the write that answers it.
///
/// # Errors
/// `exchange_nonce_replayed` (401) when it was used within the window.
pub async fn consume(w: &mut WriteTx, c: &Checked) -> Result<(), ApiError> {
    if db::exchange::use_nonce(w, &c.key.key_id, &c.nonce, c.expires).await? {
        Ok(())
    } else {
        Err(refusal(StatusCode::UNAUTHORIZED, Code::ExchangeNonceReplayed, "sign each request with a new nonce"))
    }
}

/// Refusal lines written to the audit log per second, at most: each is a durable write, and a
/// refused request needs no key, so a flood must not fill the chain nor starve the writer. What is
/// over the limit is counted (`dwp_exchange_refusals_unrecorded_total`) and written as one
/// `exchange.refusals_unrecorded` line with its count when the next second's first refusal is.
pub const REFUSAL_LINES_PER_SECOND: u32 = 20;

/// The refusal lines of the current second.
#[derive(Debug, Default)]
struct RefusalBudget {
    second: i64,
    used: u32,
    /// Refusals not written since the last line that said so.
    unrecorded: u64,
}

impl RefusalBudget {
    /// Whether a refusal at `now` may be written, and how many unwritten ones to report with it.
    fn admit(&mut self, now: i64) -> Option<u64> {
        if now != self.second {
            (self.second, self.used) = (now, 0);
        }
        if self.used >= REFUSAL_LINES_PER_SECOND {
            self.unrecorded += 1;
            return None;
        }
        self.used += 1;
        Some(std::mem::take(&mut self.unrecorded))
    }
}

static REFUSALS: std::sync::Mutex<RefusalBudget> =
    std::sync::Mutex::new(RefusalBudget { second: 0, used: 0, unrecorded: 0 });

/// Writes a refusal to the audit log (within [`REFUSAL_LINES_PER_SECOND`]), then gives it back.
/// When even that cannot be written, the refusal is answered all the same (nothing else was written).
pub async fn refused(state: &AppState, req: &Request, e: ApiError) -> ApiError {
    if e.status().is_server_error() {
        return e;
    }
    let admitted = match REFUSALS.lock() {
        Ok(mut budget) => budget.admit(state.clock.now().0),
        // A poisoned lock only follows a panic elsewhere: write the line.
        Err(_) => Some(0),
    };
    let Some(unrecorded) = admitted else {
        metrics::counter!("dwp_exchange_refusals_unrecorded_total").increment(1);
        return e;
    };
    let keyid = req.signature.as_ref().ok().and_then(|f| f.input.params.keyid.clone());
    let detail = json!({
        "code": e.code().as_str(),
        "status": e.status().as_u16(),
        "method": req.method,
        "path": req.path,
        "keyId": keyid,
    });
    let work = job(move |w| {
        Box::pin(async move {
            if unrecorded > 0 {
                let count = json!({ "count": unrecorded, "limitPerSecond": REFUSAL_LINES_PER_SECOND });
                w.audit("exchange", "exchange.refusals_unrecorded", None, count).await?;
            }
            w.audit("exchange", "exchange.refused", keyid.as_deref(), detail).await?;
            Ok((StatusCode::OK, Value::Null))
        })
    });
    if let Err(failed) = write(state, work).await {
        tracing::warn!(code = %failed.code(), "an exchange refusal could not be written to the audit log");
    }
    e
}

/// The answer to `req`, signed by the registry's exchange key over its status, content type,
/// digest and the request's method, target URI and signature.
pub async fn answer(state: &AppState, req: &Request, result: Result<(StatusCode, Value), ApiError>) -> Response {
    let (status, ctype, body) = match result {
        Ok((status, value)) => (status, "application/json", serde_json::to_vec(&value).unwrap_or_default()),
        Err(e) => {
            let resp = e.into_response();
            let status = resp.status();
            match axum::body::to_bytes(resp.into_body(), 1 << 20).await {
                Ok(b) => {
                    // The request id goes in before the body is signed (see `observe`).
                    let mut v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
                    if let (Some(obj), Some(id)) = (v.as_object_mut(), req.field("x-request-id")) {
                        obj.insert("requestId".into(), Value::String(id));
                    }
                    (status, "application/problem+json", serde_json::to_vec(&v).unwrap_or_default())
                }
                Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "application/problem+json", Vec::new()),
            }
        }
    };
    let digest = httpsig::content_digest(&body);
    let fields = vec![("content-type".to_string(), ctype.to_string()), ("content-digest".to_string(), digest.clone())];
    let mut components: Vec<Component> = vec![
        Component::of("@status"),
        Component::of("content-type"),
        Component::of("content-digest"),
        Component::of_request("@method"),
        Component::of_request("@target-uri"),
    ];
    if let Ok(found) = &req.signature {
        components.push(Component::request_signature(&found.label));
    }
    let mut nonce = [0u8; 16];
    let nonce = getrandom::fill(&mut nonce).ok().map(|()| B64URL.encode(nonce));
    let input = SignatureInput {
        components,
        params: Params {
            created: Some(state.clock.now().0),
            nonce,
            keyid: Some(state.exchange_key.key_id.clone()),
            tag: Some(RESPONSE_TAG.to_string()),
            ..Params::default()
        },
    };
    let message = Message { method: None, target_uri: None, status: Some(status.as_u16()), fields: &fields };
    let pair = state.exchange_key.pair.clone();
    let signed = httpsig::sign(move |m| pair.sign(m), RESPONSE_LABEL, &input, &message, Some(&req.message()));
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&digest) {
        h.insert("content-digest", v);
    }
    match signed {
        Ok(s) => {
            if let (Ok(i), Ok(v)) = (HeaderValue::from_str(&s.signature_input), HeaderValue::from_str(&s.signature)) {
                h.insert("signature-input", i);
                h.insert("signature", v);
            }
        }
        // Only a request field with a line break can make the base fail; the answer goes unsigned.
        Err(e) => tracing::warn!(error = %e, "an exchange answer could not be signed"),
    }
    resp
}

/// Runs `handle` on a checked request and signs the answer; refusals are audited and signed too.
pub async fn serve<F, Fut>(state: AppState, req: Request, handle: F) -> Response
where
    F: FnOnce(AppState, Request, Checked) -> Fut,
    Fut: std::future::Future<Output = Result<(StatusCode, Value), ApiError>>,
{
    let result = match check(&state, &req).await {
        Ok(checked) => handle(state.clone(), req.clone(), checked).await,
        Err(e) => Err(e),
    };
    let result = match result {
        Err(e) if e.status().is_client_error() => Err(refused(&state, &req, e).await),
        other => other,
    };
    answer(&state, &req, result).await
}

#[cfg(test)]
mod tests {
    use super::{REFUSAL_LINES_PER_SECOND, RefusalBudget, origin};

    #[test]
    fn a_flood_of_refusals_is_counted_not_written_line_by_line() {
        let mut b = RefusalBudget::default();
        for _ in 0..REFUSAL_LINES_PER_SECOND {
            assert_eq!(b.admit(100), Some(0));
        }
        for _ in 0..5 {
            assert_eq!(b.admit(100), None, "over the second's budget");
        }
        assert_eq!(b.admit(101), Some(5), "the next second's first line reports the five");
        assert_eq!(b.admit(101), Some(0));
    }

    #[test]
    fn the_origin_is_the_scheme_and_authority() {
        assert_eq!(origin("https://dwp.doe.go.th"), "https://dwp.doe.go.th");
        assert_eq!(origin("https://dwp.doe.go.th/dwp"), "https://dwp.doe.go.th");
        assert_eq!(origin("http://127.0.0.1:8080/a/b"), "http://127.0.0.1:8080");
    }
}
