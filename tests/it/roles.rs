//! The whole role × endpoint matrix: every cell that must be refused is
//! refused (401, 403, or 404 for scoped callers), and no refusal leaks data.
//! Driven in process (the router, no socket), on both engines.

use serde_json::{Value, json};

use crate::both_engines;
use crate::inproc::InProc;
use crate::server::Registry;
use crate::server::{Engine, sample_permit};

const OWN_EMPLOYER: &str = "0215559001234";
const OTHER_EMPLOYER: &str = "0105536012346";

/// Words of the worker's personal data that no refusal may contain.
const PERSONAL: [&str; 4] = ["AUNG", "MH1234567", "1994-03-12", "DWP1:"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    BadToken,
    Admin,
    Registrar,
    Officer,
    OwnEmployer,
    OtherEmployer,
    OwnPartner,
    OtherPartner,
    Inspector,
    Auditor,
}

use Who::*;
const EVERYONE: [Who; 11] = [
    Anonymous,
    BadToken,
    Admin,
    Registrar,
    Officer,
    OwnEmployer,
    OtherEmployer,
    OwnPartner,
    OtherPartner,
    Inspector,
    Auditor,
];

fn matrix(engine: Engine) {
    let s = InProc::on(engine);
    let tokens: Vec<(Who, Option<String>)> = EVERYONE
        .iter()
        .map(|w| {
            let t = match w {
                Anonymous => None,
                BadToken => Some("dwp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".to_string()),
                Admin => Some(s.admin.clone()),
                Registrar => Some(s.token("registrar", None)),
                Officer => Some(s.token("officer", None)),
                OwnEmployer => Some(s.token("employer", Some(OWN_EMPLOYER))),
                OtherEmployer => Some(s.token("employer", Some(OTHER_EMPLOYER))),
                OwnPartner => Some(s.token("partner", Some("ESIE"))),
                OtherPartner => Some(s.token("partner", Some("AMATA,LCB"))),
                Inspector => Some(s.token("inspector", None)),
                Auditor => Some(s.token("auditor", None)),
            };
            (*w, t)
        })
        .collect();
    let token = |w: Who| tokens.iter().find(|(x, _)| *x == w).and_then(|(_, t)| t.clone());
    let reg = token(Registrar).expect("registrar");
    let permit = s.issue(&reg, &sample_permit(1));
    let id = permit["id"].as_str().expect("id").to_string();
    let app = s.post("/v1/applications", token(Officer).as_deref(), &sample_permit(2)).json();
    let app_id = app["id"].as_str().expect("application id").to_string();

    let reason = json!({ "reason": "matrix" });
    let renew = json!({ "reason": "matrix", "validUntil": "2030-01-01T00:00:00Z" });
    let move_ = json!({ "reason": "matrix", "validUntil": "2030-01-01T00:00:00Z", "employer": { "juristicId": OTHER_EMPLOYER, "name": "X Co., Ltd." } });
    // (method, path, body, who may call it). Mutations are checked for refusals only: the
    // registrar's successes are proved by the lifecycle tests, and here must not change the permit.
    let mutations: Vec<(String, Value, &[Who])> = vec![
        ("/v1/permits".into(), sample_permit(3), &[Registrar]),
        (format!("/v1/permits/{id}/suspend"), reason.clone(), &[Registrar]),
        (format!("/v1/permits/{id}/reinstate"), reason.clone(), &[Registrar]),
        (format!("/v1/permits/{id}/revoke"), reason.clone(), &[Registrar]),
        (format!("/v1/permits/{id}/renew"), renew, &[Registrar]),
        (format!("/v1/permits/{id}/change-employer"), move_, &[Registrar]),
        ("/v1/applications".into(), sample_permit(4), &[OwnEmployer, Officer, Registrar]),
        (format!("/v1/applications/{app_id}/approve"), json!({}), &[Registrar]),
        (format!("/v1/applications/{app_id}/reject"), json!({}), &[Registrar]),
        (format!("/v1/applications/{app_id}/review"), json!({}), &[Registrar]),
        (format!("/v1/applications/{app_id}/request-info"), reason.clone(), &[Registrar]),
        (format!("/v1/applications/{app_id}/identity"), json!({}), &[Officer]),
        ("/v1/payments/reconcile".into(), json!({ "date": "2026-12-01" }), &[Admin, Registrar]),
        ("/v1/tokens".into(), json!({ "role": "registrar" }), &[Admin]),
    ];
    let reads: Vec<(String, &[Who])> = vec![
        ("/v1/permits".into(), &[Registrar, Auditor, OwnEmployer, OtherEmployer]),
        (format!("/v1/permits/{id}"), &[Registrar, Auditor, OwnEmployer, OwnPartner]),
        (format!("/v1/permits/{id}/qr.png"), &[Registrar, Auditor, OwnEmployer, OwnPartner]),
        (format!("/v1/applications/{app_id}"), &[Officer, Registrar, OwnEmployer]),
        (format!("/v1/applications/{app_id}/fee.svg"), &[Officer, Registrar, OwnEmployer]),
        ("/v1/applications".into(), &[Officer, Registrar, OwnEmployer, OtherEmployer]),
        ("/v1/payments/queue".into(), &[Admin, Registrar, Auditor]),
        (format!("/v1/permits/{id}/access-log"), &[Registrar, Auditor]),
        ("/v1/audit".into(), &[Auditor]),
        ("/v1/audit/verify".into(), &[Auditor]),
        ("/v1/bundle".into(), &EVERYONE),
        ("/status/revocation/1".into(), &EVERYONE),
        ("/status/suspension/1".into(), &EVERYONE),
        ("/.well-known/did.json".into(), &EVERYONE),
        ("/trust-list".into(), &EVERYONE),
        ("/contexts/dwp/v1".into(), &EVERYONE),
        ("/openapi.json".into(), &EVERYONE),
        ("/healthz".into(), &EVERYONE),
    ];
    let refused = |who: Who, what: &str, r: &crate::server::Resp| {
        let expected: &[u16] = match who {
            Anonymous | BadToken => &[401],
            OtherEmployer | OtherPartner if what.starts_with("GET /v1/permits/") && !what.ends_with("/access-log") => {
                &[404]
            }
            // Another employer's application is none that employer can see.
            OtherEmployer if what.starts_with("GET /v1/applications/") => &[404],
            _ => &[403],
        };
        assert!(expected.contains(&r.status), "{who:?} {what}: expected {expected:?}, got {} {}", r.status, r.body);
        for word in PERSONAL {
            assert!(!r.body.contains(word), "{who:?} {what}: the refusal leaks {word:?}");
        }
    };
    let mut cells = 0;
    // Each reader states the purpose its role reads for (a refused cell is refused before it matters).
    let purpose = |who: Who| match who {
        Auditor => "audit",
        OwnEmployer | OtherEmployer => "employment-check",
        OwnPartner | OtherPartner => "stay-extension",
        _ => "issuance",
    };
    for (path, allowed) in &reads {
        for (who, t) in &tokens {
            let r = s.read(path, t.as_deref(), purpose(*who));
            let what = format!("GET {path}");
            if allowed.contains(who) {
                assert_eq!(r.status, 200, "{who:?} {what}: {}", r.body);
            } else {
                refused(*who, &what, &r);
            }
            cells += 1;
        }
    }
    for (path, body, allowed) in &mutations {
        for (who, t) in &tokens {
            if allowed.contains(who) {
                continue;
            }
            refused(*who, &format!("POST {path}"), &s.post(path, t.as_deref(), body));
            cells += 1;
        }
    }
    assert!(cells > 200, "{cells} cells checked");
    // Nothing the refused calls asked for happened.
    let view = s.read(&format!("/v1/permits/{id}"), Some(&reg), "issuance").json();
    assert_eq!(view["state"], "active");
    assert_eq!(view["history"].as_array().map(Vec::len), Some(1));
    assert_eq!(s.get("/v1/permits", Some(&reg)).json()["permits"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        s.read(&format!("/v1/applications/{app_id}"), Some(&reg), "application-review").json()["state"],
        "fee_pending"
    );
    // What each reader sees: an employer or partner gets the permit of its own worker.
    let seen = s.read(&format!("/v1/permits/{id}"), token(OwnEmployer).as_deref(), "employment-check").json();
    assert_eq!(seen["permit"]["worker"]["name"], "AUNG KYAW MIN");
}
both_engines!(role_matrix, super::matrix);
