//! Why a permit is refused: one variant per check, each with its one [`ReasonCode`].

use crate::codec::DecodeError;
use crate::policy::{JuristicId, WorkplaceMismatch};
use crate::report::ReasonCode;
use crate::time::UnixTime;

/// Why a permit is refused. Each variant has one [`ReasonCode`] ([`Rejection::reason`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The payload could not be read (see [`DecodeError::detail`]).
    #[error("malformed: {0}")]
    Malformed(#[from] DecodeError),
    /// The issuer is not in the trust list.
    #[error("issuer {issuer} is not trusted")]
    UnknownIssuer {
        /// The issuer DID.
        issuer: String,
    },
    /// The signing key belongs to another DID than the credential's issuer.
    #[error("key {verification_method} does not belong to issuer {issuer}")]
    WrongIssuer {
        /// The issuer DID.
        issuer: String,
        /// The verification method.
        verification_method: String,
    },
    /// The issuer is trusted but this key is not one of its keys.
    #[error("key {verification_method} is not in the trust list")]
    UnknownKey {
        /// The verification method.
        verification_method: String,
    },
    /// The proof was created at or after the instant as of which the trust list holds its key
    /// compromised (the key's `revoked`).
    #[error(
        "key {verification_method} is compromised as of {revoked}; its proof, dated {created}, is not before that: signed after the key was withdrawn"
    )]
    KeyRevoked {
        /// The verification method.
        verification_method: String,
        /// The instant as of which the key is compromised.
        revoked: UnixTime,
        /// The proof's `created`, at or after `revoked`.
        created: UnixTime,
    },
    /// The proof was created outside the key's usage window.
    #[error("key {verification_method} may sign from {not_before} to {not_after}, not at {created}")]
    KeyNotValid {
        /// The verification method.
        verification_method: String,
        /// The proof's `created`.
        created: UnixTime,
        /// Start of the key's window.
        not_before: UnixTime,
        /// End of the key's window.
        not_after: UnixTime,
    },
    /// The issuer may not sign permits of this category.
    #[error("issuer may not sign {category} permits")]
    CategoryNotAllowed {
        /// The category.
        category: &'static str,
    },
    /// The signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// `now` is before `validFrom`.
    #[error("not valid before {valid_from}")]
    NotYetValid {
        /// Start of validity.
        valid_from: UnixTime,
        /// The time checked.
        now: UnixTime,
    },
    /// `now` is after `validUntil`.
    #[error("expired at {valid_until}")]
    Expired {
        /// End of validity.
        valid_until: UnixTime,
        /// The time checked.
        now: UnixTime,
    },
    /// The revocation list has the permit's bit set.
    #[error("revoked (status list entry {index}, status as of {as_of})")]
    Revoked {
        /// The status index.
        index: u32,
        /// The list's `validFrom`.
        as_of: UnixTime,
    },
    /// The suspension list has the permit's bit set.
    #[error("suspended (status list entry {index}, status as of {as_of})")]
    Suspended {
        /// The status index.
        index: u32,
        /// The list's `validFrom`.
        as_of: UnixTime,
    },
    /// The status lists are older than the policy allows, or past their `validUntil`.
    #[error("status as of {as_of} is too old for the {policy} policy (at most {max_age_secs} s)")]
    StatusStale {
        /// The oldest list's `validFrom`.
        as_of: UnixTime,
        /// The policy's name.
        policy: &'static str,
        /// The policy's limit.
        max_age_secs: i64,
    },
    /// The bundle has no list for the permit.
    #[error("no {purpose} list for this permit in the bundle")]
    StatusUnknown {
        /// Which list is missing.
        purpose: &'static str,
    },
    /// The holder's proof does not verify (`wallet-spec/SPEC.md` §12): another key, another
    /// credential, or a proof on a permit bound to no key.
    #[error("the holder's proof does not verify ({detail})")]
    HolderProofInvalid {
        /// A stable detail code: `signature` or `unbound`.
        detail: &'static str,
    },
    /// A permit valid in every other respect names another employer than the one it is checked for
    /// ([`crate::policy::Audience::Employer`]): not valid for this employer.
    #[error("the permit is for employer {permit}, not {expected}")]
    OtherEmployer {
        /// The permit's `employer.juristicId`.
        permit: JuristicId,
        /// The employer it was checked for.
        expected: JuristicId,
    },
    /// A permit valid in every other respect, for the right employer, names another province or
    /// industrial estate than the workplace it is checked for: not valid at this workplace.
    #[error("{0}")]
    OtherWorkplace(WorkplaceMismatch),
    /// The permit's list is invalid (bad signature, other issuer, too short…) or does not cover it.
    #[error("the {purpose} list is not usable: {detail}")]
    StatusListInvalid {
        /// Which list.
        purpose: &'static str,
        /// A stable detail code.
        detail: &'static str,
    },
}

impl Rejection {
    /// The reason code.
    pub fn reason(&self) -> ReasonCode {
        match self {
            Self::Malformed(_) => ReasonCode::Malformed,
            Self::UnknownIssuer { .. } => ReasonCode::UnknownIssuer,
            Self::WrongIssuer { .. } => ReasonCode::WrongIssuer,
            Self::UnknownKey { .. } => ReasonCode::UnknownKey,
            Self::KeyRevoked { .. } => ReasonCode::KeyRevoked,
            Self::KeyNotValid { .. } => ReasonCode::KeyNotValid,
            Self::CategoryNotAllowed { .. } => ReasonCode::CategoryNotAllowed,
            Self::BadSignature => ReasonCode::BadSignature,
            Self::NotYetValid { .. } => ReasonCode::NotYetValid,
            Self::Expired { .. } => ReasonCode::Expired,
            Self::Revoked { .. } => ReasonCode::Revoked,
            Self::Suspended { .. } => ReasonCode::Suspended,
            Self::StatusStale { .. } => ReasonCode::StatusStale,
            Self::StatusUnknown { .. } => ReasonCode::StatusUnknown,
            Self::StatusListInvalid { .. } => ReasonCode::StatusListInvalid,
            Self::HolderProofInvalid { .. } => ReasonCode::HolderProofInvalid,
            Self::OtherEmployer { .. } => ReasonCode::OtherEmployer,
            Self::OtherWorkplace(_) => ReasonCode::OtherWorkplace,
        }
    }

    /// The stable reason code, as text.
    pub fn code(&self) -> &'static str {
        self.reason().as_str()
    }

    /// Whether the permit's signature had verified before this rejection (clock, status,
    /// holder and employer rejections): its content is then authentic and may be shown.
    pub fn signature_verified(&self) -> bool {
        matches!(
            self,
            Self::NotYetValid { .. }
                | Self::Expired { .. }
                | Self::Revoked { .. }
                | Self::Suspended { .. }
                | Self::StatusStale { .. }
                | Self::StatusUnknown { .. }
                | Self::StatusListInvalid { .. }
                | Self::HolderProofInvalid { .. }
                | Self::OtherEmployer { .. }
                | Self::OtherWorkplace(_)
        )
    }

    /// The detail code of a `malformed`, `status_list_invalid`, `holder_proof_invalid` or
    /// `other_workplace` (`province`, `industrial_estate`) rejection.
    pub fn detail(&self) -> Option<&'static str> {
        match self {
            Self::Malformed(e) => Some(e.detail()),
            Self::OtherWorkplace(m) => Some(m.detail()),
            Self::StatusListInvalid { detail, .. } | Self::HolderProofInvalid { detail } => Some(detail),
            _ => None,
        }
    }
}
