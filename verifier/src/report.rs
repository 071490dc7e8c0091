//! The verdict as people and programs read it: one list of reason codes
//! ([`ReasonCode`]), whose texts in every language are in [`crate::i18n`], and the
//! one verdict document that the command line (`dwp verify --json`), the
//! WebAssembly binding (the verifier page) and the batch report are built from
//! (`wallet-spec/SPEC.md` §9). Pure: the caller passes the time.

use serde_json::{Value, json};

use crate::holder::{self, Holder};
pub use crate::i18n::{Text, VALID};
use crate::policy::Audience;
use crate::time::UnixTime;
use crate::trust::TrustList;
use crate::verify::{self, Policy, Rejection, StatusCheck, VerifiedPermit};

/// Why a permit is refused, or what a valid one warns of, as a stable code. The only list of
/// codes: [`Rejection::reason`] maps every rejection to one, [`crate::holder::Holder::warning`]
/// gives the amber ones, and every text is keyed by a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReasonCode {
    /// The payload could not be read.
    Malformed,
    /// The issuer is not in the trust list.
    UnknownIssuer,
    /// The key belongs to another DID than the issuer.
    WrongIssuer,
    /// The key is not in the trust list.
    UnknownKey,
    /// The proof is dated at or after the instant as of which its key is compromised.
    KeyRevoked,
    /// Signed outside the key's window.
    KeyNotValid,
    /// The issuer may not sign this category.
    CategoryNotAllowed,
    /// The signature does not verify.
    BadSignature,
    /// Before `validFrom`.
    NotYetValid,
    /// After `validUntil`.
    Expired,
    /// The permit's status list is not usable.
    StatusListInvalid,
    /// No status list for the permit.
    StatusUnknown,
    /// On the revocation list.
    Revoked,
    /// Status older than the policy allows.
    StatusStale,
    /// On the suspension list.
    Suspended,
    /// A warning on a valid permit: the holder's proof is outside the time window (a screenshot?).
    HolderProofStale,
    /// A warning on a valid permit: bound to a holder key, shown without a proof (a copy?).
    HolderProofMissing,
    /// The holder's proof does not verify.
    HolderProofInvalid,
    /// Valid, but for another employer than the one checking it.
    OtherEmployer,
    /// Valid and for this employer, but at another province or industrial estate.
    OtherWorkplace,
}

impl ReasonCode {
    /// Every code, in the order of verification.
    pub const ALL: [ReasonCode; 20] = [
        Self::Malformed,
        Self::UnknownIssuer,
        Self::WrongIssuer,
        Self::UnknownKey,
        Self::KeyRevoked,
        Self::KeyNotValid,
        Self::CategoryNotAllowed,
        Self::BadSignature,
        Self::NotYetValid,
        Self::Expired,
        Self::StatusListInvalid,
        Self::StatusUnknown,
        Self::Revoked,
        Self::StatusStale,
        Self::Suspended,
        Self::HolderProofStale,
        Self::HolderProofMissing,
        Self::HolderProofInvalid,
        Self::OtherEmployer,
        Self::OtherWorkplace,
    ];

    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownIssuer => "unknown_issuer",
            Self::WrongIssuer => "wrong_issuer",
            Self::UnknownKey => "unknown_key",
            Self::KeyRevoked => "key_revoked",
            Self::KeyNotValid => "key_not_valid",
            Self::CategoryNotAllowed => "category_not_allowed",
            Self::BadSignature => "bad_signature",
            Self::NotYetValid => "not_yet_valid",
            Self::Expired => "expired",
            Self::StatusListInvalid => "status_list_invalid",
            Self::StatusUnknown => "status_unknown",
            Self::Revoked => "revoked",
            Self::StatusStale => "status_stale",
            Self::Suspended => "suspended",
            Self::HolderProofStale => "holder_proof_stale",
            Self::HolderProofMissing => "holder_proof_missing",
            Self::HolderProofInvalid => "holder_proof_invalid",
            Self::OtherEmployer => "other_employer",
            Self::OtherWorkplace => "other_workplace",
        }
    }

    /// Reads a code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Adds `checkedFor` to a verdict document checked for an employer: `{juristicId, province,
/// industrialEstate}` (the command line, the page and the batch report say whom a verdict is for).
pub fn checked_for(doc: &mut Value, audience: &Audience) {
    if let Some(scope) = audience.employer() {
        doc["checkedFor"] = scope.to_json();
    }
}

/// "3 h ago" in English and Thai.
pub fn age_text(as_of: UnixTime, now: UnixTime) -> (String, String) {
    let secs = (now.0 - as_of.0).max(0);
    match secs {
        0..60 => ("just now".into(), "เมื่อสักครู่".into()),
        60..3600 => (format!("{} min ago", secs / 60), format!("{} นาทีที่แล้ว", secs / 60)),
        3600..172_800 => (format!("{} h ago", secs / 3600), format!("{} ชั่วโมงที่แล้ว", secs / 3600)),
        _ => (format!("{} days ago", secs / 86_400), format!("{} วันที่แล้ว", secs / 86_400)),
    }
}

