//! `dwp backup` and `dwp restore`. A backup is SQLite's consistent copy
//! (`VACUUM INTO`, safe beside a running registry) or PostgreSQL's `pg_dump`
//! custom format. A restore puts it back (the registry stopped) and then moves
//! the restored database on past everything published since the backup, using
//! what is kept outside the database (`registry::journal`, and the trust lists
//! the key folder keeps):
//!
//! - every status list's sequence jumps by `journal::RESTORE_STRIDE` times the
//!   number of restores, so verifiers that hold a list published after the
//!   backup take the next one (they refuse a lower sequence for ever);
//! - new permits start in a shard above the highest ever opened, so that no
//!   index a permit issued after the backup holds is handed out again;
//! - the newest trust list the key folder keeps is published again at start;
//! - the permits issued after the backup, and the status changes made after
//!   it, are named (`lost-in-restore-N.json` and the output): the registrar
//!   issues or makes them again.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::json;

use super::db::{self, Db, Engine, KeySource};
use super::journal::{self, Entry, Mark, RESTORE_STRIDE};

fn engine_of(url: &str) -> Engine {
    if url.starts_with("sqlite:") { Engine::Sqlite } else { Engine::Postgres }
}

/// `dwp backup`: a consistent copy of the registry's database at `to` (mode 0600).
///
/// # Errors
/// When `to` exists, or the copy fails.
pub async fn backup(data: &Path, to: &Path, keys: &KeySource) -> Result<()> {
    if to.exists() {
        bail!("{} exists: a backup never overwrites a file", to.display());
    }
    let url = super::config::database_url(data)?;
    match engine_of(&url) {
        Engine::Sqlite => {
            let db = Db::open(&url, keys, 0).await?;
            let target = to.to_str().context("the backup's path is not UTF-8")?;
            db::backup::sqlite_copy(&db, target)
                .await
                .with_context(|| format!("copying the database to {}", to.display()))?;
            db.pool.close().await;
        }
        Engine::Postgres => {
            let out = Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(to)
                .arg(&url)
                .output()
                .context("running pg_dump (PostgreSQL's client tools must be installed)")?;
            if !out.status.success() {
                bail!("pg_dump failed: {}", String::from_utf8_lossy(&out.stderr).trim());
            }
        }
    }
    crate::files::restrict(to)?;
    let bytes = std::fs::metadata(to)?.len();
    println!("backed up the registry's database to {} ({bytes} bytes)", to.display());
    println!("keep it with the key folder and the master key apart from it; restore with `dwp restore --from`");
    Ok(())
}

/// What a restore found lost.
#[derive(Debug, Default)]
pub struct Lost {
    /// Permits issued after the backup: id, shard, index.
    pub permits: Vec<(String, i64, i64)>,
    /// Status changes made after the backup: id, the state it had reached.
    pub changes: Vec<(String, String)>,
}

/// `dwp restore`: puts the backup `from` back as the registry's database (the registry stopped),
/// then moves it on past what was published since (see the module).
///
/// # Errors
/// When the backup cannot be put back or moved on.
pub async fn restore(data: &Path, from: &Path, keys: &KeySource) -> Result<Lost> {
    if !from.is_file() {
        bail!("{} is not a backup file", from.display());
    }
    let url = super::config::database_url(data)?;
    let _lock = super::keyset::StartLock::acquire(data)?;
    match engine_of(&url) {
        Engine::Sqlite => {
            let file = data.join("registry.sqlite");
            let incoming = data.join("registry.sqlite.restoring");
            std::fs::copy(from, &incoming).with_context(|| format!("copying {}", from.display()))?;
            crate::files::restrict(&incoming)?;
            db::preflight::check_file(&incoming)?;
            for suffix in ["-wal", "-shm", "-journal"] {
                let side = data.join(format!("registry.sqlite{suffix}"));
                if side.exists() {
                    std::fs::remove_file(&side).with_context(|| format!("removing {}", side.display()))?;
                }
            }
            std::fs::rename(&incoming, &file)?;
        }
        Engine::Postgres => {
            let out = Command::new("pg_restore")
                .args(["--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname"])
                .arg(&url)
                .arg(from)
                .output()
                .context("running pg_restore (PostgreSQL's client tools must be installed)")?;
            if !out.status.success() {
                bail!("pg_restore failed: {}", String::from_utf8_lossy(&out.stderr).trim());
            }
        }
    }
    let db = Db::open(&url, keys, 0).await?;
    let lost = move_on(&db, data).await;
    db.pool.close().await;
    lost
}

