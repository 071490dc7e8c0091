//! Permits and their history as stored: the signed credential, its status
//! index and bits, its line of renewals, and the events of its life.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use dwp_verifier::credential::StatusPurpose;

use super::sealed::{load_keys, open, open_opt};
use super::{Db, WriteTx};
use crate::registry::crypt::Vault;

/// The blind index's column name for permit numbers (its HMAC's domain).
const NUMBER_INDEX: &str = "permit_number";

const PERMIT_COLUMNS: &str = "id, lineage, predecessor, successor, permit_number, state, shard, status_index, \
    revoked_bit, suspended_bit, valid_until, employer, estate, input_json, payload, credential_json, created_at, updated_at";

/// A stored permit row.
pub struct PermitRow {
    /// Its id (`wp_…`).
    pub id: String,
    /// The id of the first permit of its line.
    pub lineage: String,
    /// The permit it replaced.
    pub predecessor: Option<String>,
    /// The permit that replaced it.
    pub successor: Option<String>,
    /// The permit number.
    pub permit_number: String,
    /// The stored state's name.
    pub state: String,
    /// Its status list (shard).
    pub shard: i64,
    /// Its index in that list.
    pub index: i64,
    /// The revocation bit.
    pub revoked: bool,
    /// The suspension bit.
    pub suspended: bool,
    /// The end of its validity, Unix seconds.
    pub valid_until: i64,
    /// The employer's juristic ID.
    pub employer: String,
    /// The industrial estate of its workplace.
    pub estate: Option<String>,
    /// The permit data, as submitted.
    pub input_json: String,
    /// The QR payload.
    pub payload: String,
    /// The signed credential.
    pub credential_json: String,
    /// When it was issued.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

fn read_row(r: &AnyRow) -> Result<PermitRow, sqlx::Error> {
    Ok(PermitRow {
        id: r.try_get(0)?,
        lineage: r.try_get(1)?,
        predecessor: r.try_get(2)?,
        successor: r.try_get(3)?,
        permit_number: r.try_get(4)?,
        state: r.try_get(5)?,
        shard: r.try_get(6)?,
        index: r.try_get(7)?,
        revoked: r.try_get::<i64, _>(8)? != 0,
        suspended: r.try_get::<i64, _>(9)? != 0,
        valid_until: r.try_get(10)?,
        employer: r.try_get(11)?,
        estate: r.try_get(12)?,
        input_json: r.try_get(13)?,
        payload: r.try_get(14)?,
        credential_json: r.try_get(15)?,
        created_at: r.try_get(16)?,
        updated_at: r.try_get(17)?,
    })
}

async fn fetch<'e, E>(exec: E, id: &str) -> Result<Option<PermitRow>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let sql = format!("SELECT {PERMIT_COLUMNS} FROM permits WHERE id = $1");
    sqlx::query(&sql).bind(id).fetch_optional(exec).await?.as_ref().map(read_row).transpose()
}

/// The sealed values of a row, to load their data keys.
fn sealed_of(r: &PermitRow) -> [Option<&str>; 4] {
    [Some(&r.permit_number), Some(&r.input_json), Some(&r.payload), Some(&r.credential_json)]
}

/// Opens a row's sealed columns (their data keys loaded).
fn open_row(vault: &Vault, mut r: PermitRow) -> Result<PermitRow, sqlx::Error> {
    let o = |column: &str, text: &str| open(vault, "permits", &r.id, column, text);
    let (number, input, payload, credential) = (
        o("permit_number", &r.permit_number)?,
        o("input_json", &r.input_json)?,
        o("payload", &r.payload)?,
        o("credential_json", &r.credential_json)?,
    );
    (r.permit_number, r.input_json, r.payload, r.credential_json) = (number, input, payload, credential);
    Ok(r)
}

/// The permit `id`, read outside writes.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<PermitRow>, sqlx::Error> {
    let Some(row) = fetch(&db.pool, id).await? else { return Ok(None) };
    load_keys(&db.vault, &db.pool, &sealed_of(&row)).await?;
    open_row(&db.vault, row).map(Some)
}

