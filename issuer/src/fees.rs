//! The fee schedule: the application fee and the permit fee by requested duration.
//!
//! The department's published figures are the default ([`FeeSchedule::default`]): 100 THB to
//! apply, and a permit fee of 750 THB for up to 3 months, 1,500 THB up to 6 months, 3,000 THB
//! up to 1 year and 6,000 THB up to 2 years. Another schedule is read from JSON
//! ([`FeeSchedule::from_json`]), amounts in baht with two decimals as on a payment QR:
//!
//! ```json
//! {
//!   "applicationFee": "100.00",
//!   "permitFees": [
//!     { "upToMonths": 3, "fee": "750.00" },
//!     { "upToMonths": 6, "fee": "1500.00" },
//!     { "upToMonths": 12, "fee": "3000.00" },
//!     { "upToMonths": 24, "fee": "6000.00" }
//!   ]
//! }
//! ```
//!
//! Tiers are listed by strictly increasing `upToMonths`; a duration is charged the first tier
//! that covers it, and a duration past the last tier is refused.

use serde::{Deserialize, Serialize};

use dwp_verifier::time::UnixTime;

use crate::thaiqr::{format_amount, parse_amount};

/// One tier of the permit fee: durations up to `up_to_months` cost `fee_satang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    /// The longest duration this tier covers, in months.
    pub up_to_months: u32,
    /// The permit fee, in satang.
    pub fee_satang: u64,
}

/// The fees an application pays.
///
/// Invariant: at least one tier; tiers by strictly increasing `up_to_months`, the first above 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeSchedule {
    application_fee_satang: u64,
    tiers: Vec<Tier>,
}

/// Why a fee cannot be given for a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FeeError {
    /// A duration of zero months.
    #[error("a permit's duration is at least one month")]
    ZeroMonths,
    /// A duration longer than the schedule's last tier.
    #[error("the fee schedule covers permits of up to {longest} months, not {months}")]
    NotCovered {
        /// The duration asked for.
        months: u32,
        /// The longest duration the schedule covers.
        longest: u32,
    },
}

/// Why a fee schedule file is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// Not JSON of the documented shape.
    #[error("not a fee schedule: {0}")]
    Json(#[from] serde_json::Error),
    /// An amount that is not baht with two decimals.
    #[error("the {which} is not an amount in baht with two decimals (100.00)")]
    Amount {
        /// `application fee`, or `permit fee of tier N` (from 1).
        which: Which,
    },
    /// No permit fee tiers.
    #[error("the schedule has no permit fee tiers")]
    NoTiers,
    /// Tiers not by strictly increasing months, or a tier of zero months.
    #[error("permit fee tier {tier} (from 1) does not cover more months than the one before it")]
    TierOrder {
        /// The tier, counted from 1.
        tier: usize,
    },
}

/// Which amount of a schedule file is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The application fee.
    ApplicationFee,
    /// The permit fee of a tier, counted from 1.
    PermitFee(usize),
}

