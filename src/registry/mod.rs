//! The registry service: the department's system of record. It issues permits
//! through `dwp-issuer`, keeps their status for their whole life, publishes
//! what offline verifiers need, and records every change in a hash-chained
//! audit log. axum over sqlx (SQLite by default, PostgreSQL by `DATABASE_URL`).
//!
//! Rules are not here: transitions and index allocation are pure functions of
//! `dwp_issuer::lifecycle`; this module authenticates, stores and answers.

pub mod api;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod body;
pub mod health;
pub mod keyset;
pub mod linger;
pub mod listen;
pub mod observe;
pub mod permits;
pub mod preflight;
pub mod problem;
pub mod publish;
pub mod store;
pub mod writer;

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_issuer::keys::KeyPair;
use dwp_verifier::credential::KeyRef;
use dwp_verifier::time::UnixTime;

use self::api::problems;
use self::auth::Role;
use self::health::Health;
use self::problem::ApiError;
use self::store::Db;

/// The registry's clock: the system's, or one a test sets.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> UnixTime + Send + Sync>);

impl Clock {
    /// The system clock, to the second.
    pub fn system() -> Clock {
        Clock(Arc::new(|| {
            let secs =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            UnixTime(i64::try_from(secs).unwrap_or(0))
        }))
    }

    /// A clock read from `f`.
    pub fn from_fn(f: impl Fn() -> UnixTime + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    /// The current time.
    pub fn now(&self) -> UnixTime {
        (self.0)()
    }
}

/// Shared state of the service.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What every handler can reach.
pub struct Inner {
    /// The database.
    pub db: Db,
    /// The issuer's signing key.
    pub key: KeyPair,
    /// The issuer DID.
    pub did: String,
    /// The signing key's verification method.
    pub verification_method: String,
    /// How permits name the key.
    pub key_ref: KeyRef,
    /// The start of the signing key's window: nothing is signed before it.
    pub not_before: UnixTime,
    /// The signed trust list, as served.
    pub trust_list: String,
    /// The DID document, as served.
    pub did_document: String,
    /// The group-commit writer (the head row serializes writers across processes).
    pub writer: tokio::sync::mpsc::Sender<writer::Pending>,
    /// What keeps the registry from working, for `/readyz`.
    pub health: Arc<Health>,
    /// The clock.
    pub clock: Clock,
    /// How long a new token lives unless its creator says otherwise, in seconds.
    pub token_ttl: i64,
    /// The built verifier page (`web/dist`), served at `/verify/`, if present.
    pub web: Option<std::path::PathBuf>,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// The current time, to the second.
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }
}

/// The router and its OpenAPI description, both from the handlers' own
/// declarations (`#[utoipa::path]`): a route cannot be served undocumented, nor
/// documented unserved. `web` is the built verifier page, if any.
fn routes(web: Option<&Path>) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(api::Frame::openapi())
        .routes(routes!(permits::issue, permits::list))
        .routes(routes!(permits::get))
        .routes(routes!(permits::qr_png))
        .routes(routes!(permits::suspend))
        .routes(routes!(permits::reinstate))
        .routes(routes!(permits::revoke))
        .routes(routes!(permits::renew))
        .routes(routes!(permits::change_employer))
        .routes(routes!(applications::submit))
        .routes(routes!(applications::get))
        .routes(routes!(applications::approve))
        .routes(routes!(applications::reject))
        .routes(routes!(applications::create_token, auth::list_tokens))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        .routes(routes!(publish::bundle))
        .routes(routes!(publish::status_list))
        .routes(routes!(publish::did_document))
        .routes(routes!(publish::trust_list))
        .routes(routes!(publish::dwp_context))
        .routes(routes!(openapi_json))
        .routes(routes!(publish::healthz))
        .routes(routes!(health::readyz))
        .merge(verify_page(web))
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

async fn fallback() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found")
}

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
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").into_response()
        }
        StatusCode::REQUEST_TIMEOUT => ApiError::new(StatusCode::REQUEST_TIMEOUT, "timeout").into_response(),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").into_response(),
        _ => resp,
    }
}

