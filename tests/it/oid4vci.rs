//! OpenID4VCI 1.0 from the outside: a wallet written here (not the wallet
//! page's code), with its own Ed25519 key, goes offer → token → nonce →
//! credential against a running registry, on SQLite and PostgreSQL, and
//! `dwp verify` accepts what it receives. Every refusal has its OAuth code and
//! writes nothing but its audit entry (the permit, the status lists and the
//! chain's other entries stay as they were); binding again revokes the
//! earlier credential in the served status list.

use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

use crate::both_engines;
use crate::common::{code, dwp, stdout};
use crate::oid4vci_client::{GRANT, Wallet, now, offer, path_of, percent_decode};
use crate::server::Registry;
use crate::server::{Engine, Resp, Server, sample_permit};

fn decode_list(encoded: &str) -> Vec<u8> {
    let gz = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u').expect("multibase u")).expect("base64url");
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).take(1 << 22).read_to_end(&mut bits).expect("gzip");
    bits
}

/// The served list's bit at `index`.
fn served_bit(s: &Server, purpose: &str, shard: u64, index: u64) -> bool {
    let list = s.get(&format!("/status/{purpose}/{shard}"), None);
    assert_eq!(list.status, 200, "{}", list.body);
    let bits = decode_list(list.json()["credentialSubject"]["encodedList"].as_str().expect("encodedList"));
    let i = usize::try_from(index).expect("index");
    bits[i / 8] & (0x80 >> (i % 8)) != 0
}

fn status_of(credential: &Value) -> (u64, u64) {
    let entry = &credential["credentialStatus"][0];
    (
        entry["statusListCredential"]
            .as_str()
            .and_then(|u| u.rsplit('/').next())
            .and_then(|n| n.parse().ok())
            .expect("list"),
        entry["statusListIndex"].as_str().and_then(|i| i.parse().ok()).expect("index"),
    )
}

/// `dwp verify` of `payload` against the registry's bundle: (exit code, verdict).
fn verify(s: &Server, payload: &str) -> (i32, Value) {
    let bundle = s.dir.path().join("bundle.json");
    std::fs::write(&bundle, s.get("/v1/bundle", None).body).expect("bundle");
    let out = dwp(&["verify", "--bundle", &bundle.to_string_lossy(), "--json", payload]);
    let verdict = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("verdict ({e}): {}", stdout(&out)));
    (code(&out), verdict)
}

/// Every audit entry.
fn audit(s: &Server, auditor: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = s.get(&format!("/v1/audit?after={after}&limit=1000"), Some(auditor)).json();
        all.extend(page["entries"].as_array().expect("entries").iter().cloned());
        match page["next"].as_i64() {
            Some(n) => after = n,
            None => return all,
        }
    }
}

