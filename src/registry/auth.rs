//! API tokens and roles. A token is `dwp_` + 43 base64url characters (32
//! random bytes); only its SHA-256 is stored, and it is shown once. Every
//! token expires, and any can be revoked at once; both are audited.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};

pub use super::ids::random_id;

use super::db::{self, WriteTx};
use super::problem::ApiError;
use super::state::AppState;
use crate::registry::problem::Code;
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
    let hash = token_hash(&token);
    let row = db::tokens::NewToken { id: &id, hash: &hash, role: role.as_str(), scope, label, expires_at };
    db::tokens::insert(w, &row).await?;
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
    if !db::tokens::revoke(w, id).await? {
        return Ok(false);
    }
    w.audit(actor, "token.revoke", Some(id), json!({})).await?;
    Ok(true)
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
        if roles.contains(&self.role) { Ok(()) } else { Err(ApiError::new(StatusCode::FORBIDDEN, Code::Forbidden)) }
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
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, Code::MissingToken))?;
    let text = value.to_str().map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, Code::InvalidToken))?;
    // RFC 9110 §11.1: the scheme is case-insensitive.
    let token = text
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, rest)| rest.trim())
        .ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, Code::InvalidToken).detail("use Authorization: Bearer <token>")
        })?;
    let well_formed = token.len() == 47
        && token.starts_with("dwp_")
        && token[4..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, Code::InvalidToken));
    }
    Ok(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let row = db::tokens::live_by_hash(&state.db, &token_hash(token), state.now().0)
            .await?
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, Code::InvalidToken))?;
        let role = row.role;
        Ok(Caller {
            id: row.id,
            role: Role::parse(&role).ok_or_else(|| ApiError::internal(format!("stored role {role:?} unknown")))?,
            scope: row.scope,
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
}
