//! Group commit. Every mutation is a job sent to one writer task, which runs
//! the jobs waiting at that moment in one database transaction (each under its
//! own savepoint, so that one refusal undoes only its own writes), commits
//! once, and only then answers each caller. A write is acknowledged only when
//! it is durable, and the disk's flush is shared by the whole batch.
//!
//! Acknowledged means stored: a refusal (4xx) undoes only its own job, but any
//! other failure inside a batch — a statement, a savepoint, the commit — rolls
//! the whole batch back, closes its connection, and answers **every** job of
//! the batch with a retryable 503 (`storage_unavailable`). While writes fail,
//! the writer probes the storage every few seconds and `/readyz` says not
//! ready; the first write that commits clears it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::clock::Clock;
use super::db::{self, Db, WriteTx};
use super::health::{self, Health};
use super::keyring::Keyring;
use super::problem::ApiError;
use crate::registry::problem::Code;
use dwp_issuer::signing_time;
use dwp_verifier::time::UnixTime;

/// What a job answers: a status and a JSON body.
pub type JobResult = Result<(StatusCode, Value), ApiError>;
/// A job's future, borrowing the transaction.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = JobResult> + Send + 'a>>;
/// A mutation, run inside the writer's transaction.
pub type Job = Box<dyn for<'a> FnOnce(&'a mut WriteTx) -> JobFuture<'a> + Send>;

/// Boxes a closure as a [`Job`].
pub fn job<F>(f: F) -> Job
where
    F: for<'a> FnOnce(&'a mut WriteTx) -> JobFuture<'a> + Send + 'static,
{
    Box::new(f)
}

/// The answer sent back: status and body, and whether it was replayed from the idempotency store.
pub type Answer = Result<(StatusCode, String, bool), ApiError>;

/// A job waiting for the writer.
pub struct Pending {
    /// The mutation.
    pub job: Job,
    /// The id of the token that asked (idempotency keys are per token).
    pub token: String,
    /// `Idempotency-Key`, if sent.
    pub key: Option<String>,
    /// SHA-256 of the route and body.
    pub hash: String,
    /// Where the answer goes, after the commit.
    pub reply: oneshot::Sender<Answer>,
}

/// Hands `job` to the group-commit writer and waits for its answer, which comes after the commit.
/// `key` and `hash` bind it to an `Idempotency-Key` of `token`; a job never replayed has no key.
///
/// # Errors
/// The job's own refusal, the batch's `storage_unavailable`, or a 500 if the writer is gone.
pub async fn submit(
    writer: &mpsc::Sender<Pending>,
    token: &str,
    key: Option<String>,
    hash: String,
    job: Job,
) -> Answer {
    let (reply, answer) = oneshot::channel();
    let pending = Pending { job, token: token.to_string(), key, hash, reply };
    writer.send(pending).await.map_err(|_| ApiError::internal("the writer task stopped"))?;
    answer.await.map_err(|_| ApiError::internal("the writer task dropped a job"))?
}

/// The largest batch committed at once.
pub const MAX_BATCH: usize = 128;

/// How often a failing writer tries the storage again while no job comes.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);

/// Starts the writer task; the registry sends it jobs. `not_before` is the
/// start of the first key's window: nothing is signed before it. Each batch
/// first takes up a trust list that another process published (`keyring`),
/// so that its jobs sign with the key the newest list names.
pub fn spawn(
    db: Db,
    clock: Clock,
    health: Arc<Health>,
    not_before: i64,
    keyring: Arc<Keyring>,
) -> mpsc::Sender<Pending> {
    let (tx, mut rx) = mpsc::channel::<Pending>(4 * MAX_BATCH);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        loop {
            let received = if health.has(health::STORAGE) || health.has(health::CLOCK) {
                match tokio::time::timeout(PROBE_EVERY, rx.recv_many(&mut batch, MAX_BATCH)).await {
                    Ok(n) => n,
                    Err(_) => {
                        probe(&db, &clock, &health, not_before).await;
                        continue;
                    }
                }
            } else {
                rx.recv_many(&mut batch, MAX_BATCH).await
            };
            if received == 0 {
                break;
            }
            run_batch(&db, &clock, &health, not_before, &keyring, std::mem::take(&mut batch)).await;
        }
    });
    tx
}

/// Why a batch could not start or commit.
enum Failure {
    /// The storage failed; the cause is for the log.
    Storage(String),
    /// The clock is behind the last signature or the key's window.
    Clock(String),
}

/// Starts a write, refusing a clock behind the last signature or the key's window.
async fn begin(db: &Db, clock: &Clock, not_before: i64) -> Result<WriteTx, Failure> {
    // `begin_write` reads the clock once it holds the head row: only a clock that really stepped back is refused.
    let w = db.begin_write(clock).await.map_err(|e| Failure::Storage(format!("starting a write: {e}")))?;
    let now = w.now;
    if let Err(behind) = signing_time::check(UnixTime(now), UnixTime(w.last_signed_at), UnixTime(not_before)) {
        w.abort().await;
        return Err(Failure::Clock(behind.to_string()));
    }
    Ok(w)
}

