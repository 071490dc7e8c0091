//! `/openapi.json` against the registry's real answers. The document is read
//! from a running registry; every operation it lists is then called for real,
//! with a success and its refusals (no token, a wrong role, an unknown id, a bad
//! body…), and every answer is validated with a JSON Schema validator against
//! the schema the document gives for that operation, status and media type.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::server::Registry;
use crate::server::{Engine, Opts, Resp, Server, sample_permit};

const OWN_EMPLOYER: &str = "0215559001234";
const OTHER_EMPLOYER: &str = "0105536012346";
/// The roles a token can have.
const ROLES: [&str; 7] = ["admin", "registrar", "officer", "employer", "partner", "inspector", "auditor"];

/// An operation: method (lower case, as in the document) and path template.
type Op = (String, String);

/// The document, and what was checked against it.
struct Api {
    doc: Value,
    validators: RefCell<BTreeMap<String, jsonschema::Validator>>,
    /// Each operation's statuses seen, and validated.
    seen: RefCell<BTreeMap<Op, BTreeSet<u16>>>,
    validated: Cell<usize>,
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media == "application/vc" || media.ends_with("+json")
}

impl Api {
    fn new(doc: Value) -> Api {
        Api { doc, validators: RefCell::default(), seen: RefCell::default(), validated: Cell::new(0) }
    }

    fn operations(&self) -> Vec<(Op, &Value)> {
        let paths = self.doc["paths"].as_object().expect("paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                item.as_object().expect("path item").iter().map(|(m, op)| ((m.clone(), path.clone()), op))
            })
            .collect()
    }

    fn operation(&self, method: &str, template: &str) -> &Value {
        let op = &self.doc["paths"][template][method.to_lowercase()];
        assert!(op.is_object(), "{method} {template} is not in the document");
        op
    }

    fn roles(&self, method: &str, template: &str) -> Vec<String> {
        let roles = self.operation(method, template)["x-roles"].as_array().cloned().unwrap_or_default();
        roles.iter().map(|r| r.as_str().expect("a role name").to_string()).collect()
    }

    /// Validates one real answer against the document.
    fn check(&self, method: &str, template: &str, r: &Resp) {
        let what = format!("{method} {template} → {}", r.status);
        let op = self.operation(method, template);
        let response = &op["responses"][r.status.to_string()];
        assert!(response.is_object(), "{what}: the document lists no such answer; the body is {}", r.body);
        let media = r.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_string();
        match response.get("content") {
            None => assert!(r.body.is_empty(), "{what}: a body the document does not list: {}", r.body),
            Some(content) => {
                let schema = &content[&media]["schema"];
                assert!(schema.is_object(), "{what}: media type {media:?} is not documented ({content})");
                if is_json(&media) {
                    let body: Value =
                        serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", r.body));
                    let key = format!("{what} {media}");
                    let mut validators = self.validators.borrow_mut();
                    let validator = validators.entry(key).or_insert_with(|| {
                        // The operation's schema as the root, beside the document's components, so
                        // that its `#/components/schemas/...` references resolve.
                        let mut root = schema.clone();
                        root["components"] = self.doc["components"].clone();
                        jsonschema::options()
                            .with_draft(jsonschema::Draft::Draft202012)
                            .build(&root)
                            .unwrap_or_else(|e| panic!("{what}: the schema does not compile: {e}"))
                    });
                    let errors: Vec<String> =
                        validator.iter_errors(&body).map(|e| format!("{e} at {}", e.instance_path())).collect();
                    assert!(
                        errors.is_empty(),
                        "{what}: the answer does not match the document: {errors:#?}\n{}",
                        r.body
                    );
                } else {
                    assert_eq!(schema["contentMediaType"], media.as_str(), "{what}");
                    if media == "image/png" {
                        assert!(r.body.get(1..4) == Some("PNG") || r.body.contains("PNG"), "{what}: not a PNG");
                    }
                }
            }
        }
        if r.status == 503 && ["storage_unavailable", "clock_behind"].contains(&r.code().as_str()) {
            assert!(r.header("retry-after").is_some(), "{what}: no Retry-After");
            assert!(response["headers"]["Retry-After"].is_object(), "{what}: Retry-After is not documented");
        }
        self.validated.set(self.validated.get() + 1);
        self.seen.borrow_mut().entry((method.to_lowercase(), template.to_string())).or_default().insert(r.status);
    }
}

