//! The audit trail: every mutating call appends an entry whose hash covers the
//! previous entry's hash, so that any edit, deletion or reordering of the
//! stored log is detected by `GET /v1/audit/verify`.
//!
//! `hash = SHA-256( prev_hash ‖ "\n" ‖ JCS(entry) )` in lower-case hex, where
//! `entry` is `{seq, at, actor, action, subject, detail}`; the first entry's
//! `prev_hash` is 64 zeros.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use dwp_issuer::lifecycle::{self, Action, Replayed};

use super::AppState;
use super::api::{self, problems};
use super::auth::{Caller, Role};
use super::problem::ApiError;
use super::store::Db;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry, as hashed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// The token id that acted (`cli` for the command line, `system` for the registry itself).
    pub actor: String,
    /// What was done.
    pub action: String,
    /// The permit, application or token acted on.
    pub subject: Option<String>,
    /// Reason and references; never a worker's personal data.
    pub detail: Value,
}

/// The chained hash of `entry` after `prev_hash`.
pub fn chain_hash(prev_hash: &str, entry: &AuditEntry) -> String {
    // invariant: the entry holds only strings, integers and JSON values; it always serializes.
    let canonical = serde_json_canonicalizer::to_string(entry).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a stored chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// An entry's `seq` is not the next number (a deletion or insertion).
    Gap { expected: i64, found: i64 },
    /// An entry's `prev_hash` is not the previous entry's hash.
    Link { seq: i64 },
    /// An entry's content does not give its stored hash (an edit).
    Content { seq: i64 },
}

/// Checks stored entries `(entry, prev_hash, hash)` in order, continuing from `(seq, hash)`.
pub fn check_chain<'a>(
    start: (i64, &str),
    rows: impl IntoIterator<Item = &'a (AuditEntry, String, String)>,
) -> Result<(i64, String), ChainBreak> {
    let (mut seq, mut hash) = (start.0, start.1.to_string());
    for (entry, prev, stored) in rows {
        if entry.seq != seq + 1 {
            return Err(ChainBreak::Gap { expected: seq + 1, found: entry.seq });
        }
        if *prev != hash {
            return Err(ChainBreak::Link { seq: entry.seq });
        }
        if chain_hash(prev, entry) != *stored {
            return Err(ChainBreak::Content { seq: entry.seq });
        }
        seq = entry.seq;
        hash = stored.clone();
    }
    Ok((seq, hash))
}

/// A permit's stored state, revoked bit and suspended bit.
pub type StoredStatus = (String, bool, bool);

/// A permit whose stored state or status bits are not where its audited history leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The permit.
    pub id: String,
    /// What is stored: state, revoked bit, suspended bit.
    pub stored: StoredStatus,
    /// Where the audited history leads, or why it cannot be replayed.
    pub audited: Result<Replayed, String>,
}

