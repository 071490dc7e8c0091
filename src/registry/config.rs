//! How the registry is configured: the database URL, the data directory and
//! its modes, the issuer DID, token lifetimes, where the verifier page is.

use std::path::Path;

use anyhow::{Context, Result};

use super::clock::Clock;
use super::{listen, observe};

/// The verifier page's files: `DWP_WEB_DIR`, else `web/dist` when built.
pub fn web_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("DWP_WEB_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| "web/dist".into());
    dir.join("index.html").is_file().then_some(dir)
}

/// The database URL: `DATABASE_URL`, else an SQLite file in the data directory.
pub fn database_url(data: &Path) -> Result<String> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Ok(url),
        _ => {
            crate::files::create_private_dir(data)?;
            let path = data.join("registry.sqlite");
            let path = path.to_str().context("the data directory's path is not UTF-8")?;
            Ok(format!("sqlite://{path}?mode=rwc"))
        }
    }
}

/// Makes the data directory private, whatever the umask: the directory and its
/// `keys` folder 0700, every file directly in them 0600 (the SQLite database,
/// its `-wal`, `-shm` and `-journal` files, the keys, and the public files too:
/// they are served over HTTP, never read from here by anyone else). The
/// directory belongs to the registry; folders other than `keys` are not
/// entered. Returns what it had to tighten, with the mode it had.
pub fn secure_data_dir(data: &Path) -> Result<Vec<(std::path::PathBuf, u32)>> {
    crate::files::create_private_dir(data)?;
    let mut tightened = Vec::new();
    for dir in [data.to_path_buf(), data.join("keys")] {
        if !dir.is_dir() {
            continue;
        }
        tightened.extend(crate::files::restrict(&dir)?.map(|mode| (dir.clone(), mode)));
        let entries = std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
        for entry in entries {
            let path = entry.with_context(|| format!("listing {}", dir.display()))?.path();
            if path.symlink_metadata().is_ok_and(|m| m.is_file()) {
                tightened.extend(crate::files::restrict(&path)?.map(|mode| (path, mode)));
            }
        }
    }
    Ok(tightened)
}

/// [`secure_data_dir`], saying on stderr what was open to other users.
pub fn secure_data_dir_reporting(data: &Path) -> Result<()> {
    for (path, mode) in secure_data_dir(data)? {
        let to = if path.is_dir() { "0700" } else { "0600" };
        eprintln!("{} was mode {mode:04o}, open to other users; changed it to {to}", path.display());
    }
    Ok(())
}

/// How the registry is opened: where, as whom, on which clock.
pub struct Options<'a> {
    /// The data directory (keys, and the SQLite file by default).
    pub data: &'a Path,
    /// The issuer DID for keys generated on first start.
    pub did: &'a str,
    /// The authority the trust list of keys generated on first start names.
    pub authority: &'a dwp_issuer::trust::Authority,
    /// The database.
    pub database_url: &'a str,
    /// The clock.
    pub clock: Clock,
    /// How long a new token lives unless its creator says otherwise, in seconds.
    pub token_ttl: i64,
    /// The issuer key's hardware token, if it is in one.
    pub hsm: Option<&'a crate::hsm::HsmConfig>,
    /// Where the master key that seals personal data is.
    pub master_key: super::db::KeySource,
    /// A production registry: its key set is made offline, and the root's secret key is never here.
    pub production: bool,
    /// The application journey's configuration.
    pub journey: super::journey::Journey,
}

/// How long the bootstrap administrator token lives.
pub const BOOTSTRAP_TTL_SECS: i64 = 86_400;
/// How long a token lives by default.
pub const DEFAULT_TOKEN_DAYS: u32 = 90;

/// `did:web` for a listen address: `127.0.0.1:8080` → `did:web:127.0.0.1%3A8080`.
pub fn default_did(listen: &str) -> String {
    match listen.rsplit_once(':') {
        Some((host, "0")) | Some((host, "443")) => format!("did:web:{}", host.trim_matches(['[', ']'])),
        Some((host, port)) => format!("did:web:{}%3A{port}", host.trim_matches(['[', ']'])),
        None => format!("did:web:{listen}"),
    }
}

