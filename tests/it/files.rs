//! The registry's files on disk: who may read them, and what happens at start
//! when they are not what the registry left there.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::server::Registry;
use crate::server::{Engine, Server, refused_start, sample_permit};

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).expect("metadata").permissions().mode() & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Every directory under `dir` (itself included) is 0700 and every file 0600; returns the file names seen.
fn assert_private(dir: &Path) -> Vec<String> {
    assert_eq!(mode(dir), 0o700, "{} must be 0700", dir.display());
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            seen.extend(assert_private(&path));
        } else {
            assert_eq!(mode(&path), 0o600, "{} must be 0600, is {:04o}", path.display(), mode(&path));
            seen.push(path.file_name().expect("name").to_string_lossy().to_string());
        }
    }
    seen
}

/// Waits (briefly) for the server's stderr to contain `text`.
fn stderr_soon_contains(s: &Server, text: &str) -> bool {
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        if s.stderr().contains(text) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn data_directory_and_every_file_in_it_are_private_whatever_the_umask() {
    let mut s = Server::start_with_umask(Engine::Sqlite, "022");
    let registrar = s.token("registrar", None);
    s.issue(&registrar, &sample_permit(1));
    let data = s.data();
    let seen = assert_private(&data);
    for name in ["registry.sqlite", "registry.sqlite-wal", "registry.sqlite-shm", "issuer-key.json", "did.json"] {
        assert!(seen.iter().any(|n| n == name), "{name} not found in the data directory: {seen:?}");
    }

    // A data directory left open to others (an older version, a careless copy) is tightened at start.
    s.kill();
    chmod(&data, 0o755);
    chmod(&data.join("keys"), 0o755);
    chmod(&data.join("registry.sqlite"), 0o644);
    chmod(&data.join("registry.sqlite-wal"), 0o644);
    chmod(&data.join("keys/did.json"), 0o644);
    s.restart();
    s.issue(&registrar, &sample_permit(2));
    assert_private(&data);
    assert!(
        stderr_soon_contains(&s, "registry.sqlite was mode 0644, open to other users; changed it to 0600"),
        "the start says what it tightened: {}",
        s.stderr()
    );
}

#[test]
fn refuses_a_file_that_is_not_an_sqlite_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(data.join("registry.sqlite"), garbage).expect("write");
    let (code, stderr, elapsed) = refused_start(&data, None, "127.0.0.1:0");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("{} is not an SQLite database", data.join("registry.sqlite").display())),
        "{stderr}"
    );
    assert!(elapsed < Duration::from_secs(5), "refused at once, not after a pool timeout: {elapsed:?}");
}

/// Runs SQL on an SQLite file with a connection of the test's own.
fn sqlite<T>(path: &Path, f: impl AsyncFnOnce(&mut sqlx::SqliteConnection) -> T) -> T {
    use sqlx::Connection;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await.expect("open the test's connection");
        let out = f(&mut conn).await;
        conn.close().await.expect("close");
        out
    })
}

#[test]
fn refuses_to_start_on_a_corrupted_database() {
    let mut s = Server::start(Engine::Sqlite);
    let registrar = s.token("registrar", None);
    for n in 1..=40 {
        s.issue(&registrar, &sample_permit(n));
    }
    s.kill();
    let db = s.data().join("registry.sqlite");
    // Move everything the WAL holds into the main file, then find a leaf page of the permits table.
    let (page_size, leaf) = sqlite(&db, async |conn| {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await.expect("checkpoint");
        let page_size: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(&mut *conn).await.expect("page size");
        let leaf: i64 = sqlx::query_scalar(
            "SELECT pageno FROM dbstat WHERE name = 'permits' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 1",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("a leaf page of the permits table");
        (page_size, leaf)
    });
    // Overwrite the page's header and cell pointers, as a failing disk would.
    let mut bytes = std::fs::read(&db).expect("read");
    let at = usize::try_from((leaf - 1) * page_size).expect("offset");
    bytes[at..at + 64].fill(0xA5);
    std::fs::write(&db, bytes).expect("write");

    let (code, stderr, _) = refused_start(&s.data(), None, "127.0.0.1:0");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&format!("the SQLite database {} is corrupt", db.display())), "{stderr}");
    assert!(stderr.contains("restore it from a backup"), "{stderr}");
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(at: &Path) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).expect("mount point");
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs"])
            .arg(at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }

    fn remount_read_only(&self) {
        let status =
            std::process::Command::new("mount").args(["-o", "remount,ro"]).arg(&self.0).status().expect("mount");
        assert!(status.success(), "remounting {} read-only", self.0.display());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        std::process::Command::new("umount").arg(&self.0).status().ok();
    }
}

#[test]
fn refuses_a_read_only_data_directory_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Root ignores permission bits, so a read-only file system is the one refusal every user meets.
    let Some(fs) = Tmpfs::mount(&dir.path().join("mnt")) else {
        eprintln!("skipped: mounting a tmpfs needs root (CAP_SYS_ADMIN)");
        return;
    };
    let data = dir.path().join("mnt/data");
    {
        let mut s = Server::start(Engine::Sqlite);
        s.kill();
        // A registry that has run once: keys and database, copied onto the file system under test.
        copy_dir(&s.data(), &data);
    }
    fs.remount_read_only();
    let (code, stderr, elapsed) = refused_start(&data, None, "127.0.0.1:0");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("the data directory {} cannot be written", data.display()))
            && stderr.contains("Read-only file system"),
        "{stderr}"
    );
    assert!(elapsed < Duration::from_secs(5), "refused at once, not after a pool timeout: {elapsed:?}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    chmod(to, 0o700);
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}
