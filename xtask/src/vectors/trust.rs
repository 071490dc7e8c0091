//! Signature, issuer, key, key window, category, and the clock.

use super::*;

pub(super) fn vectors(c: &Ctx) -> Result<Vec<Vector>> {
    let k = &c.k;
    let good = c.good.as_str();
    let clear = &c.clear;
    let lists = |rev: &[u32], sus: &[u32], seq: u64, signed: &str| c.lists(rev, sus, seq, signed);
    let v = |id, stage, d, payload: &str, b: &Value, now: &str, e| {
        verify_vector(id, stage, d, payload, b, ("inspector", now), e)
    };
    let mut out = Vec::new();
    // Signature and key.
    let signed = codec::decode(good).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut sig = *signed.signature();
    sig[10] ^= 0x01;
    let tampered = codec::encode(&SignedPermit::new(signed.permit().clone(), signed.issuance().clone(), sig));
    out.push(v(
        "signature-bad",
        "signature",
        "One bit of the signature flipped.",
        &tampered,
        clear,
        NOW,
        ("bad_signature", None),
    ));
    let forged = permit(&k.rogue, DOE, KeyRef::Numbered(1), CREATED, INDEX)?;
    out.push(v(
        "signature-wrong-key",
        "signature",
        "Signed by another key under the issuer's key-1 name.",
        &forged,
        clear,
        NOW,
        ("bad_signature", None),
    ));
    let unknown_issuer = permit(&k.rogue, "did:web:unknown.example", KeyRef::Numbered(1), CREATED, INDEX)?;
    out.push(v(
        "key-unknown-issuer",
        "key",
        "Issued by a DID the trust list does not hold.",
        &unknown_issuer,
        clear,
        NOW,
        ("unknown_issuer", None),
    ));
    let wrong_issuer = permit(&k.other, DOE, KeyRef::Other(format!("{OTHER}#key-1")), CREATED, INDEX)?;
    out.push(v(
        "key-wrong-issuer",
        "key",
        "Signed by a trusted key of another issuer.",
        &wrong_issuer,
        clear,
        NOW,
        ("wrong_issuer", None),
    ));
    let unknown_key = permit(&k.rogue, DOE, KeyRef::Numbered(2), CREATED, INDEX)?;
    out.push(v(
        "key-unknown",
        "key",
        "Signed by key-2, which the trust list does not hold.",
        &unknown_key,
        clear,
        NOW,
        ("unknown_key", None),
    ));
    // Compromise (SPEC §8): key-1 is compromised as of COMPROMISED; the registry signs its lists with
    // key-2 from then on, and has re-issued the sample permit and revoked its old credential.
    let compromised = trust_list(k, Trust::KeyCompromised)?;
    let successor_lists = |rev: &[u32]| -> Result<Vec<Value>> {
        Ok(vec![
            list(&k.successor, DOE, StatusPurpose::Revocation, 6, rev, LISTS_SIGNED)?,
            list(&k.successor, DOE, StatusPurpose::Suspension, 6, &[], LISTS_SIGNED)?,
        ])
    };
    let after_compromise = bundle(compromised.clone(), successor_lists(&[])?, LISTS_SIGNED);
    let at_instant = permit(&k.issuer, DOE, KeyRef::Numbered(1), COMPROMISED, INDEX)?;
    out.push(v(
        "key-revoked",
        "key",
        "Signed by key-1 at the instant the trust list holds it compromised as of (at or after it: refused).",
        &at_instant,
        &after_compromise,
        NOW,
        ("key_revoked", None),
    ));
    out.push(v(
        "key-compromised-before",
        "key",
        "Signed by key-1 before the instant it is compromised as of, status clear in lists signed by key-2.",
        good,
        &after_compromise,
        NOW,
        ("valid", None),
    ));
    let reissued = bundle(compromised.clone(), successor_lists(&[INDEX])?, LISTS_SIGNED);
    out.push(v(
        "key-compromised-before-revoked",
        "key",
        "Signed by key-1 before the compromise, then re-issued under key-2: the old credential is revoked.",
        good,
        &reissued,
        NOW,
        ("revoked", None),
    ));
    let lists_by_compromised = bundle(compromised, lists(&[], &[], 6, LISTS_SIGNED)?, LISTS_SIGNED);
    out.push(v(
        "key-compromised-list-after",
        "key",
        "Signed before the compromise, but its status lists are signed by key-1 after it: not usable.",
        good,
        &lists_by_compromised,
        NOW,
        ("status_list_invalid", Some("list_key")),
    ));
    let early = permit(&k.issuer, DOE, KeyRef::Numbered(1), "2025-12-31T23:59:59Z", INDEX)?;
    out.push(v(
        "key-outside-window",
        "key",
        "Signed a second before the key's window opens.",
        &early,
        clear,
        NOW,
        ("key_not_valid", None),
    ));
    let no62 = bundle(trust_list(k, Trust::NoSection62)?, lists(&[], &[], 5, LISTS_SIGNED)?, LISTS_SIGNED);
    out.push(v(
        "key-category",
        "key",
        "The issuer may not sign section 62 permits.",
        good,
        &no62,
        NOW,
        ("category_not_allowed", None),
    ));
    // Clock.
    out.push(v(
        "clock-not-yet-valid",
        "clock",
        "A second before validFrom.",
        good,
        clear,
        "2026-11-23T23:59:59Z",
        ("not_yet_valid", None),
    ));
    out.push(v(
        "clock-expired",
        "clock",
        "A second after validUntil.",
        good,
        clear,
        "2028-11-24T00:00:00Z",
        ("expired", None),
    ));
    Ok(out)
}
