//! `dwp bench applications`: the whole application journey through the API,
//! sustained, on a registry and a bank simulator in this process over
//! loopback: an employer submits, the bank is paid by the fee QR, the bank's
//! callback is confirmed by the registry's inquiry, an officer records the
//! identity check and the registrar approves (which issues the permit). Prints
//! applications per second and the p50/p99 of each step, against the load the
//! incumbent system could not take (90,000 applications in a day) and against
//! the disk's fsync rate measured in the same run.

use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::registry::{self, auth::Role};

const SAMPLE: &str = include_str!("../wallet-spec/examples/permit-sample.json");
/// The sample's employer: the applicant's token scope.
const EMPLOYER: &str = "0215559001234";
/// The day the incumbent system was sized for 6,000 applications and received this many.
const INCUMBENT_DAY: f64 = 90_000.0;
/// The office hours such a day's applications would arrive in, at worst.
const BUSY_HOURS: f64 = 8.0;
/// The steps of one application, in order.
const STEPS: [&str; 5] = ["submit", "pay (bank)", "bank callback", "identity", "approve"];

/// A loopback HTTP client (ureq on blocking threads of the runtime).
#[derive(Clone)]
struct Client {
    agent: ureq::Agent,
}

impl Client {
    async fn post(&self, url: String, token: Option<String>, body: Value) -> Result<(u16, Value)> {
        let agent = self.agent.clone();
        tokio::task::spawn_blocking(move || {
            let mut r = agent.post(&url).header("content-type", "application/json");
            if let Some(t) = &token {
                r = r.header("authorization", &format!("Bearer {t}"));
            }
            let mut resp = r.send(body.to_string().as_bytes()).with_context(|| format!("POST {url}"))?;
            let status = resp.status().as_u16();
            let text = resp.body_mut().with_config().limit(1 << 20).read_to_string().context("reading the answer")?;
            Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
        })
        .await?
    }
}

/// Where things are and who acts.
struct Journey {
    registry: String,
    bank: String,
    employer: String,
    officer: String,
    registrar: String,
    client: Client,
}

impl Journey {
    /// One step: POSTs and checks the status; returns the answer and how long it took.
    async fn step(&self, url: String, token: &str, body: Value, expect: u16) -> Result<(Value, Duration)> {
        let t0 = Instant::now();
        let token = (!token.is_empty()).then(|| token.to_string());
        let (status, v) = self.client.post(url.clone(), token, body).await?;
        if status != expect {
            bail!("POST {url}: HTTP {status} {v}");
        }
        Ok((v, t0.elapsed()))
    }

