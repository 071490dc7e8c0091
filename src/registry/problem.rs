//! RFC 9457 problem details. Every refusal has a stable machine `code`; a 500
//! says nothing about its cause (the cause goes to the server's log, with the
//! request id that the body carries).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

pub use super::codes::Code;

/// An HTTP error answered as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Code,
    detail: Option<String>,
    field: Option<String>,
    retry_after: Option<u32>,
    /// What went wrong inside, for the log only (see [`super::observe::InternalCause`]).
    cause: Option<String>,
}

impl ApiError {
    /// A refusal with a status and a stable code.
    pub fn new(status: StatusCode, code: Code) -> Self {
        ApiError { status, code, detail: None, field: None, retry_after: None, cause: None }
    }

    /// 503 `storage_unavailable`: nothing was stored; the same request may be retried.
    pub fn storage_unavailable() -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Code::StorageUnavailable)
            .detail("the registry could not store this request; nothing was written, retry it later")
            .retry_after(RETRY_AFTER_SECS)
    }

    /// 503 `clock_behind`: the registry's clock is earlier than its last signature, or than its key's window.
    pub fn clock_behind() -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Code::ClockBehind)
            .detail("the registry's clock is behind its last signature; nothing was signed or written")
            .retry_after(RETRY_AFTER_SECS)
    }

    /// Adds `Retry-After` (seconds).
    pub fn retry_after(mut self, secs: u32) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// Adds a human-readable explanation (never internal state).
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Names the request field at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 500: answers nothing about the cause; the request's log line carries it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, Code::InternalError).cause(format!("{cause:#}"))
    }

    /// Records what went wrong inside, for the log (never the answer).
    pub fn cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    /// What went wrong inside, if recorded (for the log, never the answer).
    pub fn cause_text(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    /// What the answer tells the caller, if anything beyond its code.
    pub fn detail_text(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

/// The `Retry-After` of a retryable 503.
pub const RETRY_AFTER_SECS: u32 = 5;

impl From<sqlx::Error> for ApiError {
    /// A row that does not decode is our bug (500); every other database
    /// failure is the storage's (503, retryable). The cause goes to the log.
    fn from(e: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match e {
            E::ColumnDecode { .. }
            | E::Decode(_)
            | E::ColumnNotFound(_)
            | E::ColumnIndexOutOfBounds { .. }
            | E::TypeNotFound { .. }
            | E::RowNotFound => ApiError::internal(format!("database: {e}")),
            e => ApiError::storage_unavailable().cause(format!("storage: {e}")),
        }
    }
}

/// An RFC 9457 problem document, as answered (`application/problem+json`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// `https://dwp.doe.go.th/problems/{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What went wrong, in English.
    pub title: &'static str,
    /// What went wrong, in Thai.
    pub title_th: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The stable machine code.
    pub code: &'static str,
    /// A human-readable explanation (never internal state).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub detail: Option<String>,
    /// The request field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub field: Option<String>,
    /// The request's id (`X-Request-Id`), to quote when reporting the problem.
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub request_id: Option<String>,
}

impl Problem {
    /// The problem for a status and code, with an optional explanation.
    pub fn new(status: StatusCode, code: Code, detail: Option<String>) -> Problem {
        let title = code.title();
        Problem {
            kind: format!("https://dwp.doe.go.th/problems/{code}"),
            title: title.en,
            title_th: title.th,
            status: status.as_u16(),
            code: code.as_str(),
            detail,
            field: None,
            request_id: None,
        }
    }
}

/// The problem document for a status and code, with an optional explanation.
pub fn document(status: StatusCode, code: Code, detail: Option<String>) -> Value {
    // invariant: a problem is strings and a number; it always serializes.
    serde_json::to_value(Problem::new(status, code, detail)).unwrap_or(Value::Null)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem { field: self.field, ..Problem::new(self.status, self.code, self.detail) };
        // invariant: a problem is strings and a number; it always serializes.
        let body = serde_json::to_string(&problem).unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        if let Some(cause) = self.cause {
            resp.extensions_mut().insert(super::observe::InternalCause(cause));
        }
        let headers = resp.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"dwp\""));
        }
        resp
    }
}
