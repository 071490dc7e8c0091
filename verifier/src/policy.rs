//! The verifier's policy: how old status information may be, by use ([`Policy`]), and whom the
//! verdict is for ([`Audience`]): anyone, or one employer at its workplace.

use crate::codes::{self, Province};
use crate::permit::Permit;
use crate::rejection::Rejection;

/// How old status information may be, by use (the verifier's policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Labour inspectors in the field: 72 hours.
    Inspector,
    /// Employers checking their workers: 7 days.
    Employer,
    /// Immigration during stay extensions: 1 hour.
    Immigration,
}

impl Policy {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inspector => "inspector",
            Self::Employer => "employer",
            Self::Immigration => "immigration",
        }
    }

    /// Reads a name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Inspector, Self::Employer, Self::Immigration].into_iter().find(|p| p.as_str() == s)
    }

    /// The oldest status accepted, in seconds.
    pub fn max_age_secs(self) -> i64 {
        match self {
            Self::Inspector => 72 * 3600,
            Self::Employer => 7 * 86_400,
            Self::Immigration => 3600,
        }
    }
}

/// Whom a verdict is for: anyone who reads the permit (an inspector, immigration), or one employer
/// at its workplace, who needs one answer: may this person work **for us, here**?
///
/// The employer check is the last step of the verification order: it reads only the permit's
/// signed content, and applies only to a permit that passed every other check. A forged, revoked,
/// expired or suspended permit, and one whose status is too old or unknown, keeps its own rejection
/// (the employer fixes that first: a suspended permit is suspended for every employer, and stale
/// status is cured by a fresh bundle, after which the employer check runs). A valid permit with a
/// holder warning (amber, `wallet-spec/SPEC.md` §12) that names another employer or workplace is
/// refused as `other_employer` / `other_workplace`: the refusal outranks the warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Anyone: no employer or workplace is compared.
    Anyone,
    /// One employer, optionally at one workplace.
    Employer(EmployerScope),
}

/// The employer a permit must name, and optionally its workplace: the province and the
/// industrial estate of `credentialSubject.workplace` (`wallet-spec/SPEC.md` §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployerScope {
    juristic_id: JuristicId,
    province: Option<Province>,
    industrial_estate: Option<EstateCode>,
}

/// A 13-digit Thai juristic-person ID.
///
/// Invariant: 13 ASCII digits whose last is the check digit of the first twelve
/// ([`crate::permit::thai_check_digit`]), the rule a permit's `employer.juristicId` follows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JuristicId(String);

/// An industrial-estate code, e.g. `ESIE`.
///
/// Invariant: 2 to 10 upper-case ASCII letters and digits, the rule of a permit's
/// `workplace.industrialEstate`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EstateCode(String);

/// Why an employer scope was not accepted: a mistake of the caller (the command line's options, the
/// page's settings), never a verdict on a permit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScopeError {
    /// Not 13 digits.
    #[error("the juristic ID must be 13 digits")]
    JuristicIdPattern,
    /// The 13th digit does not match the first twelve.
    #[error("the juristic ID has a wrong check digit (the first twelve digits give {expected})")]
    JuristicIdCheckDigit {
        /// The check digit of the first twelve digits.
        expected: u8,
    },
    /// Not a province code of ISO 3166-2:TH.
    #[error("the province must be an ISO 3166-2:TH code such as TH-10 (Bangkok) or TH-21 (Rayong)")]
    UnknownProvince,
    /// Not an industrial-estate code.
    #[error("the industrial-estate code must be 2 to 10 upper-case letters and digits, such as ESIE")]
    EstatePattern,
}

impl ScopeError {
    /// The part at fault: `juristic_id`, `province` or `industrial_estate`.
    pub fn field(&self) -> &'static str {
        match self {
            Self::JuristicIdPattern | Self::JuristicIdCheckDigit { .. } => "juristic_id",
            Self::UnknownProvince => "province",
            Self::EstatePattern => "industrial_estate",
        }
    }
}