    /// One application from submission to its issued permit; the time of each step.
    async fn one(&self, n: usize) -> Result<[Duration; 5]> {
        let mut permit: Value = serde_json::from_str(SAMPLE)?;
        permit["permitNumber"] = format!("WP-2569-21-{:06}", n % 1_000_000).into();
        let r = &self.registry;
        let (submitted, submit) = self.step(format!("{r}/v1/applications"), &self.employer, permit, 201).await?;
        let id = submitted["id"].as_str().context("the application's number")?.to_string();
        let qr = submitted["fee"]["qr"].clone();
        let pay_body = json!({ "qr": qr, "payerBank": "014", "noCallback": true });
        let (tx, pay) = self.step(format!("{}/pay", self.bank), "", pay_body, 200).await?;
        let (outcome, callback) = self.step(format!("{r}/v1/payments/bank-callback"), "", tx, 200).await?;
        if outcome["outcome"] != "applied" {
            bail!("the callback of {id} was not applied: {outcome}");
        }
        let identity =
            json!({ "centre": "SC-21-01", "biometricMatch": format!("BIO-{n}"), "verifiedAt": "2026-01-01T00:00:00Z" });
        let (_, verify) = self.step(format!("{r}/v1/applications/{id}/identity"), &self.officer, identity, 200).await?;
        let (_, approve) =
            self.step(format!("{r}/v1/applications/{id}/approve"), &self.registrar, json!({}), 201).await?;
        Ok([submit, pay, callback, verify, approve])
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    crate::registry_bench::percentile(sorted, p)
}

async fn token(state: &registry::AppState, role: Role, scope: Option<&str>) -> Result<String> {
    let mut w = state.db.begin_write(&state.clock).await?;
    let now = w.now;
    let (_, token) = registry::auth::create_token(&mut w, "bench", role, scope, Some("bench"), now + 86_400).await?;
    w.commit().await?;
    Ok(token)
}

/// Runs `count` applications with `concurrency` clients on the database `url`.
async fn run_on(name: &str, url: &str, dir: &Path, count: usize, concurrency: usize, fsync: f64) -> Result<()> {
    let registry_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bank_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let (registry_url, bank_url) =
        (format!("http://{}", registry_listener.local_addr()?), format!("http://{}", bank_listener.local_addr()?));
    let authority = dwp_issuer::trust::Authority::demo();
    let journey = registry::journey::Journey { bank_url: Some(bank_url.clone()), ..Default::default() };
    let state = registry::open(registry::Options {
        authority: &authority,
        data: dir,
        did: "did:web:bench.dwp.invalid",
        database_url: url,
        clock: registry::Clock::system(),
        token_ttl: 86_400,
        hsm: None,
        master_key: registry::db::KeySource::File(dir.join("bench.master-key.json")),
        production: false,
        journey,
    })
    .await?;
    let (employer, officer, registrar) = (
        token(&state, Role::Employer, Some(EMPLOYER)).await?,
        token(&state, Role::Officer, None).await?,
        token(&state, Role::Registrar, None).await?,
    );
    let bank = crate::banksim::Bank::new(crate::banksim::Config {
        callback: format!("{registry_url}/v1/payments/bank-callback"),
        callback_token: None,
    });
    let servers = [
        tokio::spawn(async move { axum::serve(registry_listener, registry::app(state)).await }),
        tokio::spawn(async move { axum::serve(bank_listener, crate::banksim::app(bank)).await }),
    ];
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .max_idle_connections_per_host(concurrency * 2)
        .build()
        .into();
    let j = Arc::new(Journey {
        registry: registry_url,
        bank: bank_url,
        employer,
        officer,
        registrar,
        client: Client { agent },
    });
    let next = Arc::new(Mutex::new(0usize));
    let done = Arc::new(Mutex::new(0usize));
    let progress = indicatif::ProgressBar::new(count as u64).with_message(format!("{name}: applications"));
    progress.set_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (j, next, progress, done) = (j.clone(), next.clone(), progress.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let n = {
                    let mut g = next.lock().map_err(|_| anyhow::anyhow!("a client panicked"))?;
                    if *g >= count {
                        break;
                    }
                    *g += 1;
                    *g
                };
                times.push(j.one(n).await?);
                progress.inc(1);
                if let Ok(mut d) = done.lock() {
                    *d += 1;
                }
            }
            anyhow::Ok(times)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    progress.finish_and_clear();
    for s in servers {
        s.abort();
    }
    let per_sec = all.len() as f64 / elapsed;
    println!("{name:<9} {} applications in {elapsed:.1} s: {per_sec:.1} applications/s sustained", all.len());
    for (i, step) in STEPS.iter().enumerate() {
        let mut lat: Vec<Duration> = all.iter().map(|t| t[i]).collect();
        lat.sort();
        println!(
            "{name:<9}   {step:<14} p50 {:>6.1} ms   p99 {:>6.1} ms",
            percentile(&lat, 0.5),
            percentile(&lat, 0.99)
        );
    }
    let mut whole: Vec<Duration> = all.iter().map(|t| t.iter().sum()).collect();
    whole.sort();
    println!(
        "{name:<9}   whole journey  p50 {:>6.1} ms   p99 {:>6.1} ms",
        percentile(&whole, 0.5),
        percentile(&whole, 0.99)
    );
    let busy = INCUMBENT_DAY / (BUSY_HOURS * 3600.0);
    println!(
        "{name:<9} against 90,000 a day: {:.0}× its average rate ({:.2}/s), {:.0}× if all came in {BUSY_HOURS:.0} office hours ({busy:.2}/s); {:.0} a day at this rate",
        per_sec / (INCUMBENT_DAY / 86_400.0),
        INCUMBENT_DAY / 86_400.0,
        per_sec / busy,
        per_sec * 86_400.0
    );
    println!("{name:<9} applications/fsync ratio: {:.3} (each application is 4 durable writes)", per_sec / fsync);
    Ok(())
}

/// Runs the applications benchmark on SQLite and, when given, PostgreSQL.
pub fn run(count: usize, concurrency: usize, postgres: Option<&str>) -> Result<ExitCode> {
    if !(1..=100_000).contains(&count) || !(1..=256).contains(&concurrency) {
        bail!("--applications must be 1..=100000 and --concurrency 1..=256");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let dir = crate::registry_bench::scratch_dir()?;
        let fsync = crate::registry_bench::fsync_rate(&dir)?;
        println!(
            "applications bench: {count} applications, {concurrency} clients, loopback; each: {}",
            STEPS.join(" → ")
        );
        println!("reference: disk fsync {fsync:.0} commits/s (4 KiB write + fdatasync)");
        let sqlite = format!("sqlite://{}?mode=rwc", dir.join("registry.sqlite").display());
        let r = run_on("sqlite", &sqlite, &dir, count, concurrency, fsync).await;
        std::fs::remove_dir_all(&dir).ok();
        r?;
        if let Some(base) = postgres {
            let Some((server, _)) = base.rsplit_once('/') else {
                bail!("--postgres must be postgres://host:port/database");
            };
            let url = format!("{server}/{}", registry::auth::random_id("dwp_bench_")?);
            let dir = crate::registry_bench::scratch_dir()?;
            let r = run_on("postgres", &url, &dir, count, concurrency, fsync).await;
            std::fs::remove_dir_all(&dir).ok();
            use sqlx::migrate::MigrateDatabase;
            sqlx::Postgres::drop_database(&url).await.ok();
            if let Err(e) = r {
                println!("postgres  skipped: {e:#}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
