//! Reading permits: one permit with its history (employers their own
//! workers, partners their estates), its QR code, and the listing.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use dwp_issuer::lifecycle;
use dwp_verifier::permit::PermitInput;
use dwp_verifier::time::UnixTime;

use super::{Links, PermitId, PermitStatus, READERS, Stored, fetch, not_found};
use crate::registry::access::{self, Read};
use crate::registry::api::{self, SignedCredential, problems};
use crate::registry::auth::{Caller, Role};
use crate::registry::db::{self, permits::PermitRow};
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::state::AppState;

async fn view(state: &AppState, stored: &Stored) -> Result<PermitView, ApiError> {
    let row = &stored.row;
    let history: Vec<HistoryEvent> = db::permits::events(&state.db, &row.id)
        .await?
        .into_iter()
        .map(|e| HistoryEvent {
            n: e.n,
            at: UnixTime(e.at).to_string(),
            action: e.action,
            reason: e.reason,
            actor: e.actor,
            related: e.related,
        })
        .collect();
    let lineage = db::permits::lineage(&state.db, &row.lineage).await?;
    let input: Value = serde_json::from_str(&row.input_json).map_err(ApiError::internal)?;
    let credential: Value = serde_json::from_str(&row.credential_json).map_err(ApiError::internal)?;
    let now = state.now();
    let expired = now.0 > row.valid_until;
    let effective = lifecycle::effective_state(stored.state, UnixTime(row.valid_until), now);
    Ok(PermitView {
        id: row.id.clone(),
        state: stored.state.as_str(),
        effective_state: effective,
        expired,
        permit_number: row.permit_number.clone(),
        permit: input,
        payload: row.payload.clone(),
        credential,
        status: PermitStatus { shard: row.shard, index: row.index, revoked: row.revoked, suspended: row.suspended },
        lineage: Lineage { id: row.lineage.clone(), permits: lineage },
        predecessor: row.predecessor.clone(),
        successor: row.successor.clone(),
        created_at: UnixTime(row.created_at).to_string(),
        updated_at: UnixTime(row.updated_at).to_string(),
        history,
        links: Links::new(&row.id, row.shard),
    })
}

/// A permit as its readers see it: its state, data, credential and history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermitView {
    /// The permit's id.
    pub id: String,
    /// The stored state: `active`, `suspended`, `revoked` or `superseded`.
    pub state: &'static str,
    /// The state, or `expired` for a live permit past its validity.
    pub effective_state: &'static str,
    /// Whether its validity has ended.
    pub expired: bool,
    /// The permit number.
    pub permit_number: String,
    /// The permit's data, as submitted.
    #[schema(value_type = PermitInput)]
    pub permit: Value,
    /// The QR payload (`DWP1:…`).
    pub payload: String,
    /// The signed credential.
    #[schema(value_type = SignedCredential)]
    pub credential: Value,
    /// Where its status is published, and the bits.
    pub status: PermitStatus,
    /// The worker's line of permits.
    pub lineage: Lineage,
    /// The permit this one replaced.
    #[schema(required = true)]
    pub predecessor: Option<String>,
    /// The permit that replaced this one.
    #[schema(required = true)]
    pub successor: Option<String>,
    /// When it was issued.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Every action on it, in order.
    pub history: Vec<HistoryEvent>,
    /// Where to read it and its status lists.
    pub links: Links,
}

/// A worker's line of permits (renewals, changes of employer).
#[derive(Debug, Serialize, ToSchema)]
pub struct Lineage {
    /// The id of the first permit of the line.
    pub id: String,
    /// Every permit of the line, oldest first.
    pub permits: Vec<String>,
}

/// One action in a permit's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEvent {
    /// Its number, from 1.
    pub n: i64,
    /// When.
    pub at: String,
    /// `issue`, `suspend`, `reinstate`, `revoke`, `renew` or `change-employer`.
    pub action: String,
    /// Why.
    #[schema(required = true)]
    pub reason: Option<String>,
    /// The token that acted.
    pub actor: String,
    /// The permit it issued or came from.
    #[schema(required = true)]
    pub related: Option<String>,
}

