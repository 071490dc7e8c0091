//! One step of an application: the transition checked by
//! `dwp_issuer::application`, then its state, timeline entry, event and audit
//! entry written in the same transaction ([`apply`]); and the steps that are
//! nothing more than that: identity verification (officer), the review and a
//! request for information (registrar), the information provided and a
//! withdrawal (the applicant).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use dwp_issuer::application::{
    Action, Actor, ApplicationState, BiometricMatchRef, CentreCode, Context, IdentityCheck, TransitionError, transition,
};
use dwp_verifier::time::UnixTime;

use super::{APPLICANTS, ApplicationId, OFFICERS, REGISTRAR, category_of, lookup_id, not_found, stored_state, visible};
use crate::registry::api::{self, problems};
use crate::registry::auth::Caller;
use crate::registry::body::{JsonBody, parse_json};
use crate::registry::db::{self, WriteTx, applications::ApplicationRow};
use crate::registry::journey::Journey;
use crate::registry::problem::{ApiError, Code};
use crate::registry::routes::permits::check_reason;
use crate::registry::routes::write::{mutate, to_json};
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// A step to take.
pub struct Taken<'a> {
    /// The application.
    pub id: &'a str,
    /// What.
    pub action: Action,
    /// As whom.
    pub actor: Actor,
    /// The token that takes it (`system` for the registry's own steps).
    pub by: &'a str,
    /// What the timeline and the audit entry record besides (no personal data).
    pub detail: Value,
    /// Words that may quote a worker, sealed in the timeline.
    pub words: Option<&'a str>,
}

/// The refusal of a transition: 403 when the step is another actor's, else 409.
pub fn refusal(e: TransitionError) -> ApiError {
    let status = match e {
        TransitionError::NotPermitted { .. } => StatusCode::FORBIDDEN,
        _ => StatusCode::CONFLICT,
    };
    ApiError::new(status, Code::from(e)).detail(e.to_string())
}

/// Takes a step on the application in the write `w`: checks it, moves the state, and writes its
/// timeline entry, its event and its audit entry. Returns the row as it was and the new state.
///
/// # Errors
/// 404 for no such application; the transition's refusal; a storage error.
pub async fn apply(
    w: &mut WriteTx,
    journey: &Journey,
    t: Taken<'_>,
) -> Result<(ApplicationRow, ApplicationState), ApiError> {
    let row = db::applications::in_write(w, t.id).await?.ok_or_else(not_found)?;
    apply_to(w, journey, row, t).await
}

/// [`apply`] on a row already read in this write.
///
/// # Errors
/// As [`apply`].
pub async fn apply_to(
    w: &mut WriteTx,
    journey: &Journey,
    row: ApplicationRow,
    t: Taken<'_>,
) -> Result<(ApplicationRow, ApplicationState), ApiError> {
    let from = stored_state(&row)?;
    let input = match row.category {
        Some(_) => None,
        None => Some(row.input_in(w).await?),
    };
    let category = category_of(&row, input.as_deref())?;
    let ctx =
        Context { category, identity: &journey.identity, entered_at: UnixTime(row.entered_at), now: UnixTime(w.now) };
    let to = transition(from, &t.action, t.actor, &ctx).map_err(refusal)?;
    let kind = t.action.kind().as_str();
    db::applications::set_state(w, t.id, to.as_str()).await?;
    let detail = t.detail.to_string();
    let step = db::applications::Step {
        application_id: t.id,
        action: kind,
        actor: t.actor.as_str(),
        by: t.by,
        state: to.as_str(),
        detail: &detail,
        words: t.words,
    };
    db::applications::add_step(w, step).await?;
    crate::registry::routes::events::status_changed(w, t.id, Some(from.as_str()), to.as_str()).await?;
    let mut audit = json!({ "from": from.as_str(), "to": to.as_str() });
    if let (Some(a), Value::Object(extra)) = (audit.as_object_mut(), t.detail) {
        a.extend(extra);
    }
    if t.words.is_some() {
        audit["reasonDigest"] = json!(w.reason_digest(t.words)?);
    }
    w.audit(t.by, &format!("application.{kind}"), Some(t.id), audit).await?;
    Ok((row, to))
}

/// As whom a caller takes an applicant's step: an employer only on its own applications; an
/// officer or the registrar for a walk-in worker.
///
/// # Errors
/// 404 when an employer's scope is not the application's.
pub fn as_applicant(caller: &Caller, row: &ApplicationRow) -> Result<Actor, ApiError> {
    if !visible(caller, row) {
        return Err(not_found());
    }
    Ok(Actor::Applicant)
}

/// What a step answers: the application's number and its new state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stepped {
    /// The application's number.
    pub id: String,
    /// Its state now.
    pub state: &'static str,
    /// Its state before.
    pub previous_state: &'static str,
}

/// The body of an identity verification.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IdentityBody {
    /// The service centre or mobile unit (`SC-21-01`: 2 to 16 of A–Z, 0–9, `-`).
    pub centre: String,
    /// The biometric system's match reference (1 to 64 printable ASCII characters, no spaces).
    pub biometric_match: String,
    /// When the worker was verified (RFC 3339 UTC; not in the future).
    pub verified_at: String,
}

/// The body of a step with a reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why (1 to 500 characters; sealed, the registrar and applicant read it).
    #[serde(default)]
    pub reason: Option<String>,
}

problems!(
    /// What a step on an application refuses.
    StepProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(404, &[Code::NotFound]), (422, &[Code::InvalidField]), (403, &[Code::ActionNotPermitted]),
      (409, &[Code::ApplicationClosed, Code::FeeNotPaid, Code::IdentityAlreadyVerified, Code::ReviewStarted,
        Code::IdentityNotVerified, Code::AlreadyUnderReview, Code::NotUnderReview, Code::InfoAlreadyRequested,
        Code::NoInfoRequested, Code::AlreadyApproved, Code::DatedInFuture])],
);

