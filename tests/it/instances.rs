//! Several registry instances on one PostgreSQL database and one key folder act
//! as one registry: writes spread over three instances never hand out a status
//! index twice, make one audit chain, and a change through one instance is
//! served by every other on its first fetch after the change is acknowledged.

use std::collections::BTreeSet;
use std::process::Child;

use serde_json::{Value, json};

use crate::server::{postgres_database_url, sample_permit, start_process};

struct Node {
    child: Child,
    base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The test's own database, dropped however the test ends.
struct Database(String);

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
            rt.block_on(async {
                use sqlx::migrate::MigrateDatabase;
                sqlx::Postgres::force_drop_database(&self.0).await.ok();
            });
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into()
}

fn call(agent: &ureq::Agent, method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let mut headers = vec![("content-type", "application/json".to_string())];
    headers.extend(token.map(|t| ("authorization", format!("Bearer {t}"))));
    let result = match (method, body) {
        ("GET", None) => {
            let mut r = agent.get(url);
            for (k, v) in &headers {
                r = r.header(*k, v);
            }
            r.call()
        }
        ("POST", Some(b)) => {
            let mut r = agent.post(url);
            for (k, v) in &headers {
                r = r.header(*k, v);
            }
            r.send(b.to_string().as_bytes())
        }
        (m, _) => panic!("unsupported {m}"),
    };
    let mut resp = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Whether `index` is set in the list `purpose`/`shard` as `node` serves it.
fn served_bit(agent: &ureq::Agent, node: &Node, purpose: &str, shard: u64, index: u64) -> bool {
    let (status, list) = call(agent, "GET", &format!("{}/status/{purpose}/{shard}", node.base), None, None);
    assert_eq!(status, 200, "{list}");
    let bits =
        dwp_verifier::status::Bitstring::decode(list["credentialSubject"]["encodedList"].as_str().expect("list"))
            .expect("the served list decodes");
    bits.get(usize::try_from(index).expect("index")).expect("index in range")
}

#[test]
fn three_instances_on_one_postgres_act_as_one_registry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let url = postgres_database_url();
    let _database = Database(url.clone());
    // Started one after another: the first makes the key set, the others find it.
    let mut nodes = Vec::new();
    let mut bootstrap = Vec::new();
    for _ in 0..3 {
        let (child, base, token) = start_process(&data, Some(&url));
        nodes.push(Node { child, base });
        bootstrap.push(token);
    }
    let admin = bootstrap[0].clone().expect("the first start prints the bootstrap token");
    assert!(bootstrap[1..].iter().all(Option::is_none), "one bootstrap token for the registry");
    let agent = agent();
    let (status, made) = call(
        &agent,
        "POST",
        &format!("{}/v1/tokens", nodes[1].base),
        Some(&admin),
        Some(&json!({ "role": "registrar" })),
    );
    assert_eq!(status, 201, "{made}");
    let reg = made["token"].as_str().expect("token").to_string();
    let (_, made) = call(
        &agent,
        "POST",
        &format!("{}/v1/tokens", nodes[2].base),
        Some(&admin),
        Some(&json!({ "role": "auditor" })),
    );
    let auditor = made["token"].as_str().expect("token").to_string();

    // 240 concurrent issuances from 12 clients, each request to the next instance in turn.
    let bases: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();
    let issued: Vec<Value> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..12)
            .map(|client| {
                let (bases, reg, agent) = (&bases, &reg, agent.clone());
                scope.spawn(move || {
                    (0..20)
                        .map(|k| {
                            let n = client * 20 + k;
                            let base = &bases[n % bases.len()];
                            let (status, body) = call(
                                &agent,
                                "POST",
                                &format!("{base}/v1/permits"),
                                Some(reg),
                                Some(&sample_permit(n + 1)),
                            );
                            assert_eq!(status, 201, "issuance {n} on {base}: {body}");
                            body
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("client")).collect()
    });
    assert_eq!(issued.len(), 240);
    let places: BTreeSet<(u64, u64)> = issued
        .iter()
        .map(|p| (p["status"]["shard"].as_u64().expect("shard"), p["status"]["index"].as_u64().expect("index")))
        .collect();
    assert_eq!(places.len(), 240, "no status index handed out twice");

    // One audit chain, the same from every instance.
    let mut heads = BTreeSet::new();
    for node in &nodes {
        let (status, v) = call(&agent, "GET", &format!("{}/v1/audit/verify", node.base), Some(&auditor), None);
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["valid"], true, "{}: {v}", node.base);
        heads.insert(v["entries"].to_string());
    }
    assert_eq!(heads.len(), 1, "every instance reads the same chain: {heads:?}");

    // A change through one instance is served by every instance on the first fetch after it is acknowledged.
    let first = &issued[0];
    let (id, shard, index) = (
        first["id"].as_str().expect("id"),
        first["status"]["shard"].as_u64().expect("shard"),
        first["status"]["index"].as_u64().expect("index"),
    );
    for (through, action, want) in [(0, "suspend", true), (2, "reinstate", false), (1, "suspend", true)] {
        let (status, v) = call(
            &agent,
            "POST",
            &format!("{}/v1/permits/{id}/{action}", nodes[through].base),
            Some(&reg),
            Some(&json!({ "reason": "three instances" })),
        );
        assert_eq!(status, 200, "{action} through instance {through}: {v}");
        for (n, node) in nodes.iter().enumerate() {
            assert_eq!(
                served_bit(&agent, node, "suspension", shard, index),
                want,
                "{action} via {through}, seen by {n}"
            );
        }
    }
}