/// What an employer reads of a permit its worker left for another employer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndedPermit {
    /// The permit's id.
    pub id: String,
    /// Always `ended`.
    #[schema(example = "ended")]
    pub state: &'static str,
    /// When it ended.
    pub ended_at: String,
    /// What that means.
    pub detail: &'static str,
}

/// The answer of `GET /v1/permits/{id}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PermitRead {
    /// The permit.
    Permit(Box<PermitView>),
    /// The permit, as a former employer reads it.
    Ended(EndedPermit),
}

/// Whether `caller` may read this permit. Roles that may never read permits
/// were refused before the lookup, so a refusal says nothing of existence.
fn may_read(caller: &Caller, row: &PermitRow) -> bool {
    match caller.role {
        Role::Registrar | Role::Auditor => true,
        Role::Employer => caller.scope.as_deref() == Some(row.employer.as_str()),
        Role::Partner => row.estate.as_deref().is_some_and(|e| caller.estates().contains(&e)),
        Role::Admin | Role::Officer | Role::Inspector => false,
    }
}

/// Whether an employer reads a permit its worker left for another employer:
/// it then learns only that the permit ended, never the worker's data or the successor.
async fn moved_away(state: &AppState, caller: &Caller, row: &PermitRow) -> Result<bool, ApiError> {
    let (Role::Employer, Some(successor)) = (caller.role, &row.successor) else { return Ok(false) };
    let employer = db::permits::employer_of(&state.db, successor).await?;
    Ok(employer.as_deref() != caller.scope.as_deref())
}

problems!(
    /// What `GET /v1/permits/{id}` and its QR code refuse.
    ReadProblems: api::READ, api::AUTH, api::WRITE, api::PURPOSE, &[(404, &[Code::NotFound])],
);

/// `GET /v1/permits/{id}`.
#[utoipa::path(
    get,
    path = "/v1/permits/{id}",
    operation_id = "getPermit",
    summary = "A permit, its state and history (employers: own workers; partners: their estates)",
    params(PermitId, api::PurposeHeader),
    responses(
        (status = 200, description = "The permit; a former employer reads only that it ended. The read is \
          recorded (who, when, the stated purpose) before it is answered", body = PermitRead),
        ReadProblems,
    ),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(READERS)))),
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(PermitId { id }): Path<PermitId>,
) -> Result<Json<PermitRead>, ApiError> {
    caller.require(READERS)?;
    let purpose = access::stated(&headers, &caller)?;
    // Scoped callers get the same 404 for "absent" and "not yours".
    let stored = fetch(&state.db, &id).await?.filter(|s| may_read(&caller, &s.row)).ok_or_else(not_found)?;
    if moved_away(&state, &caller, &stored.row).await? {
        return Ok(Json(PermitRead::Ended(EndedPermit {
            id: stored.row.id,
            state: "ended",
            ended_at: UnixTime(stored.row.updated_at).to_string(),
            detail: "this permit ended for this employer",
        })));
    }
    let view = view(&state, &stored).await?;
    access::record(&state, &caller, Read::Permit, &stored.row.id, purpose).await?;
    Ok(Json(PermitRead::Permit(Box::new(view))))
}

