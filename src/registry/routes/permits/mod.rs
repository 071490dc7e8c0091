//! `/v1/permits`: issue, read and act on permits. The rules come from
//! `dwp_issuer::lifecycle`; these modules check callers, store (through `db`)
//! and answer: `issue` signs new permits, `read` answers readers, `actions`
//! runs the lifecycle.

pub mod access_log;
pub mod actions;
pub mod issue;
pub mod read;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dwp_issuer::lifecycle::PermitState;
use dwp_verifier::permit::PermitError;

use crate::registry::auth::Role;
use crate::registry::db::permits::PermitRow;
use crate::registry::db::{self, Db, WriteTx};
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::state::AppState;

/// Who issues permits and acts on them.
const REGISTRAR: &[Role] = &[Role::Registrar];
/// Who reads a permit (employers: their own workers; partners: their estates).
const READERS: &[Role] = &[Role::Registrar, Role::Auditor, Role::Employer, Role::Partner];
/// Who lists permits.
const LISTERS: &[Role] = &[Role::Registrar, Role::Auditor];

/// The routes of `/v1/permits`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue::issue, read::list))
        .routes(routes!(read::get))
        .routes(routes!(read::qr_png))
        .routes(routes!(access_log::access_log))
        .routes(routes!(actions::suspend))
        .routes(routes!(actions::reinstate))
        .routes(routes!(actions::revoke))
        .routes(routes!(actions::renew))
        .routes(routes!(actions::change_employer))
}

/// A permit refused by the rules of the format, as a problem naming the field.
pub fn permit_error(e: PermitError) -> ApiError {
    match e {
        PermitError::Field { field, problem } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidPermit)
            .field(field)
            .detail(format!("{field}: {problem}")),
        other => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField).detail(other.to_string()),
    }
}

/// A reason for an action: 1 to 500 characters of NFC text.
pub fn check_reason(reason: &str) -> Result<(), ApiError> {
    dwp_verifier::text::check(reason, 500).map_err(|e| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidField)
            .field("reason")
            .detail(format!("reason: {e}"))
    })
}

/// A permit's status bits as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct PermitStatus {
    /// The status list (shard) number.
    pub shard: i64,
    /// The index in that list.
    pub index: i64,
    /// The revocation bit.
    pub revoked: bool,
    /// The suspension bit.
    pub suspended: bool,
}

/// Where a permit and its status lists are read.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Links {
    /// The permit.
    #[serde(rename = "self")]
    pub this: String,
    /// Its revocation list.
    pub revocation_list: String,
    /// Its suspension list.
    pub suspension_list: String,
}

impl Links {
    fn new(id: &str, shard: i64) -> Links {
        Links {
            this: format!("/v1/permits/{id}"),
            revocation_list: format!("/status/revocation/{shard}"),
            suspension_list: format!("/status/suspension/{shard}"),
        }
    }
}

/// The `{id}` of a permit's path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PermitId {
    /// The permit's id (`wp_…`).
    pub id: String,
}

/// A stored permit, with its state read.
struct Stored {
    row: PermitRow,
    state: PermitState,
}

fn stored(row: PermitRow) -> Result<Stored, ApiError> {
    let state =
        PermitState::parse(&row.state).ok_or_else(|| ApiError::internal(format!("stored state {:?}", row.state)))?;
    Ok(Stored { row, state })
}

/// The permit `id`, read outside writes.
async fn fetch(db: &Db, id: &str) -> Result<Option<Stored>, ApiError> {
    if id.len() > 64 {
        return Ok(None);
    }
    db::permits::by_id(db, id).await?.map(stored).transpose()
}

/// The permit `id`, read inside a write.
async fn fetch_in(w: &mut WriteTx, id: &str) -> Result<Option<Stored>, ApiError> {
    if id.len() > 64 {
        return Ok(None);
    }
    db::permits::by_id_in(w, id).await?.map(stored).transpose()
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, Code::NotFound)
}
