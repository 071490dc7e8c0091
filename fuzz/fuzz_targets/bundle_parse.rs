//! The verifier-bundle parser on arbitrary JSON, and a real bundle with fuzzed
//! status lists: it never panics, and a bundle it accepts answers lookups.
#![no_main]

#[path = "common.rs"]
mod common;

use dwp_verifier::bundle::Bundle;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // As given, with the fixed root pinned and unpinned.
    for pinned in [None, Some(common::root().public())] {
        if let Ok(b) = Bundle::verify(text, pinned.as_ref()) {
            for (_, list) in b.lists() {
                assert!(list.bits.len() >= 131_072);
            }
            let _ = b.strict();
        }
    }
    // Inside a bundle whose trust list is genuine, so that the status-list checks are reached.
    if let Ok(lists) = serde_json::from_str::<serde_json::Value>(text) {
        let doc = format!(
            r#"{{"type":"DwpVerifierBundle","version":1,"issued":"2026-11-25T00:00:00Z","trustList":{},"statusLists":{}}}"#,
            common::trust_json(),
            if lists.is_array() { lists.to_string() } else { format!("[{lists}]") }
        );
        if let Ok(b) = Bundle::verify(&doc, Some(&common::root().public())) {
            let _ = b.status_as_of();
        }
    }
});
