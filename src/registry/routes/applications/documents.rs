//! Documents attached to an application: PDF, JPEG or PNG, at most 5 MiB
//! each and 20 per application, the type checked by the content (not by the
//! name or the header alone), stored sealed. The applicant and the registrar
//! list them; only the registrar opens one, for a stated purpose, on the record.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use dwp_issuer::application::ApplicationState;
use dwp_verifier::time::UnixTime;

use super::{APPLICANTS, ApplicationId, REGISTRAR, lookup_id, not_found, stored_state, visible};
use crate::registry::access::{self, Read};
use crate::registry::api::{self, problems};
use crate::registry::auth::Caller;
use crate::registry::body::MAX_DOCUMENT_BYTES;
use crate::registry::db;
use crate::registry::problem::{ApiError, Code};
use crate::registry::routes::write::{mutate, to_json};
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// The most documents an application holds.
pub const MAX_DOCUMENTS: i64 = 20;

/// What a file's first bytes say it is, if it is one of the types taken.
fn sniff(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Checks that `content` is a whole file of the type it declares.
fn check(declared: Option<&str>, content: &[u8]) -> Result<&'static str, ApiError> {
    let unsupported =
        |detail: String| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, Code::UnsupportedMediaType).detail(detail);
    let invalid = |detail: &str| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidDocument).detail(detail.to_string())
    };
    let declared = declared.map(|d| d.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    let Some(kind) = sniff(content) else {
        return Err(invalid("the file is not a PDF, JPEG or PNG (its first bytes say so)"));
    };
    match declared.as_deref() {
        Some(d) if d == kind => {}
        Some(d @ ("application/pdf" | "image/jpeg" | "image/png")) => {
            return Err(invalid(&format!("the file is {kind}, not {d} as declared")));
        }
        other => return Err(unsupported(format!("send application/pdf, image/jpeg or image/png, not {other:?}"))),
    }
    let whole = match kind {
        "application/pdf" => {
            let tail = &content[content.len().saturating_sub(1024)..];
            tail.windows(5).any(|w| w == b"%%EOF")
        }
        // An image is decoded whole, within limits (a scan of a page is far below them).
        _ => {
            let mut limits = image::Limits::default();
            limits.max_image_width = Some(12_000);
            limits.max_image_height = Some(12_000);
            limits.max_alloc = Some(256 << 20);
            let mut reader = image::ImageReader::new(std::io::Cursor::new(content));
            reader.limits(limits);
            reader.with_guessed_format().ok().and_then(|r| r.decode().ok()).is_some_and(|i| i.width() > 0)
        }
    };
    if !whole {
        return Err(invalid("the file is cut off or damaged"));
    }
    Ok(kind)
}

/// A document as listed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DocumentView {
    /// From 1.
    pub n: i64,
    /// `application/pdf`, `image/jpeg` or `image/png`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its size.
    pub bytes: i64,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// When it was attached.
    pub uploaded_at: String,
}

/// The documents of an application.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    /// In the order attached.
    pub documents: Vec<DocumentView>,
}

problems!(
    /// What attaching a document refuses.
    AttachProblems: api::READ, api::AUTH, api::WRITE, api::IDEMPOTENT,
    &[(404, &[Code::NotFound]), (409, &[Code::ApplicationClosed, Code::TooManyDocuments]),
      (413, &[Code::BodyTooLarge]), (415, &[Code::UnsupportedMediaType]), (422, &[Code::InvalidDocument])],
);

