//! `dwp demo` on a fresh directory.

use crate::common::*;

#[test]
fn demo_issues_shows_and_verifies_the_sample_permit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("demo");
    let out = dwp(&["demo", "--out", &out_dir.to_string_lossy()]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}\n{}", stderr(&out));
    assert!(text.contains("VALID / ถูกต้อง"), "{text}");
    assert!(text.contains("Valid work permit.") && text.contains("ใบอนุญาตทำงานถูกต้อง"), "{text}");
    assert!(text.contains("QR version"), "{text}");
    assert!(text.contains('█') || text.contains('▀'), "a QR code is drawn in the terminal");
    for file in ["permit.png", "permit.svg", "permit-credential.json", "trust-list.json", "issuer-key.json"] {
        assert!(out_dir.join(file).exists(), "{file} is written");
    }
    let again = dwp(&["demo", "--out", &out_dir.to_string_lossy()]);
    assert_eq!(code(&again), 0, "a second run reuses the keys: {}", stderr(&again));
}