/// A time as people in Thailand read it: `2026-11-24 16:00 (UTC+7)`.
pub fn local_time(t: UnixTime) -> String {
    let s = UnixTime(t.0 + 7 * 3600).to_string();
    format!("{} {} (UTC+7)", &s[..10], &s[11..16])
}

/// The verdict document (`wallet-spec/SPEC.md` §9): `valid`, `reason`,
/// `detail`, `title` and `message` (by language), `explanation` (rejections),
/// `checkedAt`, `policy` (with a bundle), `statusChecked`, `statusAsOf` /
/// `statusAgeSeconds` / `statusFreshness` (when status was read), and `permit`:
/// the displayable fields whenever the signature verified (a valid permit, or
/// one refused for its dates or status), else `null`.
pub fn document(
    payload: &str,
    verdict: &Result<VerifiedPermit, Rejection>,
    trust: &TrustList,
    policy: Option<Policy>,
    now: UnixTime,
) -> Value {
    let mut doc = match verdict {
        Ok(v) => json!({
            "valid": true,
            "reason": null,
            "detail": null,
            "title": VALID.0.to_json(),
            "message": VALID.1.to_json(),
            "checkedAt": now.to_string(),
            "statusChecked": matches!(v.status(), StatusCheck::Fresh { .. }),
            "permit": v.display_fields(),
        }),
        Err(r) => {
            let code = r.reason();
            // After the signature check the content is authentic: show whose permit it is.
            let permit = match holder::decode(payload.trim()) {
                Ok((sp, _)) if r.signature_verified() => {
                    let issuer = trust.issuer(sp.issuance().issuer());
                    verify::display_fields(&sp, issuer.and_then(|i| i.name("en")), issuer.and_then(|i| i.name("th")))
                }
                _ => Value::Null,
            };
            json!({
                "valid": false,
                "reason": code.as_str(),
                "detail": r.detail(),
                "title": code.title().to_json(),
                "message": code.message().to_json(),
                "explanation": r.to_string(),
                "checkedAt": now.to_string(),
                "statusChecked": false,
                "permit": permit,
            })
        }
    };
    if let Some(p) = policy {
        doc["policy"] = p.as_str().into();
    }
    if let Some(as_of) = verify::status_as_of(verdict) {
        let (en, th) = age_text(as_of, now);
        doc["statusAsOf"] = as_of.to_string().into();
        doc["statusAgeSeconds"] = (now.0 - as_of.0).max(0).into();
        doc["statusFreshness"] = json!({
            "en": format!("status as of {}, {en}", local_time(as_of)),
            "th": format!("สถานะ ณ {} ({th})", local_time(as_of)),
        });
    } else {
        doc["statusAsOf"] = Value::Null;
    }
    holder_members(&mut doc, verdict);
    doc
}

/// "shown live from the holder's phone — holder proof 12 s old", in English and Thai.
pub fn holder_age_text(age_secs: i64) -> (String, String) {
    let secs = age_secs.max(0);
    (
        format!("shown live from the holder's phone — holder proof {secs} s old"),
        format!("แสดงสดจากโทรศัพท์ของผู้ถือ — หลักฐานอายุ {secs} วินาที"),
    )
}

/// The holder members of the verdict document (§12): `holder` (`unbound`, `live`, `stale`,
/// `missing`, `invalid`, or `null` when the check was not reached), `holderProofAgeSeconds`,
/// `holderFreshness` (live proofs) and `warning` (the amber code of a valid permit, whose title and
/// message then replace the plain "valid" ones).
fn holder_members(doc: &mut Value, verdict: &Result<VerifiedPermit, Rejection>) {
    let state = match verdict {
        Ok(v) => Some(v.holder()),
        Err(Rejection::HolderProofInvalid { .. }) => {
            doc["holder"] = "invalid".into();
            None
        }
        Err(_) => {
            doc["holder"] = Value::Null;
            None
        }
    };
    doc["warning"] = Value::Null;
    doc["holderProofAgeSeconds"] = Value::Null;
    let Some(h) = state else { return };
    doc["holder"] = h.as_str().into();
    doc["holderProofAgeSeconds"] = h.age_secs().into();
    if let Holder::Live { age_secs } = h {
        let (en, th) = holder_age_text(age_secs);
        doc["holderFreshness"] = json!({ "en": en, "th": th });
    }
    if let Some(code) = h.warning() {
        doc["warning"] = code.as_str().into();
        doc["title"] = code.title().to_json();
        doc["message"] = code.message().to_json();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for c in ReasonCode::ALL {
            assert_eq!(ReasonCode::parse(c.as_str()), Some(c));
        }
        let mut names: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ReasonCode::ALL.len());
        assert_eq!(ReasonCode::parse("valid"), None);
    }

    #[test]
    fn ages_read_in_both_languages() {
        assert_eq!(age_text(UnixTime(0), UnixTime(3 * 3600)), ("3 h ago".into(), "3 ชั่วโมงที่แล้ว".into()));
        assert_eq!(local_time(UnixTime(0)), "1970-01-01 07:00 (UTC+7)");
    }
}
