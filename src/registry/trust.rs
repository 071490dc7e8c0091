//! Publishing a trust list. The root key that signs trust lists stays on an
//! offline machine: the registry drafts the next list (`dwp keys rotate`,
//! `dwp keys compromise`), the root signs it there (`dwp trust sign`), and the
//! registry takes it back (`POST /v1/trust-list`) only if it is signed by the
//! pinned root, comes after the list it serves, keeps every key it has named
//! (a compromise, once said, is never taken back or moved later), gives each
//! key this registry holds its own public key, and leaves it a key that may
//! sign now. Stored in the database, the list reaches every instance at its
//! next write (see `keyring`).

use std::path::Path;

use anyhow::{Context, Result, bail};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use dwp_verifier::multikey;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::{TrustList, TrustListDocument, TrustedKeyDocument};

use super::db::{self, WriteTx};
use super::keyring;
use super::problem::{ApiError, Code};
use crate::files;
use crate::keyfiles::{ISSUER_KEY, ISSUER_TOKEN_KEY};

/// Why a trust list is not published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a trust list signed by the pinned root.
    Invalid(String),
    /// Its sequence does not come after the published one.
    NotNewer {
        /// Its sequence.
        sequence: u64,
        /// The published one's.
        current: u64,
    },
    /// Publishing it would break permits or leave the registry unable to sign.
    Unsafe(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Invalid(why) | Refusal::Unsafe(why) => f.write_str(why),
            Refusal::NotNewer { sequence, current } => write!(
                f,
                "the trust list has sequence {sequence}, but the registry publishes {current}: a list only \
                 follows one of a lower sequence"
            ),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> ApiError {
        let (status, code) = match &r {
            Refusal::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, Code::TrustListInvalid),
            Refusal::NotNewer { .. } => (StatusCode::CONFLICT, Code::TrustListNotNewer),
            Refusal::Unsafe(_) => (StatusCode::CONFLICT, Code::TrustListUnsafe),
        };
        ApiError::new(status, code).detail(r.to_string())
    }
}

/// Checks `text` as the list to follow `current`, for the registry of `did` that holds the keys
/// `held` (verification method, public key), at `now`.
///
/// # Errors
/// The [`Refusal`].
pub fn check_successor(
    text: &str,
    root: &[u8; 32],
    current: &TrustList,
    did: &str,
    held: &[(String, [u8; 32])],
    now: UnixTime,
) -> Result<TrustList, Refusal> {
    let new = TrustList::verify(text, Some(root)).map_err(|e| Refusal::Invalid(e.to_string()))?;
    if new.sequence() <= current.sequence() {
        return Err(Refusal::NotNewer { sequence: new.sequence(), current: current.sequence() });
    }
    let Some(ours) = new.issuer(did) else {
        return Err(Refusal::Unsafe(format!("the list does not name this registry's issuer {did}")));
    };
    if let Some(before) = current.issuer(did) {
        for (id, old) in before.keys() {
            let Some(k) = ours.key(id) else {
                return Err(Refusal::Unsafe(format!(
                    "the list drops the key {id}: the permits it signed would no longer verify; mark it \
                     compromised instead (dwp keys compromise)"
                )));
            };
            if k.public_key() != old.public_key() {
                return Err(Refusal::Unsafe(format!("the list gives the key {id} another public key")));
            }
            if let Some(was) = old.compromised_as_of()
                && k.compromised_as_of().is_none_or(|now_as_of| now_as_of > was)
            {
                return Err(Refusal::Unsafe(format!(
                    "the key {id} is compromised as of {was}; a later list may not take that back or move it later"
                )));
            }
        }
    }
    for (vm, public) in held {
        if let Some(k) = ours.key(vm)
            && k.public_key() != *public
        {
            return Err(Refusal::Unsafe(format!(
                "the list gives {vm} the key {}, but this registry holds {}",
                multikey::encode_public(&k.public_key()),
                multikey::encode_public(public)
            )));
        }
    }
    let usable = held.iter().any(|(vm, _)| {
        ours.key(vm).is_some_and(|k| k.valid_from() <= now && now <= k.valid_until() && k.compromised_as_of().is_none())
    });
    if !usable {
        return Err(Refusal::Unsafe(
            "the list leaves this registry no key that may sign now: name a new key first (dwp keys rotate), \
             then mark the old one compromised"
                .into(),
        ));
    }
    Ok(new)
}

/// A trust list just published.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishedList {
    /// Its sequence.
    pub sequence: u64,
    /// When it was signed.
    pub issued: String,
    /// The keys of this registry it holds compromised, with the instant.
    pub compromised: Vec<CompromisedKey>,
}

/// A key held compromised.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompromisedKey {
    /// Its verification method.
    pub id: String,
    /// The instant from which nothing it signed is accepted.
    pub as_of: String,
}

