//! `/v1/permits`: issue, read and act on permits. The rules come from
//! `dwp_issuer::lifecycle`; this module checks callers, stores and answers.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::{IntoParams, ToSchema};

use dwp_issuer::lifecycle::{self, Action, PermitState};
use dwp_issuer::sign;
use dwp_verifier::credential::{Issuance, StatusPurpose, StatusRef};
use dwp_verifier::permit::{EmployerInput, OccupationInput, Permit, PermitError, PermitInput, WorkplaceInput};
use dwp_verifier::time::UnixTime;

use super::AppState;
use super::api::{self, SignedCredential, problems};
use super::auth::{Caller, Role, random_id};
use super::body::{JsonBody, parse_json};
use super::problem::ApiError;
use super::store::WriteTx;
use super::writer::{Job, Pending, job};
use crate::issuance::{LIST_ENTRIES, random_index};

/// Random draws per shard before the next shard is opened.
const DRAWS_PER_SHARD: usize = 16;

const PERMIT_COLUMNS: &str = "id, lineage, predecessor, successor, permit_number, state, shard, status_index, \
    revoked_bit, suspended_bit, valid_until, employer, estate, input_json, payload, credential_json, created_at, updated_at";

/// Who issues permits and acts on them.
const REGISTRAR: &[Role] = &[Role::Registrar];
/// Who reads a permit (employers: their own workers; partners: their estates).
const READERS: &[Role] = &[Role::Registrar, Role::Auditor, Role::Employer, Role::Partner];
/// Who lists permits.
const LISTERS: &[Role] = &[Role::Registrar, Role::Auditor];

/// A permit refused by the rules of the format, as a problem naming the field.
pub fn permit_error(e: PermitError) -> ApiError {
    match e {
        PermitError::Field { field, problem } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_permit")
            .field(field)
            .detail(format!("{field}: {problem}")),
        other => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").detail(other.to_string()),
    }
}

/// A reason for an action: 1 to 500 characters of NFC text.
pub fn check_reason(reason: &str) -> Result<(), ApiError> {
    dwp_verifier::text::check(reason, 500).map_err(|e| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").field("reason").detail(format!("reason: {e}"))
    })
}

// ---------------------------------------------------------------- idempotency

/// The `Idempotency-Key` header, checked.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    let bad = || {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_idempotency_key").detail("1 to 200 visible ASCII characters")
    };
    let s = v.to_str().map_err(|_| bad())?;
    if s.is_empty() || s.len() > 200 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(s.to_string()))
}

fn request_hash(route: &str, raw: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(route.as_bytes());
    h.update(b"\n");
    h.update(raw);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn json_response(status: StatusCode, body: String, extra: &[(&'static str, &'static str)]) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    for (k, v) in extra {
        resp.headers_mut().insert(*k, header::HeaderValue::from_static(v));
    }
    resp
}

/// A typed answer as the JSON value a write job returns.
pub fn to_json<T: Serialize>(answer: &T) -> Result<Value, ApiError> {
    serde_json::to_value(answer).map_err(ApiError::internal)
}

/// Runs a mutation through the group-commit writer, with `Idempotency-Key`
/// handling: a retry with the same body gets the stored answer. Answers only
/// once the write is durable.
pub async fn mutate(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    route: &str,
    raw: &[u8],
    job: Job,
) -> Result<Response, ApiError> {
    let key = idempotency_key(headers)?;
    let hash = request_hash(route, raw);
    let (reply, answer) = tokio::sync::oneshot::channel();
    let pending = Pending { job, caller: caller.clone(), key, hash, reply };
    state.writer.send(pending).await.map_err(|_| ApiError::internal("the writer task stopped"))?;
    let (status, body, replayed) = answer.await.map_err(|_| ApiError::internal("the writer task dropped a job"))??;
    Ok(json_response(status, body, if replayed { &[("idempotent-replayed", "true")] } else { &[] }))
}

// ---------------------------------------------------------------- storage of permits

