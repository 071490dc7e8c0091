//! The life of a permit: which registry actions are allowed in which state,
//! and what each does to the status lists. Pure functions; the registry only
//! stores their results.
//!
//! ```text
//!            suspend               revoke
//!   Active ──────────▶ Suspended ─────────▶ Revoked (final)
//!     │  ◀──────────      │
//!     │    reinstate      │ revoke
//!     ├───────────────────┴──────────────▶ Revoked
//!     │ renew / change-employer
//!     └──────────────────────────────────▶ Superseded (final; a new permit takes over)
//! ```
//!
//! Expiry is not stored: a permit past its `validUntil` is `Expired` when the
//! rule is applied. An expired permit may still be revoked or renewed, never
//! suspended, reinstated or moved to another employer.

use dwp_verifier::time::UnixTime;

/// The stored state of a permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PermitState {
    /// In force.
    Active,
    /// On hold; may be reinstated.
    Suspended,
    /// Withdrawn for good.
    Revoked,
    /// Replaced by a renewal or a change of employer.
    Superseded,
}

impl PermitState {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
            Self::Superseded => "superseded",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::Suspended, Self::Revoked, Self::Superseded].into_iter().find(|v| v.as_str() == s)
    }
}

/// A registrar's action on an existing permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Put on hold.
    Suspend,
    /// Lift a suspension.
    Reinstate,
    /// Withdraw for good.
    Revoke,
    /// Issue a new permit for a new period; the old one is retired.
    Renew,
    /// Issue a new permit for another employer; the old one is retired.
    ChangeEmployer,
}

impl Action {
    /// The name used in paths and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Suspend => "suspend",
            Self::Reinstate => "reinstate",
            Self::Revoke => "revoke",
            Self::Renew => "renew",
            Self::ChangeEmployer => "change-employer",
        }
    }

    /// Reads a path segment.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Suspend, Self::Reinstate, Self::Revoke, Self::Renew, Self::ChangeEmployer]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// What an allowed action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The permit's stored state afterwards.
    pub next: PermitState,
    /// The permit's revocation bit afterwards.
    pub revoked_bit: bool,
    /// The permit's suspension bit afterwards.
    pub suspended_bit: bool,
    /// Whether a new credential is issued (renewal, change of employer).
    pub issues_successor: bool,
}

/// Why an action is refused (HTTP 409 with this `code`). Exhaustive on purpose:
/// a new refusal must be given its code and titles wherever codes are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The permit is revoked; nothing more can happen to it.
    #[error("the permit is revoked; no further action is possible")]
    Revoked,
    /// The permit was replaced by a renewal or a change of employer.
    #[error("the permit was replaced by a newer permit; act on that one")]
    Superseded,
    /// Suspending a suspended permit.
    #[error("the permit is already suspended")]
    AlreadySuspended,
    /// Reinstating a permit that is not suspended.
    #[error("the permit is not suspended")]
    NotSuspended,
    /// Renewing or moving a suspended permit: reinstate it first.
    #[error("the permit is suspended; reinstate it first")]
    Suspended,
    /// Suspending, reinstating or moving an expired permit.
    #[error("the permit has expired")]
    Expired,
}

impl TransitionError {
    /// The stable problem code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Revoked => "permit_revoked",
            Self::Superseded => "permit_superseded",
            Self::AlreadySuspended => "already_suspended",
            Self::NotSuspended => "not_suspended",
            Self::Suspended => "permit_suspended",
            Self::Expired => "permit_expired",
        }
    }
}

/// A permit's state as its readers see it at `now`: its stored state, or `expired` for a
/// live permit (active or suspended) whose validity ended before `now`. Expiry is never stored:
/// it follows from the clock, and a revoked or superseded permit stays what it is.
pub fn effective_state(state: PermitState, valid_until: UnixTime, now: UnixTime) -> &'static str {
    match state {
        PermitState::Active | PermitState::Suspended if now > valid_until => "expired",
        s => s.as_str(),
    }
}

