//! End-to-end tests of the `dwp` command line: each runs the real binary.

mod clock;
mod common;
mod conformance;
mod connections;
mod demo;
mod durability;
mod field;
mod files;
mod hardening;
mod holder;
mod inproc;
mod keys;
mod layout;
mod logs;
mod negatives;
mod openapi;
mod permits;
mod photos;
mod qr_images;
mod registry;
mod roles;
mod server;
mod spec;
mod storage;
mod vectors;
