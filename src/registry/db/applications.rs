//! Applications as stored: the permit data submitted (sealed), the state and
//! the time it was entered, the fee, and the steps of the timeline.

use sqlx::Row;

use super::sealed::{load_keys, open, open_opt};
use super::{Db, WriteTx};

/// Gives the next application number of `year`, inside the write (the head
/// row serializes writers, the row lock those of other instances).
///
/// # Errors
/// When the database refuses.
pub async fn next_number(w: &mut WriteTx, year: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO application_numbers (year, last) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last = application_numbers.last + 1 RETURNING last",
    )
    .bind(year)
    .fetch_one(&mut *w.tx)
    .await
}

/// A new application.
pub struct New<'a> {
    /// Its number, which is its id.
    pub id: &'a str,
    /// The token that submitted it.
    pub by: &'a str,
    /// The permit data (sealed here).
    pub input_json: &'a str,
    /// The employer's juristic id (clear: the employer's scope).
    pub employer_id: &'a str,
    /// The permit category.
    pub category: &'a str,
    /// The tracking's blind index of (number, birth date).
    pub track_key: &'a str,
}

/// Stores a new application in `submitted`, now.
///
/// # Errors
/// When the database refuses.
pub async fn insert(w: &mut WriteTx, a: New<'_>) -> Result<(), sqlx::Error> {
    let input_json = w.seal("applications", a.id, "input_json", a.input_json).await?;
    sqlx::query(
        "INSERT INTO applications (id, state, submitted_by, input_json, submitted_at, entered_at, employer_id, \
         category, track_key) VALUES ($1, 'submitted', $2, $3, $4, $4, $5, $6, $7)",
    )
    .bind(a.id)
    .bind(a.by)
    .bind(input_json)
    .bind(w.now)
    .bind(a.employer_id)
    .bind(a.category)
    .bind(a.track_key)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// An application as stored.
pub struct ApplicationRow {
    /// Its id (its number; `ap_…` for one submitted before numbers).
    pub id: String,
    /// Its state (`dwp_issuer::application::ApplicationState`).
    pub state: String,
    /// When it was submitted, Unix seconds.
    pub submitted_at: i64,
    /// When it entered its state.
    pub entered_at: i64,
    /// When it was decided.
    pub decided_at: Option<i64>,
    /// The permit its approval issued.
    pub permit_id: Option<String>,
    /// The reason code of the decision.
    pub reason_code: Option<String>,
    /// The employer's juristic id (`None` for one submitted before it was kept).
    pub employer_id: Option<String>,
    /// The permit category.
    pub category: Option<String>,
    /// The fee, in satang, once issued.
    pub fee_satang: Option<i64>,
    /// The last instant the fee may be paid.
    pub fee_due_at: Option<i64>,
    /// The tracking's blind index.
    pub track_key: Option<String>,
    /// When the bank received the payment of the fee.
    pub fee_paid_at: Option<i64>,
    /// Where it came from: `None` (submitted here) or `ieat` (a Section 62 notification).
    pub source: Option<String>,
    /// The agency's reference (IEAT's permission).
    pub source_ref: Option<String>,
    /// Sealed: the registrar's own words on the decision.
    reason: Option<String>,
    /// Sealed: the permit data.
    input_json: String,
}

const COLUMNS: &str = "id, state, submitted_at, COALESCE(entered_at, decided_at, submitted_at), decided_at, permit_id, \
    reason_code, employer_id, category, fee_satang, fee_due_at, track_key, reason, input_json, fee_paid_at, source, \
    source_ref";

fn decode(r: &sqlx::any::AnyRow) -> Result<ApplicationRow, sqlx::Error> {
    Ok(ApplicationRow {
        id: r.try_get(0)?,
        state: r.try_get(1)?,
        submitted_at: r.try_get(2)?,
        entered_at: r.try_get(3)?,
        decided_at: r.try_get(4)?,
        permit_id: r.try_get(5)?,
        reason_code: r.try_get(6)?,
        employer_id: r.try_get(7)?,
        category: r.try_get(8)?,
        fee_satang: r.try_get(9)?,
        fee_due_at: r.try_get(10)?,
        track_key: r.try_get(11)?,
        reason: r.try_get(12)?,
        input_json: r.try_get(13)?,
        fee_paid_at: r.try_get(14)?,
        source: r.try_get(15)?,
        source_ref: r.try_get(16)?,
    })
}

/// The sealed parts of an application, opened.
pub struct Opened {
    /// The permit data.
    pub input_json: String,
    /// The registrar's own words on the decision.
    pub reason: Option<String>,
}

impl ApplicationRow {
    /// Opens the sealed parts (the caller records the read).
    ///
    /// # Errors
    /// When a data key is missing or a value does not open.
    pub async fn open(&self, db: &Db) -> Result<Opened, sqlx::Error> {
        load_keys(&db.vault, &db.pool, &[self.reason.as_deref(), Some(&self.input_json)]).await?;
        Ok(Opened {
            reason: open_opt(&db.vault, "applications", &self.id, "reason", self.reason.clone())?,
            input_json: open(&db.vault, "applications", &self.id, "input_json", &self.input_json)?,
        })
    }

    /// Opens the permit data inside a write.
    ///
    /// # Errors
    /// When a data key is missing or the value does not open.
    pub async fn input_in(&self, w: &mut WriteTx) -> Result<String, sqlx::Error> {
        w.open("applications", &self.id, "input_json", &self.input_json).await
    }
}

/// The application `id`.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<ApplicationRow>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM applications WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// The application `id`, inside a write.
///
/// # Errors
/// When the database refuses or the row does not decode.
pub async fn in_write(w: &mut WriteTx, id: &str) -> Result<Option<ApplicationRow>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM applications WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// Moves an application to `state`, now.
///
/// # Errors
/// When the database refuses.
pub async fn set_state(w: &mut WriteTx, id: &str, state: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE applications SET state = $1, entered_at = $2 WHERE id = $3")
        .bind(state)
        .bind(w.now)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// Records the fee issued: its amount and the last instant it may be paid.
///
/// # Errors
/// When the database refuses.
pub async fn set_fee(w: &mut WriteTx, id: &str, fee_satang: i64, due_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE applications SET fee_satang = $1, fee_due_at = $2 WHERE id = $3")
        .bind(fee_satang)
        .bind(due_at)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// Records the payment of the fee, received by the bank at `paid_at`.
///
/// # Errors
/// When the database refuses.
pub async fn set_paid(w: &mut WriteTx, id: &str, paid_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE applications SET fee_paid_at = $1 WHERE id = $2")
        .bind(paid_at)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// A step of an application's timeline.
pub struct Step<'a> {
    /// The application.
    pub application_id: &'a str,
    /// The action (`dwp_issuer::application::ActionKind`).
    pub action: &'a str,
    /// As whom (`dwp_issuer::application::Actor`).
    pub actor: &'a str,
    /// The token that took it (`system` for the registry's own).
    pub by: &'a str,
    /// The state it led to.
    pub state: &'a str,
    /// What it records, without personal data (JSON).
    pub detail: &'a str,
    /// Words that may quote a worker (a reason), sealed.
    pub words: Option<&'a str>,
}

/// Appends a step, now.
///
/// # Errors
/// When the database refuses.
pub async fn add_step(w: &mut WriteTx, s: Step<'_>) -> Result<(), sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(n), 0) + 1 FROM application_steps WHERE application_id = $1")
        .bind(s.application_id)
        .fetch_one(&mut *w.tx)
        .await?;
    let place = format!("{}#{n}", s.application_id);
    let words = w.seal_opt("application_steps", &place, "words", s.words).await?;
    sqlx::query(
        "INSERT INTO application_steps (application_id, n, action, actor, by_token, at, state, detail, words) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(s.application_id)
    .bind(n)
    .bind(s.action)
    .bind(s.actor)
    .bind(s.by)
    .bind(w.now)
    .bind(s.state)
    .bind(s.detail)
    .bind(words)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// A stored step (its sealed words are not read here).
pub struct StepRow {
    /// From 1.
    pub n: i64,
    /// The action.
    pub action: String,
    /// As whom.
    pub actor: String,
    /// When.
    pub at: i64,
    /// The state it led to.
    pub state: String,
    /// What it records (JSON).
    pub detail: String,
}

/// The steps of `id`, in order.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn steps(db: &Db, id: &str) -> Result<Vec<StepRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT n, action, actor, at, state, detail FROM application_steps WHERE application_id = $1 ORDER BY n",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StepRow {
                n: r.try_get(0)?,
                action: r.try_get(1)?,
                actor: r.try_get(2)?,
                at: r.try_get(3)?,
                state: r.try_get(4)?,
                detail: r.try_get(5)?,
            })
        })
        .collect()
}