fn flow_binds_the_proven_key(engine: Engine) {
    let s = Server::start(engine);
    let (reg, officer, auditor) = (s.token("registrar", None), s.token("officer", None), s.token("auditor", None));
    let issued = s.issue(&reg, &sample_permit(1));
    let id = issued["id"].as_str().expect("id").to_string();
    let printed = issued["payload"].as_str().expect("payload").to_string();
    let (shard0, index0) =
        (issued["status"]["shard"].as_u64().expect("shard"), issued["status"]["index"].as_u64().expect("index"));
    assert_eq!(verify(&s, &printed).0, 0, "the printed permit verifies before binding");

    // The metadata the wallet reads.
    let meta = s.get("/.well-known/openid-credential-issuer", None).json();
    assert_eq!(meta["credential_issuer"], "https://registry.test");
    let config = &meta["credential_configurations_supported"]["DWP_WorkPermit_v1"];
    assert_eq!(config["format"], "ldp_vc");
    assert_eq!(config["credential_signing_alg_values_supported"], json!(["eddsa-jcs-2022"]));
    assert_eq!(config["cryptographic_binding_methods_supported"], json!(["did:key"]));
    assert_eq!(config["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"], json!(["EdDSA"]));
    let locales: Vec<&str> = config["credential_metadata"]["display"]
        .as_array()
        .expect("display")
        .iter()
        .filter_map(|d| d["locale"].as_str())
        .collect();
    assert_eq!(locales, ["th", "en", "my", "lo", "km"]);

    // An officer's offer: no personal data in it; its QR code holds the offer URI.
    let made = offer(&s, &officer, &id);
    let keys: Vec<&str> = made.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["credentialOfferUri", "expiresAt", "offerId", "permitId", "qrPng", "txCode"]);
    assert!(!made.to_string().contains("AUNG KYAW MIN") && !made.to_string().contains(&printed[..20]), "{made}");
    let tx_code = made["txCode"].as_str().expect("txCode");
    assert!(tx_code.len() == 6 && tx_code.bytes().all(|b| b.is_ascii_digit()), "{tx_code}");
    let uri = made["credentialOfferUri"].as_str().expect("uri");
    assert!(!uri.contains(tx_code), "the transaction code is never in the offer");
    let png = STANDARD.decode(made["qrPng"].as_str().expect("qrPng")).expect("base64");
    assert_eq!(dwp::scan::payload_from_image_bytes(&png).expect("the QR code reads"), uri);
    let expires = dwp_verifier::time::UnixTime::parse(made["expiresAt"].as_str().expect("expiresAt")).expect("time");
    assert!((expires.0 - now() - 900).abs() <= 5, "15 minutes");

    // The wallet's way through.
    let wallet = Wallet::new(&s, 41);
    let code = wallet.read_offer(uri);
    assert!(!uri.contains(&code), "the pre-authorized code is not in the offer URI");
    let r = wallet.token(&code, tx_code);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let access = r.json()["access_token"].as_str().expect("access_token").to_string();
    let nonce = wallet.nonce();
    let r = wallet.credential(&access, &wallet.proof(&nonce));
    assert_eq!(r.status, 200, "{}", r.body);
    let answer = r.json();
    let vc = &answer["credentials"][0]["credential"];
    assert_eq!(vc["credentialSubject"]["id"], wallet.did().as_str(), "bound to the wallet's key");
    assert_eq!(
        vc["credentialSubject"]["workPermit"]["permitNumber"],
        issued["credential"]["credentialSubject"]["workPermit"]["permitNumber"]
    );
    assert_eq!(vc["validUntil"], issued["credential"]["validUntil"]);
    assert_eq!(vc["credentialSubject"]["employer"], issued["credential"]["credentialSubject"]["employer"]);
    let bound = answer["dwp_payload"].as_str().expect("dwp_payload").to_string();
    let (exit, verdict) = verify(&s, &bound);
    assert_eq!(exit, 0, "dwp verify accepts the bound credential: {verdict}");
    assert_eq!(verdict["permit"]["holderKey"], wallet.did().as_str(), "{verdict}");
    let (shard1, index1) = status_of(vc);
    assert_ne!((shard1, index1), (shard0, index0), "a status index of its own");
    // The printed credential it replaces is revoked; the permit's row now holds the bound one.
    assert!(served_bit(&s, "revocation", shard0, index0), "the earlier credential is revoked");
    assert!(!served_bit(&s, "revocation", shard1, index1));
    assert_eq!(verify(&s, &printed).1["reason"], "revoked");
    let view = s.read(&format!("/v1/permits/{id}"), Some(&reg), "issuance").json();
    assert_eq!((view["state"].as_str(), view["status"]["index"].as_u64()), (Some("active"), Some(index1)), "{view}");
    // The access token is good for one credential.
    let again = wallet.credential(&access, &wallet.proof(&wallet.nonce()));
    assert_eq!((again.status, again.json()["error"].as_str()), (401, Some("invalid_token")), "{}", again.body);

    // A new phone: the same flow (a registrar's offer), and the first phone's credential is revoked.
    let phone2 = Wallet::new(&s, 42);
    let answer2 = phone2.bind(&reg, &id);
    let vc2 = &answer2["credentials"][0]["credential"];
    assert_eq!(vc2["credentialSubject"]["id"], phone2.did().as_str());
    let (shard2, index2) = status_of(vc2);
    assert!(served_bit(&s, "revocation", shard1, index1), "the first phone's credential is revoked");
    assert!(served_bit(&s, "revocation", shard0, index0), "and the printed one stays revoked");
    assert!(!served_bit(&s, "revocation", shard2, index2));
    let bound2 = answer2["dwp_payload"].as_str().expect("dwp_payload").to_string();
    assert_eq!(verify(&s, &bound).1["reason"], "revoked");
    assert_eq!(verify(&s, &bound2).0, 0);

    // The permit's life follows its live credential.
    assert_eq!(s.act(&reg, &id, "suspend", &json!({ "reason": "inspection" })).status, 200);
    assert!(served_bit(&s, "suspension", shard2, index2), "suspension acts on the live credential");
    assert_eq!(verify(&s, &bound2).1["reason"], "suspended");
    assert_eq!(s.act(&reg, &id, "reinstate", &json!({ "reason": "cleared" })).status, 200);
    let renewed = s.act(&reg, &id, "renew", &json!({ "reason": "renewal", "validUntil": "2030-11-23T23:59:59Z" }));
    assert_eq!(renewed.status, 201, "{}", renewed.body);
    assert!(served_bit(&s, "revocation", shard2, index2), "a renewal retires the live credential");
    let late = s.post(&format!("/v1/permits/{id}/offer"), Some(&reg), &json!({}));
    assert_eq!((late.status, late.code().as_str()), (409, "permit_superseded"));

    // The audit log has every step, no secret, and still checks.
    let entries = audit(&s, &auditor);
    let actions: Vec<&str> = entries.iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["credential.offer", "credential.redeem", "credential.bind"] {
        assert_eq!(actions.iter().filter(|x| **x == a).count(), 2, "{a}: {actions:?}");
    }
    let log = serde_json::to_string(&entries).expect("json");
    let secret = percent_decode(uri).rsplit('/').next().expect("secret").to_string();
    for (what, s) in
        [("offer secret", &secret), ("pre-authorized code", &code), ("access token", &access), ("nonce", &nonce)]
    {
        assert!(!log.contains(s.as_str()), "the {what} is in the audit log");
    }
    assert!(!log.contains(&format!("\"{tx_code}\"")), "the tx_code is in the audit log");
    let bind = entries.iter().find(|e| e["action"] == "credential.bind").expect("bind");
    assert_eq!(bind["detail"]["replaced"]["reason"], "rebound");
    assert_eq!(s.get("/v1/audit/verify", Some(&auditor)).json()["valid"], true);
    let logged = s.stderr();
    for (what, s) in
        [("offer secret", &secret), ("pre-authorized code", &code), ("access token", &access), ("nonce", &nonce)]
    {
        assert!(!logged.contains(s.as_str()), "the {what} is in the server's log");
    }
}