/// `POST /v1/applications/{id}/documents` (the applicant): attaches a PDF, JPEG or PNG (≤ 5 MiB).
#[utoipa::path(
    post,
    path = "/v1/applications/{id}/documents",
    operation_id = "attachApplicationDocument",
    summary = "Attach a document (PDF, JPEG or PNG, at most 5 MiB; the type is checked by content)",
    params(ApplicationId, api::Idempotency),
    request_body(description = "The file, with its Content-Type", content(
        (inline(api::Pdf) = "application/pdf"), (inline(api::Jpeg) = "image/jpeg"), (inline(api::Png) = "image/png"))),
    responses((status = 201, description = "Attached", body = DocumentView), AttachProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(APPLICANTS)))),
)]
pub async fn attach(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(ApplicationId { id }): Path<ApplicationId>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // The body is read even when the caller is refused, so that the connection stays usable.
    let content = axum::body::to_bytes(body, MAX_DOCUMENT_BYTES).await.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::BodyTooLarge)
            .detail(format!("at most {MAX_DOCUMENT_BYTES} bytes"))
    })?;
    let caller = caller?;
    caller.require(APPLICANTS)?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let declared = declared.map(str::to_string);
    let checked = content.clone();
    let kind = tokio::task::spawn_blocking(move || check(declared.as_deref(), &checked))
        .await
        .map_err(ApiError::internal)??;
    let sha256: String = Sha256::digest(&content).iter().map(|b| format!("{b:02x}")).collect();
    let c = caller.clone();
    let route = format!("POST /v1/applications/{id}/documents");
    let raw = content.clone();
    mutate(
        &state,
        &caller,
        &headers,
        &route,
        &raw,
        job(move |w| {
            Box::pin(async move {
                let id = lookup_id(&id).ok_or_else(not_found)?;
                let row = db::applications::in_write(w, id).await?.filter(|r| visible(&c, r)).ok_or_else(not_found)?;
                let s = stored_state(&row)?;
                if s.is_final() || s == ApplicationState::Approved {
                    return Err(ApiError::new(StatusCode::CONFLICT, Code::ApplicationClosed)
                        .detail(format!("the application is {}", s.as_str())));
                }
                if db::documents::document_count(w, id).await? >= MAX_DOCUMENTS {
                    return Err(ApiError::new(StatusCode::CONFLICT, Code::TooManyDocuments)
                        .detail(format!("an application holds at most {MAX_DOCUMENTS} documents")));
                }
                let doc = db::documents::NewDocument {
                    application_id: id,
                    content_type: kind,
                    content: &content,
                    sha256: &sha256,
                    by: &c.id,
                };
                let n = db::documents::add_document(w, doc).await?;
                let bytes = i64::try_from(content.len()).unwrap_or(i64::MAX);
                w.audit(
                    &c.id,
                    "application.attach",
                    Some(id),
                    json!({ "n": n, "type": kind, "bytes": bytes, "sha256": sha256 }),
                )
                .await?;
                let view = DocumentView {
                    n,
                    kind: kind.to_string(),
                    bytes,
                    sha256: sha256.clone(),
                    uploaded_at: UnixTime(w.now).to_string(),
                };
                Ok((StatusCode::CREATED, to_json(&view)?))
            })
        }),
    )
    .await
}

problems!(
    /// What listing the documents refuses.
    ListProblems: api::READ, api::AUTH, &[(404, &[Code::NotFound])],
);

/// `GET /v1/applications/{id}/documents` (the applicant, the registrar): what is attached.
#[utoipa::path(
    get,
    path = "/v1/applications/{id}/documents",
    operation_id = "listApplicationDocuments",
    summary = "The documents attached (their type, size and digest; not their content)",
    params(ApplicationId),
    responses((status = 200, description = "The documents", body = DocumentList), ListProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(APPLICANTS)))),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(ApplicationId { id }): Path<ApplicationId>,
) -> Result<Json<DocumentList>, ApiError> {
    caller.require(APPLICANTS)?;
    let id = lookup_id(&id).ok_or_else(not_found)?;
    db::applications::by_id(&state.db, id).await?.filter(|r| visible(&caller, r)).ok_or_else(not_found)?;
    let documents = db::documents::documents(&state.db, id)
        .await?
        .into_iter()
        .map(|d| DocumentView {
            n: d.n,
            kind: d.content_type,
            bytes: d.bytes,
            sha256: d.sha256,
            uploaded_at: UnixTime(d.uploaded_at).to_string(),
        })
        .collect();
    Ok(Json(DocumentList { documents }))
}

/// The `{id}` and `{n}` of a document's path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DocumentPath {
    /// The application's number.
    pub id: String,
    /// The document's number, from 1.
    pub n: i64,
}

problems!(
    /// What reading a document refuses.
    ReadProblems: api::READ, api::AUTH, api::WRITE, api::PURPOSE, &[(404, &[Code::NotFound])],
);

/// `GET /v1/applications/{id}/documents/{n}` (the registrar, for a stated purpose, on the record).
#[utoipa::path(
    get,
    path = "/v1/applications/{id}/documents/{n}",
    operation_id = "getApplicationDocument",
    summary = "A document's content (the registrar only; the read is recorded with its purpose)",
    params(DocumentPath, api::PurposeHeader),
    responses((status = 200, description = "The file", content(
        (inline(api::Pdf) = "application/pdf"), (inline(api::Jpeg) = "image/jpeg"), (inline(api::Png) = "image/png"))),
        ReadProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(REGISTRAR)))),
)]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(DocumentPath { id, n }): Path<DocumentPath>,
) -> Result<Response, ApiError> {
    caller.require(REGISTRAR)?;
    let purpose = access::stated(&headers, &caller)?;
    let id = lookup_id(&id).ok_or_else(not_found)?;
    let (kind, content) = db::documents::document(&state.db, id, n).await?.ok_or_else(not_found)?;
    access::record(&state, &caller, Read::ApplicationDocument, id, purpose).await?;
    let disposition = format!("inline; filename=\"{id}-{n}\"");
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        content,
    )
        .into_response())
}
