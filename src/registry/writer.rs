//! Group commit. Every mutation is a job sent to one writer task, which runs
//! the jobs waiting at that moment in one database transaction (each under its
//! own savepoint, so that one refusal undoes only its own writes), commits
//! once, and only then answers each caller. A write is acknowledged only when
//! it is durable, and the disk's flush is shared by the whole batch.

use std::future::Future;
use std::pin::Pin;

use axum::http::StatusCode;
use serde_json::Value;
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use super::auth::Caller;
use super::problem::ApiError;
use super::store::{Db, WriteTx};

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
    /// Who asked (idempotency keys are per token).
    pub caller: Caller,
    /// `Idempotency-Key`, if sent.
    pub key: Option<String>,
    /// SHA-256 of the route and body.
    pub hash: String,
    /// Where the answer goes, after the commit.
    pub reply: oneshot::Sender<Answer>,
}

/// The largest batch committed at once.
pub const MAX_BATCH: usize = 128;

/// Starts the writer task; the registry sends it jobs.
pub fn spawn(db: Db, now: fn() -> i64) -> mpsc::Sender<Pending> {
    let (tx, mut rx) = mpsc::channel::<Pending>(4 * MAX_BATCH);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
            run_batch(&db, now(), std::mem::take(&mut batch)).await;
        }
    });
    tx
}

async fn replayed(w: &mut WriteTx, token: &str, key: &str, hash: &str) -> Result<Option<Answer>, ApiError> {
    let row = sqlx::query("SELECT request_hash, status, body FROM idempotency WHERE token_id = $1 AND idem_key = $2")
        .bind(token)
        .bind(key)
        .fetch_optional(&mut *w.tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let stored: String = row.try_get(0)?;
    if stored != hash {
        return Ok(Some(Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
            .detail("this Idempotency-Key was first used with another request; use a new key"))));
    }
    let status: i64 = row.try_get(1)?;
    let status = u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
    Ok(Some(Ok((status, row.try_get(2)?, true))))
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
        // A refusal from the job, or a database error inside it: the savepoint undoes its writes.
        Err(e) => return Ok(Err(e)),
    };
    let body = value.to_string();
    if let Some(key) = &key {
        sqlx::query(
            "INSERT INTO idempotency (token_id, idem_key, request_hash, status, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&token)
        .bind(key)
        .bind(&hash)
        .bind(i64::from(status.as_u16()))
        .bind(&body)
        .bind(w.now)
        .execute(&mut *w.tx)
        .await?;
    }
    Ok(Ok((status, body, false)))
}

async fn run_batch(db: &Db, now: i64, batch: Vec<Pending>) {
    let mut w = match db.begin_write(now).await {
        Ok(w) => w,
        Err(e) => {
            let msg = format!("starting a write: {e}");
            for p in batch {
                let _ = p.reply.send(Err(ApiError::internal(&msg)));
            }
            return;
        }
    };
    let mut answers = Vec::with_capacity(batch.len());
    let mut fatal = None;
    for Pending { job, caller, key, hash, reply } in batch {
        let mark = w.mark();
        let step = async {
            sqlx::query("SAVEPOINT job").execute(&mut *w.tx).await?;
            let answer = run_one(&mut w, job, caller.id, key, hash).await?;
            if answer.is_err() {
                sqlx::query("ROLLBACK TO SAVEPOINT job").execute(&mut *w.tx).await?;
            }
            sqlx::query("RELEASE SAVEPOINT job").execute(&mut *w.tx).await?;
            Ok::<Answer, ApiError>(answer)
        };
        match step.await {
            Ok(answer) => {
                if answer.is_err() {
                    w.restore(mark);
                }
                answers.push((reply, answer));
            }
            Err(e) => {
                // The transaction cannot be trusted after this; nothing of the batch commits.
                fatal = Some(e.code());
                answers.push((reply, Err(e)));
                break;
            }
        }
    }
    let committed = if fatal.is_none() { w.commit().await.map_err(|e| e.to_string()) } else { Err("aborted".into()) };
    for (reply, answer) in answers {
        let answer = match (&committed, answer) {
            (Ok(()), a) => a,
            // Refusals wrote nothing, so they stand; successes did not happen.
            (Err(_), Err(e)) if e.status().is_client_error() => Err(e),
            (Err(e), _) => Err(ApiError::internal(format!("commit: {e}"))),
        };
        let _ = reply.send(answer);
    }
}
