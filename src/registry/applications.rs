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
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use dwp_verifier::permit::{Permit, PermitInput};
use dwp_verifier::time::UnixTime;

use super::AppState;
use super::api::{self, problems};
use super::auth::{Caller, Role, random_id};
use super::body::{JsonBody, parse_json};
use super::permits::{IssuedPermit, check_reason, insert_permit, mutate, permit_error, to_json};
use super::problem::ApiError;
use super::writer::job;

/// Who submits applications and follows them.
const DESKS: &[Role] = &[Role::Officer, Role::Registrar];
/// Who decides applications.
const REGISTRAR: &[Role] = &[Role::Registrar];
/// Who creates tokens.
const ADMIN: &[Role] = &[Role::Admin];

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
    &[(422, &["invalid_permit"])],
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
        let answer = Submitted { id, state: "submitted", submitted_at: UnixTime(w.now).to_string() };
        Ok((StatusCode::CREATED, to_json(&answer)?))
    })}))
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
    GetProblems: api::READ, api::AUTH, &[(404, &["not_found"])],
);

/// `GET /v1/applications/{id}`: officers see the state and the reason code
/// only; the registrar also sees the data and the reason in full.
#[utoipa::path(
    get,
    path = "/v1/applications/{id}",
    operation_id = "getApplication",
    summary = "An application's state (officers never see its data)",
    params(ApplicationId),
    responses((status = 200, description = "The application", body = ApplicationView), GetProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(DESKS)))),
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(ApplicationId { id }): Path<ApplicationId>,
) -> Result<Json<ApplicationView>, ApiError> {
    caller.require(DESKS)?;
    let row = sqlx::query(
        "SELECT id, state, submitted_at, decided_at, permit_id, reason, input_json, reason_code FROM applications \
         WHERE id = $1",
    )
    .bind(&id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found"))?;
    let decided: Option<i64> = row.try_get(3)?;
    let mut v = ApplicationView {
        id: row.try_get(0)?,
        state: row.try_get(1)?,
        submitted_at: UnixTime(row.try_get(2)?).to_string(),
        decided_at: decided.map(|d| UnixTime(d).to_string()),
        permit_id: row.try_get(4)?,
        reason_code: row.try_get::<Option<String>, _>(7)?.as_deref().map(reason_code_view),
        reason: None,
        permit: None,
    };
    if caller.role == Role::Registrar {
        v.reason = Some(row.try_get(5)?);
        let input: String = row.try_get(6)?;
        v.permit = Some(serde_json::from_str(&input).map_err(ApiError::internal)?);
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
    &[(404, &["not_found"]), (409, &["application_decided", "permit_number_in_use"]), (422, &["invalid_permit"])],
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
    decide(state, caller, id, true, headers, body).await
}

problems!(
    /// What `POST /v1/applications/{id}/reject` refuses.
    RejectProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(404, &["not_found"]), (409, &["application_decided"])],
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
    decide(state, caller, id, false, headers, body).await
}

/// `POST /v1/applications/{id}/approve` · `/reject` (registrar): the decision's rules, then the write.
async fn decide(
    state: AppState,
    caller: Result<Caller, ApiError>,
    id: String,
    approve: bool,
    headers: HeaderMap,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    let verb = if approve { "approve" } else { "reject" };
    caller.require(REGISTRAR)?;
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
                let permit_id = permit.as_ref().map(|p| p.id.clone());
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
                let answer = Decided { id, state: next, permit_id, permit };
                Ok((if approve { StatusCode::CREATED } else { StatusCode::OK }, to_json(&answer)?))
            })
        }),
    )
    .await
}

/// The body of `POST /v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// The role the token speaks for.
    #[schema(value_type = api::RoleName)]
    role: String,
    /// Employers: the 13-digit juristic ID; partners: comma-separated industrial-estate codes; others: none.
    #[serde(default)]
    scope: Option<String>,
    /// What the token is for (1 to 100 characters).
    #[serde(default)]
    label: Option<String>,
    /// Days until it expires (default: the registry's `--token-days`).
    #[serde(default, rename = "expiresInDays")]
    expires_in_days: Option<u32>,
}

/// A token just created: the secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedToken {
    /// The token's id (`tok_…`).
    pub id: String,
    /// Its role.
    pub role: &'static str,
    /// Its scope.
    #[schema(required = true)]
    pub scope: Option<String>,
    /// The secret (`dwp_…`), shown once.
    pub token: String,
    /// When it expires.
    pub expires_at: String,
}

problems!(
    /// What `POST /v1/tokens` refuses.
    CreateTokenProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, &[(422, &["invalid_scope"])],
);

/// `POST /v1/tokens` (admin): a new API token, shown once.
#[utoipa::path(
    post,
    path = "/v1/tokens",
    operation_id = "createToken",
    summary = "Create an API token (shown once)",
    request_body = NewToken,
    responses((status = 201, description = "The token", body = CreatedToken), CreateTokenProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(ADMIN)))),
)]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonBody<NewToken>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    caller.require(ADMIN)?;
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
                let answer =
                    CreatedToken { id, role: role.as_str(), scope, token, expires_at: UnixTime(expires).to_string() };
                Ok((StatusCode::CREATED, to_json(&answer)?))
            })
        }),
    )
    .await
}
