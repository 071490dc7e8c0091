//! Putting a permit on a phone, as stored: credential offers (their secrets
//! as SHA-256 hashes only), the `c_nonce`s handed out, and the credentials a
//! permit had before its live one, each revoked for good.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, WriteTx};

const OFFER_COLUMNS: &str = "id, permit_id, tx_hash, state, attempts, expires_at, access_expires_at";

/// A stored offer (its secrets' hashes stay in the database, but for the transaction code's).
pub struct OfferRow {
    /// Its id (`of_…`), not a secret.
    pub id: String,
    /// The permit it puts on a phone.
    pub permit_id: String,
    /// SHA-256 of the pre-authorized code and the transaction code, hex.
    pub tx_hash: String,
    /// `open`, `redeemed`, `issued`, `locked` or `replaced`.
    pub state: String,
    /// Wrong transaction codes so far.
    pub attempts: i64,
    /// When the pre-authorized code expires, Unix seconds.
    pub expires_at: i64,
    /// When the access token expires, once issued.
    pub access_expires_at: Option<i64>,
}

fn read_offer(r: &AnyRow) -> Result<OfferRow, sqlx::Error> {
    Ok(OfferRow {
        id: r.try_get(0)?,
        permit_id: r.try_get(1)?,
        tx_hash: r.try_get(2)?,
        state: r.try_get(3)?,
        attempts: r.try_get(4)?,
        expires_at: r.try_get(5)?,
        access_expires_at: r.try_get(6)?,
    })
}

/// A new offer, stored `open`.
pub struct NewOffer<'a> {
    /// Its id.
    pub id: &'a str,
    /// The permit.
    pub permit_id: &'a str,
    /// SHA-256 of the secret in the offer's URI.
    pub uri_hash: &'a str,
    /// SHA-256 of the pre-authorized code.
    pub code_hash: &'a str,
    /// SHA-256 of the pre-authorized code and the transaction code.
    pub tx_hash: &'a str,
    /// When the code expires.
    pub expires_at: i64,
    /// The token that made it.
    pub created_by: &'a str,
}

/// Ends the offers of `permit_id` not yet used: a newer one replaces them.
///
/// # Errors
/// When the database refuses.
pub async fn replace_open(w: &mut WriteTx, permit_id: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE credential_offers SET state = 'replaced', updated_at = $2 \
         WHERE permit_id = $1 AND state IN ('open', 'redeemed')",
    )
    .bind(permit_id)
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    Ok(done.rows_affected())
}

/// Stores a new offer, made now.
///
/// # Errors
/// When the database refuses.
pub async fn insert_offer(w: &mut WriteTx, o: NewOffer<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO credential_offers (id, permit_id, uri_hash, code_hash, tx_hash, state, attempts, expires_at, \
         access_hash, access_expires_at, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', 0, $6, NULL, NULL, $7, $8, $8)",
    )
    .bind(o.id)
    .bind(o.permit_id)
    .bind(o.uri_hash)
    .bind(o.code_hash)
    .bind(o.tx_hash)
    .bind(o.expires_at)
    .bind(o.created_by)
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// The offer whose URI secret hashes to `uri_hash`, read outside writes.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn offer_by_uri(db: &Db, uri_hash: &str) -> Result<Option<OfferRow>, sqlx::Error> {
    let sql = format!("SELECT {OFFER_COLUMNS} FROM credential_offers WHERE uri_hash = $1");
    sqlx::query(&sql).bind(uri_hash).fetch_optional(&db.pool).await?.as_ref().map(read_offer).transpose()
}

/// The offer whose pre-authorized code hashes to `code_hash`, inside a write.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn offer_by_code(w: &mut WriteTx, code_hash: &str) -> Result<Option<OfferRow>, sqlx::Error> {
    let sql = format!("SELECT {OFFER_COLUMNS} FROM credential_offers WHERE code_hash = $1");
    sqlx::query(&sql).bind(code_hash).fetch_optional(&mut *w.tx).await?.as_ref().map(read_offer).transpose()
}

/// The offer whose access token hashes to `access_hash`, inside a write.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn offer_by_access(w: &mut WriteTx, access_hash: &str) -> Result<Option<OfferRow>, sqlx::Error> {
    let sql = format!("SELECT {OFFER_COLUMNS} FROM credential_offers WHERE access_hash = $1");
    sqlx::query(&sql).bind(access_hash).fetch_optional(&mut *w.tx).await?.as_ref().map(read_offer).transpose()
}

