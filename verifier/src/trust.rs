//! The trust list: which issuers a verifier accepts, with which keys, when,
//! and for which permit categories. It is a JSON document signed with
//! `eddsa-jcs-2022` by a root key that verifiers pin. (See
//! `wallet-spec/SPEC.md`, "Trust list".)

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::codes::Category;
use crate::ed25519::PublicKey;
use crate::multikey;
use crate::proof::{self, ProofError};
use crate::time::UnixTime;

/// The `type` of a trust-list document.
pub const TRUST_LIST_TYPE: &str = "DwpTrustList";

/// The trust list as written, before its signature is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustListDocument {
    /// Always [`TRUST_LIST_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// Grows with every new list from the same root; a verifier refuses to go back.
    pub sequence: u64,
    /// When the list was signed.
    pub issued: String,
    /// The trusted issuers.
    pub issuers: Vec<TrustedIssuerDocument>,
    /// The root's `eddsa-jcs-2022` proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
}

/// One trusted issuer, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustedIssuerDocument {
    /// The issuer DID.
    pub id: String,
    /// Display names by language tag (`en`, `th`, …).
    pub name: BTreeMap<String, String>,
    /// The permit categories it may sign.
    pub categories: Vec<String>,
    /// Its keys.
    pub keys: Vec<TrustedKeyDocument>,
}

/// One issuer key, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustedKeyDocument {
    /// The verification-method DID URL (`did:web:…#key-1`); its DID must be the issuer's.
    pub id: String,
    /// `z6Mk…`.
    pub public_key_multibase: String,
    /// First instant a proof by this key may be created.
    pub valid_from: String,
    /// Last instant a proof by this key may be created.
    pub valid_until: String,
    /// Set when the key was compromised, as of this instant: a proof by it created at or after the
    /// instant is refused; one created before it is judged as any other (`wallet-spec/SPEC.md` §8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
}

/// Why a trust list was not accepted. Unlike a [`crate::verify::Rejection`],
/// this is a problem with the verifier's own configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustListError {
    /// Not JSON of the trust-list shape.
    #[error("trust list is not valid: {message}")]
    Shape {
        /// What is wrong.
        message: String,
    },
    /// The proof is missing, malformed or does not verify.
    #[error("trust list signature: {0}")]
    Proof(#[from] ProofError),
    /// Signed by a key other than the pinned root.
    #[error("trust list is signed by {signer}, not by the pinned root key")]
    NotPinnedRoot {
        /// The `did:key` that signed.
        signer: String,
    },
}

fn shape(message: impl Into<String>) -> TrustListError {
    TrustListError::Shape { message: message.into() }
}

/// One trusted key, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    pub(crate) key: PublicKey,
    pub(crate) valid_from: UnixTime,
    pub(crate) valid_until: UnixTime,
    pub(crate) revoked: Option<UnixTime>,
}

/// One trusted issuer, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedIssuer {
    pub(crate) names: BTreeMap<String, String>,
    pub(crate) categories: Vec<Category>,
    pub(crate) keys: BTreeMap<String, TrustedKey>,
}

impl TrustedKey {
    /// The Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The start of the key's window: nothing it signed before then is accepted.
    pub fn valid_from(&self) -> UnixTime {
        self.valid_from
    }

    /// The end of the key's window.
    pub fn valid_until(&self) -> UnixTime {
        self.valid_until
    }

    /// The instant as of which the key is held compromised (the trust list's `revoked`), if it is.
    pub fn compromised_as_of(&self) -> Option<UnixTime> {
        self.revoked
    }

    /// The compromise instant, when a proof dated `created` is at or after it and must be refused.
    /// A proof dated before it is `None` here: it is judged by its window and its status, since the
    /// registry revokes the old credential of every permit it re-issues under a new key.
    pub fn compromised_by(&self, created: UnixTime) -> Option<UnixTime> {
        self.revoked.filter(|&instant| created >= instant)
    }
}

impl TrustedIssuer {
    /// A key of this issuer by verification method id.
    pub fn key(&self, id: &str) -> Option<&TrustedKey> {
        self.keys.get(id)
    }

    /// Every key of this issuer, by verification method id.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &TrustedKey)> {
        self.keys.iter().map(|(id, k)| (id.as_str(), k))
    }

    /// The display name in `lang`, falling back to English, then to any.
    pub fn name(&self, lang: &str) -> Option<&str> {
        self.names.get(lang).or_else(|| self.names.get("en")).or_else(|| self.names.values().next()).map(String::as_str)
    }
}

/// A trust list whose root signature has been checked.
///
/// Invariant: only [`TrustList::verify`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustList {
    pub(crate) sequence: u64,
    pub(crate) issued: UnixTime,
    pub(crate) root: [u8; 32],
    pub(crate) issuers: BTreeMap<String, TrustedIssuer>,
}

