//! The wallet's last two steps (OpenID4VCI 1.0 §7, §8): `POST /oid4vci/nonce`
//! hands out a single-use `c_nonce`, and `POST /oid4vci/credential` takes the
//! access token and a key proof over that nonce, and answers the permit
//! signed anew for the proven key: the same permit (number, worker,
//! employer, validity) with `credentialSubject.id` the key's `did:key`, on a
//! status index of its own. The permit's row then holds that credential, so
//! that suspension, revocation and renewal act on it; the credential it
//! replaces keeps its index, revoked for good (reason `rebound`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use dwp_issuer::lifecycle::PermitState;
use dwp_verifier::multikey;
use dwp_verifier::permit::{Permit, PermitInput};

use super::proof::{self, MAX_PROOF_BYTES};
use super::{
    CONFIGURATION_ID, CREDENTIAL_PATH, NONCE_TTL_SECS, Refusal, WALLET_ACTOR, hash, protocol_responses, random_secret,
};
use crate::registry::api::{self, SignedCredential, problems};
use crate::registry::db::{self, WriteTx, oid4vci::OfferRow};
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::routes::permits::issue::replace_credential;
use crate::registry::routes::write::to_json;
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// A fresh `c_nonce`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NonceResponse {
    /// Single use; lives 5 minutes.
    pub c_nonce: String,
}

problems!(
    /// What `POST /oid4vci/nonce` refuses: nothing but a failure of the storage or our own.
    NonceProblems: api::READ, api::WRITE,
);

/// `POST /oid4vci/nonce` (public).
#[utoipa::path(
    post,
    path = "/oid4vci/nonce",
    operation_id = "oid4vciNonce",
    summary = "OpenID4VCI nonce endpoint: a single-use c_nonce for a key proof",
    responses((status = 200, description = "The nonce", body = NonceResponse), NonceProblems),
)]
pub async fn nonce(State(state): State<AppState>) -> Result<Response, ApiError> {
    super::run(
        &state,
        job(move |w| {
            Box::pin(async move {
                let c_nonce = random_secret()?;
                db::oid4vci::insert_nonce(w, &hash(&[&c_nonce]), w.now + NONCE_TTL_SECS).await?;
                Ok((StatusCode::OK, to_json(&NonceResponse { c_nonce })?))
            })
        }),
    )
    .await
}

/// A credential request (OpenID4VCI 1.0 §8.2). The key proof is `proofs.jwt` (one JWT), or `proof`
/// (`proof_type` `jwt`) as earlier drafts have it. The handler reads the JSON itself, to answer each fault
/// with its OAuth code.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub struct CredentialRequest {
    /// `DWP_WorkPermit_v1`.
    credential_configuration_id: String,
    /// `{"proof_type": "jwt", "jwt": "…"}`.
    #[schema(value_type = Object)]
    proof: Option<Value>,
    /// `{"jwt": ["…"]}`.
    #[schema(value_type = Object)]
    proofs: Option<Value>,
}

/// One issued credential.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedCredential {
    /// The W3C VC 2.0, holder-bound, signed with eddsa-jcs-2022.
    #[schema(value_type = SignedCredential)]
    pub credential: Value,
}

/// The credential response (OpenID4VCI 1.0 §8.3), with the DWP QR payload.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialResponse {
    /// The one credential.
    pub credentials: Vec<IssuedCredential>,
    /// The same credential as the `DWP1:` QR payload (wallet-spec/SPEC.md), for the wallet to show.
    pub dwp_payload: String,
}

/// What `POST /oid4vci/credential` answers besides success.
pub struct CredentialResponses;

impl utoipa::IntoResponses for CredentialResponses {
    fn responses() -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>> {
        protocol_responses(
            &[api::READ, api::WRITE, &[(413, &[Code::BodyTooLarge])]],
            &[
                (
                    400,
                    &[
                        "invalid_credential_request",
                        "unknown_credential_configuration",
                        "invalid_proof",
                        "invalid_nonce",
                        "credential_request_denied",
                    ],
                ),
                (401, &["invalid_token"]),
            ],
        )
    }
}

/// The bearer token of `Authorization`.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 128).then(|| token.to_string())
}

fn unauthorized(description: &str) -> Refusal {
    Refusal { status: StatusCode::UNAUTHORIZED, error: "invalid_token", description: description.to_string() }
}

/// The request's configuration and its one proof JWT.
fn parse_request(headers: &HeaderMap, body: &[u8]) -> Result<String, Refusal> {
    let bad = |d: &str| Refusal::bad("invalid_credential_request", d);
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(bad("send the request as application/json"));
    }
    let req: Value = serde_json::from_slice(body).map_err(|_| bad("the body is not JSON"))?;
    if req.get("credential_identifier").is_some() {
        return Err(bad("credential_identifier is not supported; name credential_configuration_id"));
    }
    match req.get("credential_configuration_id").and_then(Value::as_str) {
        Some(CONFIGURATION_ID) => {}
        Some(_) => {
            return Err(Refusal::bad("unknown_credential_configuration", "only DWP_WorkPermit_v1 is offered"));
        }
        None => return Err(bad("credential_configuration_id is missing")),
    }
    let jwt = match (req.get("proof"), req.get("proofs")) {
        (Some(p), None) if p.get("proof_type").and_then(Value::as_str) == Some("jwt") => p.get("jwt"),
        (None, Some(p)) => match p.get("jwt").and_then(Value::as_array).map(Vec::as_slice) {
            Some([one]) => Some(one),
            _ => return Err(Refusal::bad("invalid_proof", "proofs must hold exactly one jwt proof")),
        },
        (Some(_), Some(_)) => return Err(bad("give proof or proofs, not both")),
        _ => return Err(Refusal::bad("invalid_proof", "a jwt key proof is required")),
    };
    let jwt = jwt.and_then(Value::as_str).ok_or_else(|| Refusal::bad("invalid_proof", "the proof is not a JWT"))?;
    if jwt.len() > MAX_PROOF_BYTES {
        return Err(Refusal::bad("invalid_proof", "the proof is too long"));
    }
    Ok(jwt.to_string())
}

