//! The verifier bundle: everything an offline verifier needs in one file — the
//! signed trust list, every signed status list, the pinned contexts
//! (`wallet-spec/SPEC.md` §10). Checking it is pure: the caller reads the file
//! and passes the clock.
//!
//! Each status list is checked on its own: its signature by a key the trust
//! list gives its issuer, its URL, its bits. A list that fails is kept as
//! *invalid* (permits that point to it get `status_list_invalid`), so that one
//! bad list does not blind the verifier to every other; [`Bundle::strict`]
//! refuses a bundle with any invalid piece, for fetching and storing.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::credential::{CONTEXT_V2, DWP_CONTEXT, StatusPurpose, did_web_base_url, status_list_url};
use crate::proof::{self, EDDSA_JCS_2022};
use crate::status::{Bitstring, StatusListError};
use crate::time::UnixTime;
use crate::trust::{TrustList, TrustListError};

/// `type` of a bundle.
pub const BUNDLE_TYPE: &str = "DwpVerifierBundle";
/// The largest bundle read.
pub const MAX_BUNDLE_BYTES: usize = 64 << 20;
/// The most status lists a bundle may hold.
pub const MAX_LISTS: usize = 4096;
/// The DWP context, as pinned (`wallet-spec/contexts/dwp-v1.jsonld`).
pub const DWP_CONTEXT_TEXT: &str = include_str!("../../wallet-spec/contexts/dwp-v1.jsonld");

/// Which list: issuer, purpose, shard.
pub type ListKey = (String, StatusPurpose, u32);

/// Why a status list was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ListProblem {
    /// Not a `BitstringStatusListCredential` of the expected shape.
    #[error("not a BitstringStatusListCredential of the DWP shape: {0}")]
    Shape(&'static str),
    /// Its issuer is not in the trust list.
    #[error("issued by {0}, which the trust list does not hold")]
    UnknownIssuer(String),
    /// Signed by a key that is not one of its issuer's, or outside its window, or dated (its proof's
    /// `created` or its `validFrom`) at or after the instant as of which the key is compromised.
    #[error("signed by {0}, which is not a valid key of the list's issuer")]
    Key(String),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    Signature,
    /// The bits cannot be read.
    #[error(transparent)]
    Bits(#[from] StatusListError),
}

impl ListProblem {
    /// A stable detail code.
    pub fn detail(&self) -> &'static str {
        match self {
            Self::Shape(_) => "list_shape",
            Self::UnknownIssuer(_) => "list_issuer",
            Self::Key(_) => "list_key",
            Self::Signature => "list_signature",
            Self::Bits(StatusListError::TooShort { .. }) => "list_too_short",
            Self::Bits(_) => "list_bits",
        }
    }
}

/// A status list whose signature and bits were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    /// Grows with every change.
    pub sequence: u64,
    /// When it was signed: the "status as of" time.
    pub valid_from: UnixTime,
    /// After this it must not be used.
    pub valid_until: UnixTime,
    /// The bits.
    pub bits: Bitstring,
}

/// Why a bundle was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Not a bundle of the expected shape.
    #[error("not a DWP verifier bundle: {0}")]
    Shape(String),
    /// The trust list inside is not acceptable.
    #[error(transparent)]
    Trust(#[from] TrustListError),
    /// A pinned context differs from the one this verifier holds.
    #[error("the bundle's copy of {0} differs from the pinned context")]
    Context(String),
    /// A status list is not acceptable (strict mode).
    #[error("status list {index} ({id}): {problem}")]
    List {
        /// Position in `statusLists`.
        index: usize,
        /// Its `id`, if readable.
        id: String,
        /// What is wrong.
        problem: ListProblem,
    },
    /// The bundle is older than the one held (rollback).
    #[error("refusing an older bundle: {0}")]
    Rollback(String),
}

/// A checked bundle.
///
/// Invariant: only [`Bundle::verify`] builds one.
#[derive(Debug, Clone)]
pub struct Bundle {
    trust: TrustList,
    issued: UnixTime,
    lists: BTreeMap<ListKey, StatusList>,
    invalid: BTreeMap<ListKey, ListProblem>,
    problems: Vec<(usize, String, ListProblem)>,
}

fn shape(s: impl Into<String>) -> BundleError {
    BundleError::Shape(s.into())
}

/// Reads a list URL back into its parts, for an issuer: the inverse of
/// [`status_list_url`], accepting only what it writes.
fn parse_list_url(issuer: &str, id: &str) -> Option<(StatusPurpose, u32)> {
    let rest = id.strip_prefix(&did_web_base_url(issuer))?.strip_prefix("/status/")?;
    let (purpose, shard) = rest.split_once('/')?;
    let (purpose, shard) = (StatusPurpose::parse(purpose)?, shard.parse().ok()?);
    (status_list_url(issuer, purpose, shard) == id).then_some((purpose, shard))
}

