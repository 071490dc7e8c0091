//! `POST /v1/applications`: the permit data, validated exactly as `dwp issue`
//! validates it, numbered, and its fee issued in the same write.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use dwp_issuer::application::{Action, Actor, fee_deadline, submit as first_step};
use dwp_issuer::fees::months_covering;
use dwp_verifier::permit::{Permit, PermitInput};
use dwp_verifier::time::UnixTime;

use super::fee::{FeeView, fee_view};
use super::steps::{Taken, apply, refusal};
use super::{APPLICANTS, not_found};
use crate::registry::api::{self, problems};
use crate::registry::auth::{Caller, Role};
use crate::registry::body::JsonBody;
use crate::registry::db;
use crate::registry::db::WriteTx;
use crate::registry::journey::{application_number, buddhist_year};
use crate::registry::problem::{ApiError, Code};
use crate::registry::routes::permits::permit_error;
use crate::registry::routes::write::{mutate, to_json};
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// An application just submitted: its number, state and fee; never its data.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
    /// The application's number (`DWP<Buddhist year><7 digits>`): its id and the fee's Ref1.
    #[schema(example = "DWP25690000123")]
    pub id: String,
    /// `fee_pending`: the fee is issued with the submission.
    #[schema(example = "fee_pending")]
    pub state: &'static str,
    /// When.
    pub submitted_at: String,
    /// The fee to pay.
    pub fee: FeeView,
}

problems!(
    /// What `POST /v1/applications` refuses.
    SubmitProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(422, &[Code::InvalidPermit])],
);

/// The blind index of (number, birth date) the public tracking checks.
pub const TRACK_COLUMN: &str = "applications.track";

/// What the tracking's blind index is computed over.
pub fn track_subject(number: &str, birth_date: &str) -> String {
    format!("{number}\n{birth_date}")
}

/// `POST /v1/applications` (employer for its own workers; officer or registrar for a walk-in).
#[utoipa::path(
    post,
    path = "/v1/applications",
    operation_id = "submitApplication",
    summary = "Submit an application; its fee is issued at once",
    request_body = PermitInput,
    params(api::Idempotency),
    responses((status = 201, description = "Submitted; the answer holds no personal data", body = Submitted), SubmitProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(APPLICANTS)))),
)]
pub async fn submit(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonBody<PermitInput>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    caller.require(APPLICANTS)?;
    let body = body?;
    let input = &body.value;
    if caller.role == Role::Employer && caller.scope.as_deref() != Some(input.employer.juristic_id.as_str()) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Code::Forbidden)
            .detail("an employer submits applications for its own workers (employer.juristicId is its scope)"));
    }
    let permit = Permit::from_input(input).map_err(permit_error)?;
    let months = months_covering(permit.valid_from(), permit.valid_until());
    let fee = state.journey.fees.fee_for(months).map_err(|e| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidPermit)
            .field("validUntil")
            .detail(format!("validUntil: {e}"))
    })?;
    let fee = i64::try_from(fee).map_err(ApiError::internal)?;
    let input_json = serde_json::to_string(input).map_err(ApiError::internal)?;
    let new = NewApplication {
        by: caller.id.clone(),
        role: caller.role.as_str(),
        input_json,
        employer: input.employer.juristic_id.clone(),
        category: input.category.clone(),
        birth_date: input.worker.birth_date.clone(),
        months,
        fee,
    };
    let st = state.clone();
    mutate(
        &state,
        &caller,
        &headers,
        "POST /v1/applications",
        &body.raw,
        job(move |w| {
            Box::pin(async move {
                let answer = create(w, &st, new).await?;
                Ok((StatusCode::CREATED, to_json(&answer)?))
            })
        }),
    )
    .await
}

/// An application to create, its input validated and its fee worked out.
pub struct NewApplication {
    /// The token that submits it.
    pub by: String,
    /// Its role (the audit log's detail).
    pub role: &'static str,
    /// The permit input, as JSON.
    pub input_json: String,
    /// The employer's juristic id.
    pub employer: String,
    /// The permit category.
    pub category: String,
    /// The worker's birth date (the tracking's second factor).
    pub birth_date: String,
    /// The months the permit covers.
    pub months: u32,
    /// The fee, in satang.
    pub fee: i64,
}

/// Creates an application inside a write: numbered, on the record, its fee issued.
///
/// # Errors
/// When the database refuses, or a step is refused (never, for a new application).
pub async fn create(w: &mut WriteTx, st: &AppState, a: NewApplication) -> Result<Submitted, ApiError> {
    let year = buddhist_year(UnixTime(w.now));
    let id = application_number(year, db::applications::next_number(w, year).await?);
    let track_key = w.blind(TRACK_COLUMN, &track_subject(&id, &a.birth_date))?;
    let new = db::applications::New {
        id: &id,
        by: &a.by,
        input_json: &a.input_json,
        employer_id: &a.employer,
        category: &a.category,
        track_key: &track_key,
    };
    db::applications::insert(w, new).await?;
    let submitted = first_step(Actor::Applicant).map_err(refusal)?;
    let detail = json!({ "role": a.role, "months": a.months });
    let step = db::applications::Step {
        application_id: &id,
        action: "submit",
        actor: Actor::Applicant.as_str(),
        by: &a.by,
        state: submitted.as_str(),
        detail: &detail.to_string(),
        words: None,
    };
    db::applications::add_step(w, step).await?;
    crate::registry::routes::events::status_changed(w, &id, None, submitted.as_str()).await?;
    w.audit(&a.by, "application.submit", Some(&id), detail).await?;
    let due = fee_deadline(UnixTime(w.now)).0;
    db::applications::set_fee(w, &id, a.fee, due).await?;
    let taken = Taken {
        id: &id,
        action: Action::IssueFee,
        actor: Actor::System,
        by: "system",
        detail: json!({ "feeSatang": a.fee, "dueAt": UnixTime(due).to_string() }),
        words: None,
    };
    let (_, to) = apply(w, &st.journey, taken).await?;
    let row = db::applications::in_write(w, &id).await?.ok_or_else(not_found)?;
    let fee = fee_view(&st.journey, &row, w.now)?.ok_or_else(|| ApiError::internal("the fee was not stored"))?;
    Ok(Submitted { id, state: to.as_str(), submitted_at: UnixTime(w.now).to_string(), fee })
}
