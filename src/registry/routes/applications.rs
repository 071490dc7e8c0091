//! Applications taken at service centres. An officer submits the permit data
//! and follows the application's progress, but never reads it back: the answer
//! holds the state only. The registrar alone approves (which issues the
//! permit) or rejects.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_verifier::permit::{Permit, PermitInput};
use dwp_verifier::time::UnixTime;

use super::permits::issue::{IssuedPermit, insert_permit};
use super::permits::{check_reason, permit_error};
use super::write::{mutate, to_json};
use crate::registry::access::{self, Read};
use crate::registry::api::{self, problems};
use crate::registry::auth::{Caller, Role, random_id};
use crate::registry::body::{JsonBody, parse_json};
use crate::registry::db;
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// Who submits applications and follows them.
const DESKS: &[Role] = &[Role::Officer, Role::Registrar];
/// Who decides applications.
const REGISTRAR: &[Role] = &[Role::Registrar];

/// The routes of `/v1/applications`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(submit)).routes(routes!(get)).routes(routes!(approve)).routes(routes!(reject))
}

/// An application just submitted: its state only, never its data.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
    /// The application's id (`ap_…`).
    pub id: String,
    /// Always `submitted`.
    #[schema(example = "submitted")]
    pub state: &'static str,
    /// When.
    pub submitted_at: String,
}

problems!(
    /// What `POST /v1/applications` refuses.
    SubmitProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(422, &[Code::InvalidPermit])],
);

/// `POST /v1/applications` (officer, registrar).
#[utoipa::path(
    post,
    path = "/v1/applications",
    operation_id = "submitApplication",
    summary = "Submit an application",
    request_body = PermitInput,
    params(api::Idempotency),
    responses((status = 201, description = "Submitted; the answer holds no personal data", body = Submitted), SubmitProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(DESKS)))),
)]
pub async fn submit(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonBody<PermitInput>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    caller.require(DESKS)?;
    let body = body?;
    Permit::from_input(&body.value).map_err(permit_error)?;
    let input_json = serde_json::to_string(&body.value).map_err(ApiError::internal)?;
    let c = caller.clone();
    mutate(
        &state,
        &caller,
        &headers,
        "POST /v1/applications",
        &body.raw,
        job(move |w| {
            Box::pin(async move {
                let id = random_id("ap_").map_err(ApiError::internal)?;
                db::applications::insert(w, &id, &c.id, &input_json).await?;
                w.audit(&c.id, "application.submit", Some(&id), json!({})).await?;
                super::events::status_changed(w, &id, None, "submitted").await?;
                let answer = Submitted { id, state: "submitted", submitted_at: UnixTime(w.now).to_string() };
                Ok((StatusCode::CREATED, to_json(&answer)?))
            })
        }),
    )
    .await
}

/// An application as its readers see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationView {
    /// The application's id.
    pub id: String,
    /// `submitted`, `approved` or `rejected`.
    pub state: String,
    /// When it was submitted.
    pub submitted_at: String,
    /// When it was decided.
    #[schema(required = true)]
    pub decided_at: Option<String>,
    /// The permit its approval issued.
    #[schema(required = true)]
    pub permit_id: Option<String>,
    /// Why it was decided, as a code of a fixed list.
    #[schema(required = true)]
    pub reason_code: Option<ReasonCodeView>,
    /// The registrar only: the registrar's own words (`null` when none were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub reason: Option<Option<String>>,
    /// The registrar only: the permit data submitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = PermitInput, nullable = false)]
    pub permit: Option<Value>,
}

/// A reason code with its titles.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReasonCodeView {
    /// One of the reason codes (`other` for a code no longer listed).
    pub code: &'static str,
    /// In English.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub title: Option<&'static str>,
    /// In Thai.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub title_th: Option<&'static str>,
}

problems!(
    /// What `GET /v1/applications/{id}` refuses.
    GetProblems: api::READ, api::AUTH, api::WRITE, api::PURPOSE, &[(404, &[Code::NotFound])],
);