/// Publishes `text` inside `w`, after the checks of [`check_successor`] against the list the head
/// row names. `dir` is the key folder (what the registry holds).
///
/// # Errors
/// A refusal (4xx), or the database's failure.
pub async fn publish(
    w: &mut WriteTx,
    dir: &Path,
    root: &[u8; 32],
    did: &str,
    text: &str,
    actor: &str,
) -> Result<PublishedList, ApiError> {
    let stored = db::trust_lists::by_sequence_in(w, w.trust_sequence)
        .await?
        .ok_or_else(|| ApiError::internal("the head row names a trust list that is not stored"))?;
    let current = TrustList::verify(&stored.document, Some(root)).map_err(ApiError::internal)?;
    let held = held_keys(dir, did).map_err(|e| ApiError::internal(format!("{e:#}")))?;
    let new = check_successor(text, root, &current, did, &held, UnixTime(w.now))?;
    let sequence = i64::try_from(new.sequence())
        .map_err(|_| Refusal::Invalid("the sequence is too large".into()))
        .map_err(ApiError::from)?;
    db::trust_lists::store(w, sequence, text, actor).await?;
    // A copy in the key folder, outside the database: a restore from an older backup takes it up
    // again ([`adopt_published`]), so that the registry never serves a list older than one published.
    let copy = published_path(dir, sequence);
    if std::fs::read_to_string(&copy).ok().as_deref() != Some(text) {
        crate::files::write_public(&copy, text.as_bytes())
            .and_then(|()| crate::files::restrict(&copy).map(drop))
            .map_err(|e| ApiError::internal(format!("keeping the published trust list: {e:#}")))?;
    }
    let compromised: Vec<CompromisedKey> = new
        .issuer(did)
        .map(|i| {
            i.keys()
                .filter_map(|(id, k)| {
                    Some(CompromisedKey { id: id.to_string(), as_of: k.compromised_as_of()?.to_string() })
                })
                .collect()
        })
        .unwrap_or_default();
    let detail = json!({
        "sequence": new.sequence(),
        "issued": new.issued().to_string(),
        "compromised": compromised.iter().map(|c| json!({ "key": c.id, "asOf": c.as_of })).collect::<Vec<Value>>(),
    });
    w.audit(actor, "trust_list.publish", None, detail).await?;
    Ok(PublishedList { sequence: new.sequence(), issued: new.issued().to_string(), compromised })
}

/// Where the key folder keeps a copy of the trust list of `sequence` once published.
pub fn published_path(dir: &Path, sequence: i64) -> std::path::PathBuf {
    dir.join(format!("published-trust-list-{sequence}.json"))
}

/// Publishes again, at start, the newest trust list the key folder keeps a copy of when the database
/// holds an older one (a restore from a backup made before it): the checks are those of a publish.
/// Returns the sequence taken up, if any.
///
/// # Errors
/// When a copy is refused or the database fails.
pub async fn adopt_published(
    db: &super::db::Db,
    clock: &super::clock::Clock,
    dir: &Path,
    root: &[u8; 32],
    did: &str,
) -> Result<Option<i64>> {
    let mut newest: Option<(i64, std::path::PathBuf)> = None;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let n = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("published-trust-list-")?.strip_suffix(".json")?.parse::<i64>().ok());
        if let Some(n) = n
            && newest.as_ref().is_none_or(|(m, _)| n > *m)
        {
            newest = Some((n, path));
        }
    }
    let Some((n, path)) = newest else { return Ok(None) };
    if n <= db::trust_lists::head_sequence(db).await? {
        return Ok(None);
    }
    let text = crate::files::read_text(&path, "a published trust list")?;
    let mut w = db.begin_write(clock).await?;
    match publish(&mut w, dir, root, did, &text, "system:key-folder").await {
        Ok(_) => {
            w.commit().await?;
            Ok(Some(n))
        }
        Err(e) => {
            w.abort().await;
            let why = e.detail_text().unwrap_or(e.code().title().en).to_string();
            anyhow::bail!(
                "{}: the trust list kept there cannot be published again ({}): {why}",
                path.display(),
                e.code()
            )
        }
    }
}

/// The issuer keys of the key folder `dir`: each verification method of `did` with its public key,
/// read from the key files and the token descriptions (no token is opened).
///
/// # Errors
/// When a key file cannot be read.
pub fn held_keys(dir: &Path, did: &str) -> Result<Vec<(String, [u8; 32])>> {
    let mut held = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    names.sort();
    for name in names {
        let numbered = name
            .strip_prefix("issuer-key-")
            .and_then(|r| r.strip_suffix(".json"))
            .is_some_and(|n| n.trim_end_matches("-token").parse::<u32>().is_ok());
        if !(numbered || name == ISSUER_KEY || name == ISSUER_TOKEN_KEY) {
            continue;
        }
        let path = dir.join(&name);
        let doc: Value = serde_json::from_str(&files::read_text(&path, "issuer key")?)
            .with_context(|| format!("reading {}", path.display()))?;
        let (Some(id), Some(public)) = (
            doc.get("id").and_then(Value::as_str),
            doc.get("publicKeyMultibase").and_then(Value::as_str).and_then(multikey::decode_public),
        ) else {
            bail!("{} names no key (id and publicKeyMultibase)", path.display());
        };
        if id.split_once('#').map(|(d, _)| d) == Some(did) {
            held.push((id.to_string(), public));
        }
    }
    Ok(held)
}

