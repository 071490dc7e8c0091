//! The `dwp` command line: argument definitions and the commands that only
//! read, sign and print. Exit codes: 0 valid/done, 1 rejected, 2 could not run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use dwp_issuer::keys::KeyPair;
use dwp_issuer::qr::Qr;
use dwp_issuer::sign::{self, IssuedPermit};
use dwp_issuer::trust::{Authority, did_document, sign_trust_list, trusted_issuer};
use dwp_verifier::codec;
use dwp_verifier::credential::{Issuance, KeyRef, StatusRef};
use dwp_verifier::ed25519::PublicKey;
use dwp_verifier::multikey;
use dwp_verifier::permit::Permit;
use dwp_verifier::proof;
use dwp_verifier::report;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::TrustList;
use dwp_verifier::verify;

use crate::files;

/// Digital Work Permit: issue, print and verify work permits as W3C Verifiable Credentials in QR codes.
#[derive(Debug, Parser)]
#[command(name = "dwp", version, about, long_about = None, after_help = "Exit codes: 0 valid or done, 1 rejected, 2 could not run.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate demo keys, issue the sample permit, show its QR and verify it offline.
    Demo {
        /// Where the demo keys and files go.
        #[arg(long, default_value = "dwp-demo")]
        out: PathBuf,
    },
    /// Issuer and root keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Sign a permit (PERMIT.json) and print its DWP1: QR payload.
    Issue(IssueArgs),
    /// Print the W3C credential (with its proof) rebuilt from a payload.
    Expand {
        /// The DWP1: payload.
        payload: String,
        /// Print the RFC 8785 canonical form (the bytes that are hashed) instead of indented JSON.
        #[arg(long)]
        canonical: bool,
    },
    /// Verify a permit offline: signature, validity and issuer trust.
    Verify(VerifyArgs),
    /// Sign or verify any W3C VC 2.0 document with a Data Integrity EdDSA proof.
    #[command(subcommand)]
    Vc(VcCommand),
    /// Measure verification speed and payload sizes (prints ratios measured in one run).
    Bench {
        #[command(subcommand)]
        what: Option<BenchCommand>,
    },
    /// Run the registry service (SQLite in DIR by default; PostgreSQL when DATABASE_URL=postgres://…).
    Serve {
        /// Data directory: the SQLite file and the keys (generated on first start).
        #[arg(long, default_value = "dwp-data")]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// The issuer DID for keys generated on first start (default: did:web of the listen address).
        #[arg(long)]
        did: Option<String>,
        /// The authority named in the trust list of keys generated on first start.
        #[command(flatten)]
        authority: AuthorityArgs,
        /// How log lines (one per request, on stderr) are written.
        #[arg(long, value_enum, default_value = "text")]
        log_format: crate::registry::observe::LogFormat,
        /// Days a new API token lives unless its creator says otherwise (1 to 3650).
        #[arg(long, default_value_t = crate::registry::DEFAULT_TOKEN_DAYS)]
        token_days: u32,
        /// Seconds a client has to send a whole request head (from the connection, or from the
        /// first byte of a later request on a kept-alive connection).
        #[arg(long, default_value_t = 10, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
        header_timeout_secs: u64,
        /// Seconds a connection may stay open with no byte moving while no request is being handled
        /// (keep-alive between requests, or a client that stops reading its response).
        #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
        idle_timeout_secs: u64,
        /// Connections served at once; one more gets 503 with Retry-After. Lowered if the
        /// open-file limit is too small for it.
        #[arg(long, default_value_t = 1024, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        max_connections: u64,
        /// Seconds SIGTERM or ctrl-c waits for requests in flight before closing what is left.
        #[arg(long, default_value_t = 10, value_name = "SECS")]
        shutdown_grace_secs: u64,
    },
    /// API tokens of the registry.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// The verifier bundle, for offline status checks.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Run a directory of conformance vectors (wallet-spec/vectors) and print pass/fail per vector.
    Conformance {
        /// The directory of vectors.
        dir: PathBuf,
        /// Write the vectors into DIR instead (fixed keys and times: the same files on every run).
        #[arg(long)]
        generate: bool,
        /// Print each vector's outcome as a JSON line (`{"id", "actual", "pass"}`) instead of a table.
        #[arg(long, conflicts_with = "generate")]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Drive a registry over loopback (SQLite, and PostgreSQL when reachable) and print throughput and p99 latency.
    Registry {
        /// Issuances per run (status changes: the same number).
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// PostgreSQL server to benchmark too (a scratch database is created and dropped).
        #[arg(long, default_value = "postgres://127.0.0.1:5432/postgres")]
        postgres: String,
        /// Skip PostgreSQL.
        #[arg(long)]
        sqlite_only: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token and print it on standard output (it is stored hashed and shown once).
    Create {
        /// Data directory of the registry (ignored when DATABASE_URL is set).
        #[arg(long, default_value = "dwp-data")]
        data: PathBuf,
        /// admin, registrar, officer, employer, partner, inspector or auditor.
        #[arg(long)]
        role: String,
        /// Employer: the juristic ID; partner: industrial-estate codes, comma-separated.
        #[arg(long)]
        scope: Option<String>,
        /// A note for the audit log (who holds the token).
        #[arg(long)]
        label: Option<String>,
        /// Days until the token expires (1 to 3650).
        #[arg(long, default_value_t = crate::registry::DEFAULT_TOKEN_DAYS)]
        days: u32,
    },
    /// List the registry's tokens: id, role, scope, label, created, expires, state (never a secret).
    List {
        /// Data directory of the registry (ignored when DATABASE_URL is set).
        #[arg(long, default_value = "dwp-data")]
        data: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token at once (its id, from `dwp tokens list`).
    Revoke {
        /// Data directory of the registry (ignored when DATABASE_URL is set).
        #[arg(long, default_value = "dwp-data")]
        data: PathBuf,
        /// The token's id (`tok_…`).
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write issuer-key.json, root-key.json (both mode 0600), did.json, trust-list.json and root-public-key.json.
    Generate {
        /// The directory to write to (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The issuer DID.
        #[arg(long, default_value = "did:web:dwp.doe.go.th")]
        did: String,
        #[command(flatten)]
        authority: AuthorityArgs,
    },
}

/// The issuing authority's name, as the trust list gives it to verifiers.
#[derive(Debug, Clone, Args)]
pub struct AuthorityArgs {
    /// The authority's name in English.
    #[arg(long, default_value = "Department of Employment")]
    pub authority_name: String,
    /// The authority's name in Thai.
    #[arg(long, default_value = "กรมการจัดหางาน")]
    pub authority_name_th: String,
}

impl AuthorityArgs {
    /// The authority, its names checked as permit texts are.
    ///
    /// # Errors
    /// Naming the flag whose text breaks a rule.
    pub fn authority(&self) -> Result<Authority> {
        dwp_verifier::text::check(&self.authority_name, 200).map_err(|e| anyhow::anyhow!("--authority-name {e}"))?;
        dwp_verifier::text::check(&self.authority_name_th, 200)
            .map_err(|e| anyhow::anyhow!("--authority-name-th {e}"))?;
        Ok(Authority { en: self.authority_name.clone(), th: self.authority_name_th.clone() })
    }
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// Directory holding issuer-key.json.
    #[arg(long)]
    pub keys: PathBuf,
    /// The permit (PERMIT.json).
    #[arg(long)]
    pub permit: PathBuf,
    /// Write the QR code as PNG.
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// Write the QR code as SVG.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Write the full W3C credential JSON.
    #[arg(long)]
    pub vc: Option<PathBuf>,
    /// Proof creation time (default: now), YYYY-MM-DDTHH:MM:SSZ.
    #[arg(long)]
    pub created: Option<String>,
    /// Status-list shard (the registry assigns it; default 1).
    #[arg(long, default_value_t = 1)]
    pub status_shard: u32,
    /// Status-list index (the registry assigns it; default: drawn at random below 131072).
    #[arg(long)]
    pub status_index: Option<u32>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signed trust list (trust-list.json); not needed with --bundle.
    #[arg(long, required_unless_present = "bundle", conflicts_with = "bundle")]
    pub trust: Option<PathBuf>,
    /// A verifier bundle (from `dwp bundle fetch`): trust list and status lists, for offline status checks.
    #[arg(long)]
    pub bundle: Option<PathBuf>,
    /// How old status information may be: inspector 72 h, employer 7 days, immigration 1 h.
    #[arg(long, value_enum, default_value = "inspector", requires = "bundle")]
    pub policy: PolicyArg,
    /// The pinned root key: z6Mk… or a JSON file with publicKeyMultibase. Without it the
    /// trust list is checked against the key that signed it, and a warning says so.
    #[arg(long)]
    pub root: Option<String>,
    /// Verify as of this instant (default: now), YYYY-MM-DDTHH:MM:SSZ.
    #[arg(long)]
    pub now: Option<String>,
    /// Print the verdict as JSON.
    #[arg(long)]
    pub json: bool,
    /// Read the QR code from a PNG or JPEG photo or screenshot.
    #[arg(long, conflicts_with = "payload")]
    pub image: Option<PathBuf>,
    /// Verify every payload of a .csv (column "payload", else the first) or .jsonl file (a string, or an
    /// object with "payload"), with batch signature verification; needs --bundle.
    #[arg(long, requires = "bundle", conflicts_with_all = ["payload", "image", "json"])]
    pub batch: Option<PathBuf>,
    /// With --batch: write one CSV row per input (verdict and reason).
    #[arg(long, requires = "batch")]
    pub report: Option<PathBuf>,
    /// The DWP1: payload, or - to read it from standard input.
    #[arg(required_unless_present_any = ["image", "batch"])]
    pub payload: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    Inspector,
    Employer,
    Immigration,
}

impl PolicyArg {
    fn policy(self) -> verify::Policy {
        match self {
            PolicyArg::Inspector => verify::Policy::Inspector,
            PolicyArg::Employer => verify::Policy::Employer,
            PolicyArg::Immigration => verify::Policy::Immigration,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Download (or copy) the registry's verifier bundle, check every piece, and store it; an older bundle
    /// than the one already stored is refused.
    Fetch {
        /// The registry (http://host:port, or the full /v1/bundle URL), or a bundle file.
        #[arg(long)]
        from: String,
        /// Where the bundle is kept.
        #[arg(long)]
        out: PathBuf,
        /// The pinned root key (z6Mk… or a JSON file with publicKeyMultibase). Without it, the root of the
        /// bundle already stored is kept; on first fetch, the bundle's root is accepted and shown.
        #[arg(long)]
        root: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Cryptosuite {
    #[value(name = "eddsa-jcs-2022")]
    EddsaJcs2022,
    #[value(name = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
}

#[derive(Debug, Subcommand)]
pub enum VcCommand {
    /// Add a DataIntegrityProof to a JSON document and print it.
    Sign {
        /// Key pair file (publicKeyMultibase + privateKeyMultibase).
        #[arg(long)]
        key: PathBuf,
        /// The cryptosuite.
        #[arg(long, value_enum)]
        cryptosuite: Cryptosuite,
        /// Proof creation time (default: now).
        #[arg(long)]
        created: Option<String>,
        /// The verificationMethod (default: the key file's id, else did:key:X#X).
        #[arg(long)]
        verification_method: Option<String>,
        /// The unsigned document.
        doc: PathBuf,
    },
    /// Verify a signed document's proof; exit 0 if it verifies, 1 if not.
    Verify {
        /// A key file with publicKeyMultibase.
        #[arg(long, conflicts_with = "did_doc", required_unless_present = "did_doc")]
        key: Option<PathBuf>,
        /// A DID document that lists the proof's verificationMethod under assertionMethod.
        #[arg(long)]
        did_doc: Option<PathBuf>,
        /// The signed document.
        signed: PathBuf,
    },
}

/// The current time, to the second.
pub fn now() -> UnixTime {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    UnixTime(i64::try_from(secs).unwrap_or(0))
}

fn parse_time(s: &str, what: &str) -> Result<UnixTime> {
    UnixTime::parse(s).with_context(|| format!("{what} {s:?}"))
}

/// Runs a command.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Demo { out } => crate::demo::run(&out),
        Command::Keys(KeysCommand::Generate { out, did, authority }) => {
            generate_keys(&out, &did, &authority.authority()?, now())?;
            println!(
                "wrote issuer-key.json, root-key.json (mode 0600), did.json, trust-list.json, root-public-key.json to {}",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Issue(args) => issue(&args),
        Command::Expand { payload, canonical } => {
            let signed = codec::decode(payload.trim()).context("decoding the payload")?;
            let text = signed.credential_json();
            if canonical {
                println!("{text}");
            } else {
                let value: Value = serde_json::from_str(&text).context("re-reading the credential")?;
                println!("{}", serde_json::to_string_pretty(&value)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify(args) => verify_cmd(&args),
        Command::Vc(cmd) => vc(cmd),
        Command::Bench { what: None } => crate::bench::run(),
        Command::Bench { what: Some(BenchCommand::Registry { requests, concurrency, postgres, sqlite_only }) } => {
            crate::registry_bench::run(requests, concurrency, (!sqlite_only).then_some(postgres.as_str()))
        }
        Command::Serve {
            data,
            listen,
            did,
            authority,
            log_format,
            token_days,
            header_timeout_secs,
            idle_timeout_secs,
            max_connections,
            shutdown_grace_secs,
        } => {
            crate::registry::auth::check_days(token_days).map_err(|e| anyhow::anyhow!("--token-days: {e}"))?;
            let limits = crate::registry::listen::Limits {
                header_read_timeout: Duration::from_secs(header_timeout_secs),
                idle_timeout: Duration::from_secs(idle_timeout_secs),
                max_connections: usize::try_from(max_connections).context("--max-connections")?,
                shutdown_grace: Duration::from_secs(shutdown_grace_secs),
            };
            let config = crate::registry::ServeConfig {
                did: did.unwrap_or_else(|| crate::registry::default_did(&listen)),
                data,
                listen,
                authority: authority.authority()?,
                token_days,
                limits,
                log_format,
            };
            crate::registry::serve(config)
        }
        Command::Conformance { dir, generate: true, .. } => crate::conformance::generate(&dir),
        Command::Conformance { dir, generate: false, json } => crate::conformance::run(&dir, json),
        Command::Bundle(BundleCommand::Fetch { from, out, root }) => crate::field::fetch(&from, &out, root.as_deref()),
        Command::Tokens(TokensCommand::Create { data, role, scope, label, days }) => {
            crate::registry::create_token_cli(&data, &role, scope.as_deref(), label.as_deref(), days)
        }
        Command::Tokens(TokensCommand::List { data, json }) => crate::registry::list_tokens_cli(&data, json),
        Command::Tokens(TokensCommand::Revoke { data, id }) => crate::registry::revoke_token_cli(&data, &id),
    }
}

/// The files `keys generate` writes, by name.
pub const ISSUER_KEY: &str = "issuer-key.json";
/// Root key file name.
pub const ROOT_KEY: &str = "root-key.json";
/// Root public key file name.
pub const ROOT_PUBLIC: &str = "root-public-key.json";
/// Trust list file name.
pub const TRUST_LIST: &str = "trust-list.json";

/// Generates an issuer key and a root key, and writes the DID document and a
/// signed trust list naming `authority`.
pub fn generate_keys(out: &Path, did: &str, authority: &Authority, now: UnixTime) -> Result<()> {
    // Check the DID by building an issuance with it.
    Issuance::new(did, KeyRef::Numbered(1), now, StatusRef { shard: 0, index: 0 })
        .with_context(|| format!("--did {did:?}"))?;
    files::create_private_dir(out)?;
    for name in [ISSUER_KEY, ROOT_KEY] {
        if out.join(name).exists() {
            bail!("{} already exists; refusing to overwrite keys", out.join(name).display());
        }
    }
    let vm = format!("{did}#key-1");
    let issuer = KeyPair::generate(Some(vm.clone()))?;
    let root = KeyPair::generate(None)?;
    let issuer_file = serde_json::to_string_pretty(&issuer.to_file(Some(did)))?;
    files::write_secret(&out.join(ISSUER_KEY), issuer_file.as_bytes())?;
    let root_file = serde_json::to_string_pretty(&root.to_file(None))?;
    files::write_secret(&out.join(ROOT_KEY), root_file.as_bytes())?;
    let root_public = json!({ "id": root.did_key(), "publicKeyMultibase": root.public_multibase() });
    files::write_public(&out.join(ROOT_PUBLIC), serde_json::to_string_pretty(&root_public)?.as_bytes())?;
    let did_doc = did_document(did, &[(vm.as_str(), issuer.public_multibase())]);
    files::write_public(&out.join("did.json"), serde_json::to_string_pretty(&did_doc)?.as_bytes())?;
    let trusted = trusted_issuer(did, authority, &issuer, now, UnixTime(now.0 + 10 * 366 * 86_400));
    let trust = sign_trust_list(&root, 1, now, vec![trusted])?;
    files::write_public(&out.join(TRUST_LIST), serde_json::to_string_pretty(&trust)?.as_bytes())?;
    Ok(())
}

/// Reads the issuer key of a keys directory.
pub fn load_issuer_key(dir: &Path) -> Result<(KeyPair, String)> {
    let path = dir.join(ISSUER_KEY);
    let key = KeyPair::from_json(&files::read_text(&path, "issuer key")?)
        .with_context(|| format!("reading {}", path.display()))?;
    let vm = key.id.clone().with_context(|| format!("{} has no \"id\" (verification method)", path.display()))?;
    let did = vm
        .split_once('#')
        .map(|(d, _)| d.to_string())
        .with_context(|| format!("{}: id {vm:?} has no #fragment", path.display()))?;
    Ok((key, did))
}

fn random_index() -> Result<u32> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).context("system random source")?;
    Ok(u32::from_le_bytes(b) % 131_072)
}

/// Signs a permit with the keys of `dir`.
pub fn issue_with(dir: &Path, permit: Permit, created: UnixTime, status: StatusRef) -> Result<IssuedPermit> {
    let (key, did) = load_issuer_key(dir)?;
    let vm = key.id.clone().unwrap_or_default();
    let issuance = Issuance::new(&did, KeyRef::Other(vm), created, status).context("issuance parameters")?;
    Ok(sign::issue_permit(permit, issuance, &key)?)
}

fn issue(args: &IssueArgs) -> Result<ExitCode> {
    let permit = Permit::from_json(&files::read_text(&args.permit, "permit")?)
        .with_context(|| format!("permit {}", args.permit.display()))?;
    let created = match &args.created {
        Some(c) => parse_time(c, "--created")?,
        None => now(),
    };
    let index = match args.status_index {
        Some(i) => i,
        None => random_index()?,
    };
    let issued = issue_with(&args.keys, permit, created, StatusRef { shard: args.status_shard, index })?;
    let qr = Qr::new(&issued.payload)?;
    if let Some(path) = &args.png {
        files::write_public(path, &qr.png(8)?)?;
    }
    if let Some(path) = &args.svg {
        files::write_public(path, qr.svg().as_bytes())?;
    }
    if let Some(path) = &args.vc {
        let value: Value = serde_json::from_str(&issued.credential_json)?;
        files::write_public(path, serde_json::to_string_pretty(&value)?.as_bytes())?;
    }
    eprintln!("payload: {} characters, QR version {} at error correction Q", issued.payload.len(), qr.version());
    println!("{}", issued.payload);
    Ok(ExitCode::SUCCESS)
}

/// Reads a root key argument: `z6Mk…` or a JSON file with `publicKeyMultibase`.
pub fn parse_root(arg: &str) -> Result<[u8; 32]> {
    if let Some(k) = multikey::decode_public(arg) {
        return Ok(k);
    }
    let text = files::read_text(Path::new(arg), "root key")?;
    let v: Value = serde_json::from_str(&text).with_context(|| format!("root key file {arg}"))?;
    v.get("publicKeyMultibase")
        .and_then(Value::as_str)
        .and_then(multikey::decode_public)
        .with_context(|| format!("root key file {arg} has no Ed25519 publicKeyMultibase"))
}

/// Loads and checks a trust list; says on stderr when the root is not pinned.
pub fn load_trust(path: &Path, root: Option<&str>) -> Result<(TrustList, bool)> {
    let pinned = root.map(parse_root).transpose()?;
    let text = files::read_text(path, "trust list")?;
    let trust = TrustList::verify(&text, pinned.as_ref()).with_context(|| format!("trust list {}", path.display()))?;
    if pinned.is_none() {
        eprintln!(
            "warning: trust list root key not pinned (pass --root); accepting {} as root",
            multikey::did_key(trust.root())
        );
    }
    Ok((trust, pinned.is_some()))
}

fn read_payload(args: &VerifyArgs) -> Result<String> {
    if let Some(img) = &args.image {
        return crate::scan::payload_from_image(img);
    }
    match args.payload.as_deref() {
        Some("-") => {
            use std::io::Read;
            let mut s = String::new();
            std::io::stdin()
                .take(codec::MAX_PAYLOAD_CHARS as u64 * 4)
                .read_to_string(&mut s)
                .context("reading standard input")?;
            Ok(s.trim().to_string())
        }
        Some(p) => Ok(p.trim().to_string()),
        None => bail!("give a payload, - for standard input, or --image FILE"),
    }
}

fn verify_cmd(args: &VerifyArgs) -> Result<ExitCode> {
    let now = match &args.now {
        Some(n) => parse_time(n, "--now")?,
        None => now(),
    };
    if let (Some(batch), Some(bundle)) = (&args.batch, &args.bundle) {
        return crate::batch::run(
            batch,
            bundle,
            args.root.as_deref(),
            args.policy.policy(),
            now,
            args.report.as_deref(),
        );
    }
    let payload = read_payload(args)?;
    let (verdict, trust, pinned, policy) = match (&args.bundle, &args.trust) {
        (Some(path), _) => {
            let (bundle, pinned) = crate::field::load_bundle(path, args.root.as_deref())?;
            let policy = args.policy.policy();
            (verify::verify_with_bundle(&payload, &bundle, policy, now), bundle.trust().clone(), pinned, Some(policy))
        }
        (None, Some(trust)) => {
            let (trust, pinned) = load_trust(trust, args.root.as_deref())?;
            (verify::verify(&payload, &trust, now), trust, pinned, None)
        }
        (None, None) => bail!("give --trust FILE or --bundle FILE"),
    };
    let mut doc = report::document(&payload, &verdict, &trust, policy, now);
    doc["rootPinned"] = pinned.into();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print_verdict(&doc);
    }
    Ok(if verdict.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn field<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter().try_fold(v, |v, k| v.get(k)).and_then(Value::as_str).unwrap_or("-")
}

/// Prints a verdict for people, in English and Thai.
pub fn print_verdict(report: &Value) {
    let en = field(report, &["message", "en"]);
    let th = field(report, &["message", "th"]);
    if report["valid"] == true {
        match report.get("statusFreshness") {
            Some(f) => println!(
                "VALID / ถูกต้อง — {en} {th} — {} / {}",
                f["en"].as_str().unwrap_or("-"),
                f["th"].as_str().unwrap_or("-")
            ),
            None => println!("VALID / ถูกต้อง — {en} {th}"),
        }
        let p = &report["permit"];
        println!("  Permit / เลขที่ใบอนุญาต     {} ({})", field(p, &["permitNumber"]), field(p, &["category"]));
        let native = p.get("nativeName").and_then(Value::as_str).map(|n| format!(" ({n})")).unwrap_or_default();
        println!("  Name / ชื่อ               {}{native}", field(p, &["name"]));
        println!("  Nationality / สัญชาติ      {} ({})", field(p, &["nationalityName"]), field(p, &["nationality"]));
        println!("  Born / วันเกิด             {}", field(p, &["birthDate"]));
        println!(
            "  Document / เอกสาร         {} {} ({})",
            field(p, &["document", "type"]),
            field(p, &["document", "number"]),
            field(p, &["document", "country"])
        );
        println!(
            "  Employer / นายจ้าง         {} ({})",
            field(p, &["employer", "name"]),
            field(p, &["employer", "juristicId"])
        );
        println!(
            "  Workplace / สถานที่ทำงาน   {} / {} {}",
            field(p, &["workplace", "provinceName", "en"]),
            field(p, &["workplace", "provinceName", "th"]),
            p["workplace"]["industrialEstate"].as_str().unwrap_or("")
        );
        println!(
            "  Occupation / อาชีพ        {} {}",
            field(p, &["occupation", "isco08"]),
            field(p, &["occupation", "title"])
        );
        println!("  Valid / มีผล               {} to/ถึง {}", field(p, &["validFrom"]), field(p, &["validUntil"]));
        println!("  Issuer / ผู้ออก             {}", field(p, &["issuerName", "en"]));
        if report["statusChecked"] == true {
            println!(
                "  Status / สถานะ             not revoked or suspended — {} / {}",
                field(report, &["statusFreshness", "en"]),
                field(report, &["statusFreshness", "th"])
            );
        } else {
            println!("  Status lists not checked (no bundle) / ยังไม่ได้ตรวจสถานะการเพิกถอน");
        }
    } else {
        println!("REJECTED / ไม่ผ่าน ({}) — {en} {th}", field(report, &["reason"]));
        println!("  {}", field(report, &["explanation"]));
        if report.get("statusFreshness").is_some() {
            println!("  {} / {}", field(report, &["statusFreshness", "en"]), field(report, &["statusFreshness", "th"]));
        }
    }
}

fn vc(cmd: VcCommand) -> Result<ExitCode> {
    match cmd {
        VcCommand::Sign { key, cryptosuite, created, verification_method, doc } => {
            let pair = KeyPair::from_json(&files::read_text(&key, "key")?)
                .with_context(|| format!("key {}", key.display()))?;
            let doc_value: Value = serde_json::from_str(&files::read_text(&doc, "document")?)
                .with_context(|| format!("document {}", doc.display()))?;
            let created = match created {
                Some(c) => parse_time(&c, "--created")?.to_string(),
                None => now().to_string(),
            };
            let vm =
                verification_method.or_else(|| pair.id.clone()).unwrap_or_else(|| pair.did_key_verification_method());
            let signed = match cryptosuite {
                Cryptosuite::EddsaJcs2022 => sign::sign_jcs(&doc_value, &pair, &created, &vm)?,
                Cryptosuite::EddsaRdfc2022 => sign::sign_rdfc(&doc_value, &pair, &created, &vm)?,
            };
            println!("{}", serde_json::to_string_pretty(&signed)?);
            Ok(ExitCode::SUCCESS)
        }
        VcCommand::Verify { key, did_doc, signed } => {
            let value: Value = serde_json::from_str(&files::read_text(&signed, "signed document")?)
                .with_context(|| format!("document {}", signed.display()))?;
            let vm = value
                .get("proof")
                .and_then(|p| p.get("verificationMethod"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let key_bytes = match (key, did_doc) {
                (Some(k), _) => {
                    let v: Value = serde_json::from_str(&files::read_text(&k, "key")?)
                        .with_context(|| format!("key {}", k.display()))?;
                    v.get("publicKeyMultibase")
                        .and_then(Value::as_str)
                        .and_then(multikey::decode_public)
                        .with_context(|| format!("key {} has no Ed25519 publicKeyMultibase", k.display()))?
                }
                (None, Some(d)) => {
                    let doc: Value = serde_json::from_str(&files::read_text(&d, "DID document")?)
                        .with_context(|| format!("DID document {}", d.display()))?;
                    match proof::key_in_did_document(&doc, &vm) {
                        Some(k) => k,
                        None => {
                            println!("not verified: the DID document does not list {vm:?} as an assertion method");
                            return Ok(ExitCode::from(1));
                        }
                    }
                }
                (None, None) => bail!("give --key or --did-doc"),
            };
            let public = match PublicKey::from_bytes(&key_bytes) {
                Ok(p) => p,
                Err(e) => {
                    println!("not verified: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            let suite =
                value.get("proof").and_then(|p| p.get("cryptosuite")).and_then(Value::as_str).unwrap_or_default();
            let result = match suite {
                "eddsa-rdfc-2022" => sign::verify_rdfc(&value, &public).map_err(|e| e.to_string()),
                _ => proof::verify_jcs(&value, &public).map(|_| ()).map_err(|e| e.to_string()),
            };
            match result {
                Ok(()) => {
                    println!("verified: {suite} proof by {vm}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("not verified: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
