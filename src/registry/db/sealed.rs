//! Sealed columns as stored: the data keys (each wrapped by the master key),
//! loading them to open values, making one per write, and checking at start
//! that this database's keys are at hand. The cryptography is `crypt`'s.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, bail};
use sqlx::{Any, Executor, Row};

use super::WriteTx;
use crate::registry::crypt::{self, CryptError, DataKey, MasterKey, Mode, Place, SEALED_PREFIX, Vault};

/// Where the master key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// The master key file (created on a registry's first start).
    File(PathBuf),
    /// An AES key in a hardware token (generated there on a registry's first start).
    Hsm {
        /// The token and the key's label.
        config: crate::hsm::HsmConfig,
        /// The blind-index key's file, wrapped by the token's key.
        index_file: PathBuf,
        /// The master key file whose retired copies a move into the token has not finished with.
        file: PathBuf,
    },
    /// None: a command that never reads personal data (the token commands).
    Locked,
    /// None, personal data stored in clear: only to measure what sealing costs.
    Clear,
}

/// A vault error as the storage layer reports it (a row that does not decode).
pub fn crypt_error(e: CryptError) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// Opens a stored value whose data key is loaded (see [`load_keys`]).
///
/// # Errors
/// When it is clear, altered, moved from another place, or its key is not loaded.
pub fn open(vault: &Vault, table: &str, row: &str, column: &str, text: &str) -> Result<String, sqlx::Error> {
    vault.open(Place { table, row, column }, text).map_err(crypt_error)
}

/// [`open`] for a nullable column.
///
/// # Errors
/// As [`open`].
pub fn open_opt(
    vault: &Vault,
    table: &str,
    row: &str,
    column: &str,
    text: Option<String>,
) -> Result<Option<String>, sqlx::Error> {
    text.map(|t| open(vault, table, row, column, &t)).transpose()
}

/// Unwraps the data keys that `texts` name and that are not unwrapped yet.
///
/// # Errors
/// When the database refuses, a key is missing or does not unwrap.
pub async fn load_keys<'e, E>(vault: &Vault, exec: E, texts: &[Option<&str>]) -> Result<(), sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let missing: BTreeSet<&str> =
        texts.iter().flatten().filter_map(|t| crypt::key_id_of(t)).filter(|id| vault.cached(id).is_none()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    vault.master().map_err(crypt_error)?;
    let list: Vec<String> = (1..=missing.len()).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT id, wrapped, master_key_id FROM data_keys WHERE id IN ({})", list.join(", "));
    let mut q = sqlx::query(&sql);
    for id in &missing {
        q = q.bind(*id);
    }
    for r in q.fetch_all(exec).await? {
        let (id, wrapped, master_id): (String, String, String) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let master =
            vault.master_by_id(&master_id).ok_or_else(|| crypt_error(CryptError::Unwrap(id.clone(), master_id)))?;
        let key = master.unwrap_key(&id, &wrapped).map_err(crypt_error)?;
        vault.remember(&id, Arc::new(key));
    }
    match missing.iter().find(|id| vault.cached(id).is_none()) {
        Some(id) => Err(crypt_error(CryptError::MissingKey(id.to_string()))),
        None => Ok(()),
    }
}

