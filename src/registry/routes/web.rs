//! The pages served as files when they are built: the offline verifier (`/verify/`, the files of
//! `web/dist`), the worker's wallet (`/wallet/`, `web/dist/wallet`), the staff and employers' console
//! (`/console/`, `web/dist/console`) and the public tracking of an application (`/track/`,
//! `web/dist/track`).

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

problems!(
    /// What `GET /wallet/` refuses.
    WalletPageProblems: &[(404, &[Code::NotFound])],
);

problems!(
    /// What `GET /console/` refuses.
    ConsolePageProblems: &[(404, &[Code::NotFound])],
);

problems!(
    /// What `GET /track/` refuses.
    TrackPageProblems: &[(404, &[Code::NotFound])],
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

/// `GET /wallet/`, when the page is not built.
#[utoipa::path(
    get,
    path = "/wallet/",
    operation_id = "walletPage",
    summary = "The worker's wallet (an offline web app), when built",
    responses(
        (status = 200, description = "The page (its files are served below /wallet/)", content_type = "text/html",
            body = inline(api::Html)),
        WalletPageProblems,
    ),
)]
async fn wallet_page_missing() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, Code::NotFound)
        .detail("the wallet page is not built here: run `npm --prefix web install && node web/build.mjs`")
}

/// `GET /console/`, when the page is not built.
#[utoipa::path(
    get,
    path = "/console/",
    operation_id = "consolePage",
    summary = "The console of registrars, officers and employers (a page over this API), when built",
    responses(
        (status = 200, description = "The page (its files are served below /console/)", content_type = "text/html",
            body = inline(api::Html)),
        ConsolePageProblems,
    ),
)]
async fn console_page_missing() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, Code::NotFound)
        .detail("the console page is not built here: run `npm --prefix web install && node web/build.mjs`")
}

/// `GET /track/`, when the page is not built.
#[utoipa::path(
    get,
    path = "/track/",
    operation_id = "trackPage",
    summary = "The public tracking page of an application (five languages), when built",
    responses(
        (status = 200, description = "The page (its files are served below /track/)", content_type = "text/html",
            body = inline(api::Html)),
        TrackPageProblems,
    ),
)]
async fn track_page_missing() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, Code::NotFound)
        .detail("the tracking page is not built here: run `npm --prefix web install && node web/build.mjs`")
}

/// The files of `dir` below `prefix`, revalidated on every load (the service workers keep them offline).
fn files(prefix: &str, dir: &Path) -> OpenApiRouter<AppState> {
    OpenApiRouter::default().nest_service(
        prefix,
        tower::ServiceBuilder::new()
            .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-cache"),
            ))
            .service(tower_http::services::ServeDir::new(dir).append_index_html_on_directories(true)),
    )
}

/// The page built in `dir` below `prefix`, else `missing` (a problem saying how to build it).
fn page<H, T>(prefix: &str, dir: Option<std::path::PathBuf>, missing: H) -> OpenApiRouter<AppState>
where
    H: axum::handler::Handler<T, AppState> + Clone,
    T: 'static,
{
    match dir.filter(|dir| dir.join("index.html").is_file()) {
        Some(dir) => files(prefix, &dir),
        None => OpenApiRouter::default()
            .route(prefix, get(missing.clone()))
            .route(&format!("{prefix}/{{*rest}}"), get(missing)),
    }
}

/// The pages' router: the files of `web` below `/verify/`, of `web/wallet` below `/wallet/`, of
/// `web/console` below `/console/` and of `web/track` below `/track/`, each else a problem. They are
/// files, not handlers, so their operations are added to the description here.
pub fn router(web: Option<&Path>) -> OpenApiRouter<AppState> {
    let verify = match web {
        Some(dir) => files("/verify", dir),
        None => OpenApiRouter::default()
            .route("/verify", get(verify_page_missing))
            .route("/verify/{*rest}", get(verify_page_missing)),
    };
    let below = |name: &str| web.map(|dir| dir.join(name));
    let mut router = verify
        .merge(page("/wallet", below("wallet"), wallet_page_missing))
        .merge(page("/console", below("console"), console_page_missing))
        .merge(page("/track", below("track"), track_page_missing));
    let paths = &mut router.get_openapi_mut().paths;
    add::<__path_verify_page_missing>(paths);
    add::<__path_wallet_page_missing>(paths);
    add::<__path_console_page_missing>(paths);
    add::<__path_track_page_missing>(paths);
    router
}

/// Adds the operation of the page `P` to the description.
fn add<P: utoipa::Path>(paths: &mut utoipa::openapi::path::Paths) {
    paths.add_path_operation(P::path(), P::methods(), P::operation());
}
