//! Personal data at rest: envelope encryption and blind indexes.
//!
//! Every personal value is sealed with XChaCha20-Poly1305 under a data key
//! (one per write transaction), with the table, the row's id, the column and
//! the data key's id as associated data, so that a ciphertext moved to another
//! row or column does not open. Data keys are stored wrapped by the master key,
//! which is never in the database: by default it lives in a file outside the
//! data directory (mode 0600); else it is an AES key in a hardware token that
//! wraps and unwraps inside the token ([`token`]). Rotating it re-wraps the
//! data keys, not the rows. Look-ups by a personal value go through a blind
//! index: HMAC-SHA-256 under a second key, of the same file (or, with the
//! token, of a small file beside the data, wrapped by the token's key).
//!
//! This module performs no I/O on the database (`db::sealed` does); it reads
//! and writes the key files only. Keys are zeroized on drop and never printed.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use zeroize::Zeroizing;

mod file;
pub mod token;
pub use file::default_key_path;
pub use token::{TokenWrap, default_index_path};

/// The prefix of every sealed value: the format's version and the data key
/// id's prefix. A value without it is clear text (a database from before).
pub const SEALED_PREFIX: &str = "v1.dk_";

const NONCE_LEN: usize = 24;

/// What went wrong opening or sealing a value. Never holds a value or a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptError {
    /// A clear value where a sealed one belongs.
    #[error("a stored value of {0} is not sealed")]
    Unsealed(String),
    /// Not the sealed form.
    #[error("a stored value of {0} is not in the sealed form")]
    Malformed(String),
    /// The AEAD refused it: tampered, or moved from another row or column.
    #[error("a stored value of {0} does not open (altered, or moved from another row or column)")]
    DoesNotOpen(String),
    /// Its data key is not in the database.
    #[error("the data key {0} is missing")]
    MissingKey(String),
    /// A data key does not unwrap under the master key.
    #[error("the data key {0} does not unwrap under the master key {1}")]
    Unwrap(String, String),
    /// This process was started without the master key.
    #[error("the master key is not loaded in this process")]
    Locked,
    /// The random source failed.
    #[error("the system random source failed")]
    Random,
    /// The hardware token that holds the master key refused (its reason, never a key).
    #[error("the hardware token refused: {0}")]
    Token(String),
}

fn random32() -> Result<Zeroizing<[u8; 32]>, CryptError> {
    let mut k = Zeroizing::new([0u8; 32]);
    getrandom::fill(k.as_mut()).map_err(|_| CryptError::Random)?;
    Ok(k)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A data key: 32 random bytes, zeroized on drop.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    /// A new random data key and its id (`dk_` and 32 hex digits).
    ///
    /// # Errors
    /// When the random source fails.
    pub fn generate() -> Result<(String, DataKey), CryptError> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|_| CryptError::Random)?;
        Ok((format!("dk_{}", hex(&id)), DataKey(random32()?)))
    }
}

/// The associated data of a sealed value: each part length-prefixed, so that
/// no two different places give the same bytes.
fn associated(parts: &[&str]) -> Vec<u8> {
    let mut ad = Vec::new();
    for p in parts {
        ad.extend_from_slice(&(p.len() as u64).to_be_bytes());
        ad.extend_from_slice(p.as_bytes());
    }
    ad
}

fn aead_seal(key: &[u8; 32], ad: &[u8], plain: &[u8]) -> Result<String, CryptError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|_| CryptError::Random)?;
    let cipher = XChaCha20Poly1305::new(key.into());
    // invariant: XChaCha20-Poly1305 encryption fails only past 256 GiB of plain text.
    let ct =
        cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: ad }).map_err(|_| CryptError::Random)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(B64.encode(out))
}

fn aead_open(key: &[u8; 32], ad: &[u8], body: &str) -> Option<Zeroizing<Vec<u8>>> {
    let bytes = B64.decode(body).ok()?;
    if bytes.len() < NONCE_LEN + 16 {
        return None;
    }
    let (nonce, ct) = bytes.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: ad }).ok().map(Zeroizing::new)
}

/// Where a value is stored: its table, its row's id and its column.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// The table.
    pub table: &'a str,
    /// The row's id (for a composite key, its parts joined with `/`).
    pub row: &'a str,
    /// The column.
    pub column: &'a str,
}

impl Place<'_> {
    fn name(&self) -> String {
        format!("{}.{}", self.table, self.column)
    }
}

