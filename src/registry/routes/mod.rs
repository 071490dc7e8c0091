//! The routes, one file per resource, each with its router: the handlers and
//! their answer types. Each handler's own declaration (`#[utoipa::path]`)
//! gives its path, role check (`x-roles`) and answers, and the routers are
//! built from those declarations, so that a route cannot be served
//! undocumented, nor documented unserved.

pub mod applications;
pub mod audit;
pub mod events;
pub mod exchange;
pub mod health;
pub mod keys;
pub mod me;
pub mod oid4vci;
pub mod payments;
pub mod permits;
pub mod publish;
pub mod tokens;
pub mod track;
pub mod verify;
pub mod web;
pub mod write;

use std::path::Path;

use axum::http::StatusCode;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api;
use super::problem::ApiError;
use super::state::AppState;
use crate::registry::problem::Code;

/// The router and its OpenAPI description, both from the handlers' own
/// declarations (`#[utoipa::path]`): each resource's router, in the order of
/// the document. `web` is the built verifier page, if any.
pub fn routes(web: Option<&Path>) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(api::Frame::openapi())
        .merge(permits::router())
        .merge(oid4vci::router())
        .merge(applications::router())
        .merge(payments::router())
        .merge(exchange::router())
        .merge(me::router())
        .merge(track::router())
        .merge(tokens::router())
        .merge(audit::router())
        .merge(events::router())
        .merge(publish::router())
        .merge(keys::router())
        .merge(verify::router())
        .routes(routes!(openapi_json))
        .merge(health::router())
        .merge(web::router(web))
}

/// The OpenAPI 3.1 description, `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes(None).into_openapi()
}

/// `GET /openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    summary = "This description",
    responses((status = 200, description = "The OpenAPI document", body = api::OpenApiDocument), publish::FixedProblems),
)]
async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi())
}

/// Any path the routes do not know: a 404 problem.
pub async fn fallback() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, Code::NotFound)
}
