//! The bank's payments, one row per bank transaction, and the tracking's
//! wrong answers (for its rate limit).

use sqlx::Row;

use super::{Db, WriteTx};

/// A payment as the bank confirmed it, and what the registry made of it.
#[derive(Debug, Clone)]
pub struct Payment {
    /// The bank's transaction id.
    pub transaction_id: String,
    /// Ref1 (the application number, if the payer typed or scanned it right).
    pub reference1: String,
    /// Ref2 (the employer's juristic id).
    pub reference2: String,
    /// The amount, in satang.
    pub amount_satang: i64,
    /// When the bank received it, Unix seconds.
    pub paid_at: i64,
    /// The payer's bank.
    pub payer_bank: String,
    /// `applied` or the reason it waits in the reconciliation queue.
    pub outcome: String,
    /// The application it paid (or was meant for).
    pub application_id: Option<String>,
    /// When the registry learnt of it.
    pub received_at: i64,
    /// `callback` or `reconcile`.
    pub via: String,
    /// When an officer of the registry settled it, for one in the queue.
    pub settled_at: Option<i64>,
}

const COLUMNS: &str = "transaction_id, reference1, reference2, amount_satang, paid_at, payer_bank, outcome, \
    application_id, received_at, via, settled_at";

fn decode(r: &sqlx::any::AnyRow) -> Result<Payment, sqlx::Error> {
    Ok(Payment {
        transaction_id: r.try_get(0)?,
        reference1: r.try_get(1)?,
        reference2: r.try_get(2)?,
        amount_satang: r.try_get(3)?,
        paid_at: r.try_get(4)?,
        payer_bank: r.try_get(5)?,
        outcome: r.try_get(6)?,
        application_id: r.try_get(7)?,
        received_at: r.try_get(8)?,
        via: r.try_get(9)?,
        settled_at: r.try_get(10)?,
    })
}

/// The payment `transaction_id`, inside a write.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn by_id_in(w: &mut WriteTx, transaction_id: &str) -> Result<Option<Payment>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM payments WHERE transaction_id = $1"))
        .bind(transaction_id)
        .fetch_optional(&mut *w.tx)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// The outcome recorded for the payment `transaction_id`, if it is recorded.
///
/// # Errors
/// When the database refuses.
pub async fn outcome_of(db: &Db, transaction_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT outcome FROM payments WHERE transaction_id = $1")
        .bind(transaction_id)
        .fetch_optional(&db.pool)
        .await
}

/// Whether a payment was already applied to the application `id`.
///
/// # Errors
/// When the database refuses.
pub async fn applied_to(w: &mut WriteTx, id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE application_id = $1 AND outcome = 'applied'")
        .bind(id)
        .fetch_one(&mut *w.tx)
        .await?;
    Ok(n > 0)
}

/// Stores a payment (its transaction id is new).
///
/// # Errors
/// When the database refuses.
pub async fn insert(w: &mut WriteTx, p: &Payment) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("INSERT INTO payments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
        .bind(&p.transaction_id)
        .bind(&p.reference1)
        .bind(&p.reference2)
        .bind(p.amount_satang)
        .bind(p.paid_at)
        .bind(&p.payer_bank)
        .bind(&p.outcome)
        .bind(&p.application_id)
        .bind(p.received_at)
        .bind(&p.via)
        .bind(p.settled_at)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// The payments waiting in the reconciliation queue (not applied, not settled), oldest first;
/// `all` adds the settled ones and the applied ones.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn queue(db: &Db, all: bool, limit: i64) -> Result<Vec<Payment>, sqlx::Error> {
    let filter = if all { "" } else { "WHERE outcome <> 'applied' AND settled_at IS NULL " };
    let rows =
        sqlx::query(&format!("SELECT {COLUMNS} FROM payments {filter}ORDER BY received_at, transaction_id LIMIT $1"))
            .bind(limit)
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(decode).collect()
}

/// Records a wrong answer of the tracking about `subject` (an application
/// number or a client), now, and forgets those older than `keep_after`.
///
/// # Errors
/// When the database refuses.
pub async fn track_failed(w: &mut WriteTx, subjects: &[&str], keep_after: i64) -> Result<(), sqlx::Error> {
    for s in subjects {
        sqlx::query("INSERT INTO track_failures (subject, at) VALUES ($1, $2)")
            .bind(*s)
            .bind(w.now)
            .execute(&mut *w.tx)
            .await?;
    }
    sqlx::query("DELETE FROM track_failures WHERE at <= $1").bind(keep_after).execute(&mut *w.tx).await?;
    Ok(())
}

/// The wrong answers about `subject` since `since`.
///
/// # Errors
/// When the database refuses.
pub async fn track_failures(db: &Db, subject: &str, since: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM track_failures WHERE subject = $1 AND at > $2")
        .bind(subject)
        .bind(since)
        .fetch_one(&db.pool)
        .await
}