impl Disagreement {
    /// As answered (ids and states only: no personal data).
    pub fn view(&self) -> DisagreementView {
        let audited = match &self.audited {
            Ok(r) => Audited::Replayed(StatusBits {
                state: r.state.as_str().to_string(),
                revoked: r.revoked_bit,
                suspended: r.suspended_bit,
            }),
            Err(e) => Audited::Unreplayable { error: e.clone() },
        };
        DisagreementView {
            id: self.id.clone(),
            stored: StatusBits { state: self.stored.0.clone(), revoked: self.stored.1, suspended: self.stored.2 },
            audited,
        }
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

/// Replays one permit's audited actions (`permit.issue` first) and compares them with what is stored.
fn compare(id: &str, stored: StoredStatus, actions: &[String]) -> Option<Disagreement> {
    let audited = match actions.split_first() {
        Some((first, rest)) if first == "permit.issue" => rest
            .iter()
            .map(|a| a.strip_prefix("permit.").and_then(Action::parse).ok_or_else(|| format!("unknown action {a}")))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|acts| lifecycle::replay(acts).map_err(|e| format!("impossible history: {e}"))),
        _ => Err("no audited issue".to_string()),
    };
    let agrees = matches!(&audited, Ok(r)
        if r.state.as_str() == stored.0 && r.revoked_bit == stored.1 && r.suspended_bit == stored.2);
    (!agrees).then(|| Disagreement { id: id.to_string(), stored, audited })
}

/// The permits (of one shard, or of every shard) whose stored state or bits
/// disagree with their audited history; at most `max` are returned.
pub async fn disagreements(db: &Db, shard: Option<i64>, max: usize) -> Result<Vec<Disagreement>, sqlx::Error> {
    let mut found = Vec::new();
    let mut after = String::new();
    loop {
        let ids = match shard {
            Some(s) => {
                sqlx::query_scalar::<_, String>(
                    "SELECT id FROM permits WHERE shard = $1 AND id > $2 ORDER BY id LIMIT 2000",
                )
                .bind(s)
                .bind(&after)
                .fetch_all(&db.pool)
                .await?
            }
            None => {
                sqlx::query_scalar::<_, String>("SELECT id FROM permits WHERE id > $1 ORDER BY id LIMIT 2000")
                    .bind(&after)
                    .fetch_all(&db.pool)
                    .await?
            }
        };
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else { break };
        let rows = sqlx::query(
            "SELECT p.id, p.state, p.revoked_bit, p.suspended_bit, a.action FROM permits p \
             LEFT JOIN audit_log a ON a.subject = p.id \
             WHERE p.id >= $1 AND p.id <= $2 AND ($3 < 0 OR p.shard = $3) ORDER BY p.id, a.seq",
        )
        .bind(first)
        .bind(last)
        .bind(shard.unwrap_or(-1))
        .fetch_all(&db.pool)
        .await?;
        let mut current: Option<(String, StoredStatus, Vec<String>)> = None;
        for r in &rows {
            let id: String = r.try_get(0)?;
            if current.as_ref().is_none_or(|(c, _, _)| *c != id) {
                if let Some((cid, stored, actions)) = current.take() {
                    found.extend(compare(&cid, stored, &actions));
                }
                let stored = (r.try_get(1)?, r.try_get::<i64, _>(2)? != 0, r.try_get::<i64, _>(3)? != 0);
                current = Some((id, stored, Vec::new()));
            }
            if let (Some((_, _, actions)), Some(a)) = (current.as_mut(), r.try_get::<Option<String>, _>(4)?) {
                actions.push(a);
            }
        }
        if let Some((cid, stored, actions)) = current.take() {
            found.extend(compare(&cid, stored, &actions));
        }
        if found.len() >= max {
            found.truncate(max);
            break;
        }
        after = last.clone();
    }
    Ok(found)
}

/// `?after=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// The last `seq` of the previous page (`next`); default 0.
    #[serde(default)]
    after: i64,
    /// Entries per page: 1 to 1000 (default 100).
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

async fn read_page(state: &AppState, after: i64, limit: i64) -> Result<Vec<(AuditEntry, String, String)>, ApiError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&state.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let detail: String = r.try_get(5)?;
            Ok((
                AuditEntry {
                    seq: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    subject: r.try_get(4)?,
                    // A row whose detail is not JSON is kept as text: the hash check then fails on it.
                    detail: serde_json::from_str(&detail).unwrap_or(Value::String(detail)),
                },
                r.try_get(6)?,
                r.try_get(7)?,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(ApiError::from)
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
    ListProblems: api::READ, api::AUTH, &[(400, &["invalid_query"])],
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
        page.map_err(|e| ApiError::new(axum::http::StatusCode::BAD_REQUEST, "invalid_query").detail(e.body_text()))?;
    let limit = page.limit.clamp(1, 1000);
    let rows = read_page(&state, page.after.max(0), limit).await?;
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
        let rows = read_page(&state, at.0, 2000).await?;
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
    let head =
        sqlx::query("SELECT audit_seq, audit_hash FROM registry_head WHERE id = 1").fetch_one(&state.db.pool).await?;
    let (head_seq, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    if head_seq != at.0 || head_hash != at.1 {
        let check =
            ChainCheck { broken: Some("head"), entries: Some(at.0), head_hash: Some(at.1), ..ChainCheck::default() };
        return Ok(Json(check));
    }
    // The chain is intact: every permit's stored state must be where its audited history leads.
    let disagree = disagreements(&state.db, None, 100).await?;
    let valid = disagree.is_empty();
    Ok(Json(ChainCheck {
        valid,
        broken: (!valid).then_some("permit_state"),
        seq: None,
        checked: None,
        entries: Some(at.0),
        head_hash: Some(at.1),
        disagreements: Some(disagree.iter().map(Disagreement::view).collect()),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry(seq: i64, action: &str) -> AuditEntry {
        AuditEntry {
            seq,
            at: 1_795_000_000 + seq,
            actor: "t1".into(),
            action: action.into(),
            subject: Some("p1".into()),
            detail: json!({"reason": "ทดสอบ"}),
        }
    }

    fn chain(n: i64) -> Vec<(AuditEntry, String, String)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let e = entry(i, "issue");
                let h = chain_hash(&prev, &e);
                let row = (e, prev.clone(), h.clone());
                prev = h;
                row
            })
            .collect()
    }

    #[test]
    fn intact_chain_checks() {
        let rows = chain(5);
        assert_eq!(check_chain((0, GENESIS), &rows), Ok((5, rows[4].2.clone())));
    }

    #[test]
    fn stored_state_is_compared_with_the_replayed_history() {
        let acts = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let stored = |s: &str, r, u| (s.to_string(), r, u);
        assert_eq!(compare("p", stored("active", false, false), &acts(&["permit.issue"])), None);
        assert_eq!(compare("p", stored("revoked", true, false), &acts(&["permit.issue", "permit.revoke"])), None);
        let edited = compare("p", stored("active", false, false), &acts(&["permit.issue", "permit.revoke"]));
        assert!(edited.is_some_and(|d| d.audited.is_ok_and(|r| r.revoked_bit)), "a revocation set back by hand");
        let bit = compare("p", stored("revoked", false, false), &acts(&["permit.issue", "permit.revoke"]));
        assert!(bit.is_some(), "a revocation bit cleared by hand");
        assert!(compare("p", stored("active", false, false), &acts(&[])).is_some(), "no audited issue");
    }

    #[test]
    fn every_tampering_is_found() {
        let mut edited = chain(5);
        edited[2].0.action = "revoke".into();
        assert_eq!(check_chain((0, GENESIS), &edited), Err(ChainBreak::Content { seq: 3 }));
        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(check_chain((0, GENESIS), &deleted), Err(ChainBreak::Gap { expected: 2, found: 3 }));
        let mut relinked = chain(5);
        relinked[3].1 = GENESIS.into();
        assert_eq!(check_chain((0, GENESIS), &relinked), Err(ChainBreak::Link { seq: 4 }));
    }
}
