//! Checks made before the registry opens an SQLite database, so that a file
//! the registry cannot use stops the start with a message naming it, instead
//! of a pool that times out or a service that answers `/healthz` and then
//! fails its listings: the file must be writable, beside a writable
//! directory, an SQLite database, and pass a bounded `PRAGMA quick_check`.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection, Row};

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How many problems `PRAGMA quick_check` may report before it stops: it
/// bounds the time a badly damaged file takes and the length of the message.
pub const QUICK_CHECK_MAX_ERRORS: u32 = 5;

/// Checks the file and its directory before SQLite opens them: an existing
/// file must open for writing and begin with the SQLite header (an empty file
/// is a new database), and the directory must take new files (SQLite creates
/// its `-wal` and `-shm` files there).
///
/// # Errors
/// A message naming the file and saying what is wrong with it.
pub fn check_file(path: &Path) -> Result<()> {
    let shown = path.display();
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading the database file {shown}")),
        Ok(meta) if meta.is_dir() => bail!("the database file {shown} is a directory"),
        Ok(_) => {
            let mut file = std::fs::OpenOptions::new().read(true).write(true).open(path).map_err(|e| {
                anyhow!(
                    "the database file {shown} cannot be opened for writing ({e}); check its owner and mode, \
                     and that its file system is not mounted read-only"
                )
            })?;
            let mut header = Vec::with_capacity(SQLITE_HEADER.len());
            file.by_ref()
                .take(SQLITE_HEADER.len() as u64)
                .read_to_end(&mut header)
                .with_context(|| format!("reading the database file {shown}"))?;
            if !header.is_empty() && header != SQLITE_HEADER {
                bail!(
                    "{shown} is not an SQLite database (it does not begin with the SQLite header); \
                     restore it from a backup, or give the registry another data directory"
                );
            }
        }
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let probe = dir.join(format!(".{name}.write-probe-{}", std::process::id()));
    std::fs::OpenOptions::new().write(true).create_new(true).open(&probe).map_err(|e| {
        anyhow!(
            "the directory {} of the database cannot take new files ({e}); SQLite writes {name}-wal and \
             {name}-shm there: check its owner and mode, and that its file system is not mounted read-only",
            dir.display()
        )
    })?;
    std::fs::remove_file(&probe).with_context(|| format!("removing {}", probe.display()))?;
    Ok(())
}

/// Opens one connection of its own (a pool would retry a refusal until its
/// timeout) and runs `PRAGMA quick_check` on the database, bounded by
/// [`QUICK_CHECK_MAX_ERRORS`].
///
/// # Errors
/// A message naming the file: not a database, read-only, or corrupt with the
/// first problems SQLite found.
pub async fn quick_check(path: &Path, options: &AnyConnectOptions) -> Result<()> {
    let shown = path.display();
    let mut conn = AnyConnection::connect_with(options).await.map_err(|e| explain(path, e))?;
    let rows = sqlx::query(&format!("PRAGMA quick_check({QUICK_CHECK_MAX_ERRORS})"))
        .fetch_all(&mut conn)
        .await
        .map_err(|e| explain(path, e))?;
    conn.close().await.ok();
    let messages: Vec<String> = rows.iter().filter_map(|r| r.try_get::<String, _>(0).ok()).collect();
    if messages.len() == 1 && messages[0] == "ok" {
        return Ok(());
    }
    let first: Vec<String> = messages.iter().map(|m| m.replace('\n', " ").chars().take(200).collect()).collect();
    bail!(
        "the SQLite database {shown} is corrupt; PRAGMA quick_check reports: {}; the registry will not start \
         on it: restore it from a backup",
        first.join("; ")
    )
}

/// A refusal from SQLite, in words that name the file.
fn explain(path: &Path, e: sqlx::Error) -> anyhow::Error {
    let shown = path.display();
    // SQLite's primary result codes are the low byte of its extended ones.
    let code = match &e {
        sqlx::Error::Database(db) => db.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff),
        _ => None,
    };
    match code {
        Some(26) => anyhow!("{shown} is not an SQLite database ({e}); restore it from a backup"),
        Some(11) => anyhow!("the SQLite database {shown} is corrupt ({e}); restore it from a backup"),
        Some(8) | Some(14) => anyhow!(
            "the SQLite database {shown} cannot be opened for writing ({e}); check the owner and mode of the \
             file and its directory, and that the file system is not mounted read-only"
        ),
        _ => anyhow!(e).context(format!("opening the SQLite database {shown}")),
    }
}
