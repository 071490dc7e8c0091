//! Fee payments. The bank's callback (`POST /v1/payments/bank-callback`) is a
//! trigger only: the registry asks the bank's API about the transaction and
//! acts on the bank's answer, once per transaction id. A confirmed payment of
//! the right amount, for an application whose fee is due, pays it; any other
//! (an unknown reference, a wrong amount, a second payment, a late one, one
//! the bank does not confirm) waits in the reconciliation queue
//! (`GET /v1/payments/queue`), never accepted or dropped silently.
//! `POST /v1/payments/reconcile` reads a day's payments from the bank and
//! settles those whose callback never came.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_issuer::application::{Action, Actor};
use dwp_verifier::time::{Date, UnixTime};

use super::applications::steps::{Taken, apply_to};
use crate::registry::api::{self, problems};
use crate::registry::auth::{Caller, Role};
use crate::registry::bank::{self, BankError, BankTransaction, Checked};
use crate::registry::body::{JsonBody, parse_json};
use crate::registry::db::{self, WriteTx, payments::Payment};
use crate::registry::journey::{Journey, is_application_number};
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;
use crate::registry::writer::{self, job};

/// Why a payment waits in the reconciliation queue (every outcome but `applied`).
pub const QUEUE_OUTCOMES: [&str; 7] =
    ["unknown_reference", "wrong_amount", "already_paid", "late", "not_payable", "inquiry_denied", "inquiry_mismatch"];

/// Who reads the queue.
const QUEUE_READERS: &[Role] = &[Role::Admin, Role::Registrar, Role::Auditor];
/// Who reconciles a day.
const RECONCILERS: &[Role] = &[Role::Admin, Role::Registrar];

/// The routes of `/v1/payments`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(callback)).routes(routes!(queue)).routes(routes!(reconcile))
}

/// What became of a payment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The bank's transaction id.
    pub transaction_id: String,
    /// `applied` (the fee is paid), or why it waits in the queue: `unknown_reference`,
    /// `wrong_amount`, `already_paid`, `late`, `not_payable`, `inquiry_denied`, `inquiry_mismatch`.
    pub outcome: String,
    /// Whether the registry had already recorded it (a repeated callback changes nothing).
    pub already_recorded: bool,
}

fn unavailable(e: BankError) -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Code::BankUnavailable).detail(e.to_string())
}

/// Records a payment the bank confirmed (or did not), once per transaction id, in the write `w`;
/// pays the application's fee when everything agrees.
async fn record(
    w: &mut WriteTx,
    journey: &Journey,
    c: &Checked,
    outcome_if_any: Option<&'static str>,
    via: &str,
) -> Result<Outcome, ApiError> {
    if let Some(p) = db::payments::by_id_in(w, &c.id).await? {
        return Ok(Outcome { transaction_id: c.id.clone(), outcome: p.outcome, already_recorded: true });
    }
    let app = match is_application_number(&c.reference1) {
        true => db::applications::in_write(w, &c.reference1).await?,
        false => None,
    };
    let mut application_id = app.as_ref().map(|a| a.id.clone());
    let outcome = match (outcome_if_any, app) {
        (Some(o), _) => o,
        (None, None) => "unknown_reference",
        (None, Some(a)) if c.biller != journey.biller || a.employer_id.as_deref() != Some(c.reference2.as_str()) => {
            "unknown_reference"
        }
        (None, Some(a)) if a.fee_satang != Some(c.amount_satang) => "wrong_amount",
        (None, Some(a)) if db::payments::applied_to(w, &a.id).await? || a.fee_paid_at.is_some() => "already_paid",
        (None, Some(a)) => {
            let id = a.id.clone();
            let detail = json!({ "transactionId": c.id, "paidAt": c.paid_at.to_string(), "payerBank": c.payer_bank });
            let taken = Taken {
                id: &id,
                action: Action::ConfirmFee { paid_at: c.paid_at },
                actor: Actor::System,
                by: "bank",
                detail,
                words: None,
            };
            match apply_to(w, journey, a, taken).await {
                Ok(_) => {
                    db::applications::set_paid(w, &id, c.paid_at.0).await?;
                    "applied"
                }
                Err(e) if e.code() == Code::PaidAfterDeadline => "late",
                Err(e) if e.status().is_client_error() => "not_payable",
                Err(e) => return Err(e),
            }
        }
    };
    if outcome == "unknown_reference" {
        application_id = None;
    }
    let payment = Payment {
        transaction_id: c.id.clone(),
        reference1: c.reference1.clone(),
        reference2: c.reference2.clone(),
        amount_satang: c.amount_satang,
        paid_at: c.paid_at.0,
        payer_bank: c.payer_bank.clone(),
        outcome: outcome.to_string(),
        application_id: application_id.clone(),
        received_at: w.now,
        via: via.to_string(),
        settled_at: None,
    };
    db::payments::insert(w, &payment).await?;
    let action = if outcome == "applied" { "payment.applied" } else { "payment.queued" };
    let detail = json!({ "transactionId": c.id, "outcome": outcome, "amountSatang": c.amount_satang, "via": via });
    w.audit("bank", action, application_id.as_deref(), detail).await?;
    Ok(Outcome { transaction_id: c.id.clone(), outcome: outcome.to_string(), already_recorded: false })
}

