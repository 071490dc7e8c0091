//! The outbox: events written with the change they tell of, read in order.

use serde_json::Value;
use sqlx::Row;

use super::{Db, WriteTx};

/// A stored event.
pub struct StoredEvent {
    /// Its place in the feed, from 1, gapless.
    pub seq: i64,
    /// Its CloudEvents `id`.
    pub id: String,
    /// Its CloudEvents `type`.
    pub kind: String,
    /// What it is about (an application's id).
    pub subject: String,
    /// When, Unix seconds.
    pub time: i64,
    /// Its data.
    pub data: Value,
}

/// Appends an event of `kind` about `subject`, at the write's time; returns its sequence number.
///
/// # Errors
/// When the database refuses.
pub async fn append(w: &mut WriteTx, kind: &str, subject: &str, data: &Value) -> Result<i64, sqlx::Error> {
    // The head row is held: no other writer can take the same number.
    let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox").fetch_one(&mut *w.tx).await?;
    sqlx::query("INSERT INTO outbox (seq, id, type, subject, time, data) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(seq)
        .bind(format!("evt-{seq}"))
        .bind(kind)
        .bind(subject)
        .bind(w.now)
        .bind(data.to_string())
        .execute(&mut *w.tx)
        .await?;
    Ok(seq)
}

/// Up to `limit` events after `after`, in order.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn after(db: &Db, after: i64, limit: i64) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT seq, id, type, subject, time, data FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&db.pool)
            .await?;
    rows.iter()
        .map(|r| {
            let data: String = r.try_get(5)?;
            Ok(StoredEvent {
                seq: r.try_get(0)?,
                id: r.try_get(1)?,
                kind: r.try_get(2)?,
                subject: r.try_get(3)?,
                time: r.try_get(4)?,
                data: serde_json::from_str(&data).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            })
        })
        .collect()
}
