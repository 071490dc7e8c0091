//! `Content-Digest` (RFC 9530): the digest of a message's content, which the
//! signature covers in place of the content itself.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sfv::{BareItem, Dictionary, Item, ListEntry, Parser};
use sha2::{Digest as _, Sha256, Sha512};

use super::SigError;

/// `Content-Digest`'s value for `body` (RFC 9530): SHA-256.
pub fn content_digest(body: &[u8]) -> String {
    format!("sha-256=:{}:", B64.encode(Sha256::digest(body)))
}

/// Checks a `Content-Digest` value against `body`: every algorithm known here that it names
/// must match, and it must name one.
///
/// # Errors
/// `DigestMissing`, `DigestMismatch`, or `Malformed`.
pub fn check_digest(field: Option<&str>, body: &[u8]) -> Result<(), SigError> {
    let field = field.ok_or(SigError::DigestMissing)?;
    let dict: Dictionary =
        Parser::new(field).parse().map_err(|e| SigError::Malformed(format!("Content-Digest: {e}")))?;
    let mut known = 0;
    for (alg, entry) in &dict {
        let ListEntry::Item(Item { bare_item: BareItem::ByteSequence(given), .. }) = entry else {
            return Err(SigError::Malformed(format!("Content-Digest {} is not a byte sequence", alg.as_str())));
        };
        let expected = match alg.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        known += 1;
        if *given != expected {
            return Err(SigError::DigestMismatch);
        }
    }
    if known == 0 { Err(SigError::DigestMissing) } else { Ok(()) }
}