/// The registry's public base URL, which is also its OpenID4VCI credential
/// issuer identifier: `DWP_PUBLIC_URL` (an `https://` or `http://` origin,
/// with an optional path), else the URL the `did:web` DID resolves at
/// (`did:web:example.org%3A8443:dwp` → `https://example.org:8443/dwp`; `http`
/// for a loopback host, which has no certificate).
///
/// # Errors
/// When `DWP_PUBLIC_URL` is not such a URL, or the DID is not a `did:web`.
pub fn public_url(did: &str) -> Result<String> {
    if let Ok(url) = std::env::var("DWP_PUBLIC_URL")
        && !url.trim().is_empty()
    {
        let url = url.trim().trim_end_matches('/');
        let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
            && !url.contains(['?', '#', ' ', '@'])
            && url.is_ascii();
        anyhow::ensure!(
            ok,
            "DWP_PUBLIC_URL must be an https:// or http:// URL without query or fragment (got {url:?})"
        );
        return Ok(url.to_string());
    }
    anyhow::ensure!(did.starts_with("did:web:"), "the issuer DID {did} is not a did:web");
    let url = dwp_verifier::credential::did_web_base_url(did);
    let host = url.trim_start_matches("https://").split(['/']).next().unwrap_or_default();
    let bare = host.rsplit_once(':').filter(|(h, _)| !h.ends_with('[')).map_or(host, |(h, _)| h);
    Ok(match ["127.0.0.1", "localhost", "[::1]"].contains(&bare) {
        true => url.replacen("https://", "http://", 1),
        false => url,
    })
}

/// What `dwp serve` is told, from its flags.
pub struct ServeConfig {
    /// The data directory.
    pub data: std::path::PathBuf,
    /// The address to listen on.
    pub listen: String,
    /// The issuer DID for keys generated on first start.
    pub did: String,
    /// The authority the trust list of keys generated on first start names.
    pub authority: dwp_issuer::trust::Authority,
    /// Days a new token lives by default.
    pub token_days: u32,
    /// Connection limits.
    pub limits: listen::Limits,
    /// How log lines are written.
    pub log_format: observe::LogFormat,
    /// The issuer key's hardware token, if it is in one.
    pub hsm: Option<crate::hsm::HsmConfig>,
    /// The master key file (`--master-key`); else `DWP_MASTER_KEY_FILE`, else beside the data directory.
    pub master_key: Option<std::path::PathBuf>,
    /// `--production`: the key set is made offline, and the root's secret key is never here.
    pub production: bool,
    /// `--metrics-listen`: where `/metrics` is served (never on the public listener).
    pub metrics_listen: Option<String>,
    /// The master key in a hardware token (`--hsm-master-key`), instead of the file.
    pub hsm_master: Option<crate::hsm::HsmConfig>,
    /// The application journey's configuration.
    pub journey: super::journey::Journey,
}

/// Where the master key of a registry is: the token's key when given, else the file.
pub fn key_source(data: &Path, file: Option<&Path>, token: Option<&crate::hsm::HsmConfig>) -> super::db::KeySource {
    let file = master_key_path(data, file);
    match token {
        Some(config) => super::db::KeySource::Hsm {
            config: config.clone(),
            index_file: super::crypt::default_index_path(data),
            file,
        },
        None => super::db::KeySource::File(file),
    }
}

/// The master key file: the flag's, else `DWP_MASTER_KEY_FILE`, else
/// `<data>.master-key.json` beside the data directory.
pub fn master_key_path(data: &Path, flag: Option<&Path>) -> std::path::PathBuf {
    match (flag, std::env::var_os("DWP_MASTER_KEY_FILE")) {
        (Some(p), _) => p.to_path_buf(),
        (None, Some(p)) if !p.is_empty() => p.into(),
        _ => super::crypt::default_key_path(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_is_where_the_did_resolves() {
        // `DWP_PUBLIC_URL` is not set in the unit tests' environment.
        if std::env::var_os("DWP_PUBLIC_URL").is_some() {
            return;
        }
        let url = |did: &str| public_url(did).expect("a did:web");
        assert_eq!(url("did:web:dwp.doe.go.th"), "https://dwp.doe.go.th");
        assert_eq!(url("did:web:example.org%3A8443:dwp"), "https://example.org:8443/dwp");
        assert_eq!(url("did:web:127.0.0.1%3A8080"), "http://127.0.0.1:8080", "a loopback host has no certificate");
        assert_eq!(url("did:web:localhost"), "http://localhost");
        assert!(public_url("did:key:z6Mk").is_err());
    }
}
