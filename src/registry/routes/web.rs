//! The two pages served as files when they are built: the offline verifier (`/verify/`, the files
//! of `web/dist`) and the worker's wallet (`/wallet/`, the files of `web/dist/wallet`).

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

/// The pages' router: the files of `web` below `/verify/` and of `web/wallet` below `/wallet/`, each
/// else a problem. They are files, not handlers, so their operations are added to the description here.
pub fn router(web: Option<&Path>) -> OpenApiRouter<AppState> {
    let wallet = web.map(|dir| dir.join("wallet")).filter(|dir| dir.join("index.html").is_file());
    let verify = match web {
        Some(dir) => files("/verify", dir),
        None => OpenApiRouter::default()
            .route("/verify", get(verify_page_missing))
            .route("/verify/{*rest}", get(verify_page_missing)),
    };
    let wallet = match wallet {
        Some(dir) => files("/wallet", &dir),
        None => OpenApiRouter::default()
            .route("/wallet", get(wallet_page_missing))
            .route("/wallet/{*rest}", get(wallet_page_missing)),
    };
    let mut router = verify.merge(wallet);
    type Verify = __path_verify_page_missing;
    type Wallet = __path_wallet_page_missing;
    let paths = &mut router.get_openapi_mut().paths;
    paths.add_path_operation(
        <Verify as utoipa::Path>::path(),
        <Verify as utoipa::Path>::methods(),
        <Verify as utoipa::Path>::operation(),
    );
    paths.add_path_operation(
        <Wallet as utoipa::Path>::path(),
        <Wallet as utoipa::Path>::methods(),
        <Wallet as utoipa::Path>::operation(),
    );
    router
}
