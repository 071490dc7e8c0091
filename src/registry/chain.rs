//! The audit chain, as rules: every entry's hash covers the previous entry's
//! hash, so that any edit, deletion or reordering of the stored log is found;
//! and a permit's stored status must be where its audited actions lead. Pure:
//! the storage reads and writes the entries (`db::audit`), the routes answer.
//!
//! `hash = SHA-256( prev_hash ‖ "\n" ‖ JCS(entry) )` in lower-case hex, where
//! `entry` is `{seq, at, actor, action, subject, detail}`; the first entry's
//! `prev_hash` is 64 zeros.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use dwp_issuer::lifecycle::{self, Action, Replayed};

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

/// The audit actions of reads of a worker's data: on the record, and no change of state.
pub const READ_ACTIONS: [&str; 5] =
    ["permit.read", "permit.read_qr", "application.read", "application.read_document", "permit.disclose"];

/// The audit action of a live credential re-signed under a new key (a compromise): the permit's
/// state and status bits move with it unchanged.
pub const REISSUE_ACTION: &str = "credential.reissue";

/// Replays one permit's audited actions (`permit.issue` first; reads and re-issues are skipped) and
/// compares them with what is stored.
pub fn compare(id: &str, stored: StoredStatus, actions: &[String]) -> Option<Disagreement> {
    let actions: Vec<&String> =
        actions.iter().filter(|a| !READ_ACTIONS.contains(&a.as_str()) && a.as_str() != REISSUE_ACTION).collect();
    let audited = match actions.split_first() {
        Some((first, rest)) if *first == "permit.issue" => rest
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
