//! The life of an application for a permit: which actor may take which
//! action in which state. Pure functions; the registry only stores their
//! results, and the time of every step is passed in (nothing here reads the clock).
//!
//! ```text
//!  Submitted ──IssueFee──▶ FeePending ──ConfirmFee──▶ FeePaid ──VerifyIdentity──▶ IdentityVerified
//!                              │                         │                              │
//!                      ExpireUnpaid (7 days)   StartReview (a category        StartReview
//!                              ▼                without identity check)              │
//!                        ExpiredUnpaid                   └──────────▶ UnderReview ◀─────┘
//!                                                          RequestInfo │  ▲ ProvideInfo
//!                                                                      ▼  │
//!                                                                InfoRequested
//!   UnderReview ──Approve──▶ Approved ──MarkIssued──▶ Issued
//!   UnderReview, InfoRequested ──Reject──▶ Rejected
//!   any state before Approved ──Withdraw──▶ Withdrawn
//! ```
//!
//! Issued, Rejected, Withdrawn and ExpiredUnpaid are final: they accept no action.
//!
//! ```
//! use dwp_issuer::application::{transition, Action, Actor, ApplicationState, Context, IdentityRule};
//! use dwp_verifier::{codes::Category, time::UnixTime};
//! let rule = IdentityRule::default(); // every category requires an identity check
//! let ctx = Context { category: Category::Section59, identity: &rule, entered_at: UnixTime(0), now: UnixTime(60) };
//! let refused = transition(ApplicationState::FeePaid, &Action::Approve, Actor::Registrar, &ctx);
//! assert_eq!(refused.unwrap_err().code(), "identity_not_verified");
//! ```

use dwp_verifier::codes::Category;
use dwp_verifier::time::UnixTime;

mod next_step;
#[cfg(test)]
mod tests;

pub use next_step::{DUE, next_step};

/// How long the applicant has to pay the fee once it is issued: 7 days.
pub const FEE_PAYMENT_PERIOD_SECONDS: i64 = 7 * 86_400;

/// The stored state of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApplicationState {
    /// Received; no fee issued yet.
    Submitted,
    /// The fee is issued (a QR bill) and not paid yet.
    FeePending,
    /// The fee is paid.
    FeePaid,
    /// An officer verified the worker's identity at a service centre.
    IdentityVerified,
    /// The registrar is reviewing it.
    UnderReview,
    /// The registrar asked the applicant for information.
    InfoRequested,
    /// The registrar approved it; the permit is being issued.
    Approved,
    /// The permit was issued (final).
    Issued,
    /// The registrar rejected it, with a reason (final).
    Rejected,
    /// The applicant withdrew it (final).
    Withdrawn,
    /// The fee was not paid within [`FEE_PAYMENT_PERIOD_SECONDS`] (final).
    ExpiredUnpaid,
}

impl ApplicationState {
    /// Every state, in the order of the graph.
    pub const ALL: [Self; 11] = [
        Self::Submitted,
        Self::FeePending,
        Self::FeePaid,
        Self::IdentityVerified,
        Self::UnderReview,
        Self::InfoRequested,
        Self::Approved,
        Self::Issued,
        Self::Rejected,
        Self::Withdrawn,
        Self::ExpiredUnpaid,
    ];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::FeePending => "fee_pending",
            Self::FeePaid => "fee_paid",
            Self::IdentityVerified => "identity_verified",
            Self::UnderReview => "under_review",
            Self::InfoRequested => "info_requested",
            Self::Approved => "approved",
            Self::Issued => "issued",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::ExpiredUnpaid => "expired_unpaid",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether nothing more can happen to the application.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Issued | Self::Rejected | Self::Withdrawn | Self::ExpiredUnpaid)
    }
}

/// Who takes an action. The registry decides as whom a caller acts: an employer, or an officer
/// submitting for a walk-in worker, acts as the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Actor {
    /// The employer, or an officer on a walk-in worker's behalf.
    Applicant,
    /// The registry itself: fee notices and confirmations, expiry, issuance.
    System,
    /// A service-centre officer: identity verification.
    Officer,
    /// The registrar (นายทะเบียน): review, requests for information, the decision.
    Registrar,
}

impl Actor {
    /// Every actor.
    pub const ALL: [Self; 4] = [Self::Applicant, Self::System, Self::Officer, Self::Registrar];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applicant => "applicant",
            Self::System => "system",
            Self::Officer => "officer",
            Self::Registrar => "registrar",
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the {}", self.as_str())
    }
}