/// `POST /oid4vci/credential` (the access token from the token endpoint).
#[utoipa::path(
    post,
    path = "/oid4vci/credential",
    operation_id = "oid4vciCredential",
    summary = "OpenID4VCI credential endpoint: the permit, bound to the proven key",
    request_body(content = CredentialRequest, description = "The configuration and one jwt key proof"),
    params(("Authorization" = String, Header, description = "`Bearer` and the access token")),
    responses((status = 200, description = "The holder-bound credential", body = CredentialResponse),
        CredentialResponses),
)]
pub async fn credential(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let token = bearer(&headers);
    let request = parse_request(&headers, &body);
    let st = state.clone();
    super::run(
        &state,
        job(move |w| {
            Box::pin(async move {
                let Some(token) = token else {
                    return unauthorized("an access token from the token endpoint is required")
                        .audited(w, CREDENTIAL_PATH, None)
                        .await;
                };
                let Some(offer) = db::oid4vci::offer_by_access(w, &hash(&[&token])).await? else {
                    return unauthorized("the access token is not known").audited(w, CREDENTIAL_PATH, None).await;
                };
                let why = match offer.state.as_str() {
                    "redeemed" if offer.access_expires_at.is_none_or(|t| w.now > t) => {
                        Some("the access token has expired")
                    }
                    "redeemed" => None,
                    "issued" => Some("the access token was already used for its credential"),
                    _ => Some("the offer of this access token has ended"),
                };
                if let Some(why) = why {
                    return unauthorized(why).audited(w, CREDENTIAL_PATH, Some(&offer.id)).await;
                }
                match issue_bound(&st, w, &offer, request).await? {
                    Ok(answer) => Ok((StatusCode::OK, to_json(&answer)?)),
                    Err(refusal) => refusal.audited(w, CREDENTIAL_PATH, Some(&offer.id)).await,
                }
            })
        }),
    )
    .await
}

/// Checks the request and its proof, then signs and stores the bound credential.
async fn issue_bound(
    state: &AppState,
    w: &mut WriteTx,
    offer: &OfferRow,
    request: Result<String, Refusal>,
) -> Result<Result<CredentialResponse, Refusal>, ApiError> {
    let jwt = match request {
        Ok(jwt) => jwt,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let proven = match proof::verify(&jwt, &state.public_url, w.now) {
        Ok(p) => p,
        Err(e) => return Ok(Err(Refusal::bad("invalid_proof", e.to_string()))),
    };
    let nonce_hash = hash(&[&proven.nonce]);
    if proven.nonce.len() > 128 || !db::oid4vci::nonce_live(w, &nonce_hash).await? {
        let why = "the proof's nonce is not a live c_nonce (unknown, used or expired); fetch a new one";
        return Ok(Err(Refusal::bad("invalid_nonce", why)));
    }
    let Some(row) = db::permits::by_id_in(w, &offer.permit_id).await? else {
        return Ok(Err(Refusal::bad("credential_request_denied", "the permit no longer exists")));
    };
    if PermitState::parse(&row.state) != Some(PermitState::Active) || w.now > row.valid_until {
        return Ok(Err(Refusal::bad("credential_request_denied", "the permit is no longer active")));
    }
    let holder = multikey::did_key(&proven.key);
    let mut input: PermitInput = serde_json::from_str(&row.input_json).map_err(ApiError::internal)?;
    input.worker.holder_key = Some(holder);
    let Ok(permit) = Permit::from_input(&input) else {
        return Ok(Err(Refusal::bad("invalid_proof", "the proof's key cannot be a holder key")));
    };
    let input_json = serde_json::to_string(&input).map_err(ApiError::internal)?;
    let new = replace_credential(state, w, &row, permit, &input_json, "rebound").await?;
    let (shard, index) = (new.shard, new.index);
    db::oid4vci::spend_nonce(w, &nonce_hash).await?;
    db::oid4vci::mark_issued(w, &offer.id).await?;
    let audit_seq = w
        .audit(
            WALLET_ACTOR,
            "credential.bind",
            Some(&offer.id),
            json!({
                "permit": row.id,
                "shard": shard,
                "index": index,
                "replaced": { "shard": row.shard, "index": row.index, "reason": "rebound" },
            }),
        )
        .await?;
    let event = db::permits::NewEvent {
        permit_id: &row.id,
        action: "bind",
        reason: Some("rebound"),
        actor: WALLET_ACTOR,
        related: Some(&offer.id),
        audit_seq,
    };
    db::permits::add_event(w, event).await?;
    let credential: Value = serde_json::from_str(&new.credential_json).map_err(ApiError::internal)?;
    Ok(Ok(CredentialResponse { credentials: vec![IssuedCredential { credential }], dwp_payload: new.payload }))
}