/// Asks the bank about `claimed` and records what it says, through the writer.
async fn confirm_and_record(state: &AppState, claimed: &Checked, via: &'static str) -> Result<Outcome, ApiError> {
    // A bank retrying a callback already recorded is answered without asking the bank again.
    if let Some(outcome) = db::payments::outcome_of(&state.db, &claimed.id).await? {
        return Ok(Outcome { transaction_id: claimed.id.clone(), outcome, already_recorded: true });
    }
    let answer = bank::inquire(state.journey.bank_url.as_deref(), &claimed.id).await.map_err(unavailable)?;
    let (checked, outcome) = match answer {
        // The bank does not know it: recorded as the callback claimed it, for the queue.
        None => (claimed.clone(), Some("inquiry_denied")),
        Some(t) => match t.check() {
            Ok(c) if c == *claimed => (c, None),
            // The bank's record is the truth; a callback that disagrees with it waits for a person.
            Ok(c) => (c, Some("inquiry_mismatch")),
            Err(e) => return Err(unavailable(BankError::Unreachable(format!("the inquiry's answer: {e}")))),
        },
    };
    run(state, checked, outcome, via).await
}

async fn run(
    state: &AppState,
    c: Checked,
    outcome: Option<&'static str>,
    via: &'static str,
) -> Result<Outcome, ApiError> {
    let st = state.clone();
    let work = job(move |w| {
        Box::pin(async move {
            let o = record(w, &st.journey, &c, outcome, via).await?;
            serde_json::to_value(&o).map(|v| (StatusCode::OK, v)).map_err(ApiError::internal)
        })
    });
    let (_, body, _) = writer::submit(&state.writer, "bank", None, String::new(), work).await?;
    let v: serde_json::Value = serde_json::from_str(&body).map_err(ApiError::internal)?;
    Ok(Outcome {
        transaction_id: v["transactionId"].as_str().unwrap_or_default().to_string(),
        outcome: v["outcome"].as_str().unwrap_or_default().to_string(),
        already_recorded: v["alreadyRecorded"].as_bool().unwrap_or(false),
    })
}

problems!(
    /// What the bank's callback refuses.
    CallbackProblems: api::READ, api::JSON_BODY, api::WRITE,
    &[(422, &[Code::InvalidField]), (503, &[Code::BankUnavailable])],
);

/// `POST /v1/payments/bank-callback` (the bank): a bill payment was made. Answered 200 once the
/// registry has recorded what the bank's inquiry says (the bank may stop retrying then); 503
/// when the bank's API cannot be asked (the bank retries).
#[utoipa::path(
    post,
    path = "/v1/payments/bank-callback",
    operation_id = "bankCallback",
    summary = "The bank's payment callback (a trigger: the registry confirms with the bank's API)",
    request_body = BankTransaction,
    responses((status = 200, description = "Recorded: what became of the payment", body = Outcome), CallbackProblems),
)]
pub async fn callback(
    State(state): State<AppState>,
    body: Result<JsonBody<serde_json::Value>, ApiError>,
) -> Result<Response, ApiError> {
    let body = body?;
    let claimed: BankTransaction = parse_json(&body.raw)?;
    let claimed =
        claimed.check().map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField).detail(e))?;
    let outcome = confirm_and_record(&state, &claimed, "callback").await?;
    Ok(Json(outcome).into_response())
}

/// `?all=` of the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// `true`: every payment recorded, applied and settled ones too (at most 1,000).
    pub all: Option<bool>,
}

