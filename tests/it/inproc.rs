//! A registry in the test's own process, on a clock the test sets: the router
//! driven with `tower::ServiceExt::oneshot`, SQLite in a temporary directory.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use dwp::registry::{self, AppState, Clock, Options};
use dwp_verifier::time::UnixTime;

pub struct InProc {
    pub rt: tokio::runtime::Runtime,
    pub state: AppState,
    pub clock: Arc<AtomicI64>,
    pub admin: String,
    /// Kept for the life of the registry: its data directory is inside.
    _dir: tempfile::TempDir,
}

pub struct Answer {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl InProc {
    /// A registry whose clock reads `start`.
    pub fn start(start: &str) -> InProc {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(AtomicI64::new(crate::common::t(start).0));
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("data");
        let url = format!("sqlite://{}?mode=rwc", data.join("registry.sqlite").display());
        let c = clock.clone();
        let (state, admin) = rt.block_on(async {
            let state = registry::open(Options {
                data: &data,
                did: "did:web:registry.test",
                authority: &dwp_issuer::trust::Authority::department_of_employment(),
                database_url: &url,
                clock: Clock::from_fn(move || UnixTime(c.load(Ordering::SeqCst))),
                token_ttl: 90 * 86_400,
            })
            .await
            .expect("open");
            let admin = registry::bootstrap(&state).await.expect("bootstrap").expect("a first start has a token");
            (state, admin)
        });
        InProc { rt, state, clock, admin, _dir: dir }
    }

    /// Sets the clock.
    pub fn set(&self, time: &str) {
        self.clock.store(crate::common::t(time).0, Ordering::SeqCst);
    }

    pub fn request(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        self.rt.block_on(async {
            let resp = registry::app(self.state.clone()).oneshot(req).await.expect("infallible");
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let bytes = resp.into_body().collect().await.expect("body").to_bytes();
            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            Answer { status, headers, body }
        })
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.request("GET", path, token, None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.request("POST", path, token, Some(body))
    }

    pub fn token(&self, role: &str) -> String {
        let a = self.post("/v1/tokens", Some(&self.admin), &serde_json::json!({ "role": role }));
        assert_eq!(a.status, 201, "token: {}", a.body);
        a.body["token"].as_str().expect("token").to_string()
    }
}
