//! What the application journey is configured with: the fee schedule, the
//! collecting agency's biller id, the bank's API and which permit categories
//! need an identity verification; and the application numbers.

use anyhow::{Context, Result};

use dwp_issuer::application::IdentityRule;
use dwp_issuer::fees::FeeSchedule;
use dwp_issuer::thaiqr::BillerId;
use dwp_verifier::codes::Category;
use dwp_verifier::time::UnixTime;

/// The demonstration's biller id: a 13-digit tax id of zeros after the
/// government prefix, suffix `00`. A production registry is given its own.
pub const DEMO_BILLER_ID: &str = "099400000000000";

/// How the journey's outside parts are reached and what it charges.
#[derive(Debug, Clone)]
pub struct Journey {
    /// The fees.
    pub fees: FeeSchedule,
    /// The collecting agency's biller id (Thai QR tag 30, sub-tag 01).
    pub biller: BillerId,
    /// The bank's API base URL (`http://`, the operator's TLS proxy to the bank): the
    /// inquiry by transaction and the day's list. Without it no fee can be confirmed.
    pub bank_url: Option<String>,
    /// Which categories need an identity verification before review.
    pub identity: IdentityRule,
}

impl Default for Journey {
    fn default() -> Self {
        Journey {
            fees: FeeSchedule::default(),
            // invariant: the constant is a well-formed biller id.
            biller: BillerId::parse(DEMO_BILLER_ID).unwrap_or_else(|_| unreachable!("DEMO_BILLER_ID is well formed")),
            bank_url: None,
            identity: IdentityRule::default(),
        }
    }
}

impl Journey {
    /// The journey of `dwp serve`'s flags.
    ///
    /// # Errors
    /// A fee schedule that cannot be read, a biller id or bank URL that is not well formed, an
    /// unknown category, or (in production) the demonstration's biller id.
    pub fn from_flags(
        fee_schedule: Option<&std::path::Path>,
        biller_id: Option<&str>,
        bank_url: Option<&str>,
        no_identity_check: &[String],
        production: bool,
    ) -> Result<Journey> {
        let fees = match fee_schedule {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("--fee-schedule: cannot read {}", path.display()))?;
                FeeSchedule::from_json(&text).map_err(|e| anyhow::anyhow!("--fee-schedule {}: {e}", path.display()))?
            }
            None => FeeSchedule::default(),
        };
        let biller = biller_id.unwrap_or(DEMO_BILLER_ID);
        anyhow::ensure!(
            !(production && biller == DEMO_BILLER_ID),
            "--biller-id: a production registry collects fees under the department's own biller id, not the demonstration's"
        );
        let biller = BillerId::parse(biller).map_err(|e| {
            anyhow::anyhow!("--biller-id {biller:?}: {e} (15 digits: the 13-digit tax id and a 2-digit suffix)")
        })?;
        if let Some(url) = bank_url {
            // The bank's API is reached through the operator's TLS proxy (mutual TLS to the bank):
            // the registry itself speaks plain HTTP to it, on the operator's network.
            let ok = url.starts_with("http://") && url.is_ascii() && !url.contains([' ', '?', '#', '@']);
            anyhow::ensure!(
                ok,
                "--bank-url {url:?}: the http:// base URL of the operator's TLS proxy to the bank's API, \
                 without query or credentials"
            );
        }
        let mut exempt = Vec::new();
        for c in no_identity_check {
            exempt.push(Category::parse(c).ok_or_else(|| {
                anyhow::anyhow!("--no-identity-check {c:?}: not a permit category (one of {})", category_list())
            })?);
        }
        let identity = IdentityRule::required_for(Category::ALL.into_iter().filter(|c| !exempt.contains(c)));
        Ok(Journey { fees, biller, bank_url: bank_url.map(|u| u.trim_end_matches('/').to_string()), identity })
    }
}

fn category_list() -> String {
    Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

/// The Buddhist-era year of an instant, in Thailand (UTC+7): 2026-12-31T17:00:00Z is 2570.
pub fn buddhist_year(now: UnixTime) -> i64 {
    let bangkok = UnixTime(now.0 + 7 * 3600).to_string();
    bangkok.get(0..4).and_then(|y| y.parse::<i64>().ok()).unwrap_or(0) + 543
}

/// An application number: `DWP`, the Buddhist year and seven digits (`DWP25690000123`). It is
/// the fee's Ref1, so it fits `[A-Z0-9]{1,20}`, and it reads aloud digit by digit.
pub fn application_number(year: i64, n: i64) -> String {
    format!("DWP{year:04}{n:07}")
}

/// Whether `s` has the shape of an application number.
pub fn is_application_number(s: &str) -> bool {
    s.len() == 14 && s.starts_with("DWP") && s[3..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_speakable_and_fit_a_fee_reference() {
        let t = |s: &str| UnixTime::parse(s).expect("a time");
        assert_eq!(buddhist_year(t("2026-12-31T16:59:59Z")), 2569);
        assert_eq!(buddhist_year(t("2026-12-31T17:00:00Z")), 2570, "midnight in Bangkok");
        let n = application_number(2569, 123);
        assert_eq!(n, "DWP25690000123");
        assert!(is_application_number(&n));
        assert!(dwp_issuer::thaiqr::Reference::parse(&n).is_ok());
        assert!(!is_application_number("ap_x") && !is_application_number("DWP2569000012A"));
    }

    #[test]
    fn flags_are_checked() {
        let j = |biller: Option<&str>, bank: Option<&str>, exempt: &[&str], production: bool| {
            let exempt: Vec<String> = exempt.iter().map(|s| s.to_string()).collect();
            Journey::from_flags(None, biller, bank, &exempt, production)
        };
        assert!(j(None, None, &[], false).is_ok());
        assert!(j(None, None, &[], true).is_err(), "production needs its own biller id");
        assert!(j(Some("0994000165501"), None, &[], false).is_err(), "13 digits");
        assert!(j(None, Some("ftp://bank"), &[], false).is_err());
        assert!(j(None, Some("http://user@bank"), &[], false).is_err());
        assert!(j(None, None, &["nope"], false).is_err());
        let exempt = j(None, Some("http://127.0.0.1:9/"), &[Category::ALL[0].as_str()], false).expect("ok");
        assert!(!exempt.identity.requires(Category::ALL[0]));
        assert_eq!(exempt.bank_url.as_deref(), Some("http://127.0.0.1:9"));
    }
}
