//! The verdict on a QR payload, in the order of `ARCHITECTURE.md`: decode,
//! trust (issuer, key, key window, category), signature, validity window.
//! With a verifier bundle ([`verify_with_bundle`]), then the permit's status:
//! revocation, suspension, and how fresh the lists are for the policy in use.
//! Then who shows it ([`crate::holder`]): a revocation or an expiry wins over
//! any holder outcome. Last, for an employer ([`Audience::Employer`]), whether
//! the permit names that employer and its workplace: `other_employer` and
//! `other_workplace` are given only to a permit that passed every other check.

use serde_json::{Value, json};

use crate::bundle::Bundle;
use crate::codes;
use crate::credential::SignedPermit;
use crate::credential::StatusPurpose;
use crate::holder::{self, Holder, HolderProof, HolderWindow};
use crate::multikey;
use crate::time::UnixTime;
use crate::trust::TrustList;

pub use crate::policy::{Audience, Policy};
pub use crate::rejection::Rejection;

/// A permit that passed every check.
///
/// Invariant: only [`verify`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPermit {
    signed: SignedPermit,
    issuer_name_en: Option<String>,
    issuer_name_th: Option<String>,
    status: StatusCheck,
    holder: Holder,
}

/// What is known of a valid permit's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCheck {
    /// No bundle was given: revocation and suspension were not checked.
    NotChecked,
    /// Neither revoked nor suspended, per lists signed at `as_of` (the older of the two).
    Fresh {
        /// The status lists' `validFrom`.
        as_of: UnixTime,
    },
}

/// When the status a verdict rests on was signed (the lists' `validFrom`), if status was read.
pub fn status_as_of(verdict: &Result<VerifiedPermit, Rejection>) -> Option<UnixTime> {
    match verdict {
        Ok(v) => match v.status() {
            StatusCheck::Fresh { as_of } => Some(as_of),
            StatusCheck::NotChecked => None,
        },
        Err(
            Rejection::Revoked { as_of, .. }
            | Rejection::Suspended { as_of, .. }
            | Rejection::StatusStale { as_of, .. },
        ) => Some(*as_of),
        Err(_) => None,
    }
}

/// A list signed this far in the future is refused (clock skew allowance).
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

impl VerifiedPermit {
    /// What is known of its status.
    pub fn status(&self) -> StatusCheck {
        self.status
    }

    /// Who showed it: a live proof, a stale one, none (and whether one was due).
    pub fn holder(&self) -> Holder {
        self.holder
    }

    /// The signed permit.
    pub fn signed(&self) -> &SignedPermit {
        &self.signed
    }

    /// The fields an inspector compares with the worker and the passport, as JSON.
    pub fn display_fields(&self) -> Value {
        display_fields(&self.signed, self.issuer_name_en.as_deref(), self.issuer_name_th.as_deref())
    }
}

/// The displayable fields of a signed permit (names resolved from the code tables).
pub fn display_fields(sp: &SignedPermit, issuer_en: Option<&str>, issuer_th: Option<&str>) -> Value {
    let p = &sp.permit;
    json!({
        "permitNumber": p.permit_number,
        "category": p.category.as_str(),
        "name": p.worker_name,
        "nativeName": p.native_name,
        "nationality": p.nationality.alpha3,
        "nationalityName": p.nationality.name,
        "birthDate": p.birth_date.to_string(),
        "document": {
            "type": p.document_type.as_str(),
            "number": p.document_number,
            "country": p.document_country.alpha3,
        },
        "holderKey": p.holder_key.map(|k| multikey::did_key(&k.to_bytes())),
        "employer": { "juristicId": p.juristic_id, "name": p.employer_name },
        "workplace": {
            "province": p.province.code,
            "provinceName": { "en": p.province.name_en, "th": p.province.name_th },
            "industrialEstate": p.industrial_estate,
        },
        "occupation": { "isco08": format!("{:04}", p.isco08), "title": codes::isco08_title(p.isco08) },
        "issuingOffice": p.issuing_office,
        "validFrom": p.valid_from.to_string(),
        "validUntil": p.valid_until.to_string(),
        "issuer": sp.issuance.issuer,
        "issuerName": { "en": issuer_en, "th": issuer_th },
    })
}