/// A permit as the journal knows it: its status index when its issue is there, its last state.
type Journalled = (Option<(i64, i64)>, Option<String>);

/// Moves a restored database on past what the journal and the mark say was published.
async fn move_on(db: &Db, data: &Path) -> Result<Lost> {
    let mark = journal::read_mark(data)?;
    let restores = mark.restores + 1;
    let entries = journal::read(data)?;
    // Each journalled permit: where it was issued (if after the journal began) and the state it reached last.
    let mut last: BTreeMap<String, Journalled> = BTreeMap::new();
    for e in &entries {
        match e {
            Entry::Issued { id, shard, index, .. } => last.entry(id.clone()).or_default().0 = Some((*shard, *index)),
            Entry::Changed { id, state, .. } => last.entry(id.clone()).or_default().1 = Some(state.clone()),
        }
    }
    let ids: Vec<String> = last.keys().cloned().collect();
    let stored: BTreeMap<String, String> = db::backup::states_of(db, &ids).await?.into_iter().collect();
    let mut lost = Lost::default();
    for (id, (issued, state)) in &last {
        match (stored.get(id), issued) {
            (None, Some((shard, index))) => lost.permits.push((id.clone(), *shard, *index)),
            (Some(now), _) => {
                if let Some(s) = state.as_ref().filter(|s| *s != now) {
                    lost.changes.push((id.clone(), s.clone()));
                }
            }
            (None, None) => {}
        }
    }
    let clock = super::clock::Clock::system();
    let mut w = db.begin_write(&clock).await?;
    let offset = RESTORE_STRIDE.saturating_mul(restores);
    let lists = db::backup::move_sequences(&mut w, offset).await?;
    let restored_shard = w.shard;
    w.shard = restored_shard.max(mark.highest_shard) + 1;
    let detail = json!({
        "restore": restores,
        "sequenceOffset": offset,
        "lists": lists,
        "restoredShard": restored_shard,
        "nextShard": w.shard,
        "lostPermits": lost.permits.len(),
        "lostChanges": lost.changes.len(),
    });
    w.audit("system:restore", "registry.restore", None, detail).await?;
    let next_shard = w.shard;
    w.commit().await?;
    journal::write_mark(data, &Mark { highest_shard: next_shard, restores })?;
    let report = json!({
        "restore": restores,
        "lostPermits": lost.permits.iter().map(|(id, s, i)| json!({ "id": id, "shard": s, "index": i })).collect::<Vec<_>>(),
        "lostChanges": lost.changes.iter().map(|(id, s)| json!({ "id": id, "state": s })).collect::<Vec<_>>(),
    });
    let path = data.join(format!("lost-in-restore-{restores}.json"));
    crate::files::write_secret(&path, serde_json::to_string_pretty(&report)?.as_bytes())?;
    println!(
        "restored; status lists moved on by {offset} ({lists} lists); new permits start in shard {next_shard} \
         (restore {restores})"
    );
    println!(
        "lost in the restore: {} permit(s) issued and {} status change(s) made after the backup, listed in {}",
        lost.permits.len(),
        lost.changes.len(),
        path.display()
    );
    for (id, shard, index) in &lost.permits {
        println!("  issued after the backup: {id} (status list {shard}, index {index}): issue it again");
    }
    for (id, state) in &lost.changes {
        println!("  changed after the backup: {id} was {state}: make the change again");
    }
    Ok(lost)
}