impl WriteTx {
    /// Seals `plain` for its place, under this write's data key (made, wrapped
    /// and stored with the write at its first seal). Stored in clear only when
    /// the registry was started so for a measurement.
    ///
    /// # Errors
    /// When the database refuses, or this process holds no master key.
    pub async fn seal(&mut self, table: &str, row: &str, column: &str, plain: &str) -> Result<String, sqlx::Error> {
        if matches!(self.vault.mode(), Mode::Clear) {
            return Ok(plain.to_string());
        }
        let (id, key) = match &self.data_key {
            Some(k) => k.clone(),
            None => {
                let master = self.vault.master().map_err(crypt_error)?;
                let (id, key) = DataKey::generate().map_err(crypt_error)?;
                let wrapped = master.wrap(&id, &key).map_err(crypt_error)?;
                sqlx::query("INSERT INTO data_keys (id, wrapped, master_key_id, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&id)
                    .bind(&wrapped)
                    .bind(&master.id)
                    .bind(self.now)
                    .execute(&mut *self.tx)
                    .await?;
                let key = Arc::new(key);
                self.vault.remember(&id, key.clone());
                self.data_key = Some((id.clone(), key.clone()));
                (id, key)
            }
        };
        crypt::seal(&id, &key, Place { table, row, column }, plain).map_err(crypt_error)
    }

    /// [`WriteTx::seal`] for a nullable column.
    ///
    /// # Errors
    /// As [`WriteTx::seal`].
    pub async fn seal_opt(
        &mut self,
        table: &str,
        row: &str,
        column: &str,
        plain: Option<&str>,
    ) -> Result<Option<String>, sqlx::Error> {
        match plain {
            Some(p) => Ok(Some(self.seal(table, row, column, p).await?)),
            None => Ok(None),
        }
    }

    /// The blind index of a value, for look-ups by it.
    ///
    /// # Errors
    /// When this process holds no master key.
    pub fn blind(&self, column: &str, value: &str) -> Result<String, sqlx::Error> {
        self.vault.blind(column, value).map_err(crypt_error)
    }

    /// What the audit chain records of a free-text reason: its keyed digest
    /// (HMAC-SHA-256), never the words, which may name a worker and are sealed
    /// in the permit's history or the application.
    ///
    /// # Errors
    /// When this process holds no master key.
    pub fn reason_digest(&self, reason: Option<&str>) -> Result<Option<String>, sqlx::Error> {
        reason.map(|r| self.blind("audit.reason", r)).transpose()
    }

    /// Opens a value read inside this write, loading its data key if needed.
    ///
    /// # Errors
    /// As [`open`] and [`load_keys`].
    pub async fn open(&mut self, table: &str, row: &str, column: &str, text: &str) -> Result<String, sqlx::Error> {
        load_keys(&self.vault, &mut *self.tx, &[Some(text)]).await?;
        open(&self.vault, table, row, column, text)
    }
}

/// The earlier master key files a rotation has not finished with (`<file>.retired-<time>`).
fn retired_files(path: &Path) -> Result<Vec<PathBuf>> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return Ok(vec![]) };
    let prefix = format!("{}.retired-", name.to_string_lossy());
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                found.push(e.path());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The master keys of the retired files beside `path`, with their files.
///
/// # Errors
/// When one cannot be read.
pub fn retired_keys(path: &Path) -> Result<Vec<(PathBuf, MasterKey)>> {
    let mut keys = Vec::new();
    for f in retired_files(path)? {
        if let Some(k) = MasterKey::read(&f)? {
            keys.push((f, k));
        }
    }
    Ok(keys)
}

