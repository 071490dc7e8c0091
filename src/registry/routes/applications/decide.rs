//! The registrar's decision: approval issues the permit (the issuance path of
//! `POST /v1/permits`) and closes the application as `issued`; rejection needs
//! a reason. A paid application whose identity is verified (or whose category
//! needs no check) is taken into review by the decision itself, as its own
//! step of the timeline.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use dwp_issuer::application::{Action, Actor, ApplicationState, RejectionReason};
use dwp_verifier::permit::{Permit, PermitInput};

use super::steps::{Taken, apply, apply_to};
use super::{ApplicationId, REGISTRAR, lookup_id, not_found, stored_state};
use crate::registry::api::{self, problems};
use crate::registry::auth::Caller;
use crate::registry::body::{JsonBody, parse_json};
use crate::registry::db;
use crate::registry::problem::{ApiError, Code};
use crate::registry::routes::permits::issue::{IssuedPermit, insert_permit};
use crate::registry::routes::permits::{check_reason, permit_error};
use crate::registry::routes::write::{mutate, to_json};
use crate::registry::state::AppState;
use crate::registry::writer::job;

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

pub fn reason_code_view(code: &str) -> ReasonCodeView {
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
    /// `issued` or `rejected`.
    pub state: &'static str,
    /// The permit an approval issued.
    #[schema(required = true)]
    pub permit_id: Option<String>,
    /// Approval: the permit issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub permit: Option<IssuedPermit>,
    /// Approval: the wallet offer of the permit (OpenID4VCI), its `txCode` shown this once; `null`
    /// when it could not be made, absent from a replayed answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::registry::routes::oid4vci::offer::OfferMade>)]
    pub offer: Option<Value>,
}

problems!(
    /// What `POST /v1/applications/{id}/approve` refuses.
    ApproveProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(404, &[Code::NotFound]), (409, &[Code::ApplicationClosed, Code::FeeNotPaid, Code::IdentityNotVerified,
        Code::AwaitingInfo, Code::AlreadyApproved, Code::PermitNumberInUse]), (422, &[Code::InvalidPermit, Code::InvalidField])],
);

/// `POST /v1/applications/{id}/approve` (registrar): issues the permit.
#[utoipa::path(
    post,
    path = "/v1/applications/{id}/approve",
    operation_id = "approveApplication",
    summary = "Approve: issues the permit",
    params(ApplicationId, api::Idempotency),
    request_body(content = Decision, description = "Optional: the registrar's words; `reasonCode` is `approved`"),
    responses((status = 201, description = "Approved and issued: `permit` is the permit", body = Decided), ApproveProblems),
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
    let registrar = caller.as_ref().ok().map(|c| c.id.clone());
    let resp = decide(state.clone(), caller, id, Outcome::Approve, headers, body).await?;
    let replayed = resp.headers().contains_key("idempotent-replayed");
    match registrar {
        Some(by) if resp.status() == StatusCode::CREATED && !replayed => with_offer(&state, &by, resp).await,
        _ => Ok(resp),
    }
}

/// Adds the wallet offer of the permit an approval issued to its answer. The offer is a write of
/// its own, after the approval's, and its one-time codes are in this answer only: a replay of the
/// approval (the same `Idempotency-Key`) answers without them, and an offer that cannot be made
/// leaves `offer` null (`POST /v1/permits/{id}/offer` makes one).
async fn with_offer(state: &AppState, by: &str, resp: Response) -> Result<Response, ApiError> {
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.map_err(ApiError::internal)?;
    let mut answer: Value = serde_json::from_slice(&bytes).map_err(ApiError::internal)?;
    let Some(permit) = answer["permitId"].as_str().map(str::to_string) else {
        return Ok(Response::from_parts(parts, axum::body::Body::from(bytes)));
    };
    let (issuer, by_token) = (state.public_url.clone(), by.to_string());
    let work = job(move |w| {
        Box::pin(async move {
            let made = crate::registry::routes::oid4vci::offer::make(w, &issuer, &by_token, &permit).await?;
            Ok((StatusCode::CREATED, to_json(&made)?))
        })
    });
    answer["offer"] = match crate::registry::writer::submit(&state.writer, by, None, String::new(), work).await {
        Ok((_, made, _)) => serde_json::from_str(&made).map_err(ApiError::internal)?,
        Err(e) => {
            tracing::warn!(code = %e.code(), "the wallet offer of an approved application could not be made");
            Value::Null
        }
    };
    let body = serde_json::to_vec(&answer).map_err(ApiError::internal)?;
    let mut parts = parts;
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, axum::body::Body::from(body)))
}

