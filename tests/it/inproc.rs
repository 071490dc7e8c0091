//! A registry in the test's own process: the router driven with
//! `tower::ServiceExt::oneshot`, no socket. On SQLite in a temporary directory
//! or on a PostgreSQL database of its own, on the wall clock or on a clock the
//! test sets. For what needs no real connection; the socket tests (timeouts,
//! SIGKILL, the browser, the bench) run the real `dwp serve` ([`crate::server`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

use dwp::registry::{self, AppState, Clock, Options};
use dwp_verifier::time::UnixTime;

use crate::server::{Engine, Registry, Resp, header_list, postgres_database_url};

pub struct InProc {
    pub rt: tokio::runtime::Runtime,
    pub state: AppState,
    clock: Arc<AtomicI64>,
    pub admin: String,
    /// A PostgreSQL database of its own, dropped with the registry.
    database_url: Option<String>,
    /// Kept for the life of the registry: its data directory is inside.
    _dir: tempfile::TempDir,
}

/// `i64::MIN` in the clock cell: read the wall clock.
const WALL_CLOCK: i64 = i64::MIN;

impl InProc {
    /// A registry on SQLite whose clock reads `start` until the test sets it.
    pub fn start(start: &str) -> InProc {
        InProc::open(Engine::Sqlite, crate::common::t(start).0)
    }

    /// A registry on `engine`, on the wall clock.
    pub fn on(engine: Engine) -> InProc {
        InProc::open(engine, WALL_CLOCK)
    }

    fn open(engine: Engine, start: i64) -> InProc {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(AtomicI64::new(start));
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("data");
        let database_url = (engine == Engine::Postgres).then(postgres_database_url);
        let url = database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data.join("registry.sqlite").display()));
        let c = clock.clone();
        let (state, admin) = rt.block_on(async {
            let state = registry::open(Options {
                data: &data,
                did: "did:web:registry.test",
                authority: &dwp_issuer::trust::Authority::department_of_employment(),
                database_url: &url,
                clock: Clock::from_fn(move || match c.load(Ordering::SeqCst) {
                    WALL_CLOCK => Clock::system().now(),
                    t => UnixTime(t),
                }),
                token_ttl: 90 * 86_400,
                hsm: None,
                master_key: registry::db::KeySource::File(dir.path().join("master-key.json")),
                production: false,
                journey: registry::journey::Journey::default(),
            })
            .await
            .expect("open");
            let admin = registry::bootstrap(&state).await.expect("bootstrap").expect("a first start has a token");
            (state, admin)
        });
        InProc { rt, state, clock, admin, database_url, _dir: dir }
    }

    /// Sets the clock.
    pub fn set(&self, time: &str) {
        self.clock.store(crate::common::t(time).0, Ordering::SeqCst);
    }
}

impl Registry for InProc {
    fn admin(&self) -> &str {
        &self.admin
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, &[u8])>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let req = match body {
            Some((ctype, bytes)) => req.header("content-type", ctype).body(Body::from(bytes.to_vec())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        self.rt.block_on(async {
            let resp = registry::app(self.state.clone()).oneshot(req).await.expect("infallible");
            let status = resp.status().as_u16();
            let headers = header_list(resp.headers());
            let bytes = resp.into_body().collect().await.expect("body").to_bytes();
            Resp { status, headers, body: String::from_utf8_lossy(&bytes).to_string() }
        })
    }
}

impl Drop for InProc {
    fn drop(&mut self) {
        if let Some(url) = self.database_url.take() {
            self.rt.block_on(async {
                use sqlx::migrate::MigrateDatabase;
                sqlx::Postgres::force_drop_database(&url).await.ok();
            });
        }
    }
}