/// The unsigned draft that follows `current`: sequence one up, issued `now`, no proof.
fn successor(current: &str, now: UnixTime) -> Result<TrustListDocument> {
    let mut doc: TrustListDocument = serde_json::from_str(current).context("reading the published trust list")?;
    doc.sequence += 1;
    doc.issued = now.to_string();
    doc.proof = None;
    Ok(doc)
}

/// The draft that names the new key `vm` (public key `public`) from `now`, for ten years; the
/// registry signs with it once the list is published. Earlier keys keep their windows.
///
/// # Errors
/// When the published list does not name `did`.
pub fn draft_rotation(
    current: &str,
    did: &str,
    vm: &str,
    public: &[u8; 32],
    now: UnixTime,
) -> Result<TrustListDocument> {
    let mut doc = successor(current, now)?;
    let issuer =
        doc.issuers.iter_mut().find(|i| i.id == did).with_context(|| format!("the trust list does not name {did}"))?;
    issuer.keys.push(TrustedKeyDocument {
        id: vm.to_string(),
        public_key_multibase: multikey::encode_public(public),
        valid_from: now.to_string(),
        valid_until: UnixTime(now.0 + 10 * 366 * 86_400).to_string(),
        revoked: None,
    });
    Ok(doc)
}

/// The draft that holds the key `vm` compromised as of `as_of`.
///
/// # Errors
/// When the list does not name the key, or names it compromised earlier already.
pub fn draft_compromise(
    current: &str,
    did: &str,
    vm: &str,
    as_of: UnixTime,
    now: UnixTime,
) -> Result<TrustListDocument> {
    let mut doc = successor(current, now)?;
    let issuer =
        doc.issuers.iter_mut().find(|i| i.id == did).with_context(|| format!("the trust list does not name {did}"))?;
    let ids: Vec<String> = issuer.keys.iter().map(|k| k.id.clone()).collect();
    let key = issuer
        .keys
        .iter_mut()
        .find(|k| k.id == vm)
        .with_context(|| format!("the trust list names no key {vm} (keys: {})", ids.join(", ")))?;
    if let Some(earlier) = key.revoked.as_deref().and_then(|t| UnixTime::parse(t).ok())
        && earlier <= as_of
    {
        bail!("{vm} is compromised as of {earlier} already");
    }
    key.revoked = Some(as_of.to_string());
    Ok(doc)
}

/// The key number a rotation gives the next key of `did`.
pub fn next_key(did: &str, current: &TrustList, dir: &Path) -> (u32, String) {
    let n = keyring::next_key_number(did, current, dir);
    (n, format!("{did}#key-{n}"))
}

