//! # dwp
//!
//! The `dwp` command line: all the I/O of the Digital Work Permit system
//! (files, images, the terminal). The rules live in `dwp-verifier` and
//! `dwp-issuer`; this crate parses input, calls them, prints, stores and serves
//! (the registry service, [`registry`]).
//!
//! Only `main.rs` uses the command line ([`cli`]). What the command line shares
//! with the registry and the other runners lives in library modules: the key
//! folder ([`keyfiles`]), status indices and signing with it ([`issuance`]),
//! and the verdict printed for people ([`verdict`]).

#![forbid(unsafe_code)]

pub mod applications_bench;
pub mod banksim;
pub mod batch;
pub mod bench;
pub mod bench_bundle;
pub mod bench_instructions;
pub mod cli;
pub mod conformance;
pub mod demo;
pub mod field;
pub mod files;
pub mod hsm;
pub mod httpsig;
pub mod issuance;
pub mod keyfiles;
pub mod partner;
pub mod registry;
pub mod registry_bench;
pub mod scan;
pub mod signer_bench;
pub mod vcapi;
pub mod verdict;
