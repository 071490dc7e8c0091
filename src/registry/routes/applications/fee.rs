//! The fee of an application: what it is, and its Thai QR Payment bill
//! (`GET /v1/applications/{id}/fee.png` · `.svg`), for the employer, the
//! service centre and the tracking page. The QR holds the biller id, the
//! application number (Ref1), the employer's juristic id (Ref2) and the amount.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use utoipa::ToSchema;

use dwp_issuer::thaiqr::{BillPayment, Reference, format_amount};
use dwp_verifier::time::UnixTime;

use super::{ApplicationId, READERS, lookup_id, not_found, visible};
use crate::registry::api::{self, problems};
use crate::registry::auth::Caller;
use crate::registry::db::{self, applications::ApplicationRow};
use crate::registry::journey::Journey;
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;

/// An application's fee.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeeView {
    /// The amount in baht, two decimals (as the QR holds it).
    #[schema(example = "3100.00")]
    pub amount: String,
    /// Always `THB`.
    pub currency: &'static str,
    /// The last instant it may be paid (7 days after it was issued).
    pub due_at: String,
    /// When the bank received its payment; `null` while unpaid.
    #[schema(required = true)]
    pub paid_at: Option<String>,
    /// The Thai QR Payment string (EMVCo bill payment) while it may be paid; else `null`.
    #[schema(required = true)]
    pub qr: Option<String>,
}

/// The fee's QR string of an application whose fee is issued.
///
/// # Errors
/// An internal error when a stored field cannot be a reference (a row no registry wrote).
pub fn bill(journey: &Journey, row: &ApplicationRow) -> Result<Option<BillPayment>, ApiError> {
    let (Some(amount), Some(employer)) = (row.fee_satang, row.employer_id.as_deref()) else { return Ok(None) };
    let reference = |s: &str| Reference::parse(s).map_err(|e| ApiError::internal(format!("a fee reference: {e}")));
    let amount = u64::try_from(amount).map_err(ApiError::internal)?;
    BillPayment::new(journey.biller.clone(), reference(&row.id)?, reference(employer)?, amount)
        .map(Some)
        .map_err(|e| ApiError::internal(format!("the fee QR: {e}")))
}

/// The fee of `row`, once issued; its QR only while it may be paid (`now` is before its deadline).
///
/// # Errors
/// As [`bill`].
pub fn fee_view(journey: &Journey, row: &ApplicationRow, now: i64) -> Result<Option<FeeView>, ApiError> {
    let (Some(amount), Some(due)) = (row.fee_satang, row.fee_due_at) else { return Ok(None) };
    let payable = row.state == "fee_pending" && now <= due;
    let qr = if payable { bill(journey, row)?.map(|b| b.encode()) } else { None };
    Ok(Some(FeeView {
        amount: format_amount(u64::try_from(amount).map_err(ApiError::internal)?),
        currency: "THB",
        due_at: UnixTime(due).to_string(),
        paid_at: row.fee_paid_at.map(|t| UnixTime(t).to_string()),
        qr,
    }))
}

problems!(
    /// What the fee QR refuses.
    FeeProblems: api::READ, api::AUTH, &[(404, &[Code::NotFound]), (409, &[Code::FeeAlreadyPaid, Code::FeeOverdue])],
);

/// The fee's bill, for a caller who may see the application, while it may be paid.
async fn payable_bill(state: &AppState, caller: &Caller, id: &str) -> Result<BillPayment, ApiError> {
    caller.require(READERS)?;
    let id = lookup_id(id).ok_or_else(not_found)?;
    let row = db::applications::by_id(&state.db, id).await?.filter(|r| visible(caller, r)).ok_or_else(not_found)?;
    if row.state != "fee_pending" {
        return Err(ApiError::new(StatusCode::CONFLICT, Code::FeeAlreadyPaid)
            .detail(format!("the application is {}: there is no fee to pay now", row.state)));
    }
    if row.fee_due_at.is_some_and(|due| state.clock.now().0 > due) {
        return Err(ApiError::new(StatusCode::CONFLICT, Code::FeeOverdue)
            .detail("the fee's deadline has passed: a payment now would not count"));
    }
    bill(&state.journey, &row)?.ok_or_else(not_found)
}

/// `GET /v1/applications/{id}/fee.png`: the fee's QR as a PNG image.
#[utoipa::path(
    get,
    path = "/v1/applications/{id}/fee.png",
    operation_id = "getApplicationFeePng",
    summary = "The fee's Thai QR Payment code, PNG (while the fee may be paid)",
    params(ApplicationId),
    responses((status = 200, description = "The QR code", content_type = "image/png", body = inline(api::Png)), FeeProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(READERS)))),
)]
pub async fn png(
    State(state): State<AppState>,
    caller: Caller,
    Path(ApplicationId { id }): Path<ApplicationId>,
) -> Result<Response, ApiError> {
    let bill = payable_bill(&state, &caller, &id).await?;
    let qr = dwp_issuer::qr::Qr::payment(&bill.encode()).map_err(ApiError::internal)?;
    let png = qr.png(8).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "private, no-store")], png).into_response())
}

/// `GET /v1/applications/{id}/fee.svg`: the fee's QR as an SVG image.
#[utoipa::path(
    get,
    path = "/v1/applications/{id}/fee.svg",
    operation_id = "getApplicationFeeSvg",
    summary = "The fee's Thai QR Payment code, SVG (while the fee may be paid)",
    params(ApplicationId),
    responses((status = 200, description = "The QR code", content_type = "image/svg+xml", body = inline(api::Svg)), FeeProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(READERS)))),
)]
pub async fn svg(
    State(state): State<AppState>,
    caller: Caller,
    Path(ApplicationId { id }): Path<ApplicationId>,
) -> Result<Response, ApiError> {
    let bill = payable_bill(&state, &caller, &id).await?;
    let qr = dwp_issuer::qr::Qr::payment(&bill.encode()).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, no-store")], qr.svg())
        .into_response())
}
