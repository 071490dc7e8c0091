//! The service as one router: the routes, the fallback, and the layers every
//! answer passes through (body cap, timeout, problem+json, request log, gzip,
//! `Cache-Control`).

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

use super::problem::ApiError;
use super::state::AppState;
use super::{body, observe, routes};
use crate::registry::problem::Code;

/// axum's own refusals (405, 408 from the timeout, 413) as problem+json.
async fn problem_responses(resp: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse;
    let is_problem = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        return resp;
    }
    match resp.status() {
        StatusCode::METHOD_NOT_ALLOWED => {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, Code::MethodNotAllowed).into_response()
        }
        StatusCode::REQUEST_TIMEOUT => ApiError::new(StatusCode::REQUEST_TIMEOUT, Code::Timeout).into_response(),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::BodyTooLarge).into_response()
        }
        _ => resp,
    }
}

/// The router.
pub fn app(state: AppState) -> Router {
    let (router, _) = routes::routes(state.web.as_deref()).split_for_parts();
    router
        .fallback(routes::fallback)
        .with_state(state)
        // Read from the inside out: the body cap, the timeout, problem+json for axum's own refusals, gzip.
        .layer(DefaultBodyLimit::max(body::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(body::limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(axum::middleware::map_response(problem_responses))
        // The request id, the request's log line, the cause of a 500 (before gzip: it reads problem bodies).
        .layer(axum::middleware::from_fn(observe::requests))
        .layer(CompressionLayer::new().gzip(true))
        // Nothing is cached unless its handler says so: most answers carry personal data.
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        ))
}
