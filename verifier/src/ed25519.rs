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

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha512};

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

/// Whether the y coordinate of an encoding (its low 255 bits) is below p = 2²⁵⁵ − 19: the only
/// larger values are p … 2²⁵⁵ − 1, whose little-endian bytes are ≥ 0xed, then 30 × 0xff, then 0x7f.
fn y_below_p(bytes: &[u8; 32]) -> bool {
    !(bytes[0] >= 0xed && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[31] & 0x7f == 0x7f)
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
        // An encoding is canonical unless its y is at least p, or its x is 0 with the sign bit set;
        // x = 0 only for y = ±1, both of small order. So: y < p and large order, with one
        // decompression and no re-compression (a holder key is checked on every scan).
        if !y_below_p(bytes) {
            return Err(SignatureError::BadKey);
        }
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| SignatureError::BadKey)?;
        if key.to_edwards().is_small_order() {
            return Err(SignatureError::BadKey);
        }
        Ok(PublicKey(key))
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

/// Verifies many signatures at once (a random linear combination, as
/// `ed25519_dalek::verify_batch` does), after the per-signature checks that
/// [`PublicKey::verify`] makes on `R` and `S`: canonical encodings, `R` not of
/// small order. `Ok` means every signature verifies under the cofactored
/// equation; on `Err` the caller verifies one by one to find the bad ones.
///
/// The batch equation is cofactored, so it also accepts a signature whose `R`
/// was given an extra small-order component (a malleated copy of a genuine
/// signature: the signed content is still authentic). One-by-one verification
/// refuses such a copy; `wallet-spec/SPEC.md` §9 records the difference.
///
/// # Errors
/// [`SignatureError::Invalid`] if any signature fails (or the slices differ in length).
pub fn verify_batch(msgs: &[&[u8]], sigs: &[[u8; 64]], keys: &[PublicKey]) -> Result<(), SignatureError> {
    if msgs.len() != sigs.len() || sigs.len() != keys.len() {
        return Err(SignatureError::Invalid);
    }
    let mut signatures = Vec::with_capacity(sigs.len());
    for sig in sigs {
        let mut r = [0u8; 32];
        r.copy_from_slice(&sig[..32]);
        let compressed = CompressedEdwardsY(r);
        let point = compressed.decompress().ok_or(SignatureError::Invalid)?;
        if point.is_small_order() || point.compress() != compressed {
            return Err(SignatureError::Invalid);
        }
        signatures.push(Signature::from_bytes(sig));
    }
    let verifying: Vec<VerifyingKey> = keys.iter().map(|k| k.0).collect();
    ed25519_dalek::verify_batch(msgs, &signatures, &verifying).map_err(|_| SignatureError::Invalid)
}

/// Verifies many signatures by one key at once: the batch equation of
/// `ed25519_dalek::verify_batch` with the key's terms gathered into one, so the
/// multiscalar multiplication has `n + 2` points instead of `2n + 1` (all the
/// permits of a bundle are signed by one or a few issuer keys).
///
/// With `S_i` canonical, `R_i` canonical and not of small order (as
/// [`PublicKey::verify`] requires), `k_i = SHA-512(R_i ‖ A ‖ M_i) mod ℓ`, and
/// 128-bit weights `z_i` derived by hashing the whole batch (so that they are
/// fixed only after every signature is), it checks
/// `[8]([Σ z_i S_i] B − Σ [z_i] R_i − [Σ z_i k_i] A) = 0`. See
/// [`verify_batch`] for what a cofactored equation means for malleated `R`.
///
/// # Errors
/// [`SignatureError::Invalid`] if any signature fails.
pub fn verify_batch_one_key(msgs: &[&[u8]], sigs: &[[u8; 64]], key: &PublicKey) -> Result<(), SignatureError> {
    if msgs.len() != sigs.len() {
        return Err(SignatureError::Invalid);
    }
    let a_bytes = key.to_bytes();
    let a = CompressedEdwardsY(a_bytes).decompress().ok_or(SignatureError::BadKey)?;
    let mut points: Vec<EdwardsPoint> = Vec::with_capacity(sigs.len() + 2);
    let mut ks = Vec::with_capacity(sigs.len());
    let mut ss = Vec::with_capacity(sigs.len());
    let mut transcript = Sha512::new();
    transcript.update(b"DWP Ed25519 batch v1");
    transcript.update(a_bytes);
    for (msg, sig) in msgs.iter().zip(sigs) {
        let mut r_bytes = [0u8; 32];
        r_bytes.copy_from_slice(&sig[..32]);
        let compressed = CompressedEdwardsY(r_bytes);
        let r = compressed.decompress().ok_or(SignatureError::Invalid)?;
        if r.is_small_order() || r.compress() != compressed {
            return Err(SignatureError::Invalid);
        }
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&sig[32..]);
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)).ok_or(SignatureError::Invalid)?;
        let mut h = Sha512::new();
        h.update(r_bytes);
        h.update(a_bytes);
        h.update(msg);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        transcript.update(sig);
        transcript.update(k.as_bytes());
        points.push(r);
        ks.push(k);
        ss.push(s);
    }
    let seed: [u8; 64] = transcript.finalize().into();
    let mut scalars = Vec::with_capacity(sigs.len() + 2);
    let (mut b_coeff, mut a_coeff) = (Scalar::ZERO, Scalar::ZERO);
    for (i, (k, s)) in ks.iter().zip(&ss).enumerate() {
        let mut h = Sha512::new();
        h.update(seed);
        h.update((i as u64).to_le_bytes());
        let wide: [u8; 64] = h.finalize().into();
        let mut z_bytes = [0u8; 32];
        z_bytes[..16].copy_from_slice(&wide[..16]);
        let z = Scalar::from_bytes_mod_order(z_bytes);
        b_coeff += z * s;
        a_coeff += z * k;
        scalars.push(-z);
    }
    scalars.push(b_coeff);
    points.push(ED25519_BASEPOINT_POINT);
    scalars.push(-a_coeff);
    points.push(a);
    let sum = EdwardsPoint::vartime_multiscalar_mul(scalars.iter(), points.iter());
    if sum.mul_by_cofactor().is_identity() { Ok(()) } else { Err(SignatureError::Invalid) }
}

