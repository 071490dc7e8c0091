//! The registry's key set: the issuer key, the DID document and the trust list
//! that names it, in `<data>/keys`. Created once, under an exclusive lock, in a
//! folder of its own that is renamed into place whole, so that concurrent first
//! starts cannot interleave and a crash leaves no half-written set. Checked at
//! every start: the three must name the same key, or the registry refuses to
//! start and says which file disagrees.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use dwp_issuer::keys::KeyPair;
use dwp_issuer::trust::Authority;
use dwp_verifier::credential::KeyRef;
use dwp_verifier::multikey;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::TrustList;

use crate::files;
use crate::keyfiles::{ISSUER_KEY, ROOT_PUBLIC, TRUST_LIST};

/// The DID document's file name.
pub const DID_DOCUMENT: &str = "did.json";

/// A checked key set.
pub struct KeySet {
    /// The issuer's signing key.
    pub key: KeyPair,
    /// The issuer DID.
    pub did: String,
    /// The signing key's verification method.
    pub verification_method: String,
    /// How permits name the key.
    pub key_ref: KeyRef,
    /// The signed trust list, as served.
    pub trust_list: String,
    /// The DID document, as served.
    pub did_document: String,
    /// The start of the signing key's window in the trust list.
    pub not_before: UnixTime,
    /// The root key that signs the trust list (what verifiers pin).
    pub root: [u8; 32],
}

/// An exclusive lock on a data directory, held while a process starts there
/// (keys, schema, issuer record), so that concurrent first starts cannot
/// interleave. Released when dropped.
pub struct StartLock {
    /// Held open: the lock lasts as long as the file.
    _file: File,
}

impl StartLock {
    /// Waits for the lock of `data`.
    ///
    /// # Errors
    /// When the lock file cannot be opened or locked.
    pub fn acquire(data: &Path) -> Result<StartLock> {
        let path = data.join(".start.lock");
        let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(|e| {
            anyhow::anyhow!(
                "the data directory {} cannot be written ({e}); the registry keeps its keys and database there",
                data.display()
            )
        })?;
        file.lock().with_context(|| format!("locking {}", path.display()))?;
        Ok(StartLock { _file: file })
    }
}

/// Opens `<data>/keys`, creating the key set for `did` on first start. The
/// caller holds the data directory's [`StartLock`].
///
/// # Errors
/// When the set cannot be created, read, or its parts disagree.
pub fn open(data: &Path, did: &str, authority: &Authority, now: UnixTime, _lock: &StartLock) -> Result<KeySet> {
    let keys = data.join("keys");
    if !keys.join(ISSUER_KEY).exists() {
        create(data, &keys, did, authority, now)?;
    }
    check(&keys)
}

fn create(data: &Path, keys: &Path, did: &str, authority: &Authority, now: UnixTime) -> Result<()> {
    if keys.exists() && std::fs::read_dir(keys).map(|mut d| d.next().is_some()).unwrap_or(true) {
        bail!(
            "{} exists but holds no {ISSUER_KEY}: restore the registry's keys there (never generate new ones \
             for a registry that has issued permits), or move the folder away to start a new registry",
            keys.display()
        );
    }
    let staging: PathBuf = data.join(format!(".keys.new-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("removing {}", staging.display()))?;
    }
    crate::keyfiles::generate_keys(&staging, did, authority, now)
        .with_context(|| format!("generating the registry's keys in {}", staging.display()))?;
    if keys.exists() {
        std::fs::remove_dir(keys).with_context(|| format!("replacing the empty {}", keys.display()))?;
    }
    std::fs::rename(&staging, keys).with_context(|| format!("moving the new keys to {}", keys.display()))?;
    eprintln!("generated issuer and root keys for {did} ({}) in {} (mode 0600)", authority.en, keys.display());
    Ok(())
}

/// Reads the key set and checks that its parts name one key.
///
/// # Errors
/// Naming the file that disagrees.
pub fn check(keys: &Path) -> Result<KeySet> {
    let (key, did) = crate::keyfiles::load_issuer_key(keys)?;
    // invariant: load_issuer_key refuses a key without an id.
    let verification_method = key.id.clone().unwrap_or_default();
    let ours = key.public_multibase();

    let did_path = keys.join(DID_DOCUMENT);
    let did_document = files::read_text(&did_path, "DID document")?;
    let doc: Value = serde_json::from_str(&did_document).with_context(|| format!("reading {}", did_path.display()))?;
    if doc.get("id").and_then(Value::as_str) != Some(did.as_str()) {
        bail!(
            "the key set in {} disagrees: {DID_DOCUMENT} is not the DID document of {did}, the issuer of {ISSUER_KEY}",
            keys.display()
        );
    }
    let listed = doc
        .get("verificationMethod")
        .and_then(Value::as_array)
        .and_then(|vms| vms.iter().find(|vm| vm.get("id").and_then(Value::as_str) == Some(&verification_method)))
        .and_then(|vm| vm.get("publicKeyMultibase"))
        .and_then(Value::as_str);
    if listed != Some(ours.as_str()) {
        bail!(
            "the key set in {} disagrees: {DID_DOCUMENT} gives {verification_method} the key {}, but {ISSUER_KEY} \
             holds {ours}",
            keys.display(),
            listed.unwrap_or("(none)")
        );
    }

    let root = crate::keyfiles::parse_root(&keys.join(ROOT_PUBLIC).to_string_lossy())?;
    let trust_path = keys.join(TRUST_LIST);
    let trust_list = files::read_text(&trust_path, "trust list")?;
    let trust = TrustList::verify(&trust_list, Some(&root)).with_context(|| {
        format!("the key set in {} disagrees: {TRUST_LIST} is not signed by {ROOT_PUBLIC}", keys.display())
    })?;
    let trusted = trust.issuer(&did).and_then(|i| i.key(&verification_method));
    let Some(trusted) = trusted else {
        bail!("the key set in {} disagrees: {TRUST_LIST} does not name {verification_method}", keys.display());
    };
    if trusted.public_key() != key.public() {
        bail!(
            "the key set in {} disagrees: {TRUST_LIST} gives {verification_method} the key {}, but {ISSUER_KEY} \
             holds {ours}",
            keys.display(),
            multikey::encode_public(&trusted.public_key())
        );
    }
    let key_ref = if verification_method == format!("{did}#key-1") {
        KeyRef::Numbered(1)
    } else {
        KeyRef::Other(verification_method.clone())
    };
    Ok(KeySet {
        key,
        did,
        verification_method,
        key_ref,
        trust_list,
        did_document,
        not_before: trusted.valid_from(),
        root,
    })
}