/// The permit `id`, read inside a write.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn by_id_in(w: &mut WriteTx, id: &str) -> Result<Option<PermitRow>, sqlx::Error> {
    let Some(row) = fetch(&mut *w.tx, id).await? else { return Ok(None) };
    load_keys(&w.vault, &mut *w.tx, &sealed_of(&row)).await?;
    open_row(&w.vault, row).map(Some)
}

/// Which of `candidates` are taken in `shard`.
///
/// # Errors
/// When the database refuses.
pub async fn taken_indices(w: &mut WriteTx, shard: i64, candidates: &[u32]) -> Result<Vec<i64>, sqlx::Error> {
    let placeholders: Vec<String> = (0..candidates.len()).map(|i| format!("${}", i + 2)).collect();
    // A retired credential keeps its index for ever (it stays revoked), so it is taken too.
    let list = placeholders.join(", ");
    let sql = format!(
        "SELECT status_index FROM permits WHERE shard = $1 AND status_index IN ({list}) \
         UNION SELECT status_index FROM retired_credentials WHERE shard = $1 AND status_index IN ({list})"
    );
    let mut q = sqlx::query(&sql).bind(shard);
    for c in candidates {
        q = q.bind(i64::from(*c));
    }
    q.fetch_all(&mut *w.tx).await?.iter().map(|r| r.try_get(0)).collect()
}

/// Whether a live permit (active or suspended, still valid now) has this number.
///
/// # Errors
/// When the database refuses.
pub async fn number_in_use(w: &mut WriteTx, permit_number: &str) -> Result<bool, sqlx::Error> {
    let live = sqlx::query(
        "SELECT id FROM permits WHERE number_index = $1 AND state IN ('active', 'suspended') AND valid_until >= $2",
    )
    .bind(w.blind(NUMBER_INDEX, permit_number)?)
    .bind(w.now)
    .fetch_optional(&mut *w.tx)
    .await?;
    Ok(live.is_some())
}

/// A new permit's row, stored `active` with clear bits.
pub struct NewPermit<'a> {
    /// Its id.
    pub id: &'a str,
    /// The id of the first permit of its line.
    pub lineage: &'a str,
    /// The permit it replaces.
    pub predecessor: Option<String>,
    /// The permit number.
    pub permit_number: &'a str,
    /// Its status list (shard).
    pub shard: i64,
    /// Its index in that list.
    pub index: i64,
    /// The end of its validity, Unix seconds.
    pub valid_until: i64,
    /// The employer's juristic ID.
    pub employer: &'a str,
    /// The industrial estate of its workplace.
    pub estate: Option<String>,
    /// The permit data, as submitted.
    pub input_json: &'a str,
    /// The QR payload.
    pub payload: &'a str,
    /// The signed credential.
    pub credential_json: &'a str,
    /// The verification method that signed it.
    pub signed_by: &'a str,
}

/// The blind index column of (nationality, document number): the look-up of a partner agency.
pub const PASSPORT_INDEX: &str = "permits.passport";

/// What the passport index is computed over.
pub fn passport_subject(nationality: &str, document_number: &str) -> String {
    format!("{}\n{}", nationality.trim().to_ascii_uppercase(), document_number.trim().to_ascii_uppercase())
}

/// The blind index column of the holder key a permit is bound to.
pub const HOLDER_INDEX: &str = "permits.holder";

/// What a look-up index holds when there is nothing to find the row by: a value no look-up gives,
/// and not NULL, which the sealing at start fills.
pub const NO_INDEX: &str = "-";

