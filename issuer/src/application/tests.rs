use proptest::prelude::*;

use super::*;

const DAY: i64 = 86_400;
const T0: UnixTime = UnixTime(1_795_478_400);

fn at(days: i64, seconds: i64) -> UnixTime {
    UnixTime(T0.0 + days * DAY + seconds)
}

/// An action of each kind, dated `now` where it carries a date.
fn sample(kind: ActionKind, now: UnixTime) -> Action {
    match kind {
        ActionKind::Submit => Action::Submit,
        ActionKind::IssueFee => Action::IssueFee,
        ActionKind::ConfirmFee => Action::ConfirmFee { paid_at: now },
        ActionKind::VerifyIdentity => Action::VerifyIdentity(IdentityCheck {
            centre: CentreCode::parse("SC-21-01").expect("centre code"),
            biometric_match: BiometricMatchRef::parse("BM-2026-000042").expect("match reference"),
            at: now,
        }),
        ActionKind::StartReview => Action::StartReview,
        ActionKind::RequestInfo => Action::RequestInfo,
        ActionKind::ProvideInfo => Action::ProvideInfo,
        ActionKind::Approve => Action::Approve,
        ActionKind::MarkIssued => Action::MarkIssued,
        ActionKind::Reject => Action::Reject(RejectionReason::parse("เอกสารไม่ครบ").expect("reason")),
        ActionKind::Withdraw => Action::Withdraw,
        ActionKind::ExpireUnpaid => Action::ExpireUnpaid,
    }
}

/// Applies `kind` with its own actor, `days` after the state was entered at `T0`.
fn apply(
    state: ApplicationState,
    kind: ActionKind,
    days: i64,
    identity: &IdentityRule,
) -> Result<ApplicationState, TransitionError> {
    let now = at(days, 0);
    let ctx = Context { category: Category::Section62, identity, entered_at: T0, now };
    transition(state, &sample(kind, now), kind.actor(), &ctx)
}

#[test]
fn every_state_and_action_has_one_answer() {
    use ActionKind as K;
    use ApplicationState::*;
    use TransitionError as E;
    let not_review = |action| Err(E::NotUnderReview { action });
    // One row a live state, one column an action in `ActionKind::ALL` order:
    // submit, issue-fee, confirm-fee, verify-identity, start-review, request-info, provide-info,
    // approve, mark-issued, reject, withdraw, expire-unpaid. Identity is required (the default).
    let table: [(ApplicationState, [Result<ApplicationState, TransitionError>; 12]); 7] = [
        (
            Submitted,
            [
                Err(E::NotFirstStep),
                Ok(FeePending),
                Err(E::FeeNotIssued),
                Err(E::FeeNotPaid),
                Err(E::FeeNotPaid),
                not_review(K::RequestInfo),
                Err(E::NoInfoRequested),
                Err(E::FeeNotPaid),
                Err(E::NotApproved),
                not_review(K::Reject),
                Ok(Withdrawn),
                Err(E::FeeNotIssued),
            ],
        ),
        (
            FeePending,
            [
                Err(E::NotFirstStep),
                Err(E::FeeAlreadyIssued),
                Ok(FeePaid),
                Err(E::FeeNotPaid),
                Err(E::FeeNotPaid),
                not_review(K::RequestInfo),
                Err(E::NoInfoRequested),
                Err(E::FeeNotPaid),
                Err(E::NotApproved),
                not_review(K::Reject),
                Ok(Withdrawn),
                Err(E::DeadlineNotReached { deadline: at(7, 0), now: at(1, 0) }),
            ],
        ),
        (
            FeePaid,
            [
                Err(E::NotFirstStep),
                Err(E::FeeAlreadyIssued),
                Err(E::FeeAlreadyPaid),
                Ok(IdentityVerified),
                Err(E::IdentityNotVerified { action: K::StartReview }),
                not_review(K::RequestInfo),
                Err(E::NoInfoRequested),
                Err(E::IdentityNotVerified { action: K::Approve }),
                Err(E::NotApproved),
                not_review(K::Reject),
                Ok(Withdrawn),
                Err(E::FeeAlreadyPaid),
            ],
        ),
        (
            IdentityVerified,
            [
                Err(E::NotFirstStep),
                Err(E::FeeAlreadyIssued),
                Err(E::FeeAlreadyPaid),
                Err(E::IdentityAlreadyVerified),
                Ok(UnderReview),
                not_review(K::RequestInfo),
                Err(E::NoInfoRequested),
                not_review(K::Approve),
                Err(E::NotApproved),
                not_review(K::Reject),
                Ok(Withdrawn),
                Err(E::FeeAlreadyPaid),
            ],
        ),
        (
            UnderReview,
            [
                Err(E::NotFirstStep),
                Err(E::FeeAlreadyIssued),
                Err(E::FeeAlreadyPaid),
                Err(E::ReviewStarted),
                Err(E::AlreadyUnderReview),
                Ok(InfoRequested),
                Err(E::NoInfoRequested),
                Ok(Approved),
                Err(E::NotApproved),
                Ok(Rejected),
                Ok(Withdrawn),
                Err(E::FeeAlreadyPaid),
            ],
        ),
        (
            InfoRequested,
            [
                Err(E::NotFirstStep),
                Err(E::FeeAlreadyIssued),
                Err(E::FeeAlreadyPaid),
                Err(E::ReviewStarted),
                Err(E::AlreadyUnderReview),
                Err(E::InfoAlreadyRequested),
                Ok(UnderReview),
                Err(E::AwaitingInfo),
                Err(E::NotApproved),
                Ok(Rejected),
                Ok(Withdrawn),
                Err(E::FeeAlreadyPaid),
            ],
        ),
        (
            Approved,
            [
                Err(E::NotFirstStep),
                Err(E::AlreadyApproved),
                Err(E::AlreadyApproved),
                Err(E::AlreadyApproved),
                Err(E::AlreadyApproved),
                Err(E::AlreadyApproved),
                Err(E::AlreadyApproved),
                Err(E::AlreadyApproved),
                Ok(Issued),
                Err(E::AlreadyApproved),
                Err(E::AlreadyApproved),
                Err(E::AlreadyApproved),
            ],
        ),
    ];
    let rule = IdentityRule::default();
    for (state, row) in &table {
        for (kind, expected) in ActionKind::ALL.into_iter().zip(row) {
            assert_eq!(&apply(*state, kind, 1, &rule), expected, "{} {kind}", state.as_str());
        }
    }
    let finals = [Issued, Rejected, Withdrawn, ExpiredUnpaid];
    assert_eq!(table.len() + finals.len(), ApplicationState::ALL.len(), "every state has its row");
    for state in finals {
        for kind in ActionKind::ALL {
            assert_eq!(apply(state, kind, 1, &rule), Err(E::Closed { state }), "{} {kind}", state.as_str());
        }
    }
}

