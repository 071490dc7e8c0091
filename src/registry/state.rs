//! What every handler reaches: the database, the issuer's keys and trust list,
//! the writer, the health record and the clock.

use std::ops::Deref;
use std::sync::Arc;

use dwp_verifier::time::UnixTime;

use super::clock::Clock;
use super::db::Db;
use super::health::Health;
use super::keyring::Keyring;
use super::writer;

/// Shared state of the service.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What every handler can reach.
pub struct Inner {
    /// The database.
    pub db: Db,
    /// The issuer's keys and the published trust list (which says which key signs now).
    pub keyring: Arc<Keyring>,
    /// The key folder (`<data>/keys`): the keys this registry holds.
    pub keys_dir: std::path::PathBuf,
    /// Wakes the re-issue after a key compromise (see `reissue`).
    pub reissue: Arc<tokio::sync::Notify>,
    /// The issuer DID.
    pub did: String,
    /// The public base URL: the OpenID4VCI credential issuer identifier (see [`super::config::public_url`]).
    pub public_url: String,
    /// The start of the first key's window: no clock is ever earlier than it.
    pub not_before: UnixTime,
    /// The root key that signs the trust list: the registry's own verifications pin it.
    pub root: [u8; 32],
    /// The group-commit writer (the head row serializes writers across processes).
    pub writer: tokio::sync::mpsc::Sender<writer::Pending>,
    /// What keeps the registry from working, for `/readyz`.
    pub health: Arc<Health>,
    /// The clock.
    pub clock: Clock,
    /// How long a new token lives unless its creator says otherwise, in seconds.
    pub token_ttl: i64,
    /// The application journey's fees, biller id, bank and identity rule.
    pub journey: super::journey::Journey,
    /// The registry's key for signing its answers to partner agencies (see `exchange`).
    pub exchange_key: super::exchange::ExchangeKey,
    /// The built verifier page (`web/dist`), served at `/verify/`, if present.
    pub web: Option<std::path::PathBuf>,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// The state, shared by every handler.
    pub fn new(inner: Inner) -> AppState {
        AppState(Arc::new(inner))
    }

    /// The current time, to the second.
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }
}
