//! Reading and writing the files the command line works with. Secrets are
//! created with mode 0600 and never overwritten silently.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The largest input file read (permits, keys, trust lists, credentials).
pub const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a UTF-8 text file of bounded size.
pub fn read_text(path: &Path, what: &str) -> Result<String> {
    let meta = fs::metadata(path).with_context(|| format!("reading {what} {}", path.display()))?;
    if meta.len() > MAX_INPUT_BYTES {
        bail!("{what} {} is larger than {} bytes", path.display(), MAX_INPUT_BYTES);
    }
    fs::read_to_string(path).with_context(|| format!("reading {what} {}", path.display()))
}

/// Reads a binary file of bounded size.
pub fn read_bytes(path: &Path, what: &str, max: u64) -> Result<Vec<u8>> {
    let meta = fs::metadata(path).with_context(|| format!("reading {what} {}", path.display()))?;
    if meta.len() > max {
        bail!("{what} {} is larger than {max} bytes", path.display());
    }
    fs::read(path).with_context(|| format!("reading {what} {}", path.display()))
}

/// Writes a public file atomically (temporary file, then rename).
pub fn write_public(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, bytes, 0o644)
}

/// Writes a secret file atomically with mode 0600; refuses to replace an existing one.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.exists() {
        bail!("{} already exists; refusing to overwrite a key (move it away first)", path.display());
    }
    write_atomic(path, bytes, 0o600)
}

fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().context("output path has no file name")?.to_string_lossy().to_string();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let result = (|| -> Result<()> {
        let mut f = opts.open(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        f.write_all(bytes).with_context(|| format!("writing {}", tmp.display()))?;
        f.sync_all().with_context(|| format!("syncing {}", tmp.display()))?;
        fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