/// `GET /v1/permits/{id}/qr.png`: the permit's QR code, for printing (same readers as the permit).
#[utoipa::path(
    get,
    path = "/v1/permits/{id}/qr.png",
    operation_id = "getPermitQr",
    summary = "The permit's QR code as PNG, for printing",
    params(PermitId, api::PurposeHeader),
    responses(
        (status = 200, description = "The QR code (the read is recorded with its purpose)", content_type = "image/png",
         body = inline(api::Png)),
        ReadProblems,
    ),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(READERS)))),
)]
pub async fn qr_png(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(PermitId { id }): Path<PermitId>,
) -> Result<Response, ApiError> {
    caller.require(READERS)?;
    let purpose = access::stated(&headers, &caller)?;
    let row = fetch(&state.db, &id).await?.filter(|s| may_read(&caller, &s.row)).ok_or_else(not_found)?.row;
    if moved_away(&state, &caller, &row).await? {
        return Err(not_found());
    }
    let qr = dwp_issuer::qr::Qr::new(&row.payload).map_err(ApiError::internal)?;
    let png = qr.png(8).map_err(ApiError::internal)?;
    access::record(&state, &caller, Read::PermitQr, &row.id, purpose).await?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "private, no-store")], png).into_response())
}

/// `?after=&limit=` for listings.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The last id of the previous page (`next`).
    #[serde(default)]
    after: Option<String>,
    /// Permits per page: 1 to 5000 (default 500).
    #[serde(default)]
    limit: Option<i64>,
    /// Only live permits whose validity ends within this many days (1 to 365): those due for renewal.
    #[serde(default, rename = "expiringWithinDays")]
    expiring_within_days: Option<i64>,
}

/// A page of permits.
#[derive(Debug, Serialize, ToSchema)]
pub struct PermitList {
    /// The permits, by id.
    pub permits: Vec<PermitListItem>,
    /// The `after` of the next page, when the page is full.
    #[schema(required = true)]
    pub next: Option<String>,
}

/// A permit in a listing: no personal data.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermitListItem {
    /// The permit's id.
    pub id: String,
    /// The stored state.
    pub state: String,
    /// The status list (shard) number.
    pub shard: i64,
    /// The index in that list.
    pub index: i64,
    /// The permit number.
    pub permit_number: String,
    /// The end of its validity.
    pub valid_until: String,
    /// The id of the first permit of its line.
    pub lineage: String,
}

problems!(
    /// What `GET /v1/permits` refuses.
    ListProblems: api::READ, api::AUTH, &[(400, &[Code::InvalidQuery])],
);

/// Who lists permits: the registrar and the auditor all of them, an employer its own workers'.
const LIST_READERS: &[Role] = &[Role::Registrar, Role::Auditor, Role::Employer];

/// `GET /v1/permits` (registrar, auditor; an employer, its own workers'): ids, states and status
/// indices, no personal data.
#[utoipa::path(
    get,
    path = "/v1/permits",
    operation_id = "listPermits",
    summary = "List permits: ids, states and status indices",
    params(ListQuery),
    responses((status = 200, description = "A page of permits", body = PermitList), ListProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(LIST_READERS)))),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PermitList>, ApiError> {
    caller.require(LIST_READERS)?;
    let bad = |detail: String| ApiError::new(StatusCode::BAD_REQUEST, Code::InvalidQuery).detail(detail);
    let Query(q) = q.map_err(|e| bad(e.body_text()))?;
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    if q.expiring_within_days.is_some_and(|d| !(1..=365).contains(&d)) {
        return Err(bad("expiringWithinDays is 1 to 365".into()));
    }
    let now = state.clock.now().0;
    let which = db::permit_list::Which {
        // An employer's token without a scope lists nothing.
        employer: (caller.role == Role::Employer).then(|| caller.scope.as_deref().unwrap_or("\u{0}")),
        ending: q.expiring_within_days.map(|d| (now, now + d * 86_400)),
    };
    let permits: Vec<PermitListItem> = db::permit_list::page_of(&state.db, &q.after.unwrap_or_default(), limit, which)
        .await?
        .into_iter()
        .map(|r| PermitListItem {
            id: r.id,
            state: r.state,
            shard: r.shard,
            index: r.index,
            permit_number: r.permit_number,
            valid_until: UnixTime(r.valid_until).to_string(),
            lineage: r.lineage,
        })
        .collect();
    let next = if permits.len() as i64 == limit { permits.last().map(|p| p.id.clone()) } else { None };
    Ok(Json(PermitList { permits, next }))
}
