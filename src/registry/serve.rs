//! Opening the registry and serving it: the key set and the database, the
//! bootstrap token, `dwp serve` until a signal, and the token commands run
//! beside the server on the same data directory.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::TrustList;

use super::app::app;
use super::auth::{self, Role};
use super::clock::Clock;
use super::config::{
    BOOTSTRAP_TTL_SECS, Options, ServeConfig, database_url, key_source, secure_data_dir, secure_data_dir_reporting,
    web_dir,
};
use super::db::{self, Db, Engine, KeySource};
use super::health::Health;
use super::keyring::{HeldKey, Keyring};
use super::state::{AppState, Inner};
use super::{keyset, listen, observe, reissue, routes, trust, writer};

/// Opens the registry: the key set (created on first start, under a lock, and
/// checked at every start), the database, and the issuer it belongs to.
///
/// # Errors
/// When the keys disagree, the database belongs to another issuer, or either cannot be read.
pub async fn open(o: Options<'_>) -> Result<AppState> {
    secure_data_dir_reporting(o.data)?;
    let lock = keyset::StartLock::acquire(o.data)?;
    let keys = keyset::open(o.data, o.did, o.authority, o.clock.now(), o.hsm, o.production, &lock)?;
    // Files made since (the lock, a new key set's public files) are private too.
    secure_data_dir(o.data)?;
    let mut db = Db::open(o.database_url, &o.master_key, o.clock.now().0).await?;
    db.journal = Some(Arc::new(super::journal::Journal::open(o.data)?));
    db::reseal::seal_clear_rows(&db, &o.clock).await?;
    let ours = dwp_verifier::multikey::encode_public(&keys.signer.public());
    let (did, recorded) = db.record_issuer(&keys.did, &ours, o.clock.now().0).await?;
    if did != keys.did || recorded != ours {
        bail!(
            "this database belongs to the issuer {did} (key {recorded}), but the keys in {} are {}'s (key {ours}): \
             start with that issuer's keys, or use another database",
            o.data.join("keys").display(),
            keys.did
        );
    }
    let first = TrustList::verify(&keys.trust_list, Some(&keys.root))?;
    trust::adopt_key_folder(&db, &o.clock, &first, &keys.trust_list, &keys.verification_method).await?;
    if let Some(n) = trust::adopt_published(&db, &o.clock, &o.data.join("keys"), &keys.root, &keys.did).await? {
        eprintln!(
            "published again the trust list of sequence {n} kept in the key folder (the database held an older one)"
        );
    }
    let exchange_key = super::exchange::ExchangeKey::open(&o.data.join("keys"))?;
    drop(lock);
    let published = db::trust_lists::newest(&db).await?.context("no trust list is stored")?;
    let keys_dir = o.data.join("keys");
    let held = HeldKey { vm: keys.verification_method.clone(), signer: keys.signer.clone() };
    let keyring = Arc::new(Keyring::open(&keys_dir, &keys.did, keys.root, o.hsm, held, &published.document)?);
    let health = Arc::new(Health::default());
    let writer = writer::spawn(db.clone(), o.clock.clone(), health.clone(), keys.not_before.0, keyring.clone());
    let public_url = super::config::public_url(&keys.did)?;
    let state = AppState::new(Inner {
        db,
        public_url,
        keyring,
        keys_dir,
        reissue: Arc::new(tokio::sync::Notify::new()),
        did: keys.did,
        not_before: keys.not_before,
        root: keys.root,
        writer,
        health,
        clock: o.clock,
        token_ttl: o.token_ttl,
        web: web_dir(),
        journey: o.journey,
        exchange_key,
    });
    reissue::spawn(state.clone());
    super::expiry::spawn(state.clone());
    Ok(state)
}

