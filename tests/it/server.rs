//! A registry under test: the real `dwp serve` binary on a loopback port, on
//! SQLite (a file in a temporary directory) or PostgreSQL (a database of its
//! own on the local server, dropped afterwards).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests use (a server URL without a database).
pub fn postgres_server() -> String {
    std::env::var("DWP_TEST_POSTGRES").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432".to_string())
}

/// A new database's URL on [`postgres_server`], unique to this test (created by the registry's first start).
pub fn postgres_database_url() -> String {
    format!(
        "{}/dwp_it_{}_{}_{}",
        postgres_server(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
    )
}

/// A registry the tests speak HTTP to: the real `dwp serve` ([`Server`]) or its router in the test's
/// process ([`crate::inproc::InProc`]).
pub trait Registry {
    /// The bootstrap administrator token.
    fn admin(&self) -> &str;

    /// One request; `body` is (content type, bytes).
    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, &[u8])>,
        extra: &[(&str, &str)],
    ) -> Resp;

    fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.request("GET", path, token, None, &[])
    }

    /// A read of a worker's data, for a stated purpose (`DWP-Purpose`).
    fn read(&self, path: &str, token: Option<&str>, purpose: &str) -> Resp {
        self.request("GET", path, token, None, &[("dwp-purpose", purpose)])
    }

    fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.request("POST", path, token, Some(("application/json", body.to_string().as_bytes())), &[])
    }

    /// A new token of `role` (and `scope`), made by the administrator.
    fn token(&self, role: &str, scope: Option<&str>) -> String {
        let r = self.post("/v1/tokens", Some(self.admin()), &json!({ "role": role, "scope": scope }));
        assert_eq!(r.status, 201, "creating a {role} token: {}", r.body);
        r.json()["token"].as_str().expect("token").to_string()
    }

    fn issue(&self, registrar: &str, permit: &Value) -> Value {
        let r = self.post("/v1/permits", Some(registrar), permit);
        assert_eq!(r.status, 201, "issue: {}", r.body);
        r.json()
    }

    fn act(&self, registrar: &str, id: &str, action: &str, body: &Value) -> Resp {
        self.post(&format!("/v1/permits/{id}/{action}"), Some(registrar), body)
    }
}

/// Work on the data directory's path before the first start.
pub type Prepare = Box<dyn FnOnce(&std::path::Path)>;

/// How a test server is started, beyond its engine.
#[derive(Default)]
pub struct Opts {
    /// Environment variables for `dwp serve`.
    pub env: Vec<(String, String)>,
    /// Runs on the data directory's path before the first start (e.g. to mount a small file system there).
    pub prepare: Option<Prepare>,
    /// Extra `dwp serve` arguments.
    pub args: Vec<String>,
    /// An open-file limit (`ulimit -n`) for the server.
    pub nofile: Option<u32>,
    /// A umask for the server.
    pub umask: Option<&'static str>,
}

pub struct Server {
    child: Option<Child>,
    pub env: Vec<(String, String)>,
    pub dir: tempfile::TempDir,
    pub base: String,
    pub admin: String,
    pub database_url: Option<String>,
    /// The metrics URL, when started with `--metrics-listen`.
    pub metrics: Option<String>,
    agent: ureq::Agent,
    /// Extra `dwp serve` arguments, kept for restarts.
    args: Vec<String>,
    /// An open-file limit to run the server under.
    nofile: Option<u32>,
    /// The umask the server runs under, when the test sets one.
    umask: Option<&'static str>,
    /// Everything the server wrote to stderr (it is echoed as well).
    stderr: Arc<Mutex<String>>,
}

