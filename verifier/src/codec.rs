//! The QR payload: `DWP1:` followed by Base45 (RFC 9285) of one deterministic
//! CBOR array that holds exactly what the credential needs and nothing that
//! can be derived. (See `wallet-spec/SPEC.md`, "QR payload".)
//!
//! | # | field | CBOR |
//! |---|-------|------|
//! | 0 | issuer | uint (well-known issuer code) or text (`did:web:…`) |
//! | 1 | verification method | uint *n* (`<issuer>#key-n`) or text (DID URL) |
//! | 2 | proof `created` | time |
//! | 3 | `validFrom` | time |
//! | 4 | `validUntil` | time |
//! | 5 | permit number | `[year, province, serial]` for `WP-YYYY-PP-NNNNNN`, else text |
//! | 6 | category | uint |
//! | 7 | worker name | text* |
//! | 8 | nationality | uint (ISO 3166-1 numeric) |
//! | 9 | birth date | int (days since 1970-01-01) |
//! | 10 | document type | uint |
//! | 11 | document number | text |
//! | 12 | employer juristic ID | uint (13 digits) |
//! | 13 | employer name | text* |
//! | 14 | province | uint (digits of `TH-NN`; 0 for `TH-S`) |
//! | 15 | occupation | uint (ISCO-08) |
//! | 16 | issuing office | uint *n* (`DOE-NN`) or text |
//! | 17 | status shard | uint |
//! | 18 | status index | uint |
//! | 19 | signature | bytes (64) |
//! | 20 | optional fields | map {1: native name (text*), 2: document country (uint, only if not the nationality), 3: holder key (bytes 32), 4: industrial estate (text)}; absent when empty |
//!
//! *time*: uint days since 1970-01-01 for an instant at 00:00:00; negative int
//! `-1 - d` for 23:59:59 on day `d`; otherwise uint seconds (at least 10^6).
//! *text\**: CBOR text, or the windowed form of [`crate::text`].
//! Every alternative has one canonical choice and the decoder refuses the other.

use crate::cbor::{self, CborError, Item, Writer};
use crate::codes::{self, Category, DocumentType};
use crate::credential::{Issuance, IssuanceError, KeyRef, SignedPermit, StatusRef, numbered_key};
use crate::ed25519::PublicKey;
use crate::permit::{
    self, DocumentInput, EmployerInput, OccupationInput, Permit, PermitError, PermitInput, WorkerInput, WorkplaceInput,
};
use crate::text;
use crate::time::{Date, SECONDS_PER_DAY, UnixTime};

/// The payload prefix of version 1. An incompatible change takes a new prefix.
pub const PREFIX: &str = "DWP1:";
/// The longest payload read at all: the capacity of a version-40 QR code in alphanumeric mode.
pub const MAX_PAYLOAD_CHARS: usize = 4296;
const DAY_FORM_LIMIT: u64 = 1_000_000;

/// Why a payload could not be read. Each maps to `malformed` with its own detail code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Longer than [`MAX_PAYLOAD_CHARS`]; refused before decoding.
    #[error("payload is {len} characters, more than {MAX_PAYLOAD_CHARS}")]
    TooLong {
        /// Length in bytes.
        len: usize,
    },
    /// Does not start with `DWP1:`.
    #[error("payload does not start with {PREFIX} (or DWP1H: for a holder-bound presentation)")]
    Prefix,
    /// Not valid Base45.
    #[error("payload is not valid Base45")]
    Base45,
    /// Not DWP CBOR.
    #[error("payload CBOR: {0}")]
    Cbor(#[from] CborError),
    /// CBOR of the wrong shape, or a non-canonical choice of form.
    #[error("payload field {field} has the wrong type or form")]
    Schema {
        /// The field, by its credential name.
        field: &'static str,
    },
    /// Well formed, but the permit breaks a rule of the format.
    #[error("payload permit: {0}")]
    Permit(#[from] PermitError),
    /// Well formed, but the issuance parameters break a rule.
    #[error("payload issuance: {0}")]
    Issuance(#[from] IssuanceError),
    /// A holder-bound presentation (`DWP1H:`) that is not `[credential, step, signature]`.
    #[error("holder presentation has the wrong shape")]
    Presentation,
}

impl DecodeError {
    /// The stable detail code (`wallet-spec/SPEC.md`, "Reason codes").
    pub fn detail(&self) -> &'static str {
        match self {
            Self::TooLong { .. } => "too_long",
            Self::Prefix => "prefix",
            Self::Base45 => "base45",
            Self::Cbor(CborError::DuplicateKey) => "duplicate_key",
            Self::Cbor(CborError::TrailingBytes) => "trailing_bytes",
            Self::Cbor(CborError::TooDeep) => "too_deep",
            Self::Cbor(_) => "cbor",
            Self::Schema { .. } => "schema",
            Self::Permit(_) | Self::Issuance(_) => "invalid_field",
            Self::Presentation => "presentation",
        }
    }
}

fn schema(field: &'static str) -> DecodeError {
    DecodeError::Schema { field }
}

// ---- encoding -------------------------------------------------------------

fn write_time(w: &mut Writer, t: UnixTime) {
    let secs = t.0.rem_euclid(SECONDS_PER_DAY);
    let days = t.0.div_euclid(SECONDS_PER_DAY);
    if secs == 0 {
        w.int(days);
    } else if secs == SECONDS_PER_DAY - 1 {
        w.int(-1 - days);
    } else {
        w.int(t.0);
    }
}

fn write_text(w: &mut Writer, s: &str) {
    match text::compact(s) {
        Some(bytes) => w.bytes(&bytes),
        None => w.text(s),
    }
}

fn permit_number_parts(s: &str) -> Option<[u64; 3]> {
    let b = s.as_bytes();
    if b.len() != 17 || !s.starts_with("WP-") || b[7] != b'-' || b[10] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let d = &s[r];
        d.bytes().all(|c| c.is_ascii_digit()).then(|| d.parse().ok())?
    };
    Some([num(3..7)?, num(8..10)?, num(11..17)?])
}

