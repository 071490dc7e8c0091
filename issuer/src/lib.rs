//! # dwp-issuer
//!
//! Builds and signs Digital Work Permits, trust lists and DID documents, and
//! renders QR images; writes and reads the fee's Thai QR Payment ([`thaiqr`])
//! and holds the fee schedule ([`fees`]). Key material lives here; files and the network do not
//! (the `dwp` binary reads and writes, this crate computes).
//!
//! ```
//! use dwp_issuer::{keys::KeyPair, sign::issue_permit};
//! use dwp_verifier::{credential::{Issuance, KeyRef, StatusRef}, permit::Permit, time::UnixTime};
//! let key = KeyPair::from_seed(&[7; 32], None);
//! let permit = Permit::from_json(include_str!("../../wallet-spec/examples/permit-sample.json")).unwrap();
//! let issuance = Issuance::new("did:web:dwp.doe.go.th", KeyRef::Numbered(1), UnixTime(1_795_478_400),
//!     StatusRef { shard: 1, index: 4242 }).unwrap();
//! let issued = issue_permit(permit, issuance, &key).unwrap();
//! assert!(issued.payload.starts_with("DWP1:"));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod application;
pub mod contexts;
pub mod fees;
pub mod keys;
pub mod lifecycle;
pub mod qr;
#[cfg(feature = "rdfc")]
pub mod rdfc;
pub mod sign;
pub mod signer;
pub mod signing_time;
pub mod status;
pub mod thaiqr;
pub mod trust;
#[cfg(feature = "rdfc")]
pub mod vc;