/// Draws a status index in the open shard, opening the next when it is full enough.
async fn allocate(w: &mut WriteTx) -> Result<StatusRef, ApiError> {
    for _ in 0..64 {
        let shard = u32::try_from(w.shard).map_err(|_| ApiError::internal("shard out of range"))?;
        let mut candidates = [0u32; DRAWS_PER_SHARD];
        for c in &mut candidates {
            *c = random_index().map_err(|_| ApiError::internal("the system random source failed"))?;
        }
        let placeholders: Vec<String> = (0..DRAWS_PER_SHARD).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT status_index FROM permits WHERE shard = $1 AND status_index IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(w.shard);
        for c in candidates {
            q = q.bind(i64::from(c));
        }
        let taken: Vec<i64> = q.fetch_all(&mut *w.tx).await?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
        match lifecycle::allocate_index(candidates, LIST_ENTRIES, DRAWS_PER_SHARD, |c| taken.contains(&i64::from(c))) {
            Some(index) => return Ok(StatusRef { shard, index }),
            None => w.open_next_shard(),
        }
    }
    Err(ApiError::internal("no free status index in 64 shards"))
}

/// Bumps the sequence of a status list (creating its row on first use).
pub async fn touch_list(w: &mut WriteTx, shard: i64, purpose: StatusPurpose, bump: bool) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO status_lists (shard, purpose, sequence, changed_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (shard, purpose) DO NOTHING",
    )
    .bind(shard)
    .bind(purpose.as_str())
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    if bump {
        sqlx::query(
            "UPDATE status_lists SET sequence = sequence + 1, changed_at = $3 WHERE shard = $1 AND purpose = $2",
        )
        .bind(shard)
        .bind(purpose.as_str())
        .bind(w.now)
        .execute(&mut *w.tx)
        .await?;
    }
    Ok(())
}

async fn add_event(
    w: &mut WriteTx,
    permit_id: &str,
    action: &str,
    reason: Option<&str>,
    actor: &str,
    related: Option<&str>,
    audit_seq: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO permit_events (permit_id, n, at, action, reason, actor, related, audit_seq) \
         SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4, $5, $6, $7 FROM permit_events WHERE permit_id = $1",
    )
    .bind(permit_id)
    .bind(w.now)
    .bind(action)
    .bind(reason.map(str::to_string))
    .bind(actor)
    .bind(related.map(str::to_string))
    .bind(audit_seq)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
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
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_permit")
            .field("validUntil")
            .detail("validUntil: is in the past; an expired permit cannot be issued"));
    }
    let live = sqlx::query(
        "SELECT id FROM permits WHERE permit_number = $1 AND state IN ('active', 'suspended') AND valid_until >= $2",
    )
    .bind(permit.permit_number())
    .bind(w.now)
    .fetch_optional(&mut *w.tx)
    .await?;
    if live.is_some() {
        return Err(ApiError::new(StatusCode::CONFLICT, "permit_number_in_use")
            .field("permitNumber")
            .detail("a live permit has this number; renew or change employer on it instead"));
    }
    let status = allocate(w).await?;
    let issuance = Issuance::new(&state.did, state.key_ref.clone(), UnixTime(w.now), status)
        .map_err(|e| ApiError::internal(format!("issuance: {e}")))?;
    let input = permit.to_input();
    let issued = sign::issue_permit(permit, issuance, &state.key).map_err(ApiError::internal)?;
    let id = random_id("wp_").map_err(ApiError::internal)?;
    let (lineage, pred) = match predecessor {
        Some((lineage, pred)) => (lineage.to_string(), Some(pred.to_string())),
        None => (id.clone(), None),
    };
    let input_json = serde_json::to_string(&input).map_err(ApiError::internal)?;
    sqlx::query(
        "INSERT INTO permits (id, lineage, predecessor, successor, permit_number, state, shard, status_index, \
         revoked_bit, suspended_bit, valid_until, employer, estate, input_json, payload, credential_json, created_at, updated_at) \
         VALUES ($1, $2, $3, NULL, $4, 'active', $5, $6, 0, 0, $7, $8, $9, $10, $11, $12, $13, $13)",
    )
    .bind(&id)
    .bind(&lineage)
    .bind(pred.clone())
    .bind(&input.permit_number)
    .bind(i64::from(status.shard))
    .bind(i64::from(status.index))
    .bind(issued.signed.permit().valid_until().0)
    .bind(&input.employer.juristic_id)
    .bind(input.workplace.industrial_estate.clone())
    .bind(&input_json)
    .bind(&issued.payload)
    .bind(&issued.credential_json)
    .bind(w.now)
    .execute(&mut *w.tx)
    .await?;
    for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
        touch_list(w, i64::from(status.shard), purpose, false).await?;
    }
    let audit_seq = w
        .audit(
            &caller.id,
            "permit.issue",
            Some(&id),
            json!({ "reason": reason, "predecessor": pred, "shard": status.shard, "index": status.index }),
        )
        .await?;
    add_event(w, &id, "issue", reason, &caller.id, pred.as_deref(), audit_seq).await?;
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