fn office_number(s: &str) -> Option<u64> {
    let d = s.strip_prefix("DOE-")?;
    (d.len() == 2 && d.bytes().all(|c| c.is_ascii_digit())).then(|| d.parse().ok())?
}

/// Encodes a signed permit as its QR payload.
pub fn encode(sp: &SignedPermit) -> String {
    let (p, iss) = (&sp.permit, &sp.issuance);
    let mut w = Writer::default();
    let mut optional = Writer::default();
    let mut n_optional = 0;
    if let Some(n) = &p.native_name {
        optional.uint(1);
        write_text(&mut optional, n);
        n_optional += 1;
    }
    if p.document_country != p.nationality {
        optional.uint(2);
        optional.uint(u64::from(p.document_country.numeric));
        n_optional += 1;
    }
    if let Some(k) = &p.holder_key {
        optional.uint(3);
        optional.bytes(&k.to_bytes());
        n_optional += 1;
    }
    if let Some(ie) = &p.industrial_estate {
        optional.uint(4);
        optional.text(ie);
        n_optional += 1;
    }
    w.array(if n_optional > 0 { 21 } else { 20 });
    match codes::issuer_code(&iss.issuer) {
        Some(c) => w.uint(c),
        None => w.text(&iss.issuer),
    }
    match &iss.key {
        KeyRef::Numbered(n) => w.uint(u64::from(*n)),
        KeyRef::Other(vm) => w.text(vm),
    }
    write_time(&mut w, iss.created);
    write_time(&mut w, p.valid_from);
    write_time(&mut w, p.valid_until);
    match permit_number_parts(&p.permit_number) {
        Some(parts) => {
            w.array(3);
            parts.iter().for_each(|v| w.uint(*v));
        }
        None => w.text(&p.permit_number),
    }
    w.uint(p.category.code());
    write_text(&mut w, &p.worker_name);
    w.uint(u64::from(p.nationality.numeric));
    w.int(i64::from(p.birth_date.0));
    w.uint(p.document_type.code());
    w.text(&p.document_number);
    // invariant: Permit::from_input accepted exactly 13 ASCII digits.
    w.uint(p.juristic_id.parse().unwrap_or_default());
    write_text(&mut w, &p.employer_name);
    w.uint(u64::from(p.province.number));
    w.uint(u64::from(p.isco08));
    match office_number(&p.issuing_office) {
        Some(n) => w.uint(n),
        None => w.text(&p.issuing_office),
    }
    w.uint(u64::from(iss.status.shard));
    w.uint(u64::from(iss.status.index));
    w.bytes(&sp.signature);
    if n_optional > 0 {
        w.map(n_optional);
        w.buf.extend_from_slice(&optional.buf);
    }
    let mut out = String::with_capacity(PREFIX.len() + w.buf.len() * 3 / 2 + 2);
    out.push_str(PREFIX);
    out.push_str(&base45::encode(&w.buf));
    out
}

// ---- decoding -------------------------------------------------------------

fn uint(item: &Item<'_>, field: &'static str) -> Result<u64, DecodeError> {
    match item {
        Item::Uint(v) => Ok(*v),
        _ => Err(schema(field)),
    }
}

fn int(item: &Item<'_>, field: &'static str) -> Result<i64, DecodeError> {
    match item {
        Item::Uint(v) => i64::try_from(*v).map_err(|_| schema(field)),
        Item::Nint(n) => i64::try_from(*n).map(|n| -1 - n).map_err(|_| schema(field)),
        _ => Err(schema(field)),
    }
}

