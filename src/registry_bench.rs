//! `dwp bench registry`: drives a registry over loopback with a bounded number
//! of requests and prints durable issuances per second, status changes per
//! second and latency percentiles, on SQLite and PostgreSQL, against a
//! reference measured in the same run (the disk's fsync rate). Given a
//! PKCS#11 token, each engine is run twice, the issuer key in a file then in
//! the token, and the token's cost is printed as a ratio.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::registry::{self, auth::Role};

const SAMPLE: &str = include_str!("../wallet-spec/examples/permit-sample.json");

/// The registry under load, reached with the same HTTP client as `dwp bundle fetch` (ureq, keep-alive
/// connections, each request on a blocking thread of the runtime's pool).
struct Target {
    base: String,
    token: String,
    agent: ureq::Agent,
}

/// The longest any one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Target {
    async fn post(self: &Arc<Self>, path: &str, body: String) -> Result<(u16, Value)> {
        let t = self.clone();
        let url = format!("{}{path}", self.base);
        tokio::task::spawn_blocking(move || {
            let resp = t
                .agent
                .post(&url)
                .header("content-type", "application/json")
                .header("authorization", &format!("Bearer {}", t.token))
                .send(body.as_bytes());
            read(resp)
        })
        .await?
    }

    async fn get(self: &Arc<Self>, path: &str) -> Result<(u16, Value)> {
        let t = self.clone();
        let url = format!("{}{path}", self.base);
        tokio::task::spawn_blocking(move || read(t.agent.get(&url).call())).await?
    }
}

fn read(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<(u16, Value)> {
    let mut resp = resp.context("request")?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().with_config().limit(64 << 20).read_to_string().context("reading the answer")?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

fn permit_body(n: usize) -> Result<String> {
    let mut v: Value = serde_json::from_str(SAMPLE)?;
    v["permitNumber"] = format!("WP-2569-21-{:06}", n % 1_000_000).into();
    Ok(v.to_string())
}

/// The `p` quantile of sorted latencies, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

struct Phase {
    per_sec: f64,
    p50: f64,
    p99: f64,
    results: Vec<Value>,
}

/// Runs `jobs` requests with `concurrency` clients in a closed loop.
async fn closed_loop(t: &Arc<Target>, jobs: Vec<(String, String)>, concurrency: usize, expect: u16) -> Result<Phase> {
    let jobs = Arc::new(std::sync::Mutex::new(jobs.into_iter().enumerate().collect::<Vec<_>>()));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let t = t.clone();
        let jobs = jobs.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let job = jobs.lock().ok().and_then(|mut j| j.pop());
                let Some((i, (path, body))) = job else { break };
                let t0 = Instant::now();
                let (status, v) = t.post(&path, body).await?;
                if status != expect {
                    bail!("POST {path}: HTTP {status} {v}");
                }
                out.push((i, t0.elapsed(), v));
            }
            Ok(out)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_by_key(|(i, _, _)| *i);
    let mut lat: Vec<Duration> = all.iter().map(|(_, d, _)| *d).collect();
    lat.sort();
    Ok(Phase {
        per_sec: all.len() as f64 / elapsed,
        p50: percentile(&lat, 0.50),
        p99: percentile(&lat, 0.99),
        results: all.into_iter().map(|(_, _, v)| v).collect(),
    })
}

/// Sends `count` issuances at `rate` per second (open loop) and returns the p99 latency in ms.
async fn paced(t: &Arc<Target>, count: usize, rate: f64, first: usize) -> Result<f64> {
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..count {
        tokio::time::sleep_until(start + Duration::from_secs_f64(i as f64 / rate)).await;
        let t = t.clone();
        let body = permit_body(first + i)?;
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let (status, v) = t.post("/v1/permits", body).await?;
            if status != 201 {
                bail!("paced issue: HTTP {status} {v}");
            }
            Ok(t0.elapsed())
        }));
    }
    let mut lat = Vec::new();
    for task in tasks {
        lat.push(task.await??);
    }
    lat.sort();
    Ok(percentile(&lat, 0.99))
}

/// The disk's rate of 4 KiB writes with fdatasync in `dir`, per second: the reference of the benches.
pub fn fsync_rate(dir: &Path) -> Result<f64> {
    use std::io::Write;
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path)?;
    let block = [0u8; 4096];
    let n = 300;
    let start = Instant::now();
    for _ in 0..n {
        f.write_all(&block)?;
        f.sync_data()?;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    std::fs::remove_file(&path).ok();
    Ok(rate)
}

