//! What a restore from a backup cannot know, kept outside the database, in
//! the data directory: the issuance journal (every permit issued and every
//! change of a permit's status, one JSON line each, written and synced before
//! the write that made it commits) and the high-water mark (the highest status
//! list shard ever opened, and how many restores there were). No personal data:
//! permit ids, status indices, actions and times.
//!
//! After `dwp restore`, the registry starts its new permits in a shard above
//! the mark (an index a lost permit holds is never handed out again), every
//! status list's sequence jumps by [`RESTORE_STRIDE`] per restore (verifiers
//! that hold lists published after the backup accept the next ones), and the
//! journal names the permits issued, and the status changes made, after the
//! backup: lost in the restore, for the registrar to issue or make again.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// How far every status list's sequence moves at a restore: more than any list changes between a
/// backup and its restore.
pub const RESTORE_STRIDE: i64 = 1 << 40;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Entry {
    /// A permit was issued at this status index.
    Issued {
        /// The permit.
        id: String,
        /// Its status list.
        shard: i64,
        /// Its index there.
        index: i64,
        /// When (Unix seconds).
        at: i64,
    },
    /// A permit's state changed.
    Changed {
        /// The permit.
        id: String,
        /// Its new state.
        state: String,
        /// When.
        at: i64,
    },
}

/// The high-water mark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mark {
    /// The highest status list shard ever opened.
    pub highest_shard: i64,
    /// How many restores this registry has had.
    pub restores: i64,
}

/// The journal and the mark of one data directory.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    /// Serializes appends, and remembers the mark written last.
    state: Mutex<Mark>,
}

impl Journal {
    /// The journal of the data directory `dir` (its files are made on first use, mode 0600).
    ///
    /// # Errors
    /// When the mark cannot be read.
    pub fn open(dir: &Path) -> Result<Journal> {
        let mark = read_mark(dir)?;
        Ok(Journal { dir: dir.to_path_buf(), state: Mutex::new(mark) })
    }

    /// The journal's file.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("issuance-journal.jsonl")
    }

    fn mark_path(dir: &Path) -> PathBuf {
        dir.join("high-water.json")
    }

    /// Appends `entries` and raises the mark to `shard`, both synced to disk, before a write commits.
    ///
    /// # Errors
    /// When the files cannot be written: the write must not commit then.
    pub fn record(&self, entries: &[Entry], shard: i64) -> std::io::Result<()> {
        let mut mark = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !entries.is_empty() {
            let mut text = String::new();
            for e in entries {
                text.push_str(&serde_json::to_string(e).map_err(std::io::Error::other)?);
                text.push('\n');
            }
            let path = Journal::path(&self.dir);
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
            restrict(&path)?;
            f.write_all(text.as_bytes())?;
            f.sync_data()?;
        }
        if shard > mark.highest_shard {
            let next = Mark { highest_shard: shard, ..*mark };
            write_mark(&self.dir, &next)?;
            *mark = next;
        }
        Ok(())
    }
}

fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// The mark of `dir` (zero when none was written).
///
/// # Errors
/// When the file is there but cannot be read.
pub fn read_mark(dir: &Path) -> Result<Mark> {
    let path = Journal::mark_path(dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).with_context(|| format!("{} is not a high-water mark", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Mark::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Writes the mark of `dir` atomically (a new file, synced, renamed over the old).
///
/// # Errors
/// When it cannot be written.
pub fn write_mark(dir: &Path, mark: &Mark) -> std::io::Result<()> {
    let path = Journal::mark_path(dir);
    let tmp = path.with_extension("json.new");
    {
        let mut f = std::fs::File::create(&tmp)?;
        restrict(&tmp)?;
        f.write_all(serde_json::to_string_pretty(mark).map_err(std::io::Error::other)?.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(dir)?.sync_all()
}

/// Every entry of the journal of `dir`, in order (a last line cut off by a crash is skipped).
///
/// # Errors
/// When the file cannot be read, or a line before the last is not an entry.
pub fn read(dir: &Path) -> Result<Vec<Entry>> {
    let path = Journal::path(dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        match serde_json::from_str(line) {
            Ok(e) => out.push(e),
            // The last line may be cut off by a crash during its write: its write never committed.
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => anyhow::bail!("{} line {}: {e}", path.display(), i + 1),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_the_mark_are_kept_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = Journal::open(dir.path()).expect("open");
        let issued = Entry::Issued { id: "wp_a".into(), shard: 1, index: 7, at: 10 };
        let changed = Entry::Changed { id: "wp_a".into(), state: "revoked".into(), at: 11 };
        j.record(std::slice::from_ref(&issued), 1).expect("record");
        j.record(std::slice::from_ref(&changed), 3).expect("record");
        j.record(&[], 2).expect("a lower shard leaves the mark");
        assert_eq!(read(dir.path()).expect("read"), vec![issued, changed]);
        assert_eq!(read_mark(dir.path()).expect("mark"), Mark { highest_shard: 3, restores: 0 });
        // A line cut off by a crash is skipped; one in the middle is an error.
        let path = Journal::path(dir.path());
        let mut text = std::fs::read_to_string(&path).expect("text");
        text.push_str("{\"kind\":\"issued\",\"id\":\"wp_b\"");
        std::fs::write(&path, &text).expect("write");
        assert_eq!(read(dir.path()).expect("read").len(), 2);
        std::fs::write(&path, format!("garbage\n{text}")).expect("write");
        assert!(read(dir.path()).is_err());
    }
}
