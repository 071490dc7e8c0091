//! A clock that steps back never silences a revocation: the registry refuses
//! to sign with a time earlier than its last signature (or than its key's
//! window) and says so on `/readyz`; devices order bundles by sequence, so
//! they take the next bundle whatever its time, and answer `revoked`.

use serde_json::json;

use dwp_verifier::bundle::Bundle;
use dwp_verifier::verify::{Policy, Rejection, verify_with_bundle};

use crate::common::t;
use crate::inproc::InProc;
use crate::server::Registry;
use crate::server::sample_permit;

fn bundle(r: &InProc) -> (String, Bundle) {
    let a = r.get("/v1/bundle", None);
    assert_eq!(a.status, 200, "{}", a.body);
    let text = a.body.clone();
    let b = Bundle::verify(&text, None).and_then(Bundle::strict).expect("the bundle checks");
    (text, b)
}

fn problem_codes(r: &InProc) -> (u16, Vec<String>) {
    let a = r.get("/readyz", None);
    let codes = a.json()["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["code"].as_str().map(str::to_string))
        .collect();
    (a.status, codes)
}

#[test]
fn a_clock_stepped_back_never_silences_a_revocation() {
    let r = InProc::start("2026-11-25T00:00:00Z");
    let reg = r.token("registrar", None);
    r.set("2026-11-25T01:00:00Z");
    let issued = r.post("/v1/permits", Some(&reg), &sample_permit(1));
    assert_eq!(issued.status, 201, "{}", issued.body);
    let id = issued.json()["id"].as_str().expect("id").to_string();
    let payload = issued.json()["payload"].as_str().expect("payload").to_string();

    // A device takes the bundle at 02:00.
    r.set("2026-11-25T02:00:00Z");
    let (_, held) = bundle(&r);
    let now = t("2026-11-25T02:00:00Z");
    assert!(verify_with_bundle(&payload, &held, Policy::Inspector, now).is_ok(), "valid at first");

    // The registry's clock steps back two days.
    r.set("2026-11-23T02:00:00Z");
    let refused = r.post(&format!("/v1/permits/{id}/revoke"), Some(&reg), &json!({ "reason": "ถูกเพิกถอน" }));
    assert_eq!(refused.status, 503, "nothing is signed with a time before the last signature: {}", refused.body);
    assert_eq!(refused.json()["code"], "clock_behind");
    assert!(refused.header("retry-after").is_some());
    let (status, codes) = problem_codes(&r);
    assert_eq!((status, codes.contains(&"clock_behind".to_string())), (503, true), "{codes:?}");
    // The lists keep their last good signature (made at 02:00), never one signed in the past.
    let list = r.get("/status/revocation/1", None);
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["validFrom"], "2026-11-25T02:00:00Z", "the last good signature is served");
    // A bundle assembled while the clock is wrong is still taken by a device (ordered by sequence, not time).
    let (_, during) = bundle(&r);
    during.check_not_older_than(&held).expect("a bundle with the same sequences is not a rollback");

    // The clock is put right; the revocation goes through and devices take it.
    r.set("2026-11-25T03:00:00Z");
    let revoked = r.post(&format!("/v1/permits/{id}/revoke"), Some(&reg), &json!({ "reason": "ถูกเพิกถอน" }));
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let (status, _) = problem_codes(&r);
    assert_eq!(status, 200, "ready again once a write commits with a right clock: {:?}", problem_codes(&r));
    let (_, next) = bundle(&r);
    next.check_not_older_than(&held).expect("the device takes the newer bundle");
    let verdict = verify_with_bundle(&payload, &next, Policy::Inspector, t("2026-11-25T03:00:00Z"));
    assert!(matches!(verdict, Err(Rejection::Revoked { .. })), "{verdict:?}");
}

#[test]
fn nothing_is_signed_before_the_keys_window() {
    let r = InProc::start("2026-11-25T00:00:00Z");
    let reg = r.token("registrar", None);
    // An hour before the keys were made (and their trust-list window began).
    r.set("2026-11-24T23:00:00Z");
    let a = r.post("/v1/permits", Some(&reg), &sample_permit(2));
    assert_eq!(a.status, 503, "{}", a.body);
    assert_eq!(a.json()["code"], "clock_behind");
    let ready = r.get("/readyz", None);
    assert_eq!(ready.status, 503);
    let detail = ready.json()["problems"][0]["detail"].as_str().unwrap_or("").to_string();
    assert!(detail.contains("signing key"), "{detail}");
    r.set("2026-11-25T00:10:00Z");
    assert_eq!(r.post("/v1/permits", Some(&reg), &sample_permit(2)).status, 201);
}

#[test]
fn tokens_expire() {
    let r = InProc::start("2026-11-25T00:00:00Z");
    let reg = r.token("registrar", None);
    let list = r.get("/v1/tokens", Some(&r.admin));
    assert_eq!(list.status, 200);
    let tokens = list.json()["tokens"].as_array().expect("tokens").clone();
    let bootstrap = tokens.iter().find(|t| t["label"] == "bootstrap").expect("the bootstrap token is listed");
    assert_eq!(bootstrap["expiresAt"], "2026-11-26T00:00:00Z", "the bootstrap token lives a day");
    let registrar = tokens.iter().find(|t| t["role"] == "registrar").expect("registrar");
    assert_eq!(registrar["expiresAt"], "2027-02-23T00:00:00Z", "a token lives 90 days by default");
    assert!(tokens.iter().all(|t| t.get("token").is_none() && t.get("hash").is_none()), "no secrets listed");

    // A day and a second later the bootstrap token is refused; the registrar's still works.
    r.set("2026-11-26T00:00:01Z");
    assert_eq!(r.get("/v1/tokens", Some(&r.admin)).status, 401, "the bootstrap token expired");
    assert_eq!(r.get("/v1/permits", Some(&reg)).status, 200);
    r.set("2027-02-23T00:00:00Z");
    let expired = r.get("/v1/permits", Some(&reg));
    assert_eq!((expired.status, expired.json()["code"].as_str()), (401, Some("invalid_token")));
}