fn plain_text<'a>(item: &Item<'a>, field: &'static str) -> Result<&'a str, DecodeError> {
    match item {
        Item::Text(s) => Ok(s),
        _ => Err(schema(field)),
    }
}

fn read_text(item: &Item<'_>, field: &'static str) -> Result<String, DecodeError> {
    match item {
        Item::Text(s) if text::plain_is_canonical(s) => Ok((*s).to_string()),
        Item::Bytes(b) => text::expand_windowed(b).map_err(|_| schema(field)),
        _ => Err(schema(field)),
    }
}

fn read_time(item: &Item<'_>, field: &'static str) -> Result<UnixTime, DecodeError> {
    let t = match item {
        Item::Uint(v) if *v < DAY_FORM_LIMIT => (*v as i64) * SECONDS_PER_DAY,
        Item::Uint(v) => {
            let v = i64::try_from(*v).map_err(|_| schema(field))?;
            let secs = v.rem_euclid(SECONDS_PER_DAY);
            if secs == 0 || secs == SECONDS_PER_DAY - 1 {
                return Err(schema(field));
            }
            v
        }
        Item::Nint(d) if *d < DAY_FORM_LIMIT => (*d as i64 + 1) * SECONDS_PER_DAY - 1,
        _ => return Err(schema(field)),
    };
    Ok(UnixTime(t))
}

fn country_alpha3(numeric: u64, field: &'static str) -> Result<String, DecodeError> {
    codes::country_by_numeric(numeric).map(|c| c.alpha3.to_string()).ok_or(schema(field))
}

fn code_str<T>(
    n: u64,
    from: impl Fn(u64) -> Option<T>,
    name: impl Fn(T) -> &'static str,
    field: &'static str,
) -> Result<String, DecodeError> {
    from(n).map(|v| name(v).to_string()).ok_or(schema(field))
}

/// Decodes a QR payload into a signed permit, checking every rule of the
/// format (but not the signature, the issuer or the dates: see [`crate::verify`]).
///
/// # Errors
/// [`DecodeError`] for the first stage that fails: length, prefix, Base45, CBOR, shape, rules.
pub fn decode(payload: &str) -> Result<SignedPermit, DecodeError> {
    if payload.len() > MAX_PAYLOAD_CHARS {
        return Err(DecodeError::TooLong { len: payload.len() });
    }
    let body = payload.strip_prefix(PREFIX).ok_or(DecodeError::Prefix)?;
    decode_cbor(&base45_bytes(body)?)
}

/// The bytes of a Base45 payload body, refusing every form but the one an encoder writes.
///
/// # Errors
/// [`DecodeError::Base45`].
pub(crate) fn base45_bytes(body: &str) -> Result<Vec<u8>, DecodeError> {
    // RFC 9285 §4.2 refuses a group whose value does not fit its bytes. The decoder used
    // checks three-character groups but reads a final two-character group modulo 256, so
    // that group is checked here: every payload has exactly one form.
    if body.len() % 3 == 2 {
        const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        let tail = &body.as_bytes()[body.len() - 2..];
        let digit = |c: u8| ALPHABET.iter().position(|&a| a == c).map(|d| d as u32);
        if let (Some(lo), Some(hi)) = (digit(tail[0]), digit(tail[1]))
            && lo + 45 * hi > 255
        {
            return Err(DecodeError::Base45);
        }
    }
    base45::decode(body).map_err(|_| DecodeError::Base45)
}

