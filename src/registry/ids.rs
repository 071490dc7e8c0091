//! Fresh random identifiers: of permits, applications, tokens and requests.

/// A fresh random identifier: `prefix` + 26 base32 characters (128 bits).
pub fn random_id(prefix: &str) -> anyhow::Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let n = u128::from_be_bytes(b);
    let s: String = (0..26).map(|i| ALPHABET[((n >> (i * 5)) & 31) as usize] as char).collect();
    Ok(format!("{prefix}{s}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_well_formed() {
        let a = random_id("p_").expect("id");
        let b = random_id("p_").expect("id");
        assert_ne!(a, b);
        assert_eq!(a.len(), 28);
        assert!(a[2..].bytes().all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c)));
    }
}
