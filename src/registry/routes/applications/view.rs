//! Reading applications: one with its timeline, fee and next step
//! (`GET /v1/applications/{id}`), and the queue (`GET /v1/applications`).
//! Neither shows personal data, except the permit data to the registrar, for
//! a stated purpose, on the record.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use dwp_issuer::application::{ApplicationState, DUE, next_step};
use dwp_verifier::permit::PermitInput;
use dwp_verifier::time::UnixTime;

use super::decide::{ReasonCodeView, reason_code_view};
use super::fee::{FeeView, fee_view};
use super::{ApplicationId, READERS, category_of, lookup_id, not_found, stored_state, visible};
use crate::registry::access::{self, Read};
use crate::registry::api::{self, problems};
use crate::registry::auth::{Caller, Role};
use crate::registry::db::{self, applications::ApplicationRow};
use crate::registry::journey::Journey;
use crate::registry::problem::{ApiError, Code};
use crate::registry::state::AppState;

/// A text in the five languages of the registry's readers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Texts {
    /// ไทย.
    pub th: String,
    /// English.
    pub en: String,
    /// မြန်မာ (Unicode).
    pub my: String,
    /// ລາວ.
    pub lo: String,
    /// ខ្មែរ.
    pub km: String,
}

/// A due date as each language writes it, in Thailand's time (UTC+7).
fn due_in(lang: &str, due: UnixTime) -> String {
    let local = UnixTime(due.0 + 7 * 3600).to_string();
    let (date, time) = (&local[0..10], &local[11..16]);
    let year: i64 = local[0..4].parse().unwrap_or(0);
    let month: usize = local[5..7].parse().unwrap_or(1);
    let day: u32 = local[8..10].parse().unwrap_or(1);
    const TH: [&str; 12] =
        ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."];
    const EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = month.clamp(1, 12) - 1;
    match lang {
        "th" => format!("{day} {} {} เวลา {time} น.", TH[m], year + 543),
        "en" => format!("{day} {} {year}, {time} (Thailand time)", EN[m]),
        _ => format!("{date} {time} (UTC+7)"),
    }
}

/// The applicant's next step for `row`, with its due date written in.
///
/// # Errors
/// An internal error for a stored state or category no registry writes.
pub fn next_step_of(journey: &Journey, row: &ApplicationRow, input_json: Option<&str>) -> Result<Texts, ApiError> {
    let state = stored_state(row)?;
    let category = category_of(row, input_json)?;
    let t = next_step(state, category, &journey.identity);
    let fill = |lang: &str, text: &str| match row.fee_due_at {
        Some(due) => text.replace(DUE, &due_in(lang, UnixTime(due))),
        None => text.to_string(),
    };
    Ok(Texts {
        th: fill("th", t.th),
        en: fill("en", t.en),
        my: fill("my", t.my),
        lo: fill("lo", t.lo),
        km: fill("km", t.km),
    })
}

/// One step of the timeline.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    /// From 1.
    pub n: i64,
    /// The action (`submit`, `issue-fee`, `confirm-fee`, `verify-identity`, `start-review`, …).
    pub action: String,
    /// As whom: `applicant`, `system`, `officer` or `registrar`.
    pub actor: String,
    /// When.
    pub at: String,
    /// The state it led to.
    pub state: String,
    /// What it recorded (a centre code, a fee; never personal data).
    #[schema(value_type = Object)]
    pub detail: Value,
}

