//! The permit: what the registrar approves, before any signature.
//!
//! [`PermitInput`] is the JSON a client submits (`PERMIT.json`, schema in
//! `wallet-spec/permit-input.schema.json`); [`Permit`] is the same permit after
//! every rule below has been checked. The decoder of QR payloads applies the
//! same rules, so an issuer and a verifier can never disagree on what a valid
//! permit is.

use serde::{Deserialize, Serialize};

use crate::codes;
use crate::codes::{Category, Country, DocumentType, Province};
use crate::ed25519::PublicKey;
use crate::multikey;
use crate::script;
use crate::text::{self, TextError};
use crate::time::{Date, TimeError, UnixTime};

/// Earliest instant a permit's validity may start or end (2000-01-01T00:00:00Z).
pub const EARLIEST: UnixTime = UnixTime(946_684_800);
/// Instants must be before 2200-01-01T00:00:00Z.
pub const LATEST: UnixTime = UnixTime(7_258_118_400);
/// Earliest birth date accepted (1900-01-01).
pub const EARLIEST_BIRTH: Date = Date(-25_567);
/// The minimum age for work in Thailand, in whole years on `validFrom`: "an
/// employer shall not employ a child under fifteen years of age as an
/// employee" (Labour Protection Act B.E. 2541 (1998), section 44).
pub const MINIMUM_WORKING_AGE: u8 = 15;

/// A permit as submitted, field for field as in `PERMIT.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermitInput {
    /// Permit number, e.g. `WP-2569-21-000123`.
    pub permit_number: String,
    /// Legal category: `section59`, `section62`, `section63_1` or `section64`.
    pub category: String,
    /// The worker.
    pub worker: WorkerInput,
    /// The employer.
    pub employer: EmployerInput,
    /// Where the work is done.
    pub workplace: WorkplaceInput,
    /// The occupation.
    pub occupation: OccupationInput,
    /// The office that approved the permit, e.g. `DOE-21`.
    pub issuing_office: String,
    /// Start of validity, `YYYY-MM-DDTHH:MM:SSZ`.
    pub valid_from: String,
    /// End of validity, `YYYY-MM-DDTHH:MM:SSZ`.
    pub valid_until: String,
}

/// The worker, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkerInput {
    /// Name in Latin script as in the identity document.
    pub name: String,
    /// Name in the worker's own script (Burmese, Lao, Khmer, Thai…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_name: Option<String>,
    /// ISO 3166-1 alpha-3.
    pub nationality: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// The identity document.
    pub document: DocumentInput,
    /// `did:key` of an Ed25519 key held by the worker's wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_key: Option<String>,
}

/// The identity document, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// `passport`, `certificate_of_identity`, `travel_document`, `border_pass` or `non_thai_id_card`.
    #[serde(rename = "type")]
    pub doc_type: String,
    /// Document number, upper-case letters and digits.
    pub number: String,
    /// Issuing country, ISO 3166-1 alpha-3.
    pub country: String,
}

/// The employer, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmployerInput {
    /// 13-digit juristic person ID with its check digit.
    pub juristic_id: String,
    /// Registered name (Thai or English).
    pub name: String,
}

/// The place of work, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkplaceInput {
    /// ISO 3166-2:TH code, e.g. `TH-21`.
    pub province: String,
    /// Industrial-estate code, e.g. `ESIE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industrial_estate: Option<String>,
}

/// The occupation, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OccupationInput {
    /// ISCO-08 unit group, four digits.
    pub isco08: String,
}

