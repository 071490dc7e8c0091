//! What every Data Integrity proof needs whatever its cryptosuite (W3C
//! Verifiable Credential Data Integrity 1.0, §4.4 "Verify Proof" and §4.5
//! "Verify Proof Sets and Chains"): the purpose and date checks, the split of a
//! proof set or chain into one input per proof, and finding the verification
//! method's key for a purpose. The cryptosuites' own steps are in
//! [`crate::proof`] (and, for `eddsa-rdfc-2022`, in the issuer crate).

use serde_json::{Map, Value};

use crate::ed25519::PublicKey;
use crate::multikey;
use crate::proof::ProofError;
use crate::time::UnixTime;

fn str_member<'a>(m: &'a Map<String, Value>, member: &'static str) -> Result<&'a str, ProofError> {
    m.get(member).and_then(Value::as_str).ok_or(ProofError::Member { member })
}

/// A verification relationship of a DID document, as a proof's `proofPurpose`
/// names it (DID Core §5.3; Data Integrity §2.2 "Proof Purposes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProofPurpose {
    /// `assertionMethod`: the issuer asserts the claims (credentials).
    AssertionMethod,
    /// `authentication`: the controller proves who it is (presentations).
    Authentication,
    /// `capabilityInvocation`.
    CapabilityInvocation,
    /// `capabilityDelegation`.
    CapabilityDelegation,
    /// `keyAgreement`.
    KeyAgreement,
}

impl ProofPurpose {
    const ALL: [ProofPurpose; 5] = [
        Self::AssertionMethod,
        Self::Authentication,
        Self::CapabilityInvocation,
        Self::CapabilityDelegation,
        Self::KeyAgreement,
    ];

    /// The `proofPurpose` string, which is also the DID document's member name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AssertionMethod => "assertionMethod",
            Self::Authentication => "authentication",
            Self::CapabilityInvocation => "capabilityInvocation",
            Self::CapabilityDelegation => "capabilityDelegation",
            Self::KeyAgreement => "keyAgreement",
        }
    }

    /// Reads a `proofPurpose` string.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for ProofPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a verifier expects of every proof, whatever its cryptosuite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofExpectations<'a> {
    /// The purpose each proof must name (`assertionMethod` for credentials).
    pub purpose: ProofPurpose,
    /// The time of the check, against the proofs' `expires`.
    pub now: UnixTime,
    /// The security domain each proof must be locked to, when the verifier names one.
    pub domain: Option<&'a str>,
    /// The challenge each proof must answer, when the verifier sent one.
    pub challenge: Option<&'a str>,
}

impl ProofExpectations<'_> {
    /// A proof for `purpose` at `now`, with no domain or challenge.
    pub fn new(purpose: ProofPurpose, now: UnixTime) -> Self {
        ProofExpectations { purpose, now, domain: None, challenge: None }
    }
}

/// Verify Proof, steps 3 to 7 (§4.4), and the dates of §2.1: `type`,
/// `verificationMethod` and `proofPurpose` present, the purpose the one
/// expected, the domain and challenge the ones expected (when expected),
/// `created` and `expires` (when present) XML Schema dateTimes with a time
/// zone, and `expires` not passed.
///
/// # Errors
/// [`ProofError::Member`], [`ProofError::Purpose`], [`ProofError::Domain`],
/// [`ProofError::Challenge`], [`ProofError::Date`] or [`ProofError::Expired`].
pub fn check_proof(proof: &Map<String, Value>, expected: &ProofExpectations<'_>) -> Result<(), ProofError> {
    str_member(proof, "type")?;
    str_member(proof, "verificationMethod")?;
    if str_member(proof, "proofPurpose")? != expected.purpose.as_str() {
        return Err(ProofError::Purpose { expected: expected.purpose });
    }
    if let Some(domain) = expected.domain {
        // A single string is the set of just that string.
        let same = match proof.get("domain") {
            Some(Value::String(d)) => d == domain,
            Some(Value::Array(ds)) => !ds.is_empty() && ds.iter().all(|d| d.as_str() == Some(domain)),
            _ => false,
        };
        if !same {
            return Err(ProofError::Domain);
        }
    }
    if let Some(challenge) = expected.challenge
        && proof.get("challenge").and_then(Value::as_str) != Some(challenge)
    {
        return Err(ProofError::Challenge);
    }
    for member in ["created", "expires"] {
        if let Some(v) = proof.get(member) {
            let at = v.as_str().and_then(|s| UnixTime::parse_date_time(s).ok()).ok_or(ProofError::Date { member })?;
            if member == "expires" && at <= expected.now {
                return Err(ProofError::Expired { expires: at, now: expected.now });
            }
        }
    }
    Ok(())
}

