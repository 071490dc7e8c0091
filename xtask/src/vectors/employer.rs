//! The employer check (`--employer`, the page's employer mode): the sample permit names employer
//! 0215559001234 at TH-21 (Rayong), industrial estate ESIE. Checked for that employer it is valid;
//! for another, `other_employer`; for the right employer at another province or estate,
//! `other_workplace`; and a forged, revoked or suspended permit keeps its own rejection.

use super::*;

/// The sample permit's employer.
const OURS: &str = "0215559001234";
/// Another valid juristic ID (its check digit is 2).
const THEIRS: &str = "0105559012342";

fn employer_vector(
    id: &'static str,
    description: &'static str,
    payload: &str,
    bundle: &Value,
    employer: Value,
    expected: (&str, Option<&str>),
) -> Vector {
    let mut v = verify_vector(id, "employer", description, payload, bundle, ("employer", NOW), expected);
    v.input["employer"] = employer;
    v
}

pub(super) fn vectors(c: &Ctx) -> Result<Vec<Vector>> {
    let good = c.good.as_str();
    let clear = &c.clear;
    let signed = codec::decode(good).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut sig = *signed.signature();
    sig[10] ^= 0x01;
    let forged = codec::encode(&SignedPermit::new(signed.permit().clone(), signed.issuance().clone(), sig));
    let revoked = bundle(c.normal.clone(), c.lists(&[INDEX], &[], 6, LISTS_SIGNED)?, LISTS_SIGNED);
    let suspended = bundle(c.normal.clone(), c.lists(&[], &[INDEX], 6, LISTS_SIGNED)?, LISTS_SIGNED);
    Ok(vec![
        employer_vector(
            "employer-match",
            "Checked for its own employer at its province and estate: valid.",
            good,
            clear,
            json!({ "juristicId": OURS, "province": "TH-21", "industrialEstate": "ESIE" }),
            ("valid", None),
        ),
        employer_vector(
            "employer-match-anywhere",
            "Checked for its own employer, no workplace given: valid.",
            good,
            clear,
            json!({ "juristicId": OURS }),
            ("valid", None),
        ),
        employer_vector(
            "employer-other",
            "A valid permit checked for another employer.",
            good,
            clear,
            json!({ "juristicId": THEIRS, "province": "TH-21" }),
            ("other_employer", None),
        ),
        employer_vector(
            "employer-other-province",
            "Its own employer, at another province (TH-20, Chon Buri).",
            good,
            clear,
            json!({ "juristicId": OURS, "province": "TH-20" }),
            ("other_workplace", Some("province")),
        ),
        employer_vector(
            "employer-other-estate",
            "Its own employer at its province, in another industrial estate.",
            good,
            clear,
            json!({ "juristicId": OURS, "province": "TH-21", "industrialEstate": "AMATA" }),
            ("other_workplace", Some("industrial_estate")),
        ),
        employer_vector(
            "employer-forged-wins",
            "A forged signature, checked for another employer: the forgery is reported.",
            &forged,
            clear,
            json!({ "juristicId": THEIRS }),
            ("bad_signature", None),
        ),
        employer_vector(
            "employer-revoked-wins",
            "A revoked permit, checked for another employer: the revocation is reported.",
            good,
            &revoked,
            json!({ "juristicId": THEIRS }),
            ("revoked", None),
        ),
        employer_vector(
            "employer-suspended-wins",
            "A suspended permit, checked for its own employer at another province: the suspension is reported.",
            good,
            &suspended,
            json!({ "juristicId": OURS, "province": "TH-20" }),
            ("suspended", None),
        ),
    ])
}