impl JuristicId {
    /// Reads a juristic ID: 13 digits with its check digit.
    ///
    /// # Errors
    /// [`ScopeError::JuristicIdPattern`] or [`ScopeError::JuristicIdCheckDigit`].
    pub fn parse(s: &str) -> Result<Self, ScopeError> {
        let b = s.as_bytes();
        if b.len() != 13 || !b.iter().all(u8::is_ascii_digit) {
            return Err(ScopeError::JuristicIdPattern);
        }
        let expected = crate::permit::thai_check_digit(&b[..12]);
        if b[12] - b'0' != expected {
            return Err(ScopeError::JuristicIdCheckDigit { expected });
        }
        Ok(Self(s.to_string()))
    }

    /// A permit's juristic ID, which [`crate::permit::Permit::from_input`] already checked.
    pub(crate) fn of_permit(permit: &Permit) -> Self {
        Self(permit.juristic_id.clone())
    }

    /// The 13 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JuristicId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl EstateCode {
    /// Reads an industrial-estate code.
    ///
    /// # Errors
    /// [`ScopeError::EstatePattern`].
    pub fn parse(s: &str) -> Result<Self, ScopeError> {
        let ok = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
        if !(2..=10).contains(&s.len()) || !s.as_bytes().iter().all(ok) {
            return Err(ScopeError::EstatePattern);
        }
        Ok(Self(s.to_string()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EstateCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which part of the workplace differs from the employer's: the detail of
/// [`Rejection::OtherWorkplace`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkplaceMismatch {
    /// The permit names another province.
    Province {
        /// The permit's province, e.g. `TH-20`.
        permit: &'static str,
        /// The employer's.
        expected: &'static str,
    },
    /// The permit names another industrial estate, or none.
    IndustrialEstate {
        /// The permit's estate, if any.
        permit: Option<String>,
        /// The employer's.
        expected: EstateCode,
    },
}

impl WorkplaceMismatch {
    /// The stable detail code: `province` or `industrial_estate`.
    pub fn detail(&self) -> &'static str {
        match self {
            Self::Province { .. } => "province",
            Self::IndustrialEstate { .. } => "industrial_estate",
        }
    }
}

impl std::fmt::Display for WorkplaceMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Province { permit, expected } => {
                write!(f, "the permit is for work in province {permit}, not {expected}")
            }
            Self::IndustrialEstate { permit: Some(p), expected } => {
                write!(f, "the permit is for work in industrial estate {p}, not {expected}")
            }
            Self::IndustrialEstate { permit: None, expected } => {
                write!(f, "the permit names no industrial estate, not {expected}")
            }
        }
    }
}

impl EmployerScope {
    /// The employer and, optionally, its province (`TH-NN`) and industrial estate.
    ///
    /// # Errors
    /// The first [`ScopeError`]: the juristic ID, then the province, then the estate.
    ///
    /// # Example
    /// ```
    /// use dwp_verifier::policy::{EmployerScope, ScopeError};
    /// assert!(EmployerScope::parse("0215559001234", Some("TH-21"), Some("ESIE")).is_ok());
    /// assert_eq!(
    ///     EmployerScope::parse("0215559001235", None, None),
    ///     Err(ScopeError::JuristicIdCheckDigit { expected: 4 })
    /// );
    /// ```
    pub fn parse(juristic_id: &str, province: Option<&str>, estate: Option<&str>) -> Result<Self, ScopeError> {
        let juristic_id = JuristicId::parse(juristic_id)?;
        let province = province.map(|p| codes::province_by_code(p).ok_or(ScopeError::UnknownProvince)).transpose()?;
        let industrial_estate = estate.map(EstateCode::parse).transpose()?;
        Ok(Self { juristic_id, province, industrial_estate })
    }

    /// The employer's juristic ID.
    pub fn juristic_id(&self) -> &JuristicId {
        &self.juristic_id
    }

    /// The province the permit must name, if any (`TH-21`).
    pub fn province(&self) -> Option<&'static str> {
        self.province.map(|p| p.code)
    }

    /// The industrial estate the permit must name, if any.
    pub fn industrial_estate(&self) -> Option<&EstateCode> {
        self.industrial_estate.as_ref()
    }

    /// As JSON: `{juristicId, province, industrialEstate}` (absent parts `null`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "juristicId": self.juristic_id.as_str(),
            "province": self.province(),
            "industrialEstate": self.industrial_estate.as_ref().map(EstateCode::as_str),
        })
    }
}