/// The document's own promises: a body schema for every POST, a parameter for every
/// `{x}` of a path, a schema for every answer with a body, roles for every secured operation.
fn check_document(api: &Api) {
    assert_eq!(api.doc["openapi"], "3.1.0");
    assert_eq!(api.doc["components"]["securitySchemes"]["bearer"], json!({ "type": "http", "scheme": "bearer" }));
    for problem in ["type", "title", "titleTh", "status", "code", "detail", "field"] {
        assert!(api.doc["components"]["schemas"]["Problem"]["properties"][problem].is_object(), "Problem.{problem}");
    }
    let mut ids = BTreeSet::new();
    for ((method, path), op) in api.operations() {
        let what = format!("{method} {path}");
        assert!(ids.insert(op["operationId"].as_str().expect("operationId").to_string()), "{what}: operationId twice");
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{what}: summary");
        // Every POST takes a described body (JSON, a form, a document), but the OpenID4VCI nonce request.
        if method == "post" && path != "/oid4vci/nonce" {
            let content = op["requestBody"]["content"].as_object().cloned().unwrap_or_default();
            assert!(content.values().any(|b| b["schema"].is_object()), "{what}: no request body schema");
        }
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        for name in path.split('/').filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
            let param = params.iter().find(|p| p["in"] == "path" && p["name"] == name);
            let param = param.unwrap_or_else(|| panic!("{what}: no path parameter {name}"));
            assert_eq!(param["required"], true, "{what}: {name}");
            assert!(param["schema"].is_object(), "{what}: {name} has no schema");
        }
        let responses = op["responses"].as_object().expect("responses");
        assert!(responses.keys().any(|s| s.starts_with('2')), "{what}: no success");
        for (status, response) in responses {
            if status == "304" {
                continue;
            }
            let content = response["content"].as_object();
            let schemas = content.into_iter().flatten().filter(|(_, media)| media["schema"].is_object()).count();
            assert!(schemas > 0, "{what} {status}: no response schema");
        }
        let secured = op["security"] == json!([{ "bearer": [] }]);
        let roles = api.roles(&method, &path);
        assert_eq!(secured, !roles.is_empty(), "{what}: security and x-roles disagree");
        if secured {
            for status in ["401", "403"] {
                assert!(responses.contains_key(status), "{what}: a secured operation without {status}");
            }
        }
        if method == "post" || method == "delete" {
            let header = &responses.get("503").unwrap_or_else(|| panic!("{what}: a write without 503"))["headers"];
            assert!(header["Retry-After"].is_object(), "{what}: 503 without Retry-After");
        }
    }
}

/// A registry, its tokens by role, and the document to hold it to.
struct Run<'a> {
    s: &'a Server,
    api: &'a Api,
    tokens: BTreeMap<&'static str, String>,
}

impl Run<'_> {
    fn send(
        &self,
        method: &str,
        template: &str,
        path: &str,
        who: Option<&str>,
        body: Option<(&str, &[u8])>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let token = who.map(|w| self.tokens.get(w).map(String::as_str).unwrap_or(w));
        let r = self.s.request(method, path, token, body, headers);
        if (200..300).contains(&r.status)
            && let Some(role) = who.filter(|w| self.tokens.contains_key(w))
        {
            let roles = self.api.roles(method, template);
            assert!(roles.is_empty() || roles.iter().any(|r| r == role), "{method} {path}: {role} is not in x-roles");
        }
        self.api.check(method, template, &r);
        r
    }

    /// A GET; a read of a worker's data states the purpose of the reader's role.
    fn get(&self, template: &str, path: &str, who: Option<&str>) -> Resp {
        let reads_data = [
            "/v1/permits/{id}",
            "/v1/permits/{id}/qr.png",
            "/v1/applications/{id}",
            "/v1/applications/{id}/documents/{n}",
        ]
        .contains(&template);
        let purpose = match who {
            Some("auditor") => "audit",
            Some("employer") => "employment-check",
            Some("partner") => "stay-extension",
            Some("registrar") if template.starts_with("/v1/applications/") => "application-review",
            _ => "issuance",
        };
        let headers: &[(&str, &str)] = if reads_data { &[("dwp-purpose", purpose)] } else { &[] };
        self.send("GET", template, path, who, None, headers)
    }

    fn post(&self, template: &str, path: &str, who: Option<&str>, body: &Value) -> Resp {
        self.send("POST", template, path, who, Some(("application/json", body.to_string().as_bytes())), &[])
    }

    /// Expects a status (and a problem code, for refusals).
    fn expect(&self, r: &Resp, status: u16, code: &str) -> Value {
        assert_eq!((r.status, r.code().as_str()), (status, code), "{}", r.body);
        r.json()
    }
}

fn new_token(run: &mut Run<'_>, role: &'static str, scope: Option<&str>) {
    let r = run.post("/v1/tokens", "/v1/tokens", Some("admin"), &json!({ "role": role, "scope": scope }));
    let token = run.expect(&r, 201, "")["token"].as_str().expect("token").to_string();
    run.tokens.insert(role, token);
}