#[test]
fn only_the_action_s_own_actor_may_take_it_whatever_the_state() {
    let rule = IdentityRule::default();
    for state in ApplicationState::ALL {
        for kind in ActionKind::ALL {
            for actor in Actor::ALL.into_iter().filter(|&a| a != kind.actor()) {
                let ctx = Context { category: Category::Section59, identity: &rule, entered_at: T0, now: at(1, 0) };
                assert_eq!(
                    transition(state, &sample(kind, at(1, 0)), actor, &ctx),
                    Err(TransitionError::NotPermitted { action: kind, actor }),
                    "{} {kind} by {actor}",
                    state.as_str()
                );
            }
        }
    }
    assert_eq!(submit(Actor::Applicant), Ok(ApplicationState::Submitted));
    assert_eq!(
        submit(Actor::Officer),
        Err(TransitionError::NotPermitted { action: ActionKind::Submit, actor: Actor::Officer })
    );
    let message = TransitionError::NotPermitted { action: ActionKind::Approve, actor: Actor::Applicant }.to_string();
    assert_eq!(message, "the applicant cannot approve: only the registrar can");
}

#[test]
fn the_registrar_cannot_approve_before_identity_is_verified_when_the_category_requires_it() {
    use ApplicationState::*;
    let all = IdentityRule::default();
    let e = apply(FeePaid, ActionKind::Approve, 1, &all);
    assert_eq!(e, Err(TransitionError::IdentityNotVerified { action: ActionKind::Approve }));
    assert_eq!(
        e.map_err(|e| e.to_string()),
        Err("the registrar cannot approve before identity is verified: the category requires it".to_string())
    );
    // Section 62 (investment promotion) configured without the identity check.
    let others = IdentityRule::required_for([Category::Section59, Category::Section63_1, Category::Section64]);
    assert!(!others.requires(Category::Section62) && others.requires(Category::Section64));
    assert_eq!(apply(FeePaid, ActionKind::StartReview, 1, &others), Ok(UnderReview));
    assert_eq!(
        apply(FeePaid, ActionKind::Approve, 1, &others),
        Err(TransitionError::NotUnderReview { action: ActionKind::Approve })
    );
    assert_eq!(apply(FeePaid, ActionKind::VerifyIdentity, 1, &others), Ok(IdentityVerified), "still allowed");
    assert!(Category::ALL.into_iter().all(|c| all.requires(c)), "all categories by default");
}

