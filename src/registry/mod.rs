//! The registry service: the department's system of record. It issues permits
//! through `dwp-issuer`, keeps their status for their whole life, publishes
//! what offline verifiers need, and records every change in a hash-chained
//! audit log. axum over sqlx (SQLite by default, PostgreSQL by `DATABASE_URL`).
//!
//! Rules are not here: transitions and index allocation are pure functions of
//! `dwp_issuer::lifecycle`; this module authenticates, stores and answers.
//! `routes/` holds the handlers, one file per resource; `db/` every SQL query.

pub mod access;
pub mod api;
pub mod app;
pub mod auth;
pub mod backup;
pub mod bank;
pub mod body;
pub mod chain;
pub mod clock;
pub mod codes;
pub mod config;
pub mod crypt;
pub mod db;
pub mod exchange;
pub mod expiry;
pub mod health;
pub mod ids;
pub mod journal;
pub mod journey;
pub mod keyring;
pub mod keyset;
pub mod linger;
pub mod listen;
pub mod metrics;
pub mod observe;
pub mod problem;
pub mod reissue;
pub mod rotate;
pub mod rotation;
pub mod routes;
pub mod serve;
pub mod state;
pub mod trust;
pub mod writer;

pub use self::app::app;
pub use self::clock::Clock;
pub use self::config::{
    BOOTSTRAP_TTL_SECS, DEFAULT_TOKEN_DAYS, Options, ServeConfig, database_url, default_did, secure_data_dir,
};
pub use self::routes::openapi;
pub use self::serve::{bootstrap, create_token_cli, list_tokens_cli, open, revoke_token_cli, serve};
pub use self::state::{AppState, Inner};
