//! `dwp vc-api`: the issuing and verifying endpoints of the W3C CCG VC API
//! (`POST /credentials/issue`, `POST /credentials/verify`), through which the
//! W3C interoperability test suites (EdDSA cryptosuites, Bitstring Status List)
//! drive an implementation.
//!
//! A conformance tool, never part of the registry: it runs as its own process
//! with its own test key, signs any conforming credential it is sent as a
//! `did:key` issuer, and keeps nothing. `dwp serve` has none of these routes.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tower_http::timeout::TimeoutLayer;

use dwp_issuer::keys::KeyPair;
use dwp_issuer::vc::{self, Cryptosuite, ProofOptions, VcError};
use dwp_verifier::integrity::{KeySource, ProofExpectations, ProofPurpose};
use dwp_verifier::proof::ProofError;

use crate::registry::Clock;

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Data Integrity's error types (`https://w3id.org/security#…`) and the VC data model's.
const PROOF_VERIFICATION_ERROR: &str = "https://w3id.org/security#PROOF_VERIFICATION_ERROR";
const PROOF_GENERATION_ERROR: &str = "https://w3id.org/security#PROOF_GENERATION_ERROR";
const PARSING_ERROR: &str = "https://www.w3.org/TR/vc-data-model-2.0/#PARSING_ERROR";

/// The test issuer: a key and the cryptosuite it signs with.
pub struct Issuer {
    /// The test key (never the registry's).
    pub key: KeyPair,
    /// The cryptosuite of every proof it makes.
    pub cryptosuite: Cryptosuite,
    /// Where `now` comes from.
    pub clock: Clock,
}

/// The service's state.
#[derive(Clone)]
pub struct VcApi(Arc<Issuer>);

impl VcApi {
    /// A service for `issuer`.
    pub fn new(issuer: Issuer) -> Self {
        VcApi(Arc::new(issuer))
    }
}

/// The routes: `POST /credentials/issue`, `POST /credentials/verify`.
pub fn app(state: VcApi) -> Router {
    Router::new()
        .route("/credentials/issue", post(issue))
        .route("/credentials/verify", post(verify))
        .with_state(state)
        // Read from the inside out: the body cap, then the timeout.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
}

/// A problem detail, as the VC API and Data Integrity write them.
fn problem(kind: &str, title: &str, detail: impl std::fmt::Display) -> Value {
    json!({ "type": kind, "title": title, "detail": detail.to_string() })
}

fn bad_request(kind: &str, title: &str, detail: impl std::fmt::Display) -> Response {
    (StatusCode::BAD_REQUEST, Json(problem(kind, title, detail))).into_response()
}

/// `POST /credentials/issue` request: `{credential, options}`.
#[derive(Debug, Deserialize)]
struct IssueRequest {
    credential: Value,
    #[serde(default)]
    options: Option<Map<String, Value>>,
}

/// `POST /credentials/verify` request: `{verifiableCredential, options}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyRequest {
    verifiable_credential: Value,
    #[serde(default)]
    options: Option<Map<String, Value>>,
}

/// An option that must be a string when given; the error is the problem's detail.
fn option_str<'a>(options: Option<&'a Map<String, Value>>, name: &str) -> Result<Option<&'a str>, String> {
    match options.and_then(|o| o.get(name)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("options.{name} must be a string")),
    }
}

