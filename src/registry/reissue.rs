//! After a key compromise: every live permit (active or suspended, still in
//! force) whose credential the compromised key signed is signed anew under
//! the key that signs now, because a thief can backdate `created` and the
//! trust list's "compromised as of" alone cannot tell a backdated forgery
//! from a real permit. Each gets a new status index; the old credential keeps
//! its index, revoked for good (reason `key_compromise`); the permit's state
//! and bits move with it. A holder-bound permit's open offers end: an officer
//! makes a new offer (`POST /v1/permits/{id}/offer`) to put the new credential
//! on the worker's phone, and the wallet binds it as before.
//!
//! The work runs in batches through the writer, each its own transaction, so
//! that a kill loses nothing and the next start goes on where it stopped
//! (what is left is what the query still finds). Progress is logged and shown
//! by `GET /v1/keys`.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};

use dwp_verifier::permit::{Permit, PermitInput};

use super::chain::REISSUE_ACTION;
use super::db::{self, WriteTx};
use super::problem::ApiError;
use super::routes::permits::issue::replace_credential;
use super::state::AppState;
use super::writer::{self, job};

/// The permits re-issued in one transaction.
pub const BATCH: i64 = 50;
/// The reason of a credential retired by a compromise.
pub const REASON: &str = "key_compromise";
/// Who re-issues, in the audit log.
const ACTOR: &str = "system:key-compromise";
/// How often an instance looks for a compromise another instance published.
const LOOK_EVERY: Duration = Duration::from_secs(30);

/// Re-issues up to `limit` live permits signed by a compromised key of this registry; returns how many.
///
/// # Errors
/// The database's failure, or `no_signing_key`.
pub async fn batch(state: &AppState, w: &mut WriteTx, limit: i64) -> Result<i64, ApiError> {
    let signing = state.keyring.get();
    let mut done = 0;
    for (vm, _) in signing.compromised() {
        if done >= limit {
            break;
        }
        for id in db::trust_lists::live_signed_by(w, &vm, limit - done).await? {
            if one(state, w, &id, &vm).await? {
                done += 1;
            }
        }
    }
    Ok(done)
}

async fn one(state: &AppState, w: &mut WriteTx, id: &str, old_key: &str) -> Result<bool, ApiError> {
    let row = db::permits::by_id_in(w, id).await?.ok_or_else(|| ApiError::internal("a listed permit is gone"))?;
    let input: PermitInput = serde_json::from_str(&row.input_json).map_err(ApiError::internal)?;
    // A permit stored before a rule of today (a name the issuer now refuses) is left for the
    // registrar, said in the log; the others go on.
    let permit = match Permit::from_input(&input) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(permit = id, field = %e, "not re-issued after the key compromise: its stored data breaks a rule of today");
            return Ok(false);
        }
    };
    let holder_bound = input.worker.holder_key.is_some();
    let new = replace_credential(state, w, &row, permit, &row.input_json, REASON).await?;
    let (shard, index) = (new.shard, new.index);
    let offers_ended = if holder_bound { db::oid4vci::replace_open(w, &row.id).await? } else { 0 };
    let audit_seq = w
        .audit(
            ACTOR,
            REISSUE_ACTION,
            Some(&row.id),
            json!({
                "shard": shard,
                "index": index,
                "key": new.key,
                "replaced": { "shard": row.shard, "index": row.index, "reason": REASON, "key": old_key },
                "holderBound": holder_bound,
                "offersEnded": offers_ended,
            }),
        )
        .await?;
    let event = db::permits::NewEvent {
        permit_id: &row.id,
        action: "reissue",
        reason: Some(REASON),
        actor: ACTOR,
        related: None,
        audit_seq,
    };
    db::permits::add_event(w, event).await?;
    Ok(true)
}

/// Runs the re-issue whenever the published trust list holds a key of this registry compromised
/// and live permits still carry it: at start (going on after a kill), when a list is published
/// here, and every half minute (a list another instance published).
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            run(&state).await;
            tokio::select! {
                () = state.reissue.notified() => {}
                () = tokio::time::sleep(LOOK_EVERY) => {}
            }
        }
    });
}

async fn run(state: &AppState) {
    if let Err(e) = state.keyring.refresh(&state.db).await {
        tracing::warn!(code = %e.code(), "reading the published trust list");
        return;
    }
    if state.keyring.get().compromised().is_empty() {
        return;
    }
    let mut total = 0;
    loop {
        let st = state.clone();
        let answer = writer::submit(
            &state.writer,
            ACTOR,
            None,
            String::new(),
            job(move |w| {
                Box::pin(async move {
                    let n = batch(&st, w, BATCH).await?;
                    Ok((StatusCode::OK, json!({ "reissued": n })))
                })
            }),
        )
        .await;
        match answer {
            Ok((_, body, _)) => {
                let n = serde_json::from_str::<Value>(&body).ok().and_then(|v| v["reissued"].as_i64()).unwrap_or(0);
                if n == 0 {
                    if total > 0 {
                        tracing::info!(reissued = total, "re-issue after key compromise: done");
                    }
                    return;
                }
                total += n;
                let left = super::keyring::live_counts(&state.db, state.now().0)
                    .await
                    .map(|live| super::keyring::reissue_remaining(&state.keyring.get(), &live))
                    .unwrap_or(-1);
                tracing::info!(reissued = total, remaining = left, "re-issuing permits signed by a compromised key");
            }
            Err(e) => {
                tracing::warn!(code = %e.code(), "re-issue after key compromise paused; it goes on shortly");
                return;
            }
        }
    }
}
