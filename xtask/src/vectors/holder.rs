//! Holder binding (SPEC §12): a permit bound to the RFC 8032 §7.1 TEST 1 key, shown with a proof
//! one step early, on time, one step late, outside the window, within a configured tolerance,
//! moved onto another credential, signed by another key, with a small-order `R`, without a proof,
//! malformed; and the outcomes a holder proof never overrides (revoked, expired).

use dwp_verifier::holder;

use super::*;

/// RFC 8032 §7.1, TEST 1: the secret key `9d61b19d…7f60`, whose public key is `d75a9801…511a`.
const RFC8032_TEST1_SECRET: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5,
    0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];

/// The sample permit bound to `holder`, with another permit number when `number` is given.
fn bound_permit(c: &Ctx, holder: &KeyPair, number: Option<&str>) -> Result<String> {
    let mut input: Value = serde_json::from_str(SAMPLE_PERMIT)?;
    input["worker"]["holderKey"] = holder.did_key().into();
    if let Some(n) = number {
        input["permitNumber"] = n.into();
    }
    let p = Permit::from_json(&input.to_string())?;
    let iss = Issuance::new(DOE, KeyRef::Numbered(1), t(CREATED), StatusRef { shard: 1, index: INDEX })?;
    Ok(issue_permit(p, iss, &c.k.issuer)?.payload)
}

fn step_at(now: &str) -> u64 {
    // invariant: every time here is after 1970.
    u64::try_from(holder::step_of(t(now))).expect("invariant: a step after 1970")
}

/// The presentation of `payload` at `step`, signed by `key`.
fn present(payload: &str, step: u64, key: &KeyPair) -> Result<String> {
    let signature = key.sign(&holder::to_sign(payload, step)?);
    Ok(holder::assemble(payload, step, &signature)?)
}

fn holder_vector(
    id: &'static str,
    description: &'static str,
    payload: &str,
    bundle: &Value,
    now: &str,
    tolerance: Option<u32>,
    expected: Value,
) -> Vector {
    let mut input = json!({ "payload": payload, "bundle": bundle, "policy": "inspector", "now": now });
    if let Some(secs) = tolerance {
        input["holderToleranceSeconds"] = secs.into();
    }
    Vector { id, stage: "holder", description, input, expected }
}

fn valid_with(holder: &str, warning: Option<&str>) -> Value {
    json!({ "valid": true, "reason": null, "detail": null, "holder": holder, "warning": warning })
}

fn rejected(reason: &str, detail: Option<&str>) -> Value {
    json!({ "valid": false, "reason": reason, "detail": detail })
}

pub(super) fn vectors(c: &Ctx) -> Result<Vec<Vector>> {
    let rfc = KeyPair::from_seed(&RFC8032_TEST1_SECRET, None);
    let other = KeyPair::from_seed(&[15; 32], None);
    let bound = bound_permit(c, &rfc, None)?;
    let sibling = bound_permit(c, &rfc, Some("WP-2569-21-000124"))?;
    let s = step_at(NOW);
    let clear = &c.clear;
    let v = |id, d, payload: &str, tolerance, expected| holder_vector(id, d, payload, clear, NOW, tolerance, expected);

    // The proof of `sibling`, moved onto `bound`: same key, same step, another credential.
    let moved = {
        let sig = rfc.sign(&holder::to_sign(&sibling, s)?);
        holder::assemble(&bound, s, &sig)?
    };
    // R = the identity point (small order), S = 0: refused by strict verification.
    let mut small_r = [0u8; 64];
    small_r[0] = 1;
    let small = holder::assemble(&bound, s, &small_r)?;
    let cbor = base45::decode(&bound[PREFIX.len()..]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let two = {
        // [credential, step]: the signature is missing.
        let mut w = dwp_verifier::cbor::Writer::default();
        w.array(2);
        w.bytes(&cbor);
        w.uint(s);
        format!("{}{}", holder::PREFIX, base45::encode(&w.buf))
    };
    let revoked = bundle(c.normal.clone(), c.lists(&[INDEX], &[], 6, LISTS_SIGNED)?, LISTS_SIGNED);
    let expired_at = "2028-11-24T00:00:10Z";

    Ok(vec![
        v(
            "holder-live",
            "Bound to the RFC 8032 §7.1 TEST 1 key (public d75a9801…511a); proof at the verifier's own step.",
            &present(&bound, s, &rfc)?,
            None,
            valid_with("live", None),
        ),
        v(
            "holder-step-early",
            "The proof's step is one before the verifier's.",
            &present(&bound, s - 1, &rfc)?,
            None,
            valid_with("live", None),
        ),
        v(
            "holder-step-late",
            "The proof's step is one after the verifier's (the phone's clock is ahead).",
            &present(&bound, s + 1, &rfc)?,
            None,
            valid_with("live", None),
        ),
        v(
            "holder-outside-window",
            "The proof's step is two before the verifier's: outside ±1 step (a screenshot?).",
            &present(&bound, s - 2, &rfc)?,
            None,
            valid_with("stale", Some("holder_proof_stale")),
        ),
        v(
            "holder-tolerance",
            "Three steps old, with a configured clock tolerance of 60 s (±1 step widened by two).",
            &present(&bound, s - 3, &rfc)?,
            Some(60),
            valid_with("live", None),
        ),
        v(
            "holder-transplanted",
            "The proof of another permit bound to the same key, moved onto this one.",
            &moved,
            None,
            rejected("holder_proof_invalid", Some("signature")),
        ),
        v(
            "holder-wrong-key",
            "The proof is signed by another key than credentialSubject.id.",
            &present(&bound, s, &other)?,
            None,
            rejected("holder_proof_invalid", Some("signature")),
        ),
        v(
            "holder-small-order-r",
            "The proof's R is the identity point (small order) and S is 0.",
            &small,
            None,
            rejected("holder_proof_invalid", Some("signature")),
        ),
        v(
            "holder-unbound",
            "A proof on a permit that names no holder key.",
            &present(&c.good, s, &rfc)?,
            None,
            rejected("holder_proof_invalid", Some("unbound")),
        ),
        v(
            "holder-missing",
            "A permit bound to a holder key, shown as its DWP1: payload without a proof (a copy?).",
            &bound,
            None,
            valid_with("missing", Some("holder_proof_missing")),
        ),
        v(
            "holder-malformed",
            "DWP1H: of [credential, step]: no signature.",
            &two,
            None,
            rejected("malformed", Some("presentation")),
        ),
        holder_vector(
            "holder-revoked-wins",
            "A live proof on a revoked permit: the revocation wins.",
            &present(&bound, s, &rfc)?,
            &revoked,
            NOW,
            None,
            rejected("revoked", None),
        ),
        holder_vector(
            "holder-expired-wins",
            "A live proof on an expired permit: the expiry wins.",
            &present(&bound, step_at(expired_at), &rfc)?,
            clear,
            expired_at,
            None,
            rejected("expired", None),
        ),
    ])
}
