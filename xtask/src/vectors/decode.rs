//! Decode stages: prefix, length, base45, CBOR, schema.

use super::*;

pub(super) fn vectors(c: &Ctx) -> Result<Vec<Vector>> {
    let good = c.good.as_str();
    let clear = &c.clear;
    let v = |id, stage, d, payload: &str, b: &Value, now: &str, e| {
        verify_vector(id, stage, d, payload, b, ("inspector", now), e)
    };
    let cbor = base45::decode(&good[PREFIX.len()..]).map_err(|e| anyhow::anyhow!("{e}"))?;
    // An odd number of bytes ends in a two-character group; "OO" is 24 + 24 * 45 = 1104.
    let odd = cbor_payload(&cbor[..cbor.len() - 1 + cbor.len() % 2]);
    let overflow = format!("{}OO", &odd[..odd.len() - 2]);
    let data = good.len() - PREFIX.len();
    let out = vec![
        v(
            "valid",
            "status",
            "The sample permit, neither revoked nor suspended, status 2 hours old.",
            good,
            clear,
            NOW,
            ("valid", None),
        ),
        v(
            "decode-prefix",
            "prefix",
            "Another prefix (HC1:).",
            &good.replacen(PREFIX, "HC1:", 1),
            clear,
            NOW,
            ("malformed", Some("prefix")),
        ),
        v(
            "decode-too-long",
            "prefix",
            "4,297 characters: refused before decoding.",
            &format!("{PREFIX}{}", "0".repeat(4292)),
            clear,
            NOW,
            ("malformed", Some("too_long")),
        ),
        v(
            "decode-base45-alphabet",
            "base45",
            "A lower-case letter, outside the Base45 alphabet.",
            &format!("{}a{}", &good[..10], &good[11..]),
            clear,
            NOW,
            ("malformed", Some("base45")),
        ),
        v(
            "decode-base45-dangling",
            "base45",
            "One dangling character after whole groups.",
            &good[..PREFIX.len() + data - data % 3 - 2],
            clear,
            NOW,
            ("malformed", Some("base45")),
        ),
        v(
            "decode-base45-overflow",
            "base45",
            "A final two-character group worth 1104 (more than one byte holds).",
            &overflow,
            clear,
            NOW,
            ("malformed", Some("base45")),
        ),
        v(
            "decode-cbor-truncated",
            "cbor",
            "Whole Base45 groups of truncated CBOR.",
            &good[..PREFIX.len() + data - data % 3 - 3],
            clear,
            NOW,
            ("malformed", Some("cbor")),
        ),
        v(
            "decode-cbor-trailing",
            "cbor",
            "One byte after the CBOR item.",
            &cbor_payload(&[cbor.as_slice(), &[0x00]].concat()),
            clear,
            NOW,
            ("malformed", Some("trailing_bytes")),
        ),
        v(
            "decode-cbor-nesting",
            "cbor",
            "Arrays nested 200 deep.",
            &cbor_payload(&[vec![0x81u8; 200], vec![0x00]].concat()),
            clear,
            NOW,
            ("malformed", Some("too_deep")),
        ),
        v(
            "decode-schema",
            "schema",
            "Well-formed CBOR of another shape: [1, 2, 3].",
            &cbor_payload(&[0x83, 0x01, 0x02, 0x03]),
            clear,
            NOW,
            ("malformed", Some("schema")),
        ),
    ];
    Ok(out)
}
