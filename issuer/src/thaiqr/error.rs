//! Why a Thai QR payload, or one of its fields, is refused.

use std::fmt;

/// A field of a Thai QR payload, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The biller id (tag 30, sub-tag 01).
    BillerId,
    /// Reference 1 (tag 30, sub-tag 02).
    Ref1,
    /// Reference 2 (tag 30, sub-tag 03).
    Ref2,
    /// The transaction amount (tag 54).
    Amount,
    /// The PromptPay mobile number (tag 29, sub-tag 01).
    PromptPayMobile,
    /// The PromptPay national or tax id (tag 29, sub-tag 02).
    PromptPayId,
    /// The PromptPay e-wallet id (tag 29, sub-tag 03).
    PromptPayEWallet,
}

impl Field {
    /// The field's place in the payload (`30.02`, `54`).
    pub fn place(self) -> &'static str {
        match self {
            Field::BillerId => "30.01",
            Field::Ref1 => "30.02",
            Field::Ref2 => "30.03",
            Field::Amount => "54",
            Field::PromptPayMobile => "29.01",
            Field::PromptPayId => "29.02",
            Field::PromptPayEWallet => "29.03",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Field::BillerId => "biller id",
            Field::Ref1 => "Ref1",
            Field::Ref2 => "Ref2",
            Field::Amount => "amount",
            Field::PromptPayMobile => "PromptPay mobile number",
            Field::PromptPayId => "PromptPay id",
            Field::PromptPayEWallet => "PromptPay e-wallet id",
        };
        write!(f, "{name} (tag {})", self.place())
    }
}

/// A value that is not of its field's form: raised by the constructors (a caller's mistake) and,
/// wrapped in [`ParseError::Field`], by the parser (a bad payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// A biller id is 15 digits: the collecting agency's 13-digit tax id and a 2-digit suffix.
    #[error("a biller id is 15 digits (the 13-digit tax id and a 2-digit suffix)")]
    BillerId,
    /// A bill-payment reference is 1 to 20 characters of `A`–`Z` and `0`–`9`.
    #[error("a reference is 1 to 20 characters of A-Z and 0-9")]
    Reference,
    /// An amount is digits, a point and two decimals (`3649.22`).
    #[error("an amount is digits, a point and two decimals (3649.22)")]
    AmountFormat,
    /// An amount to pay is more than zero and fits the 13 characters of tag 54.
    #[error("an amount is more than 0.00 and at most 9999999999.99")]
    AmountRange,
    /// A PromptPay mobile number is `0066` and 9 digits.
    #[error("a PromptPay mobile number is 0066 and 9 digits")]
    Mobile,
    /// A PromptPay national or tax id is 13 digits.
    #[error("a PromptPay id is 13 digits")]
    IdNumber,
    /// A PromptPay e-wallet id is 15 digits.
    #[error("a PromptPay e-wallet id is 15 digits")]
    EWallet,
}

