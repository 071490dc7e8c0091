//! The signed exchange with partner agencies (see `registry::exchange`): the
//! administrator's register of agency keys, the registry's own answer key,
//! IEAT's Section 62 notifications and the disclosure for stay extensions.

pub mod disclosure;
pub mod notifications;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_verifier::multikey;
use dwp_verifier::policy::EstateCode;
use dwp_verifier::time::UnixTime;

use super::write::{mutate, to_json};
use crate::registry::access::Purpose;
use crate::registry::api::{self, Refusals, problems};
use crate::registry::auth::{Caller, Role};
use crate::registry::body::JsonBody;
use crate::registry::db::{self, exchange::PartnerKey};
use crate::registry::exchange::{CASE, OFFICER, PURPOSE, RESPONSE_TAG};
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// The routes of the exchange.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register_key, list_partner_keys))
        .routes(routes!(exchange_key))
        .routes(routes!(notifications::notify))
        .routes(routes!(notifications::notification_state))
        .routes(routes!(disclosure::search))
        .routes(routes!(disclosure::permit))
}

/// What every signed exchange request can be refused for.
pub const SIGNED: Refusals = &[
    (
        400,
        &[
            Code::ExchangeSignatureMalformed,
            Code::ExchangeNotCovered,
            Code::ExchangeDigestMissing,
            Code::ExchangeDigestMismatch,
            Code::ExchangePurposeRequired,
            Code::ExchangeCaseRequired,
            Code::ExchangeOfficerRequired,
            Code::ExchangeWindowTooLong,
        ],
    ),
    (
        401,
        &[
            Code::ExchangeUnsigned,
            Code::ExchangeKeyUnknown,
            Code::ExchangeKeyExpired,
            Code::ExchangeSignatureInvalid,
            Code::ExchangeSignatureStale,
            Code::ExchangeSignatureFuture,
            Code::ExchangeNonceReplayed,
        ],
    ),
    (403, &[Code::ExchangePurposeNotAllowed, Code::ExchangeEstateNotAllowed]),
];

/// The fields of a signed exchange request.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct Signed {
    /// RFC 9421: the signature's components and parameters, tag `dwp-exchange`, covering at least
    /// `@method`, `@target-uri`, `content-digest`, `content-type` (with a body), `dwp-purpose`,
    /// `dwp-case` and `dwp-officer`; with `created`, `expires` (at most 300 s later), `nonce` and
    /// `keyid` (the registered key).
    #[param(rename = "Signature-Input")]
    pub signature_input: String,
    /// RFC 9421: the Ed25519 signature.
    #[param(rename = "Signature")]
    pub signature: String,
    /// RFC 9530: `sha-256` (or `sha-512`) of the body (of the empty body for a GET).
    #[param(rename = "Content-Digest")]
    pub content_digest: String,
    /// Why the agency asks, e.g. `stay-extension`; one of the key's purposes.
    #[param(rename = "DWP-Purpose")]
    pub purpose: String,
    /// The agency's case number.
    #[param(rename = "DWP-Case")]
    pub case: String,
    /// The agency's officer who asks.
    #[param(rename = "DWP-Officer")]
    pub officer: String,
}

/// The purposes an agency key may be given.
const AGENCY_PURPOSES: [Purpose; 2] = [Purpose::StayExtension, Purpose::Issuance];

/// A partner agency's key, as an administrator registers it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPartnerKey {
    /// The key's id, as the agency's signatures name it (`keyid`): 1 to 64 of `A-Z a-z 0-9 . _ -`.
    #[schema(example = "ieat-2026-01")]
    pub key_id: String,
    /// The agency, e.g. `ieat`: 1 to 32 of `a-z 0-9 -`.
    #[schema(example = "ieat")]
    pub agency: String,
    /// The Ed25519 public key, multibase (`z6Mk…`).
    pub public_key_multibase: String,
    /// The industrial estates it may speak for.
    #[schema(example = json!(["ESIE"]))]
    pub estates: Vec<String>,
    /// What it may state as `DWP-Purpose`: `stay-extension` (disclosure), `issuance` (Section 62 notifications).
    #[schema(example = json!(["stay-extension", "issuance"]))]
    pub purposes: Vec<String>,
    /// Valid from (default: now).
    pub not_before: Option<String>,
    /// Valid until.
    pub not_after: String,
}