/// Counts a wrong transaction code; `lock` ends the offer.
///
/// # Errors
/// When the database refuses.
pub async fn wrong_tx_code(w: &mut WriteTx, id: &str, lock: bool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE credential_offers SET attempts = attempts + 1, \
         state = CASE WHEN $2 = 1 THEN 'locked' ELSE state END, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(i64::from(lock))
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// Redeems the pre-authorized code: the offer now holds an access token.
///
/// # Errors
/// When the database refuses.
pub async fn redeem(w: &mut WriteTx, id: &str, access_hash: &str, access_expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE credential_offers SET state = 'redeemed', access_hash = $2, access_expires_at = $3, updated_at = $4 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(access_hash)
    .bind(access_expires_at)
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// The offer's one credential is issued: its access token is spent.
///
/// # Errors
/// When the database refuses.
pub async fn mark_issued(w: &mut WriteTx, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE credential_offers SET state = 'issued', updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(w.now)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// Stores a new `c_nonce`, dropping the expired ones.
///
/// # Errors
/// When the database refuses.
pub async fn insert_nonce(w: &mut WriteTx, nonce_hash: &str, expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM credential_nonces WHERE expires_at < $1").bind(w.now).execute(&mut *w.tx).await?;
    sqlx::query("INSERT INTO credential_nonces (nonce_hash, expires_at) VALUES ($1, $2)")
        .bind(nonce_hash)
        .bind(expires_at)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// Whether `nonce_hash` is a `c_nonce` handed out, unused and unexpired.
///
/// # Errors
/// When the database refuses.
pub async fn nonce_live(w: &mut WriteTx, nonce_hash: &str) -> Result<bool, sqlx::Error> {
    let found = sqlx::query("SELECT nonce_hash FROM credential_nonces WHERE nonce_hash = $1 AND expires_at >= $2")
        .bind(nonce_hash)
        .bind(w.now)
        .fetch_optional(&mut *w.tx)
        .await?;
    Ok(found.is_some())
}

/// Spends a `c_nonce`.
///
/// # Errors
/// When the database refuses.
pub async fn spend_nonce(w: &mut WriteTx, nonce_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM credential_nonces WHERE nonce_hash = $1").bind(nonce_hash).execute(&mut *w.tx).await?;
    Ok(())
}

/// A permit's credential replaced by a new one: it keeps its index, revoked for good.
pub struct Retired<'a> {
    /// The permit.
    pub permit_id: &'a str,
    /// Its status list (shard).
    pub shard: i64,
    /// Its index there.
    pub index: i64,
    /// Why (`rebound`).
    pub reason: &'a str,
    /// The credential, as it was signed.
    pub credential_json: &'a str,
}

/// Records a retired credential, now.
///
/// # Errors
/// When the database refuses.
pub async fn retire(w: &mut WriteTx, r: Retired<'_>) -> Result<(), sqlx::Error> {
    let row = format!("{}/{}/{}", r.permit_id, r.shard, r.index);
    let credential = w.seal("retired_credentials", &row, "credential_json", r.credential_json).await?;
    sqlx::query(
        "INSERT INTO retired_credentials (permit_id, shard, status_index, reason, credential_json, retired_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(r.permit_id)
    .bind(r.shard)
    .bind(r.index)
    .bind(r.reason)
    .bind(credential)
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// A permit's new live credential, bound to a holder key.
pub struct Rebound<'a> {
    /// The permit.
    pub id: &'a str,
    /// The new credential's status list (shard).
    pub shard: i64,
    /// Its index there.
    pub index: i64,
    /// The permit data with the holder key.
    pub input_json: &'a str,
    /// The new QR payload.
    pub payload: &'a str,
    /// The new signed credential.
    pub credential_json: &'a str,
    /// The verification method that signed it.
    pub signed_by: &'a str,
}

/// Makes a new credential the permit's live one (its state and bits are unchanged).
///
/// # Errors
/// When the database refuses.
pub async fn rebind(w: &mut WriteTx, r: Rebound<'_>) -> Result<(), sqlx::Error> {
    let input = w.seal("permits", r.id, "input_json", r.input_json).await?;
    let payload = w.seal("permits", r.id, "payload", r.payload).await?;
    let credential = w.seal("permits", r.id, "credential_json", r.credential_json).await?;
    let (_, holder) = super::permits::look_up_indexes(w, r.input_json)?;
    sqlx::query(
        "UPDATE permits SET shard = $1, status_index = $2, input_json = $3, payload = $4, credential_json = $5, \
         updated_at = $6, signed_by = $7, holder_index = $9 WHERE id = $8",
    )
    .bind(r.shard)
    .bind(r.index)
    .bind(input)
    .bind(payload)
    .bind(credential)
    .bind(w.now)
    .bind(r.signed_by)
    .bind(r.id)
    .bind(holder)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}
