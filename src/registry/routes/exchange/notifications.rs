//! `POST /x/v1/ieat/s62-notifications`: the Industrial Estate Authority
//! notifies the registrar of a foreigner it permits to work in an estate
//! (its Act B.E. 2522, section 46), so that the registrar issues the work
//! permit (Royal Decree B.E. 2560, section 62). Each notification becomes an
//! application in the registrar's queue, marked as IEAT's with its permission
//! reference; the registrar still decides alone. `GET …/{id}` gives its state.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use utoipa::ToSchema;

use dwp_issuer::fees::months_covering;
use dwp_verifier::permit::{Permit, PermitInput};
use dwp_verifier::time::UnixTime;

use super::SIGNED;
use crate::registry::api::{self, problems};
use crate::registry::db::{self, exchange::Notification};
use crate::registry::exchange::{self, Checked, Request};
use crate::registry::problem::{ApiError, Code};
use crate::registry::routes::applications::fee::FeeView;
use crate::registry::routes::applications::submit::{NewApplication, create};
use crate::registry::routes::permits::permit_error;
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// A Section 62 notification.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S62Notification {
    /// The agency's own id of the notification (the retry key): 1 to 64 of `A-Z a-z 0-9 . _ -`.
    #[schema(example = "IEAT-S62-2569-000123")]
    pub notification_id: String,
    /// The industrial estate (one the agency's key speaks for); the permit's workplace estate.
    #[schema(example = "ESIE")]
    pub estate: String,
    /// IEAT's permission to stay and work in the estate.
    pub permission: Permission,
    /// The permit asked for: the operator (employer), the worker, the position; category `section62`.
    pub permit: PermitInput,
    /// The digests of the documents IEAT holds (the documents stay with IEAT).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// IEAT's permission.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Permission {
    /// IEAT's reference: 1 to 64 of `A-Z a-z 0-9 . _ - /`.
    #[schema(example = "IEAT-46/2569/000123")]
    pub reference: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub valid_from: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub valid_until: String,
}

/// A document's digest.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Attachment {
    /// What it is, e.g. `passport.pdf`: 1 to 100 characters.
    pub name: String,
    /// SHA-256, 64 lower-case hex digits.
    pub sha256: String,
}

/// The receipt of a notification (signed, as every exchange answer).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// The agency's id of the notification.
    pub notification_id: String,
    /// `received`.
    pub state: &'static str,
    /// When the registry received it first.
    pub received_at: String,
    /// The application it created in the registrar's queue (its number is the fee's reference).
    pub application_id: String,
    /// IEAT's permission reference, as received.
    pub permission_reference: String,
    /// SHA-256 of the body received, hex.
    pub body_sha256: String,
    /// The fee, payable by Thai QR.
    #[schema(required = true)]
    pub fee: Option<FeeView>,
}

/// Where a notification stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationState {
    pub notification_id: String,
    /// `received`, `under_review`, `permit_issued`, `rejected` or `closed` (withdrawn, fee unpaid).
    #[schema(example = "permit_issued")]
    pub state: &'static str,
    /// The application's own state.
    pub application_state: String,
    pub application_id: String,
    /// Once issued.
    #[schema(required = true)]
    pub permit_id: Option<String>,
    /// Once rejected: the reason code.
    #[schema(required = true)]
    pub reason_code: Option<String>,
    /// When it entered its state.
    pub changed_at: String,
}

fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidNotification).field(field).detail(detail)
}

