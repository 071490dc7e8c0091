//! The registry's files on disk: who may read them, and what happens at start
//! when they are not what the registry left there.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::server::{Engine, Server, sample_permit};

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