/// A permit's status bits as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct PermitStatus {
    /// The status list (shard) number.
    pub shard: i64,
    /// The index in that list.
    pub index: i64,
    /// The revocation bit.
    pub revoked: bool,
    /// The suspension bit.
    pub suspended: bool,
}

/// Where a permit and its status lists are read.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Links {
    /// The permit.
    #[serde(rename = "self")]
    pub this: String,
    /// Its revocation list.
    pub revocation_list: String,
    /// Its suspension list.
    pub suspension_list: String,
}

impl Links {
    fn new(id: &str, shard: i64) -> Links {
        Links {
            this: format!("/v1/permits/{id}"),
            revocation_list: format!("/status/revocation/{shard}"),
            suspension_list: format!("/status/suspension/{shard}"),
        }
    }
}

problems!(
    /// What `POST /v1/permits` refuses.
    IssueProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(409, &["permit_number_in_use"]), (422, &["invalid_permit"])],
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

// ---------------------------------------------------------------- reading

/// A stored permit row.
struct Row_ {
    id: String,
    lineage: String,
    predecessor: Option<String>,
    successor: Option<String>,
    permit_number: String,
    state: PermitState,
    shard: i64,
    index: i64,
    revoked: bool,
    suspended: bool,
    valid_until: i64,
    employer: String,
    estate: Option<String>,
    input_json: String,
    payload: String,
    credential_json: String,
    created_at: i64,
    updated_at: i64,
}

fn read_row(r: &AnyRow) -> Result<Row_, ApiError> {
    let state: String = r.try_get(5)?;
    Ok(Row_ {
        id: r.try_get(0)?,
        lineage: r.try_get(1)?,
        predecessor: r.try_get(2)?,
        successor: r.try_get(3)?,
        permit_number: r.try_get(4)?,
        state: PermitState::parse(&state).ok_or_else(|| ApiError::internal(format!("stored state {state:?}")))?,
        shard: r.try_get(6)?,
        index: r.try_get(7)?,
        revoked: r.try_get::<i64, _>(8)? != 0,
        suspended: r.try_get::<i64, _>(9)? != 0,
        valid_until: r.try_get(10)?,
        employer: r.try_get(11)?,
        estate: r.try_get(12)?,
        input_json: r.try_get(13)?,
        payload: r.try_get(14)?,
        credential_json: r.try_get(15)?,
        created_at: r.try_get(16)?,
        updated_at: r.try_get(17)?,
    })
}

async fn fetch_row<'e, E>(exec: E, id: &str) -> Result<Option<Row_>, ApiError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if id.len() > 64 {
        return Ok(None);
    }
    let sql = format!("SELECT {PERMIT_COLUMNS} FROM permits WHERE id = $1");
    sqlx::query(&sql).bind(id).fetch_optional(exec).await?.as_ref().map(read_row).transpose()
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found")
}