/// `GET /v1/applications/{id}`: officers see the state and the reason code
/// only; the registrar also sees the data and the reason in full, for a stated
/// purpose, and the read is recorded.
#[utoipa::path(
    get,
    path = "/v1/applications/{id}",
    operation_id = "getApplication",
    summary = "An application's state (officers never see its data)",
    params(ApplicationId, ("DWP-Purpose" = Option<String>, Header, description = "The registrar's purpose \
        (`application-review`, `issuance` or `worker-request`): required for the registrar, who reads the data")),
    responses((status = 200, description = "The application", body = ApplicationView), GetProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(DESKS)))),
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(ApplicationId { id }): Path<ApplicationId>,
) -> Result<Json<ApplicationView>, ApiError> {
    caller.require(DESKS)?;
    // Only the registrar reads the data, and says why; officers read the state.
    let purpose = (caller.role == Role::Registrar).then(|| access::stated(&headers, &caller)).transpose()?;
    let row = db::applications::by_id(&state.db, &id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, Code::NotFound))?;
    let mut v = ApplicationView {
        id: row.id,
        state: row.state,
        submitted_at: UnixTime(row.submitted_at).to_string(),
        decided_at: row.decided_at.map(|d| UnixTime(d).to_string()),
        permit_id: row.permit_id,
        reason_code: row.reason_code.as_deref().map(reason_code_view),
        reason: None,
        permit: None,
    };
    if let Some(purpose) = purpose {
        v.reason = Some(row.reason);
        v.permit = Some(serde_json::from_str(&row.input_json).map_err(ApiError::internal)?);
        access::record(&state, &caller, Read::Application, &v.id, purpose).await?;
    }
    Ok(Json(v))
}

/// Why an application was decided, as officers may read it: a code from a
/// fixed list, never the registrar's own words (which may quote a worker's data).
pub const REASON_CODES: &[(&str, &str, &str)] = &[
    ("approved", "Approved", "อนุมัติ"),
    ("documents_incomplete", "Documents incomplete", "เอกสารไม่ครบถ้วน"),
    ("identity_not_verified", "Identity not verified", "ยังไม่ได้ยืนยันตัวตน"),
    ("not_eligible", "The worker is not eligible", "ผู้ขอไม่มีคุณสมบัติตามที่กำหนด"),
    ("employer_not_eligible", "The employer is not eligible", "นายจ้างไม่มีคุณสมบัติตามที่กำหนด"),
    ("duplicate_application", "A duplicate application", "เป็นคำขอซ้ำ"),
    ("other", "Other; ask the registrar's office", "อื่น ๆ โปรดสอบถามสำนักงานนายทะเบียน"),
];

/// The body of a decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The registrar's own words (the registrar and the audit log read them).
    #[serde(default)]
    reason: Option<String>,
    /// The reason as a code of [`REASON_CODES`] (what officers read); default `approved` or `other`.
    #[serde(default, rename = "reasonCode")]
    reason_code: Option<String>,
}

fn reason_code_view(code: &str) -> ReasonCodeView {
    match REASON_CODES.iter().find(|(c, _, _)| *c == code) {
        Some((c, en, th)) => ReasonCodeView { code: c, title: Some(en), title_th: Some(th) },
        None => ReasonCodeView { code: "other", title: None, title_th: None },
    }
}

/// What a decision did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Decided {
    /// The application's id.
    pub id: String,
    /// `approved` or `rejected`.
    pub state: &'static str,
    /// The permit an approval issued.
    #[schema(required = true)]
    pub permit_id: Option<String>,
    /// Approval: the permit issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub permit: Option<IssuedPermit>,
}

/// The `{id}` of an application's path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ApplicationId {
    /// The application's id (`ap_…`).
    pub id: String,
}

problems!(
    /// What `POST /v1/applications/{id}/approve` refuses.
    ApproveProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(404, &[Code::NotFound]), (409, &[Code::ApplicationDecided, Code::PermitNumberInUse]), (422, &[Code::InvalidPermit])],
);

/// `POST /v1/applications/{id}/approve` (registrar): issues the permit.
#[utoipa::path(
    post,
    path = "/v1/applications/{id}/approve",
    operation_id = "approveApplication",
    summary = "Approve: issues the permit",
    params(ApplicationId, api::Idempotency),
    request_body(content = Decision, description = "Optional: the registrar's words; `reasonCode` is `approved`"),
    responses((status = 201, description = "Approved: `permit` is the permit issued", body = Decided), ApproveProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(REGISTRAR)))),
)]
pub async fn approve(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(ApplicationId { id }): Path<ApplicationId>,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    decide(state, caller, id, Outcome::Approve, headers, body).await
}

problems!(
    /// What `POST /v1/applications/{id}/reject` refuses.
    RejectProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(404, &[Code::NotFound]), (409, &[Code::ApplicationDecided])],
);

