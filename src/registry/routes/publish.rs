//! What the registry publishes for verifiers: signed status lists, the DID
//! document, the trust list, the pinned contexts and the verifier bundle.
//! All public: they hold no personal data.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_issuer::status::{ListInfo, sign_status_list};
use dwp_verifier::credential::StatusPurpose;
use dwp_verifier::status::Bitstring;
use dwp_verifier::time::UnixTime;

use crate::issuance::LIST_ENTRIES;
use crate::registry::api::{self, DidDocument, JsonLdContext, StatusListCredential, TrustList, problems};
use crate::registry::db;
use crate::registry::health;
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::state::AppState;

/// The routes of what is published.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(bundle))
        .routes(routes!(status_list))
        .routes(routes!(did_document))
        .routes(routes!(trust_list))
        .routes(routes!(dwp_context))
}

/// How long a signed list stays valid (`validUntil - validFrom`): the longest offline policy.
pub const LIST_VALIDITY_SECS: i64 = 7 * 86_400;
/// A list is re-signed (fresh `validFrom`) when its signature is older than this, even without changes.
pub const RESIGN_AFTER_SECS: i64 = 3_600;
/// The `ttl` verifiers are told: fetch again after five minutes when online.
pub const TTL_MS: u64 = 300_000;

/// A signed list, as stored: the last good signature, served until a newer one is made.
#[derive(Debug, Clone)]
pub struct Published {
    sequence: i64,
    signed_at: i64,
    /// The signed credential, serialized.
    pub body: Arc<String>,
    etag: String,
}

impl Published {
    fn new(purpose: StatusPurpose, shard: u32, sequence: i64, signed_at: i64, body: String) -> Published {
        let etag = format!("\"{}-{shard}-{sequence}-{signed_at}\"", purpose.as_str());
        Published { sequence, signed_at, body: Arc::new(body), etag }
    }
}

/// Why a list was not signed afresh.
enum Refusal {
    /// The clock is behind the last signature or the key's window.
    Clock(String),
    /// Stored status disagrees with the audited history.
    Audit(String),
    /// Anything else.
    Api(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Refusal::Api(e)
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Refusal::Api(e.into())
    }
}

/// The current signed list for `(shard, purpose)`, or `None` if no such list
/// exists. A list is signed afresh when its sequence moved or its signature is
/// an hour old, and never with a time earlier than the registry's last
/// signature or from rows that disagree with their audited history: it then
/// keeps its last good signature and `/readyz` says why.
pub async fn current_list(state: &AppState, shard: u32, purpose: StatusPurpose) -> Result<Option<Published>, ApiError> {
    // The sequence is read before the bits: the bits are then at least as new as the
    // sequence they are published under, on every isolation level.
    let row = db::status_lists::get(&state.db, i64::from(shard), purpose).await?;
    let Some(row) = row else { return Ok(None) };
    state.keyring.refresh(&state.db).await?;
    let sequence = row.sequence;
    let stored = match (row.signed_sequence, row.signed_at, row.signed_json) {
        (Some(seq), Some(at), Some(body)) => Some(Published::new(purpose, shard, seq, at, body)),
        _ => None,
    };
    let now = state.now().0;
    // A list signed by a key that no longer signs (a rotation, a compromise) is signed afresh.
    let signer = state.keyring.get().key_at(UnixTime(now)).ok().map(|k| k.vm.to_string());
    if let Some(p) = &stored
        && p.sequence == sequence
        && (p.signed_at..p.signed_at + RESIGN_AFTER_SECS).contains(&now)
        && signer.is_some_and(|vm| signed_by(&p.body).as_deref() == Some(vm.as_str()))
    {
        return Ok(stored);
    }
    let subject = format!("{}/{shard}", purpose.as_str());
    match sign_afresh(state, shard, purpose, sequence).await {
        Ok(p) => {
            state.health.clear(health::CLOCK);
            state.health.clear_for(health::AUDIT, &subject);
            Ok(Some(p))
        }
        Err(refusal) => {
            let fallback = match refusal {
                Refusal::Clock(why) => {
                    state.health.set(health::CLOCK, why);
                    ApiError::clock_behind()
                }
                Refusal::Audit(why) => {
                    state.health.set_for(health::AUDIT, &subject, why);
                    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Code::StatusDisagreesWithAudit)
                        .detail("the stored status disagrees with the audit log; the list is not signed")
                }
                Refusal::Api(e) => e,
            };
            // The last good signature stands; a list never signed cannot be served.
            stored.map(Some).ok_or(fallback)
        }
    }
}

/// The verification method of a signed list's proof.
fn signed_by(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    v.get("proof")?.get("verificationMethod")?.as_str().map(str::to_string)
}

