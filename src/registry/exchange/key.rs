//! The registry's own key for signing its answers to partner agencies.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;

use dwp_issuer::keys::KeyPair;

/// The registry's exchange key file, in the key folder.
pub const KEY_FILE: &str = "exchange-key.json";

/// The registry's own key for signing answers: kept apart from the issuer's key, so that a
/// signature over an HTTP message can never be taken for one over a credential.
#[derive(Debug, Clone)]
pub struct ExchangeKey {
    pub(super) pair: std::sync::Arc<KeyPair>,
    /// `dwp-exchange-<first 8 bytes of the public key, base64url>`.
    pub key_id: String,
}

impl ExchangeKey {
    /// The key of `keys_dir`, made (0600) on the first start.
    ///
    /// # Errors
    /// When the file cannot be read, parsed or written.
    pub fn open(keys_dir: &Path) -> anyhow::Result<ExchangeKey> {
        use anyhow::Context as _;
        let path = keys_dir.join(KEY_FILE);
        let pair = if path.exists() {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            KeyPair::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        } else {
            let pair = KeyPair::generate(None).map_err(|e| anyhow::anyhow!("{e}"))?;
            let text = serde_json::to_string_pretty(&pair.to_file(None))?;
            crate::files::write_secret(&path, text.as_bytes())?;
            pair
        };
        let key_id = format!("dwp-exchange-{}", B64URL.encode(&pair.public()[..8]));
        Ok(ExchangeKey { pair: std::sync::Arc::new(pair), key_id })
    }

    /// The public key, multibase.
    pub fn public_multibase(&self) -> String {
        self.pair.public_multibase()
    }
}