/// The verifier page's files: `DWP_WEB_DIR`, else `web/dist` when built.
fn web_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("DWP_WEB_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| "web/dist".into());
    dir.join("index.html").is_file().then_some(dir)
}

problems!(
    /// What `GET /verify/` refuses.
    VerifyPageProblems: &[(404, &["not_found"])],
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
    ApiError::new(StatusCode::NOT_FOUND, "not_found")
        .detail("the verifier page is not built here: run `npm --prefix web install && node web/build.mjs`")
}

/// The verifier page: the files of `web` below `/verify/`, else a problem. It is
/// files, not a handler, so that its one operation is added to the description here.
fn verify_page(web: Option<&Path>) -> OpenApiRouter<AppState> {
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

/// The router.
pub fn app(state: AppState) -> Router {
    let (router, _) = routes(state.web.as_deref()).split_for_parts();
    router
        .fallback(fallback)
        .with_state(state)
        // Read from the inside out: the body cap, the timeout, problem+json for axum's own refusals, gzip.
        .layer(DefaultBodyLimit::max(body::MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(body::MAX_BODY_BYTES))
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

/// The database URL: `DATABASE_URL`, else an SQLite file in the data directory.
pub fn database_url(data: &Path) -> Result<String> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Ok(url),
        _ => {
            crate::files::create_private_dir(data)?;
            let path = data.join("registry.sqlite");
            let path = path.to_str().context("the data directory's path is not UTF-8")?;
            Ok(format!("sqlite://{path}?mode=rwc"))
        }
    }
}

/// Makes the data directory private, whatever the umask: the directory and its
/// `keys` folder 0700, every file directly in them 0600 (the SQLite database,
/// its `-wal`, `-shm` and `-journal` files, the keys, and the public files too:
/// they are served over HTTP, never read from here by anyone else). The
/// directory belongs to the registry; folders other than `keys` are not
/// entered. Returns what it had to tighten, with the mode it had.
pub fn secure_data_dir(data: &Path) -> Result<Vec<(std::path::PathBuf, u32)>> {
    crate::files::create_private_dir(data)?;
    let mut tightened = Vec::new();
    for dir in [data.to_path_buf(), data.join("keys")] {
        if !dir.is_dir() {
            continue;
        }
        tightened.extend(crate::files::restrict(&dir)?.map(|mode| (dir.clone(), mode)));
        let entries = std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
        for entry in entries {
            let path = entry.with_context(|| format!("listing {}", dir.display()))?.path();
            if path.symlink_metadata().is_ok_and(|m| m.is_file()) {
                tightened.extend(crate::files::restrict(&path)?.map(|mode| (path, mode)));
            }
        }
    }
    Ok(tightened)
}

/// [`secure_data_dir`], saying on stderr what was open to other users.
fn secure_data_dir_reporting(data: &Path) -> Result<()> {
    for (path, mode) in secure_data_dir(data)? {
        let to = if path.is_dir() { "0700" } else { "0600" };
        eprintln!("{} was mode {mode:04o}, open to other users; changed it to {to}", path.display());
    }
    Ok(())
}

/// How the registry is opened: where, as whom, on which clock.
pub struct Options<'a> {
    /// The data directory (keys, and the SQLite file by default).
    pub data: &'a Path,
    /// The issuer DID for keys generated on first start.
    pub did: &'a str,
    /// The authority the trust list of keys generated on first start names.
    pub authority: &'a dwp_issuer::trust::Authority,
    /// The database.
    pub database_url: &'a str,
    /// The clock.
    pub clock: Clock,
    /// How long a new token lives unless its creator says otherwise, in seconds.
    pub token_ttl: i64,
}

/// How long the bootstrap administrator token lives.
pub const BOOTSTRAP_TTL_SECS: i64 = 86_400;
/// How long a token lives by default.
pub const DEFAULT_TOKEN_DAYS: u32 = 90;