/// Calls every operation of the document on one registry.
fn scenario(s: &Server, api: &Api, bank: &crate::banksim::BankSim) {
    let mut run = Run { s, api, tokens: BTreeMap::from([("admin", s.admin.clone())]) };
    // Tokens.
    for (role, scope) in [
        ("registrar", None),
        ("officer", None),
        ("auditor", None),
        ("inspector", None),
        ("employer", Some(OWN_EMPLOYER)),
        ("partner", Some("ESIE")),
    ] {
        new_token(&mut run, role, scope);
    }
    let run = run;
    let t = "/v1/tokens";
    let admin = Some("admin");
    run.expect(&run.post(t, t, admin, &json!({ "role": "wizard" })), 422, "invalid_scope");
    run.expect(&run.post(t, t, admin, &json!({ "role": "employer" })), 422, "invalid_scope");
    run.expect(&run.post(t, t, admin, &json!({ "role": "auditor", "expiresInDays": 0 })), 422, "invalid_field");
    run.expect(&run.post(t, t, admin, &json!({ "role": 1 })), 422, "invalid_field");
    run.expect(&run.send("POST", t, t, admin, Some(("text/plain", b"{}")), &[]), 415, "unsupported_media_type");
    run.expect(&run.send("POST", t, t, admin, Some(("application/json", b"{")), &[]), 400, "malformed_json");
    let spare = run.expect(&run.post(t, t, admin, &json!({ "role": "inspector", "label": "spare" })), 201, "");
    let spare = format!("/v1/tokens/{}", spare["id"].as_str().expect("id"));
    let listed = run.expect(&run.get(t, t, admin), 200, "");
    assert!(listed["tokens"].as_array().is_some_and(|l| l.len() >= 8));
    let tid = "/v1/tokens/{id}";
    run.expect(
        &run.send("DELETE", tid, &spare, admin, None, &[("idempotency-key", "")]),
        400,
        "invalid_idempotency_key",
    );
    run.expect(&run.send("DELETE", tid, &spare, admin, None, &[]), 200, "");
    run.expect(&run.send("DELETE", tid, &spare, admin, None, &[]), 404, "token_not_found");

    // Permits.
    let reg = Some("registrar");
    let p = "/v1/permits";
    let issued = run.expect(&run.post(p, p, reg, &sample_permit(1)), 201, "");
    let id = |v: &Value| v["id"].as_str().expect("id").to_string();
    let p1 = id(&issued);
    let shard = issued["status"]["shard"].as_u64().expect("shard");
    let p2 = id(&run.expect(&run.post(p, p, reg, &sample_permit(2)), 201, ""));
    let p3 = id(&run.expect(&run.post(p, p, reg, &sample_permit(3)), 201, ""));
    run.expect(&run.post(p, p, reg, &sample_permit(1)), 409, "permit_number_in_use");
    let mut bad = sample_permit(4);
    bad["employer"]["juristicId"] = json!("0215559001235");
    run.expect(&run.post(p, p, reg, &bad), 422, "invalid_permit");
    let mut unknown = sample_permit(4);
    unknown["salary"] = json!(1);
    run.expect(&run.post(p, p, reg, &unknown), 422, "invalid_field");
    let keyed = |n: usize| {
        let body = sample_permit(n).to_string();
        run.send("POST", p, p, reg, Some(("application/json", body.as_bytes())), &[("idempotency-key", "k-1")])
    };
    run.expect(&keyed(5), 201, "");
    run.expect(&keyed(6), 422, "idempotency_key_reused");
    let big = vec![b' '; 64 * 1024 + 1];
    let r =
        s.request_alone("POST", p, run.tokens.get("registrar").map(String::as_str), Some(("application/json", &big)));
    api.check("POST", p, &r);
    run.expect(&r, 413, "body_too_large");
    let page = run.expect(&run.get(p, "/v1/permits?limit=1", reg), 200, "");
    assert!(page["next"].is_string(), "a full page names the next");
    run.expect(&run.get(p, "/v1/permits", Some("auditor")), 200, "");
    run.expect(&run.get(p, "/v1/permits?limit=many", reg), 400, "invalid_query");

    let pid = "/v1/permits/{id}";
    for who in ["registrar", "auditor", "employer", "partner"] {
        run.expect(&run.get(pid, &format!("/v1/permits/{p1}"), Some(who)), 200, "");
    }
    run.expect(&run.get(pid, "/v1/permits/wp_none", reg), 404, "not_found");
    // A read of a worker's data states why, and only a purpose of the reader's role.
    let p1_path = format!("/v1/permits/{p1}");
    run.expect(&run.send("GET", pid, &p1_path, reg, None, &[]), 400, "purpose_required");
    run.expect(&run.send("GET", pid, &p1_path, reg, None, &[("dwp-purpose", "curiosity")]), 400, "invalid_purpose");
    run.expect(&run.send("GET", pid, &p1_path, reg, None, &[("dwp-purpose", "audit")]), 403, "purpose_not_allowed");
    let log = "/v1/permits/{id}/access-log";
    let reads = run.expect(&run.get(log, &format!("/v1/permits/{p1}/access-log"), Some("auditor")), 200, "");
    let roles: Vec<&str> =
        reads["reads"].as_array().expect("reads").iter().filter_map(|r| r["role"].as_str()).collect();
    assert!(roles.contains(&"registrar") && roles.contains(&"auditor"), "the reads so far: {reads}");
    run.expect(&run.get(log, "/v1/permits/wp_none/access-log", Some("auditor")), 404, "not_found");
    let qr = "/v1/permits/{id}/qr.png";
    run.expect(&run.get(qr, &format!("/v1/permits/{p1}/qr.png"), reg), 200, "");
    run.expect(&run.get(qr, "/v1/permits/wp_none/qr.png", reg), 404, "not_found");

    let on = |permit: &str, action: &str, body: Value| {
        run.post(&format!("/v1/permits/{{id}}/{action}"), &format!("/v1/permits/{permit}/{action}"), reg, &body)
    };
    let reason = || json!({ "reason": "a test of the description" });
    run.expect(&on(&p1, "suspend", reason()), 200, "");
    run.expect(&on(&p1, "suspend", reason()), 409, "already_suspended");
    run.expect(
        &on(&p1, "renew", json!({ "reason": "x", "validUntil": "2030-01-01T00:00:00Z" })),
        409,
        "permit_suspended",
    );
    run.expect(&on(&p1, "reinstate", reason()), 200, "");
    run.expect(&on(&p1, "reinstate", reason()), 409, "not_suspended");
    run.expect(
        &on(&p1, "renew", json!({ "reason": "x", "validUntil": "2001-01-01T00:00:00Z" })),
        422,
        "invalid_permit",
    );
    let renewed =
        run.expect(&on(&p1, "renew", json!({ "reason": "x", "validUntil": "2030-01-01T00:00:00Z" })), 201, "");
    let p1b = id(&renewed["successor"]);
    run.expect(&on(&p1, "suspend", reason()), 409, "permit_superseded");
    let moved = json!({
        "reason": "a new employer",
        "validUntil": "2030-01-01T00:00:00Z",
        "employer": { "juristicId": OTHER_EMPLOYER, "name": "X Co., Ltd." },
    });
    run.expect(&on(&p1b, "change-employer", moved), 201, "");
    let ended = run.expect(&run.get(pid, &format!("/v1/permits/{p1b}"), Some("employer")), 200, "");
    assert_eq!(ended["state"], "ended", "the former employer reads only that it ended");
    run.expect(&on(&p2, "revoke", reason()), 200, "");
    run.expect(&on(&p2, "revoke", reason()), 409, "permit_revoked");
    run.expect(&on(&p3, "suspend", json!({})), 422, "invalid_field");
    run.expect(
        &on(&p3, "suspend", json!({ "reason": "x", "validUntil": "2030-01-01T00:00:00Z" })),
        422,
        "invalid_field",
    );
    // Not an operation: the router's fallback.
    let registrar = run.tokens.get("registrar").map(String::as_str);
    run.expect(&s.post(&format!("/v1/permits/{p3}/explode"), registrar, &reason()), 404, "not_found");
    run.expect(&on("wp_none", "revoke", reason()), 404, "not_found");

    // Applications: submitted, paid through the bank, checked, decided; and the public tracking.
    let a = "/v1/applications";
    let (officer, employer) = (Some("officer"), Some("employer"));
    let sub1 = run.expect(&run.post(a, a, employer, &sample_permit(11)), 201, "");
    let sub2 = run.expect(&run.post(a, a, reg, &sample_permit(12)), 201, "");
    let sub3 = run.expect(&run.post(a, a, officer, &sample_permit(3)), 201, "");
    let sub4 = run.expect(&run.post(a, a, officer, &sample_permit(13)), 201, "");
    let (a1, a2, a3, a4) = (id(&sub1), id(&sub2), id(&sub3), id(&sub4));
    run.expect(&run.post(a, a, officer, &bad), 422, "invalid_permit");
    run.expect(&run.get(a, "/v1/applications?state=fee_pending", officer), 200, "");
    run.expect(&run.get(a, "/v1/applications?state=nope", officer), 400, "invalid_query");
    let aid = "/v1/applications/{id}";
    run.expect(&run.get(aid, &format!("/v1/applications/{a1}"), officer), 200, "");
    run.expect(&run.get(aid, "/v1/applications/DWP25690009999", officer), 404, "not_found");
    let (png, svg) = ("/v1/applications/{id}/fee.png", "/v1/applications/{id}/fee.svg");
    run.expect(&run.get(png, &format!("/v1/applications/{a1}/fee.png"), employer), 200, "");
    run.expect(&run.get(svg, &format!("/v1/applications/{a1}/fee.svg"), officer), 200, "");
    run.expect(&run.get(svg, "/v1/applications/DWP25690009999/fee.svg", officer), 404, "not_found");
    let tr = "/v1/track";
    run.expect(&run.post(tr, tr, None, &json!({ "number": a1, "birthDate": "1994-03-12" })), 200, "");
    run.expect(&run.post(tr, tr, None, &json!({ "number": a1, "birthDate": "1994-03-13" })), 404, "not_found");
    run.expect(&run.post(tr, tr, None, &json!({ "number": "x", "birthDate": "1994-03-12" })), 422, "invalid_field");
    let step = |app: &str, verb: &str, who: Option<&str>, body: Value| {
        run.post(&format!("/v1/applications/{{id}}/{verb}"), &format!("/v1/applications/{app}/{verb}"), who, &body)
    };
    let verb = |app: &str, verb: &str, body: Value| step(app, verb, reg, body);
    run.expect(&step(&a4, "withdraw", officer, json!({})), 200, "");
    run.expect(&step(&a4, "withdraw", officer, json!({})), 409, "application_closed");
    run.expect(&verb(&a1, "review", json!({})), 409, "fee_not_paid");
    run.expect(&run.get(png, &format!("/v1/applications/{a4}/fee.png"), officer), 409, "fee_already_paid");

    // The bank pays three fees; its callbacks are confirmed by the registry's inquiry.
    for sub in [&sub1, &sub2, &sub3] {
        let (status, paid) = bank.pay(&json!({ "qr": sub["fee"]["qr"], "payerBank": "014" }));
        assert_eq!(status, 200, "{paid}");
    }
    for app in [&a1, &a2, &a3] {
        crate::journey::wait_for(s, &run.tokens["officer"], app, "fee_paid");
    }
    let cb = "/v1/payments/bank-callback";
    let forged = json!({ "transactionId": "FORGED000001", "amount": "6100.00",
        "transactionDateTime": "2026-12-02T09:15:00+07:00", "billerId": "099400000000000",
        "reference1": a4, "reference2": "0215559001234", "payerBank": "014" });
    let answered = run.expect(&run.post(cb, cb, None, &forged), 200, "");
    assert_eq!(answered["outcome"], "inquiry_denied", "the bank does not know it: {answered}");
    run.expect(&run.post(cb, cb, None, &json!({ "transactionId": "../x" })), 422, "invalid_field");
    let q = "/v1/payments/queue";
    let queued = run.expect(&run.get(q, q, reg), 200, "");
    assert_eq!(queued["payments"].as_array().map(Vec::len), Some(1), "{queued}");
    run.expect(&run.get(q, "/v1/payments/queue?all=maybe", reg), 400, "invalid_query");
    let rc = "/v1/payments/reconcile";
    let today = &sub1["submittedAt"].as_str().expect("submittedAt")[..10];
    run.expect(&run.post(rc, rc, reg, &json!({ "date": today })), 200, "");
    run.expect(&run.post(rc, rc, reg, &json!({ "date": "yesterday" })), 422, "invalid_field");

    let docs = "/v1/applications/{id}/documents";
    let a1_docs = format!("/v1/applications/{a1}/documents");
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let attach = |kind: &str, bytes: &[u8]| run.send("POST", docs, &a1_docs, employer, Some((kind, bytes)), &[]);
    run.expect(&attach("application/pdf", pdf), 201, "");
    run.expect(&attach("image/png", pdf), 422, "invalid_document");
    run.expect(&attach("text/plain", pdf), 415, "unsupported_media_type");
    run.expect(&attach("application/pdf", &pdf[..20]), 422, "invalid_document");
    let listed_docs = run.expect(&run.get(docs, &a1_docs, employer), 200, "");
    assert_eq!(listed_docs["documents"].as_array().map(Vec::len), Some(1), "{listed_docs}");
    run.expect(&run.get(docs, "/v1/applications/DWP25690009999/documents", officer), 404, "not_found");
    let doc = "/v1/applications/{id}/documents/{n}";
    let read_doc = run.get(doc, &format!("{a1_docs}/1"), reg);
    assert_eq!((read_doc.status, read_doc.body.as_bytes()), (200, pdf), "the registrar reads the file back");
    run.expect(&run.get(doc, &format!("{a1_docs}/9"), reg), 404, "not_found");

    let identity = json!({ "centre": "SC-21-01", "biometricMatch": "BIO-1", "verifiedAt": "2026-01-01T00:00:00Z" });
    for app in [&a1, &a2, &a3] {
        run.expect(&step(app, "identity", officer, identity.clone()), 200, "");
    }
    run.expect(&step(&a1, "identity", officer, identity.clone()), 409, "identity_already_verified");
    run.expect(&step(&a1, "identity", officer, json!({ "centre": "x" })), 422, "invalid_field");
    run.expect(&verb(&a2, "review", json!({})), 200, "");
    run.expect(&verb(&a2, "review", json!({})), 409, "already_under_review");
    run.expect(&verb(&a2, "request-info", json!({})), 422, "invalid_field");
    run.expect(&verb(&a2, "request-info", json!({ "reason": "a clearer passport copy" })), 200, "");
    run.expect(&verb(&a2, "approve", json!({})), 409, "awaiting_info");
    run.expect(&verb(&a2, "provide-info", json!({ "reason": "sent at the centre" })), 200, "");
    run.expect(&verb(&a2, "provide-info", json!({})), 409, "no_info_requested");
    run.expect(&verb(&a1, "approve", json!({ "reasonCode": "not_eligible" })), 422, "invalid_field");
    run.expect(&verb(&a1, "approve", json!({ "reason": "complete" })), 201, "");
    run.expect(&verb(&a1, "reject", json!({ "reason": "too late" })), 409, "application_closed");
    run.expect(&verb(&a2, "reject", json!({})), 422, "invalid_field");
    run.expect(&verb(&a2, "reject", json!({ "reason": "incomplete", "reasonCode": "documents_incomplete" })), 200, "");
    run.expect(&verb(&a3, "approve", json!({})), 409, "permit_number_in_use");
    run.expect(&s.post(&format!("/v1/applications/{a2}/maybe"), registrar, &json!({})), 404, "not_found");
    run.expect(&verb("DWP25690009999", "approve", json!({})), 404, "not_found");
    for who in ["officer", "registrar"] {
        for app in [&a1, &a2] {
            run.expect(&run.get(aid, &format!("/v1/applications/{app}"), Some(who)), 200, "");
        }
    }
    // The tracking's limit, last: ten wrong birth dates, then the right one is refused unchecked.
    for n in 1..=9 {
        let wrong = json!({ "number": a1, "birthDate": format!("1990-01-{n:02}") });
        run.expect(&run.post(tr, tr, None, &wrong), 404, "not_found");
    }
    run.expect(&run.post(tr, tr, None, &json!({ "number": a1, "birthDate": "1994-03-12" })), 429, "too_many_attempts");

    // Putting a permit on a phone (OpenID4VCI): the offer, the wallet's metadata and protocol steps.
    let wallet = crate::oid4vci_client::Wallet::new(s, 61);
    for path in ["/.well-known/openid-credential-issuer", "/.well-known/oauth-authorization-server"] {
        run.expect(&run.get(path, path, None), 200, "");
    }
    let of = "/v1/permits/{id}/offer";
    let made = run.expect(&run.post(of, &format!("/v1/permits/{p3}/offer"), officer, &json!({})), 201, "");
    run.expect(&run.post(of, "/v1/permits/wp_none/offer", reg, &json!({})), 404, "not_found");
    run.expect(&run.post(of, &format!("/v1/permits/{p2}/offer"), reg, &json!({})), 409, "permit_revoked");
    let uri = made["credentialOfferUri"].as_str().expect("uri");
    let offers = "/oid4vci/offers/{offer}";
    run.expect(&run.get(offers, &wallet.offer_path(uri), None), 200, "");
    run.expect(&run.get(offers, "/oid4vci/offers/none", None), 404, "not_found");
    let code = wallet.read_offer(uri);
    let oauth = |template: &str, r: Resp, status: u16, error: &str| {
        api.check("POST", template, &r);
        assert_eq!((r.status, r.json()["error"].as_str().unwrap_or("")), (status, error), "{}", r.body);
        r.json()
    };
    let token = "/oid4vci/token";
    oauth(token, wallet.token_form("grant_type=password"), 400, "unsupported_grant_type");
    let access = oauth(token, wallet.token(&code, made["txCode"].as_str().expect("txCode")), 200, "");
    let access = access["access_token"].as_str().expect("access_token");
    let nonce = s.request("POST", "/oid4vci/nonce", None, Some(("application/json", b"")), &[]);
    let nonce = oauth("/oid4vci/nonce", nonce, 200, "")["c_nonce"].as_str().expect("c_nonce").to_string();
    let credential = "/oid4vci/credential";
    oauth(credential, wallet.credential(&format!("{access}x"), &wallet.proof(&nonce)), 401, "invalid_token");
    oauth(credential, wallet.credential(access, &wallet.proof("none")), 400, "invalid_nonce");
    let bound = oauth(credential, wallet.credential(access, &wallet.proof(&nonce)), 200, "");
    assert_eq!(bound["credentials"][0]["credential"]["credentialSubject"]["id"], wallet.did().as_str());

    // The signed exchange with a partner agency, and the worker's own access log.
    exchange(&run, &p3, &wallet);

    // The audit log.
    let auditor = Some("auditor");
    let log = run.expect(&run.get("/v1/audit", "/v1/audit?limit=2", auditor), 200, "");
    assert!(log["next"].is_i64(), "a full page names the next");
    run.expect(&run.get("/v1/audit", "/v1/audit", auditor), 200, "");
    run.expect(&run.get("/v1/audit", "/v1/audit?after=x", auditor), 400, "invalid_query");
    let verified = run.expect(&run.get("/v1/audit/verify", "/v1/audit/verify", auditor), 200, "");
    assert_eq!(verified["valid"], true);

    // The issuer's keys: a rotation drafted beside the registry, signed by the root offline, published.
    let keys = s.data().join("keys");
    let offline = tempfile::tempdir().expect("tempdir");
    let root_secret = offline.path().join("root-key.json");
    std::fs::rename(keys.join("root-key.json"), &root_secret).expect("the root goes offline");
    let (draft, signed) = (offline.path().join("draft.json"), offline.path().join("signed.json"));
    let data = s.data().display().to_string();
    let out = s.beside(&["keys", "rotate", "--data", &data, "--out", &draft.display().to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = crate::common::dwp(&[
        "trust",
        "sign",
        "--root",
        &root_secret.display().to_string(),
        "--draft",
        &draft.display().to_string(),
        "--out",
        &signed.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let signed = std::fs::read(&signed).expect("signed list");
    let tl = "/v1/trust-list";
    let json_body = |b: &'static [u8]| Some(("application/json", b));
    run.expect(&run.send("POST", tl, tl, admin, json_body(b"{"), &[]), 422, "trust_list_invalid");
    run.expect(&run.send("POST", tl, tl, admin, json_body(b"\xff"), &[]), 400, "malformed_json");
    let published = run.expect(&run.send("POST", tl, tl, admin, Some(("application/json", &signed)), &[]), 201, "");
    assert_eq!(published["sequence"], 2);
    run.expect(&run.send("POST", tl, tl, admin, Some(("application/json", &signed)), &[]), 409, "trust_list_not_newer");
    let listed = run.expect(&run.get("/v1/keys", "/v1/keys", admin), 200, "");
    assert!(listed["signingKey"].as_str().is_some_and(|k| k.ends_with("#key-2")), "{listed}");

    // The events feed.
    let ev = "/v1/events";
    let events = run.expect(&run.get(ev, "/v1/events?after=0&limit=10", auditor), 200, "");
    assert!(events.as_array().is_some_and(|e| !e.is_empty()), "{events}");
    run.expect(&run.get(ev, "/v1/events?limit=x", auditor), 400, "invalid_query");

    // Online verification: a verdict (valid or not) is a 200; a request that is not one is refused.
    let v = "/v1/verify";
    let payload = issued["payload"].as_str().expect("payload");
    let verdict = run.expect(&run.post(v, v, None, &json!({ "payload": payload, "policy": "immigration" })), 200, "");
    assert_eq!(verdict["reason"], "revoked", "a renewed permit's first credential is on the revocation list");
    run.expect(&run.post(v, v, None, &json!({ "payload": payload, "policy": "inspektor" })), 422, "invalid_field");
    run.expect(&run.post(v, v, None, &json!({ "payload": payload })), 422, "invalid_field");

    // What verifiers read.
    let status = "/status/{purpose}/{list}";
    let list = run.expect(&run.get(status, &format!("/status/revocation/{shard}"), None), 200, "");
    assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
    let first = s.get(&format!("/status/suspension/{shard}"), None);
    let etag = first.header("etag").expect("ETag").to_string();
    let again =
        run.send("GET", status, &format!("/status/suspension/{shard}"), None, None, &[("if-none-match", &etag)]);
    run.expect(&again, 304, "");
    let whole = s.get("/v1/bundle", None);
    let tag = whole.header("etag").expect("the bundle's ETag").to_string();
    run.expect(&run.send("GET", "/v1/bundle", "/v1/bundle", None, None, &[("if-none-match", &tag)]), 304, "");
    run.expect(&run.get(status, "/status/other/1", None), 404, "not_found");
    run.expect(&run.get(status, "/status/revocation/999", None), 404, "not_found");
    for path in [
        "/v1/bundle",
        "/.well-known/did.json",
        "/trust-list",
        "/contexts/dwp/v1",
        "/openapi.json",
        "/healthz",
        "/readyz",
    ] {
        run.expect(&run.get(path, path, None), 200, "");
    }
    let page = run.get("/verify/", "/verify/", None);
    assert!(page.status == 200 || page.code() == "not_found", "{}", page.body);
    for path in ["/wallet/", "/console/", "/track/"] {
        let page = run.get(path, path, None);
        assert!(page.status == 200 || page.code() == "not_found", "{path}: {}", page.body);
    }

    // Every secured operation: no token, a token that is not one, and every role it does not admit.
    let ids =
        [("/v1/permits/{id}", p3.as_str()), ("/v1/applications/{id}", a2.as_str()), ("/v1/tokens/{id}", "tok_none")];
    for ((method, template), _) in api.operations() {
        let roles = api.roles(&method, &template);
        if roles.is_empty() {
            continue;
        }
        let mut path = template.clone();
        for (prefix, value) in ids {
            if template.starts_with(prefix) {
                path = path.replace("{id}", value);
            }
        }
        let path = path.replace("{n}", "1");
        let method = method.to_uppercase();
        let body: Option<(&str, &[u8])> = (method == "POST").then_some(("application/json", b"{}"));
        let bad_token = "dwp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
        run.expect(&run.send(&method, &template, &path, None, body, &[]), 401, "missing_token");
        run.expect(&run.send(&method, &template, &path, Some(bad_token), body, &[]), 401, "invalid_token");
        for role in ROLES.iter().filter(|r| !roles.iter().any(|x| x == *r)) {
            run.expect(&run.send(&method, &template, &path, Some(*role), body, &[]), 403, "forbidden");
        }
    }
}

/// The registry on `engine`, its pages (verifier, wallet, console, tracking) built (an `index.html`
/// each) or not.
fn registry(engine: Engine, page: bool) -> (Server, tempfile::TempDir, crate::banksim::BankSim) {
    let web = tempfile::tempdir().expect("tempdir");
    std::fs::write(web.path().join("index.html"), "<!doctype html><title>verify</title>").expect("index.html");
    for name in ["wallet", "console", "track"] {
        std::fs::create_dir(web.path().join(name)).expect("page dir");
        std::fs::write(web.path().join(name).join("index.html"), format!("<!doctype html><title>{name}</title>"))
            .expect("index.html");
    }
    let dir = if page { web.path().to_path_buf() } else { web.path().join("absent") };
    let env = vec![("DWP_WEB_DIR".to_string(), dir.display().to_string())];
    // The bank's port first, so that each side can be told where the other is.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("port").port();
    // The registry's own port too: its public URL is the target URI a partner agency signs.
    let own = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("port").port();
    let mut env = env;
    env.push(("DWP_PUBLIC_URL".to_string(), format!("http://127.0.0.1:{own}")));
    let args = vec![
        "--bank-url".to_string(),
        format!("http://127.0.0.1:{port}"),
        "--listen".to_string(),
        format!("127.0.0.1:{own}"),
    ];
    let s = Server::start_opts(engine, Opts { env, args, ..Opts::default() });
    let callback = format!("{}/v1/payments/bank-callback", s.base);
    let bank = crate::banksim::BankSim::start_on(&format!("127.0.0.1:{port}"), &callback, &[]);
    (s, web, bank)
}

#[test]
fn every_answer_of_every_operation_matches_the_document() {
    let mut operations = 0;
    let mut validated = 0;
    let mut seen: BTreeMap<Op, BTreeSet<u16>> = BTreeMap::new();
    let mut listed: Option<BTreeMap<Op, BTreeSet<u16>>> = None;
    for (engine, page) in [(Engine::Sqlite, true), (Engine::Postgres, false)] {
        let (s, _web, bank) = registry(engine, page);
        let r = s.get("/openapi.json", None);
        assert_eq!(r.status, 200);
        let api = Api::new(r.json());
        check_document(&api);
        api.check("GET", "/openapi.json", &r);
        scenario(&s, &api, &bank);
        let statuses: BTreeMap<Op, BTreeSet<u16>> = api
            .operations()
            .into_iter()
            .map(|(op, v)| {
                let statuses =
                    v["responses"].as_object().expect("responses").keys().map(|k| k.parse().expect("status"));
                (op, statuses.collect())
            })
            .collect();
        assert!(listed.as_ref().is_none_or(|l| *l == statuses), "the document is the same on every engine");
        operations = statuses.len();
        listed = Some(statuses);
        validated += api.validated.get();
        for (op, statuses) in api.seen.take() {
            seen.entry(op).or_default().extend(statuses);
        }
    }
    let listed = listed.expect("a document");
    for (op, statuses) in &listed {
        let got = seen.get(op).cloned().unwrap_or_default();
        assert!(got.iter().any(|s| (200..300).contains(s)), "{op:?}: never answered with success ({got:?})");
        if statuses.iter().any(|s| (400..500).contains(s)) {
            assert!(got.iter().any(|s| (400..500).contains(s)), "{op:?}: never refused ({got:?})");
        }
    }
    assert!(operations >= 29, "{operations} operations");
    println!("openapi: {operations} operations; {validated} real answers validated against the document");
}

/// The exchange's operations: an agency key registered, a notification, its state, the disclosure,
/// and the worker's access log signed with the wallet's key (`bound`'s holder of `permit`).
fn exchange(run: &Run<'_>, permit: &str, wallet: &crate::oid4vci_client::Wallet<'_>) {
    use dwp::partner::{self, Outgoing};
    let key = dwp_issuer::keys::KeyPair::from_seed(&[43; 32], None);
    let pk = "/v1/partner-keys";
    let new_key = json!({
        "keyId": "ieat-doc", "agency": "ieat", "publicKeyMultibase": key.public_multibase(), "estates": ["ESIE"],
        "purposes": ["stay-extension", "issuance"], "notAfter": "2031-01-01T00:00:00Z",
    });
    run.expect(&run.post(pk, pk, Some("admin"), &new_key), 201, "");
    run.expect(&run.post(pk, pk, Some("admin"), &new_key), 409, "partner_key_exists");
    run.expect(
        &run.post(
            pk,
            pk,
            Some("admin"),
            &json!({ "keyId": "x", "agency": "ieat", "publicKeyMultibase": "z1",
        "estates": ["ESIE"], "purposes": ["issuance"], "notAfter": "2031-01-01T00:00:00Z" }),
        ),
        422,
        "invalid_partner_key",
    );
    run.expect(&run.get(pk, pk, Some("auditor")), 200, "");
    run.expect(&run.get("/x/v1/keys", "/x/v1/keys", None), 200, "");
    let signed = |method: &str, template: &str, path: &str, body: Option<&Value>, purpose: &str| {
        let url = format!("{}{path}", run.s.base);
        let bytes = body.map(|b| b.to_string().into_bytes());
        let out = Outgoing {
            method,
            url: &url,
            body: bytes.as_deref(),
            purpose,
            case: "DOC-1",
            officer: "doc",
            now: crate::oid4vci_client::now(),
        };
        let req = partner::sign_request(&key, "ieat-doc", &out).expect("signed");
        let headers: Vec<(&str, &str)> =
            req.fields.iter().filter(|(n, _)| n != "content-type").map(|(n, v)| (n.as_str(), v.as_str())).collect();
        run.send(method, template, path, None, bytes.as_deref().map(|b| ("application/json", b)), &headers)
    };
    let mut note = json!({
        "notificationId": "DOC-S62-1", "estate": "ESIE",
        "permission": { "reference": "IEAT-DOC-1", "validFrom": "2026-11-01T00:00:00Z", "validUntil": "2029-01-01T00:00:00Z" },
        "permit": sample_permit(90),
    });
    note["permit"]["worker"]["document"]["number"] = json!("MH7654321");
    let n = "/x/v1/ieat/s62-notifications";
    run.expect(&signed("POST", n, n, Some(&note), "issuance"), 202, "");
    run.expect(
        &signed("POST", n, n, Some(&json!({ "notificationId": "DOC-S62-2" })), "issuance"),
        422,
        "invalid_notification",
    );
    let ns = "/x/v1/ieat/s62-notifications/{id}";
    run.expect(&signed("GET", ns, "/x/v1/ieat/s62-notifications/DOC-S62-1", None, "issuance"), 200, "");
    run.expect(&signed("GET", ns, "/x/v1/ieat/s62-notifications/none", None, "issuance"), 404, "not_found");
    let ep = "/x/v1/estates/{estate}/permits";
    let found = run.expect(
        &signed(
            "GET",
            ep,
            &format!("{}?passport=MH1234567&nationality=MMR", "/x/v1/estates/ESIE/permits"),
            None,
            "stay-extension",
        ),
        200,
        "",
    );
    assert!(found["permits"].as_array().is_some_and(|p| p.iter().any(|x| x["id"] == permit)), "{found}");
    run.expect(&signed("GET", ep, "/x/v1/estates/ESIE/permits", None, "stay-extension"), 422, "invalid_query");
    let one = "/x/v1/estates/{estate}/permits/{id}";
    run.expect(&signed("GET", one, &format!("/x/v1/estates/ESIE/permits/{permit}"), None, "stay-extension"), 200, "");
    run.expect(&signed("GET", one, "/x/v1/estates/ESIE/permits/wp_none", None, "stay-extension"), 404, "not_found");
    run.expect(
        &signed("GET", one, "/x/v1/estates/ESIE/permits/wp_none", None, "audit"),
        403,
        "exchange_purpose_not_allowed",
    );
    let me = "/v1/me/access-log";
    let log = crate::exchange::holder_get(run.s, wallet, me);
    run.api.check("GET", me, &log);
    assert_eq!(log.status, 200, "{}", log.body);
    run.expect(&run.get(me, me, None), 401, "exchange_unsigned");
}
