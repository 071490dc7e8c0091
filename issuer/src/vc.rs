//! Any W3C Verifiable Credential with Data Integrity EdDSA proofs
//! (`eddsa-jcs-2022` or `eddsa-rdfc-2022`), as `dwp vc` and `dwp vc-api` handle
//! them: the credential must conform to the data model; a proof is added to a
//! proof set or a proof chain (Data Integrity §4.3 "Add Proof Set/Chain"); every
//! proof of a set or chain is verified (§4.5 "Verify Proof Sets and Chains"),
//! each for its expected purpose, dates and key.

use serde_json::{Map, Value};

use dwp_verifier::integrity::{self, KeySource, ProofExpectations, ProofPurpose};
use dwp_verifier::proof::{self, ProofError};
use dwp_verifier::time::UnixTime;
use dwp_verifier::vcdm::{self, ConformanceError};
use dwp_verifier::{multikey, proof::EDDSA_JCS_2022};

use crate::sign::EDDSA_RDFC_2022;
use crate::signer::{Signer, SignerError, sign_checked};

/// The two EdDSA cryptosuites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cryptosuite {
    /// `eddsa-jcs-2022`: RFC 8785 JSON canonicalization.
    EddsaJcs2022,
    /// `eddsa-rdfc-2022`: RDFC-1.0 canonical N-Quads of the JSON-LD document.
    EddsaRdfc2022,
}

impl Cryptosuite {
    /// The `cryptosuite` identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EddsaJcs2022 => EDDSA_JCS_2022,
            Self::EddsaRdfc2022 => EDDSA_RDFC_2022,
        }
    }

    /// Reads a `cryptosuite` identifier.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::EddsaJcs2022, Self::EddsaRdfc2022].into_iter().find(|c| c.as_str() == s)
    }
}

/// How to make one proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofOptions {
    /// The cryptosuite.
    pub cryptosuite: Cryptosuite,
    /// `created`: an XML Schema dateTime with a time zone.
    pub created: String,
    /// `verificationMethod`.
    pub verification_method: String,
    /// `proofPurpose`.
    pub purpose: ProofPurpose,
    /// The proof's `id`, so that a later proof of a chain can name it.
    pub id: Option<String>,
    /// `previousProof`: the ids of the proofs already on the document that this one chains to.
    pub previous_proof: Vec<String>,
}