/// Whether the benchmarked registry seals personal data (`dwp bench registry --no-encryption`: not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
    /// Sealed, as `dwp serve` always does.
    On,
    /// Stored in clear, to measure what sealing costs.
    Off,
}

struct Run<'a> {
    requests: usize,
    concurrency: usize,
    fsync: f64,
    sealing: Sealing,
    dir: &'a Path,
    /// The issuer key's token; else the issuer key is a file.
    hsm: Option<&'a crate::hsm::HsmConfig>,
}

/// What one run measured of issuance.
struct Figures {
    per_sec: f64,
    p99: f64,
}

async fn run_one(name: &str, url: &str, run: &Run<'_>) -> Result<Figures> {
    let Run { requests, concurrency, fsync, sealing, dir, hsm } = *run;
    let authority = dwp_issuer::trust::Authority::demo();
    let state = registry::open(registry::Options {
        authority: &authority,
        data: dir,
        did: "did:web:bench.dwp.invalid",
        database_url: url,
        clock: registry::Clock::system(),
        token_ttl: 86_400,
        hsm,
        master_key: match sealing {
            Sealing::On => registry::db::KeySource::File(dir.join("bench.master-key.json")),
            Sealing::Off => registry::db::KeySource::Clear,
        },
        production: false,
        journey: registry::journey::Journey::default(),
    })
    .await?;
    let mut w = state.db.begin_write(&state.clock).await?;
    let now = w.now;
    let (_, token) =
        registry::auth::create_token(&mut w, "bench", Role::Registrar, None, Some("bench"), now + 86_400).await?;
    w.commit().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, registry::app(state)).await });
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .max_idle_connections_per_host(concurrency)
        .build()
        .into();
    let t = Arc::new(Target { base: format!("http://{addr}"), token, agent });

    let jobs = (0..requests).map(|i| Ok(("/v1/permits".to_string(), permit_body(i)?))).collect::<Result<Vec<_>>>()?;
    let issue = closed_loop(&t, jobs, concurrency, 201).await?;
    let ids: Vec<String> = issue.results.iter().filter_map(|v| v["id"].as_str().map(str::to_string)).collect();
    let body = r#"{"reason":"benchmark"}"#.to_string();
    let jobs = ids.iter().map(|id| (format!("/v1/permits/{id}/suspend"), body.clone())).collect();
    let change = closed_loop(&t, jobs, concurrency, 200).await?;
    let paced_p99 = paced(&t, 1000, 250.0, requests).await?;
    let visible_p99 = visibility(&t, &issue.results).await?;
    server.abort();
    println!(
        "{name:<9} issue: {:>7.0}/s (p50 {:.1} ms, p99 {:.1} ms)   status changes: {:>7.0}/s (p99 {:.1} ms)",
        issue.per_sec, issue.p50, issue.p99, change.per_sec, change.p99
    );
    println!("{name:<9} paced 250 issuances/s for 4 s: p99 {paced_p99:.1} ms");
    println!("{name:<9} a status change until the served signed list shows it: p99 {visible_p99:.1} ms (goal < 1000)");
    println!("{name:<9} issuance/fsync ratio: {:.2}", issue.per_sec / fsync);
    Ok(Figures { per_sec: issue.per_sec, p99: issue.p99 })
}

/// Runs the engine of `url` (a database for a data directory) with the issuer
/// key in a file and, given a token, again with it in the token (a fresh data
/// directory and database each), and prints the two side by side.
async fn run_engine(engine: &str, url: &dyn Fn(&Path) -> Result<String>, run: &Run<'_>) -> Result<()> {
    let file = run_one(engine, &url(run.dir)?, &Run { hsm: None, ..*run }).await?;
    let Some(config) = run.hsm else { return Ok(()) };
    let dir = scratch_dir()?;
    let name = format!("{engine}+hsm");
    let token = match url(&dir) {
        Ok(u) => run_one(&name, &u, &Run { hsm: Some(config), dir: &dir, ..*run }).await,
        Err(e) => Err(e),
    };
    std::fs::remove_dir_all(&dir).ok();
    let token = token?;
    println!(
        "{engine:<9} issuer key in a file: {:>7.0}/s (p99 {:.1} ms)   in the token: {:>7.0}/s (p99 {:.1} ms)",
        file.per_sec, file.p99, token.per_sec, token.p99
    );
    println!(
        "{engine:<9} token/file ratio: issuance throughput {:.2}, p99 {:.2}",
        token.per_sec / file.per_sec,
        token.p99 / file.p99
    );
    Ok(())
}

