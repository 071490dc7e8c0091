//! Holder binding (`wallet-spec/SPEC.md` §12): the proof of possession a
//! worker's phone adds to a permit bound to its key, so that a screenshot
//! passed around does not verify as the phone itself.
//!
//! A permit names its holder's Ed25519 key in `credentialSubject.id` (payload
//! field 20, key 3). The phone shows `DWP1H:` + Base45 of the CBOR array
//! `[credential, step, signature]`: `credential` the byte string of the exact
//! CBOR that the permit's `DWP1:` payload carries, `step` = ⌊unix time / 30⌋,
//! and `signature` the holder key's Ed25519 signature over
//! [`signing_input`]. A verifier accepts a step within ±1 of its own, widened
//! by a configured clock tolerance ([`HolderWindow`]).
//!
//! Pure: the time comes in as an argument, the signature comes from whoever
//! holds the key (the command line's reference wallet, a phone's WebCrypto).

use sha2::{Digest, Sha256};

use crate::cbor::{self, Item, Writer};
use crate::codec::{self, DecodeError};
use crate::credential::SignedPermit;
use crate::permit::Permit;
use crate::rejection::Rejection;
use crate::report::ReasonCode;
use crate::time::UnixTime;

/// The prefix of a holder-bound presentation: the `DWP1` credential format, `H` for holder. A
/// verifier that knows only `DWP1:` refuses it as a wrong prefix rather than misreading it, and it
/// stays in the QR alphanumeric alphabet (upper case and `:`).
pub const PREFIX: &str = "DWP1H:";
/// Seconds per time step.
pub const STEP_SECS: i64 = 30;
/// The domain-separation string that starts every signed message (19 bytes, ending in a zero byte).
/// The message is 59 bytes long; an `eddsa-jcs-2022` signing input is 64, so neither can pass for
/// the other even under one key.
pub const DOMAIN: &[u8; 19] = b"DWP1H holder proof\0";
/// Length of [`signing_input`].
pub const SIGNING_INPUT_LEN: usize = DOMAIN.len() + 32 + 8;

/// The time step of an instant: ⌊t / 30⌋ (seconds since the epoch).
pub fn step_of(t: UnixTime) -> i64 {
    t.0.div_euclid(STEP_SECS)
}

/// The bytes the holder signs: [`DOMAIN`] ‖ SHA-256(credential CBOR) ‖ step as 8 bytes big-endian.
pub fn signing_input(credential_cbor: &[u8], step: u64) -> [u8; SIGNING_INPUT_LEN] {
    signing_input_from_hash(&Sha256::digest(credential_cbor).into(), step)
}

fn signing_input_from_hash(hash: &[u8; 32], step: u64) -> [u8; SIGNING_INPUT_LEN] {
    let mut out = [0u8; SIGNING_INPUT_LEN];
    out[..DOMAIN.len()].copy_from_slice(DOMAIN);
    out[DOMAIN.len()..DOMAIN.len() + 32].copy_from_slice(hash);
    out[DOMAIN.len() + 32..].copy_from_slice(&step.to_be_bytes());
    out
}

/// The proof part of a presentation, as read (not yet checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderProof {
    credential_hash: [u8; 32],
    step: u64,
    signature: [u8; 64],
}

impl HolderProof {
    /// The step it claims.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// The holder's signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }
}

/// The credential CBOR of a `DWP1:` payload, checked to be a permit.
///
/// # Errors
/// The payload's [`DecodeError`].
pub fn credential_cbor(payload: &str) -> Result<Vec<u8>, DecodeError> {
    if payload.len() > codec::MAX_PAYLOAD_CHARS {
        return Err(DecodeError::TooLong { len: payload.len() });
    }
    let body = payload.strip_prefix(codec::PREFIX).ok_or(DecodeError::Prefix)?;
    let bytes = codec::base45_bytes(body)?;
    codec::decode_cbor(&bytes)?;
    Ok(bytes)
}

/// What a wallet signs to present the `DWP1:` payload `payload` at `step` ([`signing_input`]).
///
/// # Errors
/// When `payload` is not a readable permit.
pub fn to_sign(payload: &str, step: u64) -> Result<[u8; SIGNING_INPUT_LEN], DecodeError> {
    Ok(signing_input(&credential_cbor(payload)?, step))
}

/// Assembles a presentation from a `DWP1:` payload, the step and the holder's signature.
///
/// # Errors
/// When `payload` is not a readable permit.
pub fn assemble(payload: &str, step: u64, signature: &[u8; 64]) -> Result<String, DecodeError> {
    let credential = credential_cbor(payload)?;
    let mut w = Writer::default();
    w.array(3);
    w.bytes(&credential);
    w.uint(step);
    w.bytes(signature);
    Ok(format!("{PREFIX}{}", base45::encode(&w.buf)))
}

