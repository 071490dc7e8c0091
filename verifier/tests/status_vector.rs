//! The Bitstring Status List example of the W3C Recommendation, read in place
//! from `../shared/vectors/bitstring-status-list/`.

use dwp_verifier::status::{Bitstring, MIN_ENTRIES};

#[test]
fn the_spec_example_decodes_to_131072_clear_entries() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/bitstring-status-list/example-status-list-credential.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let json: serde_json::Value = serde_json::from_str(&text).expect("the example is JSON");
    let encoded = json["credentialSubject"]["encodedList"].as_str().expect("encodedList");
    let list = Bitstring::decode(encoded).expect("the spec example decodes");
    assert_eq!(list.len(), MIN_ENTRIES);
    assert_eq!(list.count_set(), 0);
    assert_eq!(list.get(MIN_ENTRIES - 1), Some(false));
    assert_eq!(list.get(MIN_ENTRIES), None, "past the end is a range error");
}
