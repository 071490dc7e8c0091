//! # dwp-verifier
//!
//! The core of the Digital Work Permit (DWP): the permit model, the QR payload
//! codec (both directions), the canonical W3C credential, `eddsa-jcs-2022`,
//! strict Ed25519, the trust list and the verdict.
//!
//! This crate performs no I/O, never reads the clock (every check takes `now`),
//! has no `async` and no network or database dependency, and builds for
//! `wasm32-unknown-unknown`. The format it implements is specified in
//! `wallet-spec/SPEC.md`.
//!
//! ```
//! use dwp_verifier::{codec, permit::Permit};
//! let permit = Permit::from_json(include_str!("../../wallet-spec/examples/permit-sample.json")).unwrap();
//! assert_eq!(permit.permit_number(), "WP-2569-21-000123");
//! assert_eq!(codec::decode("DWP2:AAAA").unwrap_err().detail(), "prefix");
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bundle;
pub mod cbor;
pub mod codec;
pub mod codes;
pub mod conformance;
pub mod credential;
pub mod ed25519;
pub mod holder;
pub mod i18n;
pub mod integrity;
pub mod multikey;
pub mod permit;
pub mod policy;
pub mod proof;
pub mod rejection;
pub mod report;
pub mod script;
pub mod status;
pub mod text;
pub mod time;
pub mod trust;
pub mod vcdm;
pub mod verify;
#[cfg(feature = "wasm")]
pub mod wasm;