/// Applies `action` to a permit in `state` whose validity ends at `valid_until`.
///
/// # Errors
/// [`TransitionError`] when the action is not allowed; nothing is to be changed then.
pub fn apply(
    state: PermitState,
    action: Action,
    valid_until: UnixTime,
    now: UnixTime,
) -> Result<Transition, TransitionError> {
    use Action as A;
    use PermitState as S;
    let expired = now > valid_until;
    let t = |next, revoked_bit, suspended_bit, issues_successor| Transition {
        next,
        revoked_bit,
        suspended_bit,
        issues_successor,
    };
    match (state, action) {
        (S::Revoked, _) => Err(TransitionError::Revoked),
        (S::Superseded, _) => Err(TransitionError::Superseded),
        // Revocation is always possible on a live record, expired or not, and is final.
        (S::Active | S::Suspended, A::Revoke) => Ok(t(S::Revoked, true, state == S::Suspended, false)),
        (S::Suspended, A::Suspend) => Err(TransitionError::AlreadySuspended),
        (S::Active, A::Reinstate) => Err(TransitionError::NotSuspended),
        (S::Suspended, A::Renew | A::ChangeEmployer) => Err(TransitionError::Suspended),
        (S::Active | S::Suspended, A::Suspend | A::Reinstate | A::ChangeEmployer) if expired => {
            Err(TransitionError::Expired)
        }
        (S::Active, A::Suspend) => Ok(t(S::Suspended, false, true, false)),
        (S::Suspended, A::Reinstate) => Ok(t(S::Active, false, false, false)),
        // The retired permit goes on the revocation list: it must never verify again,
        // whatever happens to its successor.
        (S::Active, A::Renew | A::ChangeEmployer) => Ok(t(S::Superseded, true, false, true)),
    }
}

/// Where a permit's history leads: its state and its two status bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    /// The state the history leads to.
    pub state: PermitState,
    /// The revocation bit it leads to.
    pub revoked_bit: bool,
    /// The suspension bit it leads to.
    pub suspended_bit: bool,
}

/// Replays the actions recorded for a permit since its issue, in order. Only
/// allowed actions are ever recorded, so expiry is not re-checked.
///
/// # Errors
/// [`TransitionError`] when the history holds an action its state did not allow.
pub fn replay(actions: impl IntoIterator<Item = Action>) -> Result<Replayed, TransitionError> {
    let mut at = Replayed { state: PermitState::Active, revoked_bit: false, suspended_bit: false };
    for action in actions {
        let t = apply(at.state, action, UnixTime(i64::MAX), UnixTime(i64::MIN))?;
        at = Replayed { state: t.next, revoked_bit: t.revoked_bit, suspended_bit: t.suspended_bit };
    }
    Ok(at)
}