/// Decodes a payload of either kind: a `DWP1:` payload (no proof) or a `DWP1H:` presentation.
///
/// # Errors
/// [`DecodeError`] for the first stage that fails; a presentation of the wrong shape is
/// [`DecodeError::Presentation`], and its credential is held to every rule of a `DWP1:` payload.
pub fn decode(payload: &str) -> Result<(SignedPermit, Option<HolderProof>), DecodeError> {
    if payload.len() > codec::MAX_PAYLOAD_CHARS {
        return Err(DecodeError::TooLong { len: payload.len() });
    }
    let Some(body) = payload.strip_prefix(PREFIX) else {
        return Ok((codec::decode(payload)?, None));
    };
    let bytes = codec::base45_bytes(body)?;
    let Item::Array(parts) = cbor::decode(&bytes)? else { return Err(DecodeError::Presentation) };
    let [Item::Bytes(credential), Item::Uint(step), Item::Bytes(signature)] = parts.as_slice() else {
        return Err(DecodeError::Presentation);
    };
    let signature: [u8; 64] = (*signature).try_into().map_err(|_| DecodeError::Presentation)?;
    let signed = codec::decode_cbor(credential)?;
    let proof = HolderProof { credential_hash: Sha256::digest(credential).into(), step: *step, signature };
    Ok((signed, Some(proof)))
}

/// How far a proof's step may be from the verifier's: ±1 step around the verifier's own, widened on
/// both sides by a clock tolerance (default none: 90 s in total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderWindow {
    /// Invariant: at most [`HolderWindow::MAX_TOLERANCE_SECS`].
    tolerance_secs: u32,
}

impl Default for HolderWindow {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl HolderWindow {
    /// ±1 step, no extra tolerance.
    pub const DEFAULT: HolderWindow = HolderWindow { tolerance_secs: 0 };
    /// The widest tolerance accepted: beyond an hour a proof says little about who shows it.
    pub const MAX_TOLERANCE_SECS: u32 = 3600;

    /// A window widened by `secs` of clock tolerance; `None` beyond [`Self::MAX_TOLERANCE_SECS`].
    pub fn with_tolerance(secs: u32) -> Option<Self> {
        (secs <= Self::MAX_TOLERANCE_SECS).then_some(HolderWindow { tolerance_secs: secs })
    }

    /// The extra clock tolerance, in seconds.
    pub fn tolerance_secs(self) -> u32 {
        self.tolerance_secs
    }

    /// Whether a proof of `step` is live at `now`.
    pub fn accepts(self, step: u64, now: UnixTime) -> bool {
        let tol = i64::from(self.tolerance_secs);
        let first = step_of(UnixTime(now.0.saturating_sub(tol))) - 1;
        let last = step_of(UnixTime(now.0.saturating_add(tol))) + 1;
        i64::try_from(step).is_ok_and(|s| (first..=last).contains(&s))
    }
}

/// What is known of who shows a valid permit (`wallet-spec/SPEC.md` §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The permit names no holder key: there is nothing to prove (a printed card stays valid).
    Unbound,
    /// Shown live from the holder's phone: a proof by its key, within the window.
    Live {
        /// Seconds from the start of the proof's step to `now` (negative when the phone's clock is ahead).
        age_secs: i64,
    },
    /// A proof by the holder's key, outside the window: it may be a screenshot.
    Stale {
        /// As in [`Holder::Live`].
        age_secs: i64,
    },
    /// The permit names a holder key but was shown without a proof: it may be a copy.
    Missing,
}

impl Holder {
    /// The state's name in the verdict document: `unbound`, `live`, `stale`, `missing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unbound => "unbound",
            Self::Live { .. } => "live",
            Self::Stale { .. } => "stale",
            Self::Missing => "missing",
        }
    }

    /// The amber warning the state carries, if any.
    pub fn warning(self) -> Option<ReasonCode> {
        match self {
            Self::Stale { .. } => Some(ReasonCode::HolderProofStale),
            Self::Missing => Some(ReasonCode::HolderProofMissing),
            Self::Unbound | Self::Live { .. } => None,
        }
    }

    /// The proof's age, when there was a proof.
    pub fn age_secs(self) -> Option<i64> {
        match self {
            Self::Live { age_secs } | Self::Stale { age_secs } => Some(age_secs),
            Self::Unbound | Self::Missing => None,
        }
    }
}

