//! The credential offer (OpenID4VCI 1.0 §4.1): `POST /v1/permits/{id}/offer`
//! makes one for a live permit — a registrar's or a service-centre officer's
//! act, answered with no personal data — and the wallet reads it by reference
//! at `GET /oid4vci/offers/{offer}`. The secret in that URI is not the
//! pre-authorized code: the code is derived from it, and only the hashes of
//! both are stored. The transaction code is answered once, to be shown to the
//! worker apart from the QR code; a newer offer for the same permit ends the older.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use dwp_issuer::lifecycle::PermitState;
use dwp_verifier::time::UnixTime;

use super::metadata::TX_CODE_DESCRIPTION;
use super::{CONFIGURATION_ID, OFFER_TTL_SECS, OFFERS_PATH, PRE_AUTHORIZED_GRANT, hash, random_secret, random_tx_code};
use crate::registry::api::{self, problems};
use crate::registry::auth::{Caller, Role, random_id};
use crate::registry::body::JsonBody;
use crate::registry::db::{self, WriteTx, oid4vci::NewOffer};
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::routes::permits::PermitId;
use crate::registry::routes::write::to_json;
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// Who makes offers.
const OFFERERS: &[Role] = &[Role::Registrar, Role::Officer];

/// The pre-authorized code of the offer whose URI secret is `secret`.
pub fn pre_authorized_code(secret: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::new().chain_update(b"dwp oid4vci pre-authorized code\n").chain_update(secret).finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// The stored hash of a transaction code, salted with its offer's pre-authorized code.
pub fn tx_code_hash(code: &str, tx_code: &str) -> String {
    hash(&["dwp oid4vci tx_code", code, tx_code])
}

/// Percent-encodes all but the unreserved characters (RFC 3986 §2.3).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The body of `POST /v1/permits/{id}/offer`: nothing yet (`{}`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferBody {}

/// An offer just made. No personal data: an officer may read it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferMade {
    /// The offer's id (`of_…`), as the audit log names it.
    pub offer_id: String,
    /// The permit.
    pub permit_id: String,
    /// `openid-credential-offer://?credential_offer_uri=…`: what the offer QR code holds.
    pub credential_offer_uri: String,
    /// The transaction code (6 digits), shown once: give it to the worker apart from the QR code.
    pub tx_code: String,
    /// When the offer ends (UTC); its code is single use, and five wrong transaction codes end it too.
    pub expires_at: String,
    /// The offer QR code, a PNG image, base64.
    pub qr_png: String,
}

problems!(
    /// What `POST /v1/permits/{id}/offer` refuses.
    OfferProblems: api::READ, api::AUTH, api::JSON_BODY, api::WRITE,
    &[(404, &[Code::NotFound]), (409, &[Code::PermitRevoked, Code::PermitSuperseded, Code::PermitSuspended, Code::PermitExpired])],
);

/// `POST /v1/permits/{id}/offer` (registrar, officer).
#[utoipa::path(
    post,
    path = "/v1/permits/{id}/offer",
    operation_id = "offerPermit",
    summary = "Offer a live permit to the worker's wallet (OpenID4VCI); each call makes a new offer",
    params(PermitId),
    request_body(content = OfferBody, description = "An empty object"),
    responses((status = 201, description = "The offer, its transaction code (shown once) and QR code", body = OfferMade),
        OfferProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(OFFERERS)))),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(PermitId { id }): Path<PermitId>,
    body: Result<JsonBody<OfferBody>, ApiError>,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let caller = caller?;
    caller.require(OFFERERS)?;
    body?;
    let issuer = state.public_url.clone();
    super::run(
        &state,
        job(move |w| {
            Box::pin(async move {
                let made = make(w, &issuer, &caller.id, &id).await?;
                Ok((StatusCode::CREATED, to_json(&made)?))
            })
        }),
    )
    .await
}

