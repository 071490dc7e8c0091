//! What keeps the registry from doing its work, as `/readyz` reports it: writes
//! that fail, a clock behind the last signature, stored status that disagrees
//! with the audited history. Each problem is logged once when it starts and
//! once when it ends.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;

/// Writes fail (the storage refused a statement or a commit).
pub const STORAGE: &str = "storage_unavailable";
/// The clock is earlier than the last signature or the signing key's window.
pub const CLOCK: &str = "clock_behind";
/// Stored status bits disagree with the audited history; lists keep their last good signature.
pub const AUDIT: &str = "status_disagrees_with_audit";

/// The problems in force, by code and subject (e.g. the status list concerned; empty for the whole registry).
#[derive(Debug, Default)]
pub struct Health {
    problems: Mutex<BTreeMap<(&'static str, String), String>>,
}

impl Health {
    /// Records a problem of the whole registry (logged when it starts).
    pub fn set(&self, code: &'static str, detail: impl Into<String>) {
        self.set_for(code, "", detail);
    }

    /// Records a problem of one subject (logged when it starts).
    pub fn set_for(&self, code: &'static str, subject: &str, detail: impl Into<String>) {
        let detail = detail.into();
        if let Ok(mut p) = self.problems.lock()
            && p.insert((code, subject.to_string()), detail.clone()).is_none()
        {
            tracing::error!(code, subject, detail = %detail, "not ready");
        }
    }

    /// Clears a problem of the whole registry (logged when it ends).
    pub fn clear(&self, code: &'static str) {
        self.clear_for(code, "");
    }

    /// Clears a problem of one subject (logged when it ends).
    pub fn clear_for(&self, code: &'static str, subject: &str) {
        if let Ok(mut p) = self.problems.lock()
            && p.remove(&(code, subject.to_string())).is_some()
        {
            tracing::info!(code, subject, "ready again");
        }
    }

    /// Whether a problem with this code is in force, for any subject.
    pub fn has(&self, code: &'static str) -> bool {
        self.problems.lock().is_ok_and(|p| p.keys().any(|(c, _)| *c == code))
    }

    /// Every problem in force: `(code, subject, detail)`.
    pub fn problems(&self) -> Vec<(&'static str, String, String)> {
        self.problems
            .lock()
            .map(|p| p.iter().map(|((c, s), d)| (*c, s.clone(), d.clone())).collect())
            .unwrap_or_default()
    }
}

/// Whether the registry can do its work.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// Whether writes and signatures can succeed.
    pub ready: bool,
    /// What keeps it from working.
    pub problems: Vec<NotReady>,
}

/// One thing that keeps the registry from working.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotReady {
    /// `storage_unavailable`, `clock_behind`, `status_disagrees_with_audit` or `database_unreachable`.
    pub code: &'static str,
    /// The status list concerned (`null` for the whole registry); absent for `database_unreachable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub subject: Option<Option<String>>,
    /// What is wrong.
    pub detail: String,
}

/// `GET /readyz`: 200 when writes and signatures can succeed, else 503 naming each problem.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    summary = "Readiness: 503 while writes fail, the clock is behind, or stored status disagrees with the audit log",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "Not ready: each problem named", body = Readiness),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let mut problems: Vec<NotReady> = state
        .health
        .problems()
        .into_iter()
        .map(|(code, subject, detail)| NotReady {
            code,
            subject: Some((!subject.is_empty()).then_some(subject)),
            detail,
        })
        .collect();
    if let Err(e) = sqlx::query("SELECT 1").execute(&state.db.pool).await {
        tracing::error!(error = %e, "readyz: the database does not answer");
        problems.push(NotReady {
            code: "database_unreachable",
            subject: None,
            detail: "the database does not answer".to_string(),
        });
    }
    let ready = problems.is_empty();
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let mut resp = (status, Json(Readiness { ready, problems })).into_response();
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_come_and_go() {
        let h = Health::default();
        assert!(h.problems().is_empty());
        h.set(STORAGE, "disk full");
        h.set(CLOCK, "behind");
        assert!(h.has(STORAGE));
        assert_eq!(h.problems().len(), 2);
        h.clear(STORAGE);
        assert!(!h.has(STORAGE));
        assert_eq!(h.problems(), vec![(CLOCK, String::new(), "behind".to_string())]);
        h.set_for(AUDIT, "revocation/1", "p1 disagrees");
        h.clear_for(AUDIT, "revocation/2");
        assert!(h.has(AUDIT), "another subject's problem stands");
    }
}
