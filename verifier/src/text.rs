//! Rules for human-readable text in a permit, and its compact QR form.
//!
//! Text is Unicode in NFC with no control characters and no surrounding
//! spaces. In the payload a text is either CBOR text (UTF-8) or, when every
//! non-ASCII character falls in one of the script windows below, a CBOR byte
//! string `[window, bytes…]` where a byte below 0x80 is that ASCII character
//! and a byte `b` at or above 0x80 is `window_base + (b - 0x80)`. Thai, Lao,
//! Burmese and Khmer names then cost one byte a character instead of three —
//! the idea of Unicode's SCSU windows, reduced to the scripts DWP needs.
//! Exactly one form is canonical for each text: the windowed form whenever it
//! applies, so every text has one encoding.

use unicode_normalization::is_nfc;

/// The script windows, by the number written as the first byte of windowed text.
/// (See `wallet-spec/SPEC.md`, "Text".)
pub const WINDOWS: [(u8, u32, &str); 4] =
    [(1, 0x0E00, "Thai"), (2, 0x0E80, "Lao"), (3, 0x1000, "Myanmar"), (4, 0x1780, "Khmer")];

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// Empty.
    #[error("is empty")]
    Empty,
    /// Longer than the field allows, in characters.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Not in Unicode Normalization Form C.
    #[error("is not in Unicode NFC form (normalize it before submitting)")]
    NotNfc,
    /// Holds a control character (including newlines and tabs).
    #[error("contains a control character")]
    Control,
    /// Starts or ends with white space, or has two spaces in a row.
    #[error("has leading, trailing or doubled spaces")]
    Spacing,
    /// A windowed text names no known window, or decodes to text that is not canonical.
    #[error("is not canonical compact text")]
    NotCanonical,
}

/// Checks the rules every permit text follows.
///
/// # Errors
/// The first [`TextError`] the text breaks.
pub fn check(s: &str, max_chars: usize) -> Result<(), TextError> {
    if s.is_empty() {
        return Err(TextError::Empty);
    }
    if s.chars().count() > max_chars {
        return Err(TextError::TooLong { max: max_chars });
    }
    if s.chars().any(char::is_control) {
        return Err(TextError::Control);
    }
    if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) || s.contains("  ") {
        return Err(TextError::Spacing);
    }
    if !is_nfc(s) {
        return Err(TextError::NotNfc);
    }
    Ok(())
}

/// The window that can carry `s`, if the windowed form is the canonical one.
fn window_for(s: &str) -> Option<(u8, u32)> {
    let mut chosen: Option<(u8, u32)> = None;
    for c in s.chars().filter(|c| !c.is_ascii()) {
        let cp = u32::from(c);
        let (id, base, _) = WINDOWS.iter().find(|(_, base, _)| (*base..*base + 0x80).contains(&cp))?;
        match chosen {
            None => chosen = Some((*id, *base)),
            Some((cid, _)) if cid == *id => {}
            Some(_) => return None,
        }
    }
    chosen
}

/// The compact form of a text: `Some(bytes)` for the windowed form, `None`
/// when the text travels as plain UTF-8.
pub(crate) fn compact(s: &str) -> Option<Vec<u8>> {
    let (id, base) = window_for(s)?;
    let mut out = Vec::with_capacity(s.len() + 1);
    out.push(id);
    for c in s.chars() {
        let cp = u32::from(c);
        // invariant: window_for accepted every non-ASCII char as inside [base, base + 0x80).
        out.push(if c.is_ascii() { cp as u8 } else { (cp - base + 0x80) as u8 });
    }
    Some(out)
}

/// Rebuilds a text from its windowed form, refusing any form the encoder would not write.
pub(crate) fn expand_windowed(bytes: &[u8]) -> Result<String, TextError> {
    let (&id, rest) = bytes.split_first().ok_or(TextError::NotCanonical)?;
    let (_, base, _) = WINDOWS.iter().find(|(wid, _, _)| *wid == id).ok_or(TextError::NotCanonical)?;
    let mut s = String::with_capacity(rest.len() * 3);
    for &b in rest {
        let cp = if b < 0x80 { u32::from(b) } else { base + u32::from(b - 0x80) };
        s.push(char::from_u32(cp).ok_or(TextError::NotCanonical)?);
    }
    if window_for(&s).map(|(w, _)| w) != Some(id) {
        return Err(TextError::NotCanonical);
    }
    Ok(s)
}

/// Whether plain UTF-8 is the canonical form of `s` (no window applies).
pub(crate) fn plain_is_canonical(s: &str) -> bool {
    window_for(s).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_and_burmese_take_one_byte_a_character() {
        let thai = "บริษัท อีสเทิร์น ซีบอร์ด ออโต้ พาร์ท จำกัด";
        let c = compact(thai).expect("Thai fits the Thai window");
        assert_eq!(c.len(), thai.chars().count() + 1);
        assert_eq!(expand_windowed(&c).as_deref(), Ok(thai));
        let burmese = "အောင်ကျော်မင်း";
        let c = compact(burmese).expect("Burmese fits the Myanmar window");
        assert_eq!(expand_windowed(&c).as_deref(), Ok(burmese));
        assert_eq!(compact("AUNG KYAW MIN"), None);
        assert_eq!(compact("ไทย and ລາວ"), None, "two windows fall back to UTF-8");
    }

    #[test]
    fn rejects_non_canonical_windowed_text() {
        assert_eq!(expand_windowed(&[1, b'A', b'B']), Err(TextError::NotCanonical), "ASCII only must be plain text");
        assert_eq!(expand_windowed(&[9, 0x80]), Err(TextError::NotCanonical));
        assert_eq!(expand_windowed(&[]), Err(TextError::NotCanonical));
    }

    #[test]
    fn checks_nfc_controls_and_spacing() {
        assert_eq!(check("Nguye\u{0302}\u{0303}n", 50), Err(TextError::NotNfc));
        assert_eq!(check("A\nB", 50), Err(TextError::Control));
        assert_eq!(check(" AB", 50), Err(TextError::Spacing));
        assert_eq!(check("", 50), Err(TextError::Empty));
        assert_eq!(check("ABCD", 3), Err(TextError::TooLong { max: 3 }));
        assert_eq!(check("Nguyễn", 50), Ok(()));
    }
}
