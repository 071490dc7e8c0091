//! Ed25519 verification with one answer for every input.
//!
//! RFC 8032 leaves room for verifiers to disagree (cofactored or not, canonical
//! encodings or not). DWP takes the strictest reading: the public key `A` must
//! be the canonical encoding of a point that is not of small order (checked
//! once, when a [`PublicKey`] is built), and each signature must pass
//! `ed25519_dalek::VerifyingKey::verify_strict`, which requires a canonical `S`,
//! refuses an `R` of small order, and compares the encoding of `R` byte for
//! byte with the cofactorless result (so a non-canonical `R` never passes).
//! The answers for the C2SP CCTV edge cases are pinned in `verifier/tests/cctv.rs`.

use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::{Signature, VerifyingKey};

/// Why a signature was refused. One opaque outcome for the equation, so that
/// nothing learns which part of a forgery failed; key problems are named
/// because they are the issuer's fault, not the forger's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The public key is not a canonical encoding of a point of large order.
    #[error("the public key is weak or not canonical")]
    BadKey,
    /// The signature does not verify.
    #[error("the signature does not verify")]
    Invalid,
}

/// An Ed25519 public key that passed the checks of this module.
///
/// Invariant: canonical encoding of a point of large order (only [`PublicKey::from_bytes`] builds one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Checks and prepares a public key.
    ///
    /// # Errors
    /// [`SignatureError::BadKey`] for a non-canonical encoding or a point of small order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, SignatureError> {
        let compressed = CompressedEdwardsY(*bytes);
        let point = compressed.decompress().ok_or(SignatureError::BadKey)?;
        if point.compress() != compressed || point.is_small_order() {
            return Err(SignatureError::BadKey);
        }
        VerifyingKey::from_bytes(bytes).map(PublicKey).map_err(|_| SignatureError::BadKey)
    }

    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Verifies a signature over `msg`.
    ///
    /// # Errors
    /// [`SignatureError::Invalid`] if it does not verify.
    pub fn verify(&self, msg: &[u8], sig: &[u8; 64]) -> Result<(), SignatureError> {
        self.0.verify_strict(msg, &Signature::from_bytes(sig)).map_err(|_| SignatureError::Invalid)
    }
}

/// Checks a key and verifies a signature in one step.
///
/// # Errors
/// [`SignatureError::BadKey`] for a weak or non-canonical key; [`SignatureError::Invalid`] otherwise.
pub fn verify(key: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> Result<(), SignatureError> {
    PublicKey::from_bytes(key)?.verify(msg, sig)
}