async fn sign_afresh(
    state: &AppState,
    shard: u32,
    purpose: StatusPurpose,
    sequence: i64,
) -> Result<Published, Refusal> {
    let signing = state.keyring.get();
    let last = UnixTime(state.db.last_signed_at().await?);
    // The clock is read after the last signing time: whatever another instance signed before that read
    // was signed at a time this clock has passed, so only a clock that really stepped back is refused.
    let now = state.now().0;
    if let Err(behind) = dwp_issuer::signing_time::check(UnixTime(now), last, state.not_before) {
        return Err(Refusal::Clock(format!("{behind}; status lists keep their last good signature")));
    }
    let disagree = db::audit::disagreements(&state.db, Some(i64::from(shard)), 10).await?;
    if !disagree.is_empty() {
        let ids: Vec<&str> = disagree.iter().map(|d| d.id.as_str()).collect();
        return Err(Refusal::Audit(format!(
            "stored status of {} disagrees with the audit log (GET /v1/audit/verify); the list keeps its last \
             good signature",
            ids.join(", ")
        )));
    }
    let rows = db::permits::set_bits(&state.db, i64::from(shard), purpose).await?;
    let mut bits = Bitstring::zeroed(LIST_ENTRIES as usize);
    for i in rows {
        let i = usize::try_from(i).map_err(|_| ApiError::internal("stored status index out of range"))?;
        if !bits.set(i, true) {
            return Err(ApiError::internal("stored status index out of range").into());
        }
    }
    let key = signing.key_at(UnixTime(now))?;
    let info = ListInfo {
        issuer: &state.did,
        verification_method: key.vm,
        shard,
        purpose,
        sequence: u64::try_from(sequence).unwrap_or(0),
        valid_from: UnixTime(now),
        valid_until: UnixTime(now + LIST_VALIDITY_SECS),
        ttl_ms: TTL_MS,
    };
    let signed = sign_status_list(&info, &bits, &**key.signer).map_err(ApiError::internal)?;
    let body = serde_json::to_string(&signed).map_err(ApiError::internal)?;
    // Recorded before it is served: the next signature is never earlier than this one.
    db::status_lists::record_signature(&state.db, i64::from(shard), purpose, sequence, now, &body).await?;
    Ok(Published::new(purpose, shard, sequence, now, body))
}

problems!(
    /// What `GET /status/{purpose}/{list}` refuses.
    StatusListProblems: api::READ, &[(404, &[Code::NotFound]), (503, &[Code::ClockBehind, Code::StatusDisagreesWithAudit])],
);

/// `GET /status/{purpose}/{list}`: the signed `BitstringStatusListCredential`.
#[utoipa::path(
    get,
    path = "/status/{purpose}/{list}",
    operation_id = "getStatusList",
    summary = "A signed BitstringStatusListCredential (ETag, gzip)",
    params(
        ("purpose" = inline(api::StatusPurposeName), Path, description = "The list's purpose"),
        ("list" = u32, Path, description = "The list (shard) number"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag of this list: 304 while it is current"),
    ),
    responses(
        (status = 200, description = "The signed list", content_type = "application/vc", body = StatusListCredential,
            headers(("ETag" = String, description = "Changes with every new signature"))),
        (status = 304, description = "The list matching If-None-Match is current"),
        StatusListProblems,
    ),
)]
pub async fn status_list(
    State(state): State<AppState>,
    Path((purpose, list)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, Code::NotFound);
    let purpose = StatusPurpose::parse(&purpose).ok_or_else(not_found)?;
    let shard: u32 = list.parse().ok().filter(|_| list.len() <= 10 && !list.starts_with('+')).ok_or_else(not_found)?;
    let published = current_list(&state, shard, purpose).await?.ok_or_else(not_found)?;
    let etag = HeaderValue::from_str(&published.etag).map_err(ApiError::internal)?;
    let cache = HeaderValue::from_static("public, no-cache");
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == published.etag.as_bytes()) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache)]).into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/vc")),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        published.body.as_str().to_string(),
    )
        .into_response())
}

fn json_text(content_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=300")], body).into_response()
}

problems!(
    /// What the fixed documents refuse: nothing but our own failure.
    FixedProblems: api::INTERNAL,
);

problems!(
    /// What the published key documents refuse: they follow the newest trust list in the database.
    KeyDocumentProblems: api::READ,
);

/// `GET /.well-known/did.json`.
#[utoipa::path(
    get,
    path = "/.well-known/did.json",
    operation_id = "getDidDocument",
    summary = "The issuer's DID document",
    responses(
        (status = 200, description = "The DID document", content_type = "application/did+json", body = DidDocument),
        KeyDocumentProblems,
    ),
)]
pub async fn did_document(State(state): State<AppState>) -> Result<Response, ApiError> {
    state.keyring.refresh(&state.db).await?;
    Ok(json_text("application/did+json", state.keyring.get().did_document.clone()))
}

/// `GET /trust-list`.
#[utoipa::path(
    get,
    path = "/trust-list",
    operation_id = "getTrustList",
    summary = "The signed trust list",
    responses((status = 200, description = "The trust list", body = TrustList), KeyDocumentProblems),
)]
pub async fn trust_list(State(state): State<AppState>) -> Result<Response, ApiError> {
    state.keyring.refresh(&state.db).await?;
    Ok(json_text("application/json", state.keyring.get().trust_list.clone()))
}

