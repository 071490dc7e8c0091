//! `/healthz` and `/readyz`: whether the registry is alive and its database
//! answers, and whether writes and signatures can succeed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::registry::api::{self, problems};
use crate::registry::db::Engine;
use crate::registry::problem::ApiError;
use crate::registry::state::AppState;

/// The routes of `/healthz` and `/readyz`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz))
}

/// The liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Healthz {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// The issuer DID.
    pub issuer: String,
    /// SQLite only: the settings durability depends on.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sqlite: Option<SqliteSettings>,
}

/// The SQLite settings durability depends on.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SqliteSettings {
    /// The journal mode (`wal`).
    pub journal_mode: String,
    /// `full`, or the number SQLite reports.
    pub synchronous: String,
}

problems!(
    /// What `GET /healthz` refuses.
    HealthzProblems: api::READ,
);

/// `GET /healthz`.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    summary = "Liveness and database check",
    responses((status = 200, description = "Alive, and the database answers", body = Healthz), HealthzProblems),
)]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Healthz>, ApiError> {
    let mut body =
        Healthz { status: "ok", database: state.db.engine.as_str(), issuer: state.did.clone(), sqlite: None };
    if state.db.engine == Engine::Sqlite {
        let (mode, sync) = state.db.sqlite_settings().await?;
        let synchronous = if sync == 2 { "full".to_string() } else { sync.to_string() };
        body.sqlite = Some(SqliteSettings { journal_mode: mode, synchronous });
    } else {
        state.db.ping().await?;
    }
    Ok(Json(body))
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
    if let Err(e) = state.db.ping().await {
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
