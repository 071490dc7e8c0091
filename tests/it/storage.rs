//! Acknowledged means stored. The storage fails under the registry — a
//! database that reaches its size cap, a file system that fills, a commit that
//! PostgreSQL refuses, the writer's backend killed — while clients issue
//! permits. Every permit answered 201 is there after a restart; none answered
//! 503 is; every reader sees the same permits; writes succeed again once the
//! cause is gone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::server::Registry;
use crate::server::{Engine, Opts, Server, sample_permit};

/// The sample permit numbered `n`. Those numbered 9xxxxx end a day earlier:
/// the permit number is sealed at rest, so a fault injected behind the
/// server's back tells them apart by their clear validity end.
fn numbered(n: usize) -> Value {
    let mut p = sample_permit(n);
    if n >= 900_000 {
        p["validUntil"] = "2028-11-22T23:59:59Z".into();
    }
    p
}

/// What the clients were told, by permit number.
#[derive(Debug, Default)]
struct Outcomes {
    /// 201: number → permit id.
    acked: BTreeMap<String, String>,
    /// 503 storage_unavailable: numbers, with the `Retry-After` seen.
    unavailable: BTreeSet<String>,
    /// Anything else: (number, status, body).
    other: Vec<(String, u16, String)>,
}

/// `clients` threads issue permits numbered from `first` (each its own range)
/// until `stop` is set or each has sent `max` requests. Each request carries
/// its number as its `Idempotency-Key`.
fn issue_until(s: &Server, reg: &str, clients: usize, first: usize, max: usize, stop: &AtomicBool) -> Outcomes {
    let out = Mutex::new(Outcomes::default());
    std::thread::scope(|scope| {
        for c in 0..clients {
            let out = &out;
            scope.spawn(move || {
                for n in 0..max {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let permit = numbered(first + c * 10_000 + n);
                    let number = permit["permitNumber"].as_str().expect("number").to_string();
                    let r = s.request_alone_with(
                        "POST",
                        "/v1/permits",
                        Some(reg),
                        Some(("application/json", permit.to_string().as_bytes())),
                        &[("idempotency-key", &number)],
                    );
                    let mut o = out.lock().expect("lock");
                    match r.status {
                        201 => {
                            o.acked.insert(number, r.json()["id"].as_str().expect("id").to_string());
                        }
                        503 => {
                            assert_eq!(r.code(), "storage_unavailable", "{}", r.body);
                            assert!(
                                r.header("retry-after").is_some_and(|v| v.parse::<u32>().is_ok()),
                                "a 503 says when to retry"
                            );
                            o.unavailable.insert(number);
                        }
                        status => o.other.push((number, status, r.body.clone())),
                    }
                }
            });
        }
    });
    out.into_inner().expect("lock")
}

/// Every permit, read page by page: number → id.
fn stored(s: &Server, reg: &str) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    let mut after = String::new();
    for _ in 0..1000 {
        let r = s.get(&format!("/v1/permits?after={after}&limit=5000"), Some(reg));
        assert_eq!(r.status, 200, "listing: {}", r.body);
        let page = r.json();
        for p in page["permits"].as_array().expect("permits") {
            let number = p["permitNumber"].as_str().expect("number").to_string();
            let id = p["id"].as_str().expect("id").to_string();
            assert!(all.insert(number.clone(), id).is_none(), "two stored permits have the number {number}");
        }
        match page["next"].as_str() {
            Some(n) => after = n.to_string(),
            None => return all,
        }
    }
    panic!("more pages than a test writes");
}

/// Stored = acknowledged, exactly; every reader (the pool holds several connections) agrees.
fn assert_stored_is_acked(s: &Server, reg: &str, o: &Outcomes, what: &str) {
    let first = stored(s, reg);
    for _ in 0..8 {
        assert_eq!(stored(s, reg), first, "{what}: every reader sees the same permits");
    }
    for (number, id) in &o.acked {
        assert_eq!(first.get(number), Some(id), "{what}: acknowledged permit {number} is stored");
    }
    for number in &o.unavailable {
        assert!(!first.contains_key(number), "{what}: permit {number}, answered 503, was not stored");
    }
    assert_eq!(first.len(), o.acked.len(), "{what}: nothing is stored that was not acknowledged");
}

fn ready(s: &Server) -> (u16, Value) {
    let r = s.get("/readyz", None);
    (r.status, r.json())
}

fn problem_codes(v: &Value) -> Vec<String> {
    v["problems"].as_array().into_iter().flatten().filter_map(|p| p["code"].as_str().map(str::to_string)).collect()
}

