//! The strict subset of CBOR (RFC 8949) that DWP payloads use, in both directions.
//!
//! Only deterministic encoding is accepted (RFC 8949 §4.2.1): shortest-form
//! arguments, definite lengths, map keys that are unsigned integers in strictly
//! ascending order (so no duplicates). Unsigned and negative integers, byte and
//! text strings, arrays and maps only — no tags, floats or simple values. Depth
//! and lengths are bounded before anything is allocated, so a hostile payload
//! costs at most a few allocations the size of the input.

/// How deep arrays and maps may nest in a payload.
pub const MAX_DEPTH: usize = 4;

/// A decoded data item, borrowing strings from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'a> {
    /// Major type 0.
    Uint(u64),
    /// Major type 1: the value is `-1 - n`; `n` is held here.
    Nint(u64),
    /// Major type 2.
    Bytes(&'a [u8]),
    /// Major type 3, valid UTF-8.
    Text(&'a str),
    /// Major type 4.
    Array(Vec<Item<'a>>),
    /// Major type 5 with unsigned keys in ascending order.
    Map(Vec<(u64, Item<'a>)>),
}

/// Why bytes are not a DWP CBOR item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CborError {
    /// The input ended inside an item.
    #[error("CBOR ends early")]
    Truncated,
    /// An argument was not in its shortest form, or a length was indefinite.
    #[error("CBOR is not in deterministic (shortest) form")]
    NotCanonical,
    /// A tag, float, simple value or reserved code.
    #[error("CBOR uses a type DWP payloads never carry")]
    UnsupportedType,
    /// Arrays and maps nest deeper than [`MAX_DEPTH`].
    #[error("CBOR nests too deeply")]
    TooDeep,
    /// A map key repeats.
    #[error("CBOR map has a duplicate key")]
    DuplicateKey,
    /// Map keys are not unsigned integers in ascending order.
    #[error("CBOR map keys are not ascending unsigned integers")]
    KeyOrder,
    /// A text string is not UTF-8.
    #[error("CBOR text is not UTF-8")]
    InvalidUtf8,
    /// Bytes follow the single top-level item.
    #[error("bytes follow the CBOR item")]
    TrailingBytes,
}

/// Decodes exactly one item that fills `input`.
///
/// # Errors
/// A [`CborError`] naming the first rule the input breaks.
pub fn decode(input: &[u8]) -> Result<Item<'_>, CborError> {
    let mut r = Reader { input, pos: 0 };
    let item = r.item(0)?;
    if r.pos != input.len() {
        return Err(CborError::TrailingBytes);
    }
    Ok(item)
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CborError> {
        let end = self.pos.checked_add(n).ok_or(CborError::Truncated)?;
        let s = self.input.get(self.pos..end).ok_or(CborError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    /// Reads an initial byte and its argument, insisting on the shortest form.
    fn head(&mut self) -> Result<(u8, u64), CborError> {
        let ib = self.take(1)?[0];
        let major = ib >> 5;
        let info = ib & 0x1f;
        if major >= 6 {
            return Err(CborError::UnsupportedType);
        }
        let (value, min) = match info {
            0..=23 => (u64::from(info), 0),
            24 => (u64::from(self.take(1)?[0]), 24),
            25 => (u64::from(u16::from_be_bytes([self.take(1)?[0], self.take(1)?[0]])), 0x100),
            26 => {
                let b = self.take(4)?;
                (u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])), 0x1_0000)
            }
            27 => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                (u64::from_be_bytes(a), 0x1_0000_0000)
            }
            31 if major >= 2 => return Err(CborError::NotCanonical),
            _ => return Err(CborError::UnsupportedType),
        };
        if value < min {
            return Err(CborError::NotCanonical);
        }
        Ok((major, value))
    }

    fn item(&mut self, depth: usize) -> Result<Item<'a>, CborError> {
        let (major, arg) = self.head()?;
        match major {
            0 => Ok(Item::Uint(arg)),
            1 => Ok(Item::Nint(arg)),
            2 | 3 => {
                let len = usize::try_from(arg).map_err(|_| CborError::Truncated)?;
                if len > self.remaining() {
                    return Err(CborError::Truncated);
                }
                let bytes = self.take(len)?;
                if major == 2 {
                    Ok(Item::Bytes(bytes))
                } else {
                    std::str::from_utf8(bytes).map(Item::Text).map_err(|_| CborError::InvalidUtf8)
                }
            }
            4 | 5 => {
                if depth >= MAX_DEPTH {
                    return Err(CborError::TooDeep);
                }
                // Every element takes at least one byte (two for a map entry), so a
                // count beyond what is left is refused before any allocation.
                let per = if major == 4 { 1 } else { 2 };
                let count = usize::try_from(arg).map_err(|_| CborError::Truncated)?;
                if count > self.remaining() / per {
                    return Err(CborError::Truncated);
                }
                if major == 4 {
                    let mut items = Vec::with_capacity(count);
                    for _ in 0..count {
                        items.push(self.item(depth + 1)?);
                    }
                    Ok(Item::Array(items))
                } else {
                    let mut entries: Vec<(u64, Item<'a>)> = Vec::with_capacity(count);
                    for _ in 0..count {
                        let key = match self.item(depth + 1)? {
                            Item::Uint(k) => k,
                            _ => return Err(CborError::KeyOrder),
                        };
                        if let Some((last, _)) = entries.last() {
                            if key == *last {
                                return Err(CborError::DuplicateKey);
                            }
                            if key < *last {
                                return Err(CborError::KeyOrder);
                            }
                        }
                        let value = self.item(depth + 1)?;
                        entries.push((key, value));
                    }
                    Ok(Item::Map(entries))
                }
            }
            _ => Err(CborError::UnsupportedType),
        }
    }
}