/// Which step a route takes.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Identity,
    Review,
    RequestInfo,
    ProvideInfo,
    Withdraw,
}

fn invalid(field: &'static str, detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField)
        .field(field)
        .detail(format!("{field}: {detail}"))
}

/// The action a route's body asks for, checked before the write.
fn action_of(kind: Kind, raw: &[u8]) -> Result<(Action, Value, Option<String>), ApiError> {
    Ok(match kind {
        Kind::Identity => {
            let b: IdentityBody = parse_json(raw)?;
            let centre = CentreCode::parse(&b.centre).ok_or_else(|| invalid("centre", "2 to 16 of A–Z, 0–9 and -"))?;
            let biometric_match = BiometricMatchRef::parse(&b.biometric_match)
                .ok_or_else(|| invalid("biometricMatch", "1 to 64 printable ASCII characters, no spaces"))?;
            let at = UnixTime::parse(&b.verified_at).map_err(|e| invalid("verifiedAt", &e.to_string()))?;
            let detail = json!({ "centre": centre.as_str(), "biometricMatch": biometric_match.as_str(),
                "verifiedAt": at.to_string() });
            (Action::VerifyIdentity(IdentityCheck { centre, biometric_match, at }), detail, None)
        }
        Kind::Review | Kind::RequestInfo | Kind::ProvideInfo | Kind::Withdraw => {
            let b: ReasonBody = if raw.is_empty() { ReasonBody { reason: None } } else { parse_json(raw)? };
            if let Some(r) = &b.reason {
                check_reason(r)?;
            }
            if matches!(kind, Kind::RequestInfo) && b.reason.is_none() {
                return Err(invalid("reason", "say what information is needed"));
            }
            let action = match kind {
                Kind::Review => Action::StartReview,
                Kind::RequestInfo => Action::RequestInfo,
                Kind::ProvideInfo => Action::ProvideInfo,
                _ => Action::Withdraw,
            };
            (action, json!({}), b.reason)
        }
    })
}

async fn step(
    state: AppState,
    caller: Result<Caller, ApiError>,
    id: String,
    kind: Kind,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    let roles = match kind {
        Kind::Identity => OFFICERS,
        Kind::Review | Kind::RequestInfo => REGISTRAR,
        Kind::ProvideInfo | Kind::Withdraw => APPLICANTS,
    };
    caller.require(roles)?;
    let body = body?;
    let (action, detail, words) = action_of(kind, &body.raw)?;
    let route = format!("POST /v1/applications/{id}/{}", action.kind());
    let (st, c) = (state.clone(), caller.clone());
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
                let actor = match kind {
                    Kind::Identity => Actor::Officer,
                    Kind::Review | Kind::RequestInfo => Actor::Registrar,
                    Kind::ProvideInfo | Kind::Withdraw => as_applicant(&c, &row)?,
                };
                let taken = Taken { id, action, actor, by: &c.id, detail, words: words.as_deref() };
                let (before, to) = apply_to(w, &st.journey, row, taken).await?;
                let previous_state = stored_state(&before)?.as_str();
                Ok((StatusCode::OK, to_json(&Stepped { id: id.to_string(), state: to.as_str(), previous_state })?))
            })
        }),
    )
    .await
}

macro_rules! step_route {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $path:literal, $op:literal, $summary:literal, $body:ty, $roles:expr) => {
        $(#[$doc])*
        #[utoipa::path(
            post,
            path = $path,
            operation_id = $op,
            summary = $summary,
            params(ApplicationId, api::Idempotency),
            request_body = $body,
            responses((status = 200, description = "The step was taken", body = Stepped), StepProblems),
            security(("bearer" = [])),
            extensions(("x-roles" = json!(api::roles($roles)))),
        )]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Result<Caller, ApiError>,
            Path(ApplicationId { id }): Path<ApplicationId>,
            headers: HeaderMap,
            body: Result<JsonBody<Value>, ApiError>,
        ) -> Result<Response, ApiError> {
            step(state, caller, id, $kind, headers, body).await
        }
    };
}

step_route!(
    /// `POST /v1/applications/{id}/identity` (officer): the worker was verified at a centre.
    identity, Kind::Identity, "/v1/applications/{id}/identity", "verifyApplicantIdentity",
    "Record the worker's identity verification at a service centre", IdentityBody, OFFICERS
);
step_route!(
    /// `POST /v1/applications/{id}/review` (registrar): the review starts.
    review, Kind::Review, "/v1/applications/{id}/review", "startApplicationReview",
    "Start the review (the fee paid, identity verified where the category requires it)", ReasonBody, REGISTRAR
);
step_route!(
    /// `POST /v1/applications/{id}/request-info` (registrar): the applicant is asked for more.
    request_info, Kind::RequestInfo, "/v1/applications/{id}/request-info", "requestApplicationInfo",
    "Ask the applicant for information (the reason says what)", ReasonBody, REGISTRAR
);
step_route!(
    /// `POST /v1/applications/{id}/provide-info` (the applicant): the information asked for is given.
    provide_info, Kind::ProvideInfo, "/v1/applications/{id}/provide-info", "provideApplicationInfo",
    "The information asked for was provided; the review goes on", ReasonBody, APPLICANTS
);
step_route!(
    /// `POST /v1/applications/{id}/withdraw` (the applicant).
    withdraw, Kind::Withdraw, "/v1/applications/{id}/withdraw", "withdrawApplication",
    "Withdraw the application (before approval)", ReasonBody, APPLICANTS
);
