//! The idempotency store: the answer of each write sent with an
//! `Idempotency-Key`, per token, replayed to a retry of the same request.

use sqlx::Row;

use super::WriteTx;

/// An answer as stored.
pub struct StoredAnswer {
    /// SHA-256 of the route and body it answered.
    pub request_hash: String,
    /// Its HTTP status.
    pub status: i64,
    /// Its JSON body.
    pub body: String,
}

/// The answer stored for `(token, key)`, if any.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn stored(w: &mut WriteTx, token: &str, key: &str) -> Result<Option<StoredAnswer>, sqlx::Error> {
    let row = sqlx::query("SELECT request_hash, status, body FROM idempotency WHERE token_id = $1 AND idem_key = $2")
        .bind(token)
        .bind(key)
        .fetch_optional(&mut *w.tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let body: String = row.try_get(2)?;
    let body = w.open("idempotency", &answer_row(token, key), "body", &body).await?;
    Ok(Some(StoredAnswer { request_hash: row.try_get(0)?, status: row.try_get(1)?, body }))
}

/// The row id of an answer, in its sealed body's associated data.
fn answer_row(token: &str, key: &str) -> String {
    format!("{token}/{key}")
}

/// Stores the answer to `(token, key)`.
///
/// # Errors
/// When the database refuses.
pub async fn store(
    w: &mut WriteTx,
    token: &str,
    key: &str,
    request_hash: &str,
    status: i64,
    body: &str,
) -> Result<(), sqlx::Error> {
    let body = w.seal("idempotency", &answer_row(token, key), "body", body).await?;
    sqlx::query(
        "INSERT INTO idempotency (token_id, idem_key, request_hash, status, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token)
    .bind(key)
    .bind(request_hash)
    .bind(status)
    .bind(body)
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}
