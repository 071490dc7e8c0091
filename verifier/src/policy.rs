//! The verifier's policy: how old status information may be, by use.

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
