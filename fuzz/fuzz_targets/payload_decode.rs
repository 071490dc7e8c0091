//! The QR payload decoder on arbitrary input: it never panics, and whatever it
//! accepts re-encodes to the same payload and renders the same credential.
#![no_main]

use dwp_verifier::codec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(signed) = codec::decode(text) {
        let again = codec::encode(&signed);
        assert_eq!(again, text, "an accepted payload has exactly one encoding");
        let back = codec::decode(&again).expect("a re-encoded payload decodes");
        assert_eq!(back, signed);
        assert_eq!(back.credential_json(), signed.credential_json());
    }
});