fn time(s: &str, what: &str) -> Result<UnixTime, TrustListError> {
    UnixTime::parse(s).map_err(|e| shape(format!("{what}: {e}")))
}

impl TrustList {
    /// Checks a trust list's signature and contents. With `pinned_root`, the
    /// list must be signed by that key; without, by the key it names (which the
    /// caller must then show to the user as not pinned).
    ///
    /// # Errors
    /// [`TrustListError`] if the list is malformed, unsigned, signed by another root or badly signed.
    pub fn verify(json: &str, pinned_root: Option<&[u8; 32]>) -> Result<Self, TrustListError> {
        if json.len() > 4 * 1024 * 1024 {
            return Err(shape("larger than 4 MiB"));
        }
        let value: Value = serde_json::from_str(json).map_err(|e| shape(e.to_string()))?;
        let parts = proof::split(&value, proof::EDDSA_JCS_2022)?;
        let signer = parts
            .verification_method
            .split_once('#')
            .and_then(|(did, _)| multikey::parse_did_key(did))
            .ok_or_else(|| shape("proof verificationMethod must be a did:key#fragment"))?;
        if let Some(root) = pinned_root
            && root != &signer
        {
            return Err(TrustListError::NotPinnedRoot { signer: multikey::did_key(&signer) });
        }
        let root_key = PublicKey::from_bytes(&signer).map_err(ProofError::from)?;
        proof::verify_jcs(&value, &root_key)?;

        let doc: TrustListDocument = serde_json::from_value(value).map_err(|e| shape(e.to_string()))?;
        if doc.kind != TRUST_LIST_TYPE {
            return Err(shape(format!("type must be {TRUST_LIST_TYPE}")));
        }
        let mut issuers = BTreeMap::new();
        for i in &doc.issuers {
            let mut categories = Vec::new();
            for c in &i.categories {
                categories
                    .push(Category::parse(c).ok_or_else(|| shape(format!("issuer {}: unknown category {c}", i.id)))?);
            }
            let mut keys = BTreeMap::new();
            for k in &i.keys {
                if k.id.split_once('#').map(|(did, _)| did) != Some(i.id.as_str()) {
                    return Err(shape(format!("key {} is not controlled by issuer {}", k.id, i.id)));
                }
                let bytes = multikey::decode_public(&k.public_key_multibase)
                    .ok_or_else(|| shape(format!("key {}: not an Ed25519 Multikey", k.id)))?;
                let key =
                    PublicKey::from_bytes(&bytes).map_err(|_| shape(format!("key {}: weak or non-canonical", k.id)))?;
                let valid_from = time(&k.valid_from, &k.id)?;
                let valid_until = time(&k.valid_until, &k.id)?;
                let revoked = k.revoked.as_deref().map(|r| time(r, &k.id)).transpose()?;
                if keys.insert(k.id.clone(), TrustedKey { key, valid_from, valid_until, revoked }).is_some() {
                    return Err(shape(format!("key {} listed twice", k.id)));
                }
            }
            let issuer = TrustedIssuer { names: i.name.clone(), categories, keys };
            if issuers.insert(i.id.clone(), issuer).is_some() {
                return Err(shape(format!("issuer {} listed twice", i.id)));
            }
        }
        Ok(TrustList { sequence: doc.sequence, issued: time(&doc.issued, "issued")?, root: signer, issuers })
    }

    /// The sequence number.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }
    /// When the list was signed.
    pub fn issued(&self) -> UnixTime {
        self.issued
    }
    /// The root key that signed it.
    pub fn root(&self) -> &[u8; 32] {
        &self.root
    }
    /// A trusted issuer by DID.
    pub fn issuer(&self, did: &str) -> Option<&TrustedIssuer> {
        self.issuers.get(did)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(revoked: Option<UnixTime>) -> TrustedKey {
        // The public key of the W3C vc-di-eddsa test vectors.
        let bytes = multikey::decode_public("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2").expect("multikey");
        let key = PublicKey::from_bytes(&bytes).expect("key");
        TrustedKey { key, valid_from: UnixTime(0), valid_until: UnixTime(4_000_000_000), revoked }
    }

    #[test]
    fn a_compromised_key_refuses_proofs_from_its_instant_on() {
        let instant = UnixTime(1_795_521_600);
        let k = key(Some(instant));
        assert_eq!(k.compromised_as_of(), Some(instant));
        assert_eq!(k.compromised_by(UnixTime(instant.0 - 1)), None, "a second before");
        assert_eq!(k.compromised_by(instant), Some(instant), "at the instant");
        assert_eq!(k.compromised_by(UnixTime(instant.0 + 1)), Some(instant), "after");
        assert_eq!(key(None).compromised_by(instant), None, "a key never compromised");
    }
}
