//! The statements of a backup and a restore: SQLite's consistent copy
//! (`VACUUM INTO`, safe beside a running registry), and what a restored
//! database is moved on by before it serves (see `registry::backup`).

use sqlx::Row;

use super::{Db, WriteTx};

/// Writes a consistent copy of the SQLite database to `to` (which must not exist).
///
/// # Errors
/// When the database refuses.
pub async fn sqlite_copy(db: &Db, to: &str) -> Result<(), sqlx::Error> {
    sqlx::query("VACUUM INTO $1").bind(to).execute(&db.pool).await.map(drop)
}

/// Moves every status list's sequence on by `offset`, and drops their signatures (each is signed
/// again, at its new sequence, when next served). Returns how many lists.
///
/// # Errors
/// When the database refuses.
pub async fn move_sequences(w: &mut WriteTx, offset: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE status_lists SET sequence = sequence + $1, signed_sequence = NULL, signed_at = NULL, signed_json = NULL",
    )
    .bind(offset)
    .execute(&mut *w.tx)
    .await?;
    Ok(done.rows_affected())
}

/// Which of `ids` are permits of this database, with their state.
///
/// # Errors
/// When the database refuses.
pub async fn states_of(db: &Db, ids: &[String]) -> Result<Vec<(String, String)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT id, state FROM permits WHERE id IN ({})", marks.join(", "));
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(&db.pool).await? {
            out.push((r.try_get(0)?, r.try_get(1)?));
        }
    }
    Ok(out)
}