#[test]
fn the_fee_is_due_seven_days_after_it_is_issued() {
    use ApplicationState::*;
    let rule = IdentityRule::default();
    assert_eq!(fee_deadline(T0), at(7, 0));
    assert_eq!(fee_deadline(UnixTime(i64::MAX)), UnixTime(i64::MAX), "saturates");
    assert_eq!(
        apply(FeePending, ActionKind::ExpireUnpaid, 7, &rule),
        Err(TransitionError::DeadlineNotReached { deadline: at(7, 0), now: at(7, 0) })
    );
    let ctx = |now| Context { category: Category::Section59, identity: &rule, entered_at: T0, now };
    assert_eq!(transition(FeePending, &Action::ExpireUnpaid, Actor::System, &ctx(at(7, 1))), Ok(ExpiredUnpaid));
    // A payment counts when the bank received it, even if confirmed after the deadline.
    let paid = |paid_at, now| transition(FeePending, &Action::ConfirmFee { paid_at }, Actor::System, &ctx(now));
    assert_eq!(paid(at(7, 0), at(8, 0)), Ok(FeePaid), "paid at the deadline itself");
    assert_eq!(
        paid(at(7, 1), at(8, 0)),
        Err(TransitionError::PaidAfterDeadline { deadline: at(7, 0), paid_at: at(7, 1) })
    );
    assert_eq!(
        paid(at(2, 0), at(1, 0)),
        Err(TransitionError::InFuture { action: ActionKind::ConfirmFee, at: at(2, 0), now: at(1, 0) })
    );
    let mut check = sample(ActionKind::VerifyIdentity, at(3, 0));
    assert_eq!(
        transition(FeePaid, &check, Actor::Officer, &ctx(at(2, 0))),
        Err(TransitionError::InFuture { action: ActionKind::VerifyIdentity, at: at(3, 0), now: at(2, 0) })
    );
    check = sample(ActionKind::VerifyIdentity, at(2, 0));
    assert_eq!(transition(FeePaid, &check, Actor::Officer, &ctx(at(2, 0))), Ok(IdentityVerified));
}

fn step(kind: ActionKind, days: i64) -> Step {
    Step { action: sample(kind, at(days, 0)), actor: kind.actor(), at: at(days, 0) }
}

#[test]
fn replay_follows_the_history_at_the_time_of_each_step() {
    use ActionKind as K;
    use ApplicationState::*;
    let rule = IdentityRule::default();
    let r = |steps: &[Step]| replay(steps, Category::Section63_1, &rule);
    let happy = [
        step(K::Submit, 0),
        step(K::IssueFee, 0),
        step(K::ConfirmFee, 2),
        step(K::VerifyIdentity, 3),
        step(K::StartReview, 4),
        step(K::RequestInfo, 5),
        step(K::ProvideInfo, 6),
        step(K::Approve, 8),
        step(K::MarkIssued, 8),
    ];
    assert_eq!(r(&happy), Ok(Replayed { state: Issued, entered_at: at(8, 0) }));
    assert_eq!(r(&happy[..3]), Ok(Replayed { state: FeePaid, entered_at: at(2, 0) }));
    assert_eq!(r(&[]), Err(TransitionError::NotFirstStep));
    assert_eq!(r(&happy[1..]), Err(TransitionError::NotFirstStep), "a history starts with its submission");
    // The deadline runs from the fee notice, not from the submission.
    let late = [step(K::Submit, 0), step(K::IssueFee, 3), step(K::ExpireUnpaid, 10)];
    assert_eq!(r(&late), Err(TransitionError::DeadlineNotReached { deadline: at(10, 0), now: at(10, 0) }));
    let expired = [step(K::Submit, 0), step(K::IssueFee, 3), step(K::ExpireUnpaid, 11)];
    assert_eq!(r(&expired), Ok(Replayed { state: ExpiredUnpaid, entered_at: at(11, 0) }));
    let mut after = expired.to_vec();
    after.push(step(K::ConfirmFee, 11));
    assert_eq!(r(&after), Err(TransitionError::Closed { state: ExpiredUnpaid }), "nothing follows expiry");
}

#[test]
fn names_round_trip_and_inputs_are_checked() {
    for s in ApplicationState::ALL {
        assert_eq!(ApplicationState::parse(s.as_str()), Some(s));
    }
    for k in ActionKind::ALL {
        assert_eq!(ActionKind::parse(k.as_str()), Some(k));
    }
    assert_eq!(ApplicationState::parse("pending"), None);
    assert_eq!(CentreCode::parse("sc-21"), None);
    assert_eq!(CentreCode::parse("S"), None);
    assert_eq!(BiometricMatchRef::parse("BM 1"), None);
    assert_eq!(BiometricMatchRef::parse(""), None);
    assert!(RejectionReason::parse("").is_err());
    assert!(RejectionReason::parse("Missing \u{202E}document").is_err());
}