/// Verifies a QR payload against a trust list at time `now`.
///
/// # Errors
/// The [`Rejection`] of the first check that fails.
///
/// # Example
/// ```
/// use dwp_verifier::{verify::verify, time::UnixTime};
/// # fn demo(trust: &dwp_verifier::trust::TrustList) {
/// let verdict = verify("DWP1:NOT-A-PERMIT", trust, UnixTime(1_795_478_400));
/// assert_eq!(verdict.unwrap_err().code(), "malformed");
/// # }
/// ```
pub fn verify(payload: &str, trust: &TrustList, now: UnixTime) -> Result<VerifiedPermit, Rejection> {
    verify_within(payload, trust, now, HolderWindow::DEFAULT, &Audience::Anyone)
}

/// [`verify`], with a holder proof accepted within `window` (a `DWP1:` payload or a `DWP1H:`
/// presentation alike), for `audience` (last, the employer check).
///
/// # Errors
/// The [`Rejection`] of the first check that fails.
pub fn verify_within(
    payload: &str,
    trust: &TrustList,
    now: UnixTime,
    window: HolderWindow,
    audience: &Audience,
) -> Result<VerifiedPermit, Rejection> {
    let checked = precheck(payload, trust)?;
    checked.check_signature()?;
    checked.finish(now)?.holder(now, window).and_then(|v| for_audience(v, audience))
}

/// The last step: for an employer, the permit must name it (and its workplace, when given).
fn for_audience(verified: VerifiedPermit, audience: &Audience) -> Result<VerifiedPermit, Rejection> {
    audience.check(&verified.signed.permit)?;
    Ok(verified)
}

/// A decoded permit whose issuer, key and category passed, waiting for its signature check.
struct Prechecked<'t> {
    signed: SignedPermit,
    proof: Option<HolderProof>,
    key: &'t crate::ed25519::PublicKey,
    issuer_name_en: Option<String>,
    issuer_name_th: Option<String>,
}

/// A permit whose signature and dates passed, with the holder proof still to check.
struct InDate {
    verified: VerifiedPermit,
    proof: Option<HolderProof>,
}

impl InDate {
    /// The last step: who shows the permit.
    fn holder(mut self, now: UnixTime, window: HolderWindow) -> Result<VerifiedPermit, Rejection> {
        self.verified.holder = holder::check(&self.verified.signed.permit, self.proof.as_ref(), now, window)?;
        Ok(self.verified)
    }
}

/// Steps 1–3 of the verification order: everything before the signature.
fn precheck<'t>(payload: &str, trust: &'t TrustList) -> Result<Prechecked<'t>, Rejection> {
    let (signed, proof) = holder::decode(payload)?;
    let iss = &signed.issuance;
    let issuer = trust.issuer(&iss.issuer).ok_or_else(|| Rejection::UnknownIssuer { issuer: iss.issuer.clone() })?;
    let vm = iss.verification_method();
    if vm.split_once('#').map(|(did, _)| did) != Some(iss.issuer.as_str()) {
        return Err(Rejection::WrongIssuer { issuer: iss.issuer.clone(), verification_method: vm });
    }
    let key = issuer.keys.get(&vm).ok_or_else(|| Rejection::UnknownKey { verification_method: vm.clone() })?;
    // A thief holding a compromised key can date a proof as they like; what is dated before the
    // compromise is trusted as before, and the registry revokes what it re-issues (SPEC §8).
    if let Some(revoked) = key.compromised_by(iss.created) {
        return Err(Rejection::KeyRevoked { verification_method: vm, revoked, created: iss.created });
    }
    if iss.created < key.valid_from || iss.created > key.valid_until {
        return Err(Rejection::KeyNotValid {
            verification_method: vm,
            created: iss.created,
            not_before: key.valid_from,
            not_after: key.valid_until,
        });
    }
    if !issuer.categories.contains(&signed.permit.category) {
        return Err(Rejection::CategoryNotAllowed { category: signed.permit.category.as_str() });
    }
    let issuer_name_en = issuer.names.get("en").cloned();
    let issuer_name_th = issuer.names.get("th").cloned();
    Ok(Prechecked { signed, proof, key: &key.key, issuer_name_en, issuer_name_th })
}