/// `POST /v1/applications/{id}/reject` (registrar).
#[utoipa::path(
    post,
    path = "/v1/applications/{id}/reject",
    operation_id = "rejectApplication",
    summary = "Reject",
    params(ApplicationId, api::Idempotency),
    request_body(
        content = Decision,
        description = "Optional: the registrar's words, and a `reasonCode` other than `approved` (default `other`)",
    ),
    responses((status = 200, description = "Rejected", body = Decided), RejectProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(REGISTRAR)))),
)]
pub async fn reject(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(ApplicationId { id }): Path<ApplicationId>,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    decide(state, caller, id, Outcome::Reject, headers, body).await
}

/// What the registrar decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Issue the permit.
    Approve,
    /// Refuse the application.
    Reject,
}

impl Outcome {
    /// The path segment and audit verb.
    fn verb(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }

    /// The reason code recorded: the one given if it fits the outcome (only an
    /// approval is `approved`), else `approved` / `other` by default.
    ///
    /// # Errors
    /// The codes that fit, when the one given does not.
    fn reason_code(self, given: Option<&str>) -> Result<&'static str, Vec<&'static str>> {
        let fits = |c: &str| (c == "approved") == (self == Self::Approve);
        match given {
            None if self == Self::Approve => Ok("approved"),
            None => Ok("other"),
            Some(g) => REASON_CODES
                .iter()
                .map(|(c, _, _)| *c)
                .find(|c| *c == g && fits(c))
                .ok_or_else(|| REASON_CODES.iter().map(|(c, _, _)| *c).filter(|c| fits(c)).collect()),
        }
    }
}

/// `POST /v1/applications/{id}/approve` · `/reject` (registrar): the decision's rules, then the write.
async fn decide(
    state: AppState,
    caller: Result<Caller, ApiError>,
    id: String,
    outcome: Outcome,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    let verb = outcome.verb();
    caller.require(REGISTRAR)?;
    let body = body?;
    let d: Decision = parse_json(&body.raw)?;
    if let Some(r) = &d.reason {
        check_reason(r)?;
    }
    let reason_code = outcome.reason_code(d.reason_code.as_deref()).map_err(|codes| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField)
            .field("reasonCode")
            .detail(format!("reasonCode is one of {}", codes.join(", ")))
    })?;
    let st = state.clone();
    let c = caller.clone();
    let route = format!("POST /v1/applications/{id}/{verb}");
    mutate(
        &state,
        &caller,
        &headers,
        &route,
        &body.raw,
        job(move |w| {
            Box::pin(async move {
                let (app_state, input_json) = db::applications::state_in(w, &id)
                    .await?
                    .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, Code::NotFound))?;
                if app_state != "submitted" {
                    return Err(ApiError::new(StatusCode::CONFLICT, Code::ApplicationDecided)
                        .detail(format!("it is {app_state}")));
                }
                let (next, permit) = if outcome == Outcome::Approve {
                    let input: PermitInput = serde_json::from_str(&input_json).map_err(ApiError::internal)?;
                    let permit = Permit::from_input(&input).map_err(permit_error)?;
                    ("approved", Some(insert_permit(&st, w, &c, permit, d.reason.as_deref(), None).await?))
                } else {
                    ("rejected", None)
                };
                let permit_id = permit.as_ref().map(|p| p.id.clone());
                let decision = db::applications::Decision {
                    id: &id,
                    state: next,
                    permit_id: permit_id.clone(),
                    reason: d.reason.clone(),
                    reason_code,
                };
                db::applications::decide(w, decision).await?;
                super::events::status_changed(w, &id, Some(&app_state), next).await?;
                w.audit(
                    &c.id,
                    &format!("application.{verb}"),
                    Some(&id),
                    json!({ "reasonDigest": w.reason_digest(d.reason.as_deref())?, "reasonCode": reason_code, "permit": permit_id }),
                )
                .await?;
                let answer = Decided { id, state: next, permit_id, permit };
                let status = if outcome == Outcome::Approve { StatusCode::CREATED } else { StatusCode::OK };
                Ok((status, to_json(&answer)?))
            })
        }),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_code_fits_its_outcome() {
        assert_eq!(Outcome::Approve.reason_code(None), Ok("approved"));
        assert_eq!(Outcome::Reject.reason_code(None), Ok("other"));
        assert_eq!(Outcome::Reject.reason_code(Some("identity_not_verified")), Ok("identity_not_verified"));
        let refused = Outcome::Reject.reason_code(Some("approved")).expect_err("a rejection is not approved");
        assert!(!refused.contains(&"approved") && refused.contains(&"other"), "{refused:?}");
        assert_eq!(Outcome::Approve.reason_code(Some("other")), Err(vec!["approved"]));
        assert!(Outcome::Reject.reason_code(Some("no_such_code")).is_err());
    }
}