/// Opens the registry: the key set (created on first start, under a lock, and
/// checked at every start), the database, and the issuer it belongs to.
///
/// # Errors
/// When the keys disagree, the database belongs to another issuer, or either cannot be read.
pub async fn open(o: Options<'_>) -> Result<AppState> {
    secure_data_dir_reporting(o.data)?;
    let lock = keyset::StartLock::acquire(o.data)?;
    let keys = keyset::open(o.data, o.did, o.authority, o.clock.now(), &lock)?;
    // Files made since (the lock, a new key set's public files) are private too.
    secure_data_dir(o.data)?;
    let db = Db::open(o.database_url).await?;
    let ours = keys.key.public_multibase();
    let (did, recorded) = db.record_issuer(&keys.did, &ours, o.clock.now().0).await?;
    drop(lock);
    if did != keys.did || recorded != ours {
        bail!(
            "this database belongs to the issuer {did} (key {recorded}), but the keys in {} are {}'s (key {ours}): \
             start with that issuer's keys, or use another database",
            o.data.join("keys").display(),
            keys.did
        );
    }
    let health = Arc::new(Health::default());
    let writer = writer::spawn(db.clone(), o.clock.clone(), health.clone(), keys.not_before.0);
    Ok(AppState(Arc::new(Inner {
        db,
        key: keys.key,
        did: keys.did,
        verification_method: keys.verification_method,
        key_ref: keys.key_ref,
        not_before: keys.not_before,
        trust_list: keys.trust_list,
        did_document: keys.did_document,
        writer,
        health,
        clock: o.clock,
        token_ttl: o.token_ttl,
        web: web_dir(),
    })))
}

/// Creates the bootstrap administrator token if the registry never had an
/// administrator; it lives [`BOOTSTRAP_TTL_SECS`]. Returns it, to be shown once.
///
/// # Errors
/// When the database refuses.
pub async fn bootstrap(state: &AppState) -> Result<Option<String>> {
    let now = state.now().0;
    // Counted inside the write, which holds the head row: of concurrent first starts, one creates it.
    let mut w = state.db.begin_write(now).await?;
    let admins: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM tokens WHERE role = 'admin'").fetch_one(&mut *w.tx).await?;
    if admins > 0 {
        w.abort().await;
        return Ok(None);
    }
    let expires = now + BOOTSTRAP_TTL_SECS;
    let (_, token) = auth::create_token(&mut w, "system", Role::Admin, None, Some("bootstrap"), expires).await?;
    w.commit().await?;
    Ok(Some(token))
}

/// `did:web` for a listen address: `127.0.0.1:8080` → `did:web:127.0.0.1%3A8080`.
pub fn default_did(listen: &str) -> String {
    match listen.rsplit_once(':') {
        Some((host, "0")) | Some((host, "443")) => format!("did:web:{}", host.trim_matches(['[', ']'])),
        Some((host, port)) => format!("did:web:{}%3A{port}", host.trim_matches(['[', ']'])),
        None => format!("did:web:{listen}"),
    }
}

/// What `dwp serve` is told, from its flags.
pub struct ServeConfig {
    /// The data directory.
    pub data: std::path::PathBuf,
    /// The address to listen on.
    pub listen: String,
    /// The issuer DID for keys generated on first start.
    pub did: String,
    /// The authority the trust list of keys generated on first start names.
    pub authority: dwp_issuer::trust::Authority,
    /// Days a new token lives by default.
    pub token_days: u32,
    /// Connection limits.
    pub limits: listen::Limits,
    /// How log lines are written.
    pub log_format: observe::LogFormat,
}