/// On a registry's start: stores the key folder's trust list as the first published one when the
/// database holds none (its first start, or its first since lists were stored), and names the
/// first key as the signer of every permit stored before signers were recorded.
///
/// # Errors
/// When the database refuses.
pub async fn adopt_key_folder(
    db: &super::db::Db,
    clock: &super::clock::Clock,
    list: &TrustList,
    text: &str,
    first_key: &str,
) -> Result<()> {
    let mut w = db.begin_write(clock).await?;
    let result = async {
        if w.trust_sequence == 0 {
            let sequence = i64::try_from(list.sequence()).context("the trust list's sequence is too large")?;
            db::trust_lists::store(&mut w, sequence, text, "system:key-folder").await?;
            let detail = json!({ "sequence": list.sequence(), "issued": list.issued().to_string(), "compromised": [] });
            w.audit("system:key-folder", "trust_list.publish", None, detail).await?;
        }
        let filled = db::trust_lists::fill_signers(&mut w, first_key).await?;
        if filled > 0 {
            eprintln!("recorded {first_key} as the signer of {filled} permits stored before signers were recorded");
        }
        Ok::<_, anyhow::Error>(())
    }
    .await;
    match result {
        Ok(()) => Ok(w.commit().await?),
        Err(e) => {
            w.abort().await;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use dwp_issuer::keys::KeyPair;
    use dwp_issuer::trust::{Authority, sign_trust_list, trusted_issuer};

    use super::*;

    const DID: &str = "did:web:registry.test";

    fn t(s: &str) -> UnixTime {
        UnixTime::parse(s).expect("time")
    }

    struct Keys {
        root: KeyPair,
        a: KeyPair,
        b: KeyPair,
    }

    fn keys() -> Keys {
        Keys {
            root: KeyPair::from_seed(&[1; 32], None),
            a: KeyPair::from_seed(&[2; 32], Some(format!("{DID}#key-1"))),
            b: KeyPair::from_seed(&[3; 32], Some(format!("{DID}#key-2"))),
        }
    }

    /// A list of `sequence` naming A, and B when `with_b`; A compromised as of `a_as_of`.
    fn list(k: &Keys, sequence: u64, with_b: bool, a_as_of: Option<&str>) -> String {
        let mut issuer =
            trusted_issuer(DID, &Authority::demo(), &k.a, t("2026-01-01T00:00:00Z"), t("2030-01-01T00:00:00Z"));
        issuer.keys[0].revoked = a_as_of.map(str::to_string);
        if with_b {
            let b = trusted_issuer(DID, &Authority::demo(), &k.b, t("2026-06-01T00:00:00Z"), t("2030-01-01T00:00:00Z"));
            issuer.keys.extend(b.keys);
        }
        sign_trust_list(&k.root, sequence, t("2026-11-01T00:00:00Z"), vec![issuer]).expect("sign").to_string()
    }

    fn held(k: &Keys) -> Vec<(String, [u8; 32])> {
        vec![(format!("{DID}#key-1"), k.a.public()), (format!("{DID}#key-2"), k.b.public())]
    }

    fn check(k: &Keys, current: &str, new: &str) -> Result<TrustList, Refusal> {
        let current = TrustList::verify(current, Some(&k.root.public())).expect("current");
        check_successor(new, &k.root.public(), &current, DID, &held(k), t("2026-12-01T00:00:00Z"))
    }

    #[test]
    fn a_rotation_then_a_compromise_are_published() {
        let k = keys();
        let one = list(&k, 1, false, None);
        let two = list(&k, 2, true, None);
        let three = list(&k, 3, true, Some("2026-11-30T00:00:00Z"));
        assert!(check(&k, &one, &two).is_ok());
        assert!(check(&k, &two, &three).is_ok());
        // An earlier instant is stricter, and allowed.
        let earlier = list(&k, 4, true, Some("2026-11-01T00:00:00Z"));
        assert!(check(&k, &three, &earlier).is_ok());
    }

    #[test]
    fn a_list_that_breaks_permits_or_signing_is_refused() {
        let k = keys();
        let one = list(&k, 1, false, None);
        let two = list(&k, 2, true, None);
        let three = list(&k, 3, true, Some("2026-11-30T00:00:00Z"));
        assert_eq!(check(&k, &two, &two).map(|_| ()), Err(Refusal::NotNewer { sequence: 2, current: 2 }));
        // B is dropped.
        let Err(Refusal::Unsafe(why)) = check(&k, &two, &list(&k, 3, false, None)) else { panic!("dropping B") };
        assert!(why.contains("drops the key did:web:registry.test#key-2"), "{why}");
        // The compromise is taken back, or moved later.
        let Err(Refusal::Unsafe(why)) = check(&k, &three, &list(&k, 4, true, None)) else { panic!("taken back") };
        assert!(why.contains("may not take that back"), "{why}");
        let later = list(&k, 4, true, Some("2026-12-01T00:00:00Z"));
        assert!(matches!(check(&k, &three, &later), Err(Refusal::Unsafe(_))));
        // A compromised before any other key signs: no key left.
        let Err(Refusal::Unsafe(why)) = check(&k, &one, &list(&k, 2, false, Some("2026-11-30T00:00:00Z"))) else {
            panic!("no key left")
        };
        assert!(why.contains("no key that may sign now"), "{why}");
        // Another root's list.
        let other = KeyPair::from_seed(&[9; 32], None);
        let foreign =
            Keys { root: other, a: KeyPair::from_seed(&[2; 32], None), b: KeyPair::from_seed(&[3; 32], None) };
        let Err(Refusal::Invalid(_)) = check(&k, &one, &list(&foreign, 5, true, None)) else { panic!("foreign root") };
    }

    #[test]
    fn a_list_that_gives_a_held_key_another_public_key_is_refused() {
        let k = keys();
        let one = list(&k, 1, false, None);
        let thief = Keys {
            root: KeyPair::from_seed(&[1; 32], None),
            a: KeyPair::from_seed(&[2; 32], Some(format!("{DID}#key-1"))),
            b: KeyPair::from_seed(&[7; 32], Some(format!("{DID}#key-2"))),
        };
        let Err(Refusal::Unsafe(why)) = check(&k, &one, &list(&thief, 2, true, None)) else { panic!("another key") };
        assert!(why.contains("but this registry holds"), "{why}");
    }
}
