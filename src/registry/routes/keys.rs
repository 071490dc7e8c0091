//! The issuer's keys: `POST /v1/trust-list` publishes a trust list signed by
//! the offline root (administrators), and `GET /v1/keys` shows each key of the
//! published list, which one signs now, how many live permits each signed,
//! and how far a compromise's re-issue has gone.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_verifier::multikey;

use super::write::{mutate, to_json};
use crate::registry::api::{self, TrustList, problems};
use crate::registry::auth::{Caller, Role};
use crate::registry::keyring;
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;
use crate::registry::trust::{self, PublishedList};
use crate::registry::writer::job;

/// The routes of the issuer's keys.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(publish_trust_list)).routes(routes!(list_keys))
}

/// Who publishes trust lists.
const ADMIN: &[Role] = &[Role::Admin];
/// Who sees the keys.
const KEY_READERS: &[Role] = &[Role::Admin, Role::Registrar, Role::Auditor];

problems!(
    /// What `POST /v1/trust-list` refuses.
    PublishProblems: api::READ, api::AUTH, api::WRITE, api::IDEMPOTENT,
        &[(400, &[Code::MalformedJson]), (413, &[Code::BodyTooLarge]),
          (409, &[Code::TrustListNotNewer, Code::TrustListUnsafe]), (422, &[Code::TrustListInvalid])],
);

/// `POST /v1/trust-list` (admin): publishes a trust list signed offline by the root key.
#[utoipa::path(
    post,
    path = "/v1/trust-list",
    operation_id = "publishTrustList",
    summary = "Publish a trust list signed by the offline root (rotation, compromise)",
    request_body(content = TrustList, description = "The signed trust list (`dwp trust sign`)"),
    params(api::Idempotency),
    responses((status = 201, description = "Published: served, in the bundle, and signing follows it", body = PublishedList),
        PublishProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(ADMIN)))),
)]
pub async fn publish_trust_list(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = caller?;
    caller.require(ADMIN)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, Code::MalformedJson).detail("the body is not UTF-8"))?
        .to_string();
    let st = state.clone();
    let actor = caller.id.clone();
    let answer = mutate(
        &state,
        &caller,
        &headers,
        "POST /v1/trust-list",
        &body,
        job(move |w| {
            Box::pin(async move {
                let published = trust::publish(w, &st.keys_dir, &st.root, &st.did, &text, &actor).await?;
                Ok((StatusCode::CREATED, to_json(&published)?))
            })
        }),
    )
    .await?;
    // Stored: this instance takes it up now (the others at their next write), and a compromise's
    // re-issue starts.
    state.keyring.refresh(&state.db).await?;
    state.reissue.notify_one();
    Ok(answer)
}

/// The issuer's keys.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeysView {
    /// The published trust list's sequence.
    pub trust_list_sequence: u64,
    /// The key that signs now, if any.
    #[schema(required = true)]
    pub signing_key: Option<String>,
    /// Each key of this issuer the trust list names.
    pub keys: Vec<KeyView>,
    /// Live permits still signed by a compromised key: the re-issue's work left.
    pub reissue_remaining: i64,
}

/// One key.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    /// Its verification method.
    pub id: String,
    /// `z6Mk…`.
    pub public_key_multibase: String,
    /// The start of its window.
    pub valid_from: String,
    /// The end of its window.
    pub valid_until: String,
    /// The instant from which it is held compromised.
    #[schema(required = true)]
    pub compromised_as_of: Option<String>,
    /// Whether this registry holds it (its file, or its token).
    pub held: bool,
    /// Live permits whose credential it signed.
    pub live_permits: i64,
}

problems!(
    /// What `GET /v1/keys` refuses.
    KeysProblems: api::READ, api::AUTH,
);

/// `GET /v1/keys` (admin, registrar, auditor).
#[utoipa::path(
    get,
    path = "/v1/keys",
    operation_id = "listKeys",
    summary = "The issuer's keys: windows, compromise, which signs now, the re-issue's progress",
    responses((status = 200, description = "The keys", body = KeysView), KeysProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(KEY_READERS)))),
)]
pub async fn list_keys(State(state): State<AppState>, caller: Caller) -> Result<Json<KeysView>, ApiError> {
    caller.require(KEY_READERS)?;
    state.keyring.refresh(&state.db).await?;
    let signing = state.keyring.get();
    let now = state.now();
    let live = keyring::live_counts(&state.db, now.0).await?;
    let keys = signing
        .trust
        .issuer(&state.did)
        .map(|i| {
            i.keys()
                .map(|(id, k)| KeyView {
                    id: id.to_string(),
                    public_key_multibase: multikey::encode_public(&k.public_key()),
                    valid_from: k.valid_from().to_string(),
                    valid_until: k.valid_until().to_string(),
                    compromised_as_of: k.compromised_as_of().map(|t| t.to_string()),
                    held: signing.holds(id),
                    live_permits: live.get(id).copied().unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(KeysView {
        trust_list_sequence: signing.sequence,
        signing_key: signing.key_at(now).ok().map(|k| k.vm.to_string()),
        keys,
        reissue_remaining: keyring::reissue_remaining(&signing, &live),
    }))
}
