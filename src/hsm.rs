//! The issuer's signing key in a hardware security module, through PKCS#11
//! (the `cryptoki` crate): found by token label and key label, generated in
//! the token on first use as a sensitive, non-extractable Ed25519 key
//! (`CKM_EC_EDWARDS_KEY_PAIR_GEN`), and used with `CKM_EDDSA` (pure Ed25519).
//! The secret never leaves the token; the PIN comes from the environment or a
//! file, never a flag, and is never logged or put in an error.
//!
//! The master key that wraps the data keys of personal data may live in the
//! same token ([`master`]). One module is loaded and initialized once per
//! process, whichever keys of it are used.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as Pkcs11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;

use dwp_issuer::signer::{Signer, SignerError};

pub mod master;

/// The environment variable that may hold the token's user PIN.
pub const PIN_ENV: &str = "DWP_HSM_PIN";

/// DER of the Ed25519 curve's OID (1.3.101.112), the key's `CKA_EC_PARAMS` (RFC 8410).
const ED25519_PARAMS: [u8; 5] = [0x06, 0x03, 0x2b, 0x65, 0x70];

/// Where the key is.
#[derive(Clone)]
pub struct HsmConfig {
    /// The PKCS#11 module (a shared library), e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// The token's label.
    pub token: String,
    /// The key's label (`CKA_LABEL`) in the token.
    pub key: String,
    /// A file holding the user PIN; else the PIN is read from [`PIN_ENV`].
    pub pin_file: Option<PathBuf>,
}

impl std::fmt::Debug for HsmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmConfig")
            .field("module", &self.module)
            .field("token", &self.token)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl HsmConfig {
    /// The token, for messages: its label and module.
    pub(crate) fn describe(&self) -> String {
        format!("the HSM token {:?} (module {})", self.token, self.module.display())
    }

    fn pin(&self) -> Result<AuthPin> {
        let pin = match &self.pin_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("reading the HSM PIN file {}", path.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
            None => std::env::var(PIN_ENV).map_err(|_| {
                anyhow::anyhow!(
                    "the HSM user PIN is not set: put it in the environment variable {PIN_ENV} or give --hsm-pin-file"
                )
            })?,
        };
        if pin.is_empty() {
            bail!("the HSM user PIN is empty");
        }
        Ok(AuthPin::new(pin.into_boxed_str()))
    }
}

/// The process's context of the module at `path`: loaded and initialized on
/// first use, kept for the process's life, since a module is initialized once
/// per process (a second `C_Initialize` is refused).
fn context(path: &Path) -> Result<Pkcs11> {
    static LOADED: Mutex<BTreeMap<PathBuf, Pkcs11>> = Mutex::new(BTreeMap::new());
    let mut loaded = LOADED.lock().map_err(|_| anyhow::anyhow!("the PKCS#11 module list is poisoned"))?;
    if let Some(ctx) = loaded.get(path) {
        return Ok(ctx.clone());
    }
    let ctx = Pkcs11::new(path).with_context(|| format!("loading the PKCS#11 module {}", path.display()))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(e).with_context(|| format!("initializing the PKCS#11 module {}", path.display())),
    }
    loaded.insert(path.to_path_buf(), ctx.clone());
    Ok(ctx)
}

/// A read-write session on the token of `config`, logged in as its user.
///
/// # Errors
/// When the module cannot be loaded, no token has the label, or the PIN is missing or wrong.
pub(crate) fn login(config: &HsmConfig) -> Result<(Pkcs11, Session)> {
    let what = || config.describe();
    let ctx = context(&config.module)?;
    let mut slot = None;
    for s in ctx.get_slots_with_token().with_context(what)? {
        if ctx.get_token_info(s).with_context(what)?.label().trim_end() == config.token {
            slot = Some(s);
            break;
        }
    }
    let slot = slot.with_context(|| format!("{} was not found: no token has that label", what()))?;
    let session = ctx.open_rw_session(slot).with_context(what)?;
    // The login is the application's, not the session's: a second key of the same token finds it done.
    match session.login(UserType::User, Some(&config.pin()?)) {
        Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => bail!("logging in to {}: {e} (is the PIN right?)", what()),
    }
    Ok((ctx, session))
}

/// What the token says of the key: the attributes that keep its secret inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyProtection {
    /// `CKA_EXTRACTABLE`.
    pub extractable: bool,
    /// `CKA_SENSITIVE`.
    pub sensitive: bool,
    /// `CKA_NEVER_EXTRACTABLE`.
    pub never_extractable: bool,
}

/// An Ed25519 key in a PKCS#11 token, logged in for the life of the signer.
pub struct Pkcs11Signer {
    /// Kept for the session's life.
    _ctx: Pkcs11,
    session: Mutex<Session>,
    key: ObjectHandle,
    public: [u8; 32],
    protection: KeyProtection,
}

