//! What an operator sees of the service: a request id on every request (the
//! client's `X-Request-Id` when it is well-formed, else a new one), echoed in
//! the answer and put in every problem+json body; one log line per request
//! (method, matched route, status, latency, request id — never a token, a body,
//! a query or personal data); and the cause of a 500, logged with its request
//! id, never answered. Text or JSON lines on stderr (`dwp serve --log-format`).

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::ids::random_id;

/// The header a request id travels in.
pub const REQUEST_ID: &str = "x-request-id";
/// The largest problem body rewritten to carry the request id.
const MAX_PROBLEM_BYTES: usize = 64 << 10;

/// The cause of a 500, carried from the handler to the log as a response extension.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// Installs the log writer (stderr, level INFO and above). Once per process.
pub fn init(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .with_ansi(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// A client's request id, if it is 1 to 64 characters of `A-Z a-z 0-9 - _ .`.
fn client_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    let ok = (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    ok.then(|| s.to_string())
}

/// The middleware: request id, the request's log line, the cause of a 500.
pub async fn requests(mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(client_id)
        .or_else(|| random_id("req_").ok())
        .unwrap_or_else(|| "req_unknown".into());
    // invariant: the id is visible ASCII (checked above or made so).
    let value = HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("req_unknown"));
    req.headers_mut().insert(REQUEST_ID, value.clone());
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "-".into());
    let resp = next.run(req).await;
    let mut resp = with_request_id(resp, &id).await;
    resp.headers_mut().insert(REQUEST_ID, value);
    let status = resp.status().as_u16();
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    super::metrics::request(method.as_str(), &route, status, latency_ms / 1000.0);
    if let Some(InternalCause(cause)) = resp.extensions_mut().remove::<InternalCause>() {
        tracing::error!(request_id = %id, method = %method, route = %route, status, cause = %cause, "internal error");
    }
    tracing::info!(
        request_id = %id,
        method = %method,
        route = %route,
        status,
        latency_ms = (latency_ms * 1000.0).round() / 1000.0,
        "request"
    );
    resp
}

/// Puts `requestId` in a problem+json body, so that a caller can quote it.
async fn with_request_id(resp: Response, id: &str) -> Response {
    let is_problem =
        resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    // A signed answer (the exchange) carries its request id already: its body is what was signed.
    let signed = resp.headers().contains_key("signature");
    if !is_problem || signed || resp.headers().contains_key(header::CONTENT_ENCODING) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PROBLEM_BYTES).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut v) if v.is_object() => {
            v["requestId"] = id.into();
            parts.headers.remove(header::CONTENT_LENGTH);
            v.to_string().into_bytes()
        }
        _ => bytes.to_vec(),
    };
    Response::from_parts(parts, axum::body::Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_id_is_kept_only_when_well_formed() {
        assert_eq!(client_id(&HeaderValue::from_static("inspection-2569.11_a")), Some("inspection-2569.11_a".into()));
        assert_eq!(client_id(&HeaderValue::from_static("has space")), None);
        assert_eq!(client_id(&HeaderValue::from_static("")), None);
        assert_eq!(client_id(&HeaderValue::from_str(&"x".repeat(65)).expect("header")), None);
    }
}