both_engines!(issuance_binds_the_proven_key, super::flow_binds_the_proven_key);

/// What a refusal must leave as it was: the permit as its registrar reads it, and the served status lists.
fn snapshot(s: &Server, reg: &str, id: &str) -> Value {
    let mut permit = s.read(&format!("/v1/permits/{id}"), Some(reg), "issuance").json();
    let shard = permit["status"]["shard"].as_u64().expect("shard");
    let lists: Vec<Value> = ["revocation", "suspension"]
        .iter()
        .map(|p| {
            let l = s.get(&format!("/status/{p}/{shard}"), None).json();
            json!([l["credentialSubject"]["statusSequence"], l["credentialSubject"]["encodedList"]])
        })
        .collect();
    permit["servedLists"] = Value::Array(lists);
    permit
}

/// Checks a refusal from the outside: its status and OAuth code, a description, nothing written but
/// one audit entry that names the error.
struct Refusals<'a> {
    s: &'a Server,
    reg: String,
    auditor: String,
    id: String,
}

impl Refusals<'_> {
    fn check(&self, what: &str, send: impl FnOnce() -> Resp, status: u16, error: &str) {
        let before = (snapshot(self.s, &self.reg, &self.id), audit(self.s, &self.auditor));
        let r = send();
        let body = r.json();
        assert_eq!((r.status, body["error"].as_str()), (status, Some(error)), "{what}: {}", r.body);
        assert!(body["error_description"].as_str().is_some_and(|d| !d.is_empty()), "{what}: no description");
        assert_eq!(r.header("content-type"), Some("application/json"), "{what}");
        if status == 401 {
            assert_eq!(r.header("www-authenticate"), Some("Bearer error=\"invalid_token\""), "{what}");
        }
        let after = (snapshot(self.s, &self.reg, &self.id), audit(self.s, &self.auditor));
        assert_eq!(after.0, before.0, "{what}: the permit or its status lists changed");
        assert_eq!(&after.1[..before.1.len()], &before.1[..], "{what}: the audit log was rewritten");
        // The snapshot's own reads of the permit are on the record too: leave them out.
        let added: Vec<&Value> = after.1[before.1.len()..].iter().filter(|e| e["action"] != "permit.read").collect();
        assert_eq!(added.len(), 1, "{what}: one audit entry, got {added:?}");
        assert_eq!(
            (added[0]["action"].as_str(), added[0]["detail"]["error"].as_str()),
            (Some("credential.refuse"), Some(error))
        );
    }
}