async fn view(state: &AppState, row: &Row_) -> Result<PermitView, ApiError> {
    let events =
        sqlx::query("SELECT n, at, action, reason, actor, related FROM permit_events WHERE permit_id = $1 ORDER BY n")
            .bind(&row.id)
            .fetch_all(&state.db.pool)
            .await?;
    let history: Vec<HistoryEvent> = events
        .iter()
        .map(|e| -> Result<HistoryEvent, sqlx::Error> {
            Ok(HistoryEvent {
                n: e.try_get(0)?,
                at: UnixTime(e.try_get(1)?).to_string(),
                action: e.try_get(2)?,
                reason: e.try_get(3)?,
                actor: e.try_get(4)?,
                related: e.try_get(5)?,
            })
        })
        .collect::<Result<_, _>>()?;
    let lineage = sqlx::query("SELECT id FROM permits WHERE lineage = $1 ORDER BY created_at, id")
        .bind(&row.lineage)
        .fetch_all(&state.db.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
    let input: Value = serde_json::from_str(&row.input_json).map_err(ApiError::internal)?;
    let credential: Value = serde_json::from_str(&row.credential_json).map_err(ApiError::internal)?;
    let expired = state.now().0 > row.valid_until;
    let effective = match row.state {
        PermitState::Active | PermitState::Suspended if expired => "expired",
        s => s.as_str(),
    };
    Ok(PermitView {
        id: row.id.clone(),
        state: row.state.as_str(),
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
fn may_read(caller: &Caller, row: &Row_) -> bool {
    match caller.role {
        Role::Registrar | Role::Auditor => true,
        Role::Employer => caller.scope.as_deref() == Some(row.employer.as_str()),
        Role::Partner => row.estate.as_deref().is_some_and(|e| caller.estates().contains(&e)),
        Role::Admin | Role::Officer | Role::Inspector => false,
    }
}

/// Whether an employer reads a permit its worker left for another employer:
/// it then learns only that the permit ended, never the worker's data or the successor.
async fn moved_away(state: &AppState, caller: &Caller, row: &Row_) -> Result<bool, ApiError> {
    let (Role::Employer, Some(successor)) = (caller.role, &row.successor) else { return Ok(false) };
    let employer: Option<String> = sqlx::query_scalar("SELECT employer FROM permits WHERE id = $1")
        .bind(successor)
        .fetch_optional(&state.db.pool)
        .await?;
    Ok(employer.as_deref() != caller.scope.as_deref())
}

problems!(
    /// What `GET /v1/permits/{id}` and its QR code refuse.
    ReadProblems: api::READ, api::AUTH, &[(404, &["not_found"])],
);

/// `GET /v1/permits/{id}`.
#[utoipa::path(
    get,
    path = "/v1/permits/{id}",
    operation_id = "getPermit",
    summary = "A permit, its state and history (employers: own workers; partners: their estates)",
    params(PermitId),
    responses(
        (status = 200, description = "The permit; a former employer reads only that it ended", body = PermitRead),
        ReadProblems,
    ),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(READERS)))),
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(PermitId { id }): Path<PermitId>,
) -> Result<Json<PermitRead>, ApiError> {
    caller.require(READERS)?;
    // Scoped callers get the same 404 for "absent" and "not yours".
    let row = fetch_row(&state.db.pool, &id).await?.filter(|r| may_read(&caller, r)).ok_or_else(not_found)?;
    if moved_away(&state, &caller, &row).await? {
        return Ok(Json(PermitRead::Ended(EndedPermit {
            id: row.id,
            state: "ended",
            ended_at: UnixTime(row.updated_at).to_string(),
            detail: "this permit ended for this employer",
        })));
    }
    Ok(Json(PermitRead::Permit(Box::new(view(&state, &row).await?))))
}

/// `GET /v1/permits/{id}/qr.png`: the permit's QR code, for printing (same readers as the permit).
#[utoipa::path(
    get,
    path = "/v1/permits/{id}/qr.png",
    operation_id = "getPermitQr",
    summary = "The permit's QR code as PNG, for printing",
    params(PermitId),
    responses(
        (status = 200, description = "The QR code", content_type = "image/png", body = inline(api::Png)),
        ReadProblems,
    ),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(READERS)))),
)]
pub async fn qr_png(
    State(state): State<AppState>,
    caller: Caller,
    Path(PermitId { id }): Path<PermitId>,
) -> Result<Response, ApiError> {
    caller.require(READERS)?;
    let row = fetch_row(&state.db.pool, &id).await?.filter(|r| may_read(&caller, r)).ok_or_else(not_found)?;
    if moved_away(&state, &caller, &row).await? {
        return Err(not_found());
    }
    let qr = dwp_issuer::qr::Qr::new(&row.payload).map_err(ApiError::internal)?;
    let png = qr.png(8).map_err(ApiError::internal)?;
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
    ListProblems: api::READ, api::AUTH, &[(400, &["invalid_query"])],
);