/// The decision on an application.
pub struct Decision<'a> {
    /// The application.
    pub id: &'a str,
    /// The permit an approval issued.
    pub permit_id: Option<String>,
    /// The registrar's own words.
    pub reason: Option<String>,
    /// The reason code.
    pub reason_code: &'a str,
}

/// Records a decision, made now (the state is moved by [`set_state`]).
///
/// # Errors
/// When the database refuses.
pub async fn decide(w: &mut WriteTx, d: Decision<'_>) -> Result<(), sqlx::Error> {
    let reason = w.seal_opt("applications", d.id, "reason", d.reason.as_deref()).await?;
    sqlx::query("UPDATE applications SET decided_at = $1, permit_id = $2, reason = $3, reason_code = $4 WHERE id = $5")
        .bind(w.now)
        .bind(d.permit_id)
        .bind(reason)
        .bind(d.reason_code)
        .bind(d.id)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}

/// Which applications a list shows.
pub struct Filter<'a> {
    /// Only these states (all when empty).
    pub states: &'a [&'a str],
    /// Only this employer's.
    pub employer_id: Option<&'a str>,
    /// Only those that entered their state after this instant and id (the page's cursor).
    pub after: Option<(i64, &'a str)>,
    /// At most this many.
    pub limit: i64,
}