/// A service centre's code, e.g. `SC-21-01`: 2 to 16 of `A–Z 0–9 -`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CentreCode(String);

/// The reference of a biometric match record kept by the service centre's system: 1 to 64
/// printable ASCII characters, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BiometricMatchRef(String);

/// The registrar's reason for a rejection: 1 to 500 characters of permit text (NFC, no
/// control or invisible format characters, no surrounding spaces).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RejectionReason(String);

impl CentreCode {
    /// Reads a centre code; `None` when it does not have the shape.
    pub fn parse(s: &str) -> Option<Self> {
        let ok =
            (2..=16).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| Self(s.to_string()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl BiometricMatchRef {
    /// Reads a match reference; `None` when it does not have the shape.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| Self(s.to_string()))
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl RejectionReason {
    /// Reads a reason.
    ///
    /// # Errors
    /// The [`dwp_verifier::text::TextError`] the text breaks.
    pub fn parse(s: &str) -> Result<Self, dwp_verifier::text::TextError> {
        dwp_verifier::text::check(s, 500)?;
        Ok(Self(s.to_string()))
    }

    /// The reason.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An identity verification at a service centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCheck {
    /// Where.
    pub centre: CentreCode,
    /// The biometric match record.
    pub biometric_match: BiometricMatchRef,
    /// When the worker was verified.
    pub at: UnixTime,
}

/// An action on an application, with what it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The applicant submits the application (only ever the first step).
    Submit,
    /// The system issues the fee notice (QR bill).
    IssueFee,
    /// The system confirms the payment made at `paid_at`.
    ConfirmFee {
        /// When the bank received the payment.
        paid_at: UnixTime,
    },
    /// An officer verifies the worker's identity.
    VerifyIdentity(IdentityCheck),
    /// The registrar starts the review.
    StartReview,
    /// The registrar asks the applicant for information.
    RequestInfo,
    /// The applicant sends the information asked for.
    ProvideInfo,
    /// The registrar approves.
    Approve,
    /// The system records that the permit was issued.
    MarkIssued,
    /// The registrar rejects, with a reason.
    Reject(RejectionReason),
    /// The applicant withdraws the application.
    Withdraw,
    /// The system closes an application whose fee was not paid in time.
    ExpireUnpaid,
}

/// The kind of an [`Action`], without what it records: for paths, the audit log and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionKind {
    /// [`Action::Submit`].
    Submit,
    /// [`Action::IssueFee`].
    IssueFee,
    /// [`Action::ConfirmFee`].
    ConfirmFee,
    /// [`Action::VerifyIdentity`].
    VerifyIdentity,
    /// [`Action::StartReview`].
    StartReview,
    /// [`Action::RequestInfo`].
    RequestInfo,
    /// [`Action::ProvideInfo`].
    ProvideInfo,
    /// [`Action::Approve`].
    Approve,
    /// [`Action::MarkIssued`].
    MarkIssued,
    /// [`Action::Reject`].
    Reject,
    /// [`Action::Withdraw`].
    Withdraw,
    /// [`Action::ExpireUnpaid`].
    ExpireUnpaid,
}

impl ActionKind {
    /// Every kind of action.
    pub const ALL: [Self; 12] = [
        Self::Submit,
        Self::IssueFee,
        Self::ConfirmFee,
        Self::VerifyIdentity,
        Self::StartReview,
        Self::RequestInfo,
        Self::ProvideInfo,
        Self::Approve,
        Self::MarkIssued,
        Self::Reject,
        Self::Withdraw,
        Self::ExpireUnpaid,
    ];

    /// The name used in paths and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::IssueFee => "issue-fee",
            Self::ConfirmFee => "confirm-fee",
            Self::VerifyIdentity => "verify-identity",
            Self::StartReview => "start-review",
            Self::RequestInfo => "request-info",
            Self::ProvideInfo => "provide-info",
            Self::Approve => "approve",
            Self::MarkIssued => "mark-issued",
            Self::Reject => "reject",
            Self::Withdraw => "withdraw",
            Self::ExpireUnpaid => "expire-unpaid",
        }
    }

