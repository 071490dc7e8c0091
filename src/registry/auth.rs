//! API tokens and roles. A token is `dwp_` + 43 base64url characters (32
//! random bytes); only its SHA-256 is stored, and it is shown once. Every
//! token expires, and any can be revoked at once; both are audited.

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::ToSchema;

use super::AppState;
use super::api::{self, problems};
use super::problem::ApiError;
use super::store::WriteTx;
use dwp_verifier::time::UnixTime;

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Creates tokens; nothing else.
    Admin,
    /// The registrar (นายทะเบียน): alone may issue, renew, change employer, suspend, reinstate, revoke.
    Registrar,
    /// A service-centre contractor: submits and tracks applications; never reads personal data.
    Officer,
    /// An employer: its own workers' permits (scope: juristic ID).
    Employer,
    /// A partner agency: permits in its industrial estates (scope: estate codes).
    Partner,
    /// An inspector: the verifier bundle only.
    Inspector,
    /// Read-only: permits and the audit log.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Registrar, Role::Officer, Role::Employer, Role::Partner, Role::Inspector, Role::Auditor];

    /// The stored and typed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Registrar => "registrar",
            Role::Officer => "officer",
            Role::Employer => "employer",
            Role::Partner => "partner",
            Role::Inspector => "inspector",
            Role::Auditor => "auditor",
        }
    }

    /// Reads a name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Checks a scope for a role and returns its stored form: employers name one
/// juristic ID, partners one or more industrial-estate codes (comma-separated);
/// other roles take none.
///
/// # Errors
/// A sentence saying what the role expects.
pub fn check_scope(role: Role, scope: Option<&str>) -> Result<Option<String>, String> {
    match (role, scope) {
        (Role::Employer, Some(s)) => {
            let b = s.as_bytes();
            if b.len() == 13
                && b.iter().all(u8::is_ascii_digit)
                && dwp_verifier::permit::thai_check_digit(&b[..12]) == b[12] - b'0'
            {
                return Ok(Some(s.to_string()));
            }
            Err("an employer token's scope is the employer's 13-digit juristic ID (with its check digit)".into())
        }
        (Role::Partner, Some(s)) => {
            let codes: Vec<&str> = s.split(',').map(str::trim).collect();
            let ok = !codes.is_empty()
                && codes.len() <= 64
                && codes.iter().all(|c| {
                    (1..=16).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                });
            if ok {
                Ok(Some(codes.join(",")))
            } else {
                Err("a partner token's scope is a comma-separated list of industrial-estate codes (A-Z, 0-9)".into())
            }
        }
        (Role::Employer | Role::Partner, None) => Err(format!("a {} token needs --scope", role.as_str())),
        (_, Some(_)) => Err(format!("a {} token takes no scope", role.as_str())),
        (_, None) => Ok(None),
    }
}

/// SHA-256 of a token, hex: what is stored and looked up.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random identifier: `prefix` + 26 base32 characters (128 bits).
pub fn random_id(prefix: &str) -> anyhow::Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let n = u128::from_be_bytes(b);
    let s: String = (0..26).map(|i| ALPHABET[((n >> (i * 5)) & 31) as usize] as char).collect();
    Ok(format!("{prefix}{s}"))
}

/// The longest a token may live, in days.
pub const MAX_TOKEN_DAYS: u32 = 3650;

/// Checks a lifetime in days; returns it in seconds.
///
/// # Errors
/// A sentence giving the range.
pub fn check_days(days: u32) -> Result<i64, String> {
    if (1..=MAX_TOKEN_DAYS).contains(&days) {
        Ok(i64::from(days) * 86_400)
    } else {
        Err(format!("a token lives 1 to {MAX_TOKEN_DAYS} days (got {days})"))
    }
}

/// Creates a token inside a write transaction (with its audit entry), valid
/// until `expires_at`; returns `(id, token)`.
pub async fn create_token(
    w: &mut WriteTx,
    actor: &str,
    role: Role,
    scope: Option<&str>,
    label: Option<&str>,
    expires_at: i64,
) -> anyhow::Result<(String, String)> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    let token = format!("dwp_{}", URL_SAFE_NO_PAD.encode(secret));
    let id = random_id("tok_")?;
    sqlx::query(
        "INSERT INTO tokens (id, hash, role, scope, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(token_hash(&token))
    .bind(role.as_str())
    .bind(scope.map(str::to_string))
    .bind(label.map(str::to_string))
    .bind(w.now)
    .bind(expires_at)
    .execute(&mut *w.tx)
    .await?;
    w.audit(
        actor,
        "token.create",
        Some(&id),
        json!({ "role": role.as_str(), "scope": scope, "label": label, "expiresAt": UnixTime(expires_at).to_string() }),
    )
    .await?;
    Ok((id, token))
}

