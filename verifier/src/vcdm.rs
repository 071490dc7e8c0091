//! Whether a JSON document is a credential of the W3C Verifiable Credentials
//! Data Model (2.0, or 1.1 for older partners) at all, before any proof is made
//! or checked: the members every conforming credential has.

use serde_json::Value;

use crate::credential::CONTEXT_V2;

/// The VC 1.1 base context.
pub const CONTEXT_V1: &str = "https://www.w3.org/2018/credentials/v1";

/// Which version of the data model a credential follows, by its first context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataModel {
    /// VC Data Model 2.0 (`https://www.w3.org/ns/credentials/v2`).
    V2,
    /// VC Data Model 1.1 (`https://www.w3.org/2018/credentials/v1`).
    V1,
}

/// What makes a document not a conforming credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConformanceError {
    /// The document is not a JSON object.
    #[error("the credential is not a JSON object")]
    NotAnObject,
    /// `@context` is missing, or its first entry is not a VC base context.
    #[error("@context must be a list whose first entry is {CONTEXT_V2} (or {CONTEXT_V1})")]
    Context,
    /// `type` does not contain `VerifiableCredential`.
    #[error("type must contain VerifiableCredential")]
    Type,
    /// `issuer` is missing, or neither a URL string nor an object with an `id`.
    #[error("issuer is missing (a URL, or an object with an id)")]
    Issuer,
    /// `credentialSubject` is missing, or not an object or a non-empty list of objects.
    #[error("credentialSubject is missing (an object, or a list of objects)")]
    CredentialSubject,
    /// A VC 1.1 credential has no `issuanceDate`.
    #[error("issuanceDate is missing (required by the VC 1.1 data model)")]
    IssuanceDate,
}

/// Checks the members every credential must have, naming the first one missing.
///
/// # Errors
/// [`ConformanceError`] naming what is missing or malformed.
pub fn check_credential(doc: &Value) -> Result<DataModel, ConformanceError> {
    let obj = doc.as_object().ok_or(ConformanceError::NotAnObject)?;
    let first = match obj.get("@context") {
        Some(Value::Array(list)) => list.first().and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let model = match first {
        Some(CONTEXT_V2) => DataModel::V2,
        Some(CONTEXT_V1) => DataModel::V1,
        _ => return Err(ConformanceError::Context),
    };
    let typed = match obj.get("type") {
        Some(Value::String(t)) => t == "VerifiableCredential",
        Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str() == Some("VerifiableCredential")),
        _ => false,
    };
    if !typed {
        return Err(ConformanceError::Type);
    }
    let issuer_ok = match obj.get("issuer") {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).is_some_and(|s| !s.is_empty()),
        _ => false,
    };
    if !issuer_ok {
        return Err(ConformanceError::Issuer);
    }
    let subject_ok = match obj.get("credentialSubject") {
        Some(Value::Object(_)) => true,
        Some(Value::Array(list)) => !list.is_empty() && list.iter().all(Value::is_object),
        _ => false,
    };
    if !subject_ok {
        return Err(ConformanceError::CredentialSubject);
    }
    if model == DataModel::V1 && !obj.get("issuanceDate").is_some_and(Value::is_string) {
        return Err(ConformanceError::IssuanceDate);
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn base() -> Value {
        json!({
            "@context": [CONTEXT_V2],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": { "id": "did:example:subject" },
        })
    }

    #[test]
    fn names_the_member_a_credential_lacks() {
        assert_eq!(check_credential(&base()), Ok(DataModel::V2));
        let cases: [(&str, Value, ConformanceError); 5] = [
            ("@context", json!(["https://example.org/other", CONTEXT_V2]), ConformanceError::Context),
            ("type", json!(["AlumniCredential"]), ConformanceError::Type),
            ("issuer", json!({ "name": "no id" }), ConformanceError::Issuer),
            ("credentialSubject", json!([]), ConformanceError::CredentialSubject),
            ("credentialSubject", Value::Null, ConformanceError::CredentialSubject),
        ];
        for (member, value, expected) in cases {
            let mut doc = base();
            if value.is_null() {
                doc.as_object_mut().expect("object").remove(member);
            } else {
                doc[member] = value;
            }
            assert_eq!(check_credential(&doc), Err(expected), "{member}");
        }
        let mut v1 = base();
        v1["@context"] = json!([CONTEXT_V1]);
        assert_eq!(check_credential(&v1), Err(ConformanceError::IssuanceDate));
        v1["issuanceDate"] = json!("2010-01-01T00:00:00Z");
        assert_eq!(check_credential(&v1), Ok(DataModel::V1));
    }
}
