//! The offline verifier page (WASM), served as files below `/verify/` when it is built.

use std::path::Path;

use axum::http::StatusCode;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;

use crate::registry::api::{self, problems};
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::state::AppState;

problems!(
    /// What `GET /verify/` refuses.
    VerifyPageProblems: &[(404, &[Code::NotFound])],
);

/// `GET /verify/`, when the page is not built.
#[utoipa::path(
    get,
    path = "/verify/",
    operation_id = "verifierPage",
    summary = "The offline verifier page (WASM), when built",
    responses(
        (status = 200, description = "The page (its files are served below /verify/)", content_type = "text/html",
            body = inline(api::Html)),
        VerifyPageProblems,
    ),
)]
async fn verify_page_missing() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, Code::NotFound)
        .detail("the verifier page is not built here: run `npm --prefix web install && node web/build.mjs`")
}

/// The verifier page's router: the files of `web` below `/verify/`, else a problem. It is
/// files, not a handler, so that its one operation is added to the description here.
pub fn router(web: Option<&Path>) -> OpenApiRouter<AppState> {
    let mut router = match web {
        Some(dir) => OpenApiRouter::default().nest_service(
            "/verify",
            tower::ServiceBuilder::new()
                .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                    axum::http::header::CACHE_CONTROL,
                    axum::http::HeaderValue::from_static("no-cache"),
                ))
                .service(tower_http::services::ServeDir::new(dir).append_index_html_on_directories(true)),
        ),
        None => OpenApiRouter::default()
            .route("/verify", get(verify_page_missing))
            .route("/verify/{*rest}", get(verify_page_missing)),
    };
    type Page = __path_verify_page_missing;
    router.get_openapi_mut().paths.add_path_operation(
        <Page as utoipa::Path>::path(),
        <Page as utoipa::Path>::methods(),
        <Page as utoipa::Path>::operation(),
    );
    router
}
