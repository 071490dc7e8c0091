//! `/v1/permits`: issue, read and act on permits. The rules come from
//! `dwp_issuer::lifecycle`; this module checks callers, stores and answers.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use dwp_issuer::lifecycle::{self, Action, PermitState};
use dwp_issuer::sign;
use dwp_verifier::credential::{Issuance, StatusPurpose, StatusRef};
use dwp_verifier::permit::{EmployerInput, OccupationInput, Permit, PermitError, PermitInput, WorkplaceInput};
use dwp_verifier::time::UnixTime;

use super::AppState;
use super::auth::{Caller, Role, random_id};
use super::body::{JsonBody, parse_json};
use super::problem::ApiError;
use super::store::WriteTx;
use super::writer::{Job, Pending, job};

/// Entries in each status list (the W3C minimum, for herd privacy).
pub const LIST_ENTRIES: u32 = 131_072;
/// Random draws per shard before the next shard is opened.
const DRAWS_PER_SHARD: usize = 16;

const PERMIT_COLUMNS: &str = "id, lineage, predecessor, successor, permit_number, state, shard, status_index, \
    revoked_bit, suspended_bit, valid_until, employer, estate, input_json, payload, credential_json, created_at, updated_at";

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
            let mut b = [0u8; 4];
            getrandom::fill(&mut b).map_err(|_| ApiError::internal("the system random source failed"))?;
            *c = u32::from_le_bytes(b) % LIST_ENTRIES;
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
) -> Result<Value, ApiError> {
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
    Ok(json!({
        "id": id,
        "state": "active",
        "permitNumber": input.permit_number,
        "lineage": lineage,
        "predecessor": pred,
        "payload": issued.payload,
        "credential": credential,
        "status": { "shard": status.shard, "index": status.index },
        "links": links(&id, i64::from(status.shard)),
    }))
}

fn links(id: &str, shard: i64) -> Value {
    json!({
        "self": format!("/v1/permits/{id}"),
        "revocationList": format!("/status/revocation/{shard}"),
        "suspensionList": format!("/status/suspension/{shard}"),
    })
}

/// `POST /v1/permits` (registrar).
pub async fn issue(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonBody<PermitInput>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    caller.require(&[Role::Registrar])?;
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
            Box::pin(async move { Ok((StatusCode::CREATED, insert_permit(&st, w, &c, permit, None, None).await?)) })
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

async fn view(state: &AppState, row: &Row_) -> Result<Value, ApiError> {
    let events =
        sqlx::query("SELECT n, at, action, reason, actor, related FROM permit_events WHERE permit_id = $1 ORDER BY n")
            .bind(&row.id)
            .fetch_all(&state.db.pool)
            .await?;
    let history: Vec<Value> = events
        .iter()
        .map(|e| -> Result<Value, sqlx::Error> {
            Ok(json!({
                "n": e.try_get::<i64, _>(0)?,
                "at": UnixTime(e.try_get(1)?).to_string(),
                "action": e.try_get::<String, _>(2)?,
                "reason": e.try_get::<Option<String>, _>(3)?,
                "actor": e.try_get::<String, _>(4)?,
                "related": e.try_get::<Option<String>, _>(5)?,
            }))
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
    Ok(json!({
        "id": row.id,
        "state": row.state.as_str(),
        "effectiveState": effective,
        "expired": expired,
        "permitNumber": row.permit_number,
        "permit": input,
        "payload": row.payload,
        "credential": credential,
        "status": { "shard": row.shard, "index": row.index, "revoked": row.revoked, "suspended": row.suspended },
        "lineage": { "id": row.lineage, "permits": lineage },
        "predecessor": row.predecessor,
        "successor": row.successor,
        "createdAt": UnixTime(row.created_at).to_string(),
        "updatedAt": UnixTime(row.updated_at).to_string(),
        "history": history,
        "links": links(&row.id, row.shard),
    }))
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

/// `GET /v1/permits/{id}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Role::Registrar, Role::Auditor, Role::Employer, Role::Partner])?;
    // Scoped callers get the same 404 for "absent" and "not yours".
    let row = fetch_row(&state.db.pool, &id).await?.filter(|r| may_read(&caller, r)).ok_or_else(not_found)?;
    if moved_away(&state, &caller, &row).await? {
        return Ok(Json(json!({
            "id": row.id,
            "state": "ended",
            "endedAt": UnixTime(row.updated_at).to_string(),
            "detail": "this permit ended for this employer",
        })));
    }
    Ok(Json(view(&state, &row).await?))
}

/// `GET /v1/permits/{id}/qr.png`: the permit's QR code, for printing (same readers as the permit).
pub async fn qr_png(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Registrar, Role::Auditor, Role::Employer, Role::Partner])?;
    let row = fetch_row(&state.db.pool, &id).await?.filter(|r| may_read(&caller, r)).ok_or_else(not_found)?;
    if moved_away(&state, &caller, &row).await? {
        return Err(not_found());
    }
    let qr = dwp_issuer::qr::Qr::new(&row.payload).map_err(ApiError::internal)?;
    let png = qr.png(8).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "private, no-store")], png).into_response())
}

/// `?after=&limit=` for listings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /v1/permits` (registrar, auditor): ids, states and status indices, no personal data.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Role::Registrar, Role::Auditor])?;
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
    let items: Vec<Value> = rows
        .iter()
        .map(|r| -> Result<Value, sqlx::Error> {
            Ok(json!({
                "id": r.try_get::<String, _>(0)?,
                "state": r.try_get::<String, _>(1)?,
                "shard": r.try_get::<i64, _>(2)?,
                "index": r.try_get::<i64, _>(3)?,
                "permitNumber": r.try_get::<String, _>(4)?,
                "validUntil": UnixTime(r.try_get(5)?).to_string(),
                "lineage": r.try_get::<String, _>(6)?,
            }))
        })
        .collect::<Result<_, _>>()?;
    let next = if items.len() as i64 == limit { items.last().map(|v| v["id"].clone()) } else { None };
    Ok(Json(json!({ "permits": items, "next": next })))
}

// ---------------------------------------------------------------- actions

/// The body of a lifecycle action.
#[derive(Debug, Deserialize)]
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

/// `POST /v1/permits/{id}/{action}` (registrar).
pub async fn act(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    let action = Action::parse(&action).ok_or_else(not_found)?;
    caller.require(&[Role::Registrar])?;
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
        let new_id = new.as_ref().and_then(|v| v["id"].as_str()).map(str::to_string);
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
        let mut answer = json!({
            "id": row.id,
            "state": t.next.as_str(),
            "previousState": row.state.as_str(),
            "status": { "shard": row.shard, "index": row.index, "revoked": t.revoked_bit, "suspended": t.suspended_bit },
            "links": links(&row.id, row.shard),
        });
        let code = if let Some(n) = new {
            answer["successor"] = n;
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok((code, answer))
    })}))
    .await
}