/// The notification's rules, beyond the permit's own.
fn validate(n: &S62Notification) -> Result<(Permit, u32), ApiError> {
    if !super::word(&n.notification_id, 64, b"._-") {
        return Err(invalid("notificationId", "1 to 64 of A-Z a-z 0-9 . _ -"));
    }
    if !super::is_estate_code(&n.estate) {
        return Err(invalid("estate", "2 to 10 upper-case letters and digits"));
    }
    if n.permit.workplace.industrial_estate.as_deref() != Some(n.estate.as_str()) {
        return Err(invalid("permit.workplace.industrialEstate", "must be the notification's estate"));
    }
    if n.permit.category != "section62" {
        return Err(invalid("permit.category", "a Section 62 notification asks for a section62 permit"));
    }
    if !super::word(&n.permission.reference, 64, b"._-/") {
        return Err(invalid("permission.reference", "1 to 64 of A-Z a-z 0-9 . _ - /"));
    }
    let from = UnixTime::parse(&n.permission.valid_from)
        .map_err(|_| invalid("permission.validFrom", "YYYY-MM-DDTHH:MM:SSZ"))?;
    let until = UnixTime::parse(&n.permission.valid_until)
        .map_err(|_| invalid("permission.validUntil", "YYYY-MM-DDTHH:MM:SSZ"))?;
    if until <= from {
        return Err(invalid("permission.validUntil", "after validFrom"));
    }
    if n.attachments.len() > 20 {
        return Err(invalid("attachments", "at most 20"));
    }
    for (i, a) in n.attachments.iter().enumerate() {
        if a.name.is_empty() || a.name.chars().count() > 100 || a.name.chars().any(char::is_control) {
            return Err(invalid(&format!("attachments[{i}].name"), "1 to 100 characters, no control characters"));
        }
        if a.sha256.len() != 64 || !a.sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(invalid(&format!("attachments[{i}].sha256"), "64 lower-case hex digits"));
        }
    }
    let permit = Permit::from_input(&n.permit).map_err(permit_error)?;
    if permit.valid_from() < from || permit.valid_until() > until {
        return Err(invalid("permit.validUntil", "the permit must lie within IEAT's permission"));
    }
    let months = months_covering(permit.valid_from(), permit.valid_until());
    Ok((permit, months))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

problems!(
    /// What `POST /x/v1/ieat/s62-notifications` refuses.
    NotifyProblems: api::READ, SIGNED, api::WRITE,
    &[(409, &[Code::NotificationConflict, Code::LivePermitExists]), (422, &[Code::InvalidNotification, Code::InvalidPermit])],
);

/// `POST /x/v1/ieat/s62-notifications` (signed by the agency's key).
#[utoipa::path(
    post,
    path = "/x/v1/ieat/s62-notifications",
    operation_id = "notifySection62",
    summary = "IEAT notifies a Section 62 permission: an application in the registrar's queue (signed exchange)",
    request_body = S62Notification,
    params(super::Signed),
    responses((status = 202, description = "Received (or received before, with this body): the signed receipt", body = Receipt),
        NotifyProblems),
    extensions(("x-signature" = json!("RFC 9421 tag dwp-exchange; purpose issuance"))),
)]
pub async fn notify(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Request::new(&state, &method, &uri, &headers, body);
    exchange::serve(state, req, receive).await
}

async fn receive(state: AppState, req: Request, c: Checked) -> Result<(StatusCode, Value), ApiError> {
    if c.purpose != "issuance" {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Code::ExchangePurposeNotAllowed)
            .detail("a notification states DWP-Purpose: issuance"));
    }
    let n: S62Notification = serde_json::from_slice(&req.body).map_err(|e| {
        let at = format!("line {} column {}", e.line(), e.column());
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidNotification)
            .detail(format!("not a notification ({:?} at {at})", e.classify()))
    })?;
    c.require_estate(&n.estate)?;
    let (_, months) = validate(&n)?;
    let fee = state.journey.fees.fee_for(months).map_err(|e| invalid("permit.validUntil", e.to_string()))?;
    let fee = i64::try_from(fee).map_err(ApiError::internal)?;
    let input_json = serde_json::to_string(&n.permit).map_err(ApiError::internal)?;
    let digest = hex(&Sha256::digest(&req.body));
    let st = state.clone();
    let work = job(move |w| {
        Box::pin(async move {
            exchange::consume(w, &c).await?;
            let agency = c.key.agency.clone();
            if let Some(before) = db::exchange::notification_in(w, &agency, &n.notification_id).await? {
                if before.body_digest != digest {
                    return Err(ApiError::new(StatusCode::CONFLICT, Code::NotificationConflict)
                        .detail("this notificationId was received with another body; use a new id"));
                }
                let row = db::applications::in_write(w, &before.application_id)
                    .await?
                    .ok_or_else(|| ApiError::internal("a notification's application is missing"))?;
                let fee = crate::registry::routes::applications::fee::fee_view(&st.journey, &row, w.now)?;
                let receipt = Receipt {
                    notification_id: before.notification_id,
                    state: "received",
                    received_at: UnixTime(before.received_at).to_string(),
                    application_id: before.application_id,
                    permission_reference: before.permission_ref,
                    body_sha256: before.body_digest,
                    fee,
                };
                return Ok((StatusCode::ACCEPTED, serde_json::to_value(&receipt).map_err(ApiError::internal)?));
            }
            let worker = &n.permit.worker;
            let passport = db::permits::passport_subject(&worker.nationality, &worker.document.number);
            let index = w.blind(db::permits::PASSPORT_INDEX, &passport)?;
            let live = db::exchange::live_for_employer(w, &index, &n.permit.employer.juristic_id).await?;
            if let Some(id) = live.first() {
                return Err(ApiError::new(StatusCode::CONFLICT, Code::LivePermitExists)
                    .detail(format!("permit {id} is live for this worker and operator; renew or change it instead")));
            }
            let new = NewApplication {
                by: format!("partner:{}", c.key.key_id),
                role: "partner",
                input_json,
                employer: n.permit.employer.juristic_id.clone(),
                category: n.permit.category.clone(),
                birth_date: worker.birth_date.clone(),
                months,
                fee,
            };
            let submitted = create(w, &st, new).await?;
            db::exchange::set_source(w, &submitted.id, &agency, &n.permission.reference).await?;
            let row = Notification {
                agency: agency.clone(),
                notification_id: n.notification_id.clone(),
                body_digest: digest.clone(),
                application_id: submitted.id.clone(),
                estate: n.estate.clone(),
                permission_ref: n.permission.reference.clone(),
                key_id: c.key.key_id.clone(),
                received_at: w.now,
            };
            db::exchange::add_notification(w, &row).await?;
            let mut detail = c.on_record();
            detail["notificationId"] = json!(n.notification_id);
            detail["estate"] = json!(n.estate);
            detail["permission"] = json!(n.permission.reference);
            detail["attachments"] = json!(n.attachments.iter().map(|a| &a.sha256).collect::<Vec<_>>());
            w.audit(&format!("partner:{}", c.key.key_id), "s62.receive", Some(&submitted.id), detail).await?;
            let receipt = Receipt {
                notification_id: n.notification_id,
                state: "received",
                received_at: UnixTime(w.now).to_string(),
                application_id: submitted.id,
                permission_reference: n.permission.reference,
                body_sha256: digest,
                fee: Some(submitted.fee),
            };
            Ok((StatusCode::ACCEPTED, serde_json::to_value(&receipt).map_err(ApiError::internal)?))
        })
    });
    exchange::write(&state, work).await
}

