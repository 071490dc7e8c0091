//! Every read of a worker's data is on the record: the caller states a
//! purpose (`DWP-Purpose`, from a fixed vocabulary, each role its own), and
//! the read is written to the audit chain — who, which record, when, why —
//! before the data is released. If the record cannot be written, nothing is
//! answered.

use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use crate::registry::auth::{Caller, Role};
use crate::registry::chain::READ_ACTIONS;
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;
use crate::registry::writer::{self, job};

/// The request header that carries the purpose.
pub const HEADER: &str = "dwp-purpose";

/// Why a caller reads a worker's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Issuing or managing the permit (registrar).
    Issuance,
    /// Deciding an application (registrar).
    ApplicationReview,
    /// At the worker's own request (registrar).
    WorkerRequest,
    /// Checking the register (auditor).
    Audit,
    /// An employer checking its own worker.
    EmploymentCheck,
    /// A partner agency deciding an extension of stay.
    StayExtension,
}

impl Purpose {
    /// Every purpose, as listed in errors and the API description.
    pub const ALL: [Purpose; 6] = [
        Purpose::Issuance,
        Purpose::ApplicationReview,
        Purpose::WorkerRequest,
        Purpose::Audit,
        Purpose::EmploymentCheck,
        Purpose::StayExtension,
    ];

    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Issuance => "issuance",
            Purpose::ApplicationReview => "application-review",
            Purpose::WorkerRequest => "worker-request",
            Purpose::Audit => "audit",
            Purpose::EmploymentCheck => "employment-check",
            Purpose::StayExtension => "stay-extension",
        }
    }

    /// The purposes a role may read for.
    pub fn allowed(role: Role) -> &'static [Purpose] {
        match role {
            Role::Registrar => &[Purpose::Issuance, Purpose::ApplicationReview, Purpose::WorkerRequest],
            Role::Auditor => &[Purpose::Audit],
            Role::Employer => &[Purpose::EmploymentCheck],
            Role::Partner => &[Purpose::StayExtension],
            Role::Admin | Role::Officer | Role::Inspector => &[],
        }
    }
}

fn names(purposes: &[Purpose]) -> String {
    purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
}

/// The purpose the request states, if it is one `caller`'s role may read for.
///
/// # Errors
/// `purpose_required` (400) without the header, `invalid_purpose` (400) for a value not in
/// the vocabulary, `purpose_not_allowed` (403) for one the role may not use.
pub fn stated(headers: &HeaderMap, caller: &Caller) -> Result<Purpose, ApiError> {
    let allowed = Purpose::allowed(caller.role);
    let Some(value) = headers.get(HEADER) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, Code::PurposeRequired)
            .detail(format!("send DWP-Purpose; for your role: {}", names(allowed))));
    };
    let value = value.to_str().unwrap_or_default().trim();
    let Some(purpose) = Purpose::ALL.into_iter().find(|p| p.as_str() == value) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, Code::InvalidPurpose)
            .detail(format!("DWP-Purpose is one of: {}", names(&Purpose::ALL))));
    };
    if !allowed.contains(&purpose) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Code::PurposeNotAllowed)
            .detail(format!("for your role: {}", names(allowed))));
    }
    Ok(purpose)
}

/// What was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// A permit's view (`GET /v1/permits/{id}`).
    Permit,
    /// A permit's QR code (`GET /v1/permits/{id}/qr.png`).
    PermitQr,
    /// An application with its data (`GET /v1/applications/{id}`).
    Application,
    /// A document attached to an application (`GET /v1/applications/{id}/documents/{n}`).
    ApplicationDocument,
    /// A permit's data disclosed to a partner agency (`GET /x/v1/estates/{estate}/permits…`).
    Disclosure,
}

impl Read {
    /// The audit action.
    pub fn action(self) -> &'static str {
        let [permit, qr, application, document, disclosure] = READ_ACTIONS;
        match self {
            Read::Permit => permit,
            Read::PermitQr => qr,
            Read::Application => application,
            Read::ApplicationDocument => document,
            Read::Disclosure => disclosure,
        }
    }
}

/// Writes the read of `subject` to the audit chain; returns once it is durable.
///
/// # Errors
/// A 503 when it cannot be stored: the data is then not released.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    what: Read,
    subject: &str,
    purpose: Purpose,
) -> Result<(), ApiError> {
    let (actor, role, subject) = (caller.id.clone(), caller.role.as_str(), subject.to_string());
    let detail = json!({ "purpose": purpose.as_str(), "role": role });
    let work = job(move |w| {
        Box::pin(async move {
            w.audit(&actor, what.action(), Some(&subject), detail).await?;
            Ok((StatusCode::OK, serde_json::Value::Null))
        })
    });
    // Reads are never replayed: no idempotency key, and a hash no request has.
    writer::submit(&state.writer, &caller.id, None, String::new(), work).await?;
    Ok(())
}
