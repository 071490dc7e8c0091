//! DOE → IEAT: the permit data a partner agency needs to decide an extension
//! of stay, and nothing more — the permit's number, state, validity, status
//! history with dates (so that "was it valid on date D?" has an answer), the
//! employer's juristic id, the estate and the occupation. Every disclosure is
//! on the record (`permit.disclose`: agency, officer, purpose, case) before
//! the data is released, and the worker can read it (`GET /v1/me/access-log`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use dwp_issuer::lifecycle;
use dwp_verifier::permit::PermitInput;
use dwp_verifier::time::UnixTime;

use super::SIGNED;
use crate::registry::api::{self, problems};
use crate::registry::db::{self, permits::PermitRow};
use crate::registry::exchange::{self, Checked, Request};
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;
use crate::registry::writer::job;

/// The purpose a disclosure is for.
const STAY_EXTENSION: &str = "stay-extension";

/// A permit as disclosed to a partner agency.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisclosedPermit {
    /// The permit's id.
    pub id: String,
    /// The permit number.
    pub permit_number: String,
    /// `active`, `suspended`, `revoked` or `superseded`.
    pub state: String,
    /// The state, or `expired` for a live permit past its validity.
    pub effective_state: &'static str,
    pub valid_from: String,
    pub valid_until: String,
    /// The employer's juristic id.
    pub employer: String,
    /// The industrial estate of the workplace.
    pub estate: String,
    /// The province of the workplace (ISO 3166-2).
    pub province: String,
    /// The occupation, ISCO-08 unit group.
    pub occupation: String,
    /// Every change of status, with its date: `issue`, `suspend`, `reinstate`, `revoke`, `renew`, …
    pub history: Vec<Change>,
    /// The permit that replaced it, if any.
    #[schema(required = true)]
    pub successor: Option<String>,
}

/// A change of a permit's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// When.
    pub at: String,
    /// What was done.
    pub action: String,
}

/// The permits found.
#[derive(Debug, Serialize, ToSchema)]
pub struct Disclosed {
    pub permits: Vec<DisclosedPermit>,
}

async fn disclosed(state: &AppState, row: PermitRow) -> Result<DisclosedPermit, ApiError> {
    let input: PermitInput = serde_json::from_str(&row.input_json).map_err(ApiError::internal)?;
    let stored = lifecycle::PermitState::parse(&row.state)
        .ok_or_else(|| ApiError::internal(format!("stored state {:?}", row.state)))?;
    let effective = lifecycle::effective_state(stored, UnixTime(row.valid_until), state.clock.now());
    let history = db::permits::events(&state.db, &row.id)
        .await?
        .into_iter()
        .map(|e| Change { at: UnixTime(e.at).to_string(), action: e.action })
        .collect();
    Ok(DisclosedPermit {
        id: row.id,
        permit_number: row.permit_number,
        state: row.state,
        effective_state: effective,
        valid_from: input.valid_from,
        valid_until: input.valid_until,
        employer: row.employer,
        estate: row.estate.unwrap_or_default(),
        province: input.workplace.province,
        occupation: input.occupation.isco08,
        history,
        successor: row.successor,
    })
}

/// What a disclosure releases: the permits a search found, or the one permit asked for.
enum Released {
    Found(Vec<DisclosedPermit>),
    One(Box<DisclosedPermit>),
}

/// Puts each disclosure on the record (and uses the request's nonce), then releases the data.
async fn release(state: &AppState, c: Checked, released: Released) -> Result<(StatusCode, Value), ApiError> {
    let (ids, search): (Vec<String>, bool) = match &released {
        Released::Found(permits) => (permits.iter().map(|p| p.id.clone()).collect(), true),
        Released::One(p) => (vec![p.id.clone()], false),
    };
    let work = job(move |w| {
        Box::pin(async move {
            exchange::consume(w, &c).await?;
            let actor = format!("partner:{}", c.key.key_id);
            if search {
                let mut d = c.on_record();
                d["found"] = json!(ids.len());
                w.audit(&actor, "exchange.search", None, d).await?;
            }
            let mut detail = c.on_record();
            detail["role"] = json!("partner");
            for id in &ids {
                w.audit(&actor, crate::registry::access::Read::Disclosure.action(), Some(id), detail.clone()).await?;
            }
            Ok((StatusCode::OK, Value::Null))
        })
    });
    exchange::write(state, work).await?;
    let value = match released {
        Released::Found(permits) => serde_json::to_value(Disclosed { permits }),
        Released::One(permit) => serde_json::to_value(permit),
    };
    Ok((StatusCode::OK, value.map_err(ApiError::internal)?))
}

