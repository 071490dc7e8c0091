//! The W3C VC 2.0 credential a permit becomes, written directly in its
//! canonical form.
//!
//! Every credential is rendered as RFC 8785 (JCS) canonical JSON: members in
//! code-unit order, no white space, strings escaped as JCS requires. The
//! unsecured document and the proof configuration are exactly the two texts
//! that `eddsa-jcs-2022` hashes, so a verifier needs no JSON parser and no
//! canonicalizer on its hot path; tests check that each rendering equals JCS
//! of itself. (See `wallet-spec/SPEC.md`, "Credential".)

use sha2::{Digest, Sha256};

use crate::codes;
use crate::multikey;
use crate::permit::Permit;
use crate::time::UnixTime;

/// The VC 2.0 base context.
pub const CONTEXT_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The DWP context, pinned by SHA-256 (`wallet-spec/SPEC.md`).
pub const DWP_CONTEXT: &str = "https://dwp.doe.go.th/contexts/dwp/v1";
/// The credential type after `VerifiableCredential`.
pub const CREDENTIAL_TYPE: &str = "WorkPermitCredential";

/// Largest status-list index a payload may carry (lists hold at most 2^24 entries).
pub const MAX_STATUS_INDEX: u32 = (1 << 24) - 1;
/// Largest status-list shard number.
pub const MAX_SHARD: u32 = 1 << 20;

/// The two purposes of the status lists a permit is entered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusPurpose {
    /// Permanent: the permit is withdrawn.
    Revocation,
    /// Temporary: the permit is on hold and may be reinstated.
    Suspension,
}

impl StatusPurpose {
    /// The `statusPurpose` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
        }
    }

    /// Reads a `statusPurpose` string.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Revocation, Self::Suspension].into_iter().find(|p| p.as_str() == s)
    }
}

/// The URL of an issuer's status list: `<issuer base URL>/status/<purpose>/<shard>`.
pub fn status_list_url(issuer: &str, purpose: StatusPurpose, shard: u32) -> String {
    format!("{}/status/{}/{shard}", did_web_base_url(issuer), purpose.as_str())
}

/// Where a permit's status bits live: the same index in the revocation and the
/// suspension list of one shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusRef {
    /// The shard (list number).
    pub shard: u32,
    /// The bit index in each list of the shard; 0 is the most significant bit of the first byte.
    pub index: u32,
}

/// Which key signed: by default `<issuer>#key-<n>`; any other DID URL is carried whole.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyRef {
    /// `<issuer>#key-<n>`.
    Numbered(u32),
    /// A full verification-method DID URL.
    Other(String),
}

/// What the issuer adds to a permit when signing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuance {
    pub(crate) issuer: String,
    pub(crate) key: KeyRef,
    pub(crate) created: UnixTime,
    pub(crate) status: StatusRef,
}

/// Why issuance parameters were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssuanceError {
    /// The issuer is not a `did:web` DID of the accepted shape.
    #[error("issuer must be a did:web DID (lower-case host, optional %3A port and :path), at most 100 characters")]
    Issuer,
    /// The verification method is not a DID URL of the accepted shape.
    #[error("verification method must be a DID URL with a #fragment, at most 200 characters")]
    VerificationMethod,
    /// `created` is out of range.
    #[error("created must be between 2000-01-01 and 2199-12-31")]
    Created,
    /// The status index or shard is out of range.
    #[error("status shard must be at most {MAX_SHARD} and index at most {MAX_STATUS_INDEX}")]
    Status,
}

fn did_web_ok(did: &str) -> bool {
    let Some(rest) = did.strip_prefix("did:web:") else { return false };
    if did.len() > 100 || rest.is_empty() {
        return false;
    }
    let mut parts = rest.split(':');
    let host = parts.next().unwrap_or_default();
    let (name, port) = match host.split_once("%3A") {
        Some((n, p)) => (n, Some(p)),
        None => (host, None),
    };
    let name_ok = !name.is_empty()
        && !name.starts_with(['.', '-'])
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let path_ok = parts.all(|seg| {
        !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    });
    name_ok && port_ok && path_ok
}

fn vm_ok(vm: &str) -> bool {
    vm.len() <= 200
        && vm.starts_with("did:")
        && vm.split_once('#').is_some_and(|(did, frag)| {
            !did.is_empty() && !frag.is_empty() && vm.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        })
}

impl Issuance {
    /// Checks issuance parameters.
    ///
    /// # Errors
    /// [`IssuanceError`] naming the parameter out of shape or range.
    pub fn new(issuer: &str, key: KeyRef, created: UnixTime, status: StatusRef) -> Result<Self, IssuanceError> {
        if !did_web_ok(issuer) {
            return Err(IssuanceError::Issuer);
        }
        if let KeyRef::Other(vm) = &key
            && !vm_ok(vm)
        {
            return Err(IssuanceError::VerificationMethod);
        }
        if !(crate::permit::EARLIEST..crate::permit::LATEST).contains(&created) {
            return Err(IssuanceError::Created);
        }
        if status.index > MAX_STATUS_INDEX || status.shard > MAX_SHARD {
            return Err(IssuanceError::Status);
        }
        // A full DID URL that the numbered form can express is written numbered, so each credential has one payload.
        let key = match key {
            KeyRef::Other(vm) => match numbered_key(issuer, &vm) {
                Some(n) => KeyRef::Numbered(n),
                None => KeyRef::Other(vm),
            },
            k => k,
        };
        Ok(Issuance { issuer: issuer.to_string(), key, created, status })
    }

