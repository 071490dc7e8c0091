//! RFC 9457 problem details. Every refusal has a stable machine `code`; a 500
//! says nothing about its cause (the cause goes to the server's log, with the
//! request id that the body carries).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

/// An HTTP error answered as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: Option<String>,
    field: Option<String>,
    retry_after: Option<u32>,
    /// What went wrong inside, for the log only (see [`super::observe::InternalCause`]).
    cause: Option<String>,
}

impl ApiError {
    /// A refusal with a status and a stable code.
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        ApiError { status, code, detail: None, field: None, retry_after: None, cause: None }
    }

    /// 503 `storage_unavailable`: nothing was stored; the same request may be retried.
    pub fn storage_unavailable() -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable")
            .detail("the registry could not store this request; nothing was written, retry it later")
            .retry_after(RETRY_AFTER_SECS)
    }

    /// 503 `clock_behind`: the registry's clock is earlier than its last signature, or than its key's window.
    pub fn clock_behind() -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "clock_behind")
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
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error").cause(format!("{cause:#}"))
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

    /// The stable code.
    pub fn code(&self) -> &'static str {
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

/// English and Thai titles for each code.
pub fn title(code: &str) -> (&'static str, &'static str) {
    match code {
        "missing_token" => ("An API token is required", "ต้องใช้โทเค็น API"),
        "invalid_token" => ("The API token is not valid", "โทเค็น API ไม่ถูกต้อง"),
        "forbidden" => ("Your role may not do this", "บทบาทของคุณไม่มีสิทธิ์ทำรายการนี้"),
        "not_found" => ("Not found", "ไม่พบข้อมูล"),
        "unsupported_media_type" => ("Send application/json", "ต้องส่งข้อมูลแบบ application/json"),
        "malformed_json" => ("The body is not valid JSON", "ข้อมูลไม่ใช่ JSON ที่ถูกต้อง"),
        "invalid_field" => ("A field is missing, unknown or of the wrong type", "ช่องข้อมูลขาด ไม่รู้จัก หรือผิดชนิด"),
        "invalid_permit" => ("The permit breaks a rule", "ข้อมูลใบอนุญาตไม่ถูกต้องตามเกณฑ์"),
        "body_too_large" => ("The body is too large", "ข้อมูลมีขนาดใหญ่เกินกำหนด"),
        "idempotency_key_reused" => {
            ("This Idempotency-Key was used with a different body", "Idempotency-Key นี้เคยใช้กับข้อมูลอื่นแล้ว")
        }
        "invalid_idempotency_key" => ("The Idempotency-Key header is not valid", "Idempotency-Key ไม่ถูกต้อง"),
        "permit_number_in_use" => ("A live permit has this number", "เลขที่ใบอนุญาตนี้มีผลใช้อยู่แล้ว"),
        "permit_revoked" => ("The permit is revoked", "ใบอนุญาตถูกเพิกถอนแล้ว"),
        "permit_superseded" => ("The permit was replaced by a newer one", "ใบอนุญาตถูกแทนที่ด้วยฉบับใหม่แล้ว"),
        "already_suspended" => ("The permit is already suspended", "ใบอนุญาตถูกพักใช้อยู่แล้ว"),
        "not_suspended" => ("The permit is not suspended", "ใบอนุญาตไม่ได้ถูกพักใช้"),
        "permit_suspended" => ("The permit is suspended; reinstate it first", "ใบอนุญาตถูกพักใช้ ต้องคืนสิทธิ์ก่อน"),
        "permit_expired" => ("The permit has expired", "ใบอนุญาตหมดอายุแล้ว"),
        "application_decided" => ("The application was already decided", "คำขอนี้ได้รับการพิจารณาแล้ว"),
        "invalid_scope" => ("The token scope is not valid for the role", "ขอบเขตโทเค็นไม่ถูกต้องสำหรับบทบาทนี้"),
        "invalid_query" => ("A query parameter is not valid", "พารามิเตอร์ไม่ถูกต้อง"),
        "method_not_allowed" => ("Method not allowed", "ไม่รองรับวิธีการนี้"),
        "timeout" => ("The request took too long", "คำขอใช้เวลานานเกินไป"),
        "storage_unavailable" => {
            ("The registry could not store this; retry later", "ระบบไม่สามารถบันทึกข้อมูลได้ โปรดลองใหม่ภายหลัง")
        }
        "clock_behind" => ("The registry's clock is wrong; retry later", "นาฬิกาของระบบคลาดเคลื่อน โปรดลองใหม่ภายหลัง"),
        "status_disagrees_with_audit" => (
            "Stored status disagrees with the audit log; the list is not signed",
            "สถานะที่บันทึกไม่ตรงกับบันทึกการตรวจสอบ จึงไม่ลงนามรายการสถานะ",
        ),
        "token_not_found" => ("No such token", "ไม่พบโทเค็นนี้"),
        "over_capacity" => {
            ("The registry is at its connection limit; retry shortly", "ระบบรับการเชื่อมต่อเต็มแล้ว โปรดลองใหม่อีกครั้ง")
        }
        _ => ("Internal error", "เกิดข้อผิดพลาดภายในระบบ"),
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
    pub code: String,
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
    pub fn new(status: StatusCode, code: &str, detail: Option<String>) -> Problem {
        let (title, title_th) = title(code);
        Problem {
            kind: format!("https://dwp.doe.go.th/problems/{code}"),
            title,
            title_th,
            status: status.as_u16(),
            code: code.to_string(),
            detail,
            field: None,
            request_id: None,
        }
    }
}

/// The problem document for a status and code, with an optional explanation.
pub fn document(status: StatusCode, code: &str, detail: Option<String>) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code a registry module answers with has its own title: a new code without
    /// one would otherwise be shown as "Internal error".
    #[test]
    fn every_code_answered_has_a_title() {
        let sources = [
            include_str!("api.rs"),
            include_str!("auth.rs"),
            include_str!("body.rs"),
            include_str!("health.rs"),
            include_str!("listen.rs"),
            include_str!("mod.rs"),
            include_str!("problem.rs"),
            include_str!("writer.rs"),
            include_str!("routes/mod.rs"),
            include_str!("routes/applications.rs"),
            include_str!("routes/audit.rs"),
            include_str!("routes/health.rs"),
            include_str!("routes/oid4vci/mod.rs"),
            include_str!("routes/oid4vci/offer.rs"),
            include_str!("routes/oid4vci/token.rs"),
            include_str!("routes/oid4vci/credential.rs"),
            include_str!("routes/permits/mod.rs"),
            include_str!("routes/permits/actions.rs"),
            include_str!("routes/permits/issue.rs"),
            include_str!("routes/permits/read.rs"),
            include_str!("routes/publish.rs"),
            include_str!("routes/tokens.rs"),
            include_str!("routes/web.rs"),
            include_str!("routes/write.rs"),
        ];
        let fallback = title("no such code");
        let mut codes = Vec::new();
        for text in sources {
            for (at, _) in text.match_indices("ApiError::new(") {
                let rest = &text[at..];
                let Some(open) = rest.find('"') else { continue };
                let Some(close) = rest[open + 1..].find('"') else { continue };
                let code = &rest[open + 1..open + 1 + close];
                if !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                    codes.push(code.to_string());
                }
            }
        }
        assert!(codes.len() > 20, "codes found: {codes:?}");
        for code in codes.iter().filter(|c| *c != "internal_error") {
            assert_ne!(title(code), fallback, "{code} has no title");
        }
        // The lifecycle's refusals, every one the rules can give.
        use dwp_issuer::lifecycle::{Action, PermitState, apply};
        use dwp_verifier::time::UnixTime;
        for state in ["active", "suspended", "revoked", "superseded"].into_iter().filter_map(PermitState::parse) {
            for action in
                ["suspend", "reinstate", "revoke", "renew", "change-employer"].into_iter().filter_map(Action::parse)
            {
                for until in [UnixTime(1), UnixTime(-1)] {
                    if let Err(e) = apply(state, action, until, UnixTime(0)) {
                        assert_ne!(title(e.code()), fallback, "{} has no title", e.code());
                    }
                }
            }
        }
    }
}
