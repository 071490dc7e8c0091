//! Applications taken at service centres. An officer submits the permit data
//! and follows the application's progress, but never reads it back: the answer
//! holds the state only. The registrar alone approves (which issues the
//! permit) or rejects.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::Row;

use dwp_verifier::permit::{Permit, PermitInput};
use dwp_verifier::time::UnixTime;

use super::AppState;
use super::auth::{Caller, Role, random_id};
use super::body::{JsonBody, parse_json};
use super::permits::{check_reason, insert_permit, mutate, permit_error};
use super::problem::ApiError;
use super::writer::job;

/// `POST /v1/applications` (officer, registrar).
pub async fn submit(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonBody<PermitInput>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    caller.require(&[Role::Officer, Role::Registrar])?;
    let body = body?;
    Permit::from_input(&body.value).map_err(permit_error)?;
    let input_json = serde_json::to_string(&body.value).map_err(ApiError::internal)?;
    let c = caller.clone();
    mutate(&state, &caller, &headers, "POST /v1/applications", &body.raw, job(move |w| {
        Box::pin(async move {
        let id = random_id("ap_").map_err(ApiError::internal)?;
        sqlx::query(
            "INSERT INTO applications (id, state, submitted_by, input_json, submitted_at) VALUES ($1, 'submitted', $2, $3, $4)",
        )
        .bind(&id)
        .bind(&c.id)
        .bind(&input_json)
        .bind(w.now)
        .execute(&mut *w.tx)
        .await?;
        w.audit(&c.id, "application.submit", Some(&id), json!({})).await?;
        Ok((StatusCode::CREATED, json!({ "id": id, "state": "submitted", "submittedAt": UnixTime(w.now).to_string() })))
    })}))
    .await
}

/// `GET /v1/applications/{id}`: officers see the state and the reason code
/// only; the registrar also sees the data and the reason in full.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Role::Officer, Role::Registrar])?;
    let row = sqlx::query(
        "SELECT id, state, submitted_at, decided_at, permit_id, reason, input_json, reason_code FROM applications \
         WHERE id = $1",
    )
    .bind(&id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found"))?;
    let decided: Option<i64> = row.try_get(3)?;
    let mut v = json!({
        "id": row.try_get::<String, _>(0)?,
        "state": row.try_get::<String, _>(1)?,
        "submittedAt": UnixTime(row.try_get(2)?).to_string(),
        "decidedAt": decided.map(|d| UnixTime(d).to_string()),
        "permitId": row.try_get::<Option<String>, _>(4)?,
        "reasonCode": row.try_get::<Option<String>, _>(7)?.as_deref().map(reason_code_view),
    });
    if caller.role == Role::Registrar {
        v["reason"] = row.try_get::<Option<String>, _>(5)?.into();
        let input: String = row.try_get(6)?;
        v["permit"] = serde_json::from_str(&input).map_err(ApiError::internal)?;
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    /// The registrar's own words (the registrar and the audit log read them).
    #[serde(default)]
    reason: Option<String>,
    /// The reason as a code of [`REASON_CODES`] (what officers read); default `approved` or `other`.
    #[serde(default, rename = "reasonCode")]
    reason_code: Option<String>,
}

fn reason_code_view(code: &str) -> Value {
    match REASON_CODES.iter().find(|(c, _, _)| *c == code) {
        Some((c, en, th)) => json!({ "code": c, "title": en, "titleTh": th }),
        None => json!({ "code": "other" }),
    }
}

/// `POST /v1/applications/{id}/approve` · `/reject` (registrar).
pub async fn decide(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path((id, verb)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    let approve = match verb.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found")),
    };
    caller.require(&[Role::Registrar])?;
    let body = body?;
    let d: Decision = parse_json(&body.raw)?;
    if let Some(r) = &d.reason {
        check_reason(r)?;
    }
    let reason_code = match (&d.reason_code, approve) {
        (None, true) => "approved".to_string(),
        (None, false) => "other".to_string(),
        (Some(c), _) if REASON_CODES.iter().any(|(k, _, _)| k == c) && (c == "approved") == approve => c.clone(),
        (Some(_), _) => {
            let codes: Vec<&str> =
                REASON_CODES.iter().map(|(c, _, _)| *c).filter(|c| (*c == "approved") == approve).collect();
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
                .field("reasonCode")
                .detail(format!("reasonCode is one of {}", codes.join(", "))));
        }
    };
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
                let row = sqlx::query("SELECT state, input_json FROM applications WHERE id = $1")
                    .bind(&id)
                    .fetch_optional(&mut *w.tx)
                    .await?
                    .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found"))?;
                let app_state: String = row.try_get(0)?;
                if app_state != "submitted" {
                    return Err(
                        ApiError::new(StatusCode::CONFLICT, "application_decided").detail(format!("it is {app_state}"))
                    );
                }
                let (next, permit) = if approve {
                    let input: PermitInput =
                        serde_json::from_str(&row.try_get::<String, _>(1)?).map_err(ApiError::internal)?;
                    let permit = Permit::from_input(&input).map_err(permit_error)?;
                    ("approved", Some(insert_permit(&st, w, &c, permit, d.reason.as_deref(), None).await?))
                } else {
                    ("rejected", None)
                };
                let permit_id = permit.as_ref().and_then(|p| p["id"].as_str()).map(str::to_string);
                sqlx::query(
                    "UPDATE applications SET state = $1, decided_at = $2, permit_id = $3, reason = $4, \
                     reason_code = $5 WHERE id = $6",
                )
                .bind(next)
                .bind(w.now)
                .bind(permit_id.clone())
                .bind(d.reason.clone())
                .bind(&reason_code)
                .bind(&id)
                .execute(&mut *w.tx)
                .await?;
                w.audit(
                    &c.id,
                    &format!("application.{verb}"),
                    Some(&id),
                    json!({ "reason": d.reason, "reasonCode": reason_code, "permit": permit_id }),
                )
                .await?;
                let mut answer = json!({ "id": id, "state": next, "permitId": permit_id });
                if let Some(p) = permit {
                    answer["permit"] = p;
                }
                Ok((if approve { StatusCode::CREATED } else { StatusCode::OK }, answer))
            })
        }),
    )
    .await
}