/// Appends deterministic CBOR to a buffer.
#[derive(Debug, Default)]
pub struct Writer {
    /// The bytes written so far.
    pub buf: Vec<u8>,
}

impl Writer {
    fn head(&mut self, major: u8, v: u64) {
        let m = major << 5;
        if v < 24 {
            self.buf.push(m | v as u8);
        } else if v <= 0xff {
            self.buf.extend_from_slice(&[m | 24, v as u8]);
        } else if v <= 0xffff {
            self.buf.push(m | 25);
            self.buf.extend_from_slice(&(v as u16).to_be_bytes());
        } else if v <= 0xffff_ffff {
            self.buf.push(m | 26);
            self.buf.extend_from_slice(&(v as u32).to_be_bytes());
        } else {
            self.buf.push(m | 27);
            self.buf.extend_from_slice(&v.to_be_bytes());
        }
    }
    /// An unsigned integer.
    pub fn uint(&mut self, v: u64) {
        self.head(0, v);
    }
    /// A signed integer, as major type 0 or 1.
    pub fn int(&mut self, v: i64) {
        if v >= 0 {
            self.head(0, v as u64);
        } else {
            self.head(1, (-1 - v) as u64);
        }
    }
    /// A byte string.
    pub fn bytes(&mut self, b: &[u8]) {
        self.head(2, b.len() as u64);
        self.buf.extend_from_slice(b);
    }
    /// A text string.
    pub fn text(&mut self, s: &str) {
        self.head(3, s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }
    /// The header of an array of `n` items; the items follow.
    pub fn array(&mut self, n: usize) {
        self.head(4, n as u64);
    }
    /// The header of a map of `n` entries; keys and values follow, keys ascending.
    pub fn map(&mut self, n: usize) {
        self.head(5, n as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_shortest_and_indefinite_forms() {
        assert_eq!(decode(&[0x18, 0x05]), Err(CborError::NotCanonical));
        assert_eq!(decode(&[0x19, 0x00, 0xff]), Err(CborError::NotCanonical));
        assert_eq!(decode(&[0x9f, 0xff]), Err(CborError::NotCanonical));
        assert_eq!(decode(&[0xf6]), Err(CborError::UnsupportedType));
        assert_eq!(decode(&[0xc1, 0x00]), Err(CborError::UnsupportedType));
        assert_eq!(decode(&[0xfb, 0, 0, 0, 0, 0, 0, 0, 0]), Err(CborError::UnsupportedType));
    }

    #[test]
    fn rejects_duplicate_and_unordered_keys() {
        assert_eq!(decode(&[0xa2, 0x01, 0x00, 0x01, 0x00]), Err(CborError::DuplicateKey));
        assert_eq!(decode(&[0xa2, 0x02, 0x00, 0x01, 0x00]), Err(CborError::KeyOrder));
        assert_eq!(decode(&[0xa1, 0x61, 0x61, 0x00]), Err(CborError::KeyOrder));
    }

    #[test]
    fn bounds_lengths_and_depth_before_allocating() {
        // An array that claims four billion items in five bytes.
        assert_eq!(decode(&[0x9a, 0xff, 0xff, 0xff, 0xff]), Err(CborError::Truncated));
        assert_eq!(decode(&[0x5b, 0, 0, 0, 1, 0, 0, 0, 0]), Err(CborError::Truncated));
        let bomb = [0x81u8; 64];
        assert_eq!(decode(&bomb), Err(CborError::TooDeep));
        assert_eq!(decode(&[0x00, 0x00]), Err(CborError::TrailingBytes));
        assert_eq!(decode(&[0x62, 0xff, 0xfe]), Err(CborError::InvalidUtf8));
    }

    #[test]
    fn writer_output_decodes_to_the_same_items() {
        let mut w = Writer::default();
        w.array(5);
        for v in [0i64, 23, 24, 255, 256, 65_535, 65_536, -1, -25, -70_000, 1_795_478_400, i64::MAX] {
            let mut one = Writer::default();
            one.int(v);
            let item = decode(&one.buf).expect("decodes");
            let back = match item {
                Item::Uint(u) => u as i128,
                Item::Nint(n) => -1 - n as i128,
                other => panic!("{other:?}"),
            };
            assert_eq!(back, v as i128);
        }
        w.bytes(&[1, 2, 3]);
        w.text("ไทย");
        w.map(1);
        w.uint(3);
        w.uint(4);
        w.uint(1);
        w.uint(2);
        assert_eq!(
            decode(&w.buf),
            Ok(Item::Array(vec![
                Item::Bytes(&[1, 2, 3]),
                Item::Text("ไทย"),
                Item::Map(vec![(3, Item::Uint(4))]),
                Item::Uint(1),
                Item::Uint(2),
            ]))
        );
    }
}