impl Prechecked<'_> {
    /// Step 4: the issuer's signature.
    fn check_signature(&self) -> Result<(), Rejection> {
        self.key.verify(&self.signed.signing_input(), &self.signed.signature).map_err(|_| Rejection::BadSignature)
    }

    /// Step 5, once the signature has verified.
    fn finish(self, now: UnixTime) -> Result<InDate, Rejection> {
        let p = &self.signed.permit;
        if now < p.valid_from {
            return Err(Rejection::NotYetValid { valid_from: p.valid_from, now });
        }
        if now > p.valid_until {
            return Err(Rejection::Expired { valid_until: p.valid_until, now });
        }
        let verified = VerifiedPermit {
            signed: self.signed,
            issuer_name_en: self.issuer_name_en,
            issuer_name_th: self.issuer_name_th,
            status: StatusCheck::NotChecked,
            // Replaced by the holder check before anyone sees it (`InDate::holder`).
            holder: Holder::Unbound,
        };
        Ok(InDate { verified, proof: self.proof })
    }
}

/// Signatures verified together in [`verify_many`].
pub const BATCH_SIZE: usize = 1024;

/// Verifies many payloads against a bundle, with batch signature verification:
/// the same verdicts as [`verify_with_bundle`] one by one (see
/// [`crate::ed25519::verify_batch`] for the one difference, a malleated `R`).
pub fn verify_many(
    payloads: &[&str],
    bundle: &Bundle,
    policy: Policy,
    now: UnixTime,
) -> Vec<Result<VerifiedPermit, Rejection>> {
    verify_many_within(payloads, bundle, policy, now, HolderWindow::DEFAULT, &Audience::Anyone)
}

/// [`verify_many`], with holder proofs accepted within `window`, for `audience`.
pub fn verify_many_within(
    payloads: &[&str],
    bundle: &Bundle,
    policy: Policy,
    now: UnixTime,
    window: HolderWindow,
    audience: &Audience,
) -> Vec<Result<VerifiedPermit, Rejection>> {
    let mut out: Vec<Option<Result<VerifiedPermit, Rejection>>> = Vec::with_capacity(payloads.len());
    let mut pending: Vec<(usize, Prechecked<'_>)> = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        match precheck(payload, bundle.trust()) {
            Ok(p) => {
                out.push(None);
                pending.push((i, p));
            }
            Err(r) => out.push(Some(Err(r))),
        }
    }
    let mut rest = pending.into_iter().peekable();
    while rest.peek().is_some() {
        let chunk: Vec<(usize, Prechecked<'_>)> = rest.by_ref().take(BATCH_SIZE).collect();
        let inputs: Vec<[u8; 64]> = chunk.iter().map(|(_, p)| p.signed.signing_input()).collect();
        let msgs: Vec<&[u8]> = inputs.iter().map(|m| m.as_slice()).collect();
        let sigs: Vec<[u8; 64]> = chunk.iter().map(|(_, p)| p.signed.signature).collect();
        let keys: Vec<crate::ed25519::PublicKey> = chunk.iter().map(|(_, p)| *p.key).collect();
        // Permits are signed by one issuer key, or very few: gather each key's terms.
        let all_good = if keys.iter().all(|k| *k == keys[0]) {
            crate::ed25519::verify_batch_one_key(&msgs, &sigs, &keys[0]).is_ok()
        } else {
            crate::ed25519::verify_batch(&msgs, &sigs, &keys).is_ok()
        };
        for ((i, p), msg) in chunk.into_iter().zip(inputs.iter()) {
            let signature_ok = all_good || p.key.verify(msg, &p.signed.signature).is_ok();
            let verdict = if signature_ok {
                p.finish(now)
                    .and_then(|v| status_check(v, bundle, policy, now))
                    .and_then(|v| v.holder(now, window))
                    .and_then(|v| for_audience(v, audience))
            } else {
                Err(Rejection::BadSignature)
            };
            out[i] = Some(verdict);
        }
    }
    // invariant: every slot was filled, by the precheck or by its chunk. A gap is our bug and must
    // stop loudly, never read as a forged permit.
    out.into_iter().map(|v| v.expect("invariant: every payload has a verdict")).collect()
}