/// Revokes a live token (with its audit entry); `false` if there is no live token by that id.
pub async fn revoke(w: &mut WriteTx, actor: &str, id: &str) -> Result<bool, sqlx::Error> {
    if id.len() > 64 {
        return Ok(false);
    }
    let done = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(w.now)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    w.audit(actor, "token.revoke", Some(id), json!({})).await?;
    Ok(true)
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
pub async fn list(db: &super::store::Db, now: i64) -> Result<Vec<TokenView>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, role, scope, label, created_at, expires_at, revoked_at FROM tokens ORDER BY created_at, id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| -> Result<TokenView, sqlx::Error> {
            let expires: Option<i64> = r.try_get(5)?;
            let revoked: Option<i64> = r.try_get(6)?;
            let state = match (revoked, expires) {
                (Some(_), _) => "revoked",
                (None, Some(e)) if e <= now => "expired",
                _ => "live",
            };
            Ok(TokenView {
                id: r.try_get(0)?,
                role: r.try_get(1)?,
                scope: r.try_get(2)?,
                label: r.try_get(3)?,
                created_at: UnixTime(r.try_get(4)?).to_string(),
                expires_at: expires.map(|e| UnixTime(e).to_string()),
                revoked_at: revoked.map(|e| UnixTime(e).to_string()),
                state,
            })
        })
        .collect()
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
    RevokeTokenProblems: api::READ, api::AUTH, api::WRITE, api::IDEMPOTENT, &[(404, &["token_not_found"])],
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
    super::permits::mutate(
        &state,
        &caller,
        &headers,
        &route,
        b"",
        super::writer::job(move |w| {
            Box::pin(async move {
                if revoke(w, &actor, &id).await? {
                    let answer = RevokedToken { id, state: "revoked", revoked_at: UnixTime(w.now).to_string() };
                    Ok((StatusCode::OK, super::permits::to_json(&answer)?))
                } else {
                    Err(ApiError::new(StatusCode::NOT_FOUND, "token_not_found").detail("no live token has this id"))
                }
            })
        }),
    )
    .await
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's id (what the audit log names).
    pub id: String,
    /// Its role.
    pub role: Role,
    /// Its scope (juristic ID, or estate codes).
    pub scope: Option<String>,
}

impl Caller {
    /// Refuses (403) unless the caller has one of `roles`.
    ///
    /// # Errors
    /// `forbidden`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) { Ok(()) } else { Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden")) }
    }

    /// The estates of a partner token.
    pub fn estates(&self) -> Vec<&str> {
        self.scope.as_deref().map(|s| s.split(',').collect()).unwrap_or_default()
    }
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "missing_token"))?;
    let text = value.to_str().map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token"))?;
    // RFC 9110 §11.1: the scheme is case-insensitive.
    let token = text
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, rest)| rest.trim())
        .ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token").detail("use Authorization: Bearer <token>")
        })?;
    let well_formed = token.len() == 47
        && token.starts_with("dwp_")
        && token[4..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token"));
    }
    Ok(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let row = sqlx::query(
            "SELECT id, role, scope FROM tokens WHERE hash = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(token_hash(token))
        .bind(state.now().0)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token"))?;
        let role: String = row.try_get(1)?;
        Ok(Caller {
            id: row.try_get(0)?,
            role: Role::parse(&role).ok_or_else(|| ApiError::internal(format!("stored role {role:?} unknown")))?,
            scope: row.try_get(2)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_checked_per_role() {
        assert_eq!(check_scope(Role::Employer, Some("0215559001234")), Ok(Some("0215559001234".into())));
        assert!(check_scope(Role::Employer, Some("0215559001235")).is_err(), "bad check digit");
        assert!(check_scope(Role::Employer, None).is_err());
        assert_eq!(check_scope(Role::Partner, Some("ESIE, AMATA")), Ok(Some("ESIE,AMATA".into())));
        assert!(check_scope(Role::Partner, Some("esie")).is_err());
        assert!(check_scope(Role::Partner, Some("ESIE,")).is_err());
        assert!(check_scope(Role::Registrar, Some("x")).is_err());
        assert_eq!(check_scope(Role::Auditor, None), Ok(None));
    }

    #[test]
    fn token_lifetimes_are_bounded() {
        assert_eq!(check_days(1), Ok(86_400));
        assert_eq!(check_days(MAX_TOKEN_DAYS), Ok(i64::from(MAX_TOKEN_DAYS) * 86_400));
        assert!(check_days(0).is_err());
        assert!(check_days(MAX_TOKEN_DAYS + 1).is_err());
    }

    #[test]
    fn ids_are_random_and_well_formed() {
        let a = random_id("p_").expect("id");
        let b = random_id("p_").expect("id");
        assert_ne!(a, b);
        assert_eq!(a.len(), 28);
        assert!(a[2..].bytes().all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c)));
    }
}
