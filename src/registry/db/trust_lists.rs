//! The trust lists the registry has published, newest served; the head row
//! carries the newest one's sequence, so that every writer of every instance
//! sees a new list in the transaction after it is stored. And the key each
//! live credential is signed with, which a compromise re-issues.

use sqlx::Row;

use super::{Db, WriteTx};

/// A stored trust list.
pub struct StoredList {
    /// Its sequence.
    pub sequence: i64,
    /// The signed document, as accepted.
    pub document: String,
}

/// The newest list, if the database holds any.
///
/// # Errors
/// When the database refuses.
pub async fn newest(db: &Db) -> Result<Option<StoredList>, sqlx::Error> {
    let row = sqlx::query("SELECT sequence, document FROM trust_lists ORDER BY sequence DESC LIMIT 1")
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok(StoredList { sequence: r.try_get(0)?, document: r.try_get(1)? })).transpose()
}

/// The list of `sequence`, read inside a write.
///
/// # Errors
/// When the database refuses.
pub async fn by_sequence_in(w: &mut WriteTx, sequence: i64) -> Result<Option<StoredList>, sqlx::Error> {
    let row = sqlx::query("SELECT sequence, document FROM trust_lists WHERE sequence = $1")
        .bind(sequence)
        .fetch_optional(&mut *w.tx)
        .await?;
    row.map(|r| Ok(StoredList { sequence: r.try_get(0)?, document: r.try_get(1)? })).transpose()
}

/// The sequence the head row names: the newest list's.
///
/// # Errors
/// When the database refuses.
pub async fn head_sequence(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT trust_sequence FROM registry_head WHERE id = 1").fetch_one(&db.pool).await
}

/// Stores a list accepted as the newest and names it in the head row. The caller has checked
/// that its sequence is above `w.trust_sequence`.
///
/// # Errors
/// When the database refuses.
pub async fn store(w: &mut WriteTx, sequence: i64, document: &str, actor: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO trust_lists (sequence, document, accepted_at, accepted_by) VALUES ($1, $2, $3, $4)")
        .bind(sequence)
        .bind(document)
        .bind(w.now)
        .bind(actor)
        .execute(&mut *w.tx)
        .await?;
    sqlx::query("UPDATE registry_head SET trust_sequence = $1 WHERE id = 1").bind(sequence).execute(&mut *w.tx).await?;
    w.trust_sequence = sequence;
    Ok(())
}

/// Names `vm` as the signer of every permit stored before signers were recorded.
///
/// # Errors
/// When the database refuses.
pub async fn fill_signers(w: &mut WriteTx, vm: &str) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("UPDATE permits SET signed_by = $1 WHERE signed_by IS NULL").bind(vm).execute(&mut *w.tx).await?;
    Ok(done.rows_affected())
}

/// The states of a permit whose live credential a compromise re-issues.
pub const LIVE: &str = "('active', 'suspended')";

/// Live permits, by the key that signed their credential, still in force at `now`.
///
/// # Errors
/// When the database refuses.
pub async fn live_by_signer(db: &Db, now: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT signed_by, COUNT(*) FROM permits WHERE state IN {LIVE} AND valid_until >= $1 AND signed_by IS NOT NULL \
         GROUP BY signed_by ORDER BY signed_by"
    );
    let rows = sqlx::query(&sql).bind(now).fetch_all(&db.pool).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Up to `limit` live permits signed by `vm`, inside a write.
///
/// # Errors
/// When the database refuses.
pub async fn live_signed_by(w: &mut WriteTx, vm: &str, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    let sql = format!(
        "SELECT id FROM permits WHERE signed_by = $1 AND state IN {LIVE} AND valid_until >= $2 ORDER BY id LIMIT $3"
    );
    sqlx::query_scalar(&sql).bind(vm).bind(w.now).bind(limit).fetch_all(&mut *w.tx).await
}