/// The body of `POST /v1/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    role: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    label: Option<String>,
    /// Days until it expires (default: the registry's `--token-days`).
    #[serde(default, rename = "expiresInDays")]
    expires_in_days: Option<u32>,
}

/// `POST /v1/tokens` (admin): a new API token, shown once.
pub async fn create_token(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonBody<NewToken>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    caller.require(&[Role::Admin])?;
    let body = body?;
    let t = &body.value;
    let bad = |f: &str, d: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scope").field(f.to_string()).detail(d)
    };
    let role = Role::parse(&t.role).ok_or_else(|| {
        bad("role", "role must be one of admin, registrar, officer, employer, partner, inspector, auditor".into())
    })?;
    let scope = super::auth::check_scope(role, t.scope.as_deref()).map_err(|d| bad("scope", d))?;
    if let Some(l) = &t.label {
        dwp_verifier::text::check(l, 100).map_err(|e| bad("label", format!("label: {e}")))?;
    }
    let ttl = match t.expires_in_days {
        Some(days) => super::auth::check_days(days).map_err(|d| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").field("expiresInDays").detail(d)
        })?,
        None => state.token_ttl,
    };
    let label = t.label.clone();
    let c = caller.clone();
    // Tokens are never replayed from the idempotency store: the answer holds a secret.
    let mut no_replay = headers.clone();
    no_replay.remove("idempotency-key");
    mutate(
        &state,
        &caller,
        &no_replay,
        "POST /v1/tokens",
        &body.raw,
        job(move |w| {
            Box::pin(async move {
                let expires = w.now + ttl;
                let (id, token) =
                    super::auth::create_token(w, &c.id, role, scope.as_deref(), label.as_deref(), expires)
                        .await
                        .map_err(ApiError::internal)?;
                Ok((
                    StatusCode::CREATED,
                    json!({
                        "id": id, "role": role.as_str(), "scope": scope, "token": token,
                        "expiresAt": UnixTime(expires).to_string(),
                    }),
                ))
            })
        }),
    )
    .await
}
