//! The audit log and the head of its chain: appending an entry inside a
//! write, reading pages of the chain, and the permits whose stored status the
//! audited history does not lead to.

use serde_json::Value;
use sqlx::Row;

use super::{Db, WriteTx};
use crate::registry::chain::{self, AuditEntry, Disagreement, StoredStatus};

/// A stored entry: the entry as hashed, its `prev_hash` and its `hash`.
pub type StoredEntry = (AuditEntry, String, String);

impl WriteTx {
    /// Appends an audit entry to the chain; returns its sequence number.
    ///
    /// # Errors
    /// When the database refuses.
    pub async fn audit(
        &mut self,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        detail: serde_json::Value,
    ) -> Result<i64, sqlx::Error> {
        let entry = AuditEntry {
            seq: self.seq + 1,
            at: self.now,
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.map(str::to_string),
            detail,
        };
        let hash = chain::chain_hash(&self.hash, &entry);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(entry.seq)
        .bind(entry.at)
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(entry.subject.clone())
        .bind(entry.detail.to_string())
        .bind(&self.hash)
        .bind(&hash)
        .execute(&mut *self.tx)
        .await?;
        self.seq = entry.seq;
        self.hash = hash;
        self.note_audited(&entry.action);
        Ok(entry.seq)
    }
}

/// Up to `limit` entries after `after`, in order.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn page(db: &Db, after: i64, limit: i64) -> Result<Vec<StoredEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    entries(&rows)
}

/// The reads of `subject`'s personal data on the record ([`chain::READ_ACTIONS`]), in order.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn reads_of(db: &Db, subject: &str) -> Result<Vec<StoredEntry>, sqlx::Error> {
    let [a, b, c, d, e] = chain::READ_ACTIONS;
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
         WHERE subject = $1 AND action IN ($2, $3, $4, $5, $6) ORDER BY seq",
    )
    .bind(subject)
    .bind(a)
    .bind(b)
    .bind(c)
    .bind(d)
    .bind(e)
    .fetch_all(&db.pool)
    .await?;
    entries(&rows)
}

fn entries(rows: &[sqlx::any::AnyRow]) -> Result<Vec<StoredEntry>, sqlx::Error> {
    rows.iter()
        .map(|r| {
            let detail: String = r.try_get(5)?;
            Ok((
                AuditEntry {
                    seq: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    subject: r.try_get(4)?,
                    // A row whose detail is not JSON is kept as text: the hash check then fails on it.
                    detail: serde_json::from_str(&detail).unwrap_or(Value::String(detail)),
                },
                r.try_get(6)?,
                r.try_get(7)?,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
}

/// The head of the chain as recorded: the last sequence number and hash.
///
/// # Errors
/// When the database refuses.
pub async fn head(db: &Db) -> Result<(i64, String), sqlx::Error> {
    let head = sqlx::query("SELECT audit_seq, audit_hash FROM registry_head WHERE id = 1").fetch_one(&db.pool).await?;
    Ok((head.try_get(0)?, head.try_get(1)?))
}

/// The permits (of one shard, or of every shard) whose stored state or bits
/// disagree with their audited history; at most `max` are returned.
///
/// # Errors
/// When the database refuses.
pub async fn disagreements(db: &Db, shard: Option<i64>, max: usize) -> Result<Vec<Disagreement>, sqlx::Error> {
    let mut found = Vec::new();
    let mut after = String::new();
    loop {
        let ids = match shard {
            Some(s) => {
                sqlx::query_scalar::<_, String>(
                    "SELECT id FROM permits WHERE shard = $1 AND id > $2 ORDER BY id LIMIT 2000",
                )
                .bind(s)
                .bind(&after)
                .fetch_all(&db.pool)
                .await?
            }
            None => {
                sqlx::query_scalar::<_, String>("SELECT id FROM permits WHERE id > $1 ORDER BY id LIMIT 2000")
                    .bind(&after)
                    .fetch_all(&db.pool)
                    .await?
            }
        };
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else { break };
        let rows = sqlx::query(
            "SELECT p.id, p.state, p.revoked_bit, p.suspended_bit, a.action FROM permits p \
             LEFT JOIN audit_log a ON a.subject = p.id \
             WHERE p.id >= $1 AND p.id <= $2 AND ($3 < 0 OR p.shard = $3) ORDER BY p.id, a.seq",
        )
        .bind(first)
        .bind(last)
        .bind(shard.unwrap_or(-1))
        .fetch_all(&db.pool)
        .await?;
        let mut current: Option<(String, StoredStatus, Vec<String>)> = None;
        for r in &rows {
            let id: String = r.try_get(0)?;
            if current.as_ref().is_none_or(|(c, _, _)| *c != id) {
                if let Some((cid, stored, actions)) = current.take() {
                    found.extend(chain::compare(&cid, stored, &actions));
                }
                let stored = (r.try_get(1)?, r.try_get::<i64, _>(2)? != 0, r.try_get::<i64, _>(3)? != 0);
                current = Some((id, stored, Vec::new()));
            }
            if let (Some((_, _, actions)), Some(a)) = (current.as_mut(), r.try_get::<Option<String>, _>(4)?) {
                actions.push(a);
            }
        }
        if let Some((cid, stored, actions)) = current.take() {
            found.extend(chain::compare(&cid, stored, &actions));
        }
        if found.len() >= max {
            found.truncate(max);
            break;
        }
        after = last.clone();
    }
    Ok(found)
}
