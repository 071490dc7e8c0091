//! `POST /oid4vci/token`: the pre-authorized code and the transaction code
//! traded for an access token (OpenID4VCI 1.0 §6; RFC 6749 §4.1.3, §5). The
//! code is single use and lives 15 minutes; a wrong transaction code is
//! counted (a write, so the count survives a restart) and the fifth ends the
//! offer. The token is random, lives 5 minutes and is good for one credential.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use dwp_issuer::lifecycle::PermitState;

use super::offer::tx_code_hash;
use super::{
    ACCESS_TTL_SECS, MAX_TX_ATTEMPTS, PRE_AUTHORIZED_GRANT, Refusal, TOKEN_PATH, WALLET_ACTOR, constant_time_eq, hash,
    protocol_responses, random_secret,
};
use crate::registry::api;
use crate::registry::db;
use crate::registry::problem::{ApiError, Code};
use crate::registry::routes::write::to_json;
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// The token request (`application/x-www-form-urlencoded`), as the OpenAPI document describes it; the
/// handler reads the form itself (each parameter once, strictly decoded).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub struct TokenRequest {
    /// `urn:ietf:params:oauth:grant-type:pre-authorized_code`.
    grant_type: String,
    /// The offer's pre-authorized code.
    #[schema(rename = "pre-authorized_code")]
    pre_authorized_code: String,
    /// The transaction code the worker was given.
    tx_code: String,
}

/// A successful token answer (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The access token for the credential endpoint (one credential).
    pub access_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds it lives.
    pub expires_in: i64,
}

/// Decodes `%XX` and `+` of a form value (RFC 6749 Appendix B).
fn form_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = [bytes.next()?, bytes.next()?];
                out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

/// The form's parameters; each at most once (RFC 6749 §3.2).
fn parse_form(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, Refusal> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(Refusal::bad("invalid_request", "send the request as application/x-www-form-urlencoded"));
    }
    let text = std::str::from_utf8(body).map_err(|_| Refusal::bad("invalid_request", "the body is not UTF-8"))?;
    let mut params: Vec<(String, String)> = Vec::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let bad = || Refusal::bad("invalid_request", "the form is not validly encoded");
        let (k, v) = (form_decode(k).ok_or_else(bad)?, form_decode(v).ok_or_else(bad)?);
        if params.iter().any(|(seen, _)| *seen == k) {
            return Err(Refusal::bad("invalid_request", format!("the parameter {k} is given more than once")));
        }
        params.push((k, v));
    }
    Ok(params)
}

/// What `POST /oid4vci/token` answers besides success.
pub struct TokenResponses;

impl utoipa::IntoResponses for TokenResponses {
    fn responses() -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>> {
        protocol_responses(
            &[api::READ, api::WRITE, &[(413, &[Code::BodyTooLarge])]],
            &[(400, &["invalid_request", "unsupported_grant_type", "invalid_grant"])],
        )
    }
}

/// `POST /oid4vci/token` (public: the pre-authorized code is the grant).
#[utoipa::path(
    post,
    path = "/oid4vci/token",
    operation_id = "oid4vciToken",
    summary = "OpenID4VCI token endpoint: the pre-authorized code and tx_code for an access token",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The access token", body = TokenResponse), TokenResponses),
)]
pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let form = parse_form(&headers, &body);
    super::run(
        &state,
        job(move |w| {
            Box::pin(async move {
                let params = match form {
                    Ok(p) => p,
                    Err(refusal) => return refusal.audited(w, TOKEN_PATH, None).await,
                };
                let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
                match get("grant_type") {
                    Some(PRE_AUTHORIZED_GRANT) => {}
                    Some(_) => {
                        let refusal = Refusal::bad("unsupported_grant_type", "only the pre-authorized code grant");
                        return refusal.audited(w, TOKEN_PATH, None).await;
                    }
                    None => {
                        return Refusal::bad("invalid_request", "grant_type is missing")
                            .audited(w, TOKEN_PATH, None)
                            .await;
                    }
                }
                let Some(code) = get("pre-authorized_code").filter(|c| !c.is_empty() && c.len() <= 128) else {
                    let refusal = Refusal::bad("invalid_request", "pre-authorized_code is missing");
                    return refusal.audited(w, TOKEN_PATH, None).await;
                };
                let Some(offer) = db::oid4vci::offer_by_code(w, &hash(&[code])).await? else {
                    let refusal = Refusal::bad("invalid_grant", "the pre-authorized code is not known");
                    return refusal.audited(w, TOKEN_PATH, None).await;
                };
                let why = match offer.state.as_str() {
                    "open" if w.now > offer.expires_at => Some("the pre-authorized code has expired"),
                    "open" => None,
                    "redeemed" | "issued" => Some("the pre-authorized code was already used"),
                    "locked" => Some("too many wrong transaction codes: the offer has ended"),
                    _ => Some("a newer offer replaced this one"),
                };
                if let Some(why) = why {
                    return Refusal::bad("invalid_grant", why).audited(w, TOKEN_PATH, Some(&offer.id)).await;
                }
                let Some(tx_code) = get("tx_code").filter(|t| !t.is_empty() && t.len() <= 16) else {
                    let refusal = Refusal::bad("invalid_request", "tx_code is missing");
                    return refusal.audited(w, TOKEN_PATH, Some(&offer.id)).await;
                };
                if !constant_time_eq(&tx_code_hash(code, tx_code), &offer.tx_hash) {
                    let lock = offer.attempts + 1 >= MAX_TX_ATTEMPTS;
                    db::oid4vci::wrong_tx_code(w, &offer.id, lock).await?;
                    let why = match lock {
                        true => "wrong transaction code; that was the last attempt: the offer has ended".to_string(),
                        false => {
                            format!("wrong transaction code; {} attempts left", MAX_TX_ATTEMPTS - offer.attempts - 1)
                        }
                    };
                    return Refusal::bad("invalid_grant", why).audited(w, TOKEN_PATH, Some(&offer.id)).await;
                }
                let permit = db::permits::by_id_in(w, &offer.permit_id).await?;
                let live = permit.is_some_and(|p| {
                    PermitState::parse(&p.state) == Some(PermitState::Active) && w.now <= p.valid_until
                });
                if !live {
                    let refusal = Refusal::bad("invalid_grant", "the permit is no longer active");
                    return refusal.audited(w, TOKEN_PATH, Some(&offer.id)).await;
                }
                let access_token = random_secret()?;
                db::oid4vci::redeem(w, &offer.id, &hash(&[&access_token]), w.now + ACCESS_TTL_SECS).await?;
                w.audit(WALLET_ACTOR, "credential.redeem", Some(&offer.id), json!({ "permit": offer.permit_id }))
                    .await?;
                let answer = TokenResponse { access_token, token_type: "Bearer", expires_in: ACCESS_TTL_SECS };
                Ok((StatusCode::OK, to_json(&answer)?))
            })
        }),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_strictly() {
        assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(form_decode("%4"), None);
        assert_eq!(form_decode("%zz"), None);
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, "application/x-www-form-urlencoded".parse().expect("header"));
        assert_eq!(parse_form(&h, b"a=1&b=2").ok(), Some(vec![("a".into(), "1".into()), ("b".into(), "2".into())]));
        assert!(parse_form(&h, b"a=1&a=2").is_err(), "a repeated parameter");
        assert!(parse_form(&HeaderMap::new(), b"a=1").is_err(), "not a form");
    }
}
