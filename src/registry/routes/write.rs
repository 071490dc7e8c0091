//! A mutation's way through the group-commit writer: the `Idempotency-Key`
//! header, the hash of the request it is bound to, and the stored answer sent
//! back once the write is durable.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::registry::auth::Caller;
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::state::AppState;
use crate::registry::writer::{self, Job};

/// The `Idempotency-Key` header, checked.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    let bad = || {
        ApiError::new(StatusCode::BAD_REQUEST, Code::InvalidIdempotencyKey).detail("1 to 200 visible ASCII characters")
    };
    let s = v.to_str().map_err(|_| bad())?;
    if s.is_empty() || s.len() > 200 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(s.to_string()))
}

fn request_hash(route: &str, raw: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(route.as_bytes());
    h.update(b"\n");
    h.update(raw);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn json_response(status: StatusCode, body: String, extra: &[(&'static str, &'static str)]) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    for (k, v) in extra {
        resp.headers_mut().insert(*k, header::HeaderValue::from_static(v));
    }
    resp
}

/// A typed answer as the JSON value a write job returns.
pub fn to_json<T: Serialize>(answer: &T) -> Result<Value, ApiError> {
    serde_json::to_value(answer).map_err(ApiError::internal)
}

/// Runs a mutation through the group-commit writer, with `Idempotency-Key`
/// handling: a retry with the same body gets the stored answer. Answers only
/// once the write is durable.
pub async fn mutate(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    route: &str,
    raw: &[u8],
    job: Job,
) -> Result<Response, ApiError> {
    let key = idempotency_key(headers)?;
    let hash = request_hash(route, raw);
    let (status, body, replayed) = writer::submit(&state.writer, &caller.id, key, hash, job).await?;
    Ok(json_response(status, body, if replayed { &[("idempotent-replayed", "true")] } else { &[] }))
}
