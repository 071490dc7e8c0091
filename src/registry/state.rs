//! What every handler reaches: the database, the issuer's keys and documents,
//! the writer, the health record and the clock.

use std::ops::Deref;
use std::sync::Arc;

use dwp_issuer::signer::Signer;
use dwp_verifier::credential::KeyRef;
use dwp_verifier::time::UnixTime;

use super::clock::Clock;
use super::db::Db;
use super::health::Health;
use super::writer;

/// Shared state of the service.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What every handler can reach.
pub struct Inner {
    /// The database.
    pub db: Db,
    /// The issuer's signing key: a key file's, or a hardware token's.
    pub signer: Arc<dyn Signer>,
    /// The issuer DID.
    pub did: String,
    /// The public base URL: the OpenID4VCI credential issuer identifier (see [`super::config::public_url`]).
    pub public_url: String,
    /// The signing key's verification method.
    pub verification_method: String,
    /// How permits name the key.
    pub key_ref: KeyRef,
    /// The start of the signing key's window: nothing is signed before it.
    pub not_before: UnixTime,
    /// The signed trust list, as served.
    pub trust_list: String,
    /// The DID document, as served.
    pub did_document: String,
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
