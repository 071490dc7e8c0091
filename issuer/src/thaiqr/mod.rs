//! Thai QR Payment: the EMVCo Merchant-Presented QR that Thai banking apps pay.
//!
//! The fee QR is the bill-payment form (tag 30, AID [`BILL_PAYMENT_AID`]): the collecting
//! agency's biller id, Ref1 (the application number) and Ref2 (the employer's juristic id),
//! currency 764, country TH, the amount with two decimals, point of initiation 12 (one time) and
//! a CRC-16/CCITT-FALSE. [`BillPayment::encode`] writes it; [`parse`] reads it, and the PromptPay
//! transfer form (tag 29, AID [`PROMPTPAY_AID`]), strictly: a payload is refused for a bad CRC, a
//! length that runs past the end, a tag given twice, a missing mandatory tag, a template it does
//! not know, or a field not of its form ([`ParseError`]). Tags that carry nothing a payment
//! needs (merchant name, city, additional data, …) are read as fields and otherwise ignored.
//!
//! Pure: no I/O, no clock, no allocation beyond the values returned.
//!
//! ```
//! use dwp_issuer::thaiqr::{self, BillPayment, BillerId, Reference, ThaiQr};
//! let bill = BillPayment::new(
//!     BillerId::parse("099400016550100").unwrap(),
//!     Reference::parse("123456789012").unwrap(),
//!     Reference::parse("670429").unwrap(),
//!     364_922,
//! ).unwrap();
//! let payload = bill.encode();
//! assert_eq!(payload, "00020101021230650016A00000067701011201150994000165501000212123456789012\
//!                      030667042953037645802TH54073649.2263044534");
//! assert_eq!(thaiqr::parse(&payload), Ok(ThaiQr::BillPayment(bill)));
//! ```

mod error;
mod tlv;

use std::fmt;

pub use self::error::{Field, FieldError, ParseError};

/// The application identifier of the Thai QR Payment bill-payment template (tag 30).
pub const BILL_PAYMENT_AID: &str = "A000000677010112";
/// The application identifier of the PromptPay credit-transfer template (tag 29).
pub const PROMPTPAY_AID: &str = "A000000677010111";
/// The largest amount tag 54 holds (13 characters: `9999999999.99`), in satang.
pub const MAX_AMOUNT_SATANG: u64 = 999_999_999_999;

/// The longest EMVCo payload.
const MAX_PAYLOAD: usize = 512;

const TAG_FORMAT: u8 = 0;
const TAG_INITIATION: u8 = 1;
const TAG_PROMPTPAY: u8 = 29;
const TAG_BILL: u8 = 30;
const TAG_CURRENCY: u8 = 53;
const TAG_AMOUNT: u8 = 54;
const TAG_COUNTRY: u8 = 58;
/// The merchant-account templates of EMVCo: 02 to 51.
const ACCOUNT_TAGS: std::ops::RangeInclusive<u8> = 2..=51;

/// A biller id: the collecting agency's 13-digit tax id and a 2-digit suffix, from configuration.
///
/// Invariant: 15 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BillerId(String);

impl BillerId {
    /// Reads a biller id.
    ///
    /// # Errors
    /// [`FieldError::BillerId`] unless `s` is 15 digits.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        if digits(s, 15) { Ok(BillerId(s.to_string())) } else { Err(FieldError::BillerId) }
    }

    /// The 15 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The collecting agency's 13-digit tax id.
    pub fn tax_id(&self) -> &str {
        &self.0[..13]
    }

    /// The 2-digit suffix.
    pub fn suffix(&self) -> &str {
        &self.0[13..]
    }
}

impl fmt::Display for BillerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bill-payment reference (Ref1, Ref2): what the payer's bank sends back to the biller.
///
/// Invariant: 1 to 20 characters of `A`–`Z` and `0`–`9`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference(String);

impl Reference {
    /// Reads a reference.
    ///
    /// # Errors
    /// [`FieldError::Reference`] unless `s` is 1 to 20 characters of `A`–`Z` and `0`–`9`.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let ok = (1..=20).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if ok { Ok(Reference(s.to_string())) } else { Err(FieldError::Reference) }
    }

    /// The reference's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A one-time bill payment: the fee QR.
///
/// Invariant: `0 < amount_satang <= MAX_AMOUNT_SATANG`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BillPayment {
    biller_id: BillerId,
    ref1: Reference,
    ref2: Reference,
    amount_satang: u64,
}

impl BillPayment {
    /// A bill payment of `amount_satang` (1 THB = 100 satang).
    ///
    /// # Errors
    /// [`FieldError::AmountRange`] for zero or more than [`MAX_AMOUNT_SATANG`].
    pub fn new(biller_id: BillerId, ref1: Reference, ref2: Reference, amount_satang: u64) -> Result<Self, FieldError> {
        check_amount(amount_satang)?;
        Ok(BillPayment { biller_id, ref1, ref2, amount_satang })
    }

    /// The biller id.
    pub fn biller_id(&self) -> &BillerId {
        &self.biller_id
    }

