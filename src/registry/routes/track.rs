//! `POST /v1/track`: the public tracking of an application, by its number and
//! the worker's birth date (in the body, never in a URL). It answers the state,
//! the date of its last change, the next step in five languages and the fee QR
//! while the fee may be paid — no other personal data. The birth date is never
//! compared in clear: the registry keeps a keyed blind index of (number, birth
//! date). Wrong answers are limited per application and per client: after ten
//! within an hour, the next is refused without being checked.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_verifier::time::{Date, UnixTime};

use super::applications::fee::{FeeView, fee_view};
use super::applications::submit::{TRACK_COLUMN, track_subject};
use super::applications::view::{Texts, next_step_of};
use super::oid4vci::constant_time_eq;
use crate::registry::api::{self, problems};
use crate::registry::body::JsonBody;
use crate::registry::db;
use crate::registry::journey::is_application_number;
use crate::registry::listen::Peer;
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;
use crate::registry::writer::{self, job};

/// Wrong answers allowed per application, and per client, within [`WINDOW_SECS`].
pub const MAX_WRONG: i64 = 10;
/// The rate limit's window.
pub const WINDOW_SECS: i64 = 3600;

/// The routes of the tracking.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(track))
}

/// What the applicant types.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrackBody {
    /// The application number (`DWP25690000123`).
    pub number: String,
    /// The worker's birth date, `YYYY-MM-DD`.
    pub birth_date: String,
}

/// An application as the public tracking shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tracked {
    /// The application number.
    pub number: String,
    /// Its state.
    pub state: String,
    /// When it entered that state.
    pub changed_at: String,
    /// What to do next, in five languages (with its due date written in).
    pub next_step: Texts,
    /// The fee; its `qr` only while it may be paid.
    #[schema(required = true)]
    pub fee: Option<FeeView>,
}

problems!(
    /// What the tracking refuses.
    TrackProblems: api::READ, api::JSON_BODY, api::WRITE,
    &[(404, &[Code::NotFound]), (422, &[Code::InvalidField]), (429, &[Code::TooManyAttempts])],
);

fn invalid(field: &'static str, detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField)
        .field(field)
        .detail(format!("{field}: {detail}"))
}

/// `POST /v1/track` (anyone): an application's state by its number and the worker's birth date.
#[utoipa::path(
    post,
    path = "/v1/track",
    operation_id = "trackApplication",
    summary = "Track an application by its number and the worker's birth date",
    request_body = TrackBody,
    responses((status = 200, description = "The application's state and next step", body = Tracked), TrackProblems),
)]
pub async fn track(
    State(state): State<AppState>,
    peer: Option<axum::Extension<Peer>>,
    body: Result<JsonBody<TrackBody>, ApiError>,
) -> Result<Response, ApiError> {
    let body = body?;
    let number = body.value.number.trim().to_ascii_uppercase();
    if !is_application_number(&number) {
        return Err(invalid("number", "an application number is DWP and 11 digits (DWP25690000123)"));
    }
    let birth = Date::parse(body.value.birth_date.trim()).map_err(|e| invalid("birthDate", &e.to_string()))?;
    let client = peer.map_or_else(|| "client:unknown".to_string(), |p| format!("client:{}", p.0.0));
    let application = format!("application:{number}");
    let now = state.clock.now().0;
    let since = now - WINDOW_SECS;
    for subject in [&application, &client] {
        if db::payments::track_failures(&state.db, subject, since).await? >= MAX_WRONG {
            let mut resp = ApiError::new(StatusCode::TOO_MANY_REQUESTS, Code::TooManyAttempts)
                .detail("too many wrong answers within the hour: try again later")
                .into_response();
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("3600"));
            return Ok(resp);
        }
    }
    let expected = state.db.vault.blind(TRACK_COLUMN, &track_subject(&number, &birth.to_string()));
    let expected = expected.map_err(ApiError::internal)?;
    let row = db::applications::by_id(&state.db, &number).await?;
    let Some(row) = row.filter(|r| r.track_key.as_deref().is_some_and(|k| constant_time_eq(k, &expected))) else {
        let subjects = [application, client];
        let work = job(move |w| {
            Box::pin(async move {
                let subjects: Vec<&str> = subjects.iter().map(String::as_str).collect();
                db::payments::track_failed(w, &subjects, w.now - WINDOW_SECS).await?;
                Ok((StatusCode::OK, Value::Null))
            })
        });
        writer::submit(&state.writer, "", None, String::new(), work).await?;
        return Err(ApiError::new(StatusCode::NOT_FOUND, Code::NotFound)
            .detail("no application has this number and birth date"));
    };
    let answer = Tracked {
        next_step: next_step_of(&state.journey, &row, None)?,
        fee: fee_view(&state.journey, &row, now)?,
        number: row.id,
        state: row.state,
        changed_at: UnixTime(row.entered_at).to_string(),
    };
    Ok(Json(answer).into_response())
}
