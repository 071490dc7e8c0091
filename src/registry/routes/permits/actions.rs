//! The lifecycle of a permit: suspend, reinstate, revoke, renew and change
//! of employer, each checked by `dwp_issuer::lifecycle` before it is written.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use dwp_issuer::lifecycle::{self, Action, PermitState};
use dwp_verifier::credential::StatusPurpose;
use dwp_verifier::permit::{EmployerInput, OccupationInput, Permit, PermitInput, WorkplaceInput};
use dwp_verifier::time::UnixTime;

use super::issue::{IssuedPermit, insert_permit};
use super::{Links, PermitId, PermitStatus, REGISTRAR, Stored, check_reason, fetch_in, not_found, permit_error};
use crate::registry::api;
use crate::registry::auth::Caller;
use crate::registry::body::{JsonBody, parse_json};
use crate::registry::db;
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::routes::write::{mutate, to_json};
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// The body of a lifecycle action.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionBody {
    /// Why (kept in the history and the audit log).
    reason: String,
    /// Renewal and change of employer: the new permit's end of validity.
    #[serde(default)]
    valid_until: Option<String>,
    /// Renewal and change of employer: its start (default: now).
    #[serde(default)]
    valid_from: Option<String>,
    /// Change of employer: the new employer.
    #[serde(default)]
    employer: Option<EmployerInput>,
    /// Change of employer: the new workplace (default: unchanged).
    #[serde(default)]
    workplace: Option<WorkplaceInput>,
    /// Change of employer: the new occupation (default: unchanged).
    #[serde(default)]
    occupation: Option<OccupationInput>,
}

fn successor_input(old: &PermitInput, action: Action, b: &ActionBody, now: UnixTime) -> Result<PermitInput, ApiError> {
    let missing = |f: &str| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField)
            .field(f.to_string())
            .detail(format!("{f} is required"))
    };
    let not_here = |f: &str| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField)
            .field(f.to_string())
            .detail(format!("{f} is not accepted for {}", action.as_str()))
    };
    let mut next = old.clone();
    next.valid_until = b.valid_until.clone().ok_or_else(|| missing("validUntil"))?;
    next.valid_from = b.valid_from.clone().unwrap_or_else(|| now.to_string());
    match action {
        Action::ChangeEmployer => {
            next.employer = b.employer.clone().ok_or_else(|| missing("employer"))?;
            if let Some(w) = &b.workplace {
                next.workplace = w.clone();
            }
            if let Some(o) = &b.occupation {
                next.occupation = o.clone();
            }
        }
        _ => {
            if b.employer.is_some() {
                return Err(not_here("employer"));
            }
            if b.workplace.is_some() {
                return Err(not_here("workplace"));
            }
            if b.occupation.is_some() {
                return Err(not_here("occupation"));
            }
        }
    }
    Ok(next)
}

/// What a lifecycle action did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionResult {
    /// The permit's id.
    pub id: String,
    /// Its state now.
    pub state: &'static str,
    /// Its state before.
    pub previous_state: &'static str,
    /// Its status bits now.
    pub status: PermitStatus,
    /// Where to read it and its status lists.
    pub links: Links,
    /// Renewal and change of employer: the new permit.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub successor: Option<IssuedPermit>,
}

/// Every stored state of a permit.
const STATES: [PermitState; 4] =
    [PermitState::Active, PermitState::Suspended, PermitState::Revoked, PermitState::Superseded];

// A new state does not compile here until it is in `STATES`.
const _: fn(PermitState) = |s| match s {
    PermitState::Active | PermitState::Suspended | PermitState::Revoked | PermitState::Superseded => {}
};

/// The problem answers of an action: those of every write, and the conflicts
/// the lifecycle rules give for it in any state, expired or not.
fn action_problems(
    action: Action,
) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>> {
    let now = UnixTime(0);
    let conflicts = STATES
        .into_iter()
        .flat_map(|state| {
            [UnixTime(1), UnixTime(-1)].map(|valid_until| lifecycle::apply(state, action, valid_until, now))
        })
        .filter_map(|t| t.err().map(|e| (409, Code::from(e))));
    let issues = lifecycle::apply(PermitState::Active, action, UnixTime(1), now).is_ok_and(|t| t.issues_successor);
    let successor = issues.then_some((422, Code::InvalidPermit));
    let fixed = [api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT, &[(404, &[Code::NotFound])]];
    api::problem_responses(api::refusals(&fixed).chain(conflicts).chain(successor))
}

/// Declares the problem answers of each action.
macro_rules! action_problems {
    ($($name:ident: $action:expr;)*) => {
        $(
            #[doc = concat!("What `", stringify!($action), "` refuses.")]
            pub struct $name;

            impl utoipa::IntoResponses for $name {
                fn responses(
                ) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>> {
                    action_problems($action)
                }
            }
        )*
    };
}

action_problems! {
    SuspendProblems: Action::Suspend;
    ReinstateProblems: Action::Reinstate;
    RevokeProblems: Action::Revoke;
    RenewProblems: Action::Renew;
    ChangeEmployerProblems: Action::ChangeEmployer;
}

