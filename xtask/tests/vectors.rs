//! The committed conformance vectors are what the generator writes, byte for byte.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn kit() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../wallet-spec/vectors")
}

fn names(p: &Path) -> BTreeSet<String> {
    std::fs::read_dir(p)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .collect()
}

#[test]
fn the_committed_vectors_are_what_the_generator_writes() {
    let dir = std::env::temp_dir().join(format!("dwp-vectors-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).arg("vectors").arg(&dir).output().expect("xtask runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(names(&dir), names(&kit()), "the same files (run `cargo run -p xtask -- vectors`)");
    for name in names(&dir) {
        let fresh = std::fs::read(dir.join(&name)).expect("fresh");
        let committed = std::fs::read(kit().join(&name)).expect("committed");
        assert!(fresh == committed, "{name} differs from a fresh generation");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_wrong_call_says_how_to_call() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).arg("nonsense").output().expect("xtask runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: cargo run -p xtask -- vectors"));
}
