//! Who signs: a key in memory ([`KeyPair`]) or one that never leaves a
//! hardware token (the registry's PKCS#11 signer). Every signature this crate
//! makes goes through [`Signer`], and is verified with the signer's public key
//! before it is released, so a faulty token cannot hand out a bad signature.

use dwp_verifier::ed25519::PublicKey;

use crate::keys::KeyPair;

/// Why a signer could not sign. Never holds key material or the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the signer failed: {0}")]
pub struct SignerError(pub String);

/// An Ed25519 (RFC 8032, pure) signer.
pub trait Signer: Send + Sync {
    /// The raw public key.
    fn public(&self) -> [u8; 32];

    /// Signs `msg`.
    ///
    /// # Errors
    /// [`SignerError`] when the device refuses or cannot be reached.
    fn try_sign(&self, msg: &[u8]) -> Result<[u8; 64], SignerError>;
}

impl Signer for KeyPair {
    fn public(&self) -> [u8; 32] {
        KeyPair::public(self)
    }

    fn try_sign(&self, msg: &[u8]) -> Result<[u8; 64], SignerError> {
        Ok(self.sign(msg))
    }
}

/// Signs `msg` and checks the signature with the signer's own public key (strictly).
///
/// # Errors
/// [`SignerError`] when the signer fails or its signature does not verify.
pub fn sign_checked(signer: &(impl Signer + ?Sized), msg: &[u8]) -> Result<[u8; 64], SignerError> {
    let signature = signer.try_sign(msg)?;
    let public = PublicKey::from_bytes(&signer.public())
        .map_err(|e| SignerError(format!("the signer's public key is not usable: {e}")))?;
    public
        .verify(msg, &signature)
        .map_err(|e| SignerError(format!("the signer's signature does not verify with its own key: {e}")))?;
    Ok(signature)
}
