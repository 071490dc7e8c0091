//! Applications as stored: the permit data submitted at a service centre,
//! and the registrar's decision.

use sqlx::Row;

use super::sealed::{load_keys, open, open_opt};
use super::{Db, WriteTx};

/// Stores a new application, submitted now by the token `by`.
///
/// # Errors
/// When the database refuses.
pub async fn insert(w: &mut WriteTx, id: &str, by: &str, input_json: &str) -> Result<(), sqlx::Error> {
    let input_json = w.seal("applications", id, "input_json", input_json).await?;
    sqlx::query(
        "INSERT INTO applications (id, state, submitted_by, input_json, submitted_at) VALUES ($1, 'submitted', $2, $3, $4)",
    )
    .bind(id)
    .bind(by)
    .bind(input_json)
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// An application as stored.
pub struct ApplicationRow {
    /// Its id.
    pub id: String,
    /// `submitted`, `approved` or `rejected`.
    pub state: String,
    /// When it was submitted, Unix seconds.
    pub submitted_at: i64,
    /// When it was decided.
    pub decided_at: Option<i64>,
    /// The permit its approval issued.
    pub permit_id: Option<String>,
    /// The registrar's own words.
    pub reason: Option<String>,
    /// The permit data submitted.
    pub input_json: String,
    /// The reason code of the decision.
    pub reason_code: Option<String>,
}

/// The application `id`.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<ApplicationRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, state, submitted_at, decided_at, permit_id, reason, input_json, reason_code FROM applications \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let (reason, input): (Option<String>, String) = (r.try_get(5)?, r.try_get(6)?);
    load_keys(&db.vault, &db.pool, &[reason.as_deref(), Some(&input)]).await?;
    Ok(Some(ApplicationRow {
        state: r.try_get(1)?,
        submitted_at: r.try_get(2)?,
        decided_at: r.try_get(3)?,
        permit_id: r.try_get(4)?,
        reason: open_opt(&db.vault, "applications", id, "reason", reason)?,
        input_json: open(&db.vault, "applications", id, "input_json", &input)?,
        reason_code: r.try_get(7)?,
        id: r.try_get(0)?,
    }))
}

/// The state and permit data of the application `id`, inside a write.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn state_in(w: &mut WriteTx, id: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT state, input_json FROM applications WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let input: String = r.try_get(1)?;
    Ok(Some((r.try_get(0)?, w.open("applications", id, "input_json", &input).await?)))
}

/// The decision on an application.
pub struct Decision<'a> {
    /// The application.
    pub id: &'a str,
    /// `approved` or `rejected`.
    pub state: &'a str,
    /// The permit an approval issued.
    pub permit_id: Option<String>,
    /// The registrar's own words.
    pub reason: Option<String>,
    /// The reason code.
    pub reason_code: &'a str,
}

/// Records a decision, made now.
///
/// # Errors
/// When the database refuses.
pub async fn decide(w: &mut WriteTx, d: Decision<'_>) -> Result<(), sqlx::Error> {
    let reason = w.seal_opt("applications", d.id, "reason", d.reason.as_deref()).await?;
    sqlx::query(
        "UPDATE applications SET state = $1, decided_at = $2, permit_id = $3, reason = $4, \
         reason_code = $5 WHERE id = $6",
    )
    .bind(d.state)
    .bind(w.now)
    .bind(d.permit_id)
    .bind(reason)
    .bind(d.reason_code)
    .bind(d.id)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}
