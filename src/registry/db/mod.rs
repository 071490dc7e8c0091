//! Storage: every SQL text of the registry, one for SQLite and PostgreSQL
//! through sqlx's `Any` driver, schema by `sqlx::migrate!`. This module opens
//! the database and holds the write transaction; its submodules hold the
//! queries, by table. It stores and reads; the rules (transitions, index
//! allocation, the audit hash) live elsewhere, and no handler writes SQL.

pub mod applications;
pub mod audit;
pub mod backup;
pub mod documents;
pub mod exchange;
pub mod health;
pub mod idempotency;
pub mod oid4vci;
pub mod outbox;
pub mod payments;
pub mod permit_list;
pub mod permits;
pub mod preflight;
pub mod reseal;
pub mod sealed;
pub mod status_lists;
pub mod tokens;
pub mod trust_lists;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::MigrateDatabase;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, Executor, Row};

use crate::registry::clock::Clock;
use crate::registry::crypt::{DataKey, Vault};
pub use sealed::KeySource;

/// Which engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An SQLite file (WAL, `synchronous=FULL`).
    Sqlite,
    /// PostgreSQL or a Postgres-compatible engine.
    Postgres,
}

impl Engine {
    /// The name shown in `/healthz`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// The database.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub engine: Engine,
    /// The keys that seal and open personal data.
    pub vault: Arc<Vault>,
    /// The issuance journal and high-water mark outside the database (see `registry::journal`), when
    /// the registry serves from a data directory.
    pub journal: Option<Arc<crate::registry::journal::Journal>>,
}

/// Password-free form of a database URL, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// `DWP_SQLITE_MAX_PAGES`: a cap on the SQLite file, in pages of 4 KiB, so
/// that the database fills before the disk it shares does. Unset: no cap.
fn sqlite_max_pages() -> Result<Option<u64>> {
    match std::env::var("DWP_SQLITE_MAX_PAGES") {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<u64>() {
            Ok(n) if n >= 16 => Ok(Some(n)),
            _ => bail!("DWP_SQLITE_MAX_PAGES must be a whole number of pages, at least 16 (got {v:?})"),
        },
        _ => Ok(None),
    }
}

/// The file an SQLite URL names, or `None` for an in-memory database.
fn sqlite_file(url: &str) -> Result<Option<PathBuf>> {
    let options: SqliteConnectOptions = url.parse().with_context(|| format!("database URL {}", redact(url)))?;
    let (_, query) = url.split_once('?').unwrap_or((url, ""));
    if url.contains(":memory:") || query.split('&').any(|kv| kv == "mode=memory") {
        return Ok(None);
    }
    Ok(Some(options.get_filename().to_path_buf()))
}