/// A permit whose every field has passed the rules of the format.
///
/// Invariant: only [`Permit::from_input`] builds one, so every value held here
/// is valid and encodable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    pub(crate) permit_number: String,
    pub(crate) category: Category,
    pub(crate) worker_name: String,
    pub(crate) native_name: Option<String>,
    pub(crate) nationality: Country,
    pub(crate) birth_date: Date,
    pub(crate) document_type: DocumentType,
    pub(crate) document_number: String,
    pub(crate) document_country: Country,
    /// Checked once, when the permit is built: the holder check verifies with it as it is.
    pub(crate) holder_key: Option<PublicKey>,
    pub(crate) juristic_id: String,
    pub(crate) employer_name: String,
    pub(crate) province: Province,
    pub(crate) industrial_estate: Option<String>,
    pub(crate) isco08: u16,
    pub(crate) issuing_office: String,
    pub(crate) valid_from: UnixTime,
    pub(crate) valid_until: UnixTime,
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A text rule.
    #[error(transparent)]
    Text(#[from] TextError),
    /// A date or time rule.
    #[error(transparent)]
    Time(#[from] TimeError),
    /// Not one of the codes of its table.
    #[error("is not a known code")]
    UnknownCode,
    /// Does not have the expected shape.
    #[error("must be {expected}")]
    Pattern {
        /// The shape, in words.
        expected: &'static str,
    },
    /// The 13th digit of a juristic ID does not match the first twelve.
    #[error("has a wrong check digit (expected {expected})")]
    CheckDigit {
        /// The check digit the first twelve digits give.
        expected: u8,
    },
    /// Out of the range the format allows.
    #[error("is out of range ({range})")]
    Range {
        /// The range, in words.
        range: &'static str,
    },
    /// `validUntil` is not after `validFrom`.
    #[error("must be after validFrom")]
    NotAfterValidFrom,
    /// The worker is younger than the minimum working age on `validFrom`.
    #[error(
        "makes the worker younger than {minimum_age} on validFrom, the minimum age for work \
         (Labour Protection Act B.E. 2541, section 44)"
    )]
    UnderMinimumAge {
        /// The minimum age, in years ([`MINIMUM_WORKING_AGE`]).
        minimum_age: u8,
    },
    /// A `did:key` that is not an acceptable Ed25519 key.
    #[error("is not a did:key of a valid Ed25519 public key")]
    BadKey,
}

/// Why a permit was refused: the field (JSON path) and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PermitError {
    /// The JSON does not have the permit's shape (missing or unknown field, wrong type).
    #[error("permit JSON: {message}")]
    Json {
        /// serde_json's description, naming the field and position.
        message: String,
    },
    /// A field breaks a rule.
    #[error("{field}: {problem}")]
    Field {
        /// JSON path of the field, e.g. `employer.juristicId`.
        field: &'static str,
        /// The rule it breaks.
        problem: Problem,
    },
}

fn field(field: &'static str) -> impl Fn(Problem) -> PermitError {
    move |problem| PermitError::Field { field, problem }
}

/// `worker.holderKey` is not a canonical Ed25519 key of large order.
pub(crate) fn bad_holder_key() -> PermitError {
    field("worker.holderKey")(Problem::BadKey)
}

fn pattern(
    field_name: &'static str,
    s: &str,
    expected: &'static str,
    min: usize,
    max: usize,
    ok: impl Fn(u8) -> bool,
) -> Result<(), PermitError> {
    if s.len() < min || s.len() > max || !s.bytes().all(ok) {
        return Err(field(field_name)(Problem::Pattern { expected }));
    }
    Ok(())
}

