//! Script rules for names typed by people: Burmese must be Unicode, not
//! Zawgyi, and a name keeps to one of the Thai, Lao, Myanmar and Khmer
//! blocks (`wallet-spec/SPEC.md`, §5 "Text").
//!
//! Zawgyi, the legacy Burmese font encoding still set on many phones, stores
//! Burmese in the order it is drawn: the vowel sign E (U+1031) and the medial
//! RA (Zawgyi's U+103B) before their consonant, its asat (killer) at U+1039,
//! where Unicode has the virama that stacks consonants, and its stacked and
//! variant glyphs at U+1060–U+1097. Read as Unicode, such text is not well
//! formed: a mark without its consonant, a virama before no consonant, marks
//! out of the order of Unicode Technical Note #11 ("Representing Myanmar in
//! Unicode"), or code points of other languages of Myanmar. A name signed in
//! that form would read as garbage on every phone set to Unicode, so an issuer
//! refuses it and says how to type it again. Decoders never apply these
//! rules: a permit that was signed stays readable.
//!
//! The check is structural, not statistical: each Myanmar character is a base
//! (a consonant or an independent vowel), a mark with its rank in a syllable,
//! or neither; the marks after a base must come in rank order.

use std::fmt;

use crate::text::TextError;

/// A script block of the permit's names other than Latin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Script {
    /// U+0E00–U+0E7F.
    Thai,
    /// U+0E80–U+0EFF.
    Lao,
    /// U+1000–U+109F, with Myanmar Extended-A (U+AA60–U+AA7F) and Extended-B (U+A9E0–U+A9FF).
    Myanmar,
    /// U+1780–U+17FF, with the Khmer symbols (U+19E0–U+19FF).
    Khmer,
}

impl Script {
    /// The script of `c`, when it is one of the four.
    pub fn of(c: char) -> Option<Self> {
        match u32::from(c) {
            0x0E00..=0x0E7F => Some(Self::Thai),
            0x0E80..=0x0EFF => Some(Self::Lao),
            0x1000..=0x109F | 0xAA60..=0xAA7F | 0xA9E0..=0xA9FF => Some(Self::Myanmar),
            0x1780..=0x17FF | 0x19E0..=0x19FF => Some(Self::Khmer),
            _ => None,
        }
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Thai => "Thai",
            Self::Lao => "Lao",
            Self::Myanmar => "Myanmar",
            Self::Khmer => "Khmer",
        })
    }
}

/// What, in a Myanmar text, is stored the way Zawgyi stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZawgyiSign {
    /// A vowel sign or medial with no consonant before it (U+1031 or U+103B first, as Zawgyi
    /// stores the vowel sign E and its medial RA).
    BeforeConsonant,
    /// U+1039 not followed by a consonant: Zawgyi's asat, where Unicode's virama stacks consonants.
    ViramaWithoutConsonant,
    /// A code point of U+1060–U+1097, where Zawgyi keeps its stacked and variant glyphs.
    ZawgyiCodePoint,
    /// A mark out of the Unicode order: medials ျ ြ ွ ှ, then vowels, then tone marks and asat.
    OutOfOrder,
}

impl fmt::Display for ZawgyiSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BeforeConsonant => "comes before its consonant",
            Self::ViramaWithoutConsonant => "is not followed by a consonant",
            Self::ZawgyiCodePoint => "is a Zawgyi form",
            Self::OutOfOrder => "is out of the Unicode order",
        })
    }
}

/// Checks the script rules of a name: one of the Thai, Lao, Myanmar and Khmer blocks at most,
/// and Myanmar text well-formed Unicode. Latin and other scripts are not constrained here.
///
/// # Errors
/// [`TextError::MixedScripts`] naming the first two blocks found, or
/// [`TextError::LooksLikeZawgyi`] naming the first character out of place.
pub fn check_name(s: &str) -> Result<(), TextError> {
    let mut first: Option<Script> = None;
    for script in s.chars().filter_map(Script::of) {
        match first {
            None => first = Some(script),
            Some(f) if f == script => {}
            Some(f) => return Err(TextError::MixedScripts { first: f, second: script }),
        }
    }
    if first == Some(Script::Myanmar) {
        check_myanmar(s)?;
    }
    Ok(())
}

/// The rank of the asat (U+103A), after which a few spellings go on with a medial YA or a
/// vowel U (ယောက်ျား, ကျွန်ုပ်).
const ASAT: u8 = 15;