/// Checks a key and verifies a signature in one step.
///
/// # Errors
/// [`SignatureError::BadKey`] for a weak or non-canonical key; [`SignatureError::Invalid`] otherwise.
pub fn verify(key: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> Result<(), SignatureError> {
    PublicKey::from_bytes(key)?.verify(msg, sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn signed(n: usize, seed: u8) -> (PublicKey, Vec<Vec<u8>>, Vec<[u8; 64]>) {
        let sk = SigningKey::from_bytes(&[seed; 32]);
        let key = PublicKey::from_bytes(&sk.verifying_key().to_bytes()).expect("key");
        let msgs: Vec<Vec<u8>> = (0..n).map(|i| format!("permit {i} of {n}").into_bytes()).collect();
        let sigs = msgs.iter().map(|m| sk.sign(m).to_bytes()).collect();
        (key, msgs, sigs)
    }

    #[test]
    fn one_key_batches_accept_good_and_refuse_any_bad_signature() {
        for n in [1, 2, 3, 64, 300] {
            let (key, msgs, sigs) = signed(n, 7);
            let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
            assert_eq!(verify_batch_one_key(&refs, &sigs, &key), Ok(()), "{n} good signatures");
            assert_eq!(verify_batch(&refs, &sigs, &vec![key; n]), Ok(()), "dalek's batch agrees");
            for victim in [0, n / 2, n - 1] {
                for byte in [0, 31, 32, 63] {
                    let mut bad = sigs.clone();
                    bad[victim][byte] ^= 0x01;
                    assert!(verify_batch_one_key(&refs, &bad, &key).is_err(), "n={n} sig {victim} byte {byte}");
                }
                let mut other = msgs.clone();
                other[victim].push(b'!');
                let refs2: Vec<&[u8]> = other.iter().map(Vec::as_slice).collect();
                assert!(verify_batch_one_key(&refs2, &sigs, &key).is_err(), "altered message {victim}");
            }
            let (other_key, _, _) = signed(1, 8);
            assert!(verify_batch_one_key(&refs, &sigs, &other_key).is_err(), "another key");
        }
    }

    #[test]
    fn keys_are_refused_exactly_when_not_canonical_or_of_small_order() {
        // Every y ≥ p with either sign, y = 0, ±1 with the sign bit set, and some genuine keys.
        let mut encodings: Vec<[u8; 32]> = Vec::new();
        for low in 0xe0..=0xff_u8 {
            for sign in [0x7f, 0xff] {
                let mut b = [0xff; 32];
                b[0] = low;
                b[31] = sign;
                encodings.push(b);
            }
        }
        for y in [0u8, 1, 2] {
            for sign in [0u8, 0x80] {
                let mut b = [0; 32];
                b[0] = y;
                b[31] = sign;
                encodings.push(b);
            }
        }
        encodings.extend((1..40u8).map(|s| SigningKey::from_bytes(&[s; 32]).verifying_key().to_bytes()));
        for b in encodings {
            let compressed = CompressedEdwardsY(b);
            let reference = compressed.decompress().is_some_and(|p| p.compress() == compressed && !p.is_small_order());
            assert_eq!(PublicKey::from_bytes(&b).is_ok(), reference, "{b:02x?}");
        }
    }

    #[test]
    fn non_canonical_s_and_small_order_r_are_refused_in_batches() {
        let (key, msgs, sigs) = signed(4, 9);
        let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        // S + l: same value mod l, not canonical.
        // ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut high = sigs.clone();
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(high[1][32 + i]) + u16::from(l[i]) + carry;
            high[1][32 + i] = v as u8;
            carry = v >> 8;
        }
        assert!(verify_batch_one_key(&refs, &high, &key).is_err());
        let mut small = sigs.clone();
        small[2][..32].copy_from_slice(&[
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        assert!(verify_batch_one_key(&refs, &small, &key).is_err(), "R = identity");
        assert_eq!(verify_batch_one_key(&[], &[], &key), Ok(()), "an empty batch");
    }
}
