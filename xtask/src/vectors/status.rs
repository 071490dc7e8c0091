//! Status: revocation, suspension, freshness, lists that are not what they say, and bundle updates.

use super::*;

pub(super) fn vectors(c: &Ctx) -> Result<Vec<Vector>> {
    let k = &c.k;
    let normal = &c.normal;
    let good = c.good.as_str();
    let clear = &c.clear;
    let lists = |rev: &[u32], sus: &[u32], seq: u64, signed: &str| c.lists(rev, sus, seq, signed);
    let v = |id, stage, d, payload: &str, b: &Value, now: &str, e| {
        verify_vector(id, stage, d, payload, b, ("inspector", now), e)
    };
    let mut out = Vec::new();
    // Status.
    let revoked = bundle(normal.clone(), lists(&[INDEX], &[], 6, LISTS_SIGNED)?, LISTS_SIGNED);
    out.push(v(
        "status-revoked",
        "status",
        "The permit's revocation bit is set.",
        good,
        &revoked,
        NOW,
        ("revoked", None),
    ));
    out.push(v(
        "status-revoked-stale",
        "status",
        "Revoked in a list 10 days old: a revocation is final.",
        good,
        &revoked,
        "2026-12-05T00:00:00Z",
        ("revoked", None),
    ));
    let suspended = bundle(normal.clone(), lists(&[], &[INDEX], 6, LISTS_SIGNED)?, LISTS_SIGNED);
    out.push(v(
        "status-suspended",
        "status",
        "The permit's suspension bit is set.",
        good,
        &suspended,
        NOW,
        ("suspended", None),
    ));
    let reinstated = bundle(normal.clone(), lists(&[], &[], 7, "2026-11-25T01:00:00Z")?, "2026-11-25T01:00:00Z");
    out.push(v(
        "status-reinstated",
        "status",
        "After the suspension, a newer list (sequence 7) with the bit cleared.",
        good,
        &reinstated,
        NOW,
        ("valid", None),
    ));
    out.push(v(
        "status-stale-inspector",
        "status",
        "Status 73 hours old, past the inspector policy's 72.",
        good,
        clear,
        "2026-11-28T01:00:01Z",
        ("status_stale", None),
    ));
    out.push(verify_vector(
        "status-stale-immigration",
        "status",
        "Status 2 hours old, past the immigration policy's 1.",
        good,
        clear,
        ("immigration", NOW),
        ("status_stale", None),
    ));
    out.push(verify_vector(
        "status-fresh-employer",
        "status",
        "Status 4 days old is fresh for the employer policy (7 days).",
        good,
        clear,
        ("employer", "2026-11-29T00:00:00Z"),
        ("valid", None),
    ));
    out.push(v(
        "status-past-valid-until",
        "status",
        "After the lists' validUntil (7 days), whatever the policy.",
        good,
        clear,
        "2026-12-02T00:00:01Z",
        ("status_stale", None),
    ));
    let none = bundle(normal.clone(), vec![], LISTS_SIGNED);
    out.push(v(
        "status-unknown",
        "status",
        "The bundle holds no list for the permit's shard.",
        good,
        &none,
        NOW,
        ("status_unknown", None),
    ));
    let other_signed = bundle(
        normal.clone(),
        vec![
            list(&k.other, DOE, StatusPurpose::Revocation, 5, &[], LISTS_SIGNED)?,
            list(&k.issuer, DOE, StatusPurpose::Suspension, 5, &[], LISTS_SIGNED)?,
        ],
        LISTS_SIGNED,
    );
    out.push(v(
        "status-list-other-issuer",
        "status",
        "The revocation list is signed by another issuer's key.",
        good,
        &other_signed,
        NOW,
        ("status_list_invalid", Some("list_key")),
    ));
    let mut short = list(&k.issuer, DOE, StatusPurpose::Revocation, 5, &[], LISTS_SIGNED)?;
    short = short_list(k, short)?;
    let short_bundle = bundle(
        normal.clone(),
        vec![short, list(&k.issuer, DOE, StatusPurpose::Suspension, 5, &[], LISTS_SIGNED)?],
        LISTS_SIGNED,
    );
    out.push(v(
        "status-list-too-short",
        "status",
        "A revocation list of 65,536 entries (fewer than 131,072).",
        good,
        &short_bundle,
        NOW,
        ("status_list_invalid", Some("list_too_short")),
    ));
    let high = permit(&k.issuer, DOE, KeyRef::Numbered(1), CREATED, 200_000)?;
    out.push(v(
        "status-index-out-of-range",
        "status",
        "Index 200,000 in lists of 131,072 entries.",
        &high,
        clear,
        NOW,
        ("status_list_invalid", Some("index_out_of_range")),
    ));
    let future = bundle(normal.clone(), lists(&[], &[], 5, "2026-11-25T03:00:00Z")?, "2026-11-25T03:00:00Z");
    out.push(v(
        "status-list-from-the-future",
        "status",
        "Lists signed an hour after now.",
        good,
        &future,
        NOW,
        ("status_list_invalid", Some("list_from_the_future")),
    ));
    // Bundle updates: rollback.
    out.push(Vector {
        id: "bundle-rollback",
        stage: "status",
        description: "Holding the reinstatement bundle (sequence 7), an older one (sequence 6, suspended) is offered.",
        input: json!({ "held": reinstated, "candidate": suspended }),
        expected: json!({ "accepted": false, "error": "rollback" }),
    });
    let clock_back = bundle(normal.clone(), lists(&[INDEX], &[], 8, "2026-11-24T23:00:00Z")?, "2026-11-24T23:00:00Z");
    out.push(Vector {
        id: "bundle-clock-back",
        stage: "status",
        description: "Holding the reinstatement bundle (sequence 7, 01:00), a newer one (sequence 8, revoked) \
                      signed two hours earlier by a registry whose clock stepped back is offered: sequences order \
                      bundles, never times.",
        input: json!({ "held": reinstated, "candidate": clock_back }),
        expected: json!({ "accepted": true, "error": null }),
    });
    out.push(Vector {
        id: "bundle-update",
        stage: "status",
        description: "Holding the suspension bundle (sequence 6), the newer reinstatement (sequence 7) is offered.",
        input: json!({ "held": suspended, "candidate": reinstated }),
        expected: json!({ "accepted": true, "error": null }),
    });
    Ok(out)
}
