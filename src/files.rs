//! Reading and writing the files the command line works with. Secrets are
//! created with mode 0600 and never overwritten silently; private directories
//! with mode 0700. Modes are set explicitly after creation, so they hold
//! whatever the umask.

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

/// Refuses a secret file that others than its owner may read.
///
/// # Errors
/// When it cannot be read, or is readable or writable by group or others.
pub fn check_private(path: &Path, what: &str) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            fs::metadata(path).with_context(|| format!("reading {what} {}", path.display()))?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "{what} {} has mode {:o}: others than its owner may read it; make it private (chmod 600) and start again",
                path.display(),
                mode & 0o777
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
    Ok(())
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

/// Creates a directory and its missing parents with mode 0700, whatever the
/// umask. An existing directory is left as it is (see [`restrict`]).
pub fn create_private_dir(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).with_context(|| format!("creating {}", path.display()))?;
    // The umask may have removed owner bits from the mode asked for; set it exactly.
    set_mode(path, 0o700)
}

/// Creates an empty file with mode 0600, whatever the umask, unless one exists.
/// Returns whether it created the file.
pub fn create_private_file(path: &Path) -> Result<bool> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => {
            set_mode(path, 0o600)?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e).with_context(|| format!("creating {}", path.display())),
    }
}

/// Restricts a file to 0600 or a directory to 0700 when its group or other
/// users have any access. Returns the mode it had when it changed it. Symbolic
/// links are not followed.
pub fn restrict(path: &Path) -> Result<Option<u32>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::symlink_metadata(path).with_context(|| format!("reading {}", path.display()))?;
        let mode = meta.permissions().mode() & 0o7777;
        let wanted = if meta.is_dir() {
            0o700
        } else if meta.is_file() {
            0o600
        } else {
            return Ok(None);
        };
        if mode & 0o077 == 0 {
            return Ok(None);
        }
        set_mode(path, wanted)?;
        Ok(Some(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(None)
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .with_context(|| format!("setting mode {mode:04o} on {}", path.display()))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
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