/// `GET /v1/permits` (registrar, auditor): ids, states and status indices, no personal data.
#[utoipa::path(
    get,
    path = "/v1/permits",
    operation_id = "listPermits",
    summary = "List permits: ids, states and status indices",
    params(ListQuery),
    responses((status = 200, description = "A page of permits", body = PermitList), ListProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(LISTERS)))),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PermitList>, ApiError> {
    caller.require(LISTERS)?;
    let Query(q) = q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query").detail(e.body_text()))?;
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let rows = sqlx::query(
        "SELECT id, state, shard, status_index, permit_number, valid_until, lineage FROM permits \
         WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(q.after.unwrap_or_default())
    .bind(limit)
    .fetch_all(&state.db.pool)
    .await?;
    let permits: Vec<PermitListItem> = rows
        .iter()
        .map(|r| -> Result<PermitListItem, sqlx::Error> {
            Ok(PermitListItem {
                id: r.try_get(0)?,
                state: r.try_get(1)?,
                shard: r.try_get(2)?,
                index: r.try_get(3)?,
                permit_number: r.try_get(4)?,
                valid_until: UnixTime(r.try_get(5)?).to_string(),
                lineage: r.try_get(6)?,
            })
        })
        .collect::<Result<_, _>>()?;
    let next = if permits.len() as i64 == limit { permits.last().map(|p| p.id.clone()) } else { None };
    Ok(Json(PermitList { permits, next }))
}

// ---------------------------------------------------------------- actions

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
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
            .field(f.to_string())
            .detail(format!("{f} is required"))
    };
    let not_here = |f: &str| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
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
        .filter_map(|t| t.err().map(|e| (409, e.code())));
    let issues = lifecycle::apply(PermitState::Active, action, UnixTime(1), now).is_ok_and(|t| t.issues_successor);
    let successor = issues.then_some((422, "invalid_permit"));
    let fixed = [api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT, &[(404, &["not_found"])]];
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

/// The `{id}` of a permit's path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PermitId {
    /// The permit's id (`wp_…`).
    pub id: String,
}

/// `POST /v1/permits/{id}/suspend` (registrar).
#[utoipa::path(
    post,
    path = "/v1/permits/{id}/suspend",
    operation_id = "suspendPermit",
    summary = "Suspend (reason required)",
    params(PermitId, api::Idempotency),
    request_body(content = ActionBody, description = "The reason only"),
    responses((status = 200, description = "Suspended", body = ActionResult), SuspendProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(REGISTRAR)))),
)]
pub async fn suspend(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(PermitId { id }): Path<PermitId>,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    act(state, caller, id, Action::Suspend, headers, body).await
}

/// `POST /v1/permits/{id}/reinstate` (registrar).
#[utoipa::path(
    post,
    path = "/v1/permits/{id}/reinstate",
    operation_id = "reinstatePermit",
    summary = "Lift a suspension",
    params(PermitId, api::Idempotency),
    request_body(content = ActionBody, description = "The reason only"),
    responses((status = 200, description = "Reinstated", body = ActionResult), ReinstateProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(REGISTRAR)))),
)]
pub async fn reinstate(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(PermitId { id }): Path<PermitId>,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    act(state, caller, id, Action::Reinstate, headers, body).await
}

/// `POST /v1/permits/{id}/revoke` (registrar).
#[utoipa::path(
    post,
    path = "/v1/permits/{id}/revoke",
    operation_id = "revokePermit",
    summary = "Revoke for good",
    params(PermitId, api::Idempotency),
    request_body(content = ActionBody, description = "The reason only"),
    responses((status = 200, description = "Revoked", body = ActionResult), RevokeProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(REGISTRAR)))),
)]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(PermitId { id }): Path<PermitId>,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    act(state, caller, id, Action::Revoke, headers, body).await
}

