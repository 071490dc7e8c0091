//! Reading request bodies as hostile input: the content type must be JSON,
//! the size is capped, and each failure has its own problem code.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::problem::ApiError;
use crate::registry::problem::Code;

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The largest document attached to an application (`POST /v1/applications/{id}/documents`).
pub const MAX_DOCUMENT_BYTES: usize = 5 << 20;

/// The most a request to `path` may send: [`MAX_DOCUMENT_BYTES`] for a document, else [`MAX_BODY_BYTES`].
pub fn limit_for(method: &axum::http::Method, path: &str) -> usize {
    let document = method == axum::http::Method::POST
        && path
            .strip_prefix("/v1/applications/")
            .and_then(|rest| rest.strip_suffix("/documents"))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    if document { MAX_DOCUMENT_BYTES } else { MAX_BODY_BYTES }
}

/// Caps every request body by its route's limit: a `Content-Length` over it is refused at once
/// (413), a body that grows past it is cut off where it does.
pub async fn limit(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let max = limit_for(req.method(), req.uri().path());
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    if declared.is_some_and(|n: usize| n > max) {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::BodyTooLarge)
            .detail(format!("at most {max} bytes"))
            .into_response();
    }
    next.run(req.map(|b| axum::body::Body::new(http_body_util::Limited::new(b, max)))).await
}

/// A JSON body, with its raw bytes (for idempotency checks).
pub struct JsonBody<T> {
    /// The parsed value.
    pub value: T,
    /// The bytes as received.
    pub raw: Bytes,
}

/// Parses JSON bytes, naming the fault: `malformed_json` (400) for bad syntax,
/// `invalid_field` (422) for a missing, unknown or mistyped field.
///
/// # Errors
/// The problem above.
pub fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(raw)
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, Code::MalformedJson).detail("the body is not UTF-8"))?;
    serde_json::from_str(text).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField).detail(e.to_string()),
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::new(StatusCode::BAD_REQUEST, Code::MalformedJson).detail(e.to_string())
            }
        }
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, Code::UnsupportedMediaType));
        }
        let raw = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::BodyTooLarge)
                    .detail(format!("at most {MAX_BODY_BYTES} bytes"))
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, Code::MalformedJson).detail("the body could not be read")
            }
        })?;
        Ok(JsonBody { value: parse_json(&raw)?, raw })
    }
}
