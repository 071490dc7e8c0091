//! Verification in the field: fetching and keeping the verifier bundle
//! (`dwp bundle fetch`), and loading it for `dwp verify --bundle`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use dwp_verifier::bundle::{Bundle, MAX_BUNDLE_BYTES};
use dwp_verifier::multikey;

use dwp_verifier::report::local_time;

use crate::files;
use crate::keyfiles::parse_root;

/// Loads a stored bundle for verification. Invalid status lists are kept as
/// such (their permits get `status_list_invalid`); a warning names them.
pub fn load_bundle(path: &Path, root: Option<&str>) -> Result<(Bundle, bool)> {
    let pinned = root.map(parse_root).transpose()?;
    let text = files::read_bytes(path, "bundle", MAX_BUNDLE_BYTES as u64)?;
    let text = String::from_utf8(text).with_context(|| format!("bundle {} is not UTF-8", path.display()))?;
    let bundle = Bundle::verify(&text, pinned.as_ref()).with_context(|| format!("bundle {}", path.display()))?;
    if pinned.is_none() {
        eprintln!(
            "warning: trust list root key not pinned (pass --root); accepting {} as root",
            multikey::did_key(bundle.trust().root())
        );
    }
    Ok((bundle, pinned.is_some()))
}

fn download(url: &str) -> Result<String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent.get(url).header("accept", "application/json").call().with_context(|| format!("fetching {url}"))?;
    let status = resp.status();
    if !status.is_success() {
        bail!("fetching {url}: HTTP {status}");
    }
    resp.into_body()
        .with_config()
        .limit(MAX_BUNDLE_BYTES as u64)
        .read_to_string()
        .with_context(|| format!("reading the bundle from {url} (at most {MAX_BUNDLE_BYTES} bytes)"))
}

/// `dwp bundle fetch`.
pub fn fetch(from: &str, out: &Path, root: Option<&str>) -> Result<ExitCode> {
    let text = if from.starts_with("http://") || from.starts_with("https://") {
        let url = if from.trim_end_matches('/').ends_with("/v1/bundle") {
            from.to_string()
        } else {
            format!("{}/v1/bundle", from.trim_end_matches('/'))
        };
        download(&url)?
    } else {
        let bytes = files::read_bytes(Path::new(from), "bundle", MAX_BUNDLE_BYTES as u64)?;
        String::from_utf8(bytes).with_context(|| format!("bundle {from} is not UTF-8"))?
    };
    let held = if out.exists() {
        let old = files::read_bytes(out, "stored bundle", MAX_BUNDLE_BYTES as u64)?;
        let old = String::from_utf8(old).context("the stored bundle is not UTF-8")?;
        Some(Bundle::verify(&old, None).with_context(|| format!("the stored bundle {} is unreadable", out.display()))?)
    } else {
        None
    };
    // The root: the one given, else the one of the bundle already held (never silently replaced).
    let pinned = match (root, &held) {
        (Some(r), _) => Some(parse_root(r)?),
        (None, Some(h)) => Some(*h.trust().root()),
        (None, None) => None,
    };
    let bundle = Bundle::verify(&text, pinned.as_ref())
        .and_then(Bundle::strict)
        .with_context(|| format!("the bundle from {from} was refused; {} is unchanged", out.display()))?;
    if let Some(h) = &held {
        bundle
            .check_not_older_than(h)
            .with_context(|| format!("the bundle from {from} was refused; {} is unchanged", out.display()))?;
    }
    files::write_public(out, text.as_bytes())?;
    let lists = bundle.lists().count();
    let as_of = bundle.status_as_of().map(local_time).unwrap_or_else(|| "-".into());
    println!(
        "stored {}: trust list {} (root {}), {lists} status lists, status as of {as_of}",
        out.display(),
        bundle.trust().sequence(),
        multikey::did_key(bundle.trust().root())
    );
    if pinned.is_none() {
        eprintln!(
            "warning: first bundle: its root key was accepted as is; compare it with the one the department publishes"
        );
    }
    Ok(ExitCode::SUCCESS)
}
