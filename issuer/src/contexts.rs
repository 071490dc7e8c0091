//! The JSON-LD contexts this build holds. Nothing is ever fetched: a document
//! that names any other context cannot be signed or verified with
//! `eddsa-rdfc-2022` here.

use dwp_verifier::credential::{CONTEXT_V2, DWP_CONTEXT};

/// The VC 2.0 context (W3C; SHA-256 `59955ced…2734`, as the Recommendation publishes).
pub const CREDENTIALS_V2: &str = include_str!("../../wallet-spec/contexts/credentials-v2.jsonld");
/// The VC 2.0 examples context, used by the W3C test vectors.
pub const CREDENTIALS_EXAMPLES_V2: &str = include_str!("../../wallet-spec/contexts/credentials-examples-v2.jsonld");
/// IRI of the examples context.
pub const CREDENTIALS_EXAMPLES_V2_IRI: &str = "https://www.w3.org/ns/credentials/examples/v2";
/// The DWP v1 context.
pub const DWP_V1: &str = include_str!("../../wallet-spec/contexts/dwp-v1.jsonld");

/// Every context by IRI.
pub const ALL: [(&str, &str); 3] =
    [(CONTEXT_V2, CREDENTIALS_V2), (CREDENTIALS_EXAMPLES_V2_IRI, CREDENTIALS_EXAMPLES_V2), (DWP_CONTEXT, DWP_V1)];

/// The contexts in the form the RDF canonicalizer takes.
#[cfg(feature = "rdfc")]
pub fn rdfc_contexts() -> Vec<crate::rdfc::StaticContext> {
    ALL.iter()
        .map(|(iri, doc)| crate::rdfc::StaticContext { iri: (*iri).to_string(), document: (*doc).to_string() })
        .collect()
}
