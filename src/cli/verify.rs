//! `dwp verify`: one permit offline against a trust list or a verifier bundle,
//! from an argument, standard input or a photo; or a whole file of them
//! (`crate::batch`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use dwp_verifier::codec;
use dwp_verifier::holder::HolderWindow;
use dwp_verifier::policy::{Audience, EmployerScope, ScopeError};
use dwp_verifier::report;
use dwp_verifier::verify;

use super::parse_time;
use crate::keyfiles::load_trust;
use crate::registry::Clock;
use crate::verdict::print_verdict;

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
    /// Clock tolerance for holder proofs (DWP1H:), in seconds beyond the ±1 step of 30 s (at most 3600).
    #[arg(long, default_value_t = 0, value_name = "SECS")]
    pub holder_tolerance: u32,
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
    /// Check for this employer (13-digit juristic ID with its check digit): a valid permit naming
    /// another employer is refused as other_employer (exit 1).
    #[arg(long, value_name = "JURISTIC_ID")]
    pub employer: Option<String>,
    /// With --employer: the province of the workplace (ISO 3166-2:TH, e.g. TH-21); a permit for
    /// another province is refused as other_workplace.
    #[arg(long, value_name = "TH-NN", requires = "employer")]
    pub province: Option<String>,
    /// With --employer: the industrial-estate code of the workplace (e.g. ESIE); a permit for another
    /// estate, or none, is refused as other_workplace.
    #[arg(long, value_name = "CODE", requires = "employer")]
    pub estate: Option<String>,
    /// The DWP1: payload or DWP1H: holder presentation, or - to read it from standard input.
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

/// Whom the verdict is for: anyone, or the employer of `--employer` at `--province` / `--estate`.
///
/// # Errors
/// An option that is not a juristic ID, a province or an estate code (exit code 2).
pub fn audience(args: &VerifyArgs) -> Result<Audience> {
    let Some(id) = &args.employer else { return Ok(Audience::Anyone) };
    let scope = EmployerScope::parse(id, args.province.as_deref(), args.estate.as_deref()).map_err(|e| {
        let (option, value) = match e {
            ScopeError::UnknownProvince => ("--province", args.province.as_deref()),
            ScopeError::EstatePattern => ("--estate", args.estate.as_deref()),
            _ => ("--employer", Some(id.as_str())),
        };
        anyhow::anyhow!("{option} {}: {e}", value.unwrap_or_default())
    })?;
    Ok(Audience::Employer(scope))
}

/// Verifies and prints the verdict: 0 valid, 1 rejected (other_employer and other_workplace too:
/// not valid for this employer).
///
/// # Errors
/// When an input cannot be read (exit code 2).
pub fn run(args: &VerifyArgs) -> Result<ExitCode> {
    let now = match &args.now {
        Some(n) => parse_time(n, "--now")?,
        None => Clock::system().now(),
    };
    let window = HolderWindow::with_tolerance(args.holder_tolerance).with_context(|| {
        format!(
            "--holder-tolerance {} is more than {} seconds",
            args.holder_tolerance,
            HolderWindow::MAX_TOLERANCE_SECS
        )
    })?;
    let audience = audience(args)?;
    if let (Some(batch), Some(bundle)) = (&args.batch, &args.bundle) {
        return crate::batch::run(
            batch,
            bundle,
            args.root.as_deref(),
            (args.policy.policy(), &audience),
            (now, window),
            args.report.as_deref(),
        );
    }
    let payload = read_payload(args)?;
    let (verdict, trust, pinned, policy) = match (&args.bundle, &args.trust) {
        (Some(path), _) => {
            let (bundle, pinned) = crate::field::load_bundle(path, args.root.as_deref())?;
            let policy = args.policy.policy();
            let verdict = verify::verify_with_bundle_within(&payload, &bundle, policy, now, window, &audience);
            (verdict, bundle.trust().clone(), pinned, Some(policy))
        }
        (None, Some(trust)) => {
            let (trust, pinned) = load_trust(trust, args.root.as_deref())?;
            (verify::verify_within(&payload, &trust, now, window, &audience), trust, pinned, None)
        }
        (None, None) => bail!("give --trust FILE or --bundle FILE"),
    };
    let mut doc = report::document(&payload, &verdict, &trust, policy, now);
    report::checked_for(&mut doc, &audience);
    doc["rootPinned"] = pinned.into();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print_verdict(&doc);
    }
    Ok(if verdict.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
