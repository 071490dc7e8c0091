//! What the health answers and the writer's probe ask of the storage.

use sqlx::Row;

use super::{Db, WriteTx};

impl Db {
    /// SQLite's journal mode and synchronous level, as `/healthz` reports them.
    ///
    /// # Errors
    /// When the database refuses.
    pub async fn sqlite_settings(&self) -> Result<(String, i64), sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        let mode: String = sqlx::query("PRAGMA journal_mode").fetch_one(&mut *conn).await?.try_get(0)?;
        let sync: i64 = sqlx::query("PRAGMA synchronous").fetch_one(&mut *conn).await?.try_get(0)?;
        Ok((mode, sync))
    }

    /// Whether the database answers at all: `SELECT 1`.
    ///
    /// # Errors
    /// When it does not.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }
}

/// Writes and deletes a page-sized row, inside the write: whether writes work.
///
/// # Errors
/// When the database refuses.
pub async fn probe_rows(w: &mut WriteTx) -> Result<(), sqlx::Error> {
    let pad = "x".repeat(4096);
    sqlx::query("INSERT INTO write_probe (id, pad) VALUES (1, $1)").bind(pad).execute(&mut *w.tx).await?;
    sqlx::query("DELETE FROM write_probe WHERE id = 1").execute(&mut *w.tx).await?;
    Ok(())
}

/// When the newest status list was signed, Unix seconds (for the metrics).
///
/// # Errors
/// When the database refuses.
pub async fn newest_list_signature(db: &super::Db) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(signed_at) FROM status_lists").fetch_one(&db.pool).await
}

/// Payments waiting in the reconciliation queue, by why (for the metrics).
///
/// # Errors
/// When the database refuses.
pub async fn unreconciled_payments(db: &super::Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT outcome, COUNT(*) FROM payments WHERE outcome <> 'applied' AND settled_at IS NULL GROUP BY outcome",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Applications by state (for the metrics).
///
/// # Errors
/// When the database refuses.
pub async fn applications_by_state(db: &super::Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query("SELECT state, COUNT(*) FROM applications GROUP BY state").fetch_all(&db.pool).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}
