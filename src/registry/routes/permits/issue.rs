//! `POST /v1/permits`: a permit signed, given a free status index, and stored
//! with its audit entry; also what renewals and approvals issue through.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use dwp_issuer::lifecycle::{self, PermitState};
use dwp_issuer::sign;
use dwp_verifier::credential::{Issuance, StatusPurpose, StatusRef};
use dwp_verifier::permit::{Permit, PermitInput};
use dwp_verifier::time::UnixTime;

use super::{Links, REGISTRAR, permit_error};
use crate::issuance::{LIST_ENTRIES, random_index};
use crate::registry::api::{self, SignedCredential, problems};
use crate::registry::auth::{Caller, random_id};
use crate::registry::body::JsonBody;
use crate::registry::db::{self, WriteTx};
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::routes::write::{mutate, to_json};
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// Random draws per shard before the next shard is opened.
const DRAWS_PER_SHARD: usize = 16;

/// Draws a status index in the open shard, opening the next when it is full enough.
pub async fn allocate(w: &mut WriteTx) -> Result<StatusRef, ApiError> {
    for _ in 0..64 {
        let shard = u32::try_from(w.shard).map_err(|_| ApiError::internal("shard out of range"))?;
        let mut candidates = [0u32; DRAWS_PER_SHARD];
        for c in &mut candidates {
            *c = random_index().map_err(|_| ApiError::internal("the system random source failed"))?;
        }
        let taken = db::permits::taken_indices(w, w.shard, &candidates).await?;
        match lifecycle::allocate_index(candidates, LIST_ENTRIES, DRAWS_PER_SHARD, |c| taken.contains(&i64::from(c))) {
            Some(index) => return Ok(StatusRef { shard, index }),
            None => w.open_next_shard(),
        }
    }
    Err(ApiError::internal("no free status index in 64 shards"))
}

/// A permit's live credential, signed anew.
pub struct Replaced {
    /// Its status list (shard).
    pub shard: i64,
    /// Its index there.
    pub index: i64,
    /// The key that signed it.
    pub key: String,
    /// The new QR payload.
    pub payload: String,
    /// The new signed credential.
    pub credential_json: String,
}

/// Signs `permit` (the data of the stored `row`, as `input_json`) as the permit's new live
/// credential, with the key that signs now, on a new status index. The credential it replaces
/// keeps its index, revoked for good with `reason`; the permit's state and bits move with it.
///
/// # Errors
/// The database's failure, or `no_signing_key`.
pub async fn replace_credential(
    state: &AppState,
    w: &mut WriteTx,
    row: &db::permits::PermitRow,
    permit: Permit,
    input_json: &str,
    reason: &str,
) -> Result<Replaced, ApiError> {
    let signing = state.keyring.get();
    let key = signing.key_at(UnixTime(w.now))?;
    let status = allocate(w).await?;
    let issuance = Issuance::new(&state.did, key.key_ref.clone(), UnixTime(w.now), status)
        .map_err(|e| ApiError::internal(format!("issuance: {e}")))?;
    let issued = sign::issue_permit(permit, issuance, &**key.signer).map_err(ApiError::internal)?;
    let retired = db::oid4vci::Retired {
        permit_id: &row.id,
        shard: row.shard,
        index: row.index,
        reason,
        credential_json: &row.credential_json,
    };
    db::oid4vci::retire(w, retired).await?;
    let (shard, index) = (i64::from(status.shard), i64::from(status.index));
    let rebound = db::oid4vci::Rebound {
        id: &row.id,
        shard,
        index,
        input_json,
        payload: &issued.payload,
        credential_json: &issued.credential_json,
        signed_by: key.vm,
    };
    db::oid4vci::rebind(w, rebound).await?;
    db::status_lists::touch(w, row.shard, StatusPurpose::Revocation, true).await?;
    for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
        db::status_lists::touch(w, shard, purpose, false).await?;
    }
    Ok(Replaced {
        shard,
        index,
        key: key.vm.to_string(),
        payload: issued.payload,
        credential_json: issued.credential_json,
    })
}

