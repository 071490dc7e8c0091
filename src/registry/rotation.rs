//! `dwp keys rotate` and `dwp keys compromise`, run beside the registry on
//! its data directory. Rotating makes the next issuer key (`#key-N`, a file of
//! mode 0600 or a key in the token) and drafts the trust list that names it;
//! compromising drafts the list that holds a key compromised as of an
//! instant. The root that signs lists is offline: the draft is written for
//! `dwp trust sign` there, and the signed list comes back by `POST
//! /v1/trust-list`. A demonstration's key folder that holds the root secret
//! signs and publishes at once, and says so.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::json;

use dwp_issuer::keys::KeyPair;
use dwp_issuer::trust::sign_trust_list;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::{TrustList, TrustListDocument};

use super::clock::Clock;
use super::config::{database_url, secure_data_dir_reporting};
use super::db::{self, Db, KeySource};
use super::keyring;
use super::trust;
use crate::files;
use crate::hsm::{HsmConfig, Pkcs11Signer};
use crate::keyfiles::{ISSUER_KEY, ISSUER_TOKEN_KEY, ROOT_KEY, ROOT_PUBLIC, TRUST_LIST};

/// The registry a command runs beside: its keys, its database, the list it publishes.
struct Beside {
    keys: PathBuf,
    did: String,
    root: [u8; 32],
    db: Db,
    published: String,
}

async fn beside(data: &Path) -> Result<Beside> {
    secure_data_dir_reporting(data)?;
    let keys = data.join("keys");
    let first =
        [ISSUER_KEY, ISSUER_TOKEN_KEY].iter().map(|n| keys.join(n)).find(|p| p.exists()).with_context(|| {
            format!(
                "{} holds no issuer key: run this on the data directory of a registry that has started",
                keys.display()
            )
        })?;
    let doc: serde_json::Value = serde_json::from_str(&files::read_text(&first, "issuer key")?)
        .with_context(|| format!("reading {}", first.display()))?;
    let did = doc["id"]
        .as_str()
        .and_then(|id| id.split_once('#'))
        .map(|(d, _)| d.to_string())
        .with_context(|| format!("{} names no verification method", first.display()))?;
    let root = crate::keyfiles::parse_root(&keys.join(ROOT_PUBLIC).to_string_lossy())?;
    // Trust lists are no personal data: no master key is needed.
    let db = Db::open(&database_url(data)?, &KeySource::Locked, Clock::system().now().0).await?;
    let published = match db::trust_lists::newest(&db).await? {
        Some(stored) => stored.document,
        None => files::read_text(&keys.join(TRUST_LIST), "trust list")?,
    };
    Ok(Beside { keys, did, root, db, published })
}

/// What to do with a draft: write it for the offline root, or (a demonstration's folder) sign it
/// with the root secret there and publish it.
async fn finish(b: &Beside, draft: &TrustListDocument, out: Option<&Path>) -> Result<()> {
    let root_path = b.keys.join(ROOT_KEY);
    if !root_path.exists() {
        let out =
            out.map_or_else(|| PathBuf::from(format!("trust-list-draft-{}.json", draft.sequence)), Path::to_path_buf);
        if out.exists() {
            bail!("{} exists; give another --out", out.display());
        }
        files::write_public(&out, serde_json::to_string_pretty(draft)?.as_bytes())?;
        println!("wrote the draft trust list (sequence {}) to {}", draft.sequence, out.display());
        println!("next, on the offline machine that keeps the root key:");
        println!(
            "  dwp trust sign --root root-key.json --draft {} --out trust-list-{}.json",
            out.display(),
            draft.sequence
        );
        println!("then publish it (an administrator's token):");
        println!(
            "  curl -X POST -H 'Authorization: Bearer …' -H 'Content-Type: application/json' \
             --data-binary @trust-list-{}.json <registry>/v1/trust-list",
            draft.sequence
        );
        return Ok(());
    }
    let root = KeyPair::from_json(&files::read_text(&root_path, "root key")?)
        .with_context(|| format!("reading {}", root_path.display()))?;
    let now = Clock::system().now();
    let signed = sign_trust_list(&root, draft.sequence, now, draft.issuers.clone())?.to_string();
    let mut w = b.db.begin_write(&Clock::system()).await?;
    match trust::publish(&mut w, &b.keys, &b.root, &b.did, &signed, "cli").await {
        Ok(published) => {
            w.commit().await?;
            eprintln!(
                "demo: signed with the root secret key in {} (a production registry keeps it offline)",
                root_path.display()
            );
            println!(
                "published trust list {} (issued {}); running registries follow it at their next write",
                published.sequence, published.issued
            );
            Ok(())
        }
        Err(e) => {
            w.abort().await;
            bail!("the trust list was not published: {}", e.detail_text().unwrap_or("refused"))
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")
}

/// `dwp keys rotate`: the next issuer key, and the trust list that names it from now.
///
/// # Errors
/// When the registry's keys or database cannot be read, or the key cannot be made.
pub fn rotate_cli(data: &Path, hsm: Option<HsmConfig>, out: Option<&Path>) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let b = beside(data).await?;
        let current = TrustList::verify(&b.published, Some(&b.root)).context("the published trust list")?;
        let (n, vm) = trust::next_key(&b.did, &current, &b.keys);
        let (file, token) = keyring::key_file_names(n);
        let public = match &hsm {
            None => {
                let key = KeyPair::generate(Some(vm.clone()))?;
                let text = serde_json::to_string_pretty(&key.to_file(Some(&b.did)))?;
                files::write_secret(&b.keys.join(&file), text.as_bytes())?;
                eprintln!("made the issuer key {vm} in {} (mode 0600)", b.keys.join(&file).display());
                key.public()
            }
            Some(config) => {
                let signer = Pkcs11Signer::open(config, true)?;
                let public = dwp_issuer::signer::Signer::public(&signer);
                let descriptor = json!({
                    "id": vm, "type": "Multikey", "controller": b.did,
                    "publicKeyMultibase": dwp_verifier::multikey::encode_public(&public),
                    "pkcs11": { "token": config.token, "key": config.key },
                });
                files::write_public(&b.keys.join(&token), serde_json::to_string_pretty(&descriptor)?.as_bytes())?;
                eprintln!("made the issuer key {vm} in the token {:?} (label {:?})", config.token, config.key);
                public
            }
        };
        let draft = trust::draft_rotation(&b.published, &b.did, &vm, &public, Clock::system().now())?;
        finish(&b, &draft, out).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// `dwp keys compromise`: the trust list that holds `key` compromised as of `as_of`.
///
/// # Errors
/// When the registry's keys or database cannot be read, or the list does not name the key.
pub fn compromise_cli(data: &Path, key: &str, as_of: UnixTime, out: Option<&Path>) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let b = beside(data).await?;
        let draft = trust::draft_compromise(&b.published, &b.did, key, as_of, Clock::system().now())?;
        finish(&b, &draft, out).await?;
        println!(
            "once published, every live permit signed by {key} is re-issued under the key that signs now (GET \
             /v1/keys shows how far)"
        );
        Ok(ExitCode::SUCCESS)
    })
}
