//! The data master key in a PKCS#11 token: an AES-256 secret key object
//! (`CKO_SECRET_KEY`, `CKK_AES`), found by its label in the issuer's token or
//! another, generated there on a registry's first start (`CKM_AES_KEY_GEN`;
//! `CKA_TOKEN`, `CKA_SENSITIVE`, not `CKA_EXTRACTABLE`). Each data key is
//! sealed inside the token with `CKM_AES_GCM` (a random 12-byte IV, a 128-bit
//! tag, the data key's id and the master key's id as associated data), so the
//! master key's secret never enters this process.

use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use cryptoki::context::Pkcs11;
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use zeroize::Zeroizing;

use super::{HsmConfig, KeyProtection};
use crate::registry::crypt::{CryptError, TokenWrap};

const IV_LEN: usize = 12;
const TAG_BITS: std::ffi::c_ulong = 128;

/// The id a token's master key is recorded under in `data_keys.master_key_id`.
pub fn key_id(config: &HsmConfig) -> String {
    format!("hsm:{}/{}", config.token, config.key)
}

/// An AES-256 key in a PKCS#11 token, logged in for the life of the registry.
pub struct TokenMasterKey {
    /// Kept for the session's life.
    _ctx: Pkcs11,
    session: Mutex<Session>,
    key: ObjectHandle,
    protection: KeyProtection,
}

impl TokenMasterKey {
    /// Opens the token and finds the AES key labelled `config.key`; with
    /// `create`, generates it when the token has none by that label.
    ///
    /// # Errors
    /// When the module, the token, the PIN or the key is wrong, or the key could leave the token.
    pub fn open(config: &HsmConfig, create: bool) -> Result<TokenMasterKey> {
        let what = || config.describe();
        let (ctx, session) = super::login(config)?;
        let label = config.key.as_bytes().to_vec();
        let mut found = session
            .find_objects(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::Label(label.clone()),
            ])
            .with_context(what)?;
        if found.len() > 1 {
            bail!("{} holds more than one AES key labelled {:?}; label keys uniquely", what(), config.key);
        }
        let key = match found.pop() {
            Some(k) => k,
            None if create => {
                let k = generate(&session, &label).with_context(|| format!("generating a key in {}", what()))?;
                eprintln!("generated the master key {:?} in {} (AES-256, never extractable)", config.key, what());
                k
            }
            None => bail!("{} holds no AES key labelled {:?}", what(), config.key),
        };
        let protection = super::protection(&session, key).with_context(what)?;
        if protection.extractable || !protection.sensitive {
            bail!(
                "the key {:?} in {} can leave the token (CKA_EXTRACTABLE {}, CKA_SENSITIVE {}); the master key must \
                 be sensitive and non-extractable",
                config.key,
                what(),
                protection.extractable,
                protection.sensitive
            );
        }
        let master = TokenMasterKey { _ctx: ctx, session: Mutex::new(session), key, protection };
        // The key must open what it seals, with the mechanism every data key uses.
        let probe = master
            .seal(b"dwp: the token wraps", &[0x5a; 32])
            .with_context(|| format!("a test of CKM_AES_GCM with the key {:?} in {}", config.key, what()))?;
        if master.open(b"dwp: the token wraps", &probe).is_none_or(|p| p.as_slice() != [0x5a; 32]) {
            bail!("the key {:?} in {} does not open what it sealed with CKM_AES_GCM", config.key, what());
        }
        Ok(master)
    }

    /// The key's protection attributes, as the token reports them.
    pub fn protection(&self) -> KeyProtection {
        self.protection
    }
}

fn generate(session: &Session, label: &[u8]) -> cryptoki::error::Result<ObjectHandle> {
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::ValueLen(32.into()),
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Encrypt(true),
        Attribute::Decrypt(true),
        Attribute::Label(label.to_vec()),
    ];
    session.generate_key(&Mechanism::AesKeyGen, &template)
}

impl TokenWrap for TokenMasterKey {
    fn seal(&self, ad: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptError> {
        let mut iv = [0u8; IV_LEN];
        getrandom::fill(&mut iv).map_err(|_| CryptError::Random)?;
        let mut params_iv = iv;
        let params =
            GcmParams::new(&mut params_iv, ad, TAG_BITS.into()).map_err(|e| CryptError::Token(e.to_string()))?;
        let session = self.session.lock().map_err(|_| CryptError::Token("the HSM session is poisoned".into()))?;
        let sealed = session
            .encrypt(&Mechanism::AesGcm(params), self.key, plain)
            .map_err(|e| CryptError::Token(e.to_string()))?;
        let mut out = iv.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, ad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if sealed.len() < IV_LEN + 16 {
            return None;
        }
        let (iv, ct) = sealed.split_at(IV_LEN);
        let mut iv = <[u8; IV_LEN]>::try_from(iv).ok()?;
        let params = GcmParams::new(&mut iv, ad, TAG_BITS.into()).ok()?;
        let session = self.session.lock().ok()?;
        session.decrypt(&Mechanism::AesGcm(params), self.key, ct).ok().map(Zeroizing::new)
    }
}
