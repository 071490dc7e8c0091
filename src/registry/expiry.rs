//! Closing applications whose fee was never paid: each `fee_pending`
//! application past its deadline and a grace period is moved to
//! `expired_unpaid` by the system, as a step of its timeline. The grace lets a
//! payment made before the deadline, but found only by the next day's
//! reconciliation, still pay the fee (the state machine judges a payment by
//! when the bank received it).

use std::time::Duration;

use serde_json::json;

use dwp_issuer::application::{Action, Actor};

use super::db;
use super::problem::ApiError;
use super::routes::applications::steps::{Taken, apply};
use super::state::AppState;
use super::writer::{self, job};

/// How long after its deadline an unpaid application is closed: two days.
pub const GRACE_SECS: i64 = 2 * 86_400;
/// The applications closed in one pass, at most.
const BATCH: i64 = 100;
/// How often an instance looks.
const LOOK_EVERY: Duration = Duration::from_secs(60);

/// Closes up to one batch of unpaid applications past their deadline and the grace; returns how many.
///
/// # Errors
/// When the database refuses.
pub async fn sweep_once(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now().0;
    let ids = db::applications::overdue(&state.db, now - GRACE_SECS, BATCH).await?;
    let mut closed = 0;
    for id in ids {
        let st = state.clone();
        let work = job(move |w| {
            Box::pin(async move {
                let taken = Taken {
                    id: &id,
                    action: Action::ExpireUnpaid,
                    actor: Actor::System,
                    by: "system",
                    detail: json!({}),
                    words: None,
                };
                apply(w, &st.journey, taken).await?;
                Ok((axum::http::StatusCode::OK, serde_json::Value::Null))
            })
        });
        match writer::submit(&state.writer, "", None, String::new(), work).await {
            Ok(_) => closed += 1,
            // Another instance closed it, or it was paid in between: nothing to do.
            Err(e) if e.status().is_client_error() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(closed)
}

/// Runs [`sweep_once`] now and then every minute, for the life of the process.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            match sweep_once(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(closed = n, "unpaid applications closed after their deadline"),
                Err(e) => tracing::warn!(error = %e.code(), "closing unpaid applications failed; retrying"),
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    });
}
