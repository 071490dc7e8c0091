//! `POST /v1/verify`: the verdict on a QR payload against the registry's own
//! verifier bundle of this moment. The answer is the one verdict document of
//! `dwp_verifier::report`, field for field what `dwp verify --json` and the
//! verifier page give for the same payload, bundle, policy and time.
//!
//! For systems that verify online (immigration's, an employer's HR system);
//! the field verifies offline with the bundle. The payload carries the
//! worker's data, so the answer is never cached and nothing of it is logged.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_verifier::bundle::Bundle;
use dwp_verifier::holder::HolderWindow;
use dwp_verifier::policy::EmployerScope;
use dwp_verifier::report;
use dwp_verifier::verify::{self, Audience, Policy};

use crate::registry::api::{self, problems};
use crate::registry::body::JsonBody;
use crate::registry::problem::{ApiError, Code};
use crate::registry::routes::publish;
use crate::registry::state::AppState;

/// The route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(verify_payload))
}

/// What to verify.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The QR payload as scanned (`DWP1:…`).
    #[schema(example = "DWP1:…")]
    pub payload: String,
    /// How old the status may be: `inspector` (72 h), `employer` (7 days) or `immigration` (1 h).
    #[schema(example = "immigration")]
    pub policy: String,
    /// Check the permit for one employer (and workplace): a valid permit for another gives
    /// `other_employer`, for this employer elsewhere `other_workplace`; the verdict holds `checkedFor`.
    #[serde(default)]
    pub employer: Option<EmployerRequest>,
}

/// The employer a permit is checked for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmployerRequest {
    /// 13 digits with the check digit.
    #[schema(example = "0215559001234")]
    pub juristic_id: String,
    /// ISO 3166-2:TH, e.g. `TH-21`.
    #[serde(default)]
    pub province: Option<String>,
    /// Industrial-estate code, e.g. `ESIE`.
    #[serde(default)]
    pub industrial_estate: Option<String>,
}

problems!(
    /// What `POST /v1/verify` refuses (a rejected permit is a verdict, answered 200).
    VerifyProblems: api::READ, api::JSON_BODY, &[(503, &[Code::ClockBehind, Code::StatusDisagreesWithAudit])],
);

/// `POST /v1/verify` (anyone): the verdict document.
#[utoipa::path(
    post,
    path = "/v1/verify",
    operation_id = "verifyPayload",
    summary = "Verify a QR payload against the registry's current bundle (the verdict document)",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The verdict, valid or not (SPEC §9): `valid`, `reason`, `detail`, \
          `title`, `message`, `checkedAt`, `policy`, `statusChecked`, `statusAsOf`, `permit`, …",
         body = Object),
        VerifyProblems,
    ),
)]
pub async fn verify_payload(
    State(state): State<AppState>,
    body: Result<JsonBody<VerifyRequest>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let request = body?.value;
    let policy = Policy::parse(&request.policy).ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField)
            .field("policy")
            .detail("policy must be one of: inspector, employer, immigration")
    })?;
    let audience = match &request.employer {
        None => Audience::Anyone,
        Some(e) => Audience::Employer(
            EmployerScope::parse(&e.juristic_id, e.province.as_deref(), e.industrial_estate.as_deref()).map_err(
                |err| {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField)
                        .field("employer")
                        .detail(err.to_string())
                },
            )?,
        ),
    };
    let assembled = publish::assemble(&state).await?;
    let now = state.now();
    let text = serde_json::to_string(&assembled).map_err(ApiError::internal)?;
    // The registry's own bundle, pinned to its own root, must verify; if it does not,
    // that is our fault (500 with the cause in the log), never a verdict against the permit.
    let bundle = Bundle::verify(&text, Some(&state.root))
        .map_err(|e| ApiError::internal(format!("the registry's own bundle does not verify: {e}")))?;
    let verdict = verify::verify_with_bundle_within(
        request.payload.trim(),
        &bundle,
        policy,
        now,
        HolderWindow::DEFAULT,
        &audience,
    );
    let mut doc = report::document(&request.payload, &verdict, bundle.trust(), Some(policy), now);
    report::checked_for(&mut doc, &audience);
    doc["rootPinned"] = json!(true);
    Ok(Json(doc))
}