/// An answer's headers, as (name, value) pairs.
pub fn header_list(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers.iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect()
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("").to_string()
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

impl Server {
    pub fn start(engine: Engine) -> Server {
        Server::start_opts(engine, Opts::default())
    }

    /// Starts `dwp serve` with extra arguments (limits and the like).
    pub fn start_with(engine: Engine, args: &[&str]) -> Server {
        Server::start_opts(engine, Opts { args: args.iter().map(|a| a.to_string()).collect(), ..Opts::default() })
    }

    /// Starts `dwp serve` with extra arguments under an open-file limit (`ulimit -n`).
    pub fn start_limited(engine: Engine, args: &[&str], nofile: u32) -> Server {
        let args = args.iter().map(|a| a.to_string()).collect();
        Server::start_opts(engine, Opts { args, nofile: Some(nofile), ..Opts::default() })
    }

    /// Starts the server under a umask (`sh -c 'umask …; exec dwp serve …'`).
    pub fn start_with_umask(engine: Engine, umask: &'static str) -> Server {
        Server::start_opts(engine, Opts { umask: Some(umask), ..Opts::default() })
    }

    pub fn start_opts(engine: Engine, opts: Opts) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let database_url = (engine == Engine::Postgres).then(postgres_database_url);
        let mut s = Server {
            child: None,
            env: opts.env,
            dir,
            base: String::new(),
            admin: String::new(),
            database_url,
            metrics: None,
            agent: agent(),
            args: opts.args,
            nofile: opts.nofile,
            umask: opts.umask,
            stderr: Arc::default(),
        };
        if let Some(prepare) = opts.prepare {
            prepare(&s.data());
        }
        let admin = s.spawn();
        s.admin = admin.expect("first start prints a bootstrap token");
        s
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `dwp ARGS` beside the server, on its database.
    pub fn beside(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dwp"));
        cmd.args(args).env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().expect("dwp runs")
    }

    /// Starts the binary and waits for its "listening" line; returns the bootstrap token if printed.
    fn spawn(&mut self) -> Option<String> {
        let mut cmd = match (self.nofile, self.umask) {
            (None, None) => Command::new(env!("CARGO_BIN_EXE_dwp")),
            (nofile, umask) => {
                let mut script = String::new();
                if let Some(n) = nofile {
                    script.push_str(&format!("ulimit -n {n} && "));
                }
                if let Some(u) = umask {
                    script.push_str(&format!("umask {u} && "));
                }
                script.push_str(r#"exec "$0" "$@""#);
                let mut sh = Command::new("sh");
                sh.arg("-c").arg(script).arg(env!("CARGO_BIN_EXE_dwp"));
                sh
            }
        };
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--did", "did:web:registry.test", "--data"])
            .arg(self.data())
            .args(&self.args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        let mut child = cmd.spawn().expect("dwp serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let collected = Arc::clone(&self.stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                let mut all = collected.lock().expect("stderr buffer");
                all.push_str(&line);
                all.push('\n');
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        self.child = Some(child);
        let mut token = None;
        loop {
            let line = rx.recv_timeout(Duration::from_secs(120)).expect("dwp serve prints its address");
            if let Some(url) = line.strip_prefix("DWP registry listening on ") {
                self.base = url.trim().to_string();
            }
            if let Some(rest) = line.trim().strip_prefix("metrics on ") {
                self.metrics = rest.split_whitespace().next().map(str::to_string);
            }
            if let Some((_, t)) = line.split_once("token (shown once; keep it safe): ") {
                token = Some(t.trim().to_string());
            }
            if line.contains(" · database ") {
                // The bootstrap line, if any, follows at once.
                if let Ok(l) = rx.recv_timeout(Duration::from_millis(300))
                    && let Some((_, t)) = l.split_once("token (shown once; keep it safe): ")
                {
                    token = Some(t.trim().to_string());
                }
                return token;
            }
        }
    }

    /// The body of a GET answered 200, as bytes (an image).
    pub fn request_bytes(&self, path: &str, token: Option<&str>) -> Vec<u8> {
        let mut r = self.agent.get(&format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.header("authorization", &format!("Bearer {t}"));
        }
        let resp = r.call().unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(resp.status().as_u16(), 200, "GET {path}");
        let mut body = Vec::new();
        use std::io::Read;
        resp.into_body().into_reader().take(50 << 20).read_to_end(&mut body).expect("body");
        body
    }

    /// What the server has written to stderr so far, over all its starts.
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr buffer").clone()
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().ok();
            c.wait().ok();
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server is running").id()
    }

    /// The `host:port` the server listens on.
    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// SIGTERM; waits up to `within` for the process to exit and returns how long it took and
    /// its exit status. Kills it and fails if it is still running by then.
    pub fn terminate(&mut self, within: Duration) -> (Duration, std::process::ExitStatus) {
        let mut child = self.child.take().expect("the server is running");
        let sent = std::time::Instant::now();
        let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
        assert!(kill.success(), "kill -TERM {}", child.id());
        while sent.elapsed() < within {
            if let Some(status) = child.try_wait().expect("waiting for the server") {
                return (sent.elapsed(), status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().ok();
        child.wait().ok();
        panic!("dwp serve still running {within:?} after SIGTERM");
    }

    pub fn restart(&mut self) {
        self.kill();
        assert!(self.spawn().is_none(), "a restart must not print a new bootstrap token");
    }

    /// Restarts with other `dwp serve` arguments and environment, kept for later restarts.
    pub fn restart_with(&mut self, args: Vec<String>, env: Vec<(String, String)>) {
        (self.args, self.env) = (args, env);
        self.restart();
    }

    /// A request on a connection of its own (for requests the server answers by closing it).
    pub fn request_alone(&self, method: &str, path: &str, token: Option<&str>, body: Option<(&str, &[u8])>) -> Resp {
        self.request_alone_with(method, path, token, body, &[])
    }

    /// A request on a connection of its own, with extra headers.
    pub fn request_alone_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, &[u8])>,
        extra: &[(&str, &str)],
    ) -> Resp {
        self.request_with(&agent(), method, path, token, body, extra)
    }

    fn request_with(
        &self,
        agent: &ureq::Agent,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, &[u8])>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let url = format!("{}{path}", self.base);
        let mut headers: Vec<(&str, String)> =
            token.map(|t| ("authorization", format!("Bearer {t}"))).into_iter().collect();
        headers.extend(body.map(|(ctype, _)| ("content-type", ctype.to_string())));
        headers.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        fn with<B>(mut r: ureq::RequestBuilder<B>, headers: &[(&str, String)]) -> ureq::RequestBuilder<B> {
            for (k, v) in headers {
                r = r.header(*k, v);
            }
            r
        }
        let result = match (method, body) {
            ("GET", None) => with(agent.get(&url), &headers).call(),
            ("DELETE", None) => with(agent.delete(&url), &headers).call(),
            ("POST", Some((_, bytes))) => with(agent.post(&url), &headers).send(bytes),
            ("PUT", Some((_, bytes))) => with(agent.put(&url), &headers).send(bytes),
            (other, _) => panic!("unsupported request {other} with body {}", body.is_some()),
        };
        let resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let headers = header_list(resp.headers());
        let mut body = Vec::new();
        use std::io::Read;
        resp.into_body().into_reader().take(50 << 20).read_to_end(&mut body).expect("body");
        Resp { status, headers, body: String::from_utf8_lossy(&body).to_string() }
    }

    /// Runs SQL on the registry's database behind its back (an operator's edit, a fault to inject).
    pub fn sql(&self, statements: &[&str]) {
        let url = match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}", self.data().join("registry.sqlite").display()),
        };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
            for q in statements {
                sqlx::raw_sql(q).execute(&pool).await.unwrap_or_else(|e| panic!("{q}: {e}"));
            }
            pool.close().await;
        });
    }
}

