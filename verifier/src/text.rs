//! Rules for human-readable text in a permit, and its compact QR form.
//!
//! Text is Unicode in NFC with no control characters, no invisible format
//! characters (General Category Cf: bidirectional overrides and isolates,
//! zero-width spaces and joiners, the soft hyphen…) and no surrounding
//! spaces. Every permit text is shown to people, and an invisible character
//! makes two texts that look the same compare different, or one that holds
//! `NIM WAYK GNUA` after a right-to-left override display as `AUNG KYAW MIN`.
//!
//! In the payload a text is either CBOR text (UTF-8) or, when every
//! non-ASCII character falls in one of the script windows below, a CBOR byte
//! string `[window, bytes…]` where a byte below 0x80 is that ASCII character
//! and a byte `b` at or above 0x80 is `window_base + (b - 0x80)`. Thai, Lao,
//! Burmese and Khmer names then cost one byte a character instead of three —
//! the idea of Unicode's SCSU windows, reduced to the scripts DWP needs.
//! Exactly one form is canonical for each text: the windowed form whenever it
//! applies, so every text has one encoding.

use unicode_normalization::is_nfc;

use crate::script::{Script, ZawgyiSign};

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
    /// Holds an invisible format character (General Category Cf), such as a
    /// bidirectional override (U+202E) or a zero-width space (U+200B).
    #[error("contains the invisible format character U+{code_point:04X}")]
    FormatControl {
        /// The first such character found.
        code_point: u32,
    },
    /// Starts or ends with white space, or has two spaces in a row.
    #[error("has leading, trailing or doubled spaces")]
    Spacing,
    /// A windowed text names no known window, or decodes to text that is not canonical.
    #[error("is not canonical compact text")]
    NotCanonical,
    /// Myanmar text that is not well-formed Unicode Burmese, in the way Zawgyi-encoded text
    /// is not (an issuer's rule for typed names, [`crate::script::check_name`]).
    #[error(
        "looks like Zawgyi-encoded Burmese: switch the keyboard to a Unicode Burmese layout \
         (e.g. Myanmar3 or Pyidaungsu) and type it again (U+{code_point:04X} {sign})"
    )]
    LooksLikeZawgyi {
        /// The first character out of place.
        code_point: u32,
        /// What about it is Zawgyi's way.
        sign: ZawgyiSign,
    },
    /// Letters of two of the Thai, Lao, Myanmar and Khmer blocks in one name (an issuer's rule
    /// for typed names, [`crate::script::check_name`]).
    #[error("mixes {first} and {second} letters in one name: type it again in one script")]
    MixedScripts {
        /// The block of the first such letter.
        first: Script,
        /// The first other block found after it.
        second: Script,
    },
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
    if let Some(c) = s.chars().find(|&c| is_format_control(c)) {
        return Err(TextError::FormatControl { code_point: u32::from(c) });
    }
    if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) || s.contains("  ") {
        return Err(TextError::Spacing);
    }
    if !is_nfc(s) {
        return Err(TextError::NotNfc);
    }
    Ok(())
}

/// The code points of General Category Cf ("Other, format"), as inclusive
/// ranges in ascending order: the same from Unicode 15.0 to 17.0 (14.0 ended
/// the Egyptian hieroglyph controls at U+13438).
/// `tests/data/format-controls.txt` lists them one by one and a unit test
/// compares the two.
const FORMAT_CONTROLS: [(u32, u32); 21] = [
    (0x00AD, 0x00AD),   // soft hyphen
    (0x0600, 0x0605),   // Arabic number signs
    (0x061C, 0x061C),   // Arabic letter mark
    (0x06DD, 0x06DD),   // Arabic end of ayah
    (0x070F, 0x070F),   // Syriac abbreviation mark
    (0x0890, 0x0891),   // Arabic pound and piastre marks above
    (0x08E2, 0x08E2),   // Arabic disputed end of ayah
    (0x180E, 0x180E),   // Mongolian vowel separator
    (0x200B, 0x200F),   // zero-width space, non-joiner, joiner; left-to-right and right-to-left marks
    (0x202A, 0x202E),   // bidirectional embeddings and overrides
    (0x2060, 0x2064),   // word joiner, invisible operators
    (0x2066, 0x206F),   // bidirectional isolates, deprecated format characters
    (0xFEFF, 0xFEFF),   // zero-width no-break space (byte order mark)
    (0xFFF9, 0xFFFB),   // interlinear annotation
    (0x110BD, 0x110BD), // Kaithi number sign
    (0x110CD, 0x110CD), // Kaithi number sign above
    (0x13430, 0x1343F), // Egyptian hieroglyph format controls
    (0x1BCA0, 0x1BCA3), // shorthand format controls
    (0x1D173, 0x1D17A), // musical symbol format controls
    (0xE0001, 0xE0001), // language tag
    (0xE0020, 0xE007F), // tag characters
];

/// Whether `c` is an invisible format character (General Category Cf).
fn is_format_control(c: char) -> bool {
    let cp = u32::from(c);
    FORMAT_CONTROLS
        .binary_search_by(|&(first, last)| {
            if last < cp {
                std::cmp::Ordering::Less
            } else if first > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
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

    #[test]
    fn refuses_invisible_format_characters_naming_the_first() {
        for (text, code_point) in [
            ("AUNG \u{202E}NIM WAYK", 0x202E),
            ("AUNG\u{200B}KYAW", 0x200B),
            ("ZAW\u{200D}", 0x200D),
            ("\u{FEFF}MIN", 0xFEFF),
            ("MA\u{00AD}UNG", 0x00AD),
            ("MIN\u{2060}HTET", 0x2060),
            ("\u{2066}MIN\u{2069}", 0x2066),
            ("ساره\u{061C}", 0x061C),
            ("ไทย\u{E0041}", 0xE0041),
        ] {
            assert_eq!(check(text, 50), Err(TextError::FormatControl { code_point }), "{text:?}");
        }
        let message = check("A\u{202E}B", 50).map_err(|e| e.to_string());
        assert_eq!(message, Err("contains the invisible format character U+202E".to_string()));
        // Visible neighbours of the format characters stay allowed.
        assert_eq!(check("ก\u{0E47}ได้ ‐ ‑ – — ‘ ’ “ ” …", 50), Ok(()));
        assert_eq!(check("Đặng-Thị", 50), Ok(()));
    }

    /// Every code point of General Category Cf, one per line as hex, from
    /// Unicode 17 (written by Python's `regex` module, `\p{Cf}`).
    const CF_FIXTURE: &str = include_str!("../tests/data/format-controls.txt");

    #[test]
    fn format_control_table_matches_every_cf_code_point_of_unicode() {
        let listed: Vec<u32> = CF_FIXTURE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| u32::from_str_radix(l.trim(), 16).expect("hex code point"))
            .collect();
        assert_eq!(listed.len(), 170, "the fixture lists the 170 Cf code points of Unicode 15 to 17");
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(
                is_format_control(c),
                listed.binary_search(&u32::from(c)).is_ok(),
                "U+{:04X} disagrees with the fixture",
                u32::from(c)
            );
        }
        assert!(FORMAT_CONTROLS.windows(2).all(|w| w[0].1 < w[1].0), "ranges ascending and disjoint");
    }
}