/// 201 `{verifiableCredential}`; 400 for a request or credential that cannot be issued.
async fn issue(State(api): State<VcApi>, body: Result<Json<IssueRequest>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(e) => return bad_request(PARSING_ERROR, "Invalid request", e.body_text()),
    };
    let issuer = &api.0;
    let mut credential = req.credential;
    let Some(obj) = credential.as_object_mut() else {
        return bad_request(PARSING_ERROR, "Invalid credential", "credential must be a JSON object");
    };
    if obj.contains_key("proof") {
        return bad_request(PARSING_ERROR, "Invalid credential", "credential must not have a proof yet");
    }
    // The VC API's issuer fills in its own identifier when the credential names none.
    obj.entry("issuer").or_insert_with(|| issuer.key.did_key().into());
    let created = match option_str(req.options.as_ref(), "created") {
        Ok(Some(c)) => c.to_string(),
        Ok(None) => issuer.clock.now().to_string(),
        Err(detail) => return bad_request(PARSING_ERROR, "Invalid options", detail),
    };
    let options = ProofOptions {
        cryptosuite: issuer.cryptosuite,
        created,
        verification_method: issuer.key.did_key_verification_method(),
        purpose: ProofPurpose::AssertionMethod,
        id: None,
        previous_proof: Vec::new(),
    };
    match vc::add_proof(&credential, &issuer.key, &options) {
        Ok(signed) => (StatusCode::CREATED, Json(json!({ "verifiableCredential": signed }))).into_response(),
        Err(e @ (VcError::Signer(_) | VcError::Rdfc(_) | VcError::Proof(ProofError::Canonicalize))) => {
            bad_request(PROOF_GENERATION_ERROR, "The credential cannot be signed", e)
        }
        Err(e) => bad_request(PARSING_ERROR, "Invalid credential", e),
    }
}

/// 200 `{verified: true, checks, warnings, errors}`; 400 with `verified: false`
/// and the errors when it does not verify, or for a malformed request. Options:
/// `expectedProofPurpose` (default `assertionMethod`), `domain`, `challenge`.
async fn verify(State(api): State<VcApi>, body: Result<Json<VerifyRequest>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(e) => return bad_request(PARSING_ERROR, "Invalid request", e.body_text()),
    };
    let purpose = match option_str(req.options.as_ref(), "expectedProofPurpose") {
        Ok(None) => ProofPurpose::AssertionMethod,
        Ok(Some(p)) => match ProofPurpose::parse(p) {
            Some(p) => p,
            None => return bad_request(PARSING_ERROR, "Invalid options", "unknown expectedProofPurpose"),
        },
        Err(detail) => return bad_request(PARSING_ERROR, "Invalid options", detail),
    };
    let options = req.options.as_ref();
    let (domain, challenge) = match (option_str(options, "domain"), option_str(options, "challenge")) {
        (Ok(d), Ok(c)) => (d, c),
        (Err(detail), _) | (_, Err(detail)) => return bad_request(PARSING_ERROR, "Invalid options", detail),
    };
    let expected = ProofExpectations { purpose, now: api.0.clock.now(), domain, challenge };
    verification_response(vc::verify_credential(&req.verifiable_credential, KeySource::DidKey, &expected))
}

fn verification_response(result: Result<Vec<vc::VerifiedProof>, VcError>) -> Response {
    match result {
        Ok(_) => (StatusCode::OK, Json(json!({ "verified": true, "checks": ["proof"], "warnings": [], "errors": [] })))
            .into_response(),
        Err(e) => {
            let kind = match e {
                VcError::Conformance(_) => PARSING_ERROR,
                _ => PROOF_VERIFICATION_ERROR,
            };
            let errors = [problem(kind, "The credential does not verify", &e)];
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "verified": false, "checks": ["proof"], "warnings": [], "errors": errors })),
            )
                .into_response()
        }
    }
}

/// Serves until SIGTERM or ctrl-c; prints `vc-api listening on http://ADDR` first.
///
/// # Errors
/// When it cannot listen.
pub fn run(listen: &str, issuer: Issuer) -> Result<ExitCode> {
    let (did, suite) = (issuer.key.did_key(), issuer.cryptosuite.as_str());
    crate::registry::serve::serve_tool(
        listen,
        "vc-api",
        || app(VcApi::new(issuer)),
        |addr| {
            if !addr.ip().is_loopback() {
                eprintln!(
                    "vc-api: listening beyond loopback on {addr}; it signs whatever it is sent with its test key"
                );
            }
            eprintln!("vc-api: issuer {did} signing with {suite} (a conformance tool: test key, nothing kept)");
            Ok(())
        },
    )
}