/// Why a payload is not a Thai QR Payment this crate accepts. Every variant is the payload's fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// A character outside printable ASCII (EMVCo payloads are alphanumeric-special).
    #[error("character {at} is not printable ASCII")]
    NotAscii {
        /// Its position, in bytes.
        at: usize,
    },
    /// Longer than the 512 characters an EMVCo payload may have.
    #[error("the payload is {len} characters long, more than 512")]
    TooLong {
        /// The payload's length.
        len: usize,
    },
    /// Fewer than the four characters of a tag and a length are left.
    #[error("the field at {at} is cut short: a tag and a length are four digits")]
    Truncated {
        /// Where the field starts.
        at: usize,
    },
    /// A tag that is not two digits.
    #[error("the tag at {at} is not two digits")]
    NonDigitTag {
        /// Where the tag starts.
        at: usize,
    },
    /// A length that is not two digits.
    #[error("the length of tag {tag:02} at {at} is not two digits")]
    NonDigitLength {
        /// The field's tag.
        tag: u8,
        /// Where the length starts.
        at: usize,
    },
    /// A value that runs past the end of the payload (or of its template).
    #[error("tag {tag:02} at {at} says {length} characters, but only {left} are left")]
    LengthPastEnd {
        /// The field's tag.
        tag: u8,
        /// Where the field starts.
        at: usize,
        /// The length it states.
        length: usize,
        /// The characters left after its length.
        left: usize,
    },
    /// A tag given twice at one level.
    #[error("tag {} appears twice", Place(*template, *tag))]
    DuplicateTag {
        /// The template it is in (`None`: the top level).
        template: Option<u8>,
        /// The tag.
        tag: u8,
    },
    /// A mandatory tag is missing.
    #[error("tag {} is missing", Place(*template, *tag))]
    MissingTag {
        /// The template it belongs in (`None`: the top level).
        template: Option<u8>,
        /// The tag.
        tag: u8,
    },
    /// Tag 00 is not first or is not `01`.
    #[error("the payload does not start with payload format indicator 01 (000201)")]
    PayloadFormat,
    /// The CRC (tag 63) is not the last field, or is not four hexadecimal digits.
    #[error("the payload does not end with a CRC of four hexadecimal digits (6304XXXX)")]
    CrcField,
    /// The CRC does not match the payload.
    #[error("the CRC is {found:04X}, but the payload's is {expected:04X}")]
    Crc {
        /// The CRC-16/CCITT-FALSE of the payload up to and including `6304`.
        expected: u16,
        /// The CRC the payload carries.
        found: u16,
    },
    /// The point of initiation (tag 01) is neither `11` (static) nor `12` (one time).
    #[error("the point of initiation (tag 01) is neither 11 nor 12")]
    Initiation,
    /// A bill payment whose point of initiation is static (`11`): a fee QR is for one payment.
    #[error("a bill-payment QR must be for one payment (tag 01 = 12), this one is static")]
    StaticBillPayment,
    /// The currency (tag 53) is not the baht (`764`).
    #[error("the currency (tag 53) is not 764 (Thai baht)")]
    Currency,
    /// The country (tag 58) is not `TH`.
    #[error("the country (tag 58) is not TH")]
    Country,
    /// A merchant-account template this parser does not know: any of tags 02–51 other than
    /// PromptPay (29, AID `A000000677010111`) and bill payment (30, AID `A000000677010112`),
    /// or one of those two with another AID.
    #[error("tag {tag:02} is not a Thai QR Payment template (PromptPay 29 or bill payment 30, with its AID)")]
    UnknownTemplate {
        /// The template's tag.
        tag: u8,
    },
    /// A sub-tag that has no place in its template.
    #[error("tag {} has no place in a Thai QR Payment", Place(Some(*template), *tag))]
    UnknownSubTag {
        /// The template.
        template: u8,
        /// The sub-tag.
        tag: u8,
    },
    /// Neither a PromptPay nor a bill-payment template, or both.
    #[error("a Thai QR Payment has exactly one of tag 29 (PromptPay) and tag 30 (bill payment)")]
    Accounts,
    /// A PromptPay template with several targets (mobile, id, e-wallet).
    #[error("a PromptPay template names one target: a mobile number, an id or an e-wallet")]
    PromptPayTargets,
    /// A PromptPay transfer where a bill payment was asked for.
    #[error("this is a PromptPay transfer (tag 29), not a bill payment (tag 30)")]
    NotBillPayment,
    /// A field whose value is not of its form.
    #[error("{field}: {error}")]
    Field {
        /// The field.
        field: Field,
        /// What is wrong with it.
        error: FieldError,
    },
}

/// A tag's place: `54`, or `30.02` inside a template.
struct Place(Option<u8>, u8);

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(t) => write!(f, "{t:02}.{:02}", self.1),
            None => write!(f, "{:02}", self.1),
        }
    }
}