/// The role of a character in a Myanmar syllable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A consonant or independent vowel: the marks after it belong to it.
    Base,
    /// U+1039, which stacks the next consonant under this one.
    Virama,
    /// A Burmese mark, by its rank in UTN #11's storage order.
    Mark(u8),
    /// A mark of another language of Myanmar (Mon, Karen, Shan), checked for a base only.
    OtherMark,
    /// Anything else (space, digit, punctuation, Latin): ends the syllable.
    Other,
}

fn is_consonant(c: char) -> bool {
    ('\u{1000}'..='\u{1021}').contains(&c) || c == '\u{103F}'
}

fn class(c: char) -> Class {
    match u32::from(c) {
        0x1000..=0x102A | 0x103F | 0x1050..=0x1055 | 0x105A..=0x105D => Class::Base,
        // Myanmar Extended-A and -B write other languages of Myanmar; their letters and
        // marks are not Burmese and are not ordered here.
        0xAA60..=0xAA7F | 0xA9E0..=0xA9FF => Class::Base,
        0x1039 => Class::Virama,
        0x103B => Class::Mark(5),                    // medial YA
        0x103C => Class::Mark(6),                    // medial RA
        0x103D => Class::Mark(7),                    // medial WA
        0x103E => Class::Mark(8),                    // medial HA
        0x1031 => Class::Mark(9),                    // vowel sign E
        0x102D | 0x102E | 0x1032 => Class::Mark(10), // upper vowels I, II, AI
        0x102F | 0x1030 => Class::Mark(11),          // lower vowels U, UU
        0x102B | 0x102C => Class::Mark(12),          // vowel AA (tall and round)
        0x1036 => Class::Mark(13),                   // anusvara
        0x1037 => Class::Mark(14),                   // dot below (NFC puts it before the asat)
        0x103A => Class::Mark(ASAT),                 // asat
        0x1038 => Class::Mark(16),                   // visarga
        0x1033..=0x1035 | 0x1056..=0x1059 | 0x105E..=0x105F | 0x109A..=0x109D => Class::OtherMark,
        _ => Class::Other,
    }
}