/// Why a credential could not be signed or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VcError {
    /// The document is not a conforming credential.
    #[error("not a VC data model credential: {0}")]
    Conformance(#[from] ConformanceError),
    /// A proof, or the document's proofs as a whole, did not verify.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// One proof of several did not verify.
    #[error("proof {index} (of {count}): {error}")]
    InProof {
        /// Its place in the proof list, from 1.
        index: usize,
        /// How many proofs the document has.
        count: usize,
        /// Why.
        error: Box<VcError>,
    },
    /// A proof names a cryptosuite other than the two EdDSA suites.
    #[error("the proof's cryptosuite is neither eddsa-jcs-2022 nor eddsa-rdfc-2022")]
    UnsupportedSuite,
    /// The `created` to sign with is not an XML Schema dateTime with a time zone.
    #[error("created must be an XML Schema dateTime with a time zone, e.g. 2026-12-01T08:00:00Z")]
    Created,
    /// RDF canonicalization failed (for instance, a context this build does not hold).
    #[error(transparent)]
    Rdfc(#[from] crate::rdfc::RdfcError),
    /// The signer failed, or its signature did not verify.
    #[error(transparent)]
    Signer(#[from] SignerError),
}

/// A proof that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    /// Its cryptosuite.
    pub cryptosuite: Cryptosuite,
    /// Its verification method.
    pub verification_method: String,
}

/// Adds a proof to a credential: the only proof of an unsigned credential, a
/// further proof of a set when the credential already has proofs, or a link of
/// a chain when `options.previous_proof` names earlier proofs, which are then
/// secured with the document (Data Integrity §4.3).
///
/// # Errors
/// [`VcError::Conformance`] for a document that is not a credential,
/// [`VcError::Created`], [`ProofError::PreviousProof`] for an id the document
/// does not hold, and any failure to canonicalize or sign.
pub fn add_proof(doc: &Value, key: &(impl Signer + ?Sized), options: &ProofOptions) -> Result<Value, VcError> {
    vcdm::check_credential(doc)?;
    UnixTime::parse_date_time(&options.created).map_err(|_| VcError::Created)?;
    let mut unsecured = doc.as_object().ok_or(ConformanceError::NotAnObject)?.clone();
    let mut all: Vec<Value> = match unsecured.remove("proof") {
        None => Vec::new(),
        Some(p @ Value::Object(_)) => vec![p],
        Some(Value::Array(list)) if list.iter().all(Value::is_object) => list,
        Some(_) => return Err(ProofError::NoProof.into()),
    };
    let mut matching = Vec::with_capacity(options.previous_proof.len());
    for id in &options.previous_proof {
        let found = all.iter().find(|p| p.get("id").and_then(Value::as_str) == Some(id.as_str()));
        matching.push(found.ok_or(ProofError::PreviousProof)?.clone());
    }
    let mut input = unsecured.clone();
    if !matching.is_empty() {
        input.insert("proof".into(), Value::Array(matching));
    }
    let mut config =
        proof::proof_config(&input, options.cryptosuite.as_str(), &options.created, &options.verification_method);
    config.insert("proofPurpose".into(), options.purpose.as_str().into());
    if let Some(id) = &options.id {
        config.insert("id".into(), id.as_str().into());
    }
    match options.previous_proof.as_slice() {
        [] => {}
        [one] => {
            config.insert("previousProof".into(), one.as_str().into());
        }
        many => {
            config.insert("previousProof".into(), many.iter().map(|s| Value::from(s.as_str())).collect());
        }
    }
    let hash = match options.cryptosuite {
        Cryptosuite::EddsaJcs2022 => proof::hash_data(&Value::Object(input), &Value::Object(config.clone()))?,
        Cryptosuite::EddsaRdfc2022 => crate::sign::rdfc_hash(&input, &config)?,
    };
    let signature = sign_checked(key, &hash)?;
    if options.cryptosuite == Cryptosuite::EddsaRdfc2022 {
        // As the W3C vectors do: the context is hashed with the proof but not attached to it.
        config.remove("@context");
    }
    config.insert("proofValue".into(), multikey::encode_signature(&signature).into());
    all.push(Value::Object(config));
    let proof = if all.len() == 1 { all.remove(0) } else { Value::Array(all) };
    unsecured.insert("proof".into(), proof);
    Ok(Value::Object(unsecured))
}

/// Verifies every proof of a credential — one proof, a set or a chain — each
/// for the expected purpose and time, with the key `keys` gives for its
/// verification method. All must verify.
///
/// # Errors
/// [`VcError::Conformance`] for a document that is not a credential; the first
/// proof that fails, as [`VcError::InProof`] when there are several.
pub fn verify_credential(
    secured: &Value,
    keys: KeySource<'_>,
    expected: &ProofExpectations<'_>,
) -> Result<Vec<VerifiedProof>, VcError> {
    vcdm::check_credential(secured)?;
    let inputs = integrity::proof_inputs(secured)?;
    let count = inputs.len();
    let mut verified = Vec::with_capacity(count);
    for (i, input) in inputs.into_iter().enumerate() {
        match verify_one(input.unsecured, input.proof, keys, expected) {
            Ok(v) => verified.push(v),
            Err(error) if count == 1 => return Err(error),
            Err(error) => return Err(VcError::InProof { index: i + 1, count, error: Box::new(error) }),
        }
    }
    Ok(verified)
}

fn verify_one(
    unsecured: Map<String, Value>,
    proof: Map<String, Value>,
    keys: KeySource<'_>,
    expected: &ProofExpectations<'_>,
) -> Result<VerifiedProof, VcError> {
    integrity::check_proof(&proof, expected)?;
    let suite = proof.get("cryptosuite").and_then(Value::as_str).ok_or(ProofError::Member { member: "cryptosuite" })?;
    let cryptosuite = Cryptosuite::parse(suite).ok_or(VcError::UnsupportedSuite)?;
    let parts = proof::split_proof(unsecured, proof, cryptosuite.as_str())?;
    let key = keys.resolve(&parts.verification_method, expected.purpose)?;
    let verification_method = parts.verification_method.clone();
    match cryptosuite {
        Cryptosuite::EddsaJcs2022 => {
            proof::verify_jcs_parts(parts, &key)?;
        }
        Cryptosuite::EddsaRdfc2022 => crate::sign::verify_rdfc_parts::<VcError>(parts, &key)?,
    }
    Ok(VerifiedProof { cryptosuite, verification_method })
}