    /// Reads a path segment.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The one actor who may take this action.
    pub fn actor(self) -> Actor {
        match self {
            Self::Submit | Self::ProvideInfo | Self::Withdraw => Actor::Applicant,
            Self::IssueFee | Self::ConfirmFee | Self::MarkIssued | Self::ExpireUnpaid => Actor::System,
            Self::VerifyIdentity => Actor::Officer,
            Self::StartReview | Self::RequestInfo | Self::Approve | Self::Reject => Actor::Registrar,
        }
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Action {
    /// The kind of this action.
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::Submit => ActionKind::Submit,
            Self::IssueFee => ActionKind::IssueFee,
            Self::ConfirmFee { .. } => ActionKind::ConfirmFee,
            Self::VerifyIdentity(_) => ActionKind::VerifyIdentity,
            Self::StartReview => ActionKind::StartReview,
            Self::RequestInfo => ActionKind::RequestInfo,
            Self::ProvideInfo => ActionKind::ProvideInfo,
            Self::Approve => ActionKind::Approve,
            Self::MarkIssued => ActionKind::MarkIssued,
            Self::Reject(_) => ActionKind::Reject,
            Self::Withdraw => ActionKind::Withdraw,
            Self::ExpireUnpaid => ActionKind::ExpireUnpaid,
        }
    }
}

/// Which permit categories require an identity verification before review: a
/// configuration of the registry. By default, all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRule {
    /// The categories that require it, sorted, without repeats.
    required: Vec<Category>,
}

impl Default for IdentityRule {
    fn default() -> Self {
        Self::required_for(Category::ALL)
    }
}

impl IdentityRule {
    /// Identity verification required for `categories` only.
    pub fn required_for(categories: impl IntoIterator<Item = Category>) -> Self {
        let mut required: Vec<Category> = categories.into_iter().collect();
        required.sort();
        required.dedup();
        Self { required }
    }

    /// Whether an application in `category` needs an identity verification before review.
    pub fn requires(&self, category: Category) -> bool {
        self.required.binary_search(&category).is_ok()
    }
}

/// What a transition depends on besides the state and the action.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The category of the permit applied for.
    pub category: Category,
    /// Which categories require an identity verification.
    pub identity: &'a IdentityRule,
    /// When the application entered its current state.
    pub entered_at: UnixTime,
    /// The time of the action.
    pub now: UnixTime,
}

/// Why an action is refused (HTTP 409 with this `code`, 403 for [`TransitionError::NotPermitted`]).
/// Exhaustive on purpose: a new refusal must be given its code wherever codes are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The action belongs to another actor.
    #[error("{actor} cannot {action}: only {} can", action.actor())]
    NotPermitted {
        /// The action refused.
        action: ActionKind,
        /// Who tried.
        actor: Actor,
    },
    /// The application is issued, rejected, withdrawn or expired.
    #[error("the application is {}; nothing more can happen to it", state.as_str())]
    Closed {
        /// Its final state.
        state: ApplicationState,
    },
    /// A history that does not start with the submission, or a second submission.
    #[error("an application is submitted once, as the first step of its history")]
    NotFirstStep,
    /// The fee notice was already issued.
    #[error("the fee was already issued")]
    FeeAlreadyIssued,
    /// Confirming or expiring a fee before it was issued.
    #[error("no fee has been issued yet")]
    FeeNotIssued,
    /// Confirming or expiring a fee already paid.
    #[error("the fee is already paid")]
    FeeAlreadyPaid,
    /// Verifying identity or reviewing before the fee is paid.
    #[error("the fee is not paid yet")]
    FeeNotPaid,
    /// A payment received after the deadline.
    #[error("the fee was paid at {paid_at}, after its deadline {deadline}")]
    PaidAfterDeadline {
        /// The deadline ([`fee_deadline`]).
        deadline: UnixTime,
        /// When it was paid.
        paid_at: UnixTime,
    },
    /// Expiring an application whose deadline has not passed.
    #[error("the fee may still be paid until {deadline}")]
    DeadlineNotReached {
        /// The deadline ([`fee_deadline`]).
        deadline: UnixTime,
        /// The time of the refused action.
        now: UnixTime,
    },
    /// A payment or identity check dated after the action that records it.
    #[error("the {action} is dated {at}, after now ({now})")]
    InFuture {
        /// The action.
        action: ActionKind,
        /// The date it carries.
        at: UnixTime,
        /// The time of the action.
        now: UnixTime,
    },
    /// The category requires an identity verification that has not happened.
    #[error("the registrar cannot {action} before identity is verified: the category requires it")]
    IdentityNotVerified {
        /// Start the review or approve.
        action: ActionKind,
    },
    /// Verifying identity a second time.
    #[error("identity is already verified")]
    IdentityAlreadyVerified,
    /// Verifying identity once the review has started.
    #[error("the review has started; identity can no longer be verified")]
    ReviewStarted,
    /// Starting a review already started.
    #[error("the review has already started")]
    AlreadyUnderReview,
    /// Asking for information, approving or rejecting before the review started.
    #[error("the registrar cannot {action} before the review has started")]
    NotUnderReview {
        /// The action refused.
        action: ActionKind,
    },
    /// Asking again while an answer is awaited.
    #[error("information was already requested and not provided yet")]
    InfoAlreadyRequested,
    /// Providing information nobody asked for.
    #[error("no information was requested")]
    NoInfoRequested,
    /// Approving while the requested information is awaited.
    #[error("the information the registrar asked for has not been provided yet")]
    AwaitingInfo,
    /// Acting on an approved application other than by issuing its permit.
    #[error("the application is approved; only the issue of its permit follows")]
    AlreadyApproved,
    /// Marking as issued before approval.
    #[error("the application is not approved")]
    NotApproved,
}

