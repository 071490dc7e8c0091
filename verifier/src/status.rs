//! W3C Bitstring Status List v1.0: the bitstring and its `encodedList` form
//! (multibase `u` + base64url without padding of the GZIP of the bits).
//!
//! Index 0 is the most significant bit of the first byte (§3.1). Decoding is
//! bounded: the compressed text, and the bits it inflates to, have caps, so a
//! list that inflates past its declared size is refused without allocating
//! past the cap.

use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

/// The smallest list the spec allows (herd privacy, §6.5): 131,072 entries.
pub const MIN_ENTRIES: usize = 131_072;
/// The largest list this implementation reads: 2^24 entries (2 MiB of bits),
/// the range of a permit's status index.
pub const MAX_ENTRIES: usize = 1 << 24;
/// The longest `encodedList` text read (a random list of 2^24 bits compresses
/// to just over 2 MiB; base64 adds a third).
pub const MAX_ENCODED_CHARS: usize = 3 << 20;

/// Why an `encodedList` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusListError {
    /// Not multibase base64url (`u…`).
    #[error("encodedList is not multibase base64url (it must start with 'u')")]
    Multibase,
    /// Longer than [`MAX_ENCODED_CHARS`].
    #[error("encodedList is {chars} characters, more than the {MAX_ENCODED_CHARS} allowed")]
    TooLong {
        /// The length found.
        chars: usize,
    },
    /// Not valid GZIP.
    #[error("encodedList is not valid GZIP")]
    Gzip,
    /// The bits inflate past [`MAX_ENTRIES`].
    #[error("the list inflates past {MAX_ENTRIES} entries")]
    TooLarge,
    /// Fewer than [`MIN_ENTRIES`] entries (`STATUS_LIST_LENGTH_ERROR`).
    #[error("the list holds {entries} entries, fewer than the {MIN_ENTRIES} required")]
    TooShort {
        /// The entries found.
        entries: usize,
    },
}

/// A bitstring of status entries, one bit each.
///
/// Invariant: `bytes.len() * 8` is between [`MIN_ENTRIES`] and [`MAX_ENTRIES`].
#[derive(Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Bitstring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bitstring({} entries, {} set)", self.len(), self.count_set())
    }
}

impl Bitstring {
    /// An all-zero list of `entries` entries (rounded up to whole bytes and to
    /// at least [`MIN_ENTRIES`], at most [`MAX_ENTRIES`]).
    pub fn zeroed(entries: usize) -> Self {
        let entries = entries.clamp(MIN_ENTRIES, MAX_ENTRIES);
        Bitstring { bytes: vec![0; entries.div_ceil(8)] }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.bytes.len() * 8
    }

    /// Always false: a list holds at least [`MIN_ENTRIES`] entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The bit at `index`, or `None` past the end (`RANGE_ERROR`).
    pub fn get(&self, index: usize) -> Option<bool> {
        let byte = self.bytes.get(index / 8)?;
        Some(byte & (0x80 >> (index % 8)) != 0)
    }

    /// Sets the bit at `index`; returns `false` (and changes nothing) past the end.
    pub fn set(&mut self, index: usize, value: bool) -> bool {
        let Some(byte) = self.bytes.get_mut(index / 8) else { return false };
        let mask = 0x80 >> (index % 8);
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        true
    }

    /// How many entries are set.
    pub fn count_set(&self) -> usize {
        self.bytes.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// The `encodedList` text: `u` + base64url (no padding) of the GZIP of the bits.
    pub fn encode(&self) -> String {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        // Writing to a Vec cannot fail.
        let compressed = std::io::Write::write_all(&mut gz, &self.bytes).and_then(|()| gz.finish()).unwrap_or_default();
        format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
    }

    /// Reads an `encodedList`, refusing anything outside the bounds above.
    ///
    /// # Errors
    /// [`StatusListError`] naming what is wrong.
    pub fn decode(encoded: &str) -> Result<Self, StatusListError> {
        if encoded.len() > MAX_ENCODED_CHARS {
            return Err(StatusListError::TooLong { chars: encoded.len() });
        }
        let b64 = encoded.strip_prefix('u').ok_or(StatusListError::Multibase)?;
        let compressed = URL_SAFE_NO_PAD.decode(b64).map_err(|_| StatusListError::Multibase)?;
        let mut bytes = Vec::new();
        let cap = (MAX_ENTRIES / 8) as u64;
        // Read one byte past the cap so that an over-long list is seen, not truncated.
        GzDecoder::new(compressed.as_slice())
            .take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| StatusListError::Gzip)?;
        if bytes.len() as u64 > cap {
            return Err(StatusListError::TooLarge);
        }
        if bytes.len() * 8 < MIN_ENTRIES {
            return Err(StatusListError::TooShort { entries: bytes.len() * 8 });
        }
        Ok(Bitstring { bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_zero_is_the_most_significant_bit() {
        let mut b = Bitstring::zeroed(MIN_ENTRIES);
        assert!(b.set(0, true));
        assert_eq!(b.bytes[0], 0x80);
        assert!(b.set(9, true));
        assert_eq!(b.bytes[1], 0x40);
        assert_eq!(b.get(9), Some(true));
        assert_eq!(b.get(MIN_ENTRIES), None);
        assert!(!b.set(MIN_ENTRIES, true));
        assert_eq!(b.count_set(), 2);
    }

    #[test]
    fn round_trips_and_refuses_bad_text() {
        let mut b = Bitstring::zeroed(MIN_ENTRIES);
        b.set(94_567, true);
        let d = Bitstring::decode(&b.encode()).expect("decodes");
        assert_eq!(d, b);
        assert_eq!(Bitstring::decode("zABC"), Err(StatusListError::Multibase));
        assert_eq!(Bitstring::decode("u!!!"), Err(StatusListError::Multibase));
        assert_eq!(Bitstring::decode("uAAAA"), Err(StatusListError::Gzip));
    }

    #[test]
    fn refuses_a_short_list_and_an_inflation_bomb() {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        std::io::Write::write_all(&mut gz, &[0u8; 1000]).expect("write");
        let short = format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish().expect("gzip")));
        assert_eq!(Bitstring::decode(&short), Err(StatusListError::TooShort { entries: 8000 }));
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        std::io::Write::write_all(&mut gz, &vec![0u8; MAX_ENTRIES / 8 + 4096]).expect("write");
        let bomb = format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish().expect("gzip")));
        assert!(bomb.len() < 10_000, "a small text");
        assert_eq!(Bitstring::decode(&bomb), Err(StatusListError::TooLarge));
    }
}