/// Draws a status-list index: the first candidate from `candidates` (random
/// draws below `capacity`) that `is_taken` does not report. `None` when
/// `max_draws` candidates were all taken: the shard is full enough to open the next.
pub fn allocate_index(
    candidates: impl IntoIterator<Item = u32>,
    capacity: u32,
    max_draws: usize,
    mut is_taken: impl FnMut(u32) -> bool,
) -> Option<u32> {
    candidates.into_iter().take(max_draws).map(|c| c % capacity.max(1)).find(|&c| !is_taken(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_read_off_the_clock_for_live_permits_only() {
        let (until, before, after) = (UnixTime(100), UnixTime(100), UnixTime(101));
        assert_eq!(effective_state(PermitState::Active, until, before), "active", "valid until the instant itself");
        assert_eq!(effective_state(PermitState::Active, until, after), "expired");
        assert_eq!(effective_state(PermitState::Suspended, until, after), "expired");
        assert_eq!(effective_state(PermitState::Revoked, until, after), "revoked");
        assert_eq!(effective_state(PermitState::Superseded, until, after), "superseded");
    }

    const UNTIL: UnixTime = UnixTime(2_000_000_000);
    const BEFORE: UnixTime = UnixTime(1_900_000_000);
    const AFTER: UnixTime = UnixTime(2_100_000_000);

    #[test]
    fn every_state_and_action_has_one_answer() {
        use Action::*;
        use PermitState::*;
        let ok = |s, a, now| apply(s, a, UNTIL, now).map(|t| t.next);
        assert_eq!(ok(Active, Suspend, BEFORE), Ok(Suspended));
        assert_eq!(ok(Suspended, Reinstate, BEFORE), Ok(Active));
        assert_eq!(ok(Active, Revoke, AFTER), Ok(Revoked));
        assert_eq!(ok(Suspended, Revoke, BEFORE), Ok(Revoked));
        assert_eq!(ok(Active, Renew, AFTER), Ok(Superseded));
        assert_eq!(ok(Active, ChangeEmployer, BEFORE), Ok(Superseded));
        assert_eq!(ok(Revoked, Reinstate, BEFORE), Err(TransitionError::Revoked));
        assert_eq!(ok(Revoked, Renew, AFTER), Err(TransitionError::Revoked));
        assert_eq!(ok(Superseded, Suspend, BEFORE), Err(TransitionError::Superseded));
        assert_eq!(ok(Suspended, Suspend, BEFORE), Err(TransitionError::AlreadySuspended));
        assert_eq!(ok(Active, Reinstate, BEFORE), Err(TransitionError::NotSuspended));
        assert_eq!(ok(Suspended, Renew, BEFORE), Err(TransitionError::Suspended));
        assert_eq!(ok(Active, Suspend, AFTER), Err(TransitionError::Expired));
        assert_eq!(ok(Active, ChangeEmployer, AFTER), Err(TransitionError::Expired));
        for s in [Active, Suspended, Revoked, Superseded] {
            for a in [Suspend, Reinstate, Revoke, Renew, ChangeEmployer] {
                for now in [BEFORE, AFTER] {
                    if let Ok(t) = apply(s, a, UNTIL, now) {
                        assert_eq!(t.revoked_bit, matches!(t.next, Revoked | Superseded), "{s:?} {a:?}");
                        assert_eq!(t.issues_successor, matches!(a, Renew | ChangeEmployer), "{s:?} {a:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn replay_follows_the_history() {
        use Action::*;
        use PermitState::*;
        let r = |a: &[Action]| replay(a.iter().copied());
        assert_eq!(r(&[]), Ok(Replayed { state: Active, revoked_bit: false, suspended_bit: false }));
        assert_eq!(r(&[Suspend]), Ok(Replayed { state: Suspended, revoked_bit: false, suspended_bit: true }));
        assert_eq!(r(&[Suspend, Reinstate]), Ok(Replayed { state: Active, revoked_bit: false, suspended_bit: false }));
        assert_eq!(r(&[Suspend, Revoke]), Ok(Replayed { state: Revoked, revoked_bit: true, suspended_bit: true }));
        assert_eq!(r(&[Renew]), Ok(Replayed { state: Superseded, revoked_bit: true, suspended_bit: false }));
        assert_eq!(r(&[Revoke, Reinstate]), Err(TransitionError::Revoked), "nothing follows a revocation");
    }

    #[test]
    fn names_round_trip() {
        for s in ["active", "suspended", "revoked", "superseded"] {
            assert_eq!(PermitState::parse(s).map(PermitState::as_str), Some(s));
        }
        for a in ["suspend", "reinstate", "revoke", "renew", "change-employer"] {
            assert_eq!(Action::parse(a).map(Action::as_str), Some(a));
        }
        assert_eq!(Action::parse("delete"), None);
    }

    #[test]
    fn allocation_skips_taken_indices_and_gives_up() {
        let taken = [5u32, 7];
        assert_eq!(allocate_index([5, 7, 9], 100, 8, |i| taken.contains(&i)), Some(9));
        assert_eq!(allocate_index([105], 100, 8, |i| taken.contains(&i)), None, "105 wraps to the taken 5");
        assert_eq!(allocate_index([5, 7], 100, 8, |i| taken.contains(&i)), None);
        assert_eq!(allocate_index([1, 2, 3], 100, 2, |_| true), None);
    }
}
