//! `/v1/audit`: the hash-chained audit log for auditors, a page at a time,
//! and its check: the chain recomputed, compared with the recorded head, and
//! every permit's stored status compared with its audited history.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::registry::api::{self, problems};
use crate::registry::auth::{Caller, Role};
use crate::registry::chain::{ChainBreak, Disagreement, GENESIS, check_chain};
use crate::registry::db;
use crate::registry::problem::ApiError;
use crate::registry::problem::Code;
use crate::registry::state::AppState;

/// The routes of `/v1/audit`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(verify))
}

/// A disagreement as answered (ids and states only: no personal data).
fn view(d: &Disagreement) -> DisagreementView {
    let audited = match &d.audited {
        Ok(r) => Audited::Replayed(StatusBits {
            state: r.state.as_str().to_string(),
            revoked: r.revoked_bit,
            suspended: r.suspended_bit,
        }),
        Err(e) => Audited::Unreplayable { error: e.clone() },
    };
    DisagreementView {
        id: d.id.clone(),
        stored: StatusBits { state: d.stored.0.clone(), revoked: d.stored.1, suspended: d.stored.2 },
        audited,
    }
}

/// A permit whose stored status is not where its audited history leads, as answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisagreementView {
    /// The permit.
    pub id: String,
    /// What is stored.
    pub stored: StatusBits,
    /// Where the audited history leads.
    pub audited: Audited,
}

/// A permit's state and status bits.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusBits {
    /// The state.
    pub state: String,
    /// The revocation bit.
    pub revoked: bool,
    /// The suspension bit.
    pub suspended: bool,
}

/// Where a permit's audited history leads.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Audited {
    /// The state and bits it leads to.
    Replayed(StatusBits),
    /// Why it cannot be replayed.
    Unreplayable {
        /// Why.
        error: String,
    },
}

/// `?after=&limit=`: a page of a feed in order (the audit chain, the events).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// The last position already read (`seq`, `dwpseq`; the audit page's `next`); default 0.
    #[serde(default)]
    pub after: i64,
    /// Entries per page: 1 to 1000 (default 100).
    #[serde(default = "default_limit")]
    pub limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// Who reads the audit log.
const AUDITOR: &[Role] = &[Role::Auditor];

/// One entry of the chain, as answered.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When.
    pub at: String,
    /// The token id that acted (`cli`, `system`).
    pub actor: String,
    /// What was done.
    pub action: String,
    /// The permit, application or token acted on.
    #[schema(required = true)]
    pub subject: Option<String>,
    /// Reason and references; never a worker's personal data.
    pub detail: Value,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// The entries, in order.
    pub entries: Vec<AuditEntryView>,
    /// The `after` of the next page, when the page is full.
    #[schema(required = true)]
    pub next: Option<i64>,
}

problems!(
    /// What `GET /v1/audit` refuses.
    ListProblems: api::READ, api::AUTH, &[(400, &[Code::InvalidQuery])],
);

/// `GET /v1/audit` (auditor): a page of the chain.
#[utoipa::path(
    get,
    path = "/v1/audit",
    operation_id = "listAudit",
    summary = "The hash-chained audit log, a page at a time",
    params(Page),
    responses((status = 200, description = "A page of the chain", body = AuditPage), ListProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(AUDITOR)))),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    caller.require(AUDITOR)?;
    let Query(page) =
        page.map_err(|e| ApiError::new(axum::http::StatusCode::BAD_REQUEST, Code::InvalidQuery).detail(e.body_text()))?;
    let limit = page.limit.clamp(1, 1000);
    let rows = db::audit::page(&state.db, page.after.max(0), limit).await?;
    let next = rows.last().map(|(e, _, _)| e.seq).filter(|_| rows.len() as i64 == limit);
    let entries = rows
        .into_iter()
        .map(|(e, prev_hash, hash)| AuditEntryView {
            seq: e.seq,
            at: dwp_verifier::time::UnixTime(e.at).to_string(),
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            detail: e.detail,
            prev_hash,
            hash,
        })
        .collect();
    Ok(Json(AuditPage { entries, next }))
}

/// The result of recomputing the audit chain.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChainCheck {
    /// Whether the chain is intact and every permit's stored state is where its history leads.
    pub valid: bool,
    /// Where it breaks: `gap`, `link`, `content`, `head` or `permit_state`; `null` when valid.
    #[serde(rename = "break")]
    #[schema(required = true)]
    pub broken: Option<&'static str>,
    /// `gap`, `link`, `content`: the first entry at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub seq: Option<i64>,
    /// `gap`, `link`, `content`: the entries checked before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub checked: Option<i64>,
    /// The entries checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub entries: Option<i64>,
    /// The hash of the last entry checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub head_hash: Option<String>,
    /// The permits whose stored state disagrees with their history (at most 100), when the chain is intact.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub disagreements: Option<Vec<DisagreementView>>,
}

problems!(
    /// What `GET /v1/audit/verify` refuses.
    VerifyProblems: api::READ, api::AUTH,
);

/// `GET /v1/audit/verify` (auditor): recomputes the whole chain and compares it with the head.
#[utoipa::path(
    get,
    path = "/v1/audit/verify",
    operation_id = "verifyAudit",
    summary = "Recompute the audit chain",
    responses((status = 200, description = "Whether the chain holds, and where it breaks", body = ChainCheck), VerifyProblems),
    security(("bearer" = [])),
    extensions(("x-roles" = json!(api::roles(AUDITOR)))),
)]
pub async fn verify(State(state): State<AppState>, caller: Caller) -> Result<Json<ChainCheck>, ApiError> {
    caller.require(AUDITOR)?;
    let mut at = (0i64, GENESIS.to_string());
    loop {
        let rows = db::audit::page(&state.db, at.0, 2000).await?;
        if rows.is_empty() {
            break;
        }
        match check_chain((at.0, &at.1), &rows) {
            Ok(next) => at = next,
            Err(b) => {
                let (kind, seq) = match b {
                    ChainBreak::Gap { expected, .. } => ("gap", expected),
                    ChainBreak::Link { seq } => ("link", seq),
                    ChainBreak::Content { seq } => ("content", seq),
                };
                let check =
                    ChainCheck { broken: Some(kind), seq: Some(seq), checked: Some(at.0), ..ChainCheck::default() };
                return Ok(Json(check));
            }
        }
    }
    let (head_seq, head_hash) = db::audit::head(&state.db).await?;
    if head_seq != at.0 || head_hash != at.1 {
        let check =
            ChainCheck { broken: Some("head"), entries: Some(at.0), head_hash: Some(at.1), ..ChainCheck::default() };
        return Ok(Json(check));
    }
    // The chain is intact: every permit's stored state must be where its audited history leads.
    let disagree = db::audit::disagreements(&state.db, None, 100).await?;
    let valid = disagree.is_empty();
    Ok(Json(ChainCheck {
        valid,
        broken: (!valid).then_some("permit_state"),
        seq: None,
        checked: None,
        entries: Some(at.0),
        head_hash: Some(at.1),
        disagreements: Some(disagree.iter().map(view).collect()),
    }))
}
