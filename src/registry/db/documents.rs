//! The documents attached to applications: listed by type, size and digest;
//! their content sealed (base64 inside the AEAD), opened for the registrar.

use sqlx::Row;

use super::sealed::{load_keys, open};
use super::{Db, WriteTx};

/// A document attached to an application, as listed (its content is not read here).
pub struct DocumentRow {
    /// From 1.
    pub n: i64,
    /// `application/pdf`, `image/jpeg` or `image/png`.
    pub content_type: String,
    /// Its size.
    pub bytes: i64,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// When it was attached.
    pub uploaded_at: i64,
}

/// A new document.
pub struct NewDocument<'a> {
    /// The application.
    pub application_id: &'a str,
    /// Its type, checked by content.
    pub content_type: &'a str,
    /// Its content.
    pub content: &'a [u8],
    /// Its SHA-256, hex.
    pub sha256: &'a str,
    /// The token that attached it.
    pub by: &'a str,
}

/// How many documents an application has, inside a write.
///
/// # Errors
/// When the database refuses.
pub async fn document_count(w: &mut WriteTx, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM application_documents WHERE application_id = $1")
        .bind(id)
        .fetch_one(&mut *w.tx)
        .await
}

/// Attaches a document, now, sealed; returns its number.
///
/// # Errors
/// When the database refuses.
pub async fn add_document(w: &mut WriteTx, d: NewDocument<'_>) -> Result<i64, sqlx::Error> {
    use base64::Engine as _;
    let n = document_count(w, d.application_id).await? + 1;
    let place = format!("{}#{n}", d.application_id);
    let text = base64::engine::general_purpose::STANDARD.encode(d.content);
    let data = w.seal("application_documents", &place, "data", &text).await?;
    sqlx::query(
        "INSERT INTO application_documents (application_id, n, content_type, bytes, sha256, uploaded_at, \
         uploaded_by, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(d.application_id)
    .bind(n)
    .bind(d.content_type)
    .bind(i64::try_from(d.content.len()).unwrap_or(i64::MAX))
    .bind(d.sha256)
    .bind(w.now)
    .bind(d.by)
    .bind(data)
    .execute(&mut *w.tx)
    .await?;
    Ok(n)
}

/// The documents of `id`, in order.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn documents(db: &Db, id: &str) -> Result<Vec<DocumentRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT n, content_type, bytes, sha256, uploaded_at FROM application_documents WHERE application_id = $1 \
         ORDER BY n",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DocumentRow {
                n: r.try_get(0)?,
                content_type: r.try_get(1)?,
                bytes: r.try_get(2)?,
                sha256: r.try_get(3)?,
                uploaded_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// The content type and content of document `n` of `id`, opened.
///
/// # Errors
/// When the database refuses, a data key is missing or the content does not open.
pub async fn document(db: &Db, id: &str, n: i64) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    use base64::Engine as _;
    let row = sqlx::query("SELECT content_type, data FROM application_documents WHERE application_id = $1 AND n = $2")
        .bind(id)
        .bind(n)
        .fetch_optional(&db.pool)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let (content_type, data): (String, String) = (r.try_get(0)?, r.try_get(1)?);
    load_keys(&db.vault, &db.pool, &[Some(&data)]).await?;
    let text = open(&db.vault, "application_documents", &format!("{id}#{n}"), "data", &data)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| sqlx::Error::Decode(format!("a stored document is not base64: {e}").into()))?;
    Ok(Some((content_type, bytes)))
}