/// `POST /v1/permits/{id}/renew` (registrar).
#[utoipa::path(
    post,
    path = "/v1/permits/{id}/renew",
    operation_id = "renewPermit",
    summary = "Issue a renewal; the old permit is retired",
    params(PermitId, api::Idempotency),
    request_body(content = ActionBody, description = "The reason and the new validity (`validUntil`, `validFrom`)"),
    responses(
        (status = 201, description = "Renewed: `successor` is the new permit", body = ActionResult),
        RenewProblems,
    ),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(REGISTRAR)))),
)]
pub async fn renew(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(PermitId { id }): Path<PermitId>,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    act(state, caller, id, Action::Renew, headers, body).await
}

/// `POST /v1/permits/{id}/change-employer` (registrar).
#[utoipa::path(
    post,
    path = "/v1/permits/{id}/change-employer",
    operation_id = "changeEmployer",
    summary = "Issue for a new employer; the old permit is retired",
    params(PermitId, api::Idempotency),
    request_body(
        content = ActionBody,
        description = "The reason, the new validity and the new employer; workplace and occupation stay unless given",
    ),
    responses(
        (status = 201, description = "Moved: `successor` is the new permit", body = ActionResult),
        ChangeEmployerProblems,
    ),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(REGISTRAR)))),
)]
pub async fn change_employer(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(PermitId { id }): Path<PermitId>,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    act(state, caller, id, Action::ChangeEmployer, headers, body).await
}

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
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
            .detail(format!("{} takes only a reason", action.as_str())));
    }
    let route = format!("POST /v1/permits/{id}/{}", action.as_str());
    let st = state.clone();
    let c = caller.clone();
    mutate(&state, &caller, &headers, &route, &body.raw, job(move |w| {
        Box::pin(async move {
        let row = fetch_row(&mut *w.tx, &id).await?.ok_or_else(not_found)?;
        let now = UnixTime(w.now);
        let t = lifecycle::apply(row.state, action, UnixTime(row.valid_until), now)
            .map_err(|e| ApiError::new(StatusCode::CONFLICT, e.code()).detail(e.to_string()))?;
        // Validate the successor before anything is written.
        let successor = if t.issues_successor {
            let old: PermitInput = serde_json::from_str(&row.input_json).map_err(ApiError::internal)?;
            let input = successor_input(&old, action, &b, now)?;
            Some(Permit::from_input(&input).map_err(permit_error)?)
        } else {
            None
        };
        sqlx::query("UPDATE permits SET state = $1, revoked_bit = $2, suspended_bit = $3, updated_at = $4 WHERE id = $5")
            .bind(t.next.as_str())
            .bind(i64::from(t.revoked_bit))
            .bind(i64::from(t.suspended_bit))
            .bind(w.now)
            .bind(&row.id)
            .execute(&mut *w.tx)
            .await?;
        touch_list(w, row.shard, StatusPurpose::Revocation, t.revoked_bit != row.revoked).await?;
        touch_list(w, row.shard, StatusPurpose::Suspension, t.suspended_bit != row.suspended).await?;
        let new = match successor {
            Some(p) => Some(insert_permit(&st, w, &c, p, Some(&b.reason), Some((&row.lineage, &row.id))).await?),
            None => None,
        };
        let new_id = new.as_ref().map(|p| p.id.clone());
        if let Some(n) = &new_id {
            sqlx::query("UPDATE permits SET successor = $1 WHERE id = $2").bind(n).bind(&row.id).execute(&mut *w.tx).await?;
        }
        let audit_seq = w
            .audit(
                &c.id,
                &format!("permit.{}", action.as_str()),
                Some(&row.id),
                json!({ "reason": b.reason, "from": row.state.as_str(), "to": t.next.as_str(), "successor": new_id }),
            )
            .await?;
        add_event(w, &row.id, action.as_str(), Some(&b.reason), &c.id, new_id.as_deref(), audit_seq).await?;
        let code = if new.is_some() { StatusCode::CREATED } else { StatusCode::OK };
        let answer = ActionResult {
            links: Links::new(&row.id, row.shard),
            id: row.id,
            state: t.next.as_str(),
            previous_state: row.state.as_str(),
            status: PermitStatus { shard: row.shard, index: row.index, revoked: t.revoked_bit, suspended: t.suspended_bit },
            successor: new,
        };
        Ok((code, to_json(&answer)?))
    })}))
    .await
}
