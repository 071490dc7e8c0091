//! Metrics an operator watches, in the Prometheus text format (the `metrics`
//! facade and its Prometheus exporter), served at `/metrics` only on a
//! listener of its own (`dwp serve --metrics-listen`), never on the public
//! one. Counted as it happens: requests by route, method and status with
//! their latency; every committed audited action (issuances and status
//! changes among them); group-commit batch sizes and commit latency. Read at
//! each scrape: the database pool, the age of the newest signed status list,
//! applications by state, payments waiting in the reconciliation queue, live
//! permits still signed by a compromised key.
//! Labels are routes and codes, never an id, a token or personal data.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::state::AppState;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Latency buckets, in seconds.
const SECONDS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Batch-size buckets.
const BATCH: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// Installs the process's recorder, once; `None` if another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full("dwp_writer_batch_jobs".into()), &BATCH));
            match builder.and_then(|b| b.install_recorder()) {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics are not recorded");
                    None
                }
            }
        })
        .as_ref()
}

/// The permit actions counted as status changes.
const STATUS_CHANGES: [&str; 5] =
    ["permit.suspend", "permit.reinstate", "permit.revoke", "permit.renew", "permit.change_employer"];

/// Counts the audited actions of a write that committed.
pub fn committed(actions: &[String]) {
    for action in actions {
        metrics::counter!("dwp_audited_actions_total", "action" => action.clone()).increment(1);
        if action == "permit.issue" {
            metrics::counter!("dwp_permits_issued_total").increment(1);
        } else if let Some(a) = STATUS_CHANGES.iter().find(|a| **a == action.as_str()) {
            let name = a.trim_start_matches("permit.");
            metrics::counter!("dwp_status_changes_total", "action" => name).increment(1);
        }
    }
}

/// Counts a request and its latency.
pub fn request(method: &str, route: &str, status: u16, seconds: f64) {
    let (method, route) = (method.to_string(), route.to_string());
    metrics::counter!("dwp_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("dwp_http_request_duration_seconds", "method" => method, "route" => route).record(seconds);
}

/// Records a group commit: its jobs and how long the commit took.
pub fn batch(jobs: usize, commit_seconds: f64, ok: bool) {
    metrics::histogram!("dwp_writer_batch_jobs").record(jobs as f64);
    metrics::histogram!("dwp_writer_commit_seconds").record(commit_seconds);
    if !ok {
        metrics::counter!("dwp_writer_failed_batches_total").increment(1);
    }
}

/// The metrics listener's router: `GET /metrics`.
pub fn router(state: AppState) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    let Some(handle) = HANDLE.get().and_then(Option::as_ref) else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are not recorded in this process\n").into_response();
    };
    if let Err(e) = read_gauges(&state).await {
        tracing::warn!(error = %e, "reading the metrics the database holds");
        metrics::counter!("dwp_metrics_scrape_errors_total").increment(1);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}

async fn read_gauges(state: &AppState) -> Result<(), sqlx::Error> {
    let pool = &state.db.pool;
    let (size, idle) = (pool.size(), pool.num_idle());
    metrics::gauge!("dwp_db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("dwp_db_pool_connections", "state" => "in_use").set(size.saturating_sub(idle as u32) as f64);
    let now = state.now().0;
    if let Some(at) = super::db::health::newest_list_signature(&state.db).await? {
        metrics::gauge!("dwp_status_list_newest_age_seconds").set((now - at) as f64);
    }
    // Every state and outcome is set, so that one that fell to none reads 0, not its last count.
    for s in dwp_issuer::application::ApplicationState::ALL {
        metrics::gauge!("dwp_applications", "state" => s.as_str()).set(0.0);
    }
    for why in super::routes::payments::QUEUE_OUTCOMES {
        metrics::gauge!("dwp_payments_unreconciled", "outcome" => why).set(0.0);
    }
    for (s, n) in super::db::health::applications_by_state(&state.db).await? {
        metrics::gauge!("dwp_applications", "state" => s).set(n as f64);
    }
    for (why, n) in super::db::health::unreconciled_payments(&state.db).await? {
        metrics::gauge!("dwp_payments_unreconciled", "outcome" => why).set(n as f64);
    }
    let live = super::keyring::live_counts(&state.db, now).await?;
    let left = super::keyring::reissue_remaining(&state.keyring.get(), &live);
    metrics::gauge!("dwp_reissue_remaining").set(left as f64);
    Ok(())
}
