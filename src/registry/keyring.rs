//! The registry's signing keys as they live: every issuer key it holds (the
//! files and token descriptions of `<data>/keys`), and the newest trust list
//! it publishes, which says which of them may sign now. The registry signs
//! with the held key whose window is open and which is not compromised, the
//! newest window first; so a rotation takes effect when its trust list is
//! published, on every instance, at its next write.
//!
//! Key files: `issuer-key.json` (or `issuer-key-token.json`) is the first key,
//! `issuer-key-N.json` (or `issuer-key-N-token.json`) the one `dwp keys
//! rotate` made as `#key-N`. Every instance sharing a database shares this
//! folder (or the token).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result, bail};
use axum::http::StatusCode;
use serde_json::Value;

use dwp_issuer::signer::Signer;
use dwp_verifier::credential::KeyRef;
use dwp_verifier::multikey;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::TrustList;

use super::db::{self, Db, WriteTx};
use super::problem::{ApiError, Code};
use crate::files;
use crate::hsm::{HsmConfig, Pkcs11Signer};

/// A key the registry holds: its verification method and its signer.
#[derive(Clone)]
pub struct HeldKey {
    /// `did:web:…#key-N`.
    pub vm: String,
    /// The key file's, or the token's.
    pub signer: Arc<dyn Signer>,
}

/// The key to sign with now.
pub struct ActiveKey<'a> {
    /// Its verification method.
    pub vm: &'a str,
    /// How a permit names it.
    pub key_ref: KeyRef,
    /// Its signer.
    pub signer: &'a Arc<dyn Signer>,
}

/// The published trust list and the held keys it names: one consistent view.
pub struct Signing {
    /// The trust list's sequence.
    pub sequence: u64,
    /// The signed trust list, as served.
    pub trust_list: String,
    /// The checked trust list.
    pub trust: TrustList,
    /// The DID document, as served: every key of the issuer the list names that is not compromised.
    pub did_document: String,
    did: String,
    held: Vec<HeldKey>,
}

impl Signing {
    /// The held key to sign with at `now`: named by the trust list, its window open, not compromised;
    /// of several, the one whose window opened last.
    ///
    /// # Errors
    /// `503 no_signing_key` when there is none.
    pub fn key_at(&self, now: UnixTime) -> Result<ActiveKey<'_>, ApiError> {
        let issuer = self.trust.issuer(&self.did);
        let best = self
            .held
            .iter()
            .filter_map(|h| {
                let k = issuer?.key(&h.vm)?;
                let usable = k.public_key() == h.signer.public()
                    && k.valid_from() <= now
                    && now <= k.valid_until()
                    && k.compromised_as_of().is_none();
                usable.then_some((k.valid_from(), h))
            })
            .max_by_key(|(from, _)| *from);
        let Some((_, held)) = best else {
            return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Code::NoSigningKey).detail(format!(
                "the trust list (sequence {}) names no key of this registry that may sign now: make one with \
                 `dwp keys rotate` and publish the trust list that names it",
                self.sequence
            )));
        };
        Ok(ActiveKey { vm: &held.vm, key_ref: key_ref(&self.did, &held.vm), signer: &held.signer })
    }

    /// The verification methods of this issuer the trust list holds compromised, with the instant.
    pub fn compromised(&self) -> Vec<(String, UnixTime)> {
        let Some(issuer) = self.trust.issuer(&self.did) else { return Vec::new() };
        issuer.keys().filter_map(|(id, k)| Some((id.to_string(), k.compromised_as_of()?))).collect()
    }

    /// Whether the registry holds the key of `vm`.
    pub fn holds(&self, vm: &str) -> bool {
        self.held.iter().any(|h| h.vm == vm)
    }

    /// The held keys, as (verification method, public key).
    pub fn held(&self) -> Vec<(String, [u8; 32])> {
        self.held.iter().map(|h| (h.vm.clone(), h.signer.public())).collect()
    }
}

/// How a permit names `vm`: by number when it is `#key-N` of `did`.
pub fn key_ref(did: &str, vm: &str) -> KeyRef {
    vm.strip_prefix(did)
        .and_then(|f| f.strip_prefix("#key-"))
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| *n >= 1 && format!("{did}#key-{n}") == vm)
        .map_or_else(|| KeyRef::Other(vm.to_string()), KeyRef::Numbered)
}