/// The last check of the verification order: who shows the permit.
///
/// # Errors
/// [`Rejection::HolderProofInvalid`]: a proof on a permit that names no holder key (`unbound`), or a
/// signature that does not verify under the permit's holder key over this very credential and step
/// (`signature`: another key, another credential, a weak `R`, a non-canonical `S`).
pub(crate) fn check(
    permit: &Permit,
    proof: Option<&HolderProof>,
    now: UnixTime,
    window: HolderWindow,
) -> Result<Holder, Rejection> {
    let (key, proof) = match (permit.holder_key, proof) {
        (None, None) => return Ok(Holder::Unbound),
        (Some(_), None) => return Ok(Holder::Missing),
        (None, Some(_)) => return Err(Rejection::HolderProofInvalid { detail: "unbound" }),
        (Some(key), Some(proof)) => (key, proof),
    };
    // The key was checked when the permit was built (`ed25519::PublicKey`: canonical, large order).
    let msg = signing_input_from_hash(&proof.credential_hash, proof.step);
    key.verify(&msg, &proof.signature).map_err(|_| Rejection::HolderProofInvalid { detail: "signature" })?;
    // A step beyond what i64 seconds can hold is far outside any window; its age saturates.
    let start = i64::try_from(proof.step).ok().and_then(|s| s.checked_mul(STEP_SECS)).unwrap_or(i64::MAX);
    let age_secs = now.0.saturating_sub(start);
    Ok(if window.accepts(proof.step, now) { Holder::Live { age_secs } } else { Holder::Stale { age_secs } })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_three_steps_by_default_and_widens_with_tolerance() {
        let now = UnixTime(1_795_500_015); // 15 s into step 59_850_000
        let s = step_of(now) as u64;
        assert_eq!(s, 59_850_000);
        let w = HolderWindow::DEFAULT;
        assert!(w.accepts(s - 1, now) && w.accepts(s, now) && w.accepts(s + 1, now));
        assert!(!w.accepts(s - 2, now) && !w.accepts(s + 2, now));
        let wide = HolderWindow::with_tolerance(60).expect("tolerance");
        assert!(wide.accepts(s - 3, now) && wide.accepts(s + 3, now) && !wide.accepts(s - 4, now));
        assert_eq!(HolderWindow::with_tolerance(3601), None);
        assert!(!w.accepts(u64::MAX, now), "a step beyond i64 is outside every window");
    }

    #[test]
    fn the_signed_message_is_domain_hash_and_big_endian_step() {
        let m = signing_input(b"abc", 0x0102_0304_0506_0708);
        assert_eq!(&m[..19], b"DWP1H holder proof\0");
        assert_eq!(m[19..51], Sha256::digest(b"abc")[..]);
        assert_eq!(m[51..], [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    /// The sample permit bound to a key, with a signature of zeros (decoding never checks it).
    fn bound_payload() -> String {
        use crate::credential::{Issuance, KeyRef, StatusRef};
        let mut input: serde_json::Value =
            serde_json::from_str(include_str!("../../wallet-spec/examples/permit-sample.json")).expect("sample");
        input["worker"]["holderKey"] = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2".into();
        let permit = Permit::from_json(&input.to_string()).expect("permit");
        let iss = Issuance::new(
            "did:web:dwp.doe.go.th",
            KeyRef::Numbered(1),
            UnixTime(1_795_489_200),
            StatusRef { shard: 1, index: 7 },
        )
        .expect("issuance");
        codec::encode(&SignedPermit::new(permit, iss, [0; 64]))
    }

    #[test]
    fn every_truncation_and_byte_flip_of_a_presentation_is_refused_or_read_back_exactly() {
        let payload = bound_payload();
        let shown = assemble(&payload, 59_852_400, &[7; 64]).expect("presentation");
        let (signed, proof) = decode(&shown).expect("decodes");
        assert_eq!(codec::encode(&signed), payload);
        assert_eq!(proof.map(|p| (p.step, p.signature)), Some((59_852_400, [7; 64])));
        let bytes = base45::decode(&shown[PREFIX.len()..]).expect("base45");
        let mut accepted = 0;
        for i in 0..bytes.len() {
            for variant in [bytes[..i].to_vec(), {
                let mut b = bytes.clone();
                b[i] ^= 0x41;
                b
            }] {
                let text = format!("{PREFIX}{}", base45::encode(&variant));
                if let Ok((signed, Some(proof))) = decode(&text) {
                    accepted += 1;
                    let again = assemble(&codec::encode(&signed), proof.step, &proof.signature);
                    assert_eq!(again.as_deref(), Ok(text.as_str()), "byte {i}");
                }
            }
        }
        // Flips inside the signature, the step or some text bytes still read; truncations never do.
        assert!(accepted > 64 && accepted < bytes.len(), "{accepted} of {} variants read", 2 * bytes.len());
    }

    #[test]
    fn malformed_presentations_are_refused_with_a_detail() {
        for cbor in [&[0x80][..], &[0x83, 0x40, 0x00, 0x40], &[0x83, 0x00, 0x00, 0x00], &[0x82, 0x40, 0x00]] {
            let p = format!("{PREFIX}{}", base45::encode(cbor));
            assert_eq!(decode(&p).map(|_| ()), Err(DecodeError::Presentation), "{cbor:?}");
        }
        let inner = format!("{PREFIX}{}", base45::encode([0x83, 0x41, 0x00, 0x00, 0x58, 0x40]));
        assert_eq!(decode(&inner).map_err(|e| e.detail()).map(|_| ()), Err("cbor"), "a truncated signature");
        assert_eq!(decode("DWP1H:a").map_err(|e| e.detail()).map(|_| ()), Err("base45"));
        assert_eq!(assemble("DWP2:AA", 1, &[0; 64]).map_err(|e| e.detail()), Err("prefix"));
    }
}