/// The edges of the graph in the module's documentation, with the actor of each.
const EDGES: [(ApplicationState, ActionKind, ApplicationState); 18] = {
    use ActionKind as K;
    use ApplicationState::*;
    [
        (Submitted, K::IssueFee, FeePending),
        (FeePending, K::ConfirmFee, FeePaid),
        (FeePending, K::ExpireUnpaid, ExpiredUnpaid),
        (FeePaid, K::VerifyIdentity, IdentityVerified),
        (FeePaid, K::StartReview, UnderReview),
        (IdentityVerified, K::StartReview, UnderReview),
        (UnderReview, K::RequestInfo, InfoRequested),
        (InfoRequested, K::ProvideInfo, UnderReview),
        (UnderReview, K::Approve, Approved),
        (UnderReview, K::Reject, Rejected),
        (InfoRequested, K::Reject, Rejected),
        (Approved, K::MarkIssued, Issued),
        (Submitted, K::Withdraw, Withdrawn),
        (FeePending, K::Withdraw, Withdrawn),
        (FeePaid, K::Withdraw, Withdrawn),
        (IdentityVerified, K::Withdraw, Withdrawn),
        (UnderReview, K::Withdraw, Withdrawn),
        (InfoRequested, K::Withdraw, Withdrawn),
    ]
};

fn reachable() -> Vec<ApplicationState> {
    let mut seen = vec![ApplicationState::Submitted];
    let mut i = 0;
    while i < seen.len() {
        for (from, _, to) in EDGES {
            if from == seen[i] && !seen.contains(&to) {
                seen.push(to);
            }
        }
        i += 1;
    }
    seen
}

fn any_kind() -> impl Strategy<Value = ActionKind> {
    prop::sample::select(ActionKind::ALL.to_vec())
}

fn any_actor() -> impl Strategy<Value = Actor> {
    prop::sample::select(Actor::ALL.to_vec())
}

fn any_rule() -> impl Strategy<Value = IdentityRule> {
    prop::sample::subsequence(Category::ALL.to_vec(), 0..=4).prop_map(IdentityRule::required_for)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random attempts (a kind, an actor, a delay, and a date offset for dated actions) are
    /// applied in turn; the accepted ones form a history, which replays to the same state, a
    /// state the graph reaches, through edges of the graph only.
    #[test]
    fn replay_of_any_accepted_sequence_ends_in_a_reachable_state(
        attempts in prop::collection::vec((any_kind(), proptest::option::weighted(0.2, any_actor()), 0i64..4 * DAY, -DAY..DAY), 0..40),
        rule in any_rule(),
        category in prop::sample::select(Category::ALL.to_vec()),
    ) {
        let mut history = vec![Step { action: Action::Submit, actor: Actor::Applicant, at: T0 }];
        let mut state = ApplicationState::Submitted;
        let (mut now, mut entered_at) = (T0, T0);
        for (kind, actor, delay, offset) in attempts {
            // Mostly the action's own actor, so that histories go deep into the graph.
            let actor = actor.unwrap_or(kind.actor());
            now = UnixTime(now.0 + delay);
            let action = sample(kind, UnixTime(now.0 + offset));
            let ctx = Context { category, identity: &rule, entered_at, now };
            if let Ok(next) = transition(state, &action, actor, &ctx) {
                prop_assert!(EDGES.contains(&(state, kind, next)), "{} {kind} -> {}", state.as_str(), next.as_str());
                prop_assert_eq!(actor, kind.actor());
                history.push(Step { action, actor, at: now });
                (state, entered_at) = (next, now);
            }
        }
        prop_assert_eq!(replay(&history, category, &rule), Ok(Replayed { state, entered_at }));
        prop_assert!(reachable().contains(&state));
    }

    #[test]
    fn final_states_accept_nothing(
        state in prop::sample::select(vec![
            ApplicationState::Issued, ApplicationState::Rejected, ApplicationState::Withdrawn, ApplicationState::ExpiredUnpaid,
        ]),
        kind in any_kind(),
        actor in any_actor(),
        entered in 0i64..30 * DAY,
        later in 0i64..30 * DAY,
        rule in any_rule(),
    ) {
        let ctx = Context { category: Category::Section64, identity: &rule, entered_at: at(0, entered), now: at(0, entered + later) };
        let refused = transition(state, &sample(kind, ctx.now), actor, &ctx);
        prop_assert!(refused.is_err(), "{} accepted {kind}", state.as_str());
        prop_assert!(state.is_final());
    }
}

#[test]
fn every_final_state_is_reachable_and_accepts_nothing_in_the_graph() {
    let reach = reachable();
    assert_eq!(reach.len(), ApplicationState::ALL.len(), "every state is reachable");
    for state in ApplicationState::ALL {
        assert_eq!(EDGES.iter().any(|(from, _, _)| *from == state), !state.is_final(), "{}", state.as_str());
    }
}