/// Seals `plain` for `place` under the data key `key_id`: `v1.<key id>.<base64url nonce ‖ ciphertext>`.
///
/// # Errors
/// When the random source fails.
pub fn seal(key_id: &str, key: &DataKey, place: Place<'_>, plain: &str) -> Result<String, CryptError> {
    let ad = associated(&[place.table, place.row, place.column, key_id]);
    Ok(format!("v1.{key_id}.{}", aead_seal(&key.0, &ad, plain.as_bytes())?))
}

/// The data key id a sealed value names, or `None` for a clear value.
pub fn key_id_of(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("v1.")?;
    rest.starts_with("dk_").then(|| rest.split_once('.').map(|(id, _)| id)).flatten()
}

/// Where the master key's secret is.
enum Wrapping {
    /// In this process, read from the master key file.
    Key(Zeroizing<[u8; 32]>),
    /// In a hardware token, which wraps and unwraps; the secret never leaves it.
    Token(Arc<dyn TokenWrap>),
}

/// The master key: wraps the data keys. With it, the blind-index key.
pub struct MasterKey {
    /// Its id, stored beside each data key it wraps: `mk_` and 16 hex digits for
    /// a key file's, `hsm:<token>/<label>` for a token's.
    pub id: String,
    wrapping: Wrapping,
    index_key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

impl MasterKey {
    /// A new master key; its blind-index key is `index_key`'s if given (a rotation keeps it).
    ///
    /// # Errors
    /// When the random source fails.
    pub fn generate(index_of: Option<&MasterKey>) -> Result<MasterKey, CryptError> {
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).map_err(|_| CryptError::Random)?;
        let index_key = match index_of {
            Some(m) => m.index_key.clone(),
            None => random32()?,
        };
        Ok(MasterKey { id: format!("mk_{}", hex(&id)), wrapping: Wrapping::Key(random32()?), index_key })
    }

    /// Wraps a data key (the AEAD's associated data is the data key's id and this key's id).
    ///
    /// # Errors
    /// When the random source fails.
    pub fn wrap(&self, key_id: &str, key: &DataKey) -> Result<String, CryptError> {
        let ad = associated(&[key_id, &self.id]);
        match &self.wrapping {
            Wrapping::Key(k) => aead_seal(k, &ad, key.0.as_ref()),
            Wrapping::Token(t) => Ok(B64.encode(t.seal(&ad, key.0.as_ref())?)),
        }
    }

    /// Unwraps the data key `key_id`.
    ///
    /// # Errors
    /// When it was not wrapped by this key for this id.
    pub fn unwrap_key(&self, key_id: &str, wrapped: &str) -> Result<DataKey, CryptError> {
        let fail = || CryptError::Unwrap(key_id.into(), self.id.clone());
        let ad = associated(&[key_id, &self.id]);
        let bytes = match &self.wrapping {
            Wrapping::Key(k) => aead_open(k, &ad, wrapped),
            Wrapping::Token(t) => B64.decode(wrapped).ok().and_then(|w| t.open(&ad, &w)),
        }
        .ok_or_else(fail)?;
        let mut k = Zeroizing::new([0u8; 32]);
        (bytes.len() == 32).then(|| k.copy_from_slice(&bytes)).ok_or_else(fail)?;
        Ok(DataKey(k))
    }
}

/// How a process holds personal data.
#[derive(Debug)]
pub enum Mode {
    /// Sealing and opening under this master key (and earlier ones a rotation has not finished with).
    Sealed { master: MasterKey, earlier: Vec<MasterKey> },
    /// No master key: a command beside the server that never reads personal data.
    Locked,
    /// Stored in clear: only to measure what sealing costs (`dwp bench registry --no-encryption`).
    Clear,
}

