//! Applications: submitted online by employers or at a service centre on a
//! walk-in's behalf, paid by Thai QR, identity checked at a centre, decided by
//! the registrar alone. Every step is a transition of
//! `dwp_issuer::application`, written with its timeline entry, its event in
//! the outbox and its audit entry in one transaction ([`steps::apply`]).
//! Officers and employers read states, times and fees, never the permit data;
//! the registrar reads the data for a stated purpose, and the read is recorded.

pub mod decide;
pub mod documents;
pub mod fee;
pub mod steps;
pub mod submit;
pub mod view;

use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_issuer::application::ApplicationState;
use dwp_verifier::codes::Category;

use crate::registry::auth::{Caller, Role};
use crate::registry::db::applications::ApplicationRow;
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;

/// Who submits applications (as the applicant) and follows them.
pub const APPLICANTS: &[Role] = &[Role::Employer, Role::Officer, Role::Registrar];
/// Who reads applications.
pub const READERS: &[Role] = &[Role::Employer, Role::Officer, Role::Registrar];
/// Who decides applications.
pub const REGISTRAR: &[Role] = &[Role::Registrar];
/// Who records identity verifications.
pub const OFFICERS: &[Role] = &[Role::Officer];

/// The routes of `/v1/applications`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit::submit, view::list))
        .routes(routes!(view::get))
        .routes(routes!(fee::png))
        .routes(routes!(fee::svg))
        .routes(routes!(documents::attach, documents::list))
        .routes(routes!(documents::read))
        .routes(routes!(steps::identity))
        .routes(routes!(steps::review))
        .routes(routes!(steps::request_info))
        .routes(routes!(steps::provide_info))
        .routes(routes!(steps::withdraw))
        .routes(routes!(decide::approve))
        .routes(routes!(decide::reject))
}

/// The `{id}` of an application's path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ApplicationId {
    /// The application's number (`DWP25690000123`).
    pub id: String,
}

/// 404: no application by that number, or none the caller may see (an
/// employer sees its own only; it cannot tell another's from none).
pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, Code::NotFound)
}

/// Whether `caller` may see the application `row`: an employer only its own.
pub fn visible(caller: &Caller, row: &ApplicationRow) -> bool {
    match caller.role {
        Role::Employer => caller.scope.is_some() && caller.scope == row.employer_id,
        _ => true,
    }
}

/// An id that can be looked up: at most 64 characters (a longer one is no application's).
pub fn lookup_id(id: &str) -> Option<&str> {
    (id.len() <= 64).then_some(id)
}

/// The stored state of a row, read strictly.
///
/// # Errors
/// An internal error for a state no version of the registry writes.
pub fn stored_state(row: &ApplicationRow) -> Result<ApplicationState, ApiError> {
    ApplicationState::parse(&row.state).ok_or_else(|| ApiError::internal(format!("stored state {:?}", row.state)))
}

/// The permit category of a row (for rows from before it was kept: from the data).
pub fn category_of(row: &ApplicationRow, input_json: Option<&str>) -> Result<Category, ApiError> {
    let text = match (&row.category, input_json) {
        (Some(c), _) => c.clone(),
        (None, Some(input)) => serde_json::from_str::<serde_json::Value>(input)
            .ok()
            .and_then(|v| v["category"].as_str().map(str::to_string))
            .unwrap_or_default(),
        (None, None) => String::new(),
    };
    Category::parse(&text).ok_or_else(|| ApiError::internal(format!("stored category {text:?}")))
}