    /// The issuer DID.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
    /// The signing key reference.
    pub fn key(&self) -> &KeyRef {
        &self.key
    }
    /// When the proof was created.
    pub fn created(&self) -> UnixTime {
        self.created
    }
    /// The status-list position.
    pub fn status(&self) -> StatusRef {
        self.status
    }

    /// The proof's `verificationMethod`.
    pub fn verification_method(&self) -> String {
        match &self.key {
            KeyRef::Numbered(n) => format!("{}#key-{n}", self.issuer),
            KeyRef::Other(vm) => vm.clone(),
        }
    }

    /// The HTTPS origin and path a `did:web` DID resolves to, without a trailing slash.
    pub fn issuer_base_url(&self) -> String {
        did_web_base_url(&self.issuer)
    }

    /// The URL of this permit's status list for `purpose`.
    pub fn status_list_url(&self, purpose: StatusPurpose) -> String {
        status_list_url(&self.issuer, purpose, self.status.shard)
    }
}

/// `n` if `vm` is `<issuer>#key-<n>` written canonically.
pub(crate) fn numbered_key(issuer: &str, vm: &str) -> Option<u32> {
    let digits = vm.strip_prefix(issuer)?.strip_prefix("#key-")?;
    let n: u32 = digits.parse().ok()?;
    (n.to_string() == digits).then_some(n)
}

/// `did:web:host%3Aport:a:b` → `https://host:port/a/b`.
pub fn did_web_base_url(did: &str) -> String {
    let rest = did.strip_prefix("did:web:").unwrap_or(did);
    let mut segments = rest.split(':');
    let host = segments.next().unwrap_or_default().replacen("%3A", ":", 1);
    let mut url = format!("https://{host}");
    for seg in segments {
        url.push('/');
        url.push_str(seg);
    }
    url
}

/// Appends `s` as a JSON string, escaped as RFC 8785 requires.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn member(out: &mut String, key: &str, value: &str) {
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
    push_json_str(out, value);
}

fn contexts(out: &mut String) {
    out.push_str("\"@context\":[\"");
    out.push_str(CONTEXT_V2);
    out.push_str("\",\"");
    out.push_str(DWP_CONTEXT);
    out.push_str("\"]");
}

fn status_entry(out: &mut String, iss: &Issuance, purpose: StatusPurpose) {
    let url = iss.status_list_url(purpose);
    let index = iss.status.index.to_string();
    out.push('{');
    member(out, "id", &format!("{url}#{index}"));
    out.push(',');
    member(out, "statusListCredential", &url);
    out.push(',');
    member(out, "statusListIndex", &index);
    out.push(',');
    member(out, "statusPurpose", purpose.as_str());
    out.push_str(",\"type\":\"BitstringStatusListEntry\"}");
}

fn subject(out: &mut String, p: &Permit) {
    out.push('{');
    member(out, "birthDate", &p.birth_date.to_string());
    if let Some(k) = &p.holder_key {
        out.push(',');
        member(out, "id", &multikey::did_key(&k.to_bytes()));
    }
    out.push_str(",\"identityDocument\":{");
    member(out, "documentNumber", &p.document_number);
    out.push(',');
    member(out, "documentType", p.document_type.as_str());
    out.push(',');
    member(out, "issuingCountry", p.document_country.alpha3);
    out.push_str("},");
    member(out, "name", &p.worker_name);
    out.push(',');
    member(out, "nationality", p.nationality.alpha3);
    if let Some(n) = &p.native_name {
        out.push(',');
        member(out, "nativeName", n);
    }
    out.push_str(",\"workPermit\":{");
    member(out, "category", p.category.as_str());
    out.push_str(",\"employer\":{");
    member(out, "juristicId", &p.juristic_id);
    out.push(',');
    member(out, "name", &p.employer_name);
    out.push_str("},");
    member(out, "issuingOffice", &p.issuing_office);
    out.push_str(",\"occupation\":{");
    member(out, "isco08", &format!("{:04}", p.isco08));
    out.push(',');
    // invariant: Permit::from_input accepted the code only if the table has it.
    member(out, "title", codes::isco08_title(p.isco08).unwrap_or_default());
    out.push_str("},");
    member(out, "permitNumber", &p.permit_number);
    out.push_str(",\"workplace\":{");
    if let Some(ie) = &p.industrial_estate {
        member(out, "industrialEstate", ie);
        out.push(',');
    }
    member(out, "province", p.province.code);
    out.push_str("}}}");
}