/// The master key and the data keys unwrapped so far.
#[derive(Debug)]
pub struct Vault {
    mode: Mode,
    keys: Mutex<BTreeMap<String, Arc<DataKey>>>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl Vault {
    /// A vault in `mode`.
    pub fn new(mode: Mode) -> Vault {
        Vault { mode, keys: Mutex::default() }
    }

    /// Whether values are sealed (else stored in clear, or refused).
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// The master key that wraps new data keys.
    ///
    /// # Errors
    /// When this process has none.
    pub fn master(&self) -> Result<&MasterKey, CryptError> {
        match &self.mode {
            Mode::Sealed { master, .. } => Ok(master),
            _ => Err(CryptError::Locked),
        }
    }

    /// The master key `id`: the current one, or one a rotation has not finished with.
    pub fn master_by_id(&self, id: &str) -> Option<&MasterKey> {
        match &self.mode {
            Mode::Sealed { master, earlier } => std::iter::once(master).chain(earlier).find(|m| m.id == id),
            _ => None,
        }
    }

    /// A data key unwrapped earlier.
    pub fn cached(&self, id: &str) -> Option<Arc<DataKey>> {
        self.keys.lock().ok()?.get(id).cloned()
    }

    /// Keeps an unwrapped data key.
    pub fn remember(&self, id: &str, key: Arc<DataKey>) {
        if let Ok(mut keys) = self.keys.lock() {
            keys.insert(id.to_string(), key);
        }
    }

    /// The blind index of `value` in `column`: HMAC-SHA-256, hex.
    ///
    /// # Errors
    /// When this process has no master key file.
    pub fn blind(&self, column: &str, value: &str) -> Result<String, CryptError> {
        let key: &[u8] = match &self.mode {
            Mode::Sealed { master, .. } => master.index_key.as_ref(),
            Mode::Clear => &[0u8; 32],
            Mode::Locked => return Err(CryptError::Locked),
        };
        // invariant: HMAC takes a key of any length.
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).map_err(|_| CryptError::Locked)?;
        mac.update(&associated(&[column, value]));
        Ok(hex(&mac.finalize().into_bytes()))
    }

    /// Opens a stored value with the data keys already unwrapped (see `db::sealed::load_keys`).
    ///
    /// # Errors
    /// When the value is clear (in a sealed registry), malformed, its key is not loaded, or it does not open.
    pub fn open(&self, place: Place<'_>, text: &str) -> Result<String, CryptError> {
        let Some(key_id) = key_id_of(text) else {
            return match self.mode {
                Mode::Clear => Ok(text.to_string()),
                _ => Err(CryptError::Unsealed(place.name())),
            };
        };
        let body = &text[3 + key_id.len() + 1..];
        let key = self.cached(key_id).ok_or_else(|| CryptError::MissingKey(key_id.into()))?;
        let ad = associated(&[place.table, place.row, place.column, key_id]);
        let plain = aead_open(&key.0, &ad, body).ok_or_else(|| CryptError::DoesNotOpen(place.name()))?;
        String::from_utf8(plain.to_vec()).map_err(|_| CryptError::Malformed(place.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> (Vault, String, Arc<DataKey>) {
        let v = Vault::new(Mode::Sealed { master: MasterKey::generate(None).expect("key"), earlier: vec![] });
        let (id, k) = DataKey::generate().expect("key");
        let k = Arc::new(k);
        v.remember(&id, k.clone());
        (v, id, k)
    }

    #[test]
    fn a_sealed_value_opens_only_in_its_place() {
        let (v, id, k) = vault();
        let here = Place { table: "permits", row: "wp_1", column: "input_json" };
        let sealed = seal(&id, &k, here, "Somchai").expect("seal");
        assert!(sealed.starts_with(SEALED_PREFIX) && !sealed.contains("Somchai"));
        assert_eq!(v.open(here, &sealed).expect("open"), "Somchai");
        let other_row = Place { row: "wp_2", ..here };
        assert!(matches!(v.open(other_row, &sealed), Err(CryptError::DoesNotOpen(_))));
        let other_column = Place { column: "payload", ..here };
        assert!(matches!(v.open(other_column, &sealed), Err(CryptError::DoesNotOpen(_))));
        assert!(matches!(v.open(here, "Somchai"), Err(CryptError::Unsealed(_))));
    }

    #[test]
    fn a_data_key_unwraps_only_under_its_master_key() {
        let m1 = MasterKey::generate(None).expect("key");
        let m2 = MasterKey::generate(Some(&m1)).expect("key");
        let (id, k) = DataKey::generate().expect("key");
        let wrapped = m1.wrap(&id, &k).expect("wrap");
        assert!(m1.unwrap_key(&id, &wrapped).is_ok());
        assert!(m2.unwrap_key(&id, &wrapped).is_err());
        assert!(m1.unwrap_key("dk_other", &wrapped).is_err());
        // A rotation keeps the blind-index key.
        let (a, b) = (
            Vault::new(Mode::Sealed { master: m1, earlier: vec![] }),
            Vault::new(Mode::Sealed { master: m2, earlier: vec![] }),
        );
        assert_eq!(a.blind("n", "WP-1").expect("blind"), b.blind("n", "WP-1").expect("blind"));
        assert_ne!(a.blind("n", "WP-1").expect("blind"), a.blind("n", "WP-2").expect("blind"));
    }
}