/// Checks that Myanmar text is stored in Unicode order, not Zawgyi's.
///
/// # Errors
/// [`TextError::LooksLikeZawgyi`] naming the first character out of place and why.
pub fn check_myanmar(s: &str) -> Result<(), TextError> {
    let chars: Vec<char> = s.chars().collect();
    // Whether the current syllable has a base, and the rank of its last mark.
    let mut based = false;
    let mut rank = 0u8;
    for (i, &c) in chars.iter().enumerate() {
        let zawgyi = |sign| Err(TextError::LooksLikeZawgyi { code_point: u32::from(c), sign });
        if ('\u{1060}'..='\u{1097}').contains(&c) {
            return zawgyi(ZawgyiSign::ZawgyiCodePoint);
        }
        match class(c) {
            Class::Base => (based, rank) = (true, 0),
            Class::Virama => {
                let before = i.checked_sub(1).map(|j| chars[j]);
                let kinzi = before == Some('\u{103A}') && i >= 2 && chars[i - 2] == '\u{1004}';
                let stacks = before.is_some_and(is_consonant) || kinzi;
                if !stacks || !chars.get(i + 1).copied().is_some_and(is_consonant) {
                    return zawgyi(ZawgyiSign::ViramaWithoutConsonant);
                }
                // The stacked consonant that follows is a base of its own.
                based = false;
            }
            Class::Mark(r) => {
                if !based {
                    return zawgyi(ZawgyiSign::BeforeConsonant);
                }
                let after_asat = rank == ASAT && matches!(c, '\u{103B}' | '\u{102F}' | '\u{1030}');
                if r <= rank && !after_asat {
                    return zawgyi(ZawgyiSign::OutOfOrder);
                }
                rank = r;
            }
            Class::OtherMark if !based => return zawgyi(ZawgyiSign::BeforeConsonant),
            Class::OtherMark => {}
            Class::Other => (based, rank) = (false, 0),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Common Burmese names in Unicode, and the same names as Zawgyi stores them, with the
    /// first character that gives the Zawgyi form away.
    const NAMES: [(&str, &str, u32, ZawgyiSign); 14] = [
        // မောင် (Maung): ေ first, ္ as asat.
        ("မောင်", "\u{1031}\u{1019}\u{102C}\u{1004}\u{1039}", 0x1031, ZawgyiSign::BeforeConsonant),
        // ကြော်: ေ ြ က ာ ္.
        ("ကြော်", "\u{1031}\u{103B}\u{1000}\u{102C}\u{1039}", 0x1031, ZawgyiSign::BeforeConsonant),
        // ကျော် (Kyaw): Zawgyi's medial YA is U+103A.
        ("ကျော်", "\u{1031}\u{1000}\u{103A}\u{102C}\u{1039}", 0x1031, ZawgyiSign::BeforeConsonant),
        // အောင်မင်း (Aung Min).
        (
            "အောင်မင်း",
            "\u{1031}\u{1021}\u{102C}\u{1004}\u{1039}\u{1019}\u{1004}\u{1039}\u{1038}",
            0x1031,
            ZawgyiSign::BeforeConsonant,
        ),
        // မင်း (Min): only the asat differs.
        ("မင်း", "\u{1019}\u{1004}\u{1039}\u{1038}", 0x1039, ZawgyiSign::ViramaWithoutConsonant),
        // သန်းထွန်း (Than Htun): Zawgyi's medial WA is U+103C.
        (
            "သန်းထွန်း",
            "\u{101E}\u{1014}\u{1039}\u{1038}\u{1011}\u{103C}\u{1014}\u{1039}\u{1038}",
            0x1039,
            ZawgyiSign::ViramaWithoutConsonant,
        ),
        // ဝင်းနိုင် (Win Naing).
        (
            "ဝင်းနိုင်",
            "\u{101D}\u{1004}\u{1039}\u{1038}\u{1014}\u{102D}\u{102F}\u{1004}\u{1039}",
            0x1039,
            ZawgyiSign::ViramaWithoutConsonant,
        ),
        // ဇော်ထက် (Zaw Htet).
        ("ဇော်ထက်", "\u{1031}\u{1007}\u{102C}\u{1039}\u{1011}\u{1000}\u{1039}", 0x1031, ZawgyiSign::BeforeConsonant),
        // မြင့်ဆွေ (Myint Swe): ြ (U+103B in Zawgyi) before its consonant.
        (
            "မြင့်ဆွေ",
            "\u{103B}\u{1019}\u{1004}\u{1039}\u{1037}\u{1031}\u{1006}\u{103C}",
            0x103B,
            ZawgyiSign::BeforeConsonant,
        ),
        // ဖြိုးဝင်း (Phyo Win).
        (
            "ဖြိုးဝင်း",
            "\u{103B}\u{1016}\u{102D}\u{102F}\u{1038}\u{101D}\u{1004}\u{1039}\u{1038}",
            0x103B,
            ZawgyiSign::BeforeConsonant,
        ),
        // လှိုင်ဦး (Hlaing Oo) typed as Zawgyi's လွိုင္ with ဦ composed.
        (
            "လှိုင်ဦး",
            "\u{101C}\u{103D}\u{102D}\u{102F}\u{1004}\u{1039}\u{1026}\u{1038}",
            0x1039,
            ZawgyiSign::ViramaWithoutConsonant,
        ),
        // ချိုချို (Cho Cho): Zawgyi's medial YA reads as an asat, then a vowel out of order.
        ("ချိုချို", "\u{1001}\u{103A}\u{102D}\u{102F}\u{1001}\u{103A}\u{102D}\u{102F}", 0x102D, ZawgyiSign::OutOfOrder),
        // ခင်ကြည် (Khin Kyi).
        (
            "ခင်ကြည်",
            "\u{1001}\u{1004}\u{1039}\u{103B}\u{1000}\u{100A}\u{1039}",
            0x1039,
            ZawgyiSign::ViramaWithoutConsonant,
        ),
        // သန္တာ (Thanda): Zawgyi stacks TA with its own glyph U+1072.
        ("သန္တာ", "\u{101E}\u{1014}\u{1072}\u{102C}", 0x1072, ZawgyiSign::ZawgyiCodePoint),
    ];

    #[test]
    fn refuses_zawgyi_spellings_of_common_names_and_accepts_their_unicode() {
        for (unicode, zawgyi, code_point, sign) in NAMES {
            assert_eq!(check_name(unicode), Ok(()), "{unicode} in Unicode");
            assert_eq!(check_name(zawgyi), Err(TextError::LooksLikeZawgyi { code_point, sign }), "{unicode} in Zawgyi");
            assert_ne!(unicode, zawgyi);
        }
        let message = check_name(NAMES[0].1).map_err(|e| e.to_string()).expect_err("refused");
        assert!(message.starts_with("looks like Zawgyi-encoded Burmese: switch the keyboard to a Unicode Burmese layout (e.g. Myanmar3 or Pyidaungsu) and type it again"), "{message}");
        assert!(message.contains("U+1031 comes before its consonant"), "{message}");
    }

    #[test]
    fn accepts_well_formed_burmese_spellings() {
        for name in [
            "အောင်ကျော်မင်း",
            "ဒေါ်ခင်မြင့်",
            "ဦးထွန်းလှိုင်",
            "ရွှေစင်",   // medials WA then HA, then the vowel E
            "မျှော်လင့်", // YA then HA; the dot below before the asat, as NFC orders them
            "ကြွယ်",    // RA then WA
            "အင်္ဂါ",   // kinzi
            "ဥမ္မာ",   // stacked MA
            "သက်ထားဦး",
            "ယောက်ျား", // medial YA after an asat
            "ကျွန်ုပ်",    // vowel U after an asat
            "၎င်း",
            "ဿ",
            "နန်းဆိုင် (Nang Hseng)",
            "မောင် မောင်",
        ] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn refuses_each_zawgyi_sign() {
        let z = |code_point, sign| Err(TextError::LooksLikeZawgyi { code_point, sign });
        assert_eq!(check_myanmar("\u{1031}"), z(0x1031, ZawgyiSign::BeforeConsonant), "alone");
        assert_eq!(check_myanmar("မောင် \u{1031}မ"), z(0x1031, ZawgyiSign::BeforeConsonant), "after a space");
        assert_eq!(check_myanmar("၁\u{1031}"), z(0x1031, ZawgyiSign::BeforeConsonant), "after a digit");
        assert_eq!(check_myanmar("\u{103C}က"), z(0x103C, ZawgyiSign::BeforeConsonant));
        assert_eq!(check_myanmar("က\u{1039}"), z(0x1039, ZawgyiSign::ViramaWithoutConsonant), "at the end");
        assert_eq!(check_myanmar("ကာ\u{1039}က"), z(0x1039, ZawgyiSign::ViramaWithoutConsonant), "after a vowel");
        assert_eq!(check_myanmar("က\u{1060}"), z(0x1060, ZawgyiSign::ZawgyiCodePoint));
        assert_eq!(check_myanmar("က\u{1097}"), z(0x1097, ZawgyiSign::ZawgyiCodePoint));
        assert_eq!(check_myanmar("က\u{1031}\u{103C}"), z(0x103C, ZawgyiSign::OutOfOrder), "medial after vowel");
        assert_eq!(check_myanmar("က\u{103E}\u{103B}"), z(0x103B, ZawgyiSign::OutOfOrder), "HA before YA");
        assert_eq!(check_myanmar("က\u{102F}\u{102D}"), z(0x102D, ZawgyiSign::OutOfOrder), "lower before upper");
        assert_eq!(check_myanmar("က\u{102D}\u{102D}"), z(0x102D, ZawgyiSign::OutOfOrder), "twice");
        assert_eq!(check_myanmar("က\u{1038}\u{103A}"), z(0x103A, ZawgyiSign::OutOfOrder), "visarga before asat");
        assert_eq!(check_myanmar("က\u{103A}\u{102D}"), z(0x102D, ZawgyiSign::OutOfOrder), "vowel I after asat");
    }

    #[test]
    fn refuses_names_that_mix_two_blocks() {
        let mixed = |first, second| Err(TextError::MixedScripts { first, second });
        assert_eq!(check_name("ไทย ລາວ"), mixed(Script::Thai, Script::Lao));
        assert_eq!(check_name("ສົມ\u{0E48}"), mixed(Script::Lao, Script::Thai), "a Thai tone mark on Lao");
        assert_eq!(check_name("မောင်សុខ"), mixed(Script::Myanmar, Script::Khmer));
        assert_eq!(check_name("សុខ ๑"), mixed(Script::Khmer, Script::Thai), "a Thai digit");
        assert_eq!(check_name("ສຸກ ကျော်"), mixed(Script::Lao, Script::Myanmar));
        let message = check_name("ไทย ລາວ").map_err(|e| e.to_string());
        assert_eq!(message, Err("mixes Thai and Lao letters in one name: type it again in one script".to_string()));
    }

    #[test]
    fn accepts_thai_lao_and_khmer_names_in_their_own_block() {
        for name in [
            "สมชาย ใจดี",
            "วิไลวรรณ",
            "ประเสริฐ ศรีสุข",
            "ສົມສັກ ພົມມະຈັນ",
            "ບຸນມີ",
            "ຄຳຫຼ້າ",
            "សុខ សុភាព",
            "ចាន់ ធីតា",
            "ស្រីមុំ",
            "Nguyễn Văn An",
            "AUNG KYAW MIN",
        ] {
            assert!(unicode_normalization::is_nfc(name), "{name}");
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
    }
}