impl Audience {
    /// The employer check on an authentic permit: its employer first, then its province, then its
    /// industrial estate.
    ///
    /// # Errors
    /// [`Rejection::OtherEmployer`] or [`Rejection::OtherWorkplace`].
    pub fn check(&self, permit: &Permit) -> Result<(), Rejection> {
        let Self::Employer(scope) = self else { return Ok(()) };
        if permit.juristic_id != scope.juristic_id.0 {
            return Err(Rejection::OtherEmployer {
                permit: JuristicId::of_permit(permit),
                expected: scope.juristic_id.clone(),
            });
        }
        if let Some(expected) = scope.province
            && permit.province.code != expected.code
        {
            return Err(Rejection::OtherWorkplace(WorkplaceMismatch::Province {
                permit: permit.province.code,
                expected: expected.code,
            }));
        }
        if let Some(expected) = &scope.industrial_estate
            && permit.industrial_estate.as_deref() != Some(expected.as_str())
        {
            return Err(Rejection::OtherWorkplace(WorkplaceMismatch::IndustrialEstate {
                permit: permit.industrial_estate.clone(),
                expected: expected.clone(),
            }));
        }
        Ok(())
    }

    /// The employer scope, if any.
    pub fn employer(&self) -> Option<&EmployerScope> {
        match self {
            Self::Anyone => None,
            Self::Employer(s) => Some(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Permit {
        Permit::from_json(include_str!("../../wallet-spec/examples/permit-sample.json")).expect("the sample")
    }

    fn scope(id: &str, province: Option<&str>, estate: Option<&str>) -> Audience {
        Audience::Employer(EmployerScope::parse(id, province, estate).expect("a valid scope"))
    }

    #[test]
    fn the_permits_own_employer_and_workplace_pass() {
        let p = sample();
        assert_eq!(Audience::Anyone.check(&p), Ok(()));
        assert_eq!(scope("0215559001234", None, None).check(&p), Ok(()));
        assert_eq!(scope("0215559001234", Some("TH-21"), Some("ESIE")).check(&p), Ok(()));
    }

    #[test]
    fn another_employer_comes_before_another_workplace() {
        let p = sample();
        let r = scope("0105559012342", Some("TH-20"), None).check(&p).expect_err("refused");
        assert!(matches!(&r, Rejection::OtherEmployer { permit, .. } if permit.as_str() == "0215559001234"), "{r:?}");
        assert_eq!(r.code(), "other_employer");
    }

    #[test]
    fn another_province_or_estate_is_another_workplace_with_its_detail() {
        let p = sample();
        let r = scope("0215559001234", Some("TH-20"), Some("ESIE")).check(&p).expect_err("refused");
        assert_eq!((r.code(), r.detail()), ("other_workplace", Some("province")));
        assert_eq!(r.to_string(), "the permit is for work in province TH-21, not TH-20");
        let r = scope("0215559001234", None, Some("AMATA")).check(&p).expect_err("refused");
        assert_eq!((r.code(), r.detail()), ("other_workplace", Some("industrial_estate")));
    }

    #[test]
    fn a_scope_is_refused_with_a_reason_naming_what_is_wrong() {
        assert_eq!(EmployerScope::parse("021555900123", None, None), Err(ScopeError::JuristicIdPattern));
        assert_eq!(EmployerScope::parse("02155590012a4", None, None), Err(ScopeError::JuristicIdPattern));
        assert_eq!(
            EmployerScope::parse("0215559001230", None, None),
            Err(ScopeError::JuristicIdCheckDigit { expected: 4 })
        );
        assert_eq!(EmployerScope::parse("0215559001234", Some("TH-99"), None), Err(ScopeError::UnknownProvince));
        assert_eq!(EmployerScope::parse("0215559001234", Some("21"), None), Err(ScopeError::UnknownProvince));
        assert_eq!(EmployerScope::parse("0215559001234", None, Some("esie")), Err(ScopeError::EstatePattern));
        assert_eq!(EmployerScope::parse("0215559001234", None, Some("E")), Err(ScopeError::EstatePattern));
    }
}