impl Db {
    /// Connects (creating the database if it does not exist) and brings the schema up to date.
    /// An SQLite file is checked first (see [`preflight`]): one that is not writable, not a
    /// database or corrupt stops the start with a message naming it.
    /// Then the master key is read from `keys` (see [`sealed::open_vault`]):
    /// a database whose keys are not at hand does not open.
    pub async fn open(url: &str, keys: &KeySource, now: i64) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            bail!("DATABASE_URL must start with sqlite: or postgres:// (got {})", redact(url));
        };
        let options: AnyConnectOptions = url.parse().with_context(|| format!("database URL {}", redact(url)))?;
        let sqlite = if engine == Engine::Sqlite { sqlite_file(url)? } else { None };
        if let Some(path) = &sqlite {
            preflight::check_file(path)?;
            // SQLite gives its -wal, -shm and -journal files the mode of the
            // database file, so creating it 0600 keeps them all private.
            crate::files::create_private_file(path)?;
        }
        if !Any::database_exists(url).await.with_context(|| format!("reaching the database {}", redact(url)))? {
            Any::create_database(url).await.with_context(|| format!("creating the database {}", redact(url)))?;
        }
        if let Some(path) = &sqlite {
            preflight::quick_check(path, &options).await?;
        }
        let max_pages = sqlite_max_pages()?;
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                        if let Some(pages) = max_pages {
                            conn.execute(format!("PRAGMA max_page_count = {pages}").as_str()).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("connecting to {}", redact(url)))?;
        sqlx::migrate!("./migrations").run(&pool).await.context("applying the schema migrations")?;
        let vault = Arc::new(sealed::open_vault(&pool, keys, now).await?);
        Ok(Db { pool, engine, vault, journal: None })
    }

    /// Starts a write on a connection of its own: `BEGIN` (on SQLite
    /// `BEGIN IMMEDIATE`, which takes the write lock at once), then the
    /// registry's head row, so that writers are serialized on both engines and
    /// across processes.
    ///
    /// A connection whose transaction fails is closed, never handed back to
    /// the pool: after a failed `COMMIT` the engine may or may not have rolled
    /// back, and a reader must never see what a writer did not commit.
    pub async fn begin_write(&self, clock: &Clock) -> Result<WriteTx, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        let begin = match self.engine {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN",
        };
        if let Err(e) = conn.execute(begin).await {
            conn.close_on_drop();
            return Err(e);
        }
        let mut w = WriteTx {
            tx: conn,
            open: true,
            now: 0,
            seq: 0,
            hash: String::new(),
            shard: 0,
            last_signed_at: 0,
            trust_sequence: 0,
            audited: Vec::new(),
            vault: self.vault.clone(),
            data_key: None,
            key_before_savepoint: false,
            journal: self.journal.clone(),
            entries: Vec::new(),
        };
        match take_head(&mut w).await {
            Ok(()) => {
                // The head row is held now: the clock is read after it, so a write another process
                // committed while this one waited for the row is never later than this write's time.
                w.now = clock.now().0;
                Ok(w)
            }
            Err(e) => {
                w.abort().await;
                Err(e)
            }
        }
    }

    /// The latest time anything was signed with: the last write's, or a status list's.
    pub async fn last_signed_at(&self) -> Result<i64, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        last_signed_at(&mut conn).await
    }

    /// Records the issuer on the database's first start; returns the issuer it belongs to.
    pub async fn record_issuer(&self, did: &str, public_key_multibase: &str, now: i64) -> Result<(String, String)> {
        sqlx::query(
            "INSERT INTO registry_issuer (id, did, public_key_multibase, recorded_at) VALUES (1, $1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(did)
        .bind(public_key_multibase)
        .bind(now)
        .execute(&self.pool)
        .await
        .context("recording the database's issuer")?;
        let row = sqlx::query("SELECT did, public_key_multibase FROM registry_issuer WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .context("reading the database's issuer")?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}

/// The latest time anything was signed with: the last write's, or a status
/// list's (lists are signed outside writes).
async fn last_signed_at(conn: &mut sqlx::AnyConnection) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "SELECT h.last_signed_at, (SELECT MAX(signed_at) FROM status_lists) FROM registry_head h WHERE h.id = 1",
    )
    .fetch_one(&mut *conn)
    .await?;
    let head: i64 = row.try_get(0)?;
    let lists: Option<i64> = row.try_get(1)?;
    Ok(head.max(lists.unwrap_or(0)))
}

/// Takes the registry's head row (the first statement of every write, which
/// serializes writers) and reads the chain's head, the open shard and the last
/// signing time into `w`.
async fn take_head(w: &mut WriteTx) -> Result<(), sqlx::Error> {
    let row = sqlx::query(
        "UPDATE registry_head SET current_shard = current_shard WHERE id = 1 \
         RETURNING audit_seq, audit_hash, current_shard, trust_sequence",
    )
    .fetch_one(&mut *w.tx)
    .await?;
    (w.seq, w.hash, w.shard) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    w.trust_sequence = row.try_get(3)?;
    w.last_signed_at = last_signed_at(&mut w.tx).await?;
    Ok(())
}

/// What a job's savepoint restores: the in-memory head and the actions noted.
pub struct Mark {
    seq: i64,
    hash: String,
    shard: i64,
    audited: usize,
    entries: usize,
}

/// A write transaction holding the head of the audit chain, on a connection
/// of its own. It ends by [`WriteTx::commit`] or [`WriteTx::abort`]; dropped
/// otherwise, its connection is closed (rolling the transaction back), never
/// returned to the pool.
pub struct WriteTx {
    /// The connection, inside the transaction.
    pub tx: PoolConnection<Any>,
    open: bool,
    /// The time of this write, Unix seconds.
    pub now: i64,
    seq: i64,
    hash: String,
    /// The open shard.
    pub shard: i64,
    /// The latest time a write signed with, before this one.
    pub last_signed_at: i64,
    /// The sequence of the newest trust list the registry publishes (see `db::trust_lists`).
    pub trust_sequence: i64,
    /// The audit actions of this write, counted in the metrics once it commits.
    audited: Vec<String>,
    vault: Arc<Vault>,
    /// This write's data key, once it sealed something: stored with the write.
    data_key: Option<(String, Arc<DataKey>)>,
    /// Whether the data key was made before the job's savepoint (else rolling back to it undoes its row).
    key_before_savepoint: bool,
    journal: Option<Arc<crate::registry::journal::Journal>>,
    /// What this write adds to the issuance journal, written before it commits.
    entries: Vec<crate::registry::journal::Entry>,
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if self.open {
            self.tx.close_on_drop();
        }
    }
}

