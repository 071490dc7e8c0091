//! A key compromised as of an instant (`wallet-spec/SPEC.md` §8): a permit whose proof is dated at or
//! after the instant is `key_revoked`, one dated before it is judged by its status; a status list
//! signed by the key and dated at or after the instant is not usable (`list_key`).

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use dwp_verifier::bundle::{Bundle, ListProblem};
use dwp_verifier::codec;
use dwp_verifier::credential::{
    CONTEXT_V2, DWP_CONTEXT, Issuance, KeyRef, SignedPermit, StatusPurpose, StatusRef, status_list_url,
};
use dwp_verifier::multikey;
use dwp_verifier::permit::Permit;
use dwp_verifier::proof;
use dwp_verifier::status::Bitstring;
use dwp_verifier::time::UnixTime;
use dwp_verifier::verify::{Policy, Rejection, verify, verify_with_bundle};

const DOE: &str = "did:web:dwp.doe.go.th";
const INSTANT: &str = "2026-11-24T12:00:00Z";
const NOW: &str = "2026-11-25T02:00:00Z";
const INDEX: u32 = 94_567;

fn t(s: &str) -> UnixTime {
    UnixTime::parse(s).expect("time")
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn public(k: &SigningKey) -> [u8; 32] {
    k.verifying_key().to_bytes()
}

/// Secures `doc` with `eddsa-jcs-2022`.
fn sign_jcs(mut doc: Value, k: &SigningKey, created: &str, vm: &str) -> Value {
    let object = doc.as_object().expect("object").clone();
    let mut config = proof::proof_config(&object, proof::EDDSA_JCS_2022, created, vm);
    let hash = proof::hash_data(&doc, &Value::Object(config.clone())).expect("hash");
    config.insert("proofValue".into(), multikey::encode_signature(&k.sign(&hash).to_bytes()).into());
    doc["proof"] = Value::Object(config);
    doc
}

/// Key-1 (seed 1) compromised as of [`INSTANT`], key-2 (seed 2) from then on, signed by the root (seed 9).
fn trust_list() -> Value {
    let root = key(9);
    let did = multikey::did_key(&public(&root));
    let key_doc = |id: &str, k: &SigningKey, from: &str, revoked: Option<&str>| {
        let mut d = json!({
            "id": format!("{DOE}#{id}"), "publicKeyMultibase": multikey::encode_public(&public(k)),
            "validFrom": from, "validUntil": "2030-12-31T23:59:59Z",
        });
        if let Some(r) = revoked {
            d["revoked"] = r.into();
        }
        d
    };
    let doc = json!({
        "type": "DwpTrustList", "sequence": 1, "issued": "2026-11-24T13:00:00Z",
        "issuers": [{
            "id": DOE, "name": { "en": "Department of Employment" },
            "categories": ["section59", "section62", "section63_1", "section64"],
            "keys": [
                key_doc("key-1", &key(1), "2026-01-01T00:00:00Z", Some(INSTANT)),
                key_doc("key-2", &key(2), INSTANT, None),
            ],
        }],
    });
    let vm = format!("{did}#{}", did.trim_start_matches("did:key:"));
    sign_jcs(doc, &root, "2026-11-24T13:00:00Z", &vm)
}

/// The sample permit, signed by key-1 with its proof dated `created`.
fn permit(created: &str) -> String {
    let p = Permit::from_json(include_str!("../../wallet-spec/examples/permit-sample.json")).expect("permit");
    let iss = Issuance::new(DOE, KeyRef::Numbered(1), t(created), StatusRef { shard: 1, index: INDEX }).expect("iss");
    let signature = key(1).sign(&dwp_verifier::credential::signing_input(&p, &iss)).to_bytes();
    codec::encode(&SignedPermit::new(p, iss, signature))
}

/// A status list of shard 1 signed by `key-<n>`, with its proof `created` and its `validFrom` given.
fn list(n: u8, purpose: StatusPurpose, revoked: &[u32], created: &str, valid_from: &str) -> Value {
    let mut bits = Bitstring::zeroed(131_072);
    for i in revoked {
        bits.set(*i as usize, true);
    }
    let url = status_list_url(DOE, purpose, 1);
    let doc = json!({
        "@context": [CONTEXT_V2, DWP_CONTEXT],
        "id": url, "type": ["VerifiableCredential", "BitstringStatusListCredential"], "issuer": DOE,
        "validFrom": valid_from, "validUntil": "2026-12-01T00:00:00Z",
        "credentialSubject": {
            "id": format!("{url}#list"), "type": "BitstringStatusList", "statusPurpose": purpose.as_str(),
            "encodedList": bits.encode(), "ttl": 300_000, "statusSequence": 6,
        },
    });
    sign_jcs(doc, &key(n), created, &format!("{DOE}#key-{n}"))
}

fn bundle(lists: Vec<Value>) -> Bundle {
    let doc = json!({
        "type": "DwpVerifierBundle", "version": 1, "issued": "2026-11-25T00:00:00Z", "issuer": DOE,
        "trustList": trust_list(), "statusLists": lists, "contexts": {},
    });
    Bundle::verify(&doc.to_string(), Some(&public(&key(9)))).expect("bundle")
}

/// Both lists by key-2, signed after the instant, with `revoked` set in the revocation list.
fn successor_bundle(revoked: &[u32]) -> Bundle {
    let at = "2026-11-25T00:00:00Z";
    bundle(vec![list(2, StatusPurpose::Revocation, revoked, at, at), list(2, StatusPurpose::Suspension, &[], at, at)])
}

#[test]
fn a_permit_is_refused_from_the_compromise_instant_on_and_judged_by_status_before_it() {
    let b = successor_bundle(&[]);
    let instant = t(INSTANT);
    let before = permit("2026-11-24T11:59:59Z");
    let verdict = verify_with_bundle(&before, &b, Policy::Inspector, t(NOW));
    assert!(verdict.is_ok(), "created a second before the instant: {verdict:?}");
    assert!(verify(&before, b.trust(), t(NOW)).is_ok(), "and without status");
    for created in [INSTANT, "2026-11-24T12:00:01Z", "2026-11-25T01:00:00Z"] {
        let verdict = verify_with_bundle(&permit(created), &b, Policy::Inspector, t(NOW));
        assert_eq!(
            verdict,
            Err(Rejection::KeyRevoked {
                verification_method: format!("{DOE}#key-1"),
                revoked: instant,
                created: t(created),
            }),
            "created {created}"
        );
        let Err(r) = verdict else { unreachable!() };
        assert_eq!(r.code(), "key_revoked");
        assert!(r.to_string().contains("compromised as of 2026-11-24T12:00:00Z"), "{r}");
    }
}

#[test]
fn a_permit_signed_before_the_compromise_and_reissued_is_revoked() {
    let verdict =
        verify_with_bundle(&permit("2026-11-24T03:00:00Z"), &successor_bundle(&[INDEX]), Policy::Inspector, t(NOW));
    assert_eq!(verdict.map(|_| ()).map_err(|r| r.code()), Err("revoked"));
}

#[test]
fn a_status_list_signed_by_the_compromised_key_is_usable_only_if_dated_before_the_instant() {
    let key1 = format!("{DOE}#key-1");
    let problem = |created: &str, valid_from: &str| {
        let b = bundle(vec![
            list(1, StatusPurpose::Revocation, &[], created, valid_from),
            list(2, StatusPurpose::Suspension, &[], "2026-11-25T00:00:00Z", "2026-11-25T00:00:00Z"),
        ]);
        b.invalid(&(DOE.to_string(), StatusPurpose::Revocation, 1)).cloned()
    };
    assert_eq!(problem("2026-11-24T11:59:59Z", "2026-11-24T11:59:59Z"), None, "a second before the instant");
    assert_eq!(problem(INSTANT, INSTANT), Some(ListProblem::Key(key1.clone())), "at the instant");
    assert_eq!(problem("2026-11-25T00:00:00Z", "2026-11-25T00:00:00Z"), Some(ListProblem::Key(key1.clone())), "after");
    assert_eq!(
        problem("2026-11-24T11:00:00Z", "2026-11-25T00:00:00Z"),
        Some(ListProblem::Key(key1.clone())),
        "a proof dated before the instant does not vouch for a validFrom after it"
    );
    // A permit pointing to the refused list gets its detail code.
    let b = bundle(vec![
        list(1, StatusPurpose::Revocation, &[], "2026-11-25T00:00:00Z", "2026-11-25T00:00:00Z"),
        list(2, StatusPurpose::Suspension, &[], "2026-11-25T00:00:00Z", "2026-11-25T00:00:00Z"),
    ]);
    let verdict = verify_with_bundle(&permit("2026-11-24T03:00:00Z"), &b, Policy::Inspector, t(NOW));
    assert_eq!(verdict.map(|_| ()), Err(Rejection::StatusListInvalid { purpose: "revocation", detail: "list_key" }));
}
