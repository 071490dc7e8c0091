//! `dwp bank-sim`: a small bank for the demonstration and the tests, never in a production path.
//!
//! It pays Thai QR Payment bill-payment QRs ([`dwp_issuer::thaiqr`]) and tells the registry as
//! Thai banks do: a callback per payment, an inquiry by transaction id and the day's list for
//! reconciliation. Test switches on `POST /pay` make it misbehave in the ways the registry must
//! survive (a forged callback, a repeated one, none, a wrong amount). Transactions are kept in
//! memory only; it listens on loopback only.

mod callback;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Result, bail};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use dwp_issuer::thaiqr::{self, BillPayment, ParseError};
use dwp_verifier::time::{Date, UnixTime};

/// Where and how the simulator calls the registry back.
#[derive(Debug, Clone)]
pub struct Config {
    /// The registry's callback URL (`http://…`), called with `POST`.
    pub callback: String,
    /// Sent as `Authorization: Bearer …` on every callback, when set.
    pub callback_token: Option<String>,
}

/// A payment as the simulator records it, and as Thai banks send it in a bill-payment callback: the
/// registry's own reading of the bank's fields (`transactionId` is `BSIM`, the Bangkok date
/// `YYYYMMDD` and a 6-digit sequence number here).
pub use crate::registry::bank::BankTransaction as Transaction;

/// `POST /pay`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PayRequest {
    qr: String,
    payer_bank: String,
    /// Test switch: record nothing but still call back (a forged callback; its inquiry is 404).
    #[serde(default)]
    deny: bool,
    /// Test switch: send the same callback this many times (1 to 10).
    #[serde(default)]
    repeat_callback: Option<u32>,
    /// Test switch: pay without calling back (found only by reconciliation).
    #[serde(default)]
    no_callback: bool,
    /// Test switch: call back with this amount instead of the one paid.
    #[serde(default)]
    amount_override: Option<String>,
}

#[derive(Default)]
struct Ledger {
    /// The last sequence number handed out.
    seq: u64,
    transactions: BTreeMap<String, Transaction>,
}

struct Inner {
    config: Config,
    ledger: Mutex<Ledger>,
}

/// The simulator's state.
#[derive(Clone)]
pub struct Bank(Arc<Inner>);

impl Bank {
    /// A bank with no transactions.
    pub fn new(config: Config) -> Self {
        Bank(Arc::new(Inner { config, ledger: Mutex::default() }))
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.0.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The simulator's routes: `POST /pay`, `GET /transactions/{id}`, `GET /transactions?date=`.
pub fn app(bank: Bank) -> Router {
    Router::new()
        .route("/pay", post(pay))
        .route("/transactions/{id}", get(inquiry))
        .route("/transactions", get(day))
        .with_state(bank)
}

/// A refusal: RFC 9457 problem+json with a stable `code`.
struct Problem {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

impl Problem {
    fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Problem { status, code, detail: detail.into() }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = json!({ "type": "about:blank", "title": title, "status": self.status.as_u16(),
            "code": self.code, "detail": self.detail });
        (self.status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
    }
}

/// The most times one payment's callback may be repeated.
const MAX_REPEAT: u32 = 10;

async fn pay(State(bank): State<Bank>, body: Result<Json<PayRequest>, JsonRejection>) -> Result<Response, Problem> {
    let Json(req) = body.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "invalid_request", e.body_text()))?;
    let unprocessable = |code, detail: String| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail);
    let bill = BillPayment::parse(&req.qr).map_err(|e| match e {
        ParseError::NotBillPayment => unprocessable("not_bill_payment", e.to_string()),
        e => unprocessable("qr_invalid", format!("the QR is refused: {e}")),
    })?;
    if req.payer_bank.len() != 3 || !req.payer_bank.bytes().all(|c| c.is_ascii_digit()) {
        return Err(unprocessable("invalid_payer_bank", "payerBank is a 3-digit bank code (014)".into()));
    }
    let repeat = req.repeat_callback.unwrap_or(1);
    if !(1..=MAX_REPEAT).contains(&repeat) {
        return Err(unprocessable("invalid_repeat", format!("repeatCallback is 1 to {MAX_REPEAT}")));
    }
    if let Some(a) = &req.amount_override {
        thaiqr::parse_amount(a)
            .map_err(|e| unprocessable("invalid_amount_override", format!("amountOverride: {e}")))?;
    }
    let now = bangkok_now();
    let tx = {
        let mut ledger = bank.ledger();
        ledger.seq += 1;
        let tx = Transaction {
            transaction_id: format!("BSIM{}{:06}", now.date().to_string().replace('-', ""), ledger.seq),
            amount: thaiqr::format_amount(bill.amount_satang()),
            transaction_date_time: iso_bangkok(now),
            biller_id: bill.biller_id().to_string(),
            reference1: bill.ref1().to_string(),
            reference2: bill.ref2().to_string(),
            payer_bank: req.payer_bank,
        };
        if !req.deny {
            ledger.transactions.insert(tx.transaction_id.clone(), tx.clone());
        }
        tx
    };
    if !req.no_callback {
        let mut sent = tx.clone();
        if let Some(a) = req.amount_override {
            sent.amount = a;
        }
        callback::spawn(bank.0.config.clone(), sent, repeat);
    }
    Ok(Json(tx).into_response())
}

