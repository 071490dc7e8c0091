//! `/v1/tokens`: API tokens, created and revoked by administrators. A new
//! token's secret is shown once; listings never show a secret or its hash.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_verifier::time::UnixTime;

use super::write::{mutate, to_json};
use crate::registry::api::{self, problems};
use crate::registry::auth::{self, Caller, Role};
use crate::registry::body::JsonBody;
use crate::registry::db::{self, Db};
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// The routes of `/v1/tokens`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_token, list_tokens)).routes(routes!(revoke_token))
}

/// A token as listed: never its secret or its hash.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    /// The token's id.
    pub id: String,
    /// Its role.
    pub role: String,
    /// Its scope.
    #[schema(required = true)]
    pub scope: Option<String>,
    /// What it is for.
    #[schema(required = true)]
    pub label: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// When it expires.
    #[schema(required = true)]
    pub expires_at: Option<String>,
    /// When it was revoked.
    #[schema(required = true)]
    pub revoked_at: Option<String>,
    /// `live`, `expired` or `revoked`.
    pub state: &'static str,
}

/// Every token: id, role, scope, label, times and state; never a secret or its hash.
pub async fn list(db: &Db, now: i64) -> Result<Vec<TokenView>, sqlx::Error> {
    let rows = db::tokens::all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (expires, revoked) = (r.expires_at, r.revoked_at);
            let state = match (revoked, expires) {
                (Some(_), _) => "revoked",
                (None, Some(e)) if e <= now => "expired",
                _ => "live",
            };
            TokenView {
                id: r.id,
                role: r.role,
                scope: r.scope,
                label: r.label,
                created_at: UnixTime(r.created_at).to_string(),
                expires_at: expires.map(|e| UnixTime(e).to_string()),
                revoked_at: revoked.map(|e| UnixTime(e).to_string()),
                state,
            }
        })
        .collect())
}

/// Who manages tokens.
const ADMIN: &[Role] = &[Role::Admin];

/// Every token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// The tokens, oldest first.
    pub tokens: Vec<TokenView>,
}

problems!(
    /// What `GET /v1/tokens` refuses.
    ListTokensProblems: api::READ, api::AUTH,
);

/// `GET /v1/tokens` (admin).
#[utoipa::path(
    get,
    path = "/v1/tokens",
    operation_id = "listTokens",
    summary = "List API tokens: ids, roles, scopes, expiry (never a secret)",
    responses((status = 200, description = "Every token", body = TokenList), ListTokensProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(ADMIN)))),
)]
pub async fn list_tokens(State(state): State<AppState>, caller: Caller) -> Result<Json<TokenList>, ApiError> {
    caller.require(ADMIN)?;
    Ok(Json(TokenList { tokens: list(&state.db, state.now().0).await? }))
}

/// A token just revoked.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevokedToken {
    /// The token's id.
    pub id: String,
    /// Always `revoked`.
    #[schema(example = "revoked")]
    pub state: &'static str,
    /// When.
    pub revoked_at: String,
}

problems!(
    /// What `DELETE /v1/tokens/{id}` refuses.
    RevokeTokenProblems: api::READ, api::AUTH, api::WRITE, api::IDEMPOTENT, &[(404, &[Code::TokenNotFound])],
);

/// `DELETE /v1/tokens/{id}` (admin): revoked at once; the next request with it is refused.
#[utoipa::path(
    delete,
    path = "/v1/tokens/{id}",
    operation_id = "revokeToken",
    summary = "Revoke an API token at once",
    params(("id" = String, Path, description = "The token's id (`tok_…`)"), api::Idempotency),
    responses((status = 200, description = "Revoked", body = RevokedToken), RevokeTokenProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(ADMIN)))),
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(ADMIN)?;
    let actor = caller.id.clone();
    let route = format!("DELETE /v1/tokens/{id}");
    mutate(
        &state,
        &caller,
        &headers,
        &route,
        b"",
        job(move |w| {
            Box::pin(async move {
                if auth::revoke(w, &actor, &id).await? {
                    let answer = RevokedToken { id, state: "revoked", revoked_at: UnixTime(w.now).to_string() };
                    Ok((StatusCode::OK, to_json(&answer)?))
                } else {
                    Err(ApiError::new(StatusCode::NOT_FOUND, Code::TokenNotFound).detail("no live token has this id"))
                }
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
    CreateTokenProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, &[(422, &[Code::InvalidScope])],
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
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidScope).field(f.to_string()).detail(d)
    };
    let role = Role::parse(&t.role).ok_or_else(|| {
        bad("role", "role must be one of admin, registrar, officer, employer, partner, inspector, auditor".into())
    })?;
    let scope = auth::check_scope(role, t.scope.as_deref()).map_err(|d| bad("scope", d))?;
    if let Some(l) = &t.label {
        dwp_verifier::text::check(l, 100).map_err(|e| bad("label", format!("label: {e}")))?;
    }
    let ttl = match t.expires_in_days {
        Some(days) => auth::check_days(days).map_err(|d| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField).field("expiresInDays").detail(d)
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
                let (id, token) = auth::create_token(w, &c.id, role, scope.as_deref(), label.as_deref(), expires)
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