/// Makes an offer of the permit `id` inside the write `w`, as the token `caller_id`: its one-time
/// secrets are in the answer only (their hashes are stored).
///
/// # Errors
/// 404 for no such permit, 409 for one that cannot be offered, a storage error.
pub async fn make(w: &mut WriteTx, issuer: &str, caller_id: &str, id: &str) -> Result<OfferMade, ApiError> {
    let row = match id.len() <= 64 {
        true => db::permits::by_id_in(w, id).await?,
        false => None,
    };
    let row = row.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, Code::NotFound))?;
    let stored =
        PermitState::parse(&row.state).ok_or_else(|| ApiError::internal(format!("stored state {:?}", row.state)))?;
    let conflict = |e: ApiError, detail: &str| Err(e.detail(detail.to_string()));
    match stored {
        PermitState::Revoked => {
            return conflict(ApiError::new(StatusCode::CONFLICT, Code::PermitRevoked), "the permit is revoked");
        }
        PermitState::Superseded => {
            let e = ApiError::new(StatusCode::CONFLICT, Code::PermitSuperseded);
            return conflict(e, "the permit was replaced; offer the newer one");
        }
        PermitState::Suspended => {
            let e = ApiError::new(StatusCode::CONFLICT, Code::PermitSuspended);
            return conflict(e, "the permit is suspended");
        }
        PermitState::Active if w.now > row.valid_until => {
            return conflict(ApiError::new(StatusCode::CONFLICT, Code::PermitExpired), "the permit has expired");
        }
        PermitState::Active => {}
    }
    let offer_id = random_id("of_").map_err(ApiError::internal)?;
    let secret = random_secret()?;
    let code = pre_authorized_code(&secret);
    let tx_code = random_tx_code()?;
    let expires_at = w.now + OFFER_TTL_SECS;
    let replaced = db::oid4vci::replace_open(w, &row.id).await?;
    let offer = NewOffer {
        id: &offer_id,
        permit_id: &row.id,
        uri_hash: &hash(&[&secret]),
        code_hash: &hash(&[&code]),
        tx_hash: &tx_code_hash(&code, &tx_code),
        expires_at,
        created_by: caller_id,
    };
    db::oid4vci::insert_offer(w, offer).await?;
    let expires = UnixTime(expires_at).to_string();
    w.audit(
        caller_id,
        "credential.offer",
        Some(&offer_id),
        json!({ "permit": row.id, "expiresAt": expires, "replacedOffers": replaced }),
    )
    .await?;
    let uri = format!(
        "openid-credential-offer://?credential_offer_uri={}",
        percent_encode(&format!("{issuer}{OFFERS_PATH}/{secret}"))
    );
    let png = dwp_issuer::qr::Qr::new(&uri).and_then(|q| q.png(6)).map_err(ApiError::internal)?;
    let made = OfferMade {
        offer_id,
        permit_id: row.id,
        credential_offer_uri: uri,
        tx_code,
        expires_at: expires,
        qr_png: base64::engine::general_purpose::STANDARD.encode(png),
    };
    Ok(made)
}

/// The `{offer}` of an offer's URI: its secret.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct OfferSecret {
    /// The secret of the offer's URI (not the pre-authorized code).
    pub offer: String,
}

/// A credential offer (OpenID4VCI 1.0 §4.1.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialOffer {
    /// The credential issuer identifier.
    pub credential_issuer: String,
    /// Always `["DWP_WorkPermit_v1"]`.
    pub credential_configuration_ids: Vec<&'static str>,
    /// The pre-authorized code grant.
    #[schema(value_type = Object)]
    pub grants: Value,
}

problems!(
    /// What `GET /oid4vci/offers/{offer}` refuses.
    ReadOfferProblems: api::READ, &[(404, &[Code::NotFound])],
);

/// `GET /oid4vci/offers/{offer}` (public: the URI is the capability).
#[utoipa::path(
    get,
    path = "/oid4vci/offers/{offer}",
    operation_id = "getCredentialOffer",
    summary = "A credential offer by reference (until it is used, replaced or expires)",
    params(OfferSecret),
    responses((status = 200, description = "The offer", body = CredentialOffer), ReadOfferProblems),
)]
pub async fn read(
    State(state): State<AppState>,
    Path(OfferSecret { offer: secret }): Path<OfferSecret>,
) -> Result<axum::Json<CredentialOffer>, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, Code::NotFound);
    if secret.len() != 43 || !secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(not_found());
    }
    let row = db::oid4vci::offer_by_uri(&state.db, &hash(&[&secret])).await?.ok_or_else(not_found)?;
    if row.state != "open" || state.now().0 > row.expires_at {
        return Err(not_found());
    }
    Ok(axum::Json(CredentialOffer {
        credential_issuer: state.public_url.clone(),
        credential_configuration_ids: vec![CONFIGURATION_ID],
        grants: json!({
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": pre_authorized_code(&secret),
                "tx_code": { "input_mode": "numeric", "length": 6, "description": TX_CODE_DESCRIPTION },
            }
        }),
    }))
}
