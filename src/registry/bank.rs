//! The bank, as the registry sees it: a bill payment's fields as Thai banks
//! send them (in the callback, the inquiry and the day's list), checked
//! strictly, and the two questions the registry asks the bank's API: "is this
//! transaction yours?" (`GET <bank>/transactions/<id>`) and "what was paid on
//! this day?" (`GET <bank>/transactions?date=`). A callback is only a
//! trigger: a fee is paid when the bank's own answer says so.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use dwp_issuer::thaiqr::{BillerId, Reference, parse_amount};
use dwp_verifier::time::{Date, UnixTime};

/// The longest one question to the bank may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most transactions a day's list may hold for the registry to read it.
const MAX_DAY: usize = 200_000;

/// A bill payment as the bank sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BankTransaction {
    /// The bank's transaction id (1 to 64 of `A–Z a–z 0–9 - _`).
    pub transaction_id: String,
    /// Baht with two decimals (`3100.00`).
    pub amount: String,
    /// When the bank received it, ISO 8601 in Asia/Bangkok (`2026-12-02T09:15:00+07:00`).
    pub transaction_date_time: String,
    /// The biller id of the QR paid (15 digits).
    pub biller_id: String,
    /// Ref1: the application number.
    pub reference1: String,
    /// Ref2: the employer's juristic id.
    pub reference2: String,
    /// The payer's bank (3 digits).
    pub payer_bank: String,
}

/// A transaction's fields, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The transaction id.
    pub id: String,
    /// In satang.
    pub amount_satang: i64,
    /// When the bank received it.
    pub paid_at: UnixTime,
    /// The biller id.
    pub biller: BillerId,
    /// Ref1.
    pub reference1: String,
    /// Ref2.
    pub reference2: String,
    /// The payer's bank.
    pub payer_bank: String,
}

/// `YYYY-MM-DDTHH:MM:SS+07:00` → the instant.
fn bangkok_time(s: &str) -> Option<UnixTime> {
    let utc_form = format!("{}Z", s.strip_suffix("+07:00")?);
    UnixTime::parse(&utc_form).ok().map(|t| UnixTime(t.0 - 7 * 3600))
}

impl BankTransaction {
    /// Reads every field strictly.
    ///
    /// # Errors
    /// The first field that is not as a bank writes it, by name.
    pub fn check(&self) -> Result<Checked, String> {
        let id_ok = (1..=64).contains(&self.transaction_id.len())
            && self.transaction_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err("transactionId: 1 to 64 of A-Z, a-z, 0-9, - and _".into());
        }
        let amount = parse_amount(&self.amount).map_err(|e| format!("amount: {e}"))?;
        let paid_at = bangkok_time(&self.transaction_date_time)
            .ok_or("transactionDateTime: YYYY-MM-DDTHH:MM:SS+07:00 (Asia/Bangkok)")?;
        let biller = BillerId::parse(&self.biller_id).map_err(|e| format!("billerId: {e}"))?;
        Reference::parse(&self.reference1).map_err(|e| format!("reference1: {e}"))?;
        Reference::parse(&self.reference2).map_err(|e| format!("reference2: {e}"))?;
        if self.payer_bank.len() != 3 || !self.payer_bank.bytes().all(|b| b.is_ascii_digit()) {
            return Err("payerBank: a 3-digit bank code".into());
        }
        Ok(Checked {
            id: self.transaction_id.clone(),
            amount_satang: i64::try_from(amount).map_err(|_| "amount: too large")?,
            paid_at,
            biller,
            reference1: self.reference1.clone(),
            reference2: self.reference2.clone(),
            payer_bank: self.payer_bank.clone(),
        })
    }
}

/// Why the bank could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// No bank API is configured.
    #[error("no bank API is configured (--bank-url)")]
    NotConfigured,
    /// The bank did not answer, or not as its API does.
    #[error("the bank's API: {0}")]
    Unreachable(String),
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(TIMEOUT)).build().into()
}