/// Decodes the CBOR of a credential (the bytes a `DWP1:` payload carries in Base45), checking every
/// rule of the format as [`decode`] does.
///
/// # Errors
/// [`DecodeError`] for the first stage that fails: CBOR, shape, rules.
pub fn decode_cbor(bytes: &[u8]) -> Result<SignedPermit, DecodeError> {
    let item = cbor::decode(bytes)?;
    let Item::Array(f) = item else { return Err(schema("payload")) };
    if f.len() != 20 && f.len() != 21 {
        return Err(schema("payload"));
    }

    let mut native_name = None;
    let mut document_country = None;
    let mut holder_key = None;
    let mut industrial_estate = None;
    if let Some(opt) = f.get(20) {
        let Item::Map(entries) = opt else { return Err(schema("optional fields")) };
        if entries.is_empty() {
            return Err(schema("optional fields"));
        }
        for (key, value) in entries {
            match key {
                1 => native_name = Some(read_text(value, "worker.nativeName")?),
                2 => document_country = Some(uint(value, "worker.document.country")?),
                3 => match value {
                    Item::Bytes(b) => {
                        holder_key = Some(<[u8; 32]>::try_from(*b).map_err(|_| schema("worker.holderKey"))?);
                    }
                    _ => return Err(schema("worker.holderKey")),
                },
                4 => industrial_estate = Some(plain_text(value, "workplace.industrialEstate")?.to_string()),
                _ => return Err(schema("optional fields")),
            }
        }
    }

    let issuer = match &f[0] {
        Item::Uint(c) => codes::issuer_by_code(*c).ok_or(schema("issuer"))?.to_string(),
        Item::Text(s) if codes::issuer_code(s).is_none() => (*s).to_string(),
        _ => return Err(schema("issuer")),
    };
    let key = match &f[1] {
        Item::Uint(n) => KeyRef::Numbered(u32::try_from(*n).map_err(|_| schema("proof.verificationMethod"))?),
        Item::Text(vm) if numbered_key(&issuer, vm).is_none() => KeyRef::Other((*vm).to_string()),
        _ => return Err(schema("proof.verificationMethod")),
    };
    let created = read_time(&f[2], "proof.created")?;
    let valid_from = read_time(&f[3], "validFrom")?;
    let valid_until = read_time(&f[4], "validUntil")?;
    let permit_number = match &f[5] {
        Item::Array(parts) if parts.len() == 3 => {
            let y = uint(&parts[0], "permitNumber")?;
            let p = uint(&parts[1], "permitNumber")?;
            let n = uint(&parts[2], "permitNumber")?;
            if y > 9999 || p > 99 || n > 999_999 {
                return Err(schema("permitNumber"));
            }
            format!("WP-{y:04}-{p:02}-{n:06}")
        }
        Item::Text(s) if permit_number_parts(s).is_none() => (*s).to_string(),
        _ => return Err(schema("permitNumber")),
    };
    let category = code_str(uint(&f[6], "category")?, Category::from_code, Category::as_str, "category")?;
    let name = read_text(&f[7], "worker.name")?;
    let nationality_num = uint(&f[8], "worker.nationality")?;
    let nationality = country_alpha3(nationality_num, "worker.nationality")?;
    let birth = int(&f[9], "worker.birthDate")?;
    let birth_date = i32::try_from(birth).map(|d| Date(d).to_string()).map_err(|_| schema("worker.birthDate"))?;
    let doc_type = code_str(
        uint(&f[10], "worker.document.type")?,
        DocumentType::from_code,
        DocumentType::as_str,
        "worker.document.type",
    )?;
    let doc_number = plain_text(&f[11], "worker.document.number")?.to_string();
    let juristic = uint(&f[12], "employer.juristicId")?;
    if juristic > 9_999_999_999_999 {
        return Err(schema("employer.juristicId"));
    }
    let employer_name = read_text(&f[13], "employer.name")?;
    let province =
        codes::province_by_number(uint(&f[14], "workplace.province")?).ok_or(schema("workplace.province"))?;
    let isco08 = uint(&f[15], "occupation.isco08")?;
    if isco08 > 9999 {
        return Err(schema("occupation.isco08"));
    }
    let issuing_office = match &f[16] {
        Item::Uint(n) if *n <= 99 => format!("DOE-{n:02}"),
        Item::Text(s) if office_number(s).is_none() => (*s).to_string(),
        _ => return Err(schema("issuingOffice")),
    };
    let shard = u32::try_from(uint(&f[17], "credentialStatus")?).map_err(|_| schema("credentialStatus"))?;
    let index = u32::try_from(uint(&f[18], "credentialStatus")?).map_err(|_| schema("credentialStatus"))?;
    let signature: [u8; 64] = match &f[19] {
        Item::Bytes(b) => (*b).try_into().map_err(|_| schema("proof.proofValue"))?,
        _ => return Err(schema("proof.proofValue")),
    };
    let document_country = match document_country {
        None => nationality.clone(),
        Some(n) if n == nationality_num => return Err(schema("worker.document.country")),
        Some(n) => country_alpha3(n, "worker.document.country")?,
    };

    let input = PermitInput {
        permit_number,
        category,
        worker: WorkerInput {
            name,
            native_name,
            nationality,
            birth_date,
            document: DocumentInput { doc_type, number: doc_number, country: document_country },
            // Set below from the bytes: a did:key text would only be encoded to be parsed again.
            holder_key: None,
        },
        employer: EmployerInput { juristic_id: format!("{juristic:013}"), name: employer_name },
        workplace: WorkplaceInput { province: province.code.to_string(), industrial_estate },
        occupation: OccupationInput { isco08: format!("{isco08:04}") },
        issuing_office,
        valid_from: valid_from.to_string(),
        valid_until: valid_until.to_string(),
    };
    let mut permit = Permit::from_input_format(&input)?;
    if let Some(k) = holder_key {
        permit.holder_key = Some(PublicKey::from_bytes(&k).map_err(|_| permit::bad_holder_key())?);
    }
    let issuance = Issuance::new(&issuer, key, created, StatusRef { shard, index })?;
    Ok(SignedPermit { permit, issuance, signature })
}