/// One proof of a secured document with the document it secures.
#[derive(Debug, Clone, PartialEq)]
pub struct ProofInput {
    /// The document without its proofs; for a proof with `previousProof`, with
    /// the proofs it names as `proof` (the "input document" of §4.5 step 3.3).
    pub unsecured: Map<String, Value>,
    /// The proof, with its `proofValue`.
    pub proof: Map<String, Value>,
}

/// The proofs of a secured document, each with the document it secures: a
/// single proof, a proof set, or a proof chain (Verify Proof Sets and Chains,
/// §4.5 steps 1–3.3). A proof whose `previousProof` names no proof of the set
/// fails the whole document.
///
/// # Errors
/// [`ProofError::NotAnObject`], [`ProofError::NoProof`] (no proof, an empty list,
/// or an entry that is not an object), [`ProofError::PreviousProof`].
pub fn proof_inputs(secured: &Value) -> Result<Vec<ProofInput>, ProofError> {
    let mut unsecured = secured.as_object().ok_or(ProofError::NotAnObject)?.clone();
    let all: Vec<Map<String, Value>> = match unsecured.remove("proof") {
        Some(Value::Object(p)) => vec![p],
        Some(Value::Array(list)) if !list.is_empty() => list
            .into_iter()
            .map(|p| match p {
                Value::Object(p) => Ok(p),
                _ => Err(ProofError::NoProof),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(ProofError::NoProof),
    };
    let mut inputs = Vec::with_capacity(all.len());
    for proof in &all {
        let named: Vec<&str> = match proof.get("previousProof") {
            None => Vec::new(),
            Some(Value::String(id)) => vec![id.as_str()],
            Some(Value::Array(ids)) => {
                ids.iter().map(|v| v.as_str().ok_or(ProofError::PreviousProof)).collect::<Result<_, _>>()?
            }
            Some(_) => return Err(ProofError::PreviousProof),
        };
        let mut matching = Vec::with_capacity(named.len());
        for id in named {
            let found = all.iter().find(|p| p.get("id").and_then(Value::as_str) == Some(id));
            matching.push(Value::Object(found.ok_or(ProofError::PreviousProof)?.clone()));
        }
        let mut input = unsecured.clone();
        if !matching.is_empty() {
            input.insert("proof".into(), Value::Array(matching));
        }
        inputs.push(ProofInput { unsecured: input, proof: proof.clone() });
    }
    Ok(inputs)
}

/// Where a verifier finds the key of a proof's verification method.
#[derive(Debug, Clone, Copy)]
pub enum KeySource<'a> {
    /// This key, whatever the verification method names.
    Key(&'a PublicKey),
    /// A DID document, which must list the method under the proof's purpose.
    DidDocument(&'a Value),
    /// The method is a `did:key` URL (`did:key:z6Mk…#z6Mk…`), whose key is listed for every purpose.
    DidKey,
}

impl KeySource<'_> {
    /// The key of `verification_method`, for `purpose`.
    ///
    /// # Errors
    /// [`ProofError::NotListed`] when the DID document does not list the method for
    /// the purpose; [`ProofError::UnresolvedKey`] when the method is not a `did:key`
    /// URL of an Ed25519 key; [`ProofError::Signature`] for a key that is not a valid point.
    pub fn resolve(&self, verification_method: &str, purpose: ProofPurpose) -> Result<PublicKey, ProofError> {
        match self {
            KeySource::Key(k) => Ok(**k),
            KeySource::DidDocument(doc) => {
                let bytes =
                    key_for_purpose(doc, verification_method, purpose).ok_or(ProofError::NotListed { purpose })?;
                Ok(PublicKey::from_bytes(&bytes)?)
            }
            KeySource::DidKey => {
                let (did, fragment) = verification_method.split_once('#').ok_or(ProofError::UnresolvedKey)?;
                let key = multikey::parse_did_key_checked(did).ok_or(ProofError::UnresolvedKey)?;
                // The did:key method lists exactly one method, named by the key itself.
                if did.strip_prefix("did:key:") != Some(fragment) {
                    return Err(ProofError::UnresolvedKey);
                }
                Ok(key)
            }
        }
    }
}

/// Finds the Ed25519 key of `verification_method` in a DID document, if the
/// document lists it under the verification relationship of `purpose`.
pub fn key_for_purpose(did_doc: &Value, verification_method: &str, purpose: ProofPurpose) -> Option<[u8; 32]> {
    let did = did_doc.get("id").and_then(Value::as_str).unwrap_or_default();
    let names =
        |id: &str| id == verification_method || (id.starts_with('#') && format!("{did}{id}") == verification_method);
    let listed_under = did_doc.get(purpose.as_str())?.as_array()?;
    let listed = listed_under
        .iter()
        .any(|a| a.as_str().is_some_and(&names) || a.get("id").and_then(Value::as_str).is_some_and(&names));
    if !listed {
        return None;
    }
    let embedded = listed_under.iter().filter(|a| a.is_object());
    let methods = did_doc.get("verificationMethod").and_then(Value::as_array).into_iter().flatten().chain(embedded);
    methods
        .filter(|m| m.get("id").and_then(Value::as_str).is_some_and(&names))
        .find_map(|m| multikey::decode_public(m.get("publicKeyMultibase")?.as_str()?))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn proof(members: Value) -> Map<String, Value> {
        let mut p = json!({ "type": "DataIntegrityProof", "verificationMethod": "did:key:z#z",
            "proofPurpose": "assertionMethod", "created": "2023-02-24T23:36:38Z" });
        for (k, v) in members.as_object().expect("object") {
            p[k] = v.clone();
        }
        p.as_object().expect("object").clone()
    }

    const NOW: UnixTime = UnixTime(1_800_000_000);

    #[test]
    fn checks_the_purpose_and_the_dates_of_a_proof() {
        let assertion = ProofExpectations::new(ProofPurpose::AssertionMethod, NOW);
        assert_eq!(check_proof(&proof(json!({})), &assertion), Ok(()));
        assert_eq!(
            check_proof(&proof(json!({ "proofPurpose": "authentication" })), &assertion),
            Err(ProofError::Purpose { expected: ProofPurpose::AssertionMethod })
        );
        let authentication = ProofExpectations { purpose: ProofPurpose::Authentication, ..assertion };
        assert_eq!(check_proof(&proof(json!({ "proofPurpose": "authentication" })), &authentication), Ok(()));
        assert_eq!(
            check_proof(&proof(json!({ "created": "invalidDate" })), &assertion),
            Err(ProofError::Date { member: "created" })
        );
        assert_eq!(
            check_proof(&proof(json!({ "expires": 5 })), &assertion),
            Err(ProofError::Date { member: "expires" })
        );
        let expires = UnixTime::parse("2027-01-15T08:00:00Z").expect("time");
        let p = proof(json!({ "expires": "2027-01-15T08:00:00Z" }));
        assert_eq!(check_proof(&p, &assertion), Err(ProofError::Expired { expires, now: NOW }));
        assert_eq!(check_proof(&p, &ProofExpectations { now: UnixTime(expires.0 - 1), ..assertion }), Ok(()));
        let locked = proof(json!({ "domain": "example.org", "challenge": "1235abcd6789" }));
        let asked = ProofExpectations { domain: Some("example.org"), challenge: Some("1235abcd6789"), ..assertion };
        assert_eq!(check_proof(&locked, &asked), Ok(()));
        assert_eq!(
            check_proof(&locked, &ProofExpectations { domain: Some("other.org"), ..asked }),
            Err(ProofError::Domain)
        );
        assert_eq!(
            check_proof(&locked, &ProofExpectations { challenge: Some("x"), ..asked }),
            Err(ProofError::Challenge)
        );
        assert_eq!(check_proof(&proof(json!({})), &asked), Err(ProofError::Domain), "a domain asked for and absent");
        let mut no_purpose = proof(json!({}));
        no_purpose.remove("proofPurpose");
        assert_eq!(check_proof(&no_purpose, &assertion), Err(ProofError::Member { member: "proofPurpose" }));
    }

    #[test]
    fn a_did_key_method_resolves_to_its_own_key_only() {
        let key = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let any = ProofPurpose::CapabilityInvocation;
        let resolved = KeySource::DidKey.resolve(&format!("did:key:{key}#{key}"), any).expect("did:key");
        assert_eq!(Some(resolved.to_bytes()), multikey::decode_public(key));
        for vm in [format!("did:key:{key}#other"), format!("did:key:{key}"), "did:web:example.org#key-1".into()] {
            assert_eq!(KeySource::DidKey.resolve(&vm, any).map(|_| ()), Err(ProofError::UnresolvedKey), "{vm}");
        }
    }
}