/// Creates the bootstrap administrator token if the registry never had an
/// administrator; it lives [`BOOTSTRAP_TTL_SECS`]. Returns it, to be shown once.
///
/// # Errors
/// When the database refuses.
pub async fn bootstrap(state: &AppState) -> Result<Option<String>> {
    // Counted inside the write, which holds the head row: of concurrent first starts, one creates it.
    let mut w = state.db.begin_write(&state.clock).await?;
    let now = w.now;
    let admins = db::tokens::admin_count(&mut w).await?;
    if admins > 0 {
        w.abort().await;
        return Ok(None);
    }
    let expires = now + BOOTSTRAP_TTL_SECS;
    let (_, token) = auth::create_token(&mut w, "system", Role::Admin, None, Some("bootstrap"), expires).await?;
    w.commit().await?;
    Ok(Some(token))
}

/// `dwp serve`: serves until SIGTERM or ctrl-c, within the connection `limits`. The listener is
/// bound before anything is created, so that a start that cannot listen leaves no token behind.
///
/// # Errors
///
/// The runtime, the keys, the database or the listening socket could not be set up.
pub fn serve(config: ServeConfig) -> Result<std::process::ExitCode> {
    let ServeConfig {
        data,
        listen,
        did,
        authority,
        token_days,
        limits,
        log_format,
        hsm,
        master_key,
        production,
        metrics_listen,
        hsm_master,
        journey,
    } = config;
    observe::init(log_format);
    let (data, listen) = (data.as_path(), listen.as_str());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let result = runtime.block_on(async {
        let url = database_url(data)?;
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr()?;
        let metrics = match &metrics_listen {
            Some(m) => {
                let l = tokio::net::TcpListener::bind(m).await.with_context(|| format!("--metrics-listen {m}"))?;
                super::metrics::install();
                Some(l)
            }
            None => None,
        };
        let options = Options {
            data,
            did: &did,
            authority: &authority,
            database_url: &url,
            clock: Clock::system(),
            token_ttl: i64::from(token_days) * 86_400,
            hsm: hsm.as_ref(),
            master_key: key_source(data, master_key.as_deref(), hsm_master.as_ref()),
            production,
            journey,
        };
        let state = open(options).await?;
        let bootstrap = bootstrap(&state).await?;
        let where_ = match state.db.engine {
            Engine::Sqlite => format!("sqlite ({})", data.join("registry.sqlite").display()),
            Engine::Postgres => format!("postgres ({})", db::redact(&url)),
        };
        println!("DWP registry listening on http://{addr}");
        if let Some(l) = metrics {
            println!("  metrics on http://{}/metrics (this listener only)", l.local_addr()?);
            let router = super::metrics::router(state.clone());
            tokio::spawn(async move {
                if let Err(e) = axum::serve(l, router).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
        }
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

/// Resolves on SIGTERM or ctrl-c: when a server of this binary stops taking requests.
pub async fn shutdown() {
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
    // The token commands never read personal data: they need no master key.
    Db::open(&database_url(data)?, &KeySource::Locked, Clock::system().now().0).await
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
        let mut w = db.begin_write(&Clock::system()).await?;
        let now = w.now;
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
        let tokens = serde_json::to_value(routes::tokens::list(&db, now).await?)?;
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
        let mut w = db.begin_write(&Clock::system()).await?;
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

/// Serves a small tool of the command line (the bank simulator, the VC API) on `listen` until
/// SIGTERM or ctrl-c, within the registry's connection limits. `check` sees the bound address
/// first (a tool may refuse one beyond loopback, or warn); then one `NAME listening on
/// http://ADDR` line goes to stdout, for whoever started it to read.
///
/// # Errors
/// When it cannot listen, `check` refuses, or serving fails.
pub fn serve_tool(
    listen: &str,
    name: &str,
    app: impl FnOnce() -> axum::Router,
    check: impl FnOnce(std::net::SocketAddr) -> Result<()>,
) -> Result<std::process::ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr()?;
        check(addr)?;
        // A reader that went away is no error.
        use std::io::Write as _;
        let mut out = std::io::stdout();
        writeln!(out, "{name} listening on http://{addr}").and_then(|()| out.flush()).ok();
        listen::run(listener, app(), listen::Limits::default(), shutdown()).await.context("serving")
    })?;
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(std::process::ExitCode::SUCCESS)
}
