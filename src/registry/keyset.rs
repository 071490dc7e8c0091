//! The registry's key set: the issuer key, the DID document and the trust list
//! that names it, in `<data>/keys`. Created once, under an exclusive lock, in a
//! folder of its own that is renamed into place whole, so that concurrent first
//! starts cannot interleave and a crash leaves no half-written set. Checked at
//! every start: the three must name the same key, or the registry refuses to
//! start and says which file disagrees.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use dwp_issuer::signer::Signer;
use dwp_issuer::trust::Authority;
use dwp_verifier::credential::KeyRef;
use dwp_verifier::multikey;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::TrustList;

use crate::files;
use crate::hsm::{HsmConfig, Pkcs11Signer};
use crate::keyfiles::{ISSUER_KEY, ISSUER_TOKEN_KEY, NewIssuerKey, ROOT_KEY, ROOT_PUBLIC, TRUST_LIST};

/// The DID document's file name.
pub const DID_DOCUMENT: &str = "did.json";

/// A checked key set.
pub struct KeySet {
    /// The issuer's signing key: a key file's, or a hardware token's.
    pub signer: Arc<dyn Signer>,
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

/// Opens `<data>/keys`, creating the key set for `did` on first start, its issuer key in the
/// token of `hsm` when given. A `production` registry never makes its key set (the root that
/// signs trust lists is made and kept offline) and refuses to start with the root's secret key in
/// its folder; otherwise a root secret there is said to be a demonstration's. The caller holds
/// the data directory's [`StartLock`].
///
/// # Errors
/// When the set cannot be created, read, or its parts disagree; in production, when the set is
/// missing or holds the root secret.
pub fn open(
    data: &Path,
    did: &str,
    authority: &Authority,
    now: UnixTime,
    hsm: Option<&HsmConfig>,
    production: bool,
    _lock: &StartLock,
) -> Result<KeySet> {
    let keys = data.join("keys");
    let mut token = None;
    let missing = !keys.join(ISSUER_KEY).exists() && !keys.join(ISSUER_TOKEN_KEY).exists();
    if production && missing {
        bail!(
            "{} holds no key set, and a production registry does not make one: make it on the offline machine \
             (dwp keys generate --out keys --did {did}), keep root-key.json there, and copy the rest of the folder \
             to {}",
            keys.display(),
            keys.display()
        );
    }
    if production && keys.join(ROOT_KEY).exists() {
        bail!(
            "{} holds the root's secret key: a production registry never keeps it. Move it to the offline machine \
             that signs trust lists (dwp trust sign), keep root-public-key.json here, and start again",
            keys.join(ROOT_KEY).display()
        );
    }
    if missing {
        let issuer = match hsm {
            Some(config) => {
                let signer = Pkcs11Signer::open(config, true)?;
                let public = signer.public();
                token = Some(signer);
                NewIssuerKey::Token { public, token: &config.token, key: &config.key }
            }
            None => NewIssuerKey::File,
        };
        create(data, &keys, did, authority, now, issuer)?;
    }
    let signer: Arc<dyn Signer> = match (keys.join(ISSUER_KEY).exists(), hsm) {
        (true, None) => Arc::new(crate::keyfiles::load_issuer_key(&keys)?.0),
        (true, Some(_)) => bail!(
            "the issuer key of this registry is the file {}; it cannot also be in an HSM. Moving it into a token \
             is a key rotation: start without --hsm-module",
            keys.join(ISSUER_KEY).display()
        ),
        (false, Some(config)) => match token {
            Some(t) => Arc::new(t),
            None => Arc::new(Pkcs11Signer::open(config, false)?),
        },
        (false, None) => bail!(
            "the issuer key of this registry is in a hardware token (see {}): give --hsm-module, --hsm-token and \
             --hsm-key, and the PIN in {}",
            keys.join(ISSUER_TOKEN_KEY).display(),
            crate::hsm::PIN_ENV
        ),
    };
    if keys.join(ROOT_KEY).exists() {
        eprintln!(
            "demo: the root's secret key is in {} (a production registry, --production, refuses this: the root \
             signs trust lists on an offline machine)",
            keys.join(ROOT_KEY).display()
        );
    }
    check(&keys, signer)
}

fn create(
    data: &Path,
    keys: &Path,
    did: &str,
    authority: &Authority,
    now: UnixTime,
    issuer: NewIssuerKey,
) -> Result<()> {
    if keys.exists() && std::fs::read_dir(keys).map(|mut d| d.next().is_some()).unwrap_or(true) {
        bail!(
            "{} exists but holds no {ISSUER_KEY} or {ISSUER_TOKEN_KEY}: restore the registry's keys there (never \
             generate new ones for a registry that has issued permits), or move the folder away to start a new registry",
            keys.display()
        );
    }
    let staging: PathBuf = data.join(format!(".keys.new-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("removing {}", staging.display()))?;
    }
    crate::keyfiles::generate_key_set(&staging, did, authority, now, issuer)
        .with_context(|| format!("generating the registry's keys in {}", staging.display()))?;
    if keys.exists() {
        std::fs::remove_dir(keys).with_context(|| format!("replacing the empty {}", keys.display()))?;
    }
    std::fs::rename(&staging, keys).with_context(|| format!("moving the new keys to {}", keys.display()))?;
    let held = match issuer {
        NewIssuerKey::File => "issuer and root keys".to_string(),
        NewIssuerKey::Token { token, key, .. } => {
            format!("the root key (the issuer key {key:?} is in the token {token:?})")
        }
    };
    eprintln!("generated {held} for {did} ({}) in {} (mode 0600)", authority.en, keys.display());
    Ok(())
}

/// Reads the key set and checks that its parts name one key.
///
/// # Errors
/// Naming the file that disagrees.
pub fn check(keys: &Path, signer: Arc<dyn Signer>) -> Result<KeySet> {
    let ours = multikey::encode_public(&signer.public());
    let (source, verification_method) = issuer_method(keys, &ours)?;
    let did = verification_method
        .split_once('#')
        .map(|(d, _)| d.to_string())
        .with_context(|| format!("{}: id {verification_method:?} has no #fragment", keys.join(source).display()))?;

    let did_path = keys.join(DID_DOCUMENT);
    let did_document = files::read_text(&did_path, "DID document")?;
    let doc: Value = serde_json::from_str(&did_document).with_context(|| format!("reading {}", did_path.display()))?;
    if doc.get("id").and_then(Value::as_str) != Some(did.as_str()) {
        bail!(
            "the key set in {} disagrees: {DID_DOCUMENT} is not the DID document of {did}, the issuer of {source}",
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
            "the key set in {} disagrees: {DID_DOCUMENT} gives {verification_method} the key {}, but {source} \
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
    if trusted.public_key() != signer.public() {
        bail!(
            "the key set in {} disagrees: {TRUST_LIST} gives {verification_method} the key {}, but {source} \
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
        signer,
        did,
        verification_method,
        key_ref,
        trust_list,
        did_document,
        not_before: trusted.valid_from(),
        root,
    })
}

/// The issuer key's verification method, from its file (the key itself, or the token key's description),
/// and that file's name. A token key's description must name the token's own key, `ours`.
fn issuer_method(keys: &Path, ours: &str) -> Result<(&'static str, String)> {
    if keys.join(ISSUER_KEY).exists() {
        let (key, _) = crate::keyfiles::load_issuer_key(keys)?;
        // invariant: load_issuer_key refuses a key without an id.
        return Ok((ISSUER_KEY, key.id.unwrap_or_default()));
    }
    let path = keys.join(ISSUER_TOKEN_KEY);
    let text = files::read_text(&path, "issuer token key")?;
    let doc: Value = serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
    let id = doc.get("id").and_then(Value::as_str).with_context(|| format!("{} has no \"id\"", path.display()))?;
    let listed = doc.get("publicKeyMultibase").and_then(Value::as_str).unwrap_or("(none)");
    if listed != ours {
        bail!(
            "the key set in {} disagrees: {ISSUER_TOKEN_KEY} names the key {listed}, but the token's key is {ours}",
            keys.display()
        );
    }
    Ok((ISSUER_TOKEN_KEY, id.to_string()))
}