/// Polls `/readyz` until it answers `want`, for at most `secs` seconds.
fn wait_ready(s: &Server, want: u16, secs: u64) -> Value {
    let start = Instant::now();
    loop {
        let (status, body) = ready(s);
        if status == want {
            return body;
        }
        assert!(start.elapsed() < Duration::from_secs(secs), "/readyz still {status} after {secs} s: {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Issues the permit `number` refers to again with its own Idempotency-Key; expects 201.
fn retry(s: &Server, reg: &str, number: &str) -> String {
    let n: usize = number.rsplit('-').next().and_then(|d| d.parse().ok()).expect("number");
    let r = s.request_alone_with(
        "POST",
        "/v1/permits",
        Some(reg),
        Some(("application/json", numbered(n).to_string().as_bytes())),
        &[("idempotency-key", number)],
    );
    assert_eq!(r.status, 201, "retrying {number} once the storage is back: {}", r.body);
    assert_eq!(r.header("idempotent-replayed"), None, "a 503 stored no answer to replay");
    r.json()["id"].as_str().expect("id").to_string()
}

#[test]
fn sqlite_size_cap_acknowledged_is_stored() {
    // About 120 permits fit in 200 pages of 4 KiB.
    let env = vec![("DWP_SQLITE_MAX_PAGES".to_string(), "200".to_string())];
    let mut s = Server::start_opts(Engine::Sqlite, Opts { env, ..Opts::default() });
    let reg = s.token("registrar", None);
    let stop = AtomicBool::new(false);
    let o = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            // Stop the clients once the cap has been hit for a while.
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(120) {
                if ready(&s).0 == 503 {
                    std::thread::sleep(Duration::from_millis(500));
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            stop.store(true, Ordering::SeqCst);
        });
        let o = issue_until(&s, &reg, 4, 100_000, 300, &stop);
        watcher.join().expect("watcher");
        o
    });
    assert!(o.other.is_empty(), "only 201 or 503: {:?}", o.other);
    assert!(o.acked.len() >= 20, "permits were stored before the cap ({} acknowledged)", o.acked.len());
    assert!(o.unavailable.len() >= 4, "the cap refused writes ({} answered 503)", o.unavailable.len());
    let (status, body) = ready(&s);
    assert_eq!(status, 503, "/readyz is not ready while writes fail: {body}");
    assert!(problem_codes(&body).contains(&"storage_unavailable".to_string()), "{body}");
    assert_stored_is_acked(&s, &reg, &o, "at the cap");
    assert!(s.stderr().contains("database or disk is full"), "the log keeps the storage's own words");

    // The cause goes away (the operator lifts the cap): everything acknowledged is there, writes work.
    s.env.clear();
    s.restart();
    assert_stored_is_acked(&s, &reg, &o, "after the restart");
    wait_ready(&s, 200, 10);
    let again: Vec<&String> = o.unavailable.iter().take(3).collect();
    for number in &again {
        retry(&s, &reg, number);
    }
    let after = stored(&s, &reg);
    assert_eq!(after.len(), o.acked.len() + again.len(), "each retried permit stored once");
    eprintln!(
        "size cap (SQLite): {} acknowledged, {} answered 503, all acknowledged stored, none of the 503s",
        o.acked.len(),
        o.unavailable.len()
    );
}

/// Mounts a tmpfs of `mib` MiB at `path`; `false` where this machine does not allow it.
fn mount_tmpfs(path: &std::path::Path, mib: u32) -> bool {
    std::fs::create_dir_all(path).expect("mount point");
    std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={mib}m,mode=0700"), "tmpfs"])
        .arg(path)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Fills the file system holding `path` with a file, leaving nothing free.
fn fill(path: &std::path::Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).expect("filler");
    let chunk = vec![0u8; 64 << 10];
    for _ in 0..10_000 {
        if f.write_all(&chunk).is_err() {
            break;
        }
    }
    // Whatever did not fit in a whole chunk, byte by byte (bounded by the chunk size).
    for _ in 0..(64 << 10) {
        if f.write_all(&[0]).is_err() {
            break;
        }
    }
    f.sync_all().ok();
}

#[test]
fn sqlite_full_disk_acknowledged_is_stored_and_writes_recover() {
    let dir = tempfile::tempdir().expect("tempdir");
    let probe = dir.path().join("probe");
    if !mount_tmpfs(&probe, 1) {
        // The portable variant above (the size cap) runs everywhere; this one needs mount(2).
        eprintln!("skipped: this machine does not let the test mount a tmpfs (the size-cap test covers disk full)");
        return;
    }
    assert!(std::process::Command::new("umount").arg(&probe).status().is_ok_and(|s| s.success()));
    let mounted = Arc::new(Mutex::new(None::<std::path::PathBuf>));
    let m = mounted.clone();
    let prepare = Box::new(move |data: &std::path::Path| {
        assert!(mount_tmpfs(data, 16), "mounting the data directory's tmpfs");
        *m.lock().expect("lock") = Some(data.to_path_buf());
    });
    let mut s = Server::start_opts(Engine::Sqlite, Opts { prepare: Some(prepare), ..Opts::default() });
    let data = mounted.lock().expect("lock").clone().expect("mounted");
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(data.clone());
    let reg = s.token("registrar", None);
    let stop = AtomicBool::new(false);
    let before = issue_until(&s, &reg, 2, 200_000, 10, &stop);
    assert_eq!(before.acked.len(), 20, "writes work before the disk fills: {:?}", before.other);

    let filler = data.join("filler");
    fill(&filler);
    let o = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(60) && ready(&s).0 != 503 {
                std::thread::sleep(Duration::from_millis(50));
            }
            std::thread::sleep(Duration::from_millis(500));
            stop.store(true, Ordering::SeqCst);
        });
        let o = issue_until(&s, &reg, 4, 300_000, 500, &stop);
        watcher.join().expect("watcher");
        o
    });
    assert!(o.other.is_empty(), "only 201 or 503: {:?}", o.other);
    assert!(!o.unavailable.is_empty(), "the full disk refused writes");
    let body = wait_ready(&s, 503, 5);
    assert!(problem_codes(&body).contains(&"storage_unavailable".to_string()), "{body}");
    let mut all = Outcomes { acked: before.acked.clone(), ..Outcomes::default() };
    all.acked.extend(o.acked.clone());
    all.unavailable = o.unavailable.clone();
    assert_stored_is_acked(&s, &reg, &all, "with the disk full");

    // Space comes back: the writer finds out by itself and writes work again, without a restart.
    std::fs::remove_file(&filler).expect("freeing space");
    wait_ready(&s, 200, 10);
    let number = o.unavailable.iter().next().expect("a 503").clone();
    let id = retry(&s, &reg, &number);
    all.acked.insert(number.clone(), id);
    all.unavailable.remove(&number);
    assert_stored_is_acked(&s, &reg, &all, "after space came back");
    s.restart();
    assert_stored_is_acked(&s, &reg, &all, "after a restart");
    let auditor = s.token("auditor", None);
    let audit = s.get("/v1/audit/verify", Some(&auditor)).json();
    assert_eq!(audit["valid"], true, "{audit}");
    eprintln!(
        "full disk (SQLite on tmpfs): {} acknowledged, {} answered 503, recovered without a restart",
        all.acked.len(),
        o.unavailable.len()
    );
    s.kill();
}