/// Writes and deletes a page-sized row: the first such write that commits says writes work again.
async fn probe(db: &Db, clock: &Clock, health: &Health, not_before: i64) {
    let result = match begin(db, clock, not_before).await {
        Ok(mut w) => match db::health::probe_rows(&mut w).await {
            Ok(()) => w.commit().await.map_err(|e| Failure::Storage(format!("commit: {e}"))),
            Err(e) => {
                w.abort().await;
                Err(Failure::Storage(format!("probe: {e}")))
            }
        },
        Err(f) => Err(f),
    };
    record(health, result);
}

fn record(health: &Health, result: Result<(), Failure>) {
    match result {
        Ok(()) => {
            health.clear(health::STORAGE);
            health.clear(health::CLOCK);
        }
        Err(Failure::Storage(cause)) => health.set(health::STORAGE, cause),
        Err(Failure::Clock(cause)) => {
            health.clear(health::STORAGE);
            health.set(health::CLOCK, cause);
        }
    }
}

async fn replayed(w: &mut WriteTx, token: &str, key: &str, hash: &str) -> Result<Option<Answer>, ApiError> {
    let Some(stored) = db::idempotency::stored(w, token, key).await? else { return Ok(None) };
    if stored.request_hash != hash {
        return Ok(Some(Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::IdempotencyKeyReused)
            .detail("this Idempotency-Key was first used with another request; use a new key"))));
    }
    let status = stored.status;
    let status = u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
    Ok(Some(Ok((status, stored.body, true))))
}

/// Runs one job. `Err` is a database failure (the batch is abandoned); `Ok(Err)` a refusal.
async fn run_one(
    w: &mut WriteTx,
    job: Job,
    token: String,
    key: Option<String>,
    hash: String,
) -> Result<Answer, ApiError> {
    if let Some(key) = &key
        && let Some(answer) = replayed(w, &token, key, &hash).await?
    {
        return Ok(answer);
    }
    let (status, value) = match job(w).await {
        Ok(v) => v,
        // A failure of the storage, or our own: the whole batch is abandoned. No key to sign with
        // is this job's refusal alone.
        Err(e) if e.status().is_server_error() && e.code() != Code::NoSigningKey => return Err(e),
        // A refusal: the savepoint undoes its writes.
        Err(e) => return Ok(Err(e)),
    };
    let body = value.to_string();
    if let Some(key) = &key {
        db::idempotency::store(w, &token, key, &hash, i64::from(status.as_u16()), &body).await?;
    }
    Ok(Ok((status, body, false)))
}

async fn run_batch(db: &Db, clock: &Clock, health: &Health, not_before: i64, keyring: &Keyring, batch: Vec<Pending>) {
    let size = batch.len();
    let begun = match begin(db, clock, not_before).await {
        Ok(mut w) => match keyring.refresh_in(&mut w).await {
            Ok(()) => Ok(w),
            Err(e) => {
                w.abort().await;
                Err(Failure::Storage(format!(
                    "taking up the published trust list: {}",
                    e.cause_text().unwrap_or_default()
                )))
            }
        },
        Err(f) => Err(f),
    };
    let mut w = match begun {
        Ok(w) => w,
        Err(failure) => {
            let answer = match &failure {
                Failure::Storage(_) => ApiError::storage_unavailable,
                Failure::Clock(_) => ApiError::clock_behind,
            };
            record(health, Err(failure));
            for p in batch {
                let _ = p.reply.send(Err(answer()));
            }
            return;
        }
    };
    let mut answers = Vec::with_capacity(size);
    let mut failed = None;
    for Pending { job, token, key, hash, reply } in batch {
        if failed.is_some() {
            // Not run: the batch is abandoned; the caller retries.
            answers.push((reply, None));
            continue;
        }
        let mark = w.mark();
        let step = async {
            w.savepoint().await?;
            let answer = run_one(&mut w, job, token, key, hash).await?;
            if answer.is_err() {
                w.rollback_to_savepoint().await?;
            }
            w.release_savepoint().await?;
            Ok::<Answer, ApiError>(answer)
        };
        match step.await {
            Ok(answer) => {
                if answer.is_err() {
                    w.restore(mark);
                }
                answers.push((reply, Some(answer)));
            }
            Err(e) => {
                // Every job of the batch is answered 503 without a cause: the log keeps this one.
                failed = Some(match e.cause_text() {
                    Some(cause) => format!("a job failed with {}: {cause}", e.code()),
                    None => format!("a job failed with {}", e.code()),
                });
                answers.push((reply, None));
            }
        }
    }
    let committing = std::time::Instant::now();
    let outcome = match failed {
        None => w.commit().await.map_err(|e| format!("commit: {e}")),
        Some(cause) => {
            w.abort().await;
            Err(cause)
        }
    };
    super::metrics::batch(size, committing.elapsed().as_secs_f64(), outcome.is_ok());
    match outcome {
        // Health is recorded before anyone is answered: a caller's next `/readyz` sees it.
        Ok(()) => {
            record(health, Ok(()));
            for (reply, answer) in answers {
                // invariant: with no failure every job ran and has an answer.
                let _ = reply.send(answer.unwrap_or_else(|| Err(ApiError::storage_unavailable())));
            }
        }
        Err(cause) => {
            tracing::error!(size, cause = %cause, "a batch of writes was rolled back; each answered 503");
            record(health, Err(Failure::Storage(cause)));
            for (reply, _) in answers {
                let _ = reply.send(Err(ApiError::storage_unavailable()));
            }
        }
    }
}