/// A permit's look-up indexes, from its input read once: (passport, holder key), each
/// [`NO_INDEX`] when there is none (an input that does not parse, which issuance has already
/// refused; a permit bound to no key).
pub fn look_up_indexes(w: &WriteTx, input_json: &str) -> Result<(String, String), sqlx::Error> {
    let none = || NO_INDEX.to_string();
    let Ok(input) = serde_json::from_str::<dwp_verifier::permit::PermitInput>(input_json) else {
        return Ok((none(), none()));
    };
    let worker = &input.worker;
    let passport = w.blind(PASSPORT_INDEX, &passport_subject(&worker.nationality, &worker.document.number))?;
    let holder = worker.holder_key.as_deref().map(|k| w.blind(HOLDER_INDEX, k.trim())).transpose()?;
    Ok((passport, holder.unwrap_or_else(none)))
}

/// The permits bound to the holder key whose index is `holder_index`, oldest first.
///
/// # Errors
/// When the database refuses.
pub async fn by_holder(db: &Db, holder_index: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, lineage FROM permits WHERE holder_index = $1 ORDER BY created_at, id")
        .bind(holder_index)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Stores a new permit, issued now.
///
/// # Errors
/// When the database refuses.
pub async fn insert(w: &mut WriteTx, p: NewPermit<'_>) -> Result<(), sqlx::Error> {
    let at = w.now;
    w.journal(crate::registry::journal::Entry::Issued { id: p.id.to_string(), shard: p.shard, index: p.index, at });
    let number_index = w.blind(NUMBER_INDEX, p.permit_number)?;
    let (passport_index, holder_index) = look_up_indexes(w, p.input_json)?;
    let number = w.seal("permits", p.id, "permit_number", p.permit_number).await?;
    let input = w.seal("permits", p.id, "input_json", p.input_json).await?;
    let payload = w.seal("permits", p.id, "payload", p.payload).await?;
    let credential = w.seal("permits", p.id, "credential_json", p.credential_json).await?;
    sqlx::query(
        "INSERT INTO permits (id, lineage, predecessor, successor, permit_number, state, shard, status_index, \
         revoked_bit, suspended_bit, valid_until, employer, estate, input_json, payload, credential_json, created_at, \
         updated_at, number_index, signed_by, passport_index, holder_index) \
         VALUES ($1, $2, $3, NULL, $4, 'active', $5, $6, 0, 0, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16, $17)",
    )
    .bind(p.id)
    .bind(p.lineage)
    .bind(p.predecessor)
    .bind(number)
    .bind(p.shard)
    .bind(p.index)
    .bind(p.valid_until)
    .bind(p.employer)
    .bind(p.estate)
    .bind(input)
    .bind(payload)
    .bind(credential)
    .bind(w.now)
    .bind(number_index)
    .bind(p.signed_by)
    .bind(passport_index)
    .bind(holder_index)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// Sets a permit's state and status bits, now.
///
/// # Errors
/// When the database refuses.
pub async fn set_status(
    w: &mut WriteTx,
    id: &str,
    state: &str,
    revoked: bool,
    suspended: bool,
) -> Result<(), sqlx::Error> {
    let at = w.now;
    w.journal(crate::registry::journal::Entry::Changed { id: id.to_string(), state: state.to_string(), at });
    sqlx::query("UPDATE permits SET state = $1, revoked_bit = $2, suspended_bit = $3, updated_at = $4 WHERE id = $5")
        .bind(state)
        .bind(i64::from(revoked))
        .bind(i64::from(suspended))
        .bind(w.now)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// Links a permit to the one that replaced it.
///
/// # Errors
/// When the database refuses.
pub async fn set_successor(w: &mut WriteTx, id: &str, successor: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE permits SET successor = $1 WHERE id = $2").bind(successor).bind(id).execute(&mut *w.tx).await?;
    Ok(())
}

/// One event of a permit's life.
pub struct NewEvent<'a> {
    /// The permit.
    pub permit_id: &'a str,
    /// What was done.
    pub action: &'a str,
    /// Why.
    pub reason: Option<&'a str>,
    /// The token that acted.
    pub actor: &'a str,
    /// The permit it issued or came from.
    pub related: Option<&'a str>,
    /// Its audit entry.
    pub audit_seq: i64,
}

/// Appends an event, now, to a permit's history.
///
/// # Errors
/// When the database refuses.
pub async fn add_event(w: &mut WriteTx, e: NewEvent<'_>) -> Result<(), sqlx::Error> {
    // Writers are serialized, so the number read here is still the next one when inserted.
    let n: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(n), 0) + 1 FROM permit_events WHERE permit_id = $1")
        .bind(e.permit_id)
        .fetch_one(&mut *w.tx)
        .await?;
    let reason = w.seal_opt("permit_events", &event_row(e.permit_id, n), "reason", e.reason).await?;
    sqlx::query(
        "INSERT INTO permit_events (permit_id, n, at, action, reason, actor, related, audit_seq) \
         VALUES ($1, $8, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.permit_id)
    .bind(w.now)
    .bind(e.action)
    .bind(reason)
    .bind(e.actor)
    .bind(e.related.map(str::to_string))
    .bind(e.audit_seq)
    .bind(n)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// The row id of an event, in its sealed values' associated data.
fn event_row(permit_id: &str, n: i64) -> String {
    format!("{permit_id}/{n}")
}

/// An event of a permit's history, as stored.
pub struct EventRow {
    /// Its number, from 1.
    pub n: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// What was done.
    pub action: String,
    /// Why.
    pub reason: Option<String>,
    /// The token that acted.
    pub actor: String,
    /// The permit it issued or came from.
    pub related: Option<String>,
}

/// A permit's history, in order.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn events(db: &Db, permit_id: &str) -> Result<Vec<EventRow>, sqlx::Error> {
    let events =
        sqlx::query("SELECT n, at, action, reason, actor, related FROM permit_events WHERE permit_id = $1 ORDER BY n")
            .bind(permit_id)
            .fetch_all(&db.pool)
            .await?;
    let reasons: Vec<Option<String>> = events.iter().map(|e| e.try_get(3)).collect::<Result<_, _>>()?;
    load_keys(&db.vault, &db.pool, &reasons.iter().map(Option::as_deref).collect::<Vec<_>>()).await?;
    events
        .iter()
        .zip(reasons)
        .map(|(e, reason)| {
            let n: i64 = e.try_get(0)?;
            Ok(EventRow {
                n,
                at: e.try_get(1)?,
                action: e.try_get(2)?,
                reason: open_opt(&db.vault, "permit_events", &event_row(permit_id, n), "reason", reason)?,
                actor: e.try_get(4)?,
                related: e.try_get(5)?,
            })
        })
        .collect()
}

/// The ids of a line of permits, oldest first.
///
/// # Errors
/// When the database refuses.
pub async fn lineage(db: &Db, lineage: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("SELECT id FROM permits WHERE lineage = $1 ORDER BY created_at, id")
        .bind(lineage)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect()
}

/// The employer of the permit `id`, if it exists.
///
/// # Errors
/// When the database refuses.
pub async fn employer_of(db: &Db, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT employer FROM permits WHERE id = $1").bind(id).fetch_optional(&db.pool).await
}

/// The status indices of `shard` whose bit for `purpose` is set.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn set_bits(db: &Db, shard: i64, purpose: StatusPurpose) -> Result<Vec<i64>, sqlx::Error> {
    let column = match purpose {
        StatusPurpose::Revocation => "revoked_bit",
        StatusPurpose::Suspension => "suspended_bit",
    };
    // A permit's earlier credentials (`retired_credentials`) are revoked for good, never suspended.
    let sql = match purpose {
        StatusPurpose::Revocation => format!(
            "SELECT status_index FROM permits WHERE shard = $1 AND {column} = 1 \
             UNION SELECT status_index FROM retired_credentials WHERE shard = $1"
        ),
        StatusPurpose::Suspension => format!("SELECT status_index FROM permits WHERE shard = $1 AND {column} = 1"),
    };
    let rows = sqlx::query(&sql).bind(shard).fetch_all(&db.pool).await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}
