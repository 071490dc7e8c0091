//! Ed25519 keys and signatures as the W3C specifications write them: Multikey
//! (`z6Mk…`: base58btc of multicodec `0xed01` and the 32-byte key), secret
//! keys (`z3u2…`: multicodec `0x8026` and the 32-byte seed), `did:key`, and
//! `proofValue` (`z` + base58btc of the 64-byte signature).

const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

fn decode_prefixed<const N: usize>(s: &str, prefix: [u8; 2]) -> Option<[u8; N]> {
    let b58 = s.strip_prefix('z')?;
    if b58.len() > 2 * (N + 2) {
        return None;
    }
    let bytes = bs58::decode(b58).into_vec().ok()?;
    let key = bytes.strip_prefix(&prefix[..])?;
    key.try_into().ok()
}

fn encode_prefixed(bytes: &[u8], prefix: [u8; 2]) -> String {
    let mut v = Vec::with_capacity(prefix.len() + bytes.len());
    v.extend_from_slice(&prefix);
    v.extend_from_slice(bytes);
    format!("z{}", bs58::encode(v).into_string())
}

/// Decodes a `publicKeyMultibase` (`z6Mk…`) to the raw key bytes.
pub fn decode_public(s: &str) -> Option<[u8; 32]> {
    decode_prefixed(s, ED25519_PUB)
}

/// Encodes a raw Ed25519 public key as `publicKeyMultibase`.
pub fn encode_public(key: &[u8; 32]) -> String {
    encode_prefixed(key, ED25519_PUB)
}

/// Decodes a `privateKeyMultibase`/`secretKeyMultibase` (`z3u2…`) to the 32-byte seed.
pub fn decode_secret(s: &str) -> Option<[u8; 32]> {
    decode_prefixed(s, ED25519_PRIV)
}

/// Encodes a 32-byte Ed25519 seed as `privateKeyMultibase`.
pub fn encode_secret(seed: &[u8; 32]) -> String {
    encode_prefixed(seed, ED25519_PRIV)
}

/// `did:key:z6Mk…` of a public key.
pub fn did_key(key: &[u8; 32]) -> String {
    format!("did:key:{}", encode_public(key))
}

/// The key of a `did:key:z6Mk…`, if it is a canonical, full-order Ed25519 point.
pub fn parse_did_key(did: &str) -> Option<[u8; 32]> {
    parse_did_key_checked(did).map(|k| k.to_bytes())
}

/// [`parse_did_key`], as the checked key.
pub fn parse_did_key_checked(did: &str) -> Option<crate::ed25519::PublicKey> {
    let key = decode_public(did.strip_prefix("did:key:")?)?;
    let checked = crate::ed25519::PublicKey::from_bytes(&key).ok()?;
    (did_key(&key) == did).then_some(checked)
}

/// Decodes a `proofValue` (`z` + base58btc, 64 bytes).
pub fn decode_signature(s: &str) -> Option<[u8; 64]> {
    let b58 = s.strip_prefix('z')?;
    if b58.len() > 100 {
        return None;
    }
    bs58::decode(b58).into_vec().ok()?.try_into().ok()
}

/// Encodes a signature as a `proofValue`.
pub fn encode_signature(sig: &[u8; 64]) -> String {
    format!("z{}", bs58::encode(sig).into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_w3c_key_pair_forms() {
        let public = decode_public("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2").expect("public");
        let seed = decode_secret("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq").expect("secret");
        assert_eq!(encode_public(&public), "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2");
        assert_eq!(encode_secret(&seed), "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq");
        let derived = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        assert_eq!(derived, public, "the seed derives the published public key");
        assert_eq!(decode_public("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"), None, "wrong multicodec");
    }
}