/// Checks one `BitstringStatusListCredential` against the trust list.
/// The outer `Err` is a list whose key (issuer, purpose, shard) cannot even be
/// read; the inner one a list of a known key that is not acceptable.
///
/// # Errors
/// [`ListProblem`] as above.
#[allow(clippy::type_complexity)]
pub fn check_list(value: &Value, trust: &TrustList) -> Result<(ListKey, Result<StatusList, ListProblem>), ListProblem> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let (Some(issuer), Some(id)) = (s(value, "issuer"), s(value, "id")) else {
        return Err(ListProblem::Shape("issuer and id must be strings"));
    };
    let (purpose, shard) = parse_list_url(&issuer, &id)
        .ok_or(ListProblem::Shape("id must be <issuer base URL>/status/<purpose>/<shard>"))?;
    let checked = check_list_body(value, trust, &issuer, purpose);
    Ok(((issuer, purpose, shard), checked))
}

fn check_list_body(
    value: &Value,
    trust: &TrustList,
    issuer: &str,
    purpose: StatusPurpose,
) -> Result<StatusList, ListProblem> {
    let types = value.get("type").and_then(Value::as_array).ok_or(ListProblem::Shape("type"))?;
    if types.len() != 2 || types[0] != "VerifiableCredential" || types[1] != "BitstringStatusListCredential" {
        return Err(ListProblem::Shape("type must be [VerifiableCredential, BitstringStatusListCredential]"));
    }
    let ctx = value.get("@context").and_then(Value::as_array).ok_or(ListProblem::Shape("@context"))?;
    if ctx.first().and_then(Value::as_str) != Some(CONTEXT_V2) {
        return Err(ListProblem::Shape("@context must start with the VC 2.0 context"));
    }
    let trusted = trust.issuer(issuer).ok_or_else(|| ListProblem::UnknownIssuer(issuer.to_string()))?;
    let parts = proof::split(value, EDDSA_JCS_2022).map_err(|_| ListProblem::Shape("proof"))?;
    let vm = parts.verification_method.clone();
    let key = trusted.keys.get(&vm).ok_or_else(|| ListProblem::Key(vm.clone()))?;
    let created =
        parts.created.as_deref().and_then(|c| UnixTime::parse(c).ok()).ok_or(ListProblem::Shape("proof.created"))?;
    if key.compromised_by(created).is_some() || created < key.valid_from || created > key.valid_until {
        return Err(ListProblem::Key(vm));
    }
    proof::verify_jcs(value, &key.key).map_err(|_| ListProblem::Signature)?;
    let time = |k: &'static str| {
        value.get(k).and_then(Value::as_str).and_then(|t| UnixTime::parse(t).ok()).ok_or(ListProblem::Shape(k))
    };
    let (valid_from, valid_until) = (time("validFrom")?, time("validUntil")?);
    // The status a list reports is as of its `validFrom`: a compromised key may not speak for any
    // time from its compromise on, by either date (SPEC §8).
    if key.compromised_by(valid_from).is_some() {
        return Err(ListProblem::Key(vm));
    }
    if valid_until < valid_from {
        return Err(ListProblem::Shape("validUntil before validFrom"));
    }
    let subject = value.get("credentialSubject").ok_or(ListProblem::Shape("credentialSubject"))?;
    if subject.get("type").and_then(Value::as_str) != Some("BitstringStatusList") {
        return Err(ListProblem::Shape("credentialSubject.type must be BitstringStatusList"));
    }
    if subject.get("statusPurpose").and_then(Value::as_str) != Some(purpose.as_str()) {
        return Err(ListProblem::Shape("statusPurpose must match the list URL"));
    }
    let sequence = subject.get("statusSequence").and_then(Value::as_u64).ok_or(ListProblem::Shape("statusSequence"))?;
    let encoded = subject.get("encodedList").and_then(Value::as_str).ok_or(ListProblem::Shape("encodedList"))?;
    let bits = Bitstring::decode(encoded)?;
    Ok(StatusList { sequence, valid_from, valid_until, bits })
}

