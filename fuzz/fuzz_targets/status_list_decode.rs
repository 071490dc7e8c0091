//! The `encodedList` decoder on arbitrary input: it never panics, never
//! inflates past its cap, and what it accepts re-encodes to the same bits.
#![no_main]

use dwp_verifier::status::Bitstring;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(bits) = Bitstring::decode(text) {
        let back = Bitstring::decode(&bits.encode()).expect("a re-encoded list decodes");
        assert_eq!(back.len(), bits.len());
        assert_eq!(back.count_set(), bits.count_set());
        assert!(back == bits, "the same bits after a round trip");
    }
});
