//! `GET /v1/me/access-log`: the worker sees who read their permit's data, and
//! why. No token: the request is signed (RFC 9421, tag `dwp-holder`) with the
//! wallet's holder key, whose `did:key` is the signature's `keyid` and the
//! permit's `credentialSubject.id`; the answer covers every permit of the
//! lineages bound to that key (the reads before the binding included).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_verifier::multikey;
use dwp_verifier::time::UnixTime;

use crate::httpsig::{self, Component};
use crate::registry::api::{self, problems};
use crate::registry::db;
use crate::registry::exchange::{Request, check_window, sig_refusal};
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;
use crate::registry::writer::{self, job};

/// The tag of a holder's request signature.
pub const HOLDER_TAG: &str = "dwp-holder";

/// The routes of the worker's own requests.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(access_log))
}

/// Who read the worker's data, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyAccessLog {
    /// The permits bound to the key, and their lineages' other permits.
    pub permits: Vec<String>,
    /// Every read, oldest first.
    pub reads: Vec<MyRead>,
}

/// One read.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyRead {
    /// When.
    pub at: String,
    /// The permit read.
    pub permit: String,
    /// What was read: `permit.read`, `permit.read_qr`, `permit.disclose`, …
    pub action: String,
    /// Who: the department's role (`registrar`, `auditor`, `employer`…), or `partner`.
    pub role: String,
    /// The partner agency, for a disclosure (e.g. `ieat`).
    #[schema(required = true)]
    pub agency: Option<String>,
    /// The agency's officer, for a disclosure.
    #[schema(required = true)]
    pub officer: Option<String>,
    /// The purpose stated (`stay-extension`, `issuance`, `employment-check`…).
    pub purpose: String,
    /// The agency's case number, for a disclosure.
    #[schema(required = true)]
    pub case: Option<String>,
}

/// The fields of a holder-signed request.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct HolderSigned {
    /// RFC 9421, tag `dwp-holder`: covers `@method` and `@target-uri`; `keyid` is the holder's
    /// `did:key`; `created`, `expires` (at most 300 s later) and `nonce` are required.
    #[param(rename = "Signature-Input")]
    pub signature_input: String,
    /// The holder key's Ed25519 signature.
    #[param(rename = "Signature")]
    pub signature: String,
}

problems!(
    /// What `GET /v1/me/access-log` refuses.
    MeProblems: api::READ, api::WRITE,
    &[(400, &[Code::ExchangeSignatureMalformed, Code::ExchangeNotCovered, Code::ExchangeWindowTooLong]),
      (401, &[Code::ExchangeUnsigned, Code::ExchangeSignatureInvalid, Code::ExchangeSignatureStale,
              Code::ExchangeSignatureFuture, Code::ExchangeNonceReplayed]),
      (404, &[Code::HolderUnknown])],
);

fn refusal(status: StatusCode, code: Code, detail: impl Into<String>) -> ApiError {
    ApiError::new(status, code).detail(detail)
}

/// `GET /v1/me/access-log` (signed with the holder key).
#[utoipa::path(
    get,
    path = "/v1/me/access-log",
    operation_id = "getMyAccessLog",
    summary = "The worker's own access log: who read their permit's data, and why (signed with the wallet's key)",
    params(HolderSigned),
    responses((status = 200, description = "Every read of the worker's permits", body = MyAccessLog), MeProblems),
    extensions(("x-signature" = json!("RFC 9421 tag dwp-holder; keyid = credentialSubject.id"))),
)]
pub async fn access_log(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<MyAccessLog>, ApiError> {
    let req = Request::new(&state, &method, &uri, &headers, body);
    let msg = req.message();
    let found = httpsig::find(&msg, HOLDER_TAG).map_err(sig_refusal)?;
    httpsig::require_covered(&found, &[Component::of("@method"), Component::of("@target-uri")]).map_err(sig_refusal)?;
    let p = &found.input.params;
    let (Some(did), Some(created), Some(expires), Some(nonce)) =
        (p.keyid.clone(), p.created, p.expires, p.nonce.clone())
    else {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            Code::ExchangeSignatureMalformed,
            "keyid, created, expires and nonce are required",
        ));
    };
    check_window(created, expires, state.clock.now().0)?;
    let public = multikey::parse_did_key(&did).and_then(|b| VerifyingKey::from_bytes(&b).ok()).ok_or_else(|| {
        refusal(StatusCode::BAD_REQUEST, Code::ExchangeSignatureMalformed, "keyid is the holder's did:key")
    })?;
    httpsig::verify(&public, &found, &msg, None).map_err(sig_refusal)?;
    let index = state.db.vault.blind(db::permits::HOLDER_INDEX, &did).map_err(ApiError::internal)?;
    let bound = db::permits::by_holder(&state.db, &index).await?;
    if bound.is_empty() {
        return Err(refusal(StatusCode::NOT_FOUND, Code::HolderUnknown, "no permit is bound to this key"));
    }
    let work = job(move |w| {
        Box::pin(async move {
            if !db::exchange::use_nonce(w, &did, &nonce, expires).await? {
                return Err(refusal(StatusCode::UNAUTHORIZED, Code::ExchangeNonceReplayed, "a new nonce per request"));
            }
            Ok((StatusCode::OK, Value::Null))
        })
    });
    writer::submit(&state.writer, "holder", None, String::new(), work).await?;
    let mut permits: Vec<String> = Vec::new();
    let mut lineages: Vec<String> = bound.into_iter().map(|(_, l)| l).collect();
    lineages.dedup();
    for l in &lineages {
        for id in db::permits::lineage(&state.db, l).await? {
            if !permits.contains(&id) {
                permits.push(id);
            }
        }
    }
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let mut reads = Vec::new();
    for id in &permits {
        for (e, _, _) in db::audit::reads_of(&state.db, id).await? {
            reads.push((
                e.seq,
                MyRead {
                    at: UnixTime(e.at).to_string(),
                    permit: id.clone(),
                    action: e.action,
                    role: text(&e.detail, "role").unwrap_or_default(),
                    agency: text(&e.detail, "agency"),
                    officer: text(&e.detail, "officer"),
                    purpose: text(&e.detail, "purpose").unwrap_or_default(),
                    case: text(&e.detail, "case"),
                },
            ));
        }
    }
    reads.sort_by_key(|(seq, _)| *seq);
    Ok(Json(MyAccessLog { permits, reads: reads.into_iter().map(|(_, r)| r).collect() }))
}