impl Bundle {
    /// Checks a bundle. The trust list must be signed by `pinned_root` when given.
    /// Invalid status lists are kept as such (see the module documentation).
    ///
    /// # Errors
    /// [`BundleError`] when the bundle itself, its trust list or a pinned context is unacceptable.
    pub fn verify(json: &str, pinned_root: Option<&[u8; 32]>) -> Result<Bundle, BundleError> {
        if json.len() > MAX_BUNDLE_BYTES {
            return Err(shape(format!("larger than {MAX_BUNDLE_BYTES} bytes")));
        }
        let value: Value = serde_json::from_str(json).map_err(|e| shape(e.to_string()))?;
        if value.get("type").and_then(Value::as_str) != Some(BUNDLE_TYPE) {
            return Err(shape(format!("type must be {BUNDLE_TYPE}")));
        }
        if value.get("version").and_then(Value::as_u64) != Some(1) {
            return Err(shape("version must be 1"));
        }
        let issued = value
            .get("issued")
            .and_then(Value::as_str)
            .and_then(|t| UnixTime::parse(t).ok())
            .ok_or_else(|| shape("issued must be a YYYY-MM-DDTHH:MM:SSZ time"))?;
        let trust_value = value.get("trustList").ok_or_else(|| shape("no trustList"))?;
        let trust = TrustList::verify(&trust_value.to_string(), pinned_root)?;
        if let Some(contexts) = value.get("contexts").and_then(Value::as_object)
            && let Some(dwp) = contexts.get(DWP_CONTEXT)
            && dwp.as_str() != Some(DWP_CONTEXT_TEXT)
        {
            return Err(BundleError::Context(DWP_CONTEXT.to_string()));
        }
        let lists_value = value.get("statusLists").and_then(Value::as_array).ok_or_else(|| shape("no statusLists"))?;
        if lists_value.len() > MAX_LISTS {
            return Err(shape(format!("more than {MAX_LISTS} status lists")));
        }
        let mut bundle =
            Bundle { trust, issued, lists: BTreeMap::new(), invalid: BTreeMap::new(), problems: Vec::new() };
        for (index, list) in lists_value.iter().enumerate() {
            let id = list.get("id").and_then(Value::as_str).unwrap_or("?").to_string();
            match check_list(list, &bundle.trust) {
                Ok((key, Ok(checked))) => {
                    // Of two copies of one list, the newer stands.
                    let newer = bundle
                        .lists
                        .get(&key)
                        .is_none_or(|held| (checked.sequence, checked.valid_from) > (held.sequence, held.valid_from));
                    if newer {
                        bundle.invalid.remove(&key);
                        bundle.lists.insert(key, checked);
                    }
                }
                Ok((key, Err(problem))) => {
                    if !bundle.lists.contains_key(&key) {
                        bundle.invalid.insert(key, problem.clone());
                    }
                    bundle.problems.push((index, id, problem));
                }
                Err(problem) => bundle.problems.push((index, id, problem)),
            }
        }
        Ok(bundle)
    }

    /// Refuses a bundle with any invalid piece (for fetching and storing).
    ///
    /// # Errors
    /// [`BundleError::List`] naming the first invalid status list.
    pub fn strict(self) -> Result<Bundle, BundleError> {
        match self.problems.first() {
            Some((index, id, problem)) => {
                Err(BundleError::List { index: *index, id: id.clone(), problem: problem.clone() })
            }
            None => Ok(self),
        }
    }

    /// Refuses `self` as a replacement for `held` if anything in it is older:
    /// the trust list's sequence or any list's sequence (a list `held` has must
    /// still be there). Order is by sequence only, never by time: a registry
    /// whose clock stepped back still publishes newer lists, and `issued` and
    /// `validFrom` are for display and freshness.
    ///
    /// # Errors
    /// [`BundleError::Rollback`] saying what is older.
    pub fn check_not_older_than(&self, held: &Bundle) -> Result<(), BundleError> {
        if self.trust.sequence() < held.trust.sequence() {
            return Err(BundleError::Rollback(format!(
                "trust list sequence {} is lower than the {} held",
                self.trust.sequence(),
                held.trust.sequence()
            )));
        }
        for (key, old) in &held.lists {
            let name = format!("{} {} list {}", key.0, key.1.as_str(), key.2);
            match self.lists.get(key) {
                None => return Err(BundleError::Rollback(format!("the {name} held is missing"))),
                Some(new) if new.sequence < old.sequence => {
                    return Err(BundleError::Rollback(format!(
                        "the {name} has sequence {}, lower than the {} held",
                        new.sequence, old.sequence
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The trust list.
    pub fn trust(&self) -> &TrustList {
        &self.trust
    }

    /// When the registry assembled the bundle.
    pub fn issued(&self) -> UnixTime {
        self.issued
    }

    /// A valid list, if held.
    pub fn list(&self, key: &ListKey) -> Option<&StatusList> {
        self.lists.get(key)
    }

    /// Why a list is invalid, if it is.
    pub fn invalid(&self, key: &ListKey) -> Option<&ListProblem> {
        self.invalid.get(key)
    }

    /// Every valid list held, by key.
    pub fn lists(&self) -> impl Iterator<Item = (&ListKey, &StatusList)> {
        self.lists.iter()
    }

    /// The oldest `validFrom` of the lists held: how fresh the bundle's status is.
    pub fn status_as_of(&self) -> Option<UnixTime> {
        self.lists.values().map(|l| l.valid_from).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_urls_parse_only_in_canonical_form() {
        let did = "did:web:dwp.doe.go.th";
        assert_eq!(
            parse_list_url(did, "https://dwp.doe.go.th/status/revocation/12"),
            Some((StatusPurpose::Revocation, 12))
        );
        assert_eq!(parse_list_url(did, "https://dwp.doe.go.th/status/suspension/012"), None);
        assert_eq!(parse_list_url(did, "https://dwp.doe.go.th/status/other/1"), None);
        assert_eq!(parse_list_url(did, "https://evil.example/status/revocation/1"), None);
        assert_eq!(parse_list_url(did, "https://dwp.doe.go.th/status/revocation/1#x"), None);
    }

    #[test]
    fn the_pinned_context_is_the_spec_file() {
        assert!(DWP_CONTEXT_TEXT.contains("statusSequence"));
    }
}
