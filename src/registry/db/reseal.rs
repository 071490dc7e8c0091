//! Sealing a database from before encryption in place, at start: every clear
//! personal value is sealed where it is, a batch per write transaction, so
//! that a start killed half-way goes on where it stopped at the next one.

use anyhow::{Context, Result};
use sqlx::Row;

use super::Db;
use super::sealed::{load_keys, open};
use crate::registry::clock::Clock;
use crate::registry::crypt::{self, Mode, SEALED_PREFIX};

/// Rows sealed per write transaction.
const BATCH: i64 = 200;

/// A table's sealed columns and the columns of its key.
struct Table {
    name: &'static str,
    /// The key's columns; `true` for a number.
    key: &'static [(&'static str, bool)],
    columns: &'static [&'static str],
}

const TABLES: &[Table] = &[
    Table {
        name: "permits",
        key: &[("id", false)],
        columns: &["permit_number", "input_json", "payload", "credential_json"],
    },
    Table { name: "permit_events", key: &[("permit_id", false), ("n", true)], columns: &["reason"] },
    Table { name: "applications", key: &[("id", false)], columns: &["input_json", "reason"] },
    Table { name: "idempotency", key: &[("token_id", false), ("idem_key", false)], columns: &["body"] },
    Table {
        name: "retired_credentials",
        key: &[("permit_id", false), ("shard", true), ("status_index", true)],
        columns: &["credential_json"],
    },
];

/// The condition that a row holds a clear value, or (`indexes`) lacks a blind index.
fn condition(t: &Table, indexes: bool) -> String {
    let mut parts: Vec<String> =
        t.columns.iter().map(|c| format!("({c} IS NOT NULL AND {c} NOT LIKE '{SEALED_PREFIX}%')")).collect();
    if t.name == "permits" {
        parts.push("number_index IS NULL".into());
        if indexes {
            // Indexes added by later migrations: their rows are sealed already.
            parts.push("passport_index IS NULL".into());
            parts.push("holder_index IS NULL".into());
        }
    }
    parts.join(" OR ")
}

/// The condition of a row to work on: a clear value, or a blind index missing.
fn clear_condition(t: &Table) -> String {
    condition(t, true)
}

/// How many rows hold clear personal values (`indexes`: or lack a blind index).
///
/// # Errors
/// When the database refuses.
pub async fn clear_rows(db: &Db, indexes: bool) -> Result<i64, sqlx::Error> {
    let mut n = 0;
    for t in TABLES {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE {}", t.name, condition(t, indexes));
        n += sqlx::query_scalar::<_, i64>(&sql).fetch_one(&db.pool).await?;
    }
    Ok(n)
}

/// Seals one batch of `t`'s clear rows; returns how many.
async fn seal_batch(db: &Db, t: &Table, clock: &Clock) -> Result<u64> {
    let keys: Vec<String> =
        t.key.iter().map(|(k, int)| if *int { format!("CAST({k} AS TEXT)") } else { k.to_string() }).collect();
    let sql = format!(
        "SELECT {}, {} FROM {} WHERE {} ORDER BY {} LIMIT {BATCH}",
        keys.join(", "),
        t.columns.join(", "),
        t.name,
        clear_condition(t),
        keys.join(", ")
    );
    let mut w = db.begin_write(clock).await?;
    let rows = sqlx::query(&sql).fetch_all(&mut *w.tx).await?;
    let mut done = 0;
    for r in &rows {
        let key: Vec<String> = (0..t.key.len()).map(|i| r.try_get(i)).collect::<Result<_, _>>()?;
        let row_id = key.join("/");
        let mut sets = Vec::new();
        let mut values: Vec<Option<String>> = Vec::new();
        for (i, c) in t.columns.iter().enumerate() {
            let v: Option<String> = r.try_get(t.key.len() + i)?;
            let sealed = match &v {
                Some(v) if crypt::key_id_of(v).is_none() => Some(w.seal(t.name, &row_id, c, v).await?),
                other => other.clone(),
            };
            if t.name == "permits" && (*c == "input_json" || *c == "permit_number") {
                // The clear value the look-up indexes are computed from.
                let clear = match &v {
                    Some(v) if crypt::key_id_of(v).is_none() => v.clone(),
                    Some(v) => {
                        load_keys(&db.vault, &mut *w.tx, &[Some(v)]).await?;
                        open(&db.vault, t.name, &row_id, c, v)?
                    }
                    None => String::new(),
                };
                if *c == "permit_number" {
                    sets.push("number_index".to_string());
                    values.push(Some(w.blind("permit_number", &clear)?));
                } else {
                    let (passport, holder) = super::permits::look_up_indexes(&w, &clear)?;
                    sets.extend(["passport_index".to_string(), "holder_index".to_string()]);
                    values.extend([Some(passport), Some(holder)]);
                }
            }
            sets.push(c.to_string());
            values.push(sealed);
        }
        let assign: Vec<String> = sets.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
        let cond: Vec<String> =
            t.key.iter().enumerate().map(|(i, (k, _))| format!("{k} = ${}", sets.len() + i + 1)).collect();
        let sql = format!("UPDATE {} SET {} WHERE {}", t.name, assign.join(", "), cond.join(" AND "));
        let mut q = sqlx::query(&sql);
        for v in values {
            q = q.bind(v);
        }
        for ((_, int), k) in t.key.iter().zip(&key) {
            q = match int {
                true => q.bind(k.parse::<i64>().context("a stored key is not a number")?),
                false => q.bind(k.clone()),
            };
        }
        q.execute(&mut *w.tx).await?;
        done += 1;
    }
    w.commit().await?;
    Ok(done)
}

/// On SQLite, rewrites the file and empties its WAL, so that the clear
/// values' old copies (free pages, WAL frames) are gone from the disk too.
async fn compact(db: &Db) -> Result<(), sqlx::Error> {
    if db.engine == super::Engine::Sqlite {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&db.pool).await?;
        sqlx::query("VACUUM").execute(&db.pool).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&db.pool).await?;
    }
    Ok(())
}

/// Seals every clear personal value of the database, in batches, with a
/// progress bar on a terminal; says so when it is done. Nothing to do for a
/// database sealed from its start.
///
/// # Errors
/// When the database refuses (what was sealed stays sealed; the next start goes on).
pub async fn seal_clear_rows(db: &Db, clock: &Clock) -> Result<()> {
    if !matches!(db.vault.mode(), Mode::Sealed { .. }) {
        return Ok(());
    }
    let total = clear_rows(db, true).await.context("counting the clear rows to seal")?;
    if total == 0 {
        return Ok(());
    }
    let clear = clear_rows(db, false).await.context("counting the clear rows to seal")?;
    if clear > 0 {
        eprintln!(
            "sealing the personal data of {clear} rows stored in clear (this start goes on where a killed one stopped)"
        );
    }
    if total > clear {
        eprintln!("filling the look-up indexes of {} sealed rows (passport, holder key)", total - clear);
    }
    let bar = indicatif::ProgressBar::new(u64::try_from(total).unwrap_or(0));
    for t in TABLES {
        loop {
            let n = seal_batch(db, t, clock).await.with_context(|| format!("sealing the rows of {}", t.name))?;
            bar.inc(n);
            if n == 0 {
                break;
            }
        }
    }
    bar.finish_and_clear();
    if clear > 0 {
        compact(db).await.context("removing the clear values' old copies from the database file")?;
        eprintln!("sealed the personal data of {clear} rows: none is stored in clear any more");
    } else {
        eprintln!("filled the look-up indexes: every permit can be found by passport and holder key");
    }
    Ok(())
}