impl Pkcs11Signer {
    /// Opens the token and finds the key; with `create`, generates it when the token has none by that label.
    ///
    /// # Errors
    /// When the module, the token, the PIN or the key is wrong, or the key could leave the token.
    pub fn open(config: &HsmConfig, create: bool) -> Result<Pkcs11Signer> {
        let what = || config.describe();
        let (ctx, session) = login(config)?;
        let label = config.key.as_bytes().to_vec();
        let find = |class| {
            session.find_objects(&[
                Attribute::Class(class),
                Attribute::KeyType(KeyType::EC_EDWARDS),
                Attribute::Label(label.clone()),
            ])
        };
        let mut private = find(ObjectClass::PRIVATE_KEY).with_context(what)?;
        let mut public = find(ObjectClass::PUBLIC_KEY).with_context(what)?;
        if private.len() > 1 || public.len() > 1 {
            bail!("{} holds more than one Ed25519 key labelled {:?}; label keys uniquely", what(), config.key);
        }
        if private.is_empty() {
            if !create {
                bail!("{} holds no Ed25519 key labelled {:?}", what(), config.key);
            }
            let (pubk, privk) =
                generate(&session, &label).with_context(|| format!("generating a key in {}", what()))?;
            private.push(privk);
            public.push(pubk);
        }
        let key = private[0];
        let Some(&pubk) = public.first() else {
            bail!("{} holds the private key {:?} but not its public half", what(), config.key);
        };
        let public = read_public(&session, pubk).with_context(|| format!("reading the public key in {}", what()))?;
        let protection = protection(&session, key).with_context(what)?;
        if protection.extractable || !protection.sensitive {
            bail!(
                "the key {:?} in {} can leave the token (CKA_EXTRACTABLE {}, CKA_SENSITIVE {}); the issuer key must be \
                 sensitive and non-extractable",
                config.key,
                what(),
                protection.extractable,
                protection.sensitive
            );
        }
        let signer = Pkcs11Signer { _ctx: ctx, session: Mutex::new(session), key, public, protection };
        // The token's key must sign what its public half verifies.
        dwp_issuer::signer::sign_checked(&signer, b"dwp: the token signs")
            .with_context(|| format!("a test signature with the key {:?} in {}", config.key, what()))?;
        Ok(signer)
    }

    /// The key's protection attributes, as the token reports them.
    pub fn protection(&self) -> KeyProtection {
        self.protection
    }
}

fn generate(session: &Session, label: &[u8]) -> cryptoki::error::Result<(ObjectHandle, ObjectHandle)> {
    let public = [
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Verify(true),
        Attribute::EcParams(ED25519_PARAMS.to_vec()),
        Attribute::Label(label.to_vec()),
    ];
    let private = [
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        Attribute::Label(label.to_vec()),
    ];
    session.generate_key_pair(&Mechanism::EccEdwardsKeyPairGen, &public, &private)
}

/// The 32-byte key from `CKA_EC_POINT`: raw, or DER `OCTET STRING` (04 20 ‖ key), as tokens differ.
fn read_public(session: &Session, key: ObjectHandle) -> Result<[u8; 32]> {
    let attrs = session.get_attributes(key, &[AttributeType::EcPoint])?;
    let Some(Attribute::EcPoint(point)) = attrs.into_iter().next() else {
        bail!("the public key has no CKA_EC_POINT");
    };
    let raw = match point.as_slice() {
        [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest,
        raw if raw.len() == 32 => raw,
        _ => bail!("CKA_EC_POINT is not an Ed25519 key ({} bytes)", point.len()),
    };
    let mut out = [0u8; 32];
    out.copy_from_slice(raw);
    Ok(out)
}

/// The protection attributes of `key`, as the token reports them.
pub(crate) fn protection(session: &Session, key: ObjectHandle) -> Result<KeyProtection> {
    let attrs = session.get_attributes(
        key,
        &[AttributeType::Extractable, AttributeType::Sensitive, AttributeType::NeverExtractable],
    )?;
    let mut p = KeyProtection { extractable: true, sensitive: false, never_extractable: false };
    for a in attrs {
        match a {
            Attribute::Extractable(v) => p.extractable = v,
            Attribute::Sensitive(v) => p.sensitive = v,
            Attribute::NeverExtractable(v) => p.never_extractable = v,
            _ => {}
        }
    }
    Ok(p)
}

impl Signer for Pkcs11Signer {
    fn public(&self) -> [u8; 32] {
        self.public
    }

    fn try_sign(&self, msg: &[u8]) -> Result<[u8; 64], SignerError> {
        let session = self.session.lock().map_err(|_| SignerError("the HSM session is poisoned".into()))?;
        let mechanism = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
        let sig = session.sign(&mechanism, self.key, msg).map_err(|e| SignerError(format!("the HSM refused: {e}")))?;
        <[u8; 64]>::try_from(sig.as_slice())
            .map_err(|_| SignerError(format!("the HSM gave a {}-byte signature", sig.len())))
    }
}