/// `dwp serve`: serves until SIGTERM or ctrl-c, within the connection `limits`. The listener is
/// bound before anything is created, so that a start that cannot listen leaves no token behind.
///
/// # Errors
///
/// The runtime, the keys, the database or the listening socket could not be set up.
pub fn serve(config: ServeConfig) -> Result<std::process::ExitCode> {
    let ServeConfig { data, listen, did, authority, token_days, limits, log_format } = config;
    observe::init(log_format);
    let (data, listen) = (data.as_path(), listen.as_str());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let result = runtime.block_on(async {
        let url = database_url(data)?;
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr()?;
        let options = Options {
            data,
            did: &did,
            authority: &authority,
            database_url: &url,
            clock: Clock::system(),
            token_ttl: i64::from(token_days) * 86_400,
        };
        let state = open(options).await?;
        let bootstrap = bootstrap(&state).await?;
        let where_ = match state.db.engine {
            store::Engine::Sqlite => format!("sqlite ({})", data.join("registry.sqlite").display()),
            store::Engine::Postgres => format!("postgres ({})", store::redact(&url)),
        };
        println!("DWP registry listening on http://{addr}");
        println!("  issuer {} · database {where_}", state.did);
        if let Some(t) = bootstrap {
            println!("  bootstrap administrator token (shown once; keep it safe): {t}");
            println!("  it expires in 24 h: create the administrators' own tokens with it (POST /v1/tokens)");
        }
        use std::io::Write as _;
        std::io::stdout().flush().ok();
        listen::run(listener, app(state), limits, shutdown()).await.context("serving")?;
        Ok::<_, anyhow::Error>(std::process::ExitCode::SUCCESS)
    });
    // Blocking work still running (file reads for the verifier page) must not hold the exit.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

async fn shutdown() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Opens the database of a data directory for a command beside the server.
async fn open_db(data: &Path) -> Result<Db> {
    secure_data_dir_reporting(data)?;
    Db::open(&database_url(data)?).await
}

/// `dwp tokens create`.
pub fn create_token_cli(
    data: &Path,
    role: &str,
    scope: Option<&str>,
    label: Option<&str>,
    days: u32,
) -> Result<std::process::ExitCode> {
    let role = Role::parse(role).with_context(|| {
        format!("--role {role:?}: one of admin, registrar, officer, employer, partner, inspector, auditor")
    })?;
    let scope = auth::check_scope(role, scope).map_err(|e| anyhow::anyhow!("--scope: {e}"))?;
    if let Some(l) = label {
        dwp_verifier::text::check(l, 100).map_err(|e| anyhow::anyhow!("--label {e}"))?;
    }
    let ttl = auth::check_days(days).map_err(|e| anyhow::anyhow!("--days: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let db = open_db(data).await?;
        let now = Clock::system().now().0;
        let mut w = db.begin_write(now).await?;
        let (id, token) = auth::create_token(&mut w, "cli", role, scope.as_deref(), label, now + ttl).await?;
        w.commit().await?;
        eprintln!("created {} token {id}, valid until {}; it is shown once, below", role.as_str(), UnixTime(now + ttl));
        println!("{token}");
        Ok(std::process::ExitCode::SUCCESS)
    })
}

/// `dwp tokens list`: every token, never a secret.
pub fn list_tokens_cli(data: &Path, json: bool) -> Result<std::process::ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let db = open_db(data).await?;
        let now = Clock::system().now().0;
        let tokens = serde_json::to_value(auth::list(&db, now).await?)?;
        if json {
            println!("{}", serde_json::to_string_pretty(&tokens)?);
            return Ok(std::process::ExitCode::SUCCESS);
        }
        println!("{:<30} {:<10} {:<9} {:<20} {:<20} label / scope", "id", "role", "state", "created", "expires");
        for t in tokens.as_array().into_iter().flatten() {
            let s = |k: &str| t[k].as_str().unwrap_or("").to_string();
            let extra = [s("label"), s("scope")].into_iter().filter(|x| !x.is_empty()).collect::<Vec<_>>().join(" / ");
            println!(
                "{:<30} {:<10} {:<9} {:<20} {:<20} {extra}",
                s("id"),
                s("role"),
                s("state"),
                s("createdAt"),
                s("expiresAt")
            );
        }
        Ok(std::process::ExitCode::SUCCESS)
    })
}

/// `dwp tokens revoke ID`.
pub fn revoke_token_cli(data: &Path, id: &str) -> Result<std::process::ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let db = open_db(data).await?;
        let now = Clock::system().now().0;
        let mut w = db.begin_write(now).await?;
        match auth::revoke(&mut w, "cli", id).await {
            Ok(true) => {
                w.commit().await?;
                eprintln!("revoked token {id}; it is refused from now on");
                Ok(std::process::ExitCode::SUCCESS)
            }
            Ok(false) => {
                w.abort().await;
                bail!("no live token {id:?} (see `dwp tokens list`)")
            }
            Err(e) => {
                w.abort().await;
                Err(e.into())
            }
        }
    })
}