/// One lifecycle route: its OpenAPI declaration and a handler that runs [`act`]
/// with its action. Everything but what the macro's call names is the same for all.
macro_rules! action_route {
    ($(#[$doc:meta])* $name:ident, $action:expr, $path:literal, $op:literal, $summary:literal,
     body: $body_doc:literal, answer: ($status:literal, $answer_doc:literal), $problems:ident) => {
        $(#[$doc])*
        #[utoipa::path(
            post,
            path = $path,
            operation_id = $op,
            summary = $summary,
            params(PermitId, api::Idempotency),
            request_body(content = ActionBody, description = $body_doc),
            responses((status = $status, description = $answer_doc, body = ActionResult), $problems),
            security(("bearer" = [])),
            extensions(("x-roles" = json!(api::roles(REGISTRAR)))),
        )]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Result<Caller, ApiError>,
            Path(PermitId { id }): Path<PermitId>,
            headers: HeaderMap,
            body: Result<JsonBody<Value>, ApiError>,
        ) -> Result<Response, ApiError> {
            act(state, caller, id, $action, headers, body).await
        }
    };
}

action_route!(
    /// `POST /v1/permits/{id}/suspend` (registrar).
    suspend, Action::Suspend, "/v1/permits/{id}/suspend", "suspendPermit", "Suspend (reason required)",
    body: "The reason only", answer: (200, "Suspended"), SuspendProblems
);
action_route!(
    /// `POST /v1/permits/{id}/reinstate` (registrar).
    reinstate, Action::Reinstate, "/v1/permits/{id}/reinstate", "reinstatePermit", "Lift a suspension",
    body: "The reason only", answer: (200, "Reinstated"), ReinstateProblems
);
action_route!(
    /// `POST /v1/permits/{id}/revoke` (registrar).
    revoke, Action::Revoke, "/v1/permits/{id}/revoke", "revokePermit", "Revoke for good",
    body: "The reason only", answer: (200, "Revoked"), RevokeProblems
);
action_route!(
    /// `POST /v1/permits/{id}/renew` (registrar).
    renew, Action::Renew, "/v1/permits/{id}/renew", "renewPermit", "Issue a renewal; the old permit is retired",
    body: "The reason and the new validity (`validUntil`, `validFrom`)",
    answer: (201, "Renewed: `successor` is the new permit"), RenewProblems
);
action_route!(
    /// `POST /v1/permits/{id}/change-employer` (registrar).
    change_employer, Action::ChangeEmployer, "/v1/permits/{id}/change-employer", "changeEmployer",
    "Issue for a new employer; the old permit is retired",
    body: "The reason, the new validity and the new employer; workplace and occupation stay unless given",
    answer: (201, "Moved: `successor` is the new permit"), ChangeEmployerProblems
);

/// `POST /v1/permits/{id}/{action}` (registrar): the action's rules, then the write.
async fn act(
    state: AppState,
    caller: Result<Caller, ApiError>,
    id: String,
    action: Action,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    caller.require(REGISTRAR)?;
    let body = body?;
    let b: ActionBody = parse_json(&body.raw)?;
    check_reason(&b.reason)?;
    if !matches!(action, Action::Renew | Action::ChangeEmployer)
        && (b.valid_until.is_some() || b.valid_from.is_some() || b.employer.is_some())
    {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField)
            .detail(format!("{} takes only a reason", action.as_str())));
    }
    let route = format!("POST /v1/permits/{id}/{}", action.as_str());
    let st = state.clone();
    let c = caller.clone();
    mutate(&state, &caller, &headers, &route, &body.raw, job(move |w| {
        Box::pin(async move {
        let Stored { row, state: stored_state } = fetch_in(w, &id).await?.ok_or_else(not_found)?;
        let now = UnixTime(w.now);
        let t = lifecycle::apply(stored_state, action, UnixTime(row.valid_until), now)
            .map_err(|e| ApiError::new(StatusCode::CONFLICT, Code::from(e)).detail(e.to_string()))?;
        // Validate the successor before anything is written.
        let successor = if t.issues_successor {
            let old: PermitInput = serde_json::from_str(&row.input_json).map_err(ApiError::internal)?;
            let input = successor_input(&old, action, &b, now)?;
            Some(Permit::from_input(&input).map_err(permit_error)?)
        } else {
            None
        };
        db::permits::set_status(w, &row.id, t.next.as_str(), t.revoked_bit, t.suspended_bit).await?;
        db::status_lists::touch(w, row.shard, StatusPurpose::Revocation, t.revoked_bit != row.revoked).await?;
        db::status_lists::touch(w, row.shard, StatusPurpose::Suspension, t.suspended_bit != row.suspended).await?;
        let new = match successor {
            Some(p) => Some(insert_permit(&st, w, &c, p, Some(&b.reason), Some((&row.lineage, &row.id))).await?),
            None => None,
        };
        let new_id = new.as_ref().map(|p| p.id.clone());
        if let Some(n) = &new_id {
            db::permits::set_successor(w, &row.id, n).await?;
        }
        let audit_seq = w
            .audit(
                &c.id,
                &format!("permit.{}", action.as_str()),
                Some(&row.id),
                json!({ "reasonDigest": w.reason_digest(Some(&b.reason))?, "from": stored_state.as_str(), "to": t.next.as_str(), "successor": new_id }),
            )
            .await?;
        let event = db::permits::NewEvent {
            permit_id: &row.id,
            action: action.as_str(),
            reason: Some(&b.reason),
            actor: &c.id,
            related: new_id.as_deref(),
            audit_seq,
        };
        db::permits::add_event(w, event).await?;
        let code = if new.is_some() { StatusCode::CREATED } else { StatusCode::OK };
        let answer = ActionResult {
            links: Links::new(&row.id, row.shard),
            id: row.id,
            state: t.next.as_str(),
            previous_state: stored_state.as_str(),
            status: PermitStatus { shard: row.shard, index: row.index, revoked: t.revoked_bit, suspended: t.suspended_bit },
            successor: new,
        };
        Ok((code, to_json(&answer)?))
    })}))
    .await
}