/// The `eddsa-jcs-2022` data-integrity proof of a permit, canonical; with the
/// `proofValue` when `signature` is given, as the proof configuration otherwise.
pub(crate) fn write_proof(out: &mut String, iss: &Issuance, signature: Option<&[u8; 64]>) {
    out.push('{');
    contexts(out);
    out.push(',');
    member(out, "created", &iss.created.to_string());
    out.push_str(",\"cryptosuite\":\"eddsa-jcs-2022\",\"proofPurpose\":\"assertionMethod\",");
    if let Some(sig) = signature {
        member(out, "proofValue", &multikey::encode_signature(sig));
        out.push(',');
    }
    out.push_str("\"type\":\"DataIntegrityProof\",");
    member(out, "verificationMethod", &iss.verification_method());
    out.push('}');
}

/// The credential, canonical; with its proof when `signature` is given.
pub(crate) fn write_credential(out: &mut String, p: &Permit, iss: &Issuance, signature: Option<&[u8; 64]>) {
    out.push('{');
    contexts(out);
    out.push_str(",\"credentialStatus\":[");
    status_entry(out, iss, StatusPurpose::Revocation);
    out.push(',');
    status_entry(out, iss, StatusPurpose::Suspension);
    out.push_str("],\"credentialSubject\":");
    subject(out, p);
    out.push(',');
    member(out, "issuer", &iss.issuer);
    if signature.is_some() {
        out.push_str(",\"proof\":");
        write_proof(out, iss, signature);
    }
    out.push_str(",\"type\":[\"VerifiableCredential\",\"");
    out.push_str(CREDENTIAL_TYPE);
    out.push_str("\"],");
    member(out, "validFrom", &p.valid_from.to_string());
    out.push(',');
    member(out, "validUntil", &p.valid_until.to_string());
    out.push('}');
}

/// The 64 bytes `eddsa-jcs-2022` signs: SHA-256 of the canonical proof
/// configuration, then SHA-256 of the canonical unsecured document.
pub fn signing_input(p: &Permit, iss: &Issuance) -> [u8; 64] {
    let mut buf = String::with_capacity(1536);
    write_proof(&mut buf, iss, None);
    let proof_hash = Sha256::digest(buf.as_bytes());
    buf.clear();
    write_credential(&mut buf, p, iss, None);
    let doc_hash = Sha256::digest(buf.as_bytes());
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&proof_hash);
    out[32..].copy_from_slice(&doc_hash);
    out
}

/// A permit with its issuance and signature: everything a QR payload carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPermit {
    pub(crate) permit: Permit,
    pub(crate) issuance: Issuance,
    pub(crate) signature: [u8; 64],
}

impl SignedPermit {
    /// Joins a permit, its issuance and the signature over [`signing_input`].
    /// Nothing is checked here: [`crate::verify::verify`] does that.
    pub fn new(permit: Permit, issuance: Issuance, signature: [u8; 64]) -> Self {
        SignedPermit { permit, issuance, signature }
    }
    /// The permit.
    pub fn permit(&self) -> &Permit {
        &self.permit
    }
    /// The issuance.
    pub fn issuance(&self) -> &Issuance {
        &self.issuance
    }
    /// The Ed25519 signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }
    /// The signed W3C credential, as canonical (JCS) JSON text.
    pub fn credential_json(&self) -> String {
        let mut out = String::with_capacity(2048);
        write_credential(&mut out, &self.permit, &self.issuance, Some(&self.signature));
        out
    }
    /// The bytes the signature covers.
    pub fn signing_input(&self) -> [u8; 64] {
        signing_input(&self.permit, &self.issuance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_maps_to_https() {
        assert_eq!(did_web_base_url("did:web:dwp.doe.go.th"), "https://dwp.doe.go.th");
        assert_eq!(did_web_base_url("did:web:localhost%3A8080"), "https://localhost:8080");
        assert_eq!(did_web_base_url("did:web:example.org:dwp:v1"), "https://example.org/dwp/v1");
        assert_eq!(did_web_base_url("did:web:localhost%3A8080:dwp"), "https://localhost:8080/dwp");
        assert!(did_web_ok("did:web:localhost%3A8080:dwp"));
        assert!(!did_web_ok("did:web:Example.org"));
        assert!(!did_web_ok("did:web:a\"b"));
        assert!(!did_web_ok("did:key:z6Mk"));
    }

    #[test]
    fn json_strings_are_escaped_as_jcs_does() {
        for s in ["plain", "quote\" back\\slash", "ctl\u{1}\u{1f}\n\t", "ไทย", "\u{7f}\u{2028}"] {
            let mut ours = String::new();
            push_json_str(&mut ours, s);
            let jcs = serde_json_canonicalizer::to_string(&serde_json::Value::String(s.into())).expect("jcs");
            assert_eq!(ours, jcs, "{s:?}");
        }
    }
}