fn every_refusal_has_its_code_and_writes_nothing(engine: Engine) {
    let mut s = Server::start(engine);
    let reg = s.token("registrar", None);
    let auditor = s.token("auditor", None);
    let id = s.issue(&reg, &sample_permit(1))["id"].as_str().expect("id").to_string();
    let check = Refusals { s: &s, reg: reg.clone(), auditor: auditor.clone(), id: id.clone() };
    let wallet = Wallet::new(&s, 51);

    // The token endpoint (RFC 6749 §5.2).
    let a = offer(&s, &reg, &id);
    let (code_a, tx_a) =
        (wallet.read_offer(a["credentialOfferUri"].as_str().expect("uri")), a["txCode"].as_str().expect("tx"));
    let wrong_tx = if tx_a == "000000" { "000001" } else { "000000" };
    check.check(
        "another grant",
        || wallet.token_form(&format!("grant_type=password&pre-authorized_code={code_a}")),
        400,
        "unsupported_grant_type",
    );
    check.check(
        "not a form",
        || s.request("POST", &wallet.token_path, None, Some(("application/json", b"{}")), &[]),
        400,
        "invalid_request",
    );
    check.check(
        "no tx_code",
        || wallet.token_form(&format!("grant_type={}&pre-authorized_code={code_a}", GRANT.replace(':', "%3A"))),
        400,
        "invalid_request",
    );
    check.check("an unknown code", || wallet.token(&format!("{code_a}x"), tx_a), 400, "invalid_grant");
    check.check("a wrong tx_code", || wallet.token(&code_a, wrong_tx), 400, "invalid_grant");
    let r = wallet.token(&code_a, tx_a);
    assert_eq!(r.status, 200, "one wrong tx_code leaves four: {}", r.body);
    let access = r.json()["access_token"].as_str().expect("access_token").to_string();
    check.check("a used code", || wallet.token(&code_a, tx_a), 400, "invalid_grant");

    // The credential endpoint (OpenID4VCI §8.3.1.2): each proof fault on its own.
    let good = |nonce: &str| wallet.proof(nonce);
    let nonce = wallet.nonce();
    check.check("no access token", || wallet.credential_body(None, &json!({})), 401, "invalid_token");
    check.check(
        "an unknown access token",
        || wallet.credential(&format!("{access}x"), &good(&nonce)),
        401,
        "invalid_token",
    );
    check.check(
        "another configuration",
        || wallet.credential_body(Some(&access), &json!({ "credential_configuration_id": "Other", "proof": { "proof_type": "jwt", "jwt": good(&nonce) } })),
        400,
        "unknown_credential_configuration",
    );
    check.check(
        "no proof",
        || wallet.credential_body(Some(&access), &json!({ "credential_configuration_id": "DWP_WorkPermit_v1" })),
        400,
        "invalid_proof",
    );
    let with_claims = |f: &dyn Fn(&mut Value)| {
        let mut c = wallet.claims(&nonce);
        f(&mut c);
        wallet.jwt_with(&wallet.key, wallet.header(), c)
    };
    check.check(
        "a wrong aud",
        || wallet.credential(&access, &with_claims(&|c| c["aud"] = json!("https://elsewhere.test"))),
        400,
        "invalid_proof",
    );
    check.check(
        "an old iat",
        || wallet.credential(&access, &with_claims(&|c| c["iat"] = json!(now() - 400))),
        400,
        "invalid_proof",
    );
    check.check(
        "a future iat",
        || wallet.credential(&access, &with_claims(&|c| c["iat"] = json!(now() + 400))),
        400,
        "invalid_proof",
    );
    check.check("an unknown nonce", || wallet.credential(&access, &good("not-a-nonce")), 400, "invalid_nonce");
    let other = SigningKey::from_bytes(&[52; 32]);
    check.check(
        "a bad signature",
        || wallet.credential(&access, &wallet.jwt_with(&other, wallet.header(), wallet.claims(&nonce))),
        400,
        "invalid_proof",
    );
    let mut weak = wallet.header();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    weak["jwk"]["x"] = json!(URL_SAFE_NO_PAD.encode(identity));
    let claims = wallet.claims(&nonce);
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(weak.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut forged = [0u8; 64];
    forged[0] = 1;
    let low_order = format!("{input}.{}", URL_SAFE_NO_PAD.encode(forged));
    check.check("a low-order key", || wallet.credential(&access, &low_order), 400, "invalid_proof");
    let mut typ = wallet.header();
    typ["typ"] = json!("JWT");
    check.check(
        "another typ",
        || wallet.credential(&access, &wallet.jwt_with(&wallet.key, typ, wallet.claims(&nonce))),
        400,
        "invalid_proof",
    );

    // An expired nonce is refused.
    let stale = wallet.nonce();
    let stale_hash: String = {
        use sha2::Digest as _;
        sha2::Sha256::digest(stale.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    };
    s.sql(&[&format!("UPDATE credential_nonces SET expires_at = 1 WHERE nonce_hash = '{stale_hash}'")]);
    check.check("an expired nonce", || wallet.credential(&access, &good(&stale)), 400, "invalid_nonce");

    // The same nonce then works, by `kid`, in the `proofs` form of OpenID4VCI 1.0; once used, it is refused.
    let did = wallet.did();
    let kid =
        json!({ "typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": format!("{did}#{}", &did["did:key:".len()..]) });
    let jwt = wallet.jwt_with(&wallet.key, kid.clone(), wallet.claims(&nonce));
    check.check(
        "two proofs",
        || {
            let body = json!({ "credential_configuration_id": "DWP_WorkPermit_v1", "proofs": { "jwt": [jwt, jwt] } });
            wallet.credential_body(Some(&access), &body)
        },
        400,
        "invalid_proof",
    );
    let body = json!({ "credential_configuration_id": "DWP_WorkPermit_v1", "proofs": { "jwt": [jwt] } });
    let r = wallet.credential_body(Some(&access), &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["credentials"][0]["credential"]["credentialSubject"]["id"], did.as_str());
    let c = offer(&s, &reg, &id);
    let code_c = wallet.read_offer(c["credentialOfferUri"].as_str().expect("uri"));
    let access_c = wallet.token(&code_c, c["txCode"].as_str().expect("tx")).json()["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    check.check("a replayed nonce", || wallet.credential(&access_c, &good(&nonce)), 400, "invalid_nonce");

    // An expired offer: its URI and its code are refused.
    let e = offer(&s, &reg, &id);
    let uri_e = e["credentialOfferUri"].as_str().expect("uri").to_string();
    let code_e = wallet.read_offer(&uri_e);
    s.sql(&[&format!(
        "UPDATE credential_offers SET expires_at = 1 WHERE id = '{}'",
        e["offerId"].as_str().expect("id")
    )]);
    let by_ref = percent_decode(uri_e.split_once('=').expect("uri").1);
    assert_eq!(s.get(&path_of(&by_ref, &wallet.issuer), None).status, 404, "an expired offer is not served");
    check.check("an expired offer", || wallet.token(&code_e, e["txCode"].as_str().expect("tx")), 400, "invalid_grant");

    // Five wrong tx_codes end an offer, across a restart; the right code is then refused too.
    let x = offer(&s, &reg, &id);
    let (code_x, tx_x) = (
        wallet.read_offer(x["credentialOfferUri"].as_str().expect("uri")),
        x["txCode"].as_str().expect("tx").to_string(),
    );
    let wrong_x = if tx_x == "000000" { "000001" } else { "000000" };
    for _ in 0..2 {
        check.check("a wrong tx_code", || wallet.token(&code_x, wrong_x), 400, "invalid_grant");
    }
    drop((check, wallet));
    s.restart();
    let check = Refusals { s: &s, reg: reg.clone(), auditor: auditor.clone(), id: id.clone() };
    let wallet = Wallet::new(&s, 51);
    for n in 3..=5 {
        let r = wallet.token(&code_x, wrong_x);
        assert_eq!(r.status, 400, "{}", r.body);
        let last = r.json()["error_description"].as_str().expect("description").contains("last attempt");
        assert_eq!(last, n == 5, "attempt {n} after a restart: {}", r.body);
    }
    check.check("an exhausted offer", || wallet.token(&code_x, &tx_x), 400, "invalid_grant");

    // A permit suspended between the token and the credential is not bound.
    let z = offer(&s, &reg, &id);
    let code_z = wallet.read_offer(z["credentialOfferUri"].as_str().expect("uri"));
    let r = wallet.token(&code_z, z["txCode"].as_str().expect("tx"));
    let access_z = r.json()["access_token"].as_str().expect("access_token").to_string();
    assert_eq!(s.act(&reg, &id, "suspend", &json!({ "reason": "inspection" })).status, 200);
    let nonce = wallet.nonce();
    check.check(
        "a suspended permit",
        || wallet.credential(&access_z, &wallet.proof(&nonce)),
        400,
        "credential_request_denied",
    );
    let late = s.post(&format!("/v1/permits/{id}/offer"), Some(&reg), &json!({}));
    assert_eq!((late.status, late.code().as_str()), (409, "permit_suspended"));
    assert_eq!(s.get("/v1/audit/verify", Some(&auditor)).json()["valid"], true);
}

both_engines!(refusals, super::every_refusal_has_its_code_and_writes_nothing);