impl TransitionError {
    /// The stable problem code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotPermitted { .. } => "action_not_permitted",
            Self::Closed { .. } => "application_closed",
            Self::NotFirstStep => "not_first_step",
            Self::FeeAlreadyIssued => "fee_already_issued",
            Self::FeeNotIssued => "fee_not_issued",
            Self::FeeAlreadyPaid => "fee_already_paid",
            Self::FeeNotPaid => "fee_not_paid",
            Self::PaidAfterDeadline { .. } => "paid_after_deadline",
            Self::DeadlineNotReached { .. } => "deadline_not_reached",
            Self::InFuture { .. } => "dated_in_future",
            Self::IdentityNotVerified { .. } => "identity_not_verified",
            Self::IdentityAlreadyVerified => "identity_already_verified",
            Self::ReviewStarted => "review_started",
            Self::AlreadyUnderReview => "already_under_review",
            Self::NotUnderReview { .. } => "not_under_review",
            Self::InfoAlreadyRequested => "info_already_requested",
            Self::NoInfoRequested => "no_info_requested",
            Self::AwaitingInfo => "awaiting_info",
            Self::AlreadyApproved => "already_approved",
            Self::NotApproved => "not_approved",
        }
    }
}

/// The last instant the fee may be paid: [`FEE_PAYMENT_PERIOD_SECONDS`] after the application
/// entered `FeePending`. A payment at the deadline itself is in time; the application expires after it.
pub fn fee_deadline(fee_pending_since: UnixTime) -> UnixTime {
    UnixTime(fee_pending_since.0.saturating_add(FEE_PAYMENT_PERIOD_SECONDS))
}

/// The first step of every application: `actor` submits it.
///
/// # Errors
/// [`TransitionError::NotPermitted`] unless the actor is the applicant.
pub fn submit(actor: Actor) -> Result<ApplicationState, TransitionError> {
    match actor {
        Actor::Applicant => Ok(ApplicationState::Submitted),
        actor => Err(TransitionError::NotPermitted { action: ActionKind::Submit, actor }),
    }
}

