//! The key folder: the files `dwp keys generate` writes and the registry keeps
//! in `<data>/keys`, generating a new set, and reading the issuer key, a
//! pinned root key and the trust list back. Secret keys are written with mode
//! 0600 and never overwritten.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use dwp_issuer::keys::KeyPair;
use dwp_issuer::trust::{Authority, did_document, sign_trust_list, trusted_issuer_key};
use dwp_verifier::credential::{Issuance, KeyRef, StatusRef};
use dwp_verifier::multikey;
use dwp_verifier::time::UnixTime;
use dwp_verifier::trust::TrustList;

use crate::files;

/// The files `keys generate` writes, by name.
pub const ISSUER_KEY: &str = "issuer-key.json";
/// Root key file name.
pub const ROOT_KEY: &str = "root-key.json";
/// Root public key file name.
pub const ROOT_PUBLIC: &str = "root-public-key.json";
/// Trust list file name.
pub const TRUST_LIST: &str = "trust-list.json";
/// Where an issuer key held in a hardware token is described (its public key and labels; no secret).
pub const ISSUER_TOKEN_KEY: &str = "issuer-key-token.json";

/// The issuer key of a new key set: a file made here, or a key already in a hardware token.
#[derive(Debug, Clone, Copy)]
pub enum NewIssuerKey<'a> {
    /// Generate a key and write it to [`ISSUER_KEY`] (mode 0600).
    File,
    /// A key in a PKCS#11 token: only its public half and its labels are written ([`ISSUER_TOKEN_KEY`]).
    Token {
        /// The public key.
        public: [u8; 32],
        /// The token's label.
        token: &'a str,
        /// The key's label.
        key: &'a str,
    },
}

/// Generates an issuer key and a root key, and writes the DID document and a
/// signed trust list naming `authority`.
///
/// # Errors
/// When the DID is not one permits can name, a key already exists in `out`,
/// or a file cannot be written.
pub fn generate_keys(out: &Path, did: &str, authority: &Authority, now: UnixTime) -> Result<()> {
    generate_key_set(out, did, authority, now, NewIssuerKey::File)
}

/// [`generate_keys`], with the issuer key of `issuer`.
///
/// # Errors
/// As [`generate_keys`].
pub fn generate_key_set(
    out: &Path,
    did: &str,
    authority: &Authority,
    now: UnixTime,
    issuer: NewIssuerKey,
) -> Result<()> {
    // Check the DID by building an issuance with it.
    Issuance::new(did, KeyRef::Numbered(1), now, StatusRef { shard: 0, index: 0 })
        .with_context(|| format!("--did {did:?}"))?;
    files::create_private_dir(out)?;
    for name in [ISSUER_KEY, ISSUER_TOKEN_KEY, ROOT_KEY] {
        if out.join(name).exists() {
            bail!("{} already exists; refusing to overwrite keys", out.join(name).display());
        }
    }
    let vm = format!("{did}#key-1");
    let public = match issuer {
        NewIssuerKey::File => {
            let issuer = KeyPair::generate(Some(vm.clone()))?;
            let issuer_file = serde_json::to_string_pretty(&issuer.to_file(Some(did)))?;
            files::write_secret(&out.join(ISSUER_KEY), issuer_file.as_bytes())?;
            issuer.public()
        }
        NewIssuerKey::Token { public, token, key } => {
            let descriptor = json!({
                "id": vm, "type": "Multikey", "controller": did,
                "publicKeyMultibase": multikey::encode_public(&public),
                "pkcs11": { "token": token, "key": key },
            });
            files::write_public(&out.join(ISSUER_TOKEN_KEY), serde_json::to_string_pretty(&descriptor)?.as_bytes())?;
            public
        }
    };
    let root = KeyPair::generate(None)?;
    let root_file = serde_json::to_string_pretty(&root.to_file(None))?;
    files::write_secret(&out.join(ROOT_KEY), root_file.as_bytes())?;
    let root_public = json!({ "id": root.did_key(), "publicKeyMultibase": root.public_multibase() });
    files::write_public(&out.join(ROOT_PUBLIC), serde_json::to_string_pretty(&root_public)?.as_bytes())?;
    let did_doc = did_document(did, &[(vm.as_str(), multikey::encode_public(&public))]);
    files::write_public(&out.join("did.json"), serde_json::to_string_pretty(&did_doc)?.as_bytes())?;
    let trusted = trusted_issuer_key(did, authority, &vm, &public, now, UnixTime(now.0 + 10 * 366 * 86_400));
    let trust = sign_trust_list(&root, 1, now, vec![trusted])?;
    files::write_public(&out.join(TRUST_LIST), serde_json::to_string_pretty(&trust)?.as_bytes())?;
    Ok(())
}

/// Reads the issuer key of a keys directory.
///
/// # Errors
/// When the key file is unreadable, or its `id` names no DID.
pub fn load_issuer_key(dir: &Path) -> Result<(KeyPair, String)> {
    let path = dir.join(ISSUER_KEY);
    let key = KeyPair::from_json(&files::read_text(&path, "issuer key")?)
        .with_context(|| format!("reading {}", path.display()))?;
    let vm = key.id.clone().with_context(|| format!("{} has no \"id\" (verification method)", path.display()))?;
    let did = vm
        .split_once('#')
        .map(|(d, _)| d.to_string())
        .with_context(|| format!("{}: id {vm:?} has no #fragment", path.display()))?;
    Ok((key, did))
}

/// Reads a root key argument: `z6Mk…` or a JSON file with `publicKeyMultibase`.
///
/// # Errors
/// When `arg` is neither a key nor a readable file holding one.
pub fn parse_root(arg: &str) -> Result<[u8; 32]> {
    if let Some(k) = multikey::decode_public(arg) {
        return Ok(k);
    }
    let text = files::read_text(Path::new(arg), "root key")?;
    let v: Value = serde_json::from_str(&text).with_context(|| format!("root key file {arg}"))?;
    v.get("publicKeyMultibase")
        .and_then(Value::as_str)
        .and_then(multikey::decode_public)
        .with_context(|| format!("root key file {arg} has no Ed25519 publicKeyMultibase"))
}

/// Loads and checks a trust list; says on stderr when the root is not pinned.
///
/// # Errors
/// When the root or the trust list cannot be read, or the list does not verify.
pub fn load_trust(path: &Path, root: Option<&str>) -> Result<(TrustList, bool)> {
    let pinned = root.map(parse_root).transpose()?;
    let text = files::read_text(path, "trust list")?;
    let trust = TrustList::verify(&text, pinned.as_ref()).with_context(|| format!("trust list {}", path.display()))?;
    if pinned.is_none() {
        eprintln!(
            "warning: trust list root key not pinned (pass --root); accepting {} as root",
            multikey::did_key(trust.root())
        );
    }
    Ok((trust, pinned.is_some()))
}