impl std::fmt::Display for Which {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Which::ApplicationFee => f.write_str("application fee"),
            Which::PermitFee(n) => write!(f, "permit fee of tier {n}"),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScheduleFile {
    application_fee: String,
    permit_fees: Vec<TierFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TierFile {
    up_to_months: u32,
    fee: String,
}

impl Default for FeeSchedule {
    /// The department's published fees.
    fn default() -> Self {
        let tier = |up_to_months, baht: u64| Tier { up_to_months, fee_satang: baht * 100 };
        FeeSchedule {
            application_fee_satang: 100 * 100,
            tiers: vec![tier(3, 750), tier(6, 1_500), tier(12, 3_000), tier(24, 6_000)],
        }
    }
}

impl FeeSchedule {
    /// Reads a schedule of the documented shape.
    ///
    /// # Errors
    /// [`ScheduleError`] naming what is wrong.
    pub fn from_json(text: &str) -> Result<Self, ScheduleError> {
        let file: ScheduleFile = serde_json::from_str(text)?;
        let application_fee_satang =
            parse_amount(&file.application_fee).map_err(|_| ScheduleError::Amount { which: Which::ApplicationFee })?;
        if file.permit_fees.is_empty() {
            return Err(ScheduleError::NoTiers);
        }
        let mut tiers: Vec<Tier> = Vec::with_capacity(file.permit_fees.len());
        for (i, t) in file.permit_fees.iter().enumerate() {
            let fee_satang =
                parse_amount(&t.fee).map_err(|_| ScheduleError::Amount { which: Which::PermitFee(i + 1) })?;
            let before = tiers.last().map_or(0, |p| p.up_to_months);
            if t.up_to_months <= before {
                return Err(ScheduleError::TierOrder { tier: i + 1 });
            }
            tiers.push(Tier { up_to_months: t.up_to_months, fee_satang });
        }
        Ok(FeeSchedule { application_fee_satang, tiers })
    }

    /// The schedule in the documented shape.
    pub fn to_json(&self) -> String {
        let file = ScheduleFile {
            application_fee: format_amount(self.application_fee_satang),
            permit_fees: self
                .tiers
                .iter()
                .map(|t| TierFile { up_to_months: t.up_to_months, fee: format_amount(t.fee_satang) })
                .collect(),
        };
        // invariant: a struct of strings and numbers always serializes.
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// The application fee, in satang.
    pub fn application_fee_satang(&self) -> u64 {
        self.application_fee_satang
    }

    /// The tiers, by increasing duration.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// The permit fee for a permit of `months`, in satang.
    ///
    /// # Errors
    /// [`FeeError::ZeroMonths`], or [`FeeError::NotCovered`] past the last tier.
    pub fn permit_fee_for(&self, months: u32) -> Result<u64, FeeError> {
        if months == 0 {
            return Err(FeeError::ZeroMonths);
        }
        let longest = self.tiers.last().map_or(0, |t| t.up_to_months);
        self.tiers
            .iter()
            .find(|t| months <= t.up_to_months)
            .map(|t| t.fee_satang)
            .ok_or(FeeError::NotCovered { months, longest })
    }

    /// What an application for a permit of `months` pays in all: the application fee and the
    /// permit fee, in satang.
    ///
    /// # Errors
    /// As [`FeeSchedule::permit_fee_for`].
    pub fn fee_for(&self, months: u32) -> Result<u64, FeeError> {
        Ok(self.application_fee_satang + self.permit_fee_for(months)?)
    }
}

/// The duration a permit from `from` to `until` is charged for, in calendar months: the
/// months from one to the other, and one more for any part of a month left over (from
/// 1 January, a permit to 31 December of the next year is 24 months; one to 2 January of
/// the year after, 25). Zero when `until` is not after `from`.
pub fn months_covering(from: UnixTime, until: UnixTime) -> u32 {
    if until <= from {
        return 0;
    }
    // `YYYY-MM-DDTHH:MM:SSZ`: the calendar fields, compared as text after the month.
    let (a, b) = (from.to_string(), until.to_string());
    let field = |s: &str, r: std::ops::Range<usize>| s.get(r).and_then(|f| f.parse::<i64>().ok()).unwrap_or(0);
    let whole = (field(&b, 0..4) - field(&a, 0..4)) * 12 + field(&b, 5..7) - field(&a, 5..7);
    let rest = b.get(8..).unwrap_or_default() > a.get(8..).unwrap_or_default();
    u32::try_from(whole + i64::from(rest)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permit_is_charged_for_the_calendar_months_it_covers() {
        let t = |s: &str| UnixTime::parse(s).expect("a time");
        let m = |a: &str, b: &str| months_covering(t(a), t(b));
        assert_eq!(m("2026-01-01T00:00:00Z", "2027-12-31T00:00:00Z"), 24);
        assert_eq!(m("2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z"), 24);
        assert_eq!(m("2026-01-01T00:00:00Z", "2028-01-01T00:00:01Z"), 25);
        assert_eq!(m("2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z"), 1);
        assert_eq!(m("2026-03-15T08:00:00Z", "2026-06-15T08:00:00Z"), 3);
        assert_eq!(m("2026-03-15T08:00:00Z", "2026-06-15T08:00:01Z"), 4);
        assert_eq!(m("2026-12-20T00:00:00Z", "2027-01-05T00:00:00Z"), 1);
        assert_eq!(m("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"), 0);
        assert_eq!(m("2027-01-01T00:00:00Z", "2026-01-01T00:00:00Z"), 0);
    }

    #[test]
    fn the_default_is_the_published_schedule() {
        let s = FeeSchedule::default();
        assert_eq!(s.application_fee_satang(), 10_000);
        let cases = [(1, 75_000), (3, 75_000), (4, 150_000), (6, 150_000), (7, 300_000), (12, 300_000), (24, 600_000)];
        for (months, fee) in cases {
            assert_eq!(s.permit_fee_for(months), Ok(fee), "{months} months");
            assert_eq!(s.fee_for(months), Ok(fee + 10_000), "{months} months");
        }
        assert_eq!(s.fee_for(0), Err(FeeError::ZeroMonths));
        assert_eq!(s.fee_for(25), Err(FeeError::NotCovered { months: 25, longest: 24 }));
    }

    #[test]
    fn the_documented_file_is_the_default_and_round_trips() {
        let doc = include_str!("fees.rs");
        let start = doc.find("//! ```json").expect("the documented shape");
        let end = start + doc[start..].find("//! ```\n").expect("its end");
        let json: String = doc[start..end].lines().skip(1).map(|l| l.trim_start_matches("//!")).collect();
        assert_eq!(FeeSchedule::from_json(&json).expect("documented file"), FeeSchedule::default());
        let s = FeeSchedule::default();
        assert_eq!(FeeSchedule::from_json(&s.to_json()).expect("round trip"), s);
    }

    #[test]
    fn refuses_schedules_not_of_the_shape() {
        let tiers = |t: &str| format!(r#"{{"applicationFee":"100.00","permitFees":[{t}]}}"#);
        assert!(matches!(FeeSchedule::from_json(&tiers("")), Err(ScheduleError::NoTiers)));
        let unordered = tiers(r#"{"upToMonths":6,"fee":"1.00"},{"upToMonths":6,"fee":"2.00"}"#);
        assert!(matches!(FeeSchedule::from_json(&unordered), Err(ScheduleError::TierOrder { tier: 2 })));
        let zero = tiers(r#"{"upToMonths":0,"fee":"1.00"}"#);
        assert!(matches!(FeeSchedule::from_json(&zero), Err(ScheduleError::TierOrder { tier: 1 })));
        let bad = tiers(r#"{"upToMonths":3,"fee":"750"}"#);
        assert!(matches!(FeeSchedule::from_json(&bad), Err(ScheduleError::Amount { which: Which::PermitFee(1) })));
        let extra = r#"{"applicationFee":"100.00","permitFees":[],"vat":"7.00"}"#;
        assert!(matches!(FeeSchedule::from_json(extra), Err(ScheduleError::Json(_))));
    }
}