/// An application as its readers see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationView {
    /// The application's number.
    pub id: String,
    /// Its state.
    pub state: String,
    /// The permit category applied for.
    pub category: Option<String>,
    /// When it was submitted.
    pub submitted_at: String,
    /// When it entered its state.
    pub changed_at: String,
    /// When it was decided.
    #[schema(required = true)]
    pub decided_at: Option<String>,
    /// The permit its approval issued.
    #[schema(required = true)]
    pub permit_id: Option<String>,
    /// Why it was decided, as a code of a fixed list.
    #[schema(required = true)]
    pub reason_code: Option<ReasonCodeView>,
    /// The fee, once issued.
    #[schema(required = true)]
    pub fee: Option<FeeView>,
    /// Where it came from, when not submitted here: `ieat` (a Section 62 notification), with
    /// the agency's permission reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub source: Option<SourceView>,
    /// What the applicant does next.
    pub next_step: Texts,
    /// Every step, in order.
    pub timeline: Vec<StepView>,
    /// The registrar only: the registrar's own words (`null` when none were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub reason: Option<Option<String>>,
    /// The registrar only: the permit data submitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = PermitInput, nullable = false)]
    pub permit: Option<Value>,
}

/// Where an application came from.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceView {
    /// `ieat`.
    #[schema(example = "ieat")]
    pub agency: String,
    /// The agency's reference (IEAT's permission).
    pub reference: String,
}

problems!(
    /// What `GET /v1/applications/{id}` refuses.
    GetProblems: api::READ, api::AUTH, api::WRITE, api::PURPOSE, &[(404, &[Code::NotFound])],
);

/// `GET /v1/applications/{id}`: officers and employers (their own) see the state, the
/// timeline and the fee; the registrar also sees the data and the reason in full, for a stated
/// purpose, and the read is recorded.
#[utoipa::path(
    get,
    path = "/v1/applications/{id}",
    operation_id = "getApplication",
    summary = "An application: state, timeline, fee and next step (only the registrar sees its data)",
    params(ApplicationId, ("DWP-Purpose" = Option<String>, Header, description = "The registrar's purpose \
        (`application-review`, `issuance` or `worker-request`): required for the registrar, who reads the data")),
    responses((status = 200, description = "The application", body = ApplicationView), GetProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(READERS)))),
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(ApplicationId { id }): Path<ApplicationId>,
) -> Result<Json<ApplicationView>, ApiError> {
    caller.require(READERS)?;
    // Only the registrar reads the data, and says why; the others read the state.
    let purpose = (caller.role == Role::Registrar).then(|| access::stated(&headers, &caller)).transpose()?;
    let id = lookup_id(&id).ok_or_else(not_found)?;
    let row = db::applications::by_id(&state.db, id).await?.filter(|r| visible(&caller, r)).ok_or_else(not_found)?;
    let opened = match purpose.is_some() || row.category.is_none() {
        true => Some(row.open(&state.db).await?),
        false => None,
    };
    let steps = db::applications::steps(&state.db, &row.id).await?;
    let timeline = steps
        .into_iter()
        .map(|s| StepView {
            n: s.n,
            action: s.action,
            actor: s.actor,
            at: UnixTime(s.at).to_string(),
            state: s.state,
            detail: serde_json::from_str(&s.detail).unwrap_or(Value::Null),
        })
        .collect();
    let mut v = ApplicationView {
        source: row
            .source
            .clone()
            .map(|agency| SourceView { agency, reference: row.source_ref.clone().unwrap_or_default() }),
        next_step: next_step_of(&state.journey, &row, opened.as_ref().map(|o| o.input_json.as_str()))?,
        fee: fee_view(&state.journey, &row, state.clock.now().0)?,
        id: row.id.clone(),
        state: row.state.clone(),
        category: row.category.clone(),
        submitted_at: UnixTime(row.submitted_at).to_string(),
        changed_at: UnixTime(row.entered_at).to_string(),
        decided_at: row.decided_at.map(|d| UnixTime(d).to_string()),
        permit_id: row.permit_id.clone(),
        reason_code: row.reason_code.as_deref().map(reason_code_view),
        timeline,
        reason: None,
        permit: None,
    };
    if let (Some(purpose), Some(opened)) = (purpose, opened) {
        v.reason = Some(opened.reason);
        v.permit = Some(serde_json::from_str(&opened.input_json).map_err(ApiError::internal)?);
        access::record(&state, &caller, Read::Application, &v.id, purpose).await?;
    }
    Ok(Json(v))
}