/// Reinstates suspended permits one at a time and times each from the request
/// until `/status/suspension/{shard}` serves the cleared bit; returns the p99 in ms.
async fn visibility(t: &Arc<Target>, issued: &[Value]) -> Result<f64> {
    let mut times = Vec::new();
    for p in issued.iter().take(50) {
        let (Some(id), Some(shard), Some(index)) =
            (p["id"].as_str(), p["status"]["shard"].as_u64(), p["status"]["index"].as_u64())
        else {
            continue;
        };
        let start = Instant::now();
        let (status, _) = t.post(&format!("/v1/permits/{id}/reinstate"), r#"{"reason":"benchmark"}"#.into()).await?;
        if status != 200 {
            bail!("reinstate answered {status}");
        }
        for _ in 0..200 {
            let (_, list) = t.get(&format!("/status/suspension/{shard}")).await?;
            let bits = list["credentialSubject"]["encodedList"]
                .as_str()
                .and_then(|e| dwp_verifier::status::Bitstring::decode(e).ok())
                .context("the served list does not decode")?;
            if bits.get(usize::try_from(index)?) == Some(false) {
                times.push(start.elapsed());
                break;
            }
        }
    }
    times.sort();
    Ok(percentile(&times, 0.99))
}

/// A scratch directory of its own under the system's temporary directory.
pub fn scratch_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(registry::auth::random_id("dwp-bench-")?);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Runs the registry benchmark; with `hsm`, each engine also with the issuer key in that token.
pub fn run(
    requests: usize,
    concurrency: usize,
    postgres: Option<&str>,
    sealing: Sealing,
    hsm: Option<&crate::hsm::HsmConfig>,
) -> Result<ExitCode> {
    if !(1..=100_000).contains(&requests) || !(1..=256).contains(&concurrency) {
        bail!("--requests must be 1..=100000 and --concurrency 1..=256");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let dir = scratch_dir()?;
        let fsync = fsync_rate(&dir)?;
        println!("registry bench: {requests} issuances and {requests} status changes, {concurrency} clients, loopback");
        println!("reference: disk fsync {fsync:.0} commits/s (4 KiB write + fdatasync)");
        println!(
            "personal data: {}",
            match sealing {
                Sealing::On => "sealed (XChaCha20-Poly1305, a data key per write)",
                Sealing::Off => "stored in clear (--no-encryption)",
            }
        );
        if let Some(config) = hsm {
            println!("issuer key: a file, then the key {:?} in the token {:?} (PKCS#11)", config.key, config.token);
        }
        let sqlite = |d: &Path| Ok(format!("sqlite://{}?mode=rwc", d.join("registry.sqlite").display()));
        let r = run_engine("sqlite", &sqlite, &Run { requests, concurrency, fsync, sealing, dir: &dir, hsm }).await;
        std::fs::remove_dir_all(&dir).ok();
        r?;
        if let Some(base) = postgres {
            let Some((server, _)) = base.rsplit_once('/') else {
                bail!("--postgres must be postgres://host:port/database");
            };
            // A scratch database of its own for each run, dropped after.
            let made = std::sync::Mutex::new(Vec::new());
            let postgres = |_: &Path| {
                let url = format!("{server}/{}", registry::auth::random_id("dwp_bench_")?);
                if let Ok(mut m) = made.lock() {
                    m.push(url.clone());
                }
                Ok(url)
            };
            let dir = scratch_dir()?;
            let r =
                run_engine("postgres", &postgres, &Run { requests, concurrency, fsync, sealing, dir: &dir, hsm }).await;
            std::fs::remove_dir_all(&dir).ok();
            use sqlx::migrate::MigrateDatabase;
            let urls = made.lock().map(|m| m.clone()).unwrap_or_default();
            for url in urls {
                sqlx::Postgres::drop_database(&url).await.ok();
            }
            if let Err(e) = r {
                println!("postgres  skipped: {e:#}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