fn stay_extension(c: &Checked) -> Result<(), ApiError> {
    if c.purpose == STAY_EXTENSION {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, Code::ExchangePurposeNotAllowed)
            .detail("a disclosure states DWP-Purpose: stay-extension"))
    }
}

/// The estate of the path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EstatePath {
    /// The industrial estate (one of the key's).
    pub estate: String,
}

/// Whose permits.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Passport {
    /// The worker's document number.
    pub passport: Option<String>,
    /// The worker's nationality, ISO 3166-1 alpha-3.
    pub nationality: Option<String>,
}

problems!(
    /// What the disclosure refuses.
    DiscloseProblems: api::READ, SIGNED, api::WRITE, &[(404, &[Code::NotFound]), (422, &[Code::InvalidQuery])],
);

/// `GET /x/v1/estates/{estate}/permits?passport=…&nationality=…` (signed; purpose `stay-extension`).
#[utoipa::path(
    get,
    path = "/x/v1/estates/{estate}/permits",
    operation_id = "disclosePermitsByPassport",
    summary = "A worker's permits in an estate, for a stay extension: the minimum, on the record (signed exchange)",
    params(EstatePath, Passport, super::Signed),
    responses((status = 200, description = "The permits found (none: an empty list)", body = Disclosed), DiscloseProblems),
    extensions(("x-signature" = json!("RFC 9421 tag dwp-exchange; purpose stay-extension"))),
)]
pub async fn search(
    State(state): State<AppState>,
    Path(EstatePath { estate }): Path<EstatePath>,
    query: Result<Query<Passport>, axum::extract::rejection::QueryRejection>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Request::new(&state, &method, &uri, &headers, body);
    exchange::serve(state, req, move |state, _req, c| async move {
        stay_extension(&c)?;
        c.require_estate(&estate)?;
        let Ok(Query(Passport { passport: Some(number), nationality: Some(nationality) })) = query else {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidQuery)
                .detail("passport and nationality are required"));
        };
        let ok_number = (1..=20).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_alphanumeric());
        let ok_nationality = nationality.len() == 3 && nationality.bytes().all(|b| b.is_ascii_alphabetic());
        if !ok_number || !ok_nationality {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidQuery)
                .detail("passport: 1 to 20 letters and digits; nationality: ISO 3166-1 alpha-3"));
        }
        let subject = db::permits::passport_subject(&nationality, &number);
        let index = state.db.vault.blind(db::permits::PASSPORT_INDEX, &subject).map_err(ApiError::internal)?;
        let mut permits = Vec::new();
        for id in db::exchange::by_passport_in_estate(&state.db, &index, &estate).await? {
            if let Some(row) = db::permits::by_id(&state.db, &id).await? {
                permits.push(disclosed(&state, row).await?);
            }
        }
        release(&state, c, Released::Found(permits)).await
    })
    .await
}

/// A permit of an estate.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EstatePermit {
    /// The industrial estate (one of the key's).
    pub estate: String,
    /// The permit's id.
    pub id: String,
}

/// `GET /x/v1/estates/{estate}/permits/{id}` (signed; purpose `stay-extension`).
#[utoipa::path(
    get,
    path = "/x/v1/estates/{estate}/permits/{id}",
    operation_id = "disclosePermit",
    summary = "One permit of an estate, for a stay extension: the minimum, on the record (signed exchange)",
    params(EstatePermit, super::Signed),
    responses((status = 200, description = "The permit", body = DisclosedPermit), DiscloseProblems),
    extensions(("x-signature" = json!("RFC 9421 tag dwp-exchange; purpose stay-extension"))),
)]
pub async fn permit(
    State(state): State<AppState>,
    Path(EstatePermit { estate, id }): Path<EstatePermit>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Request::new(&state, &method, &uri, &headers, body);
    exchange::serve(state, req, move |state, _req, c| async move {
        stay_extension(&c)?;
        c.require_estate(&estate)?;
        let row = match id.len() <= 64 {
            true => db::permits::by_id(&state.db, &id).await?,
            false => None,
        };
        // A permit of another estate is not found: the key learns nothing of it.
        let Some(row) = row.filter(|r| r.estate.as_deref() == Some(estate.as_str())) else {
            return Err(ApiError::new(StatusCode::NOT_FOUND, Code::NotFound));
        };
        let one = disclosed(&state, row).await?;
        release(&state, c, Released::One(Box::new(one))).await
    })
    .await
}
