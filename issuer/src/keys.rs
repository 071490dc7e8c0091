//! Ed25519 key pairs in the W3C multibase form (`publicKeyMultibase`,
//! `privateKeyMultibase`), as `../shared/vectors/w3c-vc-di-eddsa/keyPair.json`
//! writes them. Writing them to disk (with mode 0600) is the caller's job.

use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use dwp_verifier::multikey;

/// A key pair file. `id` and `controller` are present for issuer keys.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyPairFile {
    /// Verification-method DID URL, e.g. `did:web:dwp.doe.go.th#key-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Multikey`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The DID that controls the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// `z6Mk…`.
    pub public_key_multibase: String,
    /// `z3u2…`: the 32-byte seed. Secret.
    pub private_key_multibase: String,
}

impl std::fmt::Debug for KeyPairFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPairFile")
            .field("id", &self.id)
            .field("public_key_multibase", &self.public_key_multibase)
            .finish_non_exhaustive()
    }
}

/// Why a key file was refused. Never holds key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not JSON of the key-pair shape.
    #[error("key file is not a JSON key pair with publicKeyMultibase and privateKeyMultibase")]
    Shape,
    /// `privateKeyMultibase` is not an Ed25519 seed in multibase form.
    #[error("privateKeyMultibase is not an Ed25519 secret key (z3u2…)")]
    Secret,
    /// `publicKeyMultibase` does not match the secret key.
    #[error("publicKeyMultibase does not match the secret key")]
    Mismatch,
    /// The system random source failed.
    #[error("the system random source failed")]
    Random,
}

/// A signing key with its verification method.
pub struct KeyPair {
    signing: SigningKey,
    /// The verification-method DID URL, if the file named one.
    pub id: Option<String>,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair").field("id", &self.id).field("public", &self.public_multibase()).finish()
    }
}

impl KeyPair {
    /// A fresh key pair from the operating system's random source.
    ///
    /// # Errors
    /// [`KeyError::Random`] if the random source fails.
    pub fn generate(id: Option<String>) -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|_| KeyError::Random)?;
        Ok(KeyPair { signing: SigningKey::from_bytes(&seed), id })
    }

    /// A key pair from a 32-byte seed (tests and fixed vectors).
    pub fn from_seed(seed: &[u8; 32], id: Option<String>) -> Self {
        KeyPair { signing: SigningKey::from_bytes(seed), id }
    }

    /// Reads a key pair file, checking that its two halves match.
    ///
    /// # Errors
    /// [`KeyError`] naming what is wrong; never the key material.
    pub fn from_json(json: &str) -> Result<Self, KeyError> {
        let file: KeyPairFile = serde_json::from_str(json).map_err(|_| KeyError::Shape)?;
        let seed = Zeroizing::new(multikey::decode_secret(&file.private_key_multibase).ok_or(KeyError::Secret)?);
        let pair = KeyPair { signing: SigningKey::from_bytes(&seed), id: file.id };
        if pair.public_multibase() != file.public_key_multibase {
            return Err(KeyError::Mismatch);
        }
        Ok(pair)
    }

    /// The key pair file, with the secret in it.
    pub fn to_file(&self, controller: Option<&str>) -> KeyPairFile {
        KeyPairFile {
            id: self.id.clone(),
            kind: self.id.as_ref().map(|_| "Multikey".to_string()),
            controller: controller.map(str::to_string),
            public_key_multibase: self.public_multibase(),
            private_key_multibase: multikey::encode_secret(&self.signing.to_bytes()),
        }
    }

    /// The raw public key.
    pub fn public(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// `z6Mk…`.
    pub fn public_multibase(&self) -> String {
        multikey::encode_public(&self.public())
    }

    /// `did:key:z6Mk…`.
    pub fn did_key(&self) -> String {
        multikey::did_key(&self.public())
    }

    /// The verification method a `did:key` signer uses: `did:key:X#X`.
    pub fn did_key_verification_method(&self) -> String {
        format!("{}#{}", self.did_key(), self.public_multibase())
    }

    /// Signs `msg` (Ed25519, RFC 8032).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.signing.sign(msg).to_bytes()
    }
}