/// Asks the bank whether `id` is one of its transactions: `None` when it says it is not (404).
///
/// # Errors
/// [`BankError`] when the bank cannot be asked or answers otherwise.
pub async fn inquire(base: Option<&str>, id: &str) -> Result<Option<BankTransaction>, BankError> {
    let base = base.ok_or(BankError::NotConfigured)?;
    // The id was checked (URL-safe characters only).
    let url = format!("{base}/transactions/{id}");
    blocking(move || {
        let mut resp = agent().get(&url).call().map_err(|e| BankError::Unreachable(e.to_string()))?;
        match resp.status().as_u16() {
            200 => resp
                .body_mut()
                .with_config()
                .limit(64 << 10)
                .read_json()
                .map(Some)
                .map_err(|e| BankError::Unreachable(format!("the inquiry's answer is not a transaction: {e}"))),
            404 => Ok(None),
            s => Err(BankError::Unreachable(format!("the inquiry answered HTTP {s}"))),
        }
    })
    .await
}

/// The day's list as the bank answers it.
#[derive(Debug, Deserialize)]
struct Day {
    transactions: Vec<BankTransaction>,
}

/// Asks the bank for the payments received on `date` (Bangkok).
///
/// # Errors
/// [`BankError`] when the bank cannot be asked or answers otherwise.
pub async fn day(base: Option<&str>, date: Date) -> Result<Vec<BankTransaction>, BankError> {
    let base = base.ok_or(BankError::NotConfigured)?;
    let url = format!("{base}/transactions?date={date}");
    blocking(move || {
        let mut resp = agent().get(&url).call().map_err(|e| BankError::Unreachable(e.to_string()))?;
        match resp.status().as_u16() {
            200 => {
                let day: Day = resp.body_mut().with_config().limit(64 << 20).read_json().map_err(|e| {
                    BankError::Unreachable(format!("the day's list is not a list of transactions: {e}"))
                })?;
                if day.transactions.len() > MAX_DAY {
                    return Err(BankError::Unreachable(format!("the day's list holds more than {MAX_DAY} payments")));
                }
                Ok(day.transactions)
            }
            s => Err(BankError::Unreachable(format!("the day's list answered HTTP {s}"))),
        }
    })
    .await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BankError> + Send + 'static,
) -> Result<T, BankError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| BankError::Unreachable(format!("the inquiry's task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx() -> BankTransaction {
        BankTransaction {
            transaction_id: "BSIM20261202000001".into(),
            amount: "3100.00".into(),
            transaction_date_time: "2026-12-02T09:15:00+07:00".into(),
            biller_id: "099400000000000".into(),
            reference1: "DWP25690000001".into(),
            reference2: "0105551234567".into(),
            payer_bank: "014".into(),
        }
    }

    #[test]
    fn a_transaction_is_read_strictly() {
        let c = tx().check().expect("well formed");
        assert_eq!(c.amount_satang, 310_000);
        assert_eq!(c.paid_at.to_string(), "2026-12-02T02:15:00Z");
        let bad = |f: fn(&mut BankTransaction), field: &str| {
            let mut t = tx();
            f(&mut t);
            let e = t.check().expect_err("refused");
            assert!(e.starts_with(field), "{field}: {e}");
        };
        bad(|t| t.transaction_id = "../x".into(), "transactionId");
        bad(|t| t.transaction_id = String::new(), "transactionId");
        bad(|t| t.amount = "3100".into(), "amount");
        bad(|t| t.amount = "-1.00".into(), "amount");
        bad(|t| t.transaction_date_time = "2026-12-02T09:15:00Z".into(), "transactionDateTime");
        bad(|t| t.biller_id = "0994".into(), "billerId");
        bad(|t| t.reference1 = "dwp1".into(), "reference1");
        bad(|t| t.reference2 = String::new(), "reference2");
        bad(|t| t.payer_bank = "14".into(), "payerBank");
    }
}
