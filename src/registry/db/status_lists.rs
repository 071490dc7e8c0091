//! Status lists as stored: each `(shard, purpose)`'s sequence, bumped by
//! every change of its bits, and its last good signature.

use sqlx::Row;

use dwp_verifier::credential::StatusPurpose;

use super::{Db, WriteTx};

/// Bumps the sequence of a status list (creating its row on first use).
///
/// # Errors
/// When the database refuses.
pub async fn touch(w: &mut WriteTx, shard: i64, purpose: StatusPurpose, bump: bool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO status_lists (shard, purpose, sequence, changed_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (shard, purpose) DO NOTHING",
    )
    .bind(shard)
    .bind(purpose.as_str())
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    if bump {
        sqlx::query(
            "UPDATE status_lists SET sequence = sequence + 1, changed_at = $3 WHERE shard = $1 AND purpose = $2",
        )
        .bind(shard)
        .bind(purpose.as_str())
        .bind(w.now)
        .execute(&mut *w.tx)
        .await?;
    }
    Ok(())
}

/// A list's row: its sequence, and its last signature if it has one.
pub struct ListRow {
    /// The sequence, bumped by every change.
    pub sequence: i64,
    /// The sequence the last signature covers.
    pub signed_sequence: Option<i64>,
    /// When it was last signed, Unix seconds.
    pub signed_at: Option<i64>,
    /// The last signed credential, serialized.
    pub signed_json: Option<String>,
}

/// The row of `(shard, purpose)`, if that list exists.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn get(db: &Db, shard: i64, purpose: StatusPurpose) -> Result<Option<ListRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT sequence, signed_sequence, signed_at, signed_json FROM status_lists WHERE shard = $1 AND purpose = $2",
    )
    .bind(shard)
    .bind(purpose.as_str())
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(ListRow {
        sequence: row.try_get(0)?,
        signed_sequence: row.try_get(1)?,
        signed_at: row.try_get(2)?,
        signed_json: row.try_get(3)?,
    }))
}

/// Records a signature of `(shard, purpose)` at `sequence`, unless a newer one is recorded.
///
/// # Errors
/// When the database refuses.
pub async fn record_signature(
    db: &Db,
    shard: i64,
    purpose: StatusPurpose,
    sequence: i64,
    signed_at: i64,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE status_lists SET signed_sequence = $1, signed_at = $2, signed_json = $3 \
         WHERE shard = $4 AND purpose = $5 AND (signed_sequence IS NULL OR signed_sequence <= $1)",
    )
    .bind(sequence)
    .bind(signed_at)
    .bind(body)
    .bind(shard)
    .bind(purpose.as_str())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Every list, as `(shard, purpose name)`, in order.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn all(db: &Db) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT shard, purpose FROM status_lists ORDER BY shard, purpose").fetch_all(&db.pool).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}