#[test]
fn postgres_failed_commits_acknowledged_is_stored() {
    let mut s = Server::start(Engine::Postgres);
    let reg = s.token("registrar", None);
    // A constraint checked at COMMIT: permits numbered 9xxxxx (valid until 2028-11-22T23:59:59Z) make
    // their whole batch fail there.
    s.sql(&[
        "CREATE FUNCTION dwp_test_refuse() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$",
        "CREATE CONSTRAINT TRIGGER dwp_test_commit_fails AFTER INSERT ON permits \
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.valid_until = 1858550399) \
         EXECUTE FUNCTION dwp_test_refuse()",
    ]);
    let stop = AtomicBool::new(false);
    // Clients 0-2 issue ordinary permits; client 3's are all refused at commit, taking their batches with them.
    let o = std::thread::scope(|scope| {
        let poison = scope.spawn(|| issue_until(&s, &reg, 1, 900_000, 40, &stop));
        let plain = issue_until(&s, &reg, 3, 100_000, 40, &stop);
        (plain, poison.join().expect("poison client"))
    });
    let (plain, poison) = o;
    assert!(plain.other.is_empty() && poison.other.is_empty(), "{:?} {:?}", plain.other, poison.other);
    assert!(poison.acked.is_empty(), "a permit refused at commit is never acknowledged: {:?}", poison.acked);
    assert_eq!(poison.unavailable.len(), 40, "each refused commit is a 503");
    let mut all = Outcomes::default();
    all.acked.extend(plain.acked.clone());
    all.unavailable.extend(plain.unavailable.clone());
    all.unavailable.extend(poison.unavailable.clone());
    assert!(!plain.acked.is_empty(), "ordinary permits go through");
    assert_stored_is_acked(&s, &reg, &all, "after refused commits");
    eprintln!(
        "failed commits (PostgreSQL): {} acknowledged, {} ordinary permits answered 503 with a refused batch",
        plain.acked.len(),
        plain.unavailable.len()
    );

    // The writer's backend is terminated: the writes in flight fail, later ones succeed.
    s.sql(&["SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()"]);
    let after = issue_until(&s, &reg, 2, 500_000, 20, &stop);
    assert!(after.other.is_empty(), "{:?}", after.other);
    assert!(after.acked.len() >= 30, "writes recover after the backends died ({} acknowledged)", after.acked.len());
    all.acked.extend(after.acked.clone());
    all.unavailable.extend(after.unavailable.clone());
    assert_stored_is_acked(&s, &reg, &all, "after the backends were terminated");

    // The cause goes away: the refused permits go through on retry, once each.
    s.sql(&["DROP TRIGGER dwp_test_commit_fails ON permits"]);
    for number in poison.unavailable.iter().take(3).chain(plain.unavailable.iter().take(3)) {
        let id = retry(&s, &reg, number);
        all.unavailable.remove(number);
        all.acked.insert(number.clone(), id);
    }
    wait_ready(&s, 200, 10);
    s.restart();
    assert_stored_is_acked(&s, &reg, &all, "after a restart");
    let auditor = s.token("auditor", None);
    let audit = s.get("/v1/audit/verify", Some(&auditor)).json();
    assert_eq!(audit["valid"], true, "{audit}");
}