    /// Reference 1: the application number.
    pub fn ref1(&self) -> &Reference {
        &self.ref1
    }

    /// Reference 2: the employer's juristic id.
    pub fn ref2(&self) -> &Reference {
        &self.ref2
    }

    /// The amount in satang.
    pub fn amount_satang(&self) -> u64 {
        self.amount_satang
    }

    /// The payload, tags in the order Thai banks publish: 00, 01, 30, 53, 58, 54, 63.
    pub fn encode(&self) -> String {
        let mut account = String::new();
        tlv::push(&mut account, 0, BILL_PAYMENT_AID);
        tlv::push(&mut account, 1, self.biller_id.as_str());
        tlv::push(&mut account, 2, self.ref1.as_str());
        tlv::push(&mut account, 3, self.ref2.as_str());
        // At most 20 + 19 + 24 + 24 = 87 characters: the template fits a two-digit length.
        let mut out = String::new();
        tlv::push(&mut out, TAG_FORMAT, "01");
        tlv::push(&mut out, TAG_INITIATION, "12");
        tlv::push(&mut out, TAG_BILL, &account);
        tlv::push(&mut out, TAG_CURRENCY, "764");
        tlv::push(&mut out, TAG_COUNTRY, "TH");
        tlv::push(&mut out, TAG_AMOUNT, &format_amount(self.amount_satang));
        out.push_str("6304");
        let crc = tlv::crc(&out);
        out.push_str(&format!("{crc:04X}"));
        out
    }

    /// Reads a bill-payment payload.
    ///
    /// # Errors
    /// Whatever [`parse`] refuses, and [`ParseError::NotBillPayment`] for a PromptPay transfer.
    pub fn parse(payload: &str) -> Result<Self, ParseError> {
        match parse(payload)? {
            ThaiQr::BillPayment(bill) => Ok(bill),
            ThaiQr::PromptPay(_) => Err(ParseError::NotBillPayment),
        }
    }
}

/// The point of initiation (tag 01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Initiation {
    /// `11`: a static QR, paid any number of times.
    Static,
    /// `12`: a QR for one payment.
    OneTime,
}

/// Whom a PromptPay transfer pays (tag 29, sub-tags 01–03), as the payload gives it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PromptPayTarget {
    /// A mobile number: `0066` and the 9 digits after the leading 0.
    Mobile(String),
    /// A national id or tax id: 13 digits.
    IdNumber(String),
    /// An e-wallet id: 15 digits.
    EWallet(String),
}

/// A PromptPay credit transfer, as read from a payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PromptPay {
    initiation: Initiation,
    target: PromptPayTarget,
    amount_satang: Option<u64>,
}

impl PromptPay {
    /// Static or one time.
    pub fn initiation(&self) -> Initiation {
        self.initiation
    }

    /// Whom it pays.
    pub fn target(&self) -> &PromptPayTarget {
        &self.target
    }

    /// The amount in satang, if the payload fixes one.
    pub fn amount_satang(&self) -> Option<u64> {
        self.amount_satang
    }
}

/// A Thai QR Payment payload, read by [`parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThaiQr {
    /// A bill payment (tag 30).
    BillPayment(BillPayment),
    /// A PromptPay transfer (tag 29).
    PromptPay(PromptPay),
}

/// Reads a Thai QR Payment payload, strictly.
///
/// # Errors
/// A [`ParseError`] naming the first thing wrong, checked in this order: characters and length,
/// the fields' framing (tags, lengths, duplicates), the payload format indicator, the CRC, then
/// the fields' values.
pub fn parse(payload: &str) -> Result<ThaiQr, ParseError> {
    if let Some(at) = payload.bytes().position(|c| !(0x20..=0x7e).contains(&c)) {
        return Err(ParseError::NotAscii { at });
    }
    if payload.len() > MAX_PAYLOAD {
        return Err(ParseError::TooLong { len: payload.len() });
    }
    let fields = tlv::read(payload, 0, None)?;
    match fields.first() {
        Some(f) if f.tag == TAG_FORMAT && f.value == "01" => {}
        _ => return Err(ParseError::PayloadFormat),
    }
    tlv::check_crc(payload, &fields)?;
    let initiation = match tlv::require(&fields, None, TAG_INITIATION)? {
        "11" => Initiation::Static,
        "12" => Initiation::OneTime,
        _ => return Err(ParseError::Initiation),
    };
    if tlv::require(&fields, None, TAG_CURRENCY)? != "764" {
        return Err(ParseError::Currency);
    }
    if tlv::require(&fields, None, TAG_COUNTRY)? != "TH" {
        return Err(ParseError::Country);
    }
    let amount = tlv::find(&fields, TAG_AMOUNT).map(|a| parse_amount(a).and_then(check_amount)).transpose();
    let amount = amount.map_err(|error| ParseError::Field { field: Field::Amount, error })?;
    let mut accounts = fields.iter().filter(|f| ACCOUNT_TAGS.contains(&f.tag));
    let account = match (accounts.next(), accounts.next()) {
        (Some(a), None) => a,
        (Some(a), Some(b)) => {
            // A template we do not know is named before the ambiguity of two.
            let unknown = [a, b].into_iter().find(|f| f.tag != TAG_PROMPTPAY && f.tag != TAG_BILL);
            return Err(unknown.map_or(ParseError::Accounts, |f| ParseError::UnknownTemplate { tag: f.tag }));
        }
        (None, _) => return Err(ParseError::Accounts),
    };
    let inner = tlv::read(account.value, account.at + 4, Some(account.tag))?;
    let aid = tlv::require(&inner, Some(account.tag), 0)?;
    match (account.tag, aid) {
        (TAG_BILL, BILL_PAYMENT_AID) => {
            let amount_satang = amount.ok_or(ParseError::MissingTag { template: None, tag: TAG_AMOUNT })?;
            if initiation != Initiation::OneTime {
                return Err(ParseError::StaticBillPayment);
            }
            bill_payment(&inner, amount_satang).map(ThaiQr::BillPayment)
        }
        (TAG_PROMPTPAY, PROMPTPAY_AID) => {
            let target = promptpay_target(&inner)?;
            Ok(ThaiQr::PromptPay(PromptPay { initiation, target, amount_satang: amount }))
        }
        (tag, _) => Err(ParseError::UnknownTemplate { tag }),
    }
}