/// The notification id of `GET …/{id}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NotificationId {
    /// The agency's id of the notification.
    pub id: String,
}

problems!(
    /// What `GET /x/v1/ieat/s62-notifications/{id}` refuses.
    StateProblems: api::READ, SIGNED, api::WRITE, &[(404, &[Code::NotFound])],
);

/// `GET /x/v1/ieat/s62-notifications/{id}` (signed by the agency's key).
#[utoipa::path(
    get,
    path = "/x/v1/ieat/s62-notifications/{id}",
    operation_id = "getSection62Notification",
    summary = "Where a Section 62 notification stands: received, under review, permit issued, rejected (signed exchange)",
    params(NotificationId, super::Signed),
    responses((status = 200, description = "Its state", body = NotificationState), StateProblems),
    extensions(("x-signature" = json!("RFC 9421 tag dwp-exchange"))),
)]
pub async fn notification_state(
    State(state): State<AppState>,
    Path(NotificationId { id }): Path<NotificationId>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Request::new(&state, &method, &uri, &headers, body);
    exchange::serve(state, req, move |state, _req, c| async move {
        let found = db::exchange::notification(&state.db, &c.key.agency, &id).await?;
        let Some(n) = found else { return Err(ApiError::new(StatusCode::NOT_FOUND, Code::NotFound)) };
        let row = db::applications::by_id(&state.db, &n.application_id)
            .await?
            .ok_or_else(|| ApiError::internal("a notification's application is missing"))?;
        let work = job(move |w| {
            Box::pin(async move {
                exchange::consume(w, &c).await?;
                Ok((StatusCode::OK, Value::Null))
            })
        });
        exchange::write(&state, work).await?;
        let public = match row.state.as_str() {
            "issued" => "permit_issued",
            "rejected" => "rejected",
            "withdrawn" | "expired_unpaid" => "closed",
            "under_review" | "info_requested" | "approved" => "under_review",
            _ => "received",
        };
        let answer = NotificationState {
            notification_id: n.notification_id,
            state: public,
            application_state: row.state.clone(),
            application_id: row.id.clone(),
            permit_id: row.permit_id.clone(),
            reason_code: row.reason_code.clone(),
            changed_at: UnixTime(row.entered_at).to_string(),
        };
        Ok((StatusCode::OK, serde_json::to_value(&answer).map_err(ApiError::internal)?))
    })
    .await
}
