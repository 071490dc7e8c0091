//! `GET /v1/permits/{id}/access-log`: every read of the permit's data — who
//! (token and role), when, and the purpose they stated — as the audit chain
//! recorded it before the data was released.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{LISTERS, PermitId, fetch, not_found};
use crate::registry::api::{self, problems};
use crate::registry::auth::Caller;
use crate::registry::db;
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;
use dwp_verifier::time::UnixTime;

/// The reads of one permit's data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLog {
    /// The permit's id.
    pub id: String,
    /// Every read, oldest first.
    pub reads: Vec<AccessEntry>,
}

/// One read of a permit's data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessEntry {
    /// Its place in the audit chain.
    pub seq: i64,
    /// When.
    pub at: String,
    /// The id of the token that read.
    pub token: String,
    /// The token's role.
    pub role: String,
    /// What was read: `permit.read` (the view) or `permit.read_qr` (the QR code).
    pub action: String,
    /// The purpose the reader stated.
    pub purpose: String,
}

problems!(
    /// What `GET /v1/permits/{id}/access-log` refuses.
    AccessLogProblems: api::READ, api::AUTH, &[(404, &[Code::NotFound])],
);

/// `GET /v1/permits/{id}/access-log` (registrar, auditor).
#[utoipa::path(
    get,
    path = "/v1/permits/{id}/access-log",
    operation_id = "getPermitAccessLog",
    summary = "Who read this permit's data, when, and why",
    params(PermitId),
    responses((status = 200, description = "The reads, oldest first", body = AccessLog), AccessLogProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(LISTERS)))),
)]
pub async fn access_log(
    State(state): State<AppState>,
    caller: Caller,
    Path(PermitId { id }): Path<PermitId>,
) -> Result<Json<AccessLog>, ApiError> {
    caller.require(LISTERS)?;
    let stored = fetch(&state.db, &id).await?.ok_or_else(not_found)?;
    let rows = db::audit::reads_of(&state.db, &stored.row.id).await?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let reads = rows
        .into_iter()
        .map(|(e, _, _)| AccessEntry {
            seq: e.seq,
            at: UnixTime(e.at).to_string(),
            token: e.actor,
            role: text(&e.detail, "role"),
            action: e.action,
            purpose: text(&e.detail, "purpose"),
        })
        .collect();
    Ok(Json(AccessLog { id: stored.row.id, reads }))
}
