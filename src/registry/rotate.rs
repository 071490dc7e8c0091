//! `dwp keys rotate-master`: a new master key, and every data key re-wrapped
//! under it, a batch per write transaction; the rows themselves are not
//! touched. The old key file is kept as `<file>.retired-<time>` until every
//! data key is re-wrapped, so that a rotation killed half-way goes on where it
//! stopped when run again, and a start in between opens every data key.
//!
//! With `--hsm-master-key`, the data keys move from the key file to an AES key
//! in a hardware token instead (`rotate_into_token_cli`): the same re-wrapping,
//! the blind-index key carried over into its own file wrapped by the token key,
//! and the key file retired, then removed once every data key is re-wrapped.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::clock::Clock;
use super::config::{database_url, key_source, master_key_path, secure_data_dir_reporting};
use super::crypt::MasterKey;
use super::db::{Db, KeySource, sealed};

/// Data keys re-wrapped per write transaction.
const BATCH: i64 = 500;

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(if dir.as_os_str().is_empty() { Path::new(".") } else { dir })
    {
        d.sync_all().ok();
    }
}

/// Puts a new master key in place of the one at `path`, which becomes a retired file.
/// Resumes a rotation killed between its renames.
fn swap_in_new_key(path: &Path, now: i64) -> Result<MasterKey> {
    let next = with_suffix(path, ".next");
    let retired = sealed::retired_keys(path)?;
    if !path.exists() && next.exists() && !retired.is_empty() {
        std::fs::rename(&next, path).with_context(|| format!("moving {} into place", next.display()))?;
        sync_parent(path);
    }
    let Some(current) = MasterKey::read(path)? else {
        bail!("there is no master key file at {}: nothing to rotate (give its path with --master-key)", path.display());
    };
    if !retired.is_empty() {
        eprintln!("going on with the rotation to {} that was not finished", current.id);
        return Ok(current);
    }
    let new = MasterKey::generate(Some(&current))?;
    std::fs::remove_file(&next).ok();
    new.write(&next, now)?;
    let retired = with_suffix(path, &format!(".retired-{now}"));
    std::fs::rename(path, &retired).with_context(|| format!("keeping the old key as {}", retired.display()))?;
    std::fs::rename(&next, path).with_context(|| format!("moving {} into place", next.display()))?;
    sync_parent(path);
    Ok(new)
}

/// `dwp keys rotate-master`: run with the registry stopped, and start it again after.
///
/// # Errors
/// When a key file cannot be read or written, or the database refuses (what
/// was re-wrapped stays so; run it again to go on).
pub fn rotate_master_cli(data: &Path, flag: Option<&Path>) -> Result<ExitCode> {
    secure_data_dir_reporting(data)?;
    let path = master_key_path(data, flag);
    let now = Clock::system().now().0;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let new = swap_in_new_key(&path, now)?;
        let db = Db::open(&database_url(data)?, &KeySource::File(path.clone()), now).await?;
        let done = rewrap_all(&db, &new, &path).await?;
        eprintln!(
            "re-wrapped {done} data keys under the master key {} in {}; the old key is gone",
            new.id,
            path.display()
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Re-wraps under `new` every data key wrapped by another key, with the retired
/// key files beside `path`, which are removed once none is needed. Returns how many.
async fn rewrap_all(db: &Db, new: &MasterKey, path: &Path) -> Result<usize> {
    let old: Vec<(PathBuf, MasterKey)> = sealed::retired_keys(path)?;
    let mut done = 0;
    loop {
        let mut w = db.begin_write(&Clock::system()).await?;
        let batch = sealed::keys_not_under(&mut w, &new.id, BATCH).await?;
        if batch.is_empty() {
            w.abort().await;
            break;
        }
        for k in &batch {
            let Some((_, by)) = old.iter().find(|(_, m)| m.id == k.master_key_id) else {
                w.abort().await;
                bail!("the data key {} is wrapped under {}, whose key file is not at hand", k.id, k.master_key_id);
            };
            let key = by.unwrap_key(&k.id, &k.wrapped)?;
            sealed::rewrap(&mut w, &k.id, &new.wrap(&k.id, &key)?, &new.id).await?;
        }
        w.commit().await?;
        done += batch.len();
    }
    for (file, _) in &old {
        std::fs::remove_file(file).with_context(|| format!("removing the retired key file {}", file.display()))?;
    }
    Ok(done)
}

/// `dwp keys rotate-master --hsm-master-key LABEL`: the data keys moved from
/// the master key file to the AES key `token.key` in the token (generated
/// there if absent). Run with the registry stopped, and start it again after
/// with `--hsm-master-key`.
///
/// # Errors
/// As [`rotate_master_cli`], and when the token cannot be opened.
pub fn rotate_into_token_cli(data: &Path, flag: Option<&Path>, token: &crate::hsm::HsmConfig) -> Result<ExitCode> {
    secure_data_dir_reporting(data)?;
    let path = master_key_path(data, flag);
    let now = Clock::system().now().0;
    let source = key_source(data, flag, Some(token));
    let index_file = &super::crypt::default_index_path(data);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let current = MasterKey::read(&path)?;
        let retired = sealed::retired_keys(&path)?;
        let Some(from) = current.as_ref().or(retired.first().map(|(_, k)| k)) else {
            bail!(
                "there is no master key file at {}: nothing to move into the token (give its path with --master-key)",
                path.display()
            );
        };
        // The token's key (made if absent) and the blind-index key, carried over, wrapped by it.
        let wrapper = crate::hsm::master::TokenMasterKey::open(token, true)?;
        let id = crate::hsm::master::key_id(token);
        let new_index = (!index_file.exists()).then_some(Some(from));
        let new = MasterKey::in_token(id, Arc::new(wrapper), index_file, new_index, now)?;
        if current.is_some() {
            let retired = with_suffix(&path, &format!(".retired-{now}"));
            std::fs::rename(&path, &retired)
                .with_context(|| format!("keeping the old key as {}", retired.display()))?;
            sync_parent(&path);
        }
        let db = Db::open(&database_url(data)?, &source, now).await?;
        let done = rewrap_all(&db, &new, &path).await?;
        eprintln!(
            "re-wrapped {done} data keys under the master key {} in the HSM token {:?}; the key file {} is gone, the \
             blind-index key is in {}: start with --hsm-master-key {}",
            new.id,
            token.token,
            path.display(),
            index_file.display(),
            token.key
        );
        Ok(ExitCode::SUCCESS)
    })
}