impl Registry for Server {
    fn admin(&self) -> &str {
        &self.admin
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, &[u8])>,
        extra: &[(&str, &str)],
    ) -> Resp {
        self.request_with(&self.agent, method, path, token, body, extra)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if let Some(url) = &self.database_url {
            let url = url.clone();
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                rt.block_on(async {
                    use sqlx::migrate::MigrateDatabase;
                    sqlx::Postgres::force_drop_database(&url).await.ok();
                });
            }
        }
    }
}

/// The sample permit with another number (live permit numbers are unique).
pub fn sample_permit(n: usize) -> Value {
    let mut v: Value = serde_json::from_str(crate::common::SAMPLE).expect("sample");
    v["permitNumber"] = format!("WP-2569-21-{:06}", n).into();
    v
}

/// Runs `dwp serve` on a data directory that should be refused; returns its exit code, its stderr and how
/// long it took. Panics if it starts serving instead.
pub fn refused_start(data: &std::path::Path, database_url: Option<&str>, listen: &str) -> (i32, String, Duration) {
    refused_start_with(data, database_url, listen, &[], &[])
}

/// [`refused_start`] with more `dwp serve` arguments and environment variables.
pub fn refused_start_with(
    data: &std::path::Path,
    database_url: Option<&str>,
    listen: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, Duration) {
    use std::io::Read;
    let started = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(["serve", "--listen", listen, "--did", "did:web:registry.test"])
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("DATABASE_URL")
        .envs(database_url.map(|u| ("DATABASE_URL", u)))
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dwp serve starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).ok();
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().ok();
            child.wait().ok();
            panic!(
                "dwp serve did not refuse the data directory; it printed:\n{}\n{}",
                out.join().unwrap_or_default(),
                err.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let stdout = out.join().expect("stdout");
    assert!(!stdout.contains("listening"), "a refused start must not listen: {stdout}");
    (status.code().expect("exit code"), err.join().expect("stderr"), elapsed)
}

/// Runs a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_engines {
    ($name:ident, $body:path) => {
        mod $name {
            #[test]
            fn sqlite() {
                $body($crate::server::Engine::Sqlite)
            }
            #[test]
            fn postgres() {
                $body($crate::server::Engine::Postgres)
            }
        }
    };
}

/// The wall clock, for tests that check against what a running registry signed.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0)
}

/// Runs `dwp serve` on `data` (and `database_url`, else SQLite there) on a free loopback port; returns the
/// process, its URL and the bootstrap token if this start printed one.
pub fn start_process(data: &std::path::Path, database_url: Option<&str>) -> (Child, String, Option<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dwp"))
        .args(["serve", "--listen", "127.0.0.1:0", "--did", "did:web:registry.test", "--data"])
        .arg(data)
        .env_remove("DATABASE_URL")
        .envs(database_url.map(|u| ("DATABASE_URL", u)))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("dwp serve");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (mut base, mut token) = (String::new(), None);
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        if let Some(url) = line.strip_prefix("DWP registry listening on ") {
            base = url.trim().to_string();
        }
        if let Some((_, t)) = line.split_once("token (shown once; keep it safe): ") {
            token = Some(t.trim().to_string());
        }
        if line.starts_with("  it expires") || (line.contains(" · database ") && token.is_none() && !base.is_empty()) {
            // The token line, if any, follows the database line at once.
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(500))
                && let Some((_, t)) = l.split_once("token (shown once; keep it safe): ")
            {
                token = Some(t.trim().to_string());
            }
            break;
        }
    }
    assert!(!base.is_empty(), "dwp serve started");
    (child, base, token)
}