/// Verifies a payload against a verifier bundle: everything [`verify`] checks,
/// then the permit's entries in its revocation and suspension lists, which must
/// be fresh enough for `policy`. A revocation is final and is reported even from
/// a stale list; a suspension only from a fresh one.
///
/// # Errors
/// The [`Rejection`] of the first check that fails.
pub fn verify_with_bundle(
    payload: &str,
    bundle: &Bundle,
    policy: Policy,
    now: UnixTime,
) -> Result<VerifiedPermit, Rejection> {
    verify_with_bundle_within(payload, bundle, policy, now, HolderWindow::DEFAULT, &Audience::Anyone)
}

/// [`verify_with_bundle`], with a holder proof accepted within `window`, for `audience` (last, the
/// employer check: see [`Audience`] for how it combines with the other outcomes).
///
/// # Errors
/// The [`Rejection`] of the first check that fails.
pub fn verify_with_bundle_within(
    payload: &str,
    bundle: &Bundle,
    policy: Policy,
    now: UnixTime,
    window: HolderWindow,
    audience: &Audience,
) -> Result<VerifiedPermit, Rejection> {
    let checked = precheck(payload, bundle.trust())?;
    checked.check_signature()?;
    let verified = status_check(checked.finish(now)?, bundle, policy, now)?.holder(now, window)?;
    for_audience(verified, audience)
}

/// Step 6: the permit's status in the bundle.
fn status_check(mut in_date: InDate, bundle: &Bundle, policy: Policy, now: UnixTime) -> Result<InDate, Rejection> {
    let iss = &in_date.verified.signed.issuance;
    let index = iss.status.index;
    let lookup = |purpose: StatusPurpose| {
        let key = (iss.issuer.clone(), purpose, iss.status.shard);
        let name = purpose.as_str();
        if let Some(problem) = bundle.invalid(&key) {
            return Err(Rejection::StatusListInvalid { purpose: name, detail: problem.detail() });
        }
        let list = bundle.list(&key).ok_or(Rejection::StatusUnknown { purpose: name })?;
        if list.valid_from.0 > now.0 + MAX_CLOCK_SKEW_SECS {
            return Err(Rejection::StatusListInvalid { purpose: name, detail: "list_from_the_future" });
        }
        let bit = list
            .bits
            .get(index as usize)
            .ok_or(Rejection::StatusListInvalid { purpose: name, detail: "index_out_of_range" })?;
        Ok((list.valid_from, list.valid_until, bit))
    };
    let revocation = lookup(StatusPurpose::Revocation)?;
    if revocation.2 {
        return Err(Rejection::Revoked { index, as_of: revocation.0 });
    }
    let suspension = lookup(StatusPurpose::Suspension)?;
    let as_of = revocation.0.min(suspension.0);
    let past_until = now > revocation.1 || now > suspension.1;
    if past_until || now.0 - as_of.0 > policy.max_age_secs() {
        return Err(Rejection::StatusStale { as_of, policy: policy.as_str(), max_age_secs: policy.max_age_secs() });
    }
    if suspension.2 {
        return Err(Rejection::Suspended { index, as_of: suspension.0 });
    }
    in_date.verified.status = StatusCheck::Fresh { as_of };
    Ok(in_date)
}