/// A payment as the queue shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    /// The bank's transaction id.
    pub transaction_id: String,
    /// Ref1 as paid.
    pub reference1: String,
    /// Ref2 as paid.
    pub reference2: String,
    /// Baht, two decimals.
    pub amount: String,
    /// When the bank received it.
    pub paid_at: String,
    /// The payer's bank.
    pub payer_bank: String,
    /// `applied` or why it waits.
    pub outcome: String,
    /// The application it paid or was meant for.
    #[schema(required = true)]
    pub application_id: Option<String>,
    /// `callback` or `reconcile`.
    pub via: String,
    /// When the registry recorded it.
    pub received_at: String,
}

/// The queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentList {
    /// Oldest first.
    pub payments: Vec<PaymentView>,
}

problems!(
    /// What `GET /v1/payments/queue` refuses.
    QueueProblems: api::READ, api::AUTH, &[(400, &[Code::InvalidQuery])],
);

/// `GET /v1/payments/queue` (admin, registrar, auditor): the payments that wait for a person.
#[utoipa::path(
    get,
    path = "/v1/payments/queue",
    operation_id = "listPaymentQueue",
    summary = "The reconciliation queue: payments not applied to a fee, oldest first",
    params(QueueQuery),
    responses((status = 200, description = "The queue", body = PaymentList), QueueProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(QUEUE_READERS)))),
)]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PaymentList>, ApiError> {
    caller.require(QUEUE_READERS)?;
    let Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, Code::InvalidQuery).detail(e.body_text()))?;
    let rows = db::payments::queue(&state.db, q.all.unwrap_or(false), 1000).await?;
    let payments = rows
        .into_iter()
        .map(|p| PaymentView {
            amount: u64::try_from(p.amount_satang).map(dwp_issuer::thaiqr::format_amount).unwrap_or_default(),
            paid_at: UnixTime(p.paid_at).to_string(),
            received_at: UnixTime(p.received_at).to_string(),
            transaction_id: p.transaction_id,
            reference1: p.reference1,
            reference2: p.reference2,
            payer_bank: p.payer_bank,
            outcome: p.outcome,
            application_id: p.application_id,
            via: p.via,
        })
        .collect();
    Ok(Json(PaymentList { payments }))
}

/// The body of a reconciliation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconcileBody {
    /// The day (Bangkok), `YYYY-MM-DD`.
    pub date: String,
}

/// What a reconciliation found.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reconciled {
    /// The day.
    pub date: String,
    /// Payments the bank listed.
    pub listed: usize,
    /// Of those, already recorded (their callback came).
    pub already_recorded: usize,
    /// Newly recorded and applied to a fee.
    pub applied: usize,
    /// Newly recorded into the queue.
    pub queued: usize,
}

problems!(
    /// What `POST /v1/payments/reconcile` refuses.
    ReconcileProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE,
    &[(422, &[Code::InvalidField]), (503, &[Code::BankUnavailable])],
);

/// `POST /v1/payments/reconcile` (admin, registrar): settles a day's payments whose callback
/// never came (a payment at 23:59 found the next morning). Safe to run again.
#[utoipa::path(
    post,
    path = "/v1/payments/reconcile",
    operation_id = "reconcilePayments",
    summary = "Ask the bank for a day's payments and record those not yet recorded",
    request_body = ReconcileBody,
    responses((status = 200, description = "What the day held", body = Reconciled), ReconcileProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(RECONCILERS)))),
)]
pub async fn reconcile(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    body: Result<JsonBody<ReconcileBody>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    caller.require(RECONCILERS)?;
    let body = body?;
    let date = Date::parse(&body.value.date).map_err(|e| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField).field("date").detail(format!("date: {e}"))
    })?;
    let listed = bank::day(state.journey.bank_url.as_deref(), date).await.map_err(unavailable)?;
    let mut r = Reconciled { date: date.to_string(), listed: listed.len(), already_recorded: 0, applied: 0, queued: 0 };
    for t in &listed {
        let c = t.check().map_err(|e| unavailable(BankError::Unreachable(format!("the day's list: {e}"))))?;
        // The day's list is the bank's own answer: no inquiry needed.
        let o = run(&state, c, None, "reconcile").await?;
        match (o.already_recorded, o.outcome.as_str()) {
            (true, _) => r.already_recorded += 1,
            (false, "applied") => r.applied += 1,
            (false, _) => r.queued += 1,
        }
    }
    tracing::info!(date = %r.date, listed = r.listed, applied = r.applied, queued = r.queued, "payments reconciled");
    Ok(Json(r).into_response())
}
