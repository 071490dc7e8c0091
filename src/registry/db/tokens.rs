//! API tokens as stored: their hashes, roles, scopes and lifetimes; never a secret.

use sqlx::Row;

use super::{Db, WriteTx};

/// A new token's row.
pub struct NewToken<'a> {
    /// Its id (`tok_…`).
    pub id: &'a str,
    /// SHA-256 of the secret, hex.
    pub hash: &'a str,
    /// Its role's name.
    pub role: &'a str,
    /// Its scope.
    pub scope: Option<&'a str>,
    /// What it is for.
    pub label: Option<&'a str>,
    /// When it expires, Unix seconds.
    pub expires_at: i64,
}

/// Stores a new token, created now.
///
/// # Errors
/// When the database refuses.
pub async fn insert(w: &mut WriteTx, t: &NewToken<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tokens (id, hash, role, scope, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(t.id)
    .bind(t.hash)
    .bind(t.role)
    .bind(t.scope.map(str::to_string))
    .bind(t.label.map(str::to_string))
    .bind(w.now)
    .bind(t.expires_at)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// Revokes the live token `id` now; whether there was one.
///
/// # Errors
/// When the database refuses.
pub async fn revoke(w: &mut WriteTx, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(w.now)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    Ok(done.rows_affected() != 0)
}

/// How many administrator tokens were ever created.
///
/// # Errors
/// When the database refuses.
pub async fn admin_count(w: &mut WriteTx) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM tokens WHERE role = 'admin'").fetch_one(&mut *w.tx).await
}

/// A token as listed.
pub struct TokenRow {
    /// Its id.
    pub id: String,
    /// Its role's name.
    pub role: String,
    /// Its scope.
    pub scope: Option<String>,
    /// What it is for.
    pub label: Option<String>,
    /// When it was created, Unix seconds.
    pub created_at: i64,
    /// When it expires.
    pub expires_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
}

/// Every token, oldest first.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn all(db: &Db) -> Result<Vec<TokenRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, role, scope, label, created_at, expires_at, revoked_at FROM tokens ORDER BY created_at, id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenRow {
                id: r.try_get(0)?,
                role: r.try_get(1)?,
                scope: r.try_get(2)?,
                label: r.try_get(3)?,
                created_at: r.try_get(4)?,
                expires_at: r.try_get(5)?,
                revoked_at: r.try_get(6)?,
            })
        })
        .collect()
}

/// The live token a secret's hash names: its id, role name and scope.
pub struct LiveToken {
    /// Its id.
    pub id: String,
    /// Its role's name.
    pub role: String,
    /// Its scope.
    pub scope: Option<String>,
}

/// The token with this hash, unless it is revoked or expired at `now`.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn live_by_hash(db: &Db, hash: &str, now: i64) -> Result<Option<LiveToken>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, role, scope FROM tokens WHERE hash = $1 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| Ok(LiveToken { id: r.try_get(0)?, role: r.try_get(1)?, scope: r.try_get(2)? })).transpose()
}