/// The keys of a running registry: reloaded when a newer trust list is published.
pub struct Keyring {
    dir: PathBuf,
    did: String,
    root: [u8; 32],
    hsm: Option<HsmConfig>,
    current: RwLock<Arc<Signing>>,
}

impl Keyring {
    /// The keyring of `dir`, with the held `first` key, publishing `list` (checked against `root`).
    ///
    /// # Errors
    /// When the list does not verify, or a key it names cannot be loaded.
    pub fn open(
        dir: &Path,
        did: &str,
        root: [u8; 32],
        hsm: Option<&HsmConfig>,
        first: HeldKey,
        list: &str,
    ) -> Result<Keyring> {
        let where_ = Where { dir, did, root: &root, hsm };
        let signing = build(&where_, list, vec![first])?;
        Ok(Keyring {
            dir: dir.to_path_buf(),
            did: did.to_string(),
            root,
            hsm: hsm.cloned(),
            current: RwLock::new(Arc::new(signing)),
        })
    }

    /// The current view.
    pub fn get(&self) -> Arc<Signing> {
        // invariant: the lock is never held across a panic (only swaps an Arc).
        self.current.read().map(|g| g.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    fn set(&self, signing: Signing) {
        let signing = Arc::new(signing);
        match self.current.write() {
            Ok(mut g) => *g = signing,
            Err(p) => *p.into_inner() = signing,
        }
    }

    /// Takes up the list the head row of `w` names, if it is newer than the current one.
    ///
    /// # Errors
    /// When the stored list cannot be read or does not verify (then the current view stays).
    pub async fn refresh_in(&self, w: &mut WriteTx) -> Result<(), ApiError> {
        let known = i64::try_from(self.get().sequence).unwrap_or(i64::MAX);
        if w.trust_sequence <= known {
            return Ok(());
        }
        let Some(stored) = db::trust_lists::by_sequence_in(w, w.trust_sequence).await? else {
            return Err(ApiError::internal("the head row names a trust list that is not stored"));
        };
        self.take(&stored.document)
    }

    /// Takes up the newest stored list, if it is newer than the current one.
    ///
    /// # Errors
    /// As [`Keyring::refresh_in`].
    pub async fn refresh(&self, db: &Db) -> Result<(), ApiError> {
        let known = i64::try_from(self.get().sequence).unwrap_or(i64::MAX);
        if db::trust_lists::head_sequence(db).await? <= known {
            return Ok(());
        }
        match db::trust_lists::newest(db).await? {
            Some(stored) if stored.sequence > known => self.take(&stored.document),
            _ => Ok(()),
        }
    }

    /// Takes up `list`, already stored as the newest.
    ///
    /// # Errors
    /// When it does not verify or a key it names cannot be loaded.
    pub fn take(&self, list: &str) -> Result<(), ApiError> {
        let held = self.get().held.clone();
        let where_ = Where { dir: &self.dir, did: &self.did, root: &self.root, hsm: self.hsm.as_ref() };
        let signing = build(&where_, list, held).map_err(|e| ApiError::internal(format!("{e:#}")))?;
        if signing.sequence > self.get().sequence {
            tracing::info!(sequence = signing.sequence, "publishing trust list");
            self.set(signing);
        }
        Ok(())
    }
}

/// Where keys are found.
struct Where<'a> {
    dir: &'a Path,
    did: &'a str,
    root: &'a [u8; 32],
    hsm: Option<&'a HsmConfig>,
}

/// A view of `list`: the keys already `held`, and any other key of this issuer it names whose
/// file (or token description) is in the key folder.
fn build(at: &Where<'_>, list: &str, mut held: Vec<HeldKey>) -> Result<Signing> {
    let trust = TrustList::verify(list, Some(at.root)).context("the stored trust list does not verify")?;
    let issuer = trust.issuer(at.did);
    let named: Vec<(String, [u8; 32])> =
        issuer.map(|i| i.keys().map(|(id, k)| (id.to_string(), k.public_key())).collect()).unwrap_or_default();
    for (vm, public) in &named {
        if held.iter().any(|h| &h.vm == vm) {
            continue;
        }
        if let Some(signer) = load_held(at.dir, vm, at.hsm)? {
            if signer.public() != *public {
                bail!("the key file of {vm} in {} holds another key than the trust list names", at.dir.display());
            }
            held.push(HeldKey { vm: vm.clone(), signer });
        }
    }
    let methods: Vec<(&str, String)> = issuer
        .map(|i| {
            i.keys()
                .filter(|(_, k)| k.compromised_as_of().is_none())
                .map(|(id, k)| (id, multikey::encode_public(&k.public_key())))
                .collect()
        })
        .unwrap_or_default();
    let did_document = serde_json::to_string_pretty(&dwp_issuer::trust::did_document(at.did, &methods))?;
    Ok(Signing {
        sequence: trust.sequence(),
        trust_list: list.to_string(),
        trust,
        did_document,
        did: at.did.to_string(),
        held,
    })
}

/// The file name of the key `#key-N` (`N` ≥ 2), in a file or described as a token's.
pub fn key_file_names(n: u32) -> (String, String) {
    (format!("issuer-key-{n}.json"), format!("issuer-key-{n}-token.json"))
}

/// The number of a `#key-N` verification method of `did`.
pub fn key_number(did: &str, vm: &str) -> Option<u32> {
    match key_ref(did, vm) {
        KeyRef::Numbered(n) => Some(n),
        _ => None,
    }
}

/// Loads the held key of `vm` (`#key-N`, N ≥ 2) from its file or its token, if the folder has it.
fn load_held(dir: &Path, vm: &str, hsm: Option<&HsmConfig>) -> Result<Option<Arc<dyn Signer>>> {
    let Some((did, _)) = vm.split_once('#') else { return Ok(None) };
    let Some(n) = key_number(did, vm).filter(|n| *n >= 2) else { return Ok(None) };
    let (file, token) = key_file_names(n);
    if dir.join(&file).exists() {
        let path = dir.join(&file);
        let key = dwp_issuer::keys::KeyPair::from_json(&files::read_text(&path, "issuer key")?)
            .with_context(|| format!("reading {}", path.display()))?;
        if key.id.as_deref() != Some(vm) {
            bail!("{} is not the key {vm}", path.display());
        }
        return Ok(Some(Arc::new(key)));
    }
    if dir.join(&token).exists() {
        let path = dir.join(&token);
        let doc: Value = serde_json::from_str(&files::read_text(&path, "issuer token key")?)
            .with_context(|| format!("reading {}", path.display()))?;
        let label = doc["pkcs11"]["key"].as_str().with_context(|| format!("{} names no key label", path.display()))?;
        let Some(config) = hsm else {
            tracing::warn!(key = vm, "the key is in a hardware token, but no --hsm-module was given; not loaded");
            return Ok(None);
        };
        let config = HsmConfig { key: label.to_string(), ..config.clone() };
        return Ok(Some(Arc::new(Pkcs11Signer::open(&config, false)?)));
    }
    Ok(None)
}

/// The next free key number of `did` in `trust` and the folder `dir`.
pub fn next_key_number(did: &str, trust: &TrustList, dir: &Path) -> u32 {
    let mut n =
        trust.issuer(did).map(|i| i.keys().filter_map(|(id, _)| key_number(did, id)).max().unwrap_or(1)).unwrap_or(1)
            + 1;
    loop {
        let (file, token) = key_file_names(n);
        if !dir.join(file).exists() && !dir.join(token).exists() {
            return n;
        }
        n += 1;
    }
}

/// Live permits by signing key, for the keys view.
///
/// # Errors
/// When the database refuses.
pub async fn live_counts(db: &Db, now: i64) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    Ok(db::trust_lists::live_by_signer(db, now).await?.into_iter().collect())
}

/// Live permits still signed by a key `signing` holds compromised: what a re-issue has left.
pub fn reissue_remaining(signing: &Signing, live: &BTreeMap<String, i64>) -> i64 {
    signing.compromised().iter().map(|(id, _)| live.get(id).copied().unwrap_or(0)).sum()
}