/// A registered partner key.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerKeyView {
    pub key_id: String,
    pub agency: String,
    pub public_key_multibase: String,
    pub estates: Vec<String>,
    pub purposes: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    pub registered_at: String,
}

impl From<PartnerKey> for PartnerKeyView {
    fn from(k: PartnerKey) -> Self {
        PartnerKeyView {
            key_id: k.key_id,
            agency: k.agency,
            public_key_multibase: k.public_key,
            estates: k.estates,
            purposes: k.purposes,
            not_before: UnixTime(k.not_before).to_string(),
            not_after: UnixTime(k.not_after).to_string(),
            registered_at: UnixTime(k.registered_at).to_string(),
        }
    }
}

/// Every registered partner key.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerKeys {
    pub keys: Vec<PartnerKeyView>,
}

fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidPartnerKey).field(field).detail(detail)
}

/// 1 to `max` ASCII letters and digits, or bytes of `extra`.
fn word(s: &str, max: usize, extra: &[u8]) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
}

/// An estate code as permits carry it (the verifier's rule, [`EstateCode`]).
pub fn is_estate_code(s: &str) -> bool {
    EstateCode::parse(s).is_ok()
}

fn checked(k: &NewPartnerKey, now: i64) -> Result<PartnerKey, ApiError> {
    if !word(&k.key_id, 64, b"._-") {
        return Err(invalid("keyId", "1 to 64 of A-Z a-z 0-9 . _ -"));
    }
    if !word(&k.agency, 32, b"-") || k.agency.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(invalid("agency", "1 to 32 of a-z 0-9 -"));
    }
    if multikey::decode_public(&k.public_key_multibase).is_none() {
        return Err(invalid("publicKeyMultibase", "an Ed25519 public key, multibase (z6Mk…)"));
    }
    if k.estates.is_empty() || k.estates.len() > 64 || !k.estates.iter().all(|e| is_estate_code(e)) {
        return Err(invalid("estates", "1 to 64 estate codes of 2 to 10 upper-case letters and digits"));
    }
    let allowed: Vec<&str> = AGENCY_PURPOSES.iter().map(|p| p.as_str()).collect();
    if k.purposes.is_empty() || !k.purposes.iter().all(|p| allowed.contains(&p.as_str())) {
        return Err(invalid("purposes", format!("one or more of: {}", allowed.join(", "))));
    }
    let time =
        |field: &str, v: &str| UnixTime::parse(v).map(|t| t.0).map_err(|_| invalid(field, "YYYY-MM-DDTHH:MM:SSZ"));
    let not_before = k.not_before.as_deref().map(|v| time("notBefore", v)).transpose()?.unwrap_or(now);
    let not_after = time("notAfter", &k.not_after)?;
    if not_after <= not_before.max(now) {
        return Err(invalid("notAfter", "after notBefore, and in the future"));
    }
    let dedup = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v.dedup();
        v
    };
    Ok(PartnerKey {
        key_id: k.key_id.clone(),
        agency: k.agency.clone(),
        public_key: k.public_key_multibase.clone(),
        estates: dedup(&k.estates),
        purposes: dedup(&k.purposes),
        not_before,
        not_after,
        registered_at: now,
    })
}

/// Who registers agency keys.
const ADMIN: &[Role] = &[Role::Admin];
/// Who sees them.
const KEY_READERS: &[Role] = &[Role::Admin, Role::Auditor];