/// Signs and stores a new permit. `lineage`/`predecessor` link a renewal or change of employer.
pub async fn insert_permit(
    state: &AppState,
    w: &mut WriteTx,
    caller: &Caller,
    permit: Permit,
    reason: Option<&str>,
    predecessor: Option<(&str, &str)>,
) -> Result<IssuedPermit, ApiError> {
    if UnixTime(w.now) > permit.valid_until() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidPermit)
            .field("validUntil")
            .detail("validUntil: is in the past; an expired permit cannot be issued"));
    }
    if db::permits::number_in_use(w, permit.permit_number()).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, Code::PermitNumberInUse)
            .field("permitNumber")
            .detail("a live permit has this number; renew or change employer on it instead"));
    }
    let signing = state.keyring.get();
    let key = signing.key_at(UnixTime(w.now))?;
    let status = allocate(w).await?;
    let issuance = Issuance::new(&state.did, key.key_ref.clone(), UnixTime(w.now), status)
        .map_err(|e| ApiError::internal(format!("issuance: {e}")))?;
    let input = permit.to_input();
    let issued = sign::issue_permit(permit, issuance, &**key.signer).map_err(ApiError::internal)?;
    let id = random_id("wp_").map_err(ApiError::internal)?;
    let (lineage, pred) = match predecessor {
        Some((lineage, pred)) => (lineage.to_string(), Some(pred.to_string())),
        None => (id.clone(), None),
    };
    let input_json = serde_json::to_string(&input).map_err(ApiError::internal)?;
    let row = db::permits::NewPermit {
        id: &id,
        lineage: &lineage,
        predecessor: pred.clone(),
        permit_number: &input.permit_number,
        shard: i64::from(status.shard),
        index: i64::from(status.index),
        valid_until: issued.signed.permit().valid_until().0,
        employer: &input.employer.juristic_id,
        estate: input.workplace.industrial_estate.clone(),
        input_json: &input_json,
        payload: &issued.payload,
        credential_json: &issued.credential_json,
        signed_by: key.vm,
    };
    db::permits::insert(w, row).await?;
    for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
        db::status_lists::touch(w, i64::from(status.shard), purpose, false).await?;
    }
    let audit_seq = w
        .audit(
            &caller.id,
            "permit.issue",
            Some(&id),
            json!({ "reasonDigest": w.reason_digest(reason)?, "predecessor": pred, "shard": status.shard, "index": status.index }),
        )
        .await?;
    let event = db::permits::NewEvent {
        permit_id: &id,
        action: "issue",
        reason,
        actor: &caller.id,
        related: pred.as_deref(),
        audit_seq,
    };
    db::permits::add_event(w, event).await?;
    let credential: Value = serde_json::from_str(&issued.credential_json).map_err(ApiError::internal)?;
    Ok(IssuedPermit {
        links: Links::new(&id, i64::from(status.shard)),
        id,
        state: PermitState::Active.as_str(),
        permit_number: input.permit_number,
        lineage,
        predecessor: pred,
        payload: issued.payload,
        credential,
        status: IssuedStatus { shard: status.shard, index: status.index },
    })
}

/// A permit just issued.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedPermit {
    /// The permit's id (`wp_…`).
    pub id: String,
    /// Always `active`.
    #[schema(example = "active")]
    pub state: &'static str,
    /// The permit number.
    pub permit_number: String,
    /// The id of the first permit of the worker's line (this one's, unless renewed or moved).
    pub lineage: String,
    /// The permit this one replaces (renewal, change of employer).
    #[schema(required = true)]
    pub predecessor: Option<String>,
    /// The QR payload (`DWP1:…`).
    pub payload: String,
    /// The signed credential.
    #[schema(value_type = SignedCredential)]
    pub credential: Value,
    /// Where its status is published.
    pub status: IssuedStatus,
    /// Where to read it and its status lists.
    pub links: Links,
}

/// A new permit's place in the status lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedStatus {
    /// The status list (shard) number.
    pub shard: u32,
    /// The index in that list.
    pub index: u32,
}

problems!(
    /// What `POST /v1/permits` refuses.
    IssueProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(409, &[Code::PermitNumberInUse]), (422, &[Code::InvalidPermit])],
);

/// `POST /v1/permits` (registrar).
#[utoipa::path(
    post,
    path = "/v1/permits",
    operation_id = "issuePermit",
    summary = "Issue a permit (Idempotency-Key honoured)",
    request_body = PermitInput,
    params(api::Idempotency),
    responses((status = 201, description = "The permit, signed and stored", body = IssuedPermit), IssueProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(REGISTRAR)))),
)]
pub async fn issue(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonBody<PermitInput>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    caller.require(REGISTRAR)?;
    let body = body?;
    let permit = Permit::from_input(&body.value).map_err(permit_error)?;
    let st = state.clone();
    let c = caller.clone();
    mutate(
        &state,
        &caller,
        &headers,
        "POST /v1/permits",
        &body.raw,
        job(move |w| {
            Box::pin(async move {
                Ok((StatusCode::CREATED, to_json(&insert_permit(&st, w, &c, permit, None, None).await?)?))
            })
        }),
    )
    .await
}