problems!(
    /// What `POST /v1/applications/{id}/reject` refuses.
    RejectProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(404, &[Code::NotFound]), (409, &[Code::ApplicationClosed, Code::FeeNotPaid, Code::IdentityNotVerified,
        Code::AlreadyApproved]), (422, &[Code::InvalidField])],
);

/// `POST /v1/applications/{id}/reject` (registrar): the reason is required.
#[utoipa::path(
    post,
    path = "/v1/applications/{id}/reject",
    operation_id = "rejectApplication",
    summary = "Reject, with a reason",
    params(ApplicationId, api::Idempotency),
    request_body(
        content = Decision,
        description = "The registrar's words (required), and a `reasonCode` other than `approved` (default `other`)",
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
    let invalid = |field: &'static str, detail: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField).field(field).detail(detail)
    };
    let reason_code = outcome
        .reason_code(d.reason_code.as_deref())
        .map_err(|codes| invalid("reasonCode", format!("reasonCode is one of {}", codes.join(", "))))?;
    let action = match outcome {
        Outcome::Approve => Action::Approve,
        Outcome::Reject => {
            let words = d.reason.as_deref().ok_or_else(|| invalid("reason", "reason: a rejection says why".into()))?;
            Action::Reject(RejectionReason::parse(words).map_err(|e| invalid("reason", format!("reason: {e}")))?)
        }
    };
    let (st, c) = (state.clone(), caller.clone());
    let route = format!("POST /v1/applications/{id}/{verb}");
    mutate(
        &state,
        &caller,
        &headers,
        &route,
        &body.raw,
        job(move |w| {
            Box::pin(async move {
                let id = lookup_id(&id).ok_or_else(not_found)?;
                let row = db::applications::in_write(w, id).await?.ok_or_else(not_found)?;
                let from = stored_state(&row)?;
                // A paid application not yet in review is taken into review by the decision.
                let row = if matches!(from, ApplicationState::FeePaid | ApplicationState::IdentityVerified) {
                    let taken = Taken {
                        id,
                        action: Action::StartReview,
                        actor: Actor::Registrar,
                        by: &c.id,
                        detail: json!({}),
                        words: None,
                    };
                    apply_to(w, &st.journey, row, taken).await?;
                    db::applications::in_write(w, id).await?.ok_or_else(not_found)?
                } else {
                    row
                };
                let input_json = row.input_in(w).await?;
                let words = d.reason.as_deref();
                let detail = json!({ "reasonCode": reason_code });
                let taken = Taken { id, action, actor: Actor::Registrar, by: &c.id, detail, words };
                let (_, decided) = apply_to(w, &st.journey, row, taken).await?;
                let permit = if outcome == Outcome::Approve {
                    let input: PermitInput = serde_json::from_str(&input_json).map_err(ApiError::internal)?;
                    let permit = Permit::from_input(&input).map_err(permit_error)?;
                    Some(insert_permit(&st, w, &c, permit, words, None).await?)
                } else {
                    None
                };
                let permit_id = permit.as_ref().map(|p| p.id.clone());
                let decision = db::applications::Decision {
                    id,
                    permit_id: permit_id.clone(),
                    reason: d.reason.clone(),
                    reason_code,
                };
                db::applications::decide(w, decision).await?;
                let state = match &permit_id {
                    Some(p) => {
                        let taken = Taken {
                            id,
                            action: Action::MarkIssued,
                            actor: Actor::System,
                            by: "system",
                            detail: json!({ "permit": p }),
                            words: None,
                        };
                        apply(w, &st.journey, taken).await?.1
                    }
                    None => decided,
                };
                let answer = Decided { id: id.to_string(), state: state.as_str(), permit_id, permit, offer: None };
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