problems!(
    /// What `POST /v1/partner-keys` refuses.
    RegisterProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE, api::IDEMPOTENT,
    &[(409, &[Code::PartnerKeyExists]), (422, &[Code::InvalidPartnerKey])],
);

/// `POST /v1/partner-keys` (admin): registers a partner agency's key.
#[utoipa::path(
    post,
    path = "/v1/partner-keys",
    operation_id = "registerPartnerKey",
    summary = "Register a partner agency's signing key: its estates, purposes and validity",
    request_body = NewPartnerKey,
    params(api::Idempotency),
    responses((status = 201, description = "Registered", body = PartnerKeyView), RegisterProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(ADMIN)))),
)]
pub async fn register_key(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<JsonBody<NewPartnerKey>, ApiError>,
) -> Result<Response, ApiError> {
    let caller = caller?;
    caller.require(ADMIN)?;
    let body = body?;
    let key = checked(&body.value, state.clock.now().0)?;
    let by = caller.id.clone();
    mutate(
        &state,
        &caller,
        &headers,
        "POST /v1/partner-keys",
        &body.raw,
        job(move |w| {
            Box::pin(async move {
                let key = PartnerKey { registered_at: w.now, ..key };
                if !db::exchange::add_key(w, &key, &by).await? {
                    return Err(ApiError::new(StatusCode::CONFLICT, Code::PartnerKeyExists)
                        .detail("register the agency's new key under a new id"));
                }
                let detail = serde_json::json!({
                    "agency": key.agency, "estates": key.estates, "purposes": key.purposes,
                    "notAfter": UnixTime(key.not_after).to_string(),
                });
                w.audit(&by, "partner_key.register", Some(&key.key_id), detail).await?;
                Ok((StatusCode::CREATED, to_json(&PartnerKeyView::from(key))?))
            })
        }),
    )
    .await
}

problems!(
    /// What `GET /v1/partner-keys` refuses.
    ListProblems: api::READ, api::AUTH,
);

/// `GET /v1/partner-keys` (admin, auditor).
#[utoipa::path(
    get,
    path = "/v1/partner-keys",
    operation_id = "listPartnerKeys",
    summary = "The registered partner agency keys",
    responses((status = 200, description = "Every key, by id", body = PartnerKeys), ListProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(KEY_READERS)))),
)]
pub async fn list_partner_keys(State(state): State<AppState>, caller: Caller) -> Result<Json<PartnerKeys>, ApiError> {
    caller.require(KEY_READERS)?;
    let keys = db::exchange::keys(&state.db).await?.into_iter().map(PartnerKeyView::from).collect();
    Ok(Json(PartnerKeys { keys }))
}

/// The registry's answer key.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeKeyView {
    /// The `keyid` of the registry's answer signatures.
    pub key_id: String,
    /// Ed25519, multibase.
    pub public_key_multibase: String,
    /// The tag of its answer signatures.
    #[schema(example = "dwp-exchange-response")]
    pub tag: &'static str,
    /// The request fields the exchange requires and signs.
    pub request_fields: [&'static str; 3],
}

problems!(
    /// What `GET /x/v1/keys` refuses.
    ExchangeKeyProblems: api::READ,
);

/// `GET /x/v1/keys` (public): the key the registry signs its exchange answers with.
#[utoipa::path(
    get,
    path = "/x/v1/keys",
    operation_id = "getExchangeKey",
    summary = "The key the registry signs its answers to partner agencies with (pin it)",
    responses((status = 200, description = "The answer key", body = ExchangeKeyView), ExchangeKeyProblems),
)]
pub async fn exchange_key(State(state): State<AppState>) -> Json<ExchangeKeyView> {
    Json(ExchangeKeyView {
        key_id: state.exchange_key.key_id.clone(),
        public_key_multibase: state.exchange_key.public_multibase(),
        tag: RESPONSE_TAG,
        request_fields: [PURPOSE, CASE, OFFICER],
    })
}