impl WriteTx {
    /// The in-memory head, to restore when a job's savepoint is rolled back.
    pub fn mark(&self) -> Mark {
        Mark {
            seq: self.seq,
            hash: self.hash.clone(),
            shard: self.shard,
            audited: self.audited.len(),
            entries: self.entries.len(),
        }
    }

    /// Restores a [`WriteTx::mark`].
    pub fn restore(&mut self, mark: Mark) {
        (self.seq, self.hash, self.shard) = (mark.seq, mark.hash, mark.shard);
        self.audited.truncate(mark.audited);
        self.entries.truncate(mark.entries);
    }

    /// Notes an entry of the issuance journal, written with this write.
    pub fn journal(&mut self, entry: crate::registry::journal::Entry) {
        if self.journal.is_some() {
            self.entries.push(entry);
        }
    }

    /// Notes an audit action of this write, for the metrics.
    pub(crate) fn note_audited(&mut self, action: &str) {
        self.audited.push(action.to_string());
    }

    /// Moves to the next shard (the open one is full enough).
    pub fn open_next_shard(&mut self) {
        self.shard += 1;
    }

    /// Opens the savepoint of one job of a batch.
    pub async fn savepoint(&mut self) -> Result<(), sqlx::Error> {
        self.key_before_savepoint = self.data_key.is_some();
        sqlx::query("SAVEPOINT job").execute(&mut *self.tx).await.map(drop)
    }

    /// Undoes the writes of the job since [`WriteTx::savepoint`].
    pub async fn rollback_to_savepoint(&mut self) -> Result<(), sqlx::Error> {
        if !self.key_before_savepoint {
            self.data_key = None;
        }
        sqlx::query("ROLLBACK TO SAVEPOINT job").execute(&mut *self.tx).await.map(drop)
    }

    /// Ends the job's savepoint, keeping what it did not undo.
    pub async fn release_savepoint(&mut self) -> Result<(), sqlx::Error> {
        sqlx::query("RELEASE SAVEPOINT job").execute(&mut *self.tx).await.map(drop)
    }

    /// Writes the head and commits. On failure the transaction is rolled back and its connection closed.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        // What a restore could not know is on disk before the write commits.
        if let Some(j) = self.journal.clone() {
            let entries = std::mem::take(&mut self.entries);
            let shard = self.shard;
            let recorded = tokio::task::spawn_blocking(move || j.record(&entries, shard))
                .await
                .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))
                .and_then(|r| r.map_err(sqlx::Error::Io));
            if let Err(e) = recorded {
                self.abort().await;
                return Err(e);
            }
        }
        let written = sqlx::query(
            "UPDATE registry_head SET audit_seq = $1, audit_hash = $2, current_shard = $3, last_signed_at = $4 \
             WHERE id = 1",
        )
        .bind(self.seq)
        .bind(&self.hash)
        .bind(self.shard)
        .bind(self.now.max(self.last_signed_at))
        .execute(&mut *self.tx)
        .await;
        let committed = match written {
            Ok(_) => self.tx.execute("COMMIT").await.map(drop),
            Err(e) => Err(e),
        };
        match committed {
            Ok(()) => {
                self.open = false;
                crate::registry::metrics::committed(&self.audited);
                Ok(())
            }
            Err(e) => {
                self.abort().await;
                Err(e)
            }
        }
    }

    /// Rolls back and closes the connection (a failed engine may refuse the
    /// rollback; closing the connection undoes the transaction anyway).
    pub async fn abort(mut self) {
        let _ = self.tx.execute("ROLLBACK").await;
        self.tx.close_on_drop();
        self.open = false;
    }
}
