//! The JSON-LD contexts this build holds. Nothing is ever fetched: a document
//! that names any other context cannot be signed or verified with
//! `eddsa-rdfc-2022` here. Each file is the published text, byte for byte, and
//! its SHA-256 is recorded in [`SHA256`] and checked by a test.

use dwp_verifier::credential::{CONTEXT_V2, DWP_CONTEXT};
use dwp_verifier::vcdm::CONTEXT_V1;

/// The VC 2.0 context (W3C; SHA-256 `59955ced…2734`, as the Recommendation publishes).
pub const CREDENTIALS_V2: &str = include_str!("../../wallet-spec/contexts/credentials-v2.jsonld");
/// The VC 2.0 examples context, used by the W3C test vectors.
pub const CREDENTIALS_EXAMPLES_V2: &str = include_str!("../../wallet-spec/contexts/credentials-examples-v2.jsonld");
/// IRI of the examples context.
pub const CREDENTIALS_EXAMPLES_V2_IRI: &str = "https://www.w3.org/ns/credentials/examples/v2";
/// The VC 1.1 context, as `https://www.w3.org/2018/credentials/v1` serves it
/// (`w3c/vc-data-model`, `contexts/credentials/v1`; unchanged since 2019).
pub const CREDENTIALS_V1: &str = include_str!("../../wallet-spec/contexts/credentials-v1.jsonld");
/// The Data Integrity v2 context, as `https://w3id.org/security/data-integrity/v2`
/// serves it (`w3c/vc-data-integrity`, `contexts/data-integrity/v2`, with `previousProof`).
pub const DATA_INTEGRITY_V2: &str = include_str!("../../wallet-spec/contexts/data-integrity-v2.jsonld");
/// IRI of the Data Integrity v2 context.
pub const DATA_INTEGRITY_V2_IRI: &str = "https://w3id.org/security/data-integrity/v2";
/// The DWP v1 context.
pub const DWP_V1: &str = include_str!("../../wallet-spec/contexts/dwp-v1.jsonld");

/// Every context by IRI.
pub const ALL: [(&str, &str); 5] = [
    (CONTEXT_V2, CREDENTIALS_V2),
    (CREDENTIALS_EXAMPLES_V2_IRI, CREDENTIALS_EXAMPLES_V2),
    (CONTEXT_V1, CREDENTIALS_V1),
    (DATA_INTEGRITY_V2_IRI, DATA_INTEGRITY_V2),
    (DWP_CONTEXT, DWP_V1),
];

/// The SHA-256 (hex) of each held context, by IRI: what was pinned.
pub const SHA256: [(&str, &str); 5] = [
    (CONTEXT_V2, "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"),
    (CREDENTIALS_EXAMPLES_V2_IRI, "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c"),
    (CONTEXT_V1, "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc"),
    (DATA_INTEGRITY_V2_IRI, "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4"),
    (DWP_CONTEXT, "d8bb9385892835e4d4516ccfdcbf4b44099edec90ae9b6a2df354c0be5b50c4c"),
];

/// The contexts in the form the RDF canonicalizer takes.
#[cfg(feature = "rdfc")]
pub fn rdfc_contexts() -> Vec<crate::rdfc::StaticContext> {
    ALL.iter()
        .map(|(iri, doc)| crate::rdfc::StaticContext { iri: (*iri).to_string(), document: (*doc).to_string() })
        .collect()
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn every_held_context_has_its_pinned_sha256() {
        assert_eq!(ALL.len(), SHA256.len());
        for ((iri, doc), (pinned_iri, pinned)) in ALL.iter().zip(SHA256.iter()) {
            assert_eq!(iri, pinned_iri);
            let hex: String = Sha256::digest(doc.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(&hex, pinned, "{iri}");
        }
    }
}