/// `?state=&after=&limit=` of the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only these states, comma-separated (e.g. `fee_paid,identity_verified`: the registrar's queue).
    pub state: Option<String>,
    /// The `cursor` of the last item of the page before.
    pub after: Option<String>,
    /// At most this many (1 to 200, default 50).
    pub limit: Option<i64>,
}

/// An application in a list: no personal data.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListItem {
    /// The application's number.
    pub id: String,
    /// Its state.
    pub state: String,
    /// The category applied for.
    pub category: Option<String>,
    /// The employer's juristic id.
    pub employer_id: Option<String>,
    /// When it was submitted.
    pub submitted_at: String,
    /// When it entered its state.
    pub changed_at: String,
    /// Seconds since then: its age in the queue.
    pub age_seconds: i64,
    /// The fee in baht, once issued.
    pub fee: Option<String>,
    /// The fee's due date, while unpaid.
    pub fee_due_at: Option<String>,
    /// Where the next page starts (`after=`).
    pub cursor: String,
}

/// A page of applications, oldest in its state first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    /// The applications.
    pub applications: Vec<ListItem>,
}

problems!(
    /// What `GET /v1/applications` refuses.
    ListProblems: api::READ, api::AUTH, &[(400, &[Code::InvalidQuery])],
);

fn bad_query(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, Code::InvalidQuery).detail(detail.into())
}

/// `GET /v1/applications`: the queue by state, oldest first (an employer sees its own only).
#[utoipa::path(
    get,
    path = "/v1/applications",
    operation_id = "listApplications",
    summary = "Applications by state, oldest first, with their age (no personal data)",
    params(ListQuery),
    responses((status = 200, description = "A page of applications", body = ApplicationList), ListProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(READERS)))),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ApplicationList>, ApiError> {
    caller.require(READERS)?;
    let Query(q) = query.map_err(|e| bad_query(e.body_text()))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(bad_query("limit is 1 to 200"));
    }
    let states: Vec<&str> = q.state.as_deref().map(|s| s.split(',').collect()).unwrap_or_default();
    if let Some(bad) = states.iter().find(|s| ApplicationState::parse(s).is_none()) {
        let all: Vec<&str> = ApplicationState::ALL.iter().map(|s| s.as_str()).collect();
        return Err(bad_query(format!("state {bad:?} is not one of {}", all.join(", "))));
    }
    let after = match q.after.as_deref() {
        None => None,
        Some(c) => {
            let parsed = c.split_once('.').and_then(|(t, id)| Some((t.parse::<i64>().ok()?, id)));
            Some(parsed.filter(|(_, id)| id.len() <= 64).ok_or_else(|| bad_query("after is a cursor from a page"))?)
        }
    };
    let employer = match caller.role {
        Role::Employer => Some(caller.scope.as_deref().unwrap_or("\u{0}")),
        _ => None,
    };
    let filter = db::applications::Filter { states: &states, employer_id: employer, after, limit };
    let rows = db::applications::list(&state.db, filter).await?;
    let now = state.clock.now().0;
    let applications = rows
        .into_iter()
        .map(|r| {
            let unpaid = r.state == "fee_pending";
            ListItem {
                cursor: format!("{}.{}", r.entered_at, r.id),
                age_seconds: (now - r.entered_at).max(0),
                submitted_at: UnixTime(r.submitted_at).to_string(),
                changed_at: UnixTime(r.entered_at).to_string(),
                fee: r.fee_satang.and_then(|f| u64::try_from(f).ok()).map(dwp_issuer::thaiqr::format_amount),
                fee_due_at: r.fee_due_at.filter(|_| unpaid).map(|d| UnixTime(d).to_string()),
                id: r.id,
                state: r.state,
                category: r.category,
                employer_id: r.employer_id,
            }
        })
        .collect();
    Ok(Json(ApplicationList { applications }))
}
