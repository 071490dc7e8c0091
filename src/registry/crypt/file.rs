//! The master key file: the wrapping key and the blind-index key, as JSON
//! (mode 0600, refused if others may read it), outside the data directory.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{B64, MasterKey, Wrapping};

const FILE_TYPE: &str = "dwp-master-key";

/// The master key file: the wrapping key and the blind-index key.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    key: String,
    index_key: String,
    created_at: i64,
}

fn decode_key(text: &str) -> Option<Zeroizing<[u8; 32]>> {
    let bytes = Zeroizing::new(B64.decode(text).ok()?);
    let mut k = Zeroizing::new([0u8; 32]);
    (bytes.len() == 32).then(|| k.copy_from_slice(&bytes))?;
    Some(k)
}

impl MasterKey {
    /// Reads the key file at `path`; `None` when there is none. Refuses a file
    /// that others than its owner may read.
    ///
    /// # Errors
    /// When it cannot be read, is readable by group or others, or is not a master key file.
    pub fn read(path: &Path) -> Result<Option<MasterKey>> {
        if !path.exists() {
            return Ok(None);
        }
        crate::files::check_private(path, "the master key file")?;
        let text = Zeroizing::new(crate::files::read_text(path, "the master key file")?);
        let bad = || anyhow::anyhow!("{} is not a DWP master key file", path.display());
        let file: KeyFile = serde_json::from_str(&text).map_err(|_| bad())?;
        let (Some(key), Some(index_key)) = (decode_key(&file.key), decode_key(&file.index_key)) else {
            return Err(bad());
        };
        if file.kind != FILE_TYPE || !file.id.starts_with("mk_") {
            return Err(bad());
        }
        Ok(Some(MasterKey { id: file.id, wrapping: Wrapping::Key(key), index_key }))
    }

    /// Writes it to `path` (mode 0600, atomically); refuses to replace a file.
    ///
    /// # Errors
    /// When the file exists or cannot be written, or the key is a token's (it never leaves the token).
    pub fn write(&self, path: &Path, now: i64) -> Result<()> {
        let Wrapping::Key(key) = &self.wrapping else {
            bail!("the master key {} is in a hardware token: it is never written to a file", self.id);
        };
        let file = KeyFile {
            kind: FILE_TYPE.into(),
            id: self.id.clone(),
            key: B64.encode(key.as_ref()),
            index_key: B64.encode(self.index_key.as_ref()),
            created_at: now,
        };
        let text = Zeroizing::new(serde_json::to_vec_pretty(&file)?);
        crate::files::write_secret(path, &text)
    }
}

/// The default place of the master key file: beside the data directory
/// (`<data>.master-key.json`), so that neither it nor a copy of it holds the key.
pub fn default_key_path(data: &Path) -> PathBuf {
    let abs = std::path::absolute(data).unwrap_or_else(|_| data.to_path_buf());
    let name = abs.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "dwp-data".into());
    abs.with_file_name(format!("{name}.master-key.json"))
}
