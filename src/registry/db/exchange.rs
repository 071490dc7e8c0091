//! The signed exchange with partner agencies as stored: their keys, the nonces
//! seen within the signature window, and the Section 62 notifications.

use sqlx::Row;

use super::{Db, WriteTx};

/// A partner agency's registered key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerKey {
    pub key_id: String,
    pub agency: String,
    /// Multibase Ed25519 public key.
    pub public_key: String,
    pub estates: Vec<String>,
    pub purposes: Vec<String>,
    pub not_before: i64,
    pub not_after: i64,
    pub registered_at: i64,
}

const KEY_COLUMNS: &str = "key_id, agency, public_key, estates, purposes, not_before, not_after, registered_at";

fn read_key(r: &sqlx::any::AnyRow) -> Result<PartnerKey, sqlx::Error> {
    let list = |i: usize| -> Result<Vec<String>, sqlx::Error> {
        let text: String = r.try_get(i)?;
        serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    };
    Ok(PartnerKey {
        key_id: r.try_get(0)?,
        agency: r.try_get(1)?,
        public_key: r.try_get(2)?,
        estates: list(3)?,
        purposes: list(4)?,
        not_before: r.try_get(5)?,
        not_after: r.try_get(6)?,
        registered_at: r.try_get(7)?,
    })
}

/// The key `key_id`, if registered.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn key(db: &Db, key_id: &str) -> Result<Option<PartnerKey>, sqlx::Error> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM partner_keys WHERE key_id = $1");
    sqlx::query(&sql).bind(key_id).fetch_optional(&db.pool).await?.as_ref().map(read_key).transpose()
}

/// Every registered key, by id.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn keys(db: &Db) -> Result<Vec<PartnerKey>, sqlx::Error> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM partner_keys ORDER BY key_id");
    sqlx::query(&sql).fetch_all(&db.pool).await?.iter().map(read_key).collect()
}

/// Registers `k`; `false` when its id is taken (nothing is changed).
///
/// # Errors
/// When the database refuses.
pub async fn add_key(w: &mut WriteTx, k: &PartnerKey, by: &str) -> Result<bool, sqlx::Error> {
    let encode = |v: &[String]| serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)));
    let done = sqlx::query(
        "INSERT INTO partner_keys (key_id, agency, public_key, estates, purposes, not_before, not_after, \
         registered_by, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key_id) DO NOTHING",
    )
    .bind(&k.key_id)
    .bind(&k.agency)
    .bind(&k.public_key)
    .bind(encode(&k.estates)?)
    .bind(encode(&k.purposes)?)
    .bind(k.not_before)
    .bind(k.not_after)
    .bind(by)
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records `nonce` for `key_id` until `expires_at`; `false` when it was seen already (a replay).
/// Nonces whose window has passed are purged first.
///
/// # Errors
/// When the database refuses.
pub async fn use_nonce(w: &mut WriteTx, key_id: &str, nonce: &str, expires_at: i64) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM partner_nonces WHERE expires_at < $1").bind(w.now).execute(&mut *w.tx).await?;
    let done = sqlx::query(
        "INSERT INTO partner_nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key_id, nonce) DO NOTHING",
    )
    .bind(key_id)
    .bind(nonce)
    .bind(expires_at)
    .execute(&mut *w.tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A Section 62 notification received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub agency: String,
    pub notification_id: String,
    pub body_digest: String,
    pub application_id: String,
    pub estate: String,
    pub permission_ref: String,
    pub key_id: String,
    pub received_at: i64,
}

const NOTIFICATION_COLUMNS: &str =
    "agency, notification_id, body_digest, application_id, estate, permission_ref, key_id, received_at";

fn read_notification(r: &sqlx::any::AnyRow) -> Result<Notification, sqlx::Error> {
    Ok(Notification {
        agency: r.try_get(0)?,
        notification_id: r.try_get(1)?,
        body_digest: r.try_get(2)?,
        application_id: r.try_get(3)?,
        estate: r.try_get(4)?,
        permission_ref: r.try_get(5)?,
        key_id: r.try_get(6)?,
        received_at: r.try_get(7)?,
    })
}

/// The notification `id` of `agency`, inside a write.
///
/// # Errors
/// When the database refuses.
pub async fn notification_in(w: &mut WriteTx, agency: &str, id: &str) -> Result<Option<Notification>, sqlx::Error> {
    let sql =
        format!("SELECT {NOTIFICATION_COLUMNS} FROM s62_notifications WHERE agency = $1 AND notification_id = $2");
    sqlx::query(&sql)
        .bind(agency)
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?
        .as_ref()
        .map(read_notification)
        .transpose()
}

/// The notification `id` of `agency`.
///
/// # Errors
/// When the database refuses.
pub async fn notification(db: &Db, agency: &str, id: &str) -> Result<Option<Notification>, sqlx::Error> {
    let sql =
        format!("SELECT {NOTIFICATION_COLUMNS} FROM s62_notifications WHERE agency = $1 AND notification_id = $2");
    sqlx::query(&sql).bind(agency).bind(id).fetch_optional(&db.pool).await?.as_ref().map(read_notification).transpose()
}

/// Stores a notification, received now.
///
/// # Errors
/// When the database refuses.
pub async fn add_notification(w: &mut WriteTx, n: &Notification) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO s62_notifications (agency, notification_id, body_digest, application_id, estate, permission_ref, \
         key_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&n.agency)
    .bind(&n.notification_id)
    .bind(&n.body_digest)
    .bind(&n.application_id)
    .bind(&n.estate)
    .bind(&n.permission_ref)
    .bind(&n.key_id)
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// Marks an application as coming from an agency, with its reference.
///
/// # Errors
/// When the database refuses.
pub async fn set_source(
    w: &mut WriteTx,
    application_id: &str,
    source: &str,
    reference: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE applications SET source = $1, source_ref = $2 WHERE id = $3")
        .bind(source)
        .bind(reference)
        .bind(application_id)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// Live permits (active or suspended, not past their end) of `employer` whose passport index is
/// `passport_index`, inside a write.
///
/// # Errors
/// When the database refuses.
pub async fn live_for_employer(
    w: &mut WriteTx,
    passport_index: &str,
    employer: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM permits WHERE passport_index = $1 AND employer = $2 AND state IN ('active', 'suspended') \
         AND valid_until >= $3 ORDER BY id",
    )
    .bind(passport_index)
    .bind(employer)
    .bind(w.now)
    .fetch_all(&mut *w.tx)
    .await
}

/// Permits of `estate` whose passport index is `passport_index` (every state), newest first.
///
/// # Errors
/// When the database refuses.
pub async fn by_passport_in_estate(db: &Db, passport_index: &str, estate: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM permits WHERE passport_index = $1 AND estate = $2 ORDER BY created_at DESC, id")
        .bind(passport_index)
        .bind(estate)
        .fetch_all(&db.pool)
        .await
}
