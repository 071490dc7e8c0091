//! The master key in a hardware token: the token wraps and unwraps the data
//! keys (its secret never enters this process), and the blind-index key is
//! kept in a small file beside the data directory (`<data>.index-key.json`,
//! mode 0600), wrapped by the token's key.
//!
//! Why a wrapped file and not an HMAC key in the token: the blind index is
//! computed on every write and every look-up by a personal value, inside the
//! writer's transaction, so it is a local HMAC as with the key file; and a
//! move from the key file to the token (`dwp keys rotate-master
//! --hsm-master-key`) keeps the same index key, re-wrapped, so that no blind
//! index stored in the rows has to be recomputed. The file alone opens
//! nothing: without the token it is ciphertext.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, bail};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{B64, CryptError, MasterKey, Wrapping, associated, random32};

const INDEX_FILE_TYPE: &str = "dwp-index-key";

/// An AEAD whose key stays in a hardware token: it seals and opens a data key
/// (or the blind-index key) with associated data, inside the token.
pub trait TokenWrap: Send + Sync {
    /// Seals `plain` under the token's key, bound to `ad`.
    ///
    /// # Errors
    /// When the token refuses or the random source fails.
    fn seal(&self, ad: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptError>;

    /// Opens what [`TokenWrap::seal`] made with the same `ad`; `None` when it does not open.
    fn open(&self, ad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>>;
}

/// The blind-index key file of a token's master key.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IndexKeyFile {
    #[serde(rename = "type")]
    kind: String,
    /// The token key that wraps it (`hsm:<token>/<label>`).
    master_key_id: String,
    wrapped: String,
    created_at: i64,
}

/// The default place of the blind-index key file of a token's master key:
/// beside the data directory (`<data>.index-key.json`), like the master key file.
pub fn default_index_path(data: &Path) -> PathBuf {
    let file = super::default_key_path(data);
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    file.with_file_name(name.replace(".master-key.json", ".index-key.json"))
}

fn index_ad(id: &str) -> Vec<u8> {
    associated(&["blind-index-key", id])
}

impl MasterKey {
    /// The master key `id` held by `token`, with its blind-index key from the
    /// file at `index_file`. When there is no such file and `new_index` says
    /// so, the file is written: with the blind-index key of the master key
    /// given (a move from a key file keeps the index), else a random one (a
    /// registry's first start).
    ///
    /// # Errors
    /// When the file is missing (and may not be made), is readable by others,
    /// belongs to another token key, does not unwrap, or cannot be written.
    pub fn in_token(
        id: String,
        token: Arc<dyn TokenWrap>,
        index_file: &Path,
        new_index: Option<Option<&MasterKey>>,
        now: i64,
    ) -> Result<MasterKey> {
        let shown = index_file.display();
        if index_file.exists() {
            crate::files::check_private(index_file, "the blind-index key file")?;
            let text = crate::files::read_text(index_file, "the blind-index key file")?;
            let bad = || anyhow::anyhow!("{shown} is not a DWP blind-index key file");
            let file: IndexKeyFile = serde_json::from_str(&text).map_err(|_| bad())?;
            if file.kind != INDEX_FILE_TYPE {
                return Err(bad());
            }
            if file.master_key_id != id {
                bail!(
                    "the blind-index key file {shown} is wrapped by the token key {}, not {id}: start with that key",
                    file.master_key_id
                );
            }
            let wrapped = B64.decode(&file.wrapped).map_err(|_| bad())?;
            let plain = token.open(&index_ad(&id), &wrapped).ok_or_else(|| {
                anyhow::anyhow!("the blind-index key file {shown} does not unwrap under the token key {id}")
            })?;
            let mut index_key = Zeroizing::new([0u8; 32]);
            if plain.len() != 32 {
                return Err(bad());
            }
            index_key.copy_from_slice(&plain);
            return Ok(MasterKey { id, wrapping: Wrapping::Token(token), index_key });
        }
        let Some(from) = new_index else {
            bail!(
                "the blind-index key file {shown} is missing: this database's look-ups by personal values need it \
                 (it is written beside the data directory on a registry's first start); restore it"
            );
        };
        let index_key = match from {
            Some(m) => m.index_key.clone(),
            None => random32()?,
        };
        let file = IndexKeyFile {
            kind: INDEX_FILE_TYPE.into(),
            master_key_id: id.clone(),
            wrapped: B64.encode(token.seal(&index_ad(&id), index_key.as_ref())?),
            created_at: now,
        };
        crate::files::write_secret(index_file, &serde_json::to_vec_pretty(&file)?)?;
        Ok(MasterKey { id, wrapping: Wrapping::Token(token), index_key })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DataKey, Mode, Vault, aead_open, aead_seal};
    use super::*;

    /// A stand-in for a token: the AEAD of the key file, with a key this test holds.
    struct Soft([u8; 32]);

    impl TokenWrap for Soft {
        fn seal(&self, ad: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptError> {
            Ok(B64.decode(aead_seal(&self.0, ad, plain)?).expect("base64"))
        }
        fn open(&self, ad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
            aead_open(&self.0, ad, &B64.encode(sealed))
        }
    }

    #[test]
    fn a_move_into_the_token_keeps_the_blind_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("data.index-key.json");
        let file_key = MasterKey::generate(None).expect("key");
        let token: Arc<dyn TokenWrap> = Arc::new(Soft([7; 32]));
        let id = "hsm:t/mk".to_string();
        let moved = MasterKey::in_token(id.clone(), token.clone(), &path, Some(Some(&file_key)), 1).expect("moved");
        let again = MasterKey::in_token(id.clone(), token.clone(), &path, None, 2).expect("read back");
        let (id_dk, dk) = DataKey::generate().expect("key");
        let wrapped = moved.wrap(&id_dk, &dk).expect("wrap");
        assert!(again.unwrap_key(&id_dk, &wrapped).is_ok());
        assert!(file_key.unwrap_key(&id_dk, &wrapped).is_err());
        let blind = |m: MasterKey| Vault::new(Mode::Sealed { master: m, earlier: vec![] }).blind("n", "WP-1");
        assert_eq!(blind(file_key).expect("blind"), blind(again).expect("blind"));
        // Another token key does not open the file.
        let other = MasterKey::in_token("hsm:t/other".into(), token, &path, None, 3);
        assert!(other.is_err_and(|e| e.to_string().contains("not hsm:t/other")));
        let wrong: Arc<dyn TokenWrap> = Arc::new(Soft([8; 32]));
        assert!(MasterKey::in_token(id, wrong, &path, None, 3).is_err());
    }
}