/// Applies `action`, taken by `actor`, to an application in `state`.
///
/// The actor is checked first, then whether the application is closed, then the rules of
/// the state.
///
/// # Errors
/// [`TransitionError`] when the action is not allowed; nothing is to be changed then.
pub fn transition(
    state: ApplicationState,
    action: &Action,
    actor: Actor,
    ctx: &Context<'_>,
) -> Result<ApplicationState, TransitionError> {
    use Action as A;
    use ApplicationState as S;
    use TransitionError as E;
    let kind = action.kind();
    if actor != kind.actor() {
        return Err(E::NotPermitted { action: kind, actor });
    }
    if state.is_final() {
        return Err(E::Closed { state });
    }
    let in_past =
        |at: UnixTime| if at > ctx.now { Err(E::InFuture { action: kind, at, now: ctx.now }) } else { Ok(()) };
    let identity_required = ctx.identity.requires(ctx.category);
    match (state, action) {
        (_, A::Submit) => Err(E::NotFirstStep),
        (S::Approved, A::MarkIssued) => Ok(S::Issued),
        (S::Approved, _) => Err(E::AlreadyApproved),
        (_, A::MarkIssued) => Err(E::NotApproved),
        (_, A::Withdraw) => Ok(S::Withdrawn),

        (S::Submitted, A::IssueFee) => Ok(S::FeePending),
        (_, A::IssueFee) => Err(E::FeeAlreadyIssued),
        (S::Submitted, A::ConfirmFee { .. } | A::ExpireUnpaid) => Err(E::FeeNotIssued),
        (S::FeePending, A::ConfirmFee { paid_at }) => {
            in_past(*paid_at)?;
            let deadline = fee_deadline(ctx.entered_at);
            if *paid_at > deadline {
                return Err(E::PaidAfterDeadline { deadline, paid_at: *paid_at });
            }
            Ok(S::FeePaid)
        }
        (S::FeePending, A::ExpireUnpaid) => {
            let deadline = fee_deadline(ctx.entered_at);
            if ctx.now <= deadline {
                return Err(E::DeadlineNotReached { deadline, now: ctx.now });
            }
            Ok(S::ExpiredUnpaid)
        }
        (_, A::ConfirmFee { .. } | A::ExpireUnpaid) => Err(E::FeeAlreadyPaid),

        (S::Submitted | S::FeePending, A::VerifyIdentity(_) | A::StartReview) => Err(E::FeeNotPaid),
        (S::FeePaid, A::VerifyIdentity(check)) => {
            in_past(check.at)?;
            Ok(S::IdentityVerified)
        }
        (S::IdentityVerified, A::VerifyIdentity(_)) => Err(E::IdentityAlreadyVerified),
        (S::UnderReview | S::InfoRequested, A::VerifyIdentity(_)) => Err(E::ReviewStarted),

        (S::FeePaid, A::StartReview) if identity_required => Err(E::IdentityNotVerified { action: kind }),
        (S::FeePaid | S::IdentityVerified, A::StartReview) => Ok(S::UnderReview),
        (S::UnderReview | S::InfoRequested, A::StartReview) => Err(E::AlreadyUnderReview),

        (S::UnderReview, A::RequestInfo) => Ok(S::InfoRequested),
        (S::InfoRequested, A::RequestInfo) => Err(E::InfoAlreadyRequested),
        (S::InfoRequested, A::ProvideInfo) => Ok(S::UnderReview),
        (_, A::ProvideInfo) => Err(E::NoInfoRequested),

        (S::UnderReview, A::Approve) => Ok(S::Approved),
        (S::InfoRequested, A::Approve) => Err(E::AwaitingInfo),
        (S::UnderReview | S::InfoRequested, A::Reject(_)) => Ok(S::Rejected),
        (S::Submitted | S::FeePending, A::Approve) => Err(E::FeeNotPaid),
        (S::FeePaid, A::Approve) if identity_required => Err(E::IdentityNotVerified { action: kind }),
        (
            S::Submitted | S::FeePending | S::FeePaid | S::IdentityVerified,
            A::RequestInfo | A::Approve | A::Reject(_),
        ) => Err(E::NotUnderReview { action: kind }),
        // Unreachable: final states were refused before the match, and the arms above answer every
        // live state for every action.
        (S::Issued | S::Rejected | S::Withdrawn | S::ExpiredUnpaid, _) => Err(E::Closed { state }),
    }
}

/// One recorded step of an application's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What was done.
    pub action: Action,
    /// By whom.
    pub actor: Actor,
    /// When.
    pub at: UnixTime,
}

/// Where an application's history leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    /// Its state.
    pub state: ApplicationState,
    /// When it entered that state.
    pub entered_at: UnixTime,
}

/// Replays an application's history from its submission, checking every step at its own time.
///
/// # Errors
/// [`TransitionError::NotFirstStep`] when the history is empty or does not start with a
/// submission; otherwise the error of the first step its state did not allow.
pub fn replay<'a>(
    steps: impl IntoIterator<Item = &'a Step>,
    category: Category,
    identity: &IdentityRule,
) -> Result<Replayed, TransitionError> {
    let mut steps = steps.into_iter();
    let first = steps.next().ok_or(TransitionError::NotFirstStep)?;
    if first.action != Action::Submit {
        return Err(TransitionError::NotFirstStep);
    }
    let mut at = Replayed { state: submit(first.actor)?, entered_at: first.at };
    for step in steps {
        let ctx = Context { category, identity, entered_at: at.entered_at, now: step.at };
        let state = transition(at.state, &step.action, step.actor, &ctx)?;
        at = Replayed { state, entered_at: step.at };
    }
    Ok(at)
}