async fn inquiry(State(bank): State<Bank>, Path(id): Path<String>) -> Result<Json<Transaction>, Problem> {
    let found = bank.ledger().transactions.get(&id).cloned();
    found
        .map(Json)
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "transaction_not_found", "no transaction has this id"))
}

#[derive(Deserialize)]
struct DayQuery {
    date: Option<String>,
}

async fn day(State(bank): State<Bank>, Query(q): Query<DayQuery>) -> Result<Response, Problem> {
    let date = q.date.as_deref().and_then(|d| Date::parse(d).ok()).ok_or_else(|| {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_date", "date is required, as YYYY-MM-DD (Bangkok)")
    })?;
    let day = date.to_string();
    let transactions: Vec<Transaction> =
        bank.ledger().transactions.values().filter(|t| t.transaction_date_time.starts_with(&day)).cloned().collect();
    Ok(Json(json!({ "date": day, "transactions": transactions })).into_response())
}

/// Asia/Bangkok is UTC+7 all year (no daylight saving time).
const BANGKOK_OFFSET_SECS: i64 = 7 * 3600;

/// The wall-clock time in Bangkok, as a `UnixTime` shifted by the offset (so that its date and
/// its digits are Bangkok's).
fn bangkok_now() -> UnixTime {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    UnixTime(i64::try_from(secs).unwrap_or(i64::MAX - BANGKOK_OFFSET_SECS) + BANGKOK_OFFSET_SECS)
}

/// `2026-12-02T09:15:00+07:00` from a Bangkok-shifted time.
fn iso_bangkok(shifted: UnixTime) -> String {
    let utc_form = shifted.to_string();
    format!("{}+07:00", utc_form.trim_end_matches('Z'))
}

/// `dwp bank-sim`: serves on `listen` (loopback only) until SIGTERM or ctrl-c; prints
/// `bank simulator listening on http://ADDR` as its first line.
///
/// # Errors
/// A callback URL that is not `http://`, an address that is not loopback, or one that cannot be bound.
pub fn run(listen: &str, config: Config) -> Result<ExitCode> {
    if !config.callback.starts_with("http://") {
        bail!("--callback {:?}: an http:// URL (the simulator speaks plain HTTP)", config.callback);
    }
    let callback = config.callback.clone();
    crate::registry::serve::serve_tool(
        listen,
        "bank simulator",
        || app(Bank::new(config)),
        |addr| {
            if !addr.ip().is_loopback() {
                bail!("--listen {listen}: the bank simulator listens on loopback only (127.0.0.1 or ::1)");
            }
            eprintln!("bank simulator: callbacks to {callback}");
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bangkok_times_carry_the_offset() {
        let t = UnixTime::parse("2026-12-01T20:30:05Z").expect("time");
        let shifted = UnixTime(t.0 + BANGKOK_OFFSET_SECS);
        assert_eq!(iso_bangkok(shifted), "2026-12-02T03:30:05+07:00");
        assert_eq!(shifted.date().to_string(), "2026-12-02");
    }
}