/// Applications by the time they entered their state, oldest first.
///
/// # Errors
/// When the database refuses or a row does not decode.
pub async fn list(db: &Db, f: Filter<'_>) -> Result<Vec<ApplicationRow>, sqlx::Error> {
    let mut sql = format!("SELECT {COLUMNS} FROM applications WHERE 1 = 1");
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if !f.states.is_empty() {
        let marks: Vec<String> = f.states.iter().map(|_| next()).collect();
        sql.push_str(&format!(" AND state IN ({})", marks.join(", ")));
    }
    if f.employer_id.is_some() {
        sql.push_str(&format!(" AND employer_id = {}", next()));
    }
    let entered = "COALESCE(entered_at, decided_at, submitted_at)";
    if f.after.is_some() {
        let (a, b, c) = (next(), next(), next());
        sql.push_str(&format!(" AND ({entered} > {a} OR ({entered} = {b} AND id > {c}))"));
    }
    sql.push_str(&format!(" ORDER BY {entered}, id LIMIT {}", next()));
    let mut q = sqlx::query(&sql);
    for s in f.states {
        q = q.bind(*s);
    }
    if let Some(e) = f.employer_id {
        q = q.bind(e);
    }
    if let Some((at, id)) = f.after {
        q = q.bind(at).bind(at).bind(id);
    }
    let rows = q.bind(f.limit).fetch_all(&db.pool).await?;
    rows.iter().map(decode).collect()
}

/// Up to `limit` applications whose fee was due before `now` and is still unpaid.
///
/// # Errors
/// When the database refuses.
pub async fn overdue(db: &Db, now: i64, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM applications WHERE state = 'fee_pending' AND fee_due_at < $1 ORDER BY fee_due_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}
