//! The holder presentation decoder (`DWP1H:`, SPEC §12) on arbitrary input: it never panics, and
//! whatever it accepts as a presentation is rebuilt, byte for byte, from its parts.
#![no_main]

use dwp_verifier::{codec, holder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok((signed, Some(proof))) = holder::decode(text) {
        let again = holder::assemble(&codec::encode(&signed), proof.step(), proof.signature());
        assert_eq!(again.as_deref(), Ok(text), "an accepted presentation has exactly one encoding");
    }
});
