//! # dwp
//!
//! The `dwp` command line: all the I/O of the Digital Work Permit system
//! (files, images, the terminal). The rules live in `dwp-verifier` and
//! `dwp-issuer`; this crate parses input, calls them, prints, stores and serves
//! (the registry service, [`registry`]).

#![forbid(unsafe_code)]

pub mod batch;
pub mod bench;
pub mod cli;
pub mod conformance;
pub mod demo;
pub mod field;
pub mod files;
pub mod registry;
pub mod registry_bench;
pub mod scan;
