//! What keeps the registry from doing its work, as `/readyz` reports it: writes
//! that fail, a clock behind the last signature, stored status that disagrees
//! with the audited history. Each problem is logged once when it starts and
//! once when it ends. The answers themselves are in `routes::health`.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Writes fail (the storage refused a statement or a commit).
pub const STORAGE: &str = "storage_unavailable";
/// The clock is earlier than the last signature or the signing key's window.
pub const CLOCK: &str = "clock_behind";
/// Stored status bits disagree with the audited history; lists keep their last good signature.
pub const AUDIT: &str = "status_disagrees_with_audit";

/// The problems in force, by code and subject (e.g. the status list concerned; empty for the whole registry).
#[derive(Debug, Default)]
pub struct Health {
    problems: Mutex<BTreeMap<(&'static str, String), String>>,
}

impl Health {
    /// Records a problem of the whole registry (logged when it starts).
    pub fn set(&self, code: &'static str, detail: impl Into<String>) {
        self.set_for(code, "", detail);
    }

    /// Records a problem of one subject (logged when it starts).
    pub fn set_for(&self, code: &'static str, subject: &str, detail: impl Into<String>) {
        let detail = detail.into();
        if let Ok(mut p) = self.problems.lock()
            && p.insert((code, subject.to_string()), detail.clone()).is_none()
        {
            tracing::error!(code, subject, detail = %detail, "not ready");
        }
    }

    /// Clears a problem of the whole registry (logged when it ends).
    pub fn clear(&self, code: &'static str) {
        self.clear_for(code, "");
    }

    /// Clears a problem of one subject (logged when it ends).
    pub fn clear_for(&self, code: &'static str, subject: &str) {
        if let Ok(mut p) = self.problems.lock()
            && p.remove(&(code, subject.to_string())).is_some()
        {
            tracing::info!(code, subject, "ready again");
        }
    }

    /// Whether a problem with this code is in force, for any subject.
    pub fn has(&self, code: &'static str) -> bool {
        self.problems.lock().is_ok_and(|p| p.keys().any(|(c, _)| *c == code))
    }

    /// Every problem in force: `(code, subject, detail)`.
    pub fn problems(&self) -> Vec<(&'static str, String, String)> {
        self.problems
            .lock()
            .map(|p| p.iter().map(|((c, s), d)| (*c, s.clone(), d.clone())).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_come_and_go() {
        let h = Health::default();
        assert!(h.problems().is_empty());
        h.set(STORAGE, "disk full");
        h.set(CLOCK, "behind");
        assert!(h.has(STORAGE));
        assert_eq!(h.problems().len(), 2);
        h.clear(STORAGE);
        assert!(!h.has(STORAGE));
        assert_eq!(h.problems(), vec![(CLOCK, String::new(), "behind".to_string())]);
        h.set_for(AUDIT, "revocation/1", "p1 disagrees");
        h.clear_for(AUDIT, "revocation/2");
        assert!(h.has(AUDIT), "another subject's problem stands");
    }
}
