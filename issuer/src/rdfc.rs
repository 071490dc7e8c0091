//! RDF Dataset Canonicalization (RDFC-1.0) of a JSON-LD document, for
//! `eddsa-rdfc-2022`, through the ssi project's JSON-LD expansion and RDFC-1.0.
//!
//! This module is the only place that names ssi types: ssi changes its API every
//! few months, and a change should touch one file. It never loads a context from
//! the network: every `@context` IRI must be one of the [`StaticContext`]s given,
//! or canonicalization fails and names the IRI.
//!
//! ssi's API is `async` (its document loader may fetch); our loader only reads
//! memory, so the future is driven to completion on the calling thread.

use std::collections::HashMap;

use serde_json::Value;
use ssi_json_ld::syntax::Parse as _;
use ssi_json_ld::{CompactJsonLd, ContextLoader, Expandable as _};
use ssi_rdf::urdna2015;

/// A JSON-LD context document held locally, served for its IRI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticContext {
    /// The IRI documents name in `@context`.
    pub iri: String,
    /// The context document (JSON text).
    pub document: String,
}

/// Why a document could not be canonicalized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RdfcError {
    /// A held context is not valid JSON or is bound to an invalid IRI (our defect).
    #[error("context {iri} cannot be loaded: {message}")]
    BadContext {
        /// The context's IRI.
        iri: String,
        /// What is wrong with it.
        message: String,
    },
    /// JSON-LD expansion failed, e.g. a context that is not held here.
    #[error("JSON-LD expansion failed: {message}")]
    Expansion {
        /// The expansion error, naming the IRI when a context is missing.
        message: String,
    },
    /// The expanded document could not be turned into RDF quads.
    #[error("the document cannot be read as RDF: {message}")]
    ToRdf {
        /// The conversion error.
        message: String,
    },
}

/// The canonical N-Quads (RDFC-1.0) of `doc`, each statement ending in `\n`.
///
/// # Errors
/// [`RdfcError::Expansion`] when `doc` names a context not among `contexts` or is
/// not valid JSON-LD; [`RdfcError::BadContext`] when a given context is unusable.
pub fn canonicalize(doc: &Value, contexts: &[StaticContext]) -> Result<String, RdfcError> {
    let mut map = HashMap::new();
    for c in contexts {
        map.insert(c.iri.clone(), c.document.clone());
    }
    let loader = ContextLoader::empty().with_context_map_from(map).map_err(|e| RdfcError::BadContext {
        iri: contexts.iter().map(|c| c.iri.as_str()).collect::<Vec<_>>().join(", "),
        message: e.to_string(),
    })?;
    // serde_json's text is valid JSON; re-parse it into the JSON model ssi uses.
    let text = doc.to_string();
    let (json, _) = ssi_json_ld::syntax::Value::parse_str(&text)
        .map_err(|e| RdfcError::Expansion { message: format!("invalid JSON: {e}") })?;
    let compact = CompactJsonLd(json);
    let expanded =
        pollster::block_on(compact.expand(&loader)).map_err(|e| RdfcError::Expansion { message: e.to_string() })?;
    let quads = linked_data::to_lexical_quads(ssi_rdf::generator::Blank::new(), &expanded)
        .map_err(|e| RdfcError::ToRdf { message: e.to_string() })?;
    Ok(urdna2015::normalize(quads.iter().map(|q| q.as_lexical_quad_ref())).into_nquads())
}
