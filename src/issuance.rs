//! Status indices and signing with a key folder: the size of every status
//! list, the one random draw of a status index (for `dwp issue`, `dwp demo`
//! and the registry's allocation), and signing a permit with the issuer key of
//! a folder.

use std::path::Path;

use anyhow::{Context, Result};

use dwp_issuer::sign::{self, IssuedPermit};
use dwp_verifier::credential::{Issuance, KeyRef, StatusRef};
use dwp_verifier::permit::Permit;
use dwp_verifier::status::MIN_ENTRIES;
use dwp_verifier::time::UnixTime;

use crate::keyfiles::load_issuer_key;

/// Entries in each status list (the W3C minimum, for herd privacy).
pub const LIST_ENTRIES: u32 = MIN_ENTRIES as u32;

/// Draws a status index below [`LIST_ENTRIES`] from the system random source.
///
/// # Errors
/// When the system random source fails.
pub fn random_index() -> Result<u32, getrandom::Error> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b)?;
    Ok(u32::from_le_bytes(b) % LIST_ENTRIES)
}

/// Signs a permit with the keys of `dir`.
///
/// # Errors
/// When the issuer key cannot be read, or the permit cannot be signed with it.
pub fn issue_with(dir: &Path, permit: Permit, created: UnixTime, status: StatusRef) -> Result<IssuedPermit> {
    let (key, did) = load_issuer_key(dir)?;
    let vm = key.id.clone().unwrap_or_default();
    let issuance = Issuance::new(&did, KeyRef::Other(vm), created, status).context("issuance parameters")?;
    Ok(sign::issue_permit(permit, issuance, &key)?)
}
