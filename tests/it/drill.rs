//! The key-compromise drill, end to end, offline verifiers included: permits
//! issued under key A; a rotation to key B (the demonstration's folder signs
//! and publishes at once); A held compromised as of T through the production
//! path (the root's secret moved off the server, the draft signed by `dwp
//! trust sign`, the list published by `POST /v1/trust-list`); the registry
//! re-issues every live permit A signed. An offline verifier with the new
//! bundle accepts the re-issued permits, refuses a permit forged with A after
//! T and the old credentials of re-issued permits; a verifier holding the
//! bundle from before takes the new one and refuses the old one offered again.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{code, dwp, stderr, stdout};
use crate::server::{Engine, Registry, Server, sample_permit};

const HOLDER: &str = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";

fn payload_of(s: &Server, token: &str, id: &str) -> String {
    let r = s.read(&format!("/v1/permits/{id}"), Some(token), "issuance");
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["payload"].as_str().expect("payload").to_string()
}

fn signer_of(s: &Server, token: &str, id: &str) -> String {
    let r = s.read(&format!("/v1/permits/{id}"), Some(token), "issuance");
    r.json()["credential"]["proof"]["verificationMethod"].as_str().expect("proof").to_string()
}

/// `dwp verify --bundle … --json`: the exit code and the verdict's outcome (`valid`, or the reason code).
fn verify(bundle: &str, root: &str, payload: &str) -> (i32, String) {
    let out = dwp(&["verify", "--bundle", bundle, "--root", root, "--json", payload]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
    let outcome = match (v["valid"].as_bool(), v["reason"].as_str()) {
        (Some(true), _) => "valid".to_string(),
        (_, Some(reason)) => reason.to_string(),
        _ => stdout(&out) + &stderr(&out),
    };
    (code(&out), outcome)
}

fn drill(engine: Engine) {
    let s = Server::start(engine);
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = s.data().join("keys");
    let root = keys.join("root-public-key.json").display().to_string();
    let did = "did:web:registry.test";
    let (key_a, key_b) = (format!("{did}#key-1"), format!("{did}#key-2"));
    let reg = s.token("registrar", None);

    // Under key A: two live permits (one holder-bound), one revoked before the drill.
    let live = s.issue(&reg, &sample_permit(1))["id"].as_str().expect("id").to_string();
    let mut bound = sample_permit(2);
    bound["worker"]["holderKey"] = HOLDER.into();
    let bound = s.issue(&reg, &bound)["id"].as_str().expect("id").to_string();
    let gone = s.issue(&reg, &sample_permit(3))["id"].as_str().expect("id").to_string();
    assert_eq!(s.act(&reg, &gone, "revoke", &json!({ "reason": "drill" })).status, 200);
    let old_live = payload_of(&s, &reg, &live);
    let old_gone = payload_of(&s, &reg, &gone);
    assert_eq!(signer_of(&s, &reg, &live), key_a);

    // The verifier in the field holds the bundle from before the drill.
    let held = dir.path().join("held-bundle.json").display().to_string();
    let out = dwp(&["bundle", "fetch", "--from", &s.base, "--out", &held, "--root", &root]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = dir.path().join("bundle-before.json");
    std::fs::copy(&held, &before).expect("keep a copy");
    assert_eq!(verify(&held, &root, &old_live), (0, "valid".into()));

    // Rotation: key B, named by trust list 2, signs from now on; A's permits stay valid.
    let data = s.data().display().to_string();
    let out = s.beside(&["keys", "rotate", "--data", &data]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("published trust list 2"), "{}", stdout(&out));
    assert!(keys.join("issuer-key-2.json").exists());
    let after_rotation = s.issue(&reg, &sample_permit(4))["id"].as_str().expect("id").to_string();
    assert_eq!(signer_of(&s, &reg, &after_rotation), key_b, "a rotation takes effect at the next write");
    assert_eq!(s.get("/trust-list", None).json()["sequence"], 2);

    // The root goes offline: the registry drafts, the root signs there, an administrator publishes.
    let offline = dir.path().join("offline");
    std::fs::create_dir(&offline).expect("offline machine");
    std::fs::rename(keys.join("root-key.json"), offline.join("root-key.json")).expect("move the root");
    // T is a second after everything A signed honestly (proof times are whole seconds).
    std::thread::sleep(Duration::from_millis(1100));
    let as_of = crate::server::now_secs();
    let as_of_text = dwp_verifier::time::UnixTime(as_of).to_string();
    // A thief holding A signs a permit after T (an index no permit has: its status is clear).
    let forged_permit = dir.path().join("forged.json");
    std::fs::write(&forged_permit, sample_permit(9).to_string()).expect("permit");
    std::thread::sleep(Duration::from_millis(1100));
    let out = dwp(&["issue", "--keys", &keys.display().to_string(), "--permit", &forged_permit.display().to_string()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let forged = stdout(&out).lines().find(|l| l.starts_with("DWP1:")).expect("payload").to_string();

    let draft = dir.path().join("draft.json").display().to_string();
    let out =
        s.beside(&["keys", "compromise", "--data", &data, "--key", &key_a, "--as-of", &as_of_text, "--out", &draft]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("dwp trust sign"), "the draft says what comes next: {}", stdout(&out));
    let signed = dir.path().join("trust-list-3.json").display().to_string();
    let offline_root = offline.join("root-key.json").display().to_string();
    let out = dwp(&["trust", "sign", "--root", &offline_root, "--draft", &draft, "--out", &signed]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("COMPROMISED as of {as_of_text}")), "{}", stderr(&out));
    let signed_text = std::fs::read_to_string(&signed).expect("signed list");

    // Only an administrator publishes; a list from another root, or not newer, is refused.
    let body = ("application/json", signed_text.as_bytes());
    assert_eq!(s.request("POST", "/v1/trust-list", Some(&reg), Some(body), &[]).status, 403);
    let foreign = crate::common::Fixture::new();
    let foreign_list = std::fs::read_to_string(foreign.trust()).expect("foreign list");
    let r =
        s.request("POST", "/v1/trust-list", Some(&s.admin), Some(("application/json", foreign_list.as_bytes())), &[]);
    assert_eq!((r.status, r.code()), (422, "trust_list_invalid".into()), "{}", r.body);
    let r = s.request("POST", "/v1/trust-list", Some(&s.admin), Some(body), &[]);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["compromised"][0]["id"], key_a.as_str());
    assert_eq!(r.json()["compromised"][0]["asOf"], as_of_text.as_str());
    let r = s.request("POST", "/v1/trust-list", Some(&s.admin), Some(body), &[]);
    assert_eq!((r.status, r.code()), (409, "trust_list_not_newer".into()), "{}", r.body);

    // The registry re-issues every live permit A signed, in batches, and says how far it is.
    let mut keys_view = Value::Null;
    for _ in 0..120 {
        keys_view = s.get("/v1/keys", Some(&s.admin)).json();
        if keys_view["reissueRemaining"] == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(keys_view["reissueRemaining"], 0, "{keys_view}");
    assert_eq!(keys_view["signingKey"], key_b.as_str(), "{keys_view}");
    assert_eq!(keys_view["trustListSequence"], 3);
    let a = keys_view["keys"].as_array().expect("keys").iter().find(|k| k["id"] == key_a.as_str()).expect("A listed");
    assert_eq!((a["compromisedAsOf"].as_str(), a["livePermits"].as_i64()), (Some(as_of_text.as_str()), Some(0)));
    for id in [&live, &bound] {
        assert_eq!(signer_of(&s, &reg, id), key_b, "{id} is re-issued under B");
    }
    assert_eq!(signer_of(&s, &reg, &gone), key_a, "a revoked permit is not re-issued");
    let events = s.read(&format!("/v1/permits/{live}"), Some(&reg), "issuance").json();
    assert_eq!(events["state"], "active", "the state moves with it: {events}");
    let audit = s.get("/v1/audit/verify", Some(&s.token("auditor", None)));
    assert_eq!(audit.json()["valid"], true, "the audit chain still verifies: {}", audit.body);

    // The verifier takes the new bundle (a higher trust-list sequence) …
    let out = dwp(&["bundle", "fetch", "--from", &s.base, "--out", &held, "--root", &root]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let new_live = payload_of(&s, &reg, &live);
    let new_bound = payload_of(&s, &reg, &bound);
    assert_eq!(verify(&held, &root, &new_live), (0, "valid".into()), "the re-issued permit");
    let (bound_code, _) = verify(&held, &root, &new_bound);
    assert_eq!(bound_code, 0, "the re-issued holder-bound permit (shown without a holder proof: amber, exit 0)");
    assert_eq!(verify(&held, &root, &old_live), (1, "revoked".into()), "the old credential of a re-issued permit");
    assert_eq!(verify(&held, &root, &forged), (1, "key_revoked".into()), "a permit forged with A after T");
    assert_eq!(verify(&held, &root, &old_gone), (1, "revoked".into()), "revoked before the drill, still revoked");
    let b_permit = payload_of(&s, &reg, &after_rotation);
    assert_eq!(verify(&held, &root, &b_permit), (0, "valid".into()));
    // … and refuses the old one offered again.
    let out = dwp(&["bundle", "fetch", "--from", &before.display().to_string(), "--out", &held, "--root", &root]);
    assert_ne!(code(&out), 0, "the bundle from before the drill is refused: {}", stdout(&out));
    assert!(stderr(&out).contains("older"), "{}", stderr(&out));
    assert_eq!(verify(&held, &root, &forged), (1, "key_revoked".into()), "the held bundle is still the new one");
    // The old bundle, had it been kept, would still have taken the forgery.
    assert_eq!(verify(&before.display().to_string(), &root, &forged).0, 0, "why verifiers must update");
}

crate::both_engines!(compromise_drill, super::drill);

/// A biller id of the collecting agency's own (a production registry refuses the demonstration's).
const PRODUCTION_BILLER: &str = "099400000000101";

#[test]
fn a_production_registry_keeps_no_root_secret() {
    let s = Server::start(Engine::Sqlite);
    let mut s = s;
    s.kill();
    let data = s.data();
    let (code, err, _) = crate::server::refused_start_with(
        &data,
        None,
        "127.0.0.1:0",
        &["--production", "--biller-id", PRODUCTION_BILLER],
        &[],
    );
    assert_ne!(code, 0);
    assert!(err.contains("root-key.json") && err.contains("production registry never keeps it"), "{err}");
    // A production registry makes no key set either.
    let empty = tempfile::tempdir().expect("tempdir");
    let production = ["--production", "--biller-id", PRODUCTION_BILLER];
    let (code, err, _) =
        crate::server::refused_start_with(&empty.path().join("data"), None, "127.0.0.1:0", &production, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("a production registry does not make one"), "{err}");
    // Nor collects fees under the demonstration's biller id.
    let (code, err, _) =
        crate::server::refused_start_with(&empty.path().join("data"), None, "127.0.0.1:0", &["--production"], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("--biller-id") && err.contains("not the demonstration's"), "{err}");
}