fn upper_alnum(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// The Thai juristic-person (and citizen) ID check digit of the first twelve digits.
pub fn thai_check_digit(first12: &[u8]) -> u8 {
    let sum: u32 = first12.iter().enumerate().map(|(i, d)| u32::from(d - b'0') * (13 - i as u32)).sum();
    ((11 - sum % 11) % 10) as u8
}

fn latin_name(s: &str) -> bool {
    s.chars().all(|c| {
        c == ' ' || c == '-' || c == '\'' || c == '.' || c == ',' || (c.is_alphabetic() && u32::from(c) <= 0x024F)
    })
}

impl Permit {
    /// Parses and checks a `PERMIT.json` document.
    ///
    /// # Errors
    /// [`PermitError`] naming the first field that breaks a rule.
    pub fn from_json(json: &str) -> Result<Self, PermitError> {
        let input: PermitInput =
            serde_json::from_str(json).map_err(|e| PermitError::Json { message: e.to_string() })?;
        Self::from_input(&input)
    }

    /// Checks every rule of the format, and the rules of issuing a permit today
    /// (names as typed in their script, [`script::check_name`]; the minimum working age):
    /// what an issuer checks before it signs.
    ///
    /// # Errors
    /// [`PermitError::Field`] naming the first field that breaks a rule.
    pub fn from_input(i: &PermitInput) -> Result<Self, PermitError> {
        let permit = Self::from_input_format(i)?;
        // Names as typed: Burmese in Unicode, not Zawgyi, and one of the Thai, Lao, Myanmar and
        // Khmer blocks per name. An issuer's rule, like the age below: a decoder does not re-check
        // it, so that every permit signed before it still reads.
        if let Some(n) = &permit.native_name {
            script::check_name(n).map_err(|e| field("worker.nativeName")(e.into()))?;
        }
        script::check_name(&permit.employer_name).map_err(|e| field("employer.name")(e.into()))?;
        if permit.valid_from.date().whole_years_since(permit.birth_date) < i64::from(MINIMUM_WORKING_AGE) {
            return Err(field("worker.birthDate")(Problem::UnderMinimumAge { minimum_age: MINIMUM_WORKING_AGE }));
        }
        Ok(permit)
    }

    /// Checks the rules of the format only: what a decoder checks. Policy that
    /// may change over the years (the minimum working age) is the issuer's, so
    /// a permit issued under earlier rules still decodes.
    pub(crate) fn from_input_format(i: &PermitInput) -> Result<Self, PermitError> {
        pattern("permitNumber", &i.permit_number, "3 to 32 upper-case letters, digits and '-'", 3, 32, |b| {
            upper_alnum(b) || b == b'-'
        })?;
        let category = Category::parse(&i.category).ok_or(field("category")(Problem::UnknownCode))?;

        let w = &i.worker;
        text::check(&w.name, 100).map_err(|e| field("worker.name")(e.into()))?;
        if !latin_name(&w.name) {
            return Err(field("worker.name")(Problem::Pattern { expected: "Latin script as in the travel document" }));
        }
        if let Some(n) = &w.native_name {
            text::check(n, 100).map_err(|e| field("worker.nativeName")(e.into()))?;
        }
        let nationality =
            codes::country_by_alpha3(&w.nationality).ok_or(field("worker.nationality")(Problem::UnknownCode))?;
        let birth_date = Date::parse(&w.birth_date).map_err(|e| field("worker.birthDate")(e.into()))?;
        let document_type =
            DocumentType::parse(&w.document.doc_type).ok_or(field("worker.document.type")(Problem::UnknownCode))?;
        pattern(
            "worker.document.number",
            &w.document.number,
            "1 to 20 upper-case letters and digits",
            1,
            20,
            upper_alnum,
        )?;
        let document_country = codes::country_by_alpha3(&w.document.country)
            .ok_or(field("worker.document.country")(Problem::UnknownCode))?;
        let holder_key = match &w.holder_key {
            None => None,
            Some(did) => Some(multikey::parse_did_key_checked(did).ok_or(bad_holder_key())?),
        };

        let e = &i.employer;
        pattern("employer.juristicId", &e.juristic_id, "13 digits", 13, 13, |b| b.is_ascii_digit())?;
        let b = e.juristic_id.as_bytes();
        let expected = thai_check_digit(&b[..12]);
        if b[12] - b'0' != expected {
            return Err(field("employer.juristicId")(Problem::CheckDigit { expected }));
        }
        text::check(&e.name, 120).map_err(|err| field("employer.name")(err.into()))?;

        let province =
            codes::province_by_code(&i.workplace.province).ok_or(field("workplace.province")(Problem::UnknownCode))?;
        if let Some(ie) = &i.workplace.industrial_estate {
            pattern("workplace.industrialEstate", ie, "2 to 10 upper-case letters and digits", 2, 10, upper_alnum)?;
        }
        let isco = &i.occupation.isco08;
        pattern("occupation.isco08", isco, "4 digits", 4, 4, |b| b.is_ascii_digit())?;
        let isco08: u16 = isco.parse().map_err(|_| field("occupation.isco08")(Problem::UnknownCode))?;
        if codes::isco08_title(isco08).is_none() {
            return Err(field("occupation.isco08")(Problem::UnknownCode));
        }
        pattern("issuingOffice", &i.issuing_office, "2 to 16 upper-case letters, digits and '-'", 2, 16, |b| {
            upper_alnum(b) || b == b'-'
        })?;

        let valid_from = UnixTime::parse(&i.valid_from).map_err(|e| field("validFrom")(e.into()))?;
        let valid_until = UnixTime::parse(&i.valid_until).map_err(|e| field("validUntil")(e.into()))?;
        const RANGE: &str = "2000-01-01 to 2199-12-31";
        if !(EARLIEST..LATEST).contains(&valid_from) {
            return Err(field("validFrom")(Problem::Range { range: RANGE }));
        }
        if !(EARLIEST..LATEST).contains(&valid_until) {
            return Err(field("validUntil")(Problem::Range { range: RANGE }));
        }
        if valid_until <= valid_from {
            return Err(field("validUntil")(Problem::NotAfterValidFrom));
        }
        if birth_date < EARLIEST_BIRTH || birth_date >= valid_from.date() {
            return Err(field("worker.birthDate")(Problem::Range { range: "1900-01-01 to the day before validFrom" }));
        }

        Ok(Permit {
            permit_number: i.permit_number.clone(),
            category,
            worker_name: w.name.clone(),
            native_name: w.native_name.clone(),
            nationality,
            birth_date,
            document_type,
            document_number: w.document.number.clone(),
            document_country,
            holder_key,
            juristic_id: e.juristic_id.clone(),
            employer_name: e.name.clone(),
            province,
            industrial_estate: i.workplace.industrial_estate.clone(),
            isco08,
            issuing_office: i.issuing_office.clone(),
            valid_from,
            valid_until,
        })
    }

    /// The permit in its input form (`PERMIT.json`).
    pub fn to_input(&self) -> PermitInput {
        PermitInput {
            permit_number: self.permit_number.clone(),
            category: self.category.as_str().to_string(),
            worker: WorkerInput {
                name: self.worker_name.clone(),
                native_name: self.native_name.clone(),
                nationality: self.nationality.alpha3.to_string(),
                birth_date: self.birth_date.to_string(),
                document: DocumentInput {
                    doc_type: self.document_type.as_str().to_string(),
                    number: self.document_number.clone(),
                    country: self.document_country.alpha3.to_string(),
                },
                holder_key: self.holder_key.map(|k| multikey::did_key(&k.to_bytes())),
            },
            employer: EmployerInput { juristic_id: self.juristic_id.clone(), name: self.employer_name.clone() },
            workplace: WorkplaceInput {
                province: self.province.code.to_string(),
                industrial_estate: self.industrial_estate.clone(),
            },
            occupation: OccupationInput { isco08: format!("{:04}", self.isco08) },
            issuing_office: self.issuing_office.clone(),
            valid_from: self.valid_from.to_string(),
            valid_until: self.valid_until.to_string(),
        }
    }

    /// The holder's Ed25519 key (`credentialSubject.id`), when the permit is bound to one.
    pub fn holder_key(&self) -> Option<[u8; 32]> {
        self.holder_key.map(|k| k.to_bytes())
    }

    /// Permit number.
    pub fn permit_number(&self) -> &str {
        &self.permit_number
    }
    /// Legal category.
    pub fn category(&self) -> Category {
        self.category
    }
    /// Start of validity.
    pub fn valid_from(&self) -> UnixTime {
        self.valid_from
    }
    /// End of validity.
    pub fn valid_until(&self) -> UnixTime {
        self.valid_until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../wallet-spec/examples/permit-sample.json");

    fn with(edit: impl FnOnce(&mut PermitInput)) -> Result<Permit, PermitError> {
        let mut input: PermitInput = serde_json::from_str(SAMPLE).expect("sample parses");
        edit(&mut input);
        Permit::from_input(&input)
    }

    fn field_of(r: Result<Permit, PermitError>) -> &'static str {
        match r {
            Err(PermitError::Field { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_the_sample_and_round_trips_its_input() {
        let p = Permit::from_json(SAMPLE).expect("sample is valid");
        let again = Permit::from_input(&p.to_input()).expect("re-parses");
        assert_eq!(p, again);
    }

    #[test]
    fn refuses_invisible_format_characters_in_names_before_the_script_rule() {
        assert_eq!(
            with(|i| i.worker.name = "AUNG \u{202E}NIM WAYK".into()),
            Err(PermitError::Field {
                field: "worker.name",
                problem: Problem::Text(TextError::FormatControl { code_point: 0x202E })
            })
        );
        assert_eq!(
            with(|i| i.worker.native_name = Some("အောင်ကျော်\u{200D}".into())),
            Err(PermitError::Field {
                field: "worker.nativeName",
                problem: Problem::Text(TextError::FormatControl { code_point: 0x200D })
            })
        );
    }

    #[test]
    fn refuses_a_zawgyi_or_mixed_script_native_name_but_decoding_rules_do_not() {
        use crate::script::{Script, ZawgyiSign};
        // မောင်မောင် as Zawgyi stores it: the vowel sign E first, U+1039 as the asat.
        let zawgyi = "\u{1031}\u{1019}\u{102C}\u{1004}\u{1039}\u{1031}\u{1019}\u{102C}\u{1004}\u{1039}";
        let refused = with(|i| i.worker.native_name = Some(zawgyi.into()));
        assert_eq!(
            refused,
            Err(PermitError::Field {
                field: "worker.nativeName",
                problem: Problem::Text(TextError::LooksLikeZawgyi {
                    code_point: 0x1031,
                    sign: ZawgyiSign::BeforeConsonant
                })
            })
        );
        let message = refused.map_err(|e| e.to_string()).expect_err("refused");
        assert!(
            message.starts_with("worker.nativeName: looks like Zawgyi-encoded Burmese: switch the keyboard"),
            "{message}"
        );
        assert!(with(|i| i.worker.native_name = Some("မောင်မောင်".into())).is_ok(), "the same name in Unicode");
        assert_eq!(
            with(|i| i.worker.native_name = Some("ສົມສັກ ไทย".into())),
            Err(PermitError::Field {
                field: "worker.nativeName",
                problem: Problem::Text(TextError::MixedScripts { first: Script::Lao, second: Script::Thai })
            })
        );
        assert_eq!(field_of(with(|i| i.employer.name = "บริษัท ສົມ จำกัด".into())), "employer.name");
        // A permit signed before the rule still decodes.
        let mut signed: PermitInput = serde_json::from_str(SAMPLE).expect("sample parses");
        signed.worker.native_name = Some(zawgyi.into());
        assert!(Permit::from_input_format(&signed).is_ok(), "the format allows it; issuing does not");
    }

    #[test]
    fn refuses_a_worker_under_fifteen_on_valid_from() {
        // The sample is valid from 2026-11-24.
        let under = with(|i| i.worker.birth_date = "2011-11-25".into());
        assert_eq!(
            under,
            Err(PermitError::Field {
                field: "worker.birthDate",
                problem: Problem::UnderMinimumAge { minimum_age: 15 }
            })
        );
        assert!(with(|i| i.worker.birth_date = "2011-11-24".into()).is_ok(), "15 on the day is old enough");
        // An issuer's rule, not the format's: a decoder still reads such a permit.
        let mut young: PermitInput = serde_json::from_str(SAMPLE).expect("sample parses");
        young.worker.birth_date = "2011-11-25".into();
        assert!(Permit::from_input_format(&young).is_ok(), "the format allows it; issuing does not");
        // Born on 29 February: 15 on 1 March of a common year.
        let leap = |from: &str| {
            with(|i| {
                i.worker.birth_date = "2012-02-29".into();
                i.valid_from = format!("{from}T00:00:00Z");
                i.valid_until = "2029-01-01T00:00:00Z".into();
            })
        };
        assert!(leap("2027-02-28").is_err());
        assert!(leap("2027-03-01").is_ok());
        // The time of day of validFrom does not matter: the date does.
        assert!(
            with(|i| {
                i.worker.birth_date = "2011-11-24".into();
                i.valid_from = "2026-11-24T23:59:59Z".into();
            })
            .is_ok()
        );
    }

    #[test]
    fn juristic_check_digit_matches_the_sample() {
        assert_eq!(thai_check_digit(b"021555900123"), 4);
        assert!(matches!(
            with(|i| i.employer.juristic_id = "0215559001235".into()),
            Err(PermitError::Field { field: "employer.juristicId", problem: Problem::CheckDigit { expected: 4 } })
        ));
    }

    #[test]
    fn names_the_field_of_each_bad_input() {
        assert_eq!(field_of(with(|i| i.category = "section61".into())), "category");
        assert_eq!(field_of(with(|i| i.employer.juristic_id = "021555900123".into())), "employer.juristicId");
        assert_eq!(field_of(with(|i| i.worker.birth_date = "1994-02-30".into())), "worker.birthDate");
        assert_eq!(field_of(with(|i| i.valid_until = "2026-11-23T00:00:00Z".into())), "validUntil");
        assert_eq!(field_of(with(|i| i.worker.name = "AUNG KYAW MIN\u{0301}".into())), "worker.name");
        assert_eq!(field_of(with(|i| i.employer.name = "บริษัท ก\u{0E48}\u{0E38}".into())), "employer.name");
        assert_eq!(field_of(with(|i| i.worker.nationality = "XYZ".into())), "worker.nationality");
        assert_eq!(field_of(with(|i| i.occupation.isco08 = "9999".into())), "occupation.isco08");
        assert_eq!(field_of(with(|i| i.workplace.province = "TH-99".into())), "workplace.province");
        assert_eq!(field_of(with(|i| i.worker.holder_key = Some("did:key:z6Mkfoo".into()))), "worker.holderKey");
        assert_eq!(field_of(with(|i| i.valid_from = "2026-11-24T00:00:00+07:00".into())), "validFrom");
        assert_eq!(field_of(with(|i| i.worker.native_name = Some("အောင်\u{200B}ကျော်".into()))), "worker.nativeName");
        assert_eq!(field_of(with(|i| i.employer.name = "Eastern \u{202E}Seaboard".into())), "employer.name");
        let unknown = Permit::from_json(&SAMPLE.replacen("\"category\"", "\"colour\": 1, \"category\"", 1));
        assert!(matches!(unknown, Err(PermitError::Json { ref message }) if message.contains("colour")), "{unknown:?}");
    }
}
