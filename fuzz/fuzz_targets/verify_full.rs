//! The whole verification on arbitrary payloads, against a real trust list:
//! it never panics, and a payload (or holder presentation) it accepts decodes to the permit it verified.
#![no_main]

#[path = "common.rs"]
mod common;

use dwp_verifier::{holder, time::UnixTime, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(v) = verify::verify(text, common::trust(), UnixTime(1_800_000_000)) {
        assert_eq!(holder::decode(text).as_ref().map(|(signed, _)| signed), Ok(v.signed()));
    }
});
