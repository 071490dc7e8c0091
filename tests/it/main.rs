//! End-to-end tests of the `dwp` command line: each runs the real binary.

mod common;
mod conformance;
mod demo;
mod durability;
mod field;
mod files;
mod keys;
mod negatives;
mod permits;
mod photos;
mod qr_images;
mod registry;
mod roles;
mod server;
mod spec;
mod vectors;