/// `GET /contexts/dwp/v1`.
#[utoipa::path(
    get,
    path = "/contexts/dwp/v1",
    operation_id = "getDwpContext",
    summary = "The DWP JSON-LD context",
    responses(
        (status = 200, description = "The context", content_type = "application/ld+json", body = JsonLdContext),
        FixedProblems,
    ),
)]
pub async fn dwp_context() -> Response {
    json_text("application/ld+json", dwp_issuer::contexts::DWP_V1.to_string())
}

/// Everything an offline verifier needs, in one file.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifierBundle {
    /// Always `DwpVerifierBundle`.
    #[serde(rename = "type")]
    #[schema(example = "DwpVerifierBundle")]
    pub kind: &'static str,
    /// The bundle format's version, 1.
    pub version: u32,
    /// When it was put together.
    pub issued: String,
    /// The issuer DID.
    pub issuer: String,
    /// The signed trust list.
    #[schema(value_type = TrustList)]
    pub trust_list: Value,
    /// The issuer's DID document.
    #[schema(value_type = DidDocument)]
    pub did_document: Value,
    /// Every signed status list.
    #[schema(value_type = Vec<StatusListCredential>)]
    pub status_lists: Vec<Value>,
    /// The pinned JSON-LD contexts: URL to document text.
    pub contexts: std::collections::BTreeMap<String, String>,
}

problems!(
    /// What `GET /v1/bundle` refuses.
    BundleProblems: api::READ, &[(503, &[Code::ClockBehind, Code::StatusDisagreesWithAudit])],
);

/// `GET /v1/bundle`: everything an offline verifier needs, in one file.
#[utoipa::path(
    get,
    path = "/v1/bundle",
    operation_id = "getBundle",
    summary = "The verifier bundle: trust list, every status list, pinned contexts (ETag, gzip)",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag of the bundle: 304 while nothing in it changed")),
    responses(
        (status = 200, description = "The bundle", body = VerifierBundle,
            headers(("ETag" = String, description = "Changes when the trust list or a status list changes"))),
        (status = 304, description = "The bundle matching If-None-Match is current"),
        BundleProblems,
    ),
)]
pub async fn bundle(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let b = assemble(&state).await?;
    let tag = HeaderValue::from_str(&bundle_etag(&b)?).map_err(ApiError::internal)?;
    let cache = HeaderValue::from_static("public, no-cache");
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v == tag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag), (header::CACHE_CONTROL, cache)]).into_response());
    }
    Ok(([(header::ETAG, tag), (header::CACHE_CONTROL, cache)], Json(b)).into_response())
}

/// The bundle's ETag: a digest of what a verifier keeps (the trust list, the DID document, every
/// signed list), not of `issued`, which moves every second.
fn bundle_etag(b: &VerifierBundle) -> Result<String, ApiError> {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    for part in [&b.trust_list, &b.did_document] {
        h.update(serde_json::to_vec(part).map_err(ApiError::internal)?);
    }
    for list in &b.status_lists {
        h.update(serde_json::to_vec(list).map_err(ApiError::internal)?);
    }
    let digest: String = h.finalize()[..16].iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("\"bundle-{digest}\""))
}

/// The verifier bundle of this moment: every list signed afresh where it is due.
///
/// # Errors
/// When the database refuses, or a stored row is out of shape.
pub async fn assemble(state: &AppState) -> Result<VerifierBundle, ApiError> {
    state.keyring.refresh(&state.db).await?;
    let signing = state.keyring.get();
    let rows = db::status_lists::all(&state.db).await?;
    let mut lists = Vec::new();
    for (shard, purpose) in rows {
        let (Ok(shard), Some(purpose)) = (u32::try_from(shard), StatusPurpose::parse(&purpose)) else {
            return Err(ApiError::internal("stored status list row out of shape"));
        };
        match current_list(state, shard, purpose).await {
            Ok(Some(p)) => lists.push(serde_json::from_str::<Value>(&p.body).map_err(ApiError::internal)?),
            Ok(None) => {}
            // A list never signed that cannot be signed now is left out: its permits read as
            // `status_unknown`, never as valid, and `/readyz` says why.
            Err(e) if matches!(e.code(), Code::ClockBehind | Code::StatusDisagreesWithAudit) => {}
            Err(e) => return Err(e),
        }
    }
    let contexts = dwp_issuer::contexts::ALL.iter().map(|(url, text)| (url.to_string(), text.to_string())).collect();
    Ok(VerifierBundle {
        kind: "DwpVerifierBundle",
        version: 1,
        issued: state.now().to_string(),
        issuer: state.did.clone(),
        trust_list: serde_json::from_str(&signing.trust_list).map_err(ApiError::internal)?,
        did_document: serde_json::from_str(&signing.did_document).map_err(ApiError::internal)?,
        status_lists: lists,
        contexts,
    })
}
