//! EMVCo tag-length-value fields: two-digit tag, two-digit length, value; and
//! the payload's CRC-16/CCITT-FALSE.

use super::error::ParseError;

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor), the
/// catalogue's CRC-16/IBM-3740.
const CRC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);

/// The CRC tag (63), always last and four characters long.
pub(super) const CRC_TAG: u8 = 63;

/// The CRC of `text`, the payload up to and including `6304`.
pub(super) fn crc(text: &str) -> u16 {
    CRC.checksum(text.as_bytes())
}

/// One field read from a payload.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a str,
    /// Where the field starts, in the whole payload.
    pub at: usize,
}

/// Appends one field. Values are at most 99 characters (the callers' invariant).
pub(super) fn push(out: &mut String, tag: u8, value: &str) {
    debug_assert!(tag < 100 && value.len() < 100, "a field of two-digit tag and length");
    out.push_str(&format!("{tag:02}{:02}{value}", value.len()));
}

fn two_digits(b: &[u8]) -> Option<u8> {
    match b {
        [a @ b'0'..=b'9', c @ b'0'..=b'9'] => Some((a - b'0') * 10 + (c - b'0')),
        _ => None,
    }
}

/// Reads every field of `text` (ASCII, checked by the caller), which starts at `base` in the whole
/// payload; `template` names the level for errors. Refuses a tag given twice.
pub(super) fn read(text: &str, base: usize, template: Option<u8>) -> Result<Vec<Tlv<'_>>, ParseError> {
    let b = text.as_bytes();
    let mut fields: Vec<Tlv<'_>> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let at = base + i;
        if b.len() - i < 4 {
            return Err(ParseError::Truncated { at });
        }
        let tag = two_digits(&b[i..i + 2]).ok_or(ParseError::NonDigitTag { at })?;
        let length = two_digits(&b[i + 2..i + 4]).ok_or(ParseError::NonDigitLength { tag, at: at + 2 })?;
        let length = usize::from(length);
        let left = b.len() - i - 4;
        if length > left {
            return Err(ParseError::LengthPastEnd { tag, at, length, left });
        }
        if fields.iter().any(|f| f.tag == tag) {
            return Err(ParseError::DuplicateTag { template, tag });
        }
        // Slicing is safe: the text is ASCII, so every byte index is a character boundary.
        fields.push(Tlv { tag, value: &text[i + 4..i + 4 + length], at });
        i += 4 + length;
    }
    Ok(fields)
}

/// The value of `tag` among `fields`, if present.
pub(super) fn find<'a>(fields: &[Tlv<'a>], tag: u8) -> Option<&'a str> {
    fields.iter().find(|f| f.tag == tag).map(|f| f.value)
}

/// The value of `tag`, which must be present.
pub(super) fn require<'a>(fields: &[Tlv<'a>], template: Option<u8>, tag: u8) -> Result<&'a str, ParseError> {
    find(fields, tag).ok_or(ParseError::MissingTag { template, tag })
}

/// Checks that the last field is a four-digit hexadecimal CRC (tag 63) that matches the payload.
pub(super) fn check_crc(payload: &str, fields: &[Tlv<'_>]) -> Result<(), ParseError> {
    let last = match fields.last() {
        Some(f) if f.tag == CRC_TAG => f,
        _ if fields.iter().any(|f| f.tag == CRC_TAG) => return Err(ParseError::CrcField),
        _ => return Err(ParseError::MissingTag { template: None, tag: CRC_TAG }),
    };
    if last.value.len() != 4 || !last.value.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(ParseError::CrcField);
    }
    let found = u16::from_str_radix(last.value, 16).map_err(|_| ParseError::CrcField)?;
    // The CRC covers everything before its value, its own tag and length included.
    let expected = crc(&payload[..last.at + 4]);
    if found != expected {
        return Err(ParseError::Crc { expected, found });
    }
    Ok(())
}
