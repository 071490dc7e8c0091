//! Nothing lost: clients issue and revoke permits while the registry is killed
//! with SIGKILL; after a restart every acknowledged write is present, no status
//! index was handed out twice, and the audit chain is intact.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::both_engines;
use crate::server::Registry;
use crate::server::{Engine, Server, sample_permit};

#[derive(Default)]
struct Acked {
    issued: BTreeMap<String, (u64, u64)>,
    revoked: BTreeSet<String>,
}

fn kill_and_restart(engine: Engine) {
    let mut s = Server::start(engine);
    let reg = s.token("registrar", None);
    let auditor = s.token("auditor", None);
    let acked = Arc::new(Mutex::new(Acked::default()));
    let base = s.base.clone();
    std::thread::scope(|scope| {
        for worker in 0..4usize {
            let acked = acked.clone();
            let reg = reg.clone();
            let base = base.clone();
            scope.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                // Bounded: at most 400 permits per client, and the server dies well before.
                for n in 0..400usize {
                    let body = sample_permit(worker * 1000 + n).to_string();
                    let Ok(resp) = agent
                        .post(format!("{base}/v1/permits"))
                        .header("authorization", format!("Bearer {reg}"))
                        .header("content-type", "application/json")
                        .send(body.as_bytes())
                    else {
                        return; // the server is gone
                    };
                    if resp.status().as_u16() != 201 {
                        return;
                    }
                    let Ok(v) = resp.into_body().read_json::<serde_json::Value>() else { return };
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    let at = (v["status"]["shard"].as_u64().unwrap_or(0), v["status"]["index"].as_u64().unwrap_or(0));
                    acked.lock().expect("lock").issued.insert(id.clone(), at);
                    if n % 3 == 0 {
                        let Ok(r) = agent
                            .post(format!("{base}/v1/permits/{id}/revoke"))
                            .header("authorization", format!("Bearer {reg}"))
                            .header("content-type", "application/json")
                            .send(json!({ "reason": "durability test" }).to_string().as_bytes())
                        else {
                            return;
                        };
                        if r.status().as_u16() == 200 {
                            acked.lock().expect("lock").revoked.insert(id);
                        }
                    }
                }
            });
        }
        // Kill the server while the clients are writing.
        let start = Instant::now();
        while acked.lock().expect("lock").issued.len() < 150 && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(20));
        }
        s.kill();
    });
    let acked = Arc::try_unwrap(acked).ok().expect("threads done").into_inner().expect("lock");
    assert!(acked.issued.len() >= 150, "the clients wrote before the kill ({} acknowledged)", acked.issued.len());
    s.restart();

    let mut stored = BTreeMap::new();
    let mut after = String::new();
    for _ in 0..100 {
        let page = s.get(&format!("/v1/permits?after={after}&limit=5000"), Some(&reg)).json();
        for p in page["permits"].as_array().expect("permits") {
            stored.insert(
                p["id"].as_str().expect("id").to_string(),
                (p["shard"].as_u64().expect("shard"), p["index"].as_u64().expect("index"), p["state"].clone()),
            );
        }
        match page["next"].as_str() {
            Some(n) => after = n.to_string(),
            None => break,
        }
    }
    for (id, at) in &acked.issued {
        let (shard, index, _) = stored.get(id).unwrap_or_else(|| panic!("acknowledged permit {id} lost"));
        assert_eq!((*shard, *index), *at, "{id} kept its index");
    }
    for id in &acked.revoked {
        assert_eq!(stored[id].2, "revoked", "acknowledged revocation of {id} lost");
        let (shard, index) = acked.issued[id];
        let list = s.get(&format!("/status/revocation/{shard}"), None).json();
        let bits =
            dwp_verifier::status::Bitstring::decode(list["credentialSubject"]["encodedList"].as_str().expect("list"))
                .expect("decodes");
        assert_eq!(bits.get(index as usize), Some(true), "{id} is on the served revocation list");
    }
    let indices: BTreeSet<(u64, u64)> = stored.values().map(|(s, i, _)| (*s, *i)).collect();
    assert_eq!(indices.len(), stored.len(), "no index handed out twice");
    let audit = s.get("/v1/audit/verify", Some(&auditor)).json();
    assert_eq!(audit["valid"], true, "{audit}");
    // The registry still works after the crash.
    s.issue(&reg, &sample_permit(999_999));
    eprintln!(
        "durability ({engine:?}): {} issuances and {} revocations acknowledged before SIGKILL, all present",
        acked.issued.len(),
        acked.revoked.len()
    );
}
both_engines!(sigkill_loses_nothing, super::kill_and_restart);
