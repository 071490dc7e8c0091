//! `GET /v1/events?after=`: the outbox as a feed of CloudEvents 1.0 records
//! (structured JSON, a batch per page), for the department's notification
//! service. Each change of an application's state is there once, in commit
//! order, from the same transaction as the change; `dwpseq` is the feed's
//! position (ask for `after` the last one seen). No personal data.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_verifier::time::UnixTime;

use super::audit::Page;
use crate::registry::api::{self, problems};
use crate::registry::auth::{Caller, Role};
use crate::registry::db::{self, WriteTx};
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;

/// The type of an application's change of state.
pub const STATUS_CHANGED: &str = "th.go.doe.dwp.application.status_changed";

/// The routes of the feed.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(feed))
}

/// Records that the application `id` went from `from` to `to`, in the write that changes it.
///
/// # Errors
/// When the database refuses.
pub async fn status_changed(w: &mut WriteTx, id: &str, from: Option<&str>, to: &str) -> Result<i64, sqlx::Error> {
    let data = serde_json::json!({ "application": id, "previousState": from, "state": to });
    db::outbox::append(w, STATUS_CHANGED, id, &data).await
}

/// Who reads the feed.
const READERS: &[Role] = &[Role::Admin, Role::Auditor];

/// One CloudEvents 1.0 record (structured mode).
#[derive(Debug, Serialize, ToSchema)]
pub struct CloudEvent {
    /// Always `1.0`.
    pub specversion: &'static str,
    /// Unique within the source.
    pub id: String,
    /// The registry's applications.
    pub source: String,
    /// The event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The application.
    pub subject: String,
    /// When the change committed (RFC 3339).
    pub time: String,
    /// Always `application/json`.
    pub datacontenttype: &'static str,
    /// The feed's position.
    pub dwpseq: i64,
    /// `application`, `previousState`, `state`.
    pub data: Value,
}

problems!(
    /// What `GET /v1/events` refuses.
    FeedProblems: api::READ, api::AUTH, &[(400, &[Code::InvalidQuery])],
);

/// `GET /v1/events` (admin, auditor): the outbox, in order.
#[utoipa::path(
    get,
    path = "/v1/events",
    operation_id = "listEvents",
    summary = "Application state changes as CloudEvents 1.0, in commit order",
    params(Page),
    responses((status = 200, description = "A batch of events (application/cloudevents-batch+json)",
        content_type = "application/cloudevents-batch+json", body = Vec<CloudEvent>), FeedProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(READERS)))),
)]
pub async fn feed(
    State(state): State<AppState>,
    caller: Caller,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(READERS)?;
    let Query(page) =
        page.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, Code::InvalidQuery).detail(e.body_text()))?;
    let rows = db::outbox::after(&state.db, page.after.max(0), page.limit.clamp(1, 1000)).await?;
    let source = format!("{}/v1/applications", state.public_url);
    let events: Vec<CloudEvent> = rows
        .into_iter()
        .map(|e| CloudEvent {
            specversion: "1.0",
            id: e.id,
            source: source.clone(),
            kind: e.kind,
            subject: e.subject,
            time: UnixTime(e.time).to_string(),
            datacontenttype: "application/json",
            dwpseq: e.seq,
            data: e.data,
        })
        .collect();
    let body = serde_json::to_string(&events).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/cloudevents-batch+json")], body).into_response())
}
