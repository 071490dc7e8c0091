//! Putting a permit on the worker's phone: OpenID for Verifiable Credential
//! Issuance 1.0, pre-authorized code flow with a transaction code. A
//! registrar or officer makes an offer for a permit (`offer`); the wallet
//! reads the offer and the issuer's metadata (`metadata`), trades the code and
//! the transaction code for an access token (`token`), takes a `c_nonce`, and
//! proves its device key to receive a credential bound to it (`credential`,
//! `proof`). The permit keeps one live credential: the one it had is revoked
//! (`rebound`).
//!
//! Every secret (the offer URI's, the pre-authorized code, the transaction
//! code, the access token, each `c_nonce`) is random, shown once and stored
//! only as its SHA-256. Every protocol step is a write through the writer: a
//! redemption or a refusal is audited, a wrong transaction code is counted,
//! and nothing else is written on a refusal.

pub mod credential;
pub mod metadata;
pub mod offer;
pub mod proof;
pub mod token;

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, response::Response as DocResponse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::registry::api;
use crate::registry::db::WriteTx;
use crate::registry::problem::ApiError;
use crate::registry::state::AppState;
use crate::registry::writer::{self, Job};

/// The one credential configuration offered.
pub const CONFIGURATION_ID: &str = "DWP_WorkPermit_v1";
/// The pre-authorized code grant type.
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/// How long an offer's pre-authorized code lives.
pub const OFFER_TTL_SECS: i64 = 15 * 60;
/// How long an access token lives.
pub const ACCESS_TTL_SECS: i64 = 5 * 60;
/// How long a `c_nonce` lives.
pub const NONCE_TTL_SECS: i64 = 5 * 60;
/// Wrong transaction codes that end an offer.
pub const MAX_TX_ATTEMPTS: i64 = 5;
/// The actor of the audit entries of the wallet's (unauthenticated) steps.
pub const WALLET_ACTOR: &str = "wallet";

/// The protocol's paths, under the credential issuer identifier.
pub const TOKEN_PATH: &str = "/oid4vci/token";
/// The nonce endpoint's path.
pub const NONCE_PATH: &str = "/oid4vci/nonce";
/// The credential endpoint's path.
pub const CREDENTIAL_PATH: &str = "/oid4vci/credential";
/// Where offers are read by reference (followed by the offer's URI secret).
pub const OFFERS_PATH: &str = "/oid4vci/offers";

/// The routes: the offer (a registrar's or officer's), and the wallet's public protocol endpoints.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(offer::create))
        .routes(routes!(offer::read))
        .routes(routes!(metadata::issuer))
        .routes(routes!(metadata::authorization_server))
        .routes(routes!(token::token))
        .routes(routes!(credential::nonce))
        .routes(routes!(credential::credential))
}

/// 32 random bytes, base64url: a secret.
pub fn random_secret() -> Result<String, ApiError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|_| ApiError::internal("the system random source failed"))?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// Six random decimal digits, uniformly drawn: a transaction code.
pub fn random_tx_code() -> Result<String, ApiError> {
    loop {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).map_err(|_| ApiError::internal("the system random source failed"))?;
        let n = u32::from_le_bytes(b);
        // Rejection sampling: the top of the range would make low codes likelier.
        if n < u32::MAX - u32::MAX % 1_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// SHA-256 of `parts` joined by newlines, lower-case hex: how secrets are stored.
pub fn hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b"\n");
        }
        h.update(p.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Equality whose time does not depend on where two equal-length strings differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An OAuth 2.0 error answer (RFC 6749 §5.2; OpenID4VCI 1.0 §8.3.1.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    /// The error code.
    pub error: &'static str,
    /// What was wrong, in English, for the developer.
    pub error_description: String,
}

/// A refusal of a protocol step: its status, code, description, and (for the audit log) a short reason.
pub struct Refusal {
    /// 400, or 401 for a missing or unusable access token.
    pub status: StatusCode,
    /// The OAuth error code.
    pub error: &'static str,
    /// The description answered.
    pub description: String,
}

impl Refusal {
    /// A 400 refusal.
    pub fn bad(error: &'static str, description: impl Into<String>) -> Refusal {
        Refusal { status: StatusCode::BAD_REQUEST, error, description: description.into() }
    }

    /// Records the refusal in the audit log (the endpoint, the error, the offer if known; never a secret)
    /// and gives the job's answer, which the writer commits with that entry only.
    pub async fn audited(
        self,
        w: &mut WriteTx,
        endpoint: &str,
        offer: Option<&str>,
    ) -> Result<(StatusCode, Value), ApiError> {
        w.audit(
            WALLET_ACTOR,
            "credential.refuse",
            offer,
            json!({ "endpoint": endpoint, "error": self.error, "why": self.description }),
        )
        .await?;
        let body = serde_json::to_value(OAuthError { error: self.error, error_description: self.description })
            .map_err(ApiError::internal)?;
        Ok((self.status, body))
    }
}

/// Runs a protocol step through the writer (no token, no idempotency key) and answers its JSON.
pub async fn run(state: &AppState, job: Job) -> Result<Response, ApiError> {
    let (status, body, _) = writer::submit(&state.writer, "", None, String::new(), job).await?;
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
    }
    Ok(resp)
}

/// The answers of a protocol endpoint: the problems (`application/problem+json`) the registry itself
/// gives, and the OAuth errors (`application/json`, [`OAuthError`]) of each status.
pub fn protocol_responses(
    problems: &[api::Refusals],
    oauth: &[(u16, &[&'static str])],
) -> BTreeMap<String, RefOr<DocResponse>> {
    let mut all = api::problem_responses(api::refusals(problems));
    for (status, codes) in oauth {
        let schema = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("error", ObjectBuilder::new().schema_type(Type::String).enum_values(Some(codes.to_vec())))
            .property("error_description", ObjectBuilder::new().schema_type(Type::String))
            .required("error")
            .required("error_description");
        let content = ContentBuilder::new().schema(Some(schema)).build();
        let entry = all.entry(status.to_string()).or_insert_with(|| {
            let reason = StatusCode::from_u16(*status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Refused");
            ResponseBuilder::new().description(format!("{reason}: an OAuth error")).build().into()
        });
        if let RefOr::T(response) = entry {
            response.description = format!("{} (OAuth: {})", response.description, codes.join(", "));
            response.content.insert("application/json".to_string(), content);
        }
    }
    all
}