/// How many data keys each master key wraps.
///
/// # Errors
/// When the database refuses.
pub async fn master_key_ids(pool: &sqlx::AnyPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT master_key_id, COUNT(*) FROM data_keys GROUP BY master_key_id ORDER BY master_key_id")
            .fetch_all(pool)
            .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// A sealed value of the database, if it holds any: a probe that its data key is there.
async fn some_sealed_value(pool: &sqlx::AnyPool) -> Result<Option<String>, sqlx::Error> {
    let like = format!("{SEALED_PREFIX}%");
    let sql = "SELECT input_json FROM permits WHERE input_json LIKE $1 \
               UNION ALL SELECT input_json FROM applications WHERE input_json LIKE $1 LIMIT 1";
    sqlx::query_scalar(sql).bind(&like).fetch_optional(pool).await
}

/// What a start needs for data keys wrapped under each of `ids`, for messages.
fn needed(ids: &[&str]) -> String {
    let need = |id: &str| match id.strip_prefix("hsm:").and_then(|t| t.rsplit_once('/')) {
        Some((token, label)) => format!(
            "{id} is the AES key {label:?} in the HSM token {token:?}: start with --hsm-module, --hsm-token {token} \
             and --hsm-master-key {label} (the PIN in {})",
            crate::hsm::PIN_ENV
        ),
        None => format!("{id} is a master key file: start with --master-key PATH (or DWP_MASTER_KEY_FILE) naming it"),
    };
    if ids.is_empty() {
        return "start with the master key that sealed it: --master-key PATH naming its file, or --hsm-master-key \
                naming its key in a token"
            .into();
    }
    ids.iter().map(|id| need(id)).collect::<Vec<_>>().join("; ")
}

/// The master key of `source` and the earlier ones a rotation has not finished
/// with, with what names it in messages. Creates it on a registry's first start.
fn master_of(
    source: &KeySource,
    stored: &[(String, i64)],
    fresh: bool,
    now: i64,
) -> Result<(MasterKey, Vec<MasterKey>, String)> {
    let ids: Vec<&str> = stored.iter().map(|(id, _)| id.as_str()).collect();
    let names = || if ids.is_empty() { "(unknown)".to_string() } else { ids.join(", ") };
    match source {
        KeySource::File(path) => {
            let master = match MasterKey::read(path)? {
                Some(m) => m,
                None if !fresh => bail!(
                    "the data key is missing: this database's personal data is sealed under the master key {}, and \
                     there is no master key file at {}; {}",
                    names(),
                    path.display(),
                    needed(&ids)
                ),
                None => {
                    let m = MasterKey::generate(None)?;
                    m.write(path, now)?;
                    eprintln!(
                        "created the master key file {} (mode 0600): keep it safe, apart from the database",
                        path.display()
                    );
                    m
                }
            };
            let earlier = retired_keys(path)?.into_iter().map(|(_, k)| k).collect();
            Ok((master, earlier, format!("the master key in {}", path.display())))
        }
        KeySource::Hsm { config, index_file, file } => {
            let id = crate::hsm::master::key_id(config);
            let token = crate::hsm::master::TokenMasterKey::open(config, fresh).map_err(|e| match fresh {
                true => e,
                false => anyhow::anyhow!(
                    "the data key is missing: this database's personal data is sealed under the master key {}, and \
                     {id} cannot be used ({e:#}); {}",
                    names(),
                    needed(&ids)
                ),
            })?;
            let earlier: Vec<MasterKey> = retired_keys(file)?.into_iter().map(|(_, k)| k).collect();
            let new_index = fresh.then_some(None);
            let master = MasterKey::in_token(id, Arc::new(token), index_file, new_index, now)?;
            Ok((master, earlier, format!("the master key of the HSM token {:?}", config.token)))
        }
        // invariant: `open_vault` returns before asking these for a master key.
        KeySource::Locked | KeySource::Clear => bail!("no master key in this key source"),
    }
}

/// The vault of a database: its master key read (or, on a registry's very
/// first start, created) and checked against the data keys stored.
///
/// # Errors
/// When the master key is missing for a database that holds sealed data, is not
/// the one its data keys are wrapped under, or cannot be read or written.
pub async fn open_vault(pool: &sqlx::AnyPool, source: &KeySource, now: i64) -> Result<Vault> {
    match source {
        KeySource::Locked => return Ok(Vault::new(Mode::Locked)),
        KeySource::Clear => return Ok(Vault::new(Mode::Clear)),
        KeySource::File(_) | KeySource::Hsm { .. } => {}
    }
    let stored = master_key_ids(pool).await?;
    let probe = some_sealed_value(pool).await?;
    let fresh = stored.is_empty() && probe.is_none();
    let (master, earlier, what) = master_of(source, &stored, fresh, now)?;
    let ids: Vec<&str> = stored.iter().map(|(id, _)| id.as_str()).collect();
    let unknown: Vec<&str> =
        ids.iter().copied().filter(|id| *id != master.id && !earlier.iter().any(|k| k.id == *id)).collect();
    if !unknown.is_empty() {
        bail!(
            "the data key is missing: {what} is {}, but this database's data keys are wrapped under {}; {}",
            master.id,
            ids.join(", "),
            needed(&unknown)
        );
    }
    let vault = Vault::new(Mode::Sealed { master, earlier });
    for id in &ids {
        let row = sqlx::query("SELECT id, wrapped FROM data_keys WHERE master_key_id = $1 LIMIT 1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
        if let (Some(m), Some(r)) = (vault.master_by_id(id), row) {
            let (key_id, wrapped): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            if m.unwrap_key(&key_id, &wrapped).is_err() {
                bail!("the data key {key_id} does not unwrap under {what}: that key is not this database's");
            }
        }
    }
    if let Some(p) = probe
        && let Err(e) = load_keys(&vault, pool, &[Some(&p)]).await
    {
        bail!(
            "{}: this database's personal data cannot be opened with the keys at hand",
            e.to_string().trim_start_matches("error occurred while decoding: ")
        );
    }
    Ok(vault)
}

/// A stored data key, wrapped.
pub struct WrappedKey {
    /// Its id.
    pub id: String,
    /// The data key, wrapped.
    pub wrapped: String,
    /// The master key that wraps it.
    pub master_key_id: String,
}

/// Up to `limit` data keys wrapped by another master key than `current`, inside a write.
///
/// # Errors
/// When the database refuses.
pub async fn keys_not_under(w: &mut WriteTx, current: &str, limit: i64) -> Result<Vec<WrappedKey>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT id, wrapped, master_key_id FROM data_keys WHERE master_key_id <> $1 ORDER BY id LIMIT $2")
            .bind(current)
            .bind(limit)
            .fetch_all(&mut *w.tx)
            .await?;
    rows.iter()
        .map(|r| Ok(WrappedKey { id: r.try_get(0)?, wrapped: r.try_get(1)?, master_key_id: r.try_get(2)? }))
        .collect()
}

/// Stores a data key re-wrapped under `master_key_id`.
///
/// # Errors
/// When the database refuses.
pub async fn rewrap(w: &mut WriteTx, id: &str, wrapped: &str, master_key_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE data_keys SET wrapped = $1, master_key_id = $2 WHERE id = $3")
        .bind(wrapped)
        .bind(master_key_id)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    Ok(())
}