fn bill_payment(inner: &[tlv::Tlv<'_>], amount_satang: u64) -> Result<BillPayment, ParseError> {
    let t = Some(TAG_BILL);
    if let Some(f) = inner.iter().find(|f| f.tag > 3) {
        return Err(ParseError::UnknownSubTag { template: TAG_BILL, tag: f.tag });
    }
    let field = |field: Field| move |error| ParseError::Field { field, error };
    let biller_id = BillerId::parse(tlv::require(inner, t, 1)?).map_err(field(Field::BillerId))?;
    let ref1 = Reference::parse(tlv::require(inner, t, 2)?).map_err(field(Field::Ref1))?;
    let ref2 = Reference::parse(tlv::require(inner, t, 3)?).map_err(field(Field::Ref2))?;
    Ok(BillPayment { biller_id, ref1, ref2, amount_satang })
}

fn promptpay_target(inner: &[tlv::Tlv<'_>]) -> Result<PromptPayTarget, ParseError> {
    if let Some(f) = inner.iter().find(|f| f.tag > 3) {
        return Err(ParseError::UnknownSubTag { template: TAG_PROMPTPAY, tag: f.tag });
    }
    let mut targets = inner.iter().filter(|f| f.tag != 0);
    let (target, None) = (targets.next(), targets.next()) else {
        return Err(ParseError::PromptPayTargets);
    };
    let target = target.ok_or(ParseError::MissingTag { template: Some(TAG_PROMPTPAY), tag: 1 })?;
    let v = target.value.to_string();
    let refused = |field, error| Err(ParseError::Field { field, error });
    match target.tag {
        1 if v.starts_with("0066") && digits(&v, 13) => Ok(PromptPayTarget::Mobile(v)),
        1 => refused(Field::PromptPayMobile, FieldError::Mobile),
        2 if digits(&v, 13) => Ok(PromptPayTarget::IdNumber(v)),
        2 => refused(Field::PromptPayId, FieldError::IdNumber),
        _ if digits(&v, 15) => Ok(PromptPayTarget::EWallet(v)),
        _ => refused(Field::PromptPayEWallet, FieldError::EWallet),
    }
}

/// An amount in satang as the payload writes it: digits, a point and two decimals (`3649.22`).
pub fn format_amount(satang: u64) -> String {
    format!("{}.{:02}", satang / 100, satang % 100)
}

/// Reads an amount written with two decimals (`3649.22`, `0.00`) into satang.
///
/// # Errors
/// [`FieldError::AmountFormat`] unless the text is digits, a point and two digits;
/// [`FieldError::AmountRange`] above [`MAX_AMOUNT_SATANG`].
pub fn parse_amount(text: &str) -> Result<u64, FieldError> {
    let (whole, cents) = text.split_once('.').ok_or(FieldError::AmountFormat)?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if !all_digits(whole) || cents.len() != 2 || !all_digits(cents) {
        return Err(FieldError::AmountFormat);
    }
    // Leading zeros aside, more than ten whole digits is out of range; stop before u64 overflows.
    let whole = whole.trim_start_matches('0');
    if whole.len() > 10 {
        return Err(FieldError::AmountRange);
    }
    let number = |s: &str| s.bytes().fold(0u64, |n, c| n * 10 + u64::from(c - b'0'));
    let satang = number(whole) * 100 + number(cents);
    if satang > MAX_AMOUNT_SATANG { Err(FieldError::AmountRange) } else { Ok(satang) }
}

fn check_amount(satang: u64) -> Result<u64, FieldError> {
    if satang == 0 || satang > MAX_AMOUNT_SATANG { Err(FieldError::AmountRange) } else { Ok(satang) }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests;
