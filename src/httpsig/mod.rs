//! HTTP Message Signatures (RFC 9421) with Ed25519, and `Content-Digest`
//! (RFC 9530): what the department and its partner agencies sign their
//! requests and answers with. One module, transport-free: a message is its
//! method, target URI, status and fields, given by the caller; the structured
//! fields (RFC 9651) are read and written by the `sfv` crate.
//!
//! Only what the exchange needs: the derived components `@method`,
//! `@target-uri`, `@authority`, `@scheme`, `@path`, `@query` and `@status`,
//! fields by name (with `;req` for a request's field in its answer, and
//! `;key` for one member of a dictionary field such as the request's
//! `Signature`), and the parameters `created`, `expires`, `nonce`, `keyid`,
//! `alg` and `tag`.

use ed25519_dalek::{Signature, VerifyingKey};
use sfv::{
    BareItem, Dictionary, FieldType as _, InnerList, Integer, Item, Key, ListEntry, Parameters, Parser, StringRef,
};

mod digest;
pub use digest::{check_digest, content_digest};

/// Why a signature or a digest is not accepted; each its own code upstream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigError {
    /// No `Signature-Input` / `Signature` fields, or no signature with the tag looked for.
    #[error("the message is not signed (no Signature-Input and Signature with tag {tag:?})")]
    Missing { tag: String },
    /// A field that is not a well-formed structured field, or a signature that does not
    /// name what RFC 9421 requires.
    #[error("malformed signature fields: {0}")]
    Malformed(String),
    /// A component the signature must cover and does not.
    #[error("the signature does not cover {0}")]
    NotCovered(String),
    /// A covered component the message does not have.
    #[error("the message has no {0}, which the signature covers")]
    ComponentAbsent(String),
    /// A parameter the exchange requires is absent.
    #[error("the signature has no {0} parameter")]
    ParamMissing(&'static str),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    Bad,
    /// No `Content-Digest`, or none in an algorithm known here.
    #[error("no Content-Digest in sha-256 or sha-512")]
    DigestMissing,
    /// A `Content-Digest` that does not match the content.
    #[error("the Content-Digest does not match the content")]
    DigestMismatch,
}

/// A covered component: a derived one (`@method`) or a field (`content-type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Lower case; derived components start with `@`.
    pub name: String,
    /// Taken from the request, in an answer (`;req`).
    pub req: bool,
    /// One member of a dictionary field (`;key="sig1"`).
    pub key: Option<String>,
}

impl Component {
    /// A component of the message itself.
    pub fn of(name: &str) -> Component {
        Component { name: name.to_ascii_lowercase(), req: false, key: None }
    }

    /// A component of the request an answer is to.
    pub fn of_request(name: &str) -> Component {
        Component { req: true, ..Component::of(name) }
    }

    /// The request's signature `label`, in an answer: binds the answer to the question.
    pub fn request_signature(label: &str) -> Component {
        Component { key: Some(label.to_string()), ..Component::of_request("signature") }
    }

    fn item(&self) -> Result<Item, SigError> {
        let name = StringRef::from_str(&self.name).map_err(|e| SigError::Malformed(e.to_string()))?;
        let mut params = Parameters::new();
        if self.req {
            params.insert(key("req"), BareItem::Boolean(true));
        }
        if let Some(k) = &self.key {
            let k = StringRef::from_str(k).map_err(|e| SigError::Malformed(e.to_string()))?;
            params.insert(key("key"), BareItem::String(k.to_owned()));
        }
        Ok(Item::with_params(BareItem::String(name.to_owned()), params))
    }

    /// How the component is written in a signature base and in errors.
    fn identifier(&self) -> Result<String, SigError> {
        Ok(self.item()?.serialize())
    }
}

// invariant: every name passed here is a literal lower-case key.
#[allow(clippy::expect_used)]
fn key(k: &str) -> Key {
    Key::from_string(k.to_string()).expect("a literal key")
}

/// The signature parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params {
    /// Unix seconds.
    pub created: Option<i64>,
    /// Unix seconds.
    pub expires: Option<i64>,
    pub nonce: Option<String>,
    pub alg: Option<String>,
    pub keyid: Option<String>,
    pub tag: Option<String>,
}

/// A signature's covered components and parameters (a `Signature-Input` member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInput {
    pub components: Vec<Component>,
    pub params: Params,
}

impl SignatureInput {
    fn inner_list(&self) -> Result<InnerList, SigError> {
        let items = self.components.iter().map(Component::item).collect::<Result<Vec<_>, _>>()?;
        let mut params = Parameters::new();
        let string = |s: &str| -> Result<BareItem, SigError> {
            Ok(BareItem::String(StringRef::from_str(s).map_err(|e| SigError::Malformed(e.to_string()))?.to_owned()))
        };
        let int = |v: i64| -> Result<BareItem, SigError> {
            Ok(BareItem::Integer(Integer::try_from(v).map_err(|e| SigError::Malformed(e.to_string()))?))
        };
        // The order RFC 9421's examples use: created, expires, nonce, alg, keyid, tag.
        let p = &self.params;
        if let Some(v) = p.created {
            params.insert(key("created"), int(v)?);
        }
        if let Some(v) = p.expires {
            params.insert(key("expires"), int(v)?);
        }
        if let Some(v) = &p.nonce {
            params.insert(key("nonce"), string(v)?);
        }
        if let Some(v) = &p.alg {
            params.insert(key("alg"), string(v)?);
        }
        if let Some(v) = &p.keyid {
            params.insert(key("keyid"), string(v)?);
        }
        if let Some(v) = &p.tag {
            params.insert(key("tag"), string(v)?);
        }
        Ok(InnerList::with_params(items, params))
    }

    /// The `@signature-params` value: the serialized inner list.
    pub fn serialized(&self) -> Result<String, SigError> {
        let list = vec![ListEntry::InnerList(self.inner_list()?)];
        list.serialize().ok_or_else(|| SigError::Malformed("an empty signature input".into()))
    }

    fn from_inner_list(l: &InnerList) -> Result<SignatureInput, SigError> {
        let mut components = Vec::with_capacity(l.items.len());
        for item in &l.items {
            let BareItem::String(name) = &item.bare_item else {
                return Err(SigError::Malformed("a component identifier is not a string".into()));
            };
            let name = name.as_str();
            if name.is_empty() || name != name.to_ascii_lowercase() {
                return Err(SigError::Malformed(format!("component {name:?} is not in lower case")));
            }
            let mut c = Component::of(name);
            for (k, v) in &item.params {
                match (k.as_str(), v) {
                    ("req", BareItem::Boolean(true)) => c.req = true,
                    ("key", BareItem::String(s)) => c.key = Some(s.as_str().to_string()),
                    (other, _) => {
                        return Err(SigError::Malformed(format!("component parameter {other:?} is not supported")));
                    }
                }
            }
            if components.contains(&c) {
                return Err(SigError::Malformed(format!("component {name:?} is covered twice")));
            }
            components.push(c);
        }
        let mut p = Params::default();
        for (k, v) in &l.params {
            let int = || -> Result<i64, SigError> {
                v.as_integer()
                    .map(i64::from)
                    .filter(|t| *t >= 0)
                    .ok_or_else(|| SigError::Malformed(format!("{} is not a non-negative integer", k.as_str())))
            };
            let string = || -> Result<String, SigError> {
                v.as_string()
                    .map(|s| s.as_str().to_string())
                    .ok_or_else(|| SigError::Malformed(format!("{} is not a string", k.as_str())))
            };
            match k.as_str() {
                "created" => p.created = Some(int()?),
                "expires" => p.expires = Some(int()?),
                "nonce" => p.nonce = Some(string()?),
                "alg" => p.alg = Some(string()?),
                "keyid" => p.keyid = Some(string()?),
                "tag" => p.tag = Some(string()?),
                other => return Err(SigError::Malformed(format!("signature parameter {other:?} is not supported"))),
            }
        }
        Ok(SignatureInput { components, params: p })
    }
}

/// A message as the signatures see it.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// Upper-case method (requests).
    pub method: Option<&'a str>,
    /// The absolute target URI (requests), e.g. `https://dwp.example/x/v1/ieat/...`.
    pub target_uri: Option<&'a str>,
    /// The status code (answers).
    pub status: Option<u16>,
    /// The fields, in order; names in any case.
    pub fields: &'a [(String, String)],
}

impl Message<'_> {
    /// A field's value: its lines joined by `, `, each trimmed (RFC 9421 §2.1).
    pub fn field(&self, name: &str) -> Option<String> {
        let values: Vec<&str> =
            self.fields.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()).collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    fn uri(&self) -> Result<Uri<'_>, SigError> {
        let uri = self.target_uri.ok_or_else(|| SigError::ComponentAbsent("@target-uri".into()))?;
        Uri::parse(uri).ok_or_else(|| SigError::Malformed(format!("the target URI {uri:?} is not absolute")))
    }
}

/// The parts of an absolute URI the derived components need.
struct Uri<'a> {
    scheme: &'a str,
    authority: &'a str,
    path: &'a str,
    query: Option<&'a str>,
}

impl<'a> Uri<'a> {
    fn parse(s: &'a str) -> Option<Uri<'a>> {
        let (scheme, rest) = s.split_once("://")?;
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(end);
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        (!scheme.is_empty() && !authority.is_empty()).then_some(Uri {
            scheme,
            authority,
            path: if path.is_empty() { "/" } else { path },
            query,
        })
    }
}

/// The value of `c` in `message` (or in `request`, for `;req`).
fn value_of(c: &Component, message: &Message<'_>, request: Option<&Message<'_>>) -> Result<String, SigError> {
    let absent = || SigError::ComponentAbsent(c.identifier().unwrap_or_else(|_| c.name.clone()));
    let m = if c.req { request.ok_or_else(absent)? } else { message };
    if c.key.is_some() && c.name.starts_with('@') {
        return Err(SigError::Malformed("`key` applies to dictionary fields only".into()));
    }
    Ok(match c.name.as_str() {
        "@method" => m.method.ok_or_else(absent)?.to_string(),
        "@target-uri" => m.target_uri.ok_or_else(absent)?.to_string(),
        "@authority" => m.uri()?.authority.to_ascii_lowercase(),
        "@scheme" => m.uri()?.scheme.to_ascii_lowercase(),
        "@path" => m.uri()?.path.to_string(),
        "@query" => format!("?{}", m.uri()?.query.unwrap_or("")),
        "@status" => m.status.ok_or_else(absent)?.to_string(),
        name if name.starts_with('@') => {
            return Err(SigError::Malformed(format!("derived component {name} is not supported")));
        }
        name => {
            let v = m.field(name).ok_or_else(absent)?;
            match &c.key {
                None => v,
                Some(k) => {
                    let dict: Dictionary =
                        Parser::new(&v).parse().map_err(|e| SigError::Malformed(format!("{name}: {e}")))?;
                    match dict.get(k.as_str()) {
                        Some(ListEntry::Item(item)) => item.serialize(),
                        Some(ListEntry::InnerList(l)) => {
                            vec![ListEntry::InnerList(l.clone())].serialize().unwrap_or_default()
                        }
                        None => return Err(absent()),
                    }
                }
            }
        }
    })
}

/// The signature base (RFC 9421 §2.5) of `input` over `message` (and, for an answer, its `request`).
///
/// # Errors
/// A component the message does not have, or one this module does not derive.
pub fn signature_base(
    input: &SignatureInput,
    message: &Message<'_>,
    request: Option<&Message<'_>>,
) -> Result<String, SigError> {
    let mut base = String::new();
    for c in &input.components {
        let value = value_of(c, message, request)?;
        if value.contains(['\n', '\r']) {
            return Err(SigError::Malformed(format!("{} holds a line break", c.name)));
        }
        base.push_str(&c.identifier()?);
        base.push_str(": ");
        base.push_str(&value);
        base.push('\n');
    }
    base.push_str("\"@signature-params\": ");
    base.push_str(&input.serialized()?);
    Ok(base)
}

/// A signature made: the two fields to add to the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `Signature-Input`'s value, e.g. `sig1=("@method" ...);created=...`.
    pub signature_input: String,
    /// `Signature`'s value, e.g. `sig1=:base64:`.
    pub signature: String,
    /// The signature base that was signed.
    pub base: String,
}

/// Signs `message` (answering `request`, if given) as `label`, with `key` (an Ed25519 signer:
/// a key in memory, or one in an HSM).
///
/// # Errors
/// As [`signature_base`].
pub fn sign(
    key: impl FnOnce(&[u8]) -> [u8; 64],
    label: &str,
    input: &SignatureInput,
    message: &Message<'_>,
    request: Option<&Message<'_>>,
) -> Result<Signed, SigError> {
    let base = signature_base(input, message, request)?;
    let sig = key(base.as_bytes());
    let label = Key::from_string(label.to_string()).map_err(|(e, _)| SigError::Malformed(e.to_string()))?;
    let mut inputs = Dictionary::new();
    inputs.insert(label.clone(), ListEntry::InnerList(input.inner_list()?));
    let mut sigs = Dictionary::new();
    sigs.insert(label, ListEntry::Item(Item::new(BareItem::ByteSequence(sig.to_vec()))));
    let none = || SigError::Malformed("an empty dictionary".into());
    Ok(Signed {
        signature_input: inputs.serialize().ok_or_else(none)?,
        signature: sigs.serialize().ok_or_else(none)?,
        base,
    })
}

/// A signature found in a message, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its label in the dictionaries.
    pub label: String,
    pub input: SignatureInput,
    /// The 64 signature bytes.
    pub signature: Vec<u8>,
}

/// The one signature of `message` whose `tag` is `tag`.
///
/// # Errors
/// `Missing` when there is none, `Malformed` for fields that do not parse, or more than one.
pub fn find(message: &Message<'_>, tag: &str) -> Result<Found, SigError> {
    let missing = || SigError::Missing { tag: tag.to_string() };
    let (Some(inputs), Some(sigs)) = (message.field("signature-input"), message.field("signature")) else {
        return Err(missing());
    };
    let inputs: Dictionary =
        Parser::new(&inputs).parse().map_err(|e| SigError::Malformed(format!("Signature-Input: {e}")))?;
    let sigs: Dictionary = Parser::new(&sigs).parse().map_err(|e| SigError::Malformed(format!("Signature: {e}")))?;
    let mut found = None;
    for (label, entry) in &inputs {
        let ListEntry::InnerList(l) = entry else {
            return Err(SigError::Malformed(format!("Signature-Input {} is not an inner list", label.as_str())));
        };
        let input = SignatureInput::from_inner_list(l)?;
        if input.params.tag.as_deref() != Some(tag) {
            continue;
        }
        if found.is_some() {
            return Err(SigError::Malformed(format!("more than one signature with tag {tag:?}")));
        }
        let signature = match sigs.get(label.as_str()) {
            Some(ListEntry::Item(Item { bare_item: BareItem::ByteSequence(b), .. })) => b.clone(),
            Some(_) => return Err(SigError::Malformed(format!("Signature {} is not a byte sequence", label.as_str()))),
            None => return Err(SigError::Malformed(format!("no Signature for {}", label.as_str()))),
        };
        found = Some(Found { label: label.as_str().to_string(), input, signature });
    }
    found.ok_or_else(missing)
}

/// Verifies `found` over `message` (answering `request`) with `key`; returns the base.
///
/// # Errors
/// `Bad` when it does not verify; others as [`signature_base`].
pub fn verify(
    key: &VerifyingKey,
    found: &Found,
    message: &Message<'_>,
    request: Option<&Message<'_>>,
) -> Result<String, SigError> {
    let base = signature_base(&found.input, message, request)?;
    let bytes: [u8; 64] = found.signature.as_slice().try_into().map_err(|_| SigError::Bad)?;
    key.verify_strict(base.as_bytes(), &Signature::from_bytes(&bytes)).map_err(|_| SigError::Bad)?;
    Ok(base)
}

/// Refuses unless the signature covers each of `required`.
///
/// # Errors
/// `NotCovered` naming the first one missing.
pub fn require_covered(found: &Found, required: &[Component]) -> Result<(), SigError> {
    for c in required {
        if !found.input.components.contains(c) {
            return Err(SigError::NotCovered(c.identifier()?));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;
    use ed25519_dalek::{Signer as _, SigningKey};

    fn signer(k: &SigningKey) -> impl FnOnce(&[u8]) -> [u8; 64] + '_ {
        move |m| k.sign(m).to_bytes()
    }

    /// RFC 9421 Appendix B.1.4: `test-key-ed25519` (the PKCS#8 private key's last 32 bytes).
    fn rfc_key() -> SigningKey {
        let der = B64.decode("MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF").expect("test");
        SigningKey::from_bytes(der[der.len() - 32..].try_into().expect("test"))
    }

    /// RFC 9421 Appendix B.2: the test request.
    fn rfc_request() -> Vec<(String, String)> {
        [
            ("Host", "example.com"),
            ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
            ("Content-Type", "application/json"),
            (
                "Content-Digest",
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
            ),
            ("Content-Length", "18"),
        ]
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .to_vec()
    }

    const RFC_BODY: &[u8] = br#"{"hello": "world"}"#;

    #[test]
    fn rfc_9421_b_2_6_is_reproduced_byte_for_byte() {
        let fields = rfc_request();
        let msg = Message {
            method: Some("POST"),
            target_uri: Some("https://example.com/foo?param=Value&Pet=dog"),
            status: None,
            fields: &fields,
        };
        let input = SignatureInput {
            components: ["date", "@method", "@path", "@authority", "content-type", "content-length"]
                .map(Component::of)
                .to_vec(),
            params: Params { created: Some(1618884473), keyid: Some("test-key-ed25519".into()), ..Params::default() },
        };
        let signed = sign(signer(&rfc_key()), "sig-b26", &input, &msg, None).expect("test");
        assert_eq!(
            signed.base,
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@method\": POST\n\"@path\": /foo\n\"@authority\": example.com\n\
             \"content-type\": application/json\n\"content-length\": 18\n\"@signature-params\": (\"date\" \"@method\" \
             \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
        );
        assert_eq!(
            signed.signature_input,
            "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
        );
        assert_eq!(
            signed.signature,
            "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
        );
        // And read back from the fields as a verifier sees them (the RFC's example has no tag).
        let mut with = fields.clone();
        with.push(("Signature-Input".into(), signed.signature_input.clone()));
        with.push(("Signature".into(), signed.signature.clone()));
        let seen = Message { fields: &with, ..msg.clone() };
        assert!(matches!(find(&seen, "x"), Err(SigError::Missing { .. })));
        let found = Found {
            label: "sig-b26".into(),
            input: input.clone(),
            signature: B64
                .decode("wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==")
                .expect("test"),
        };
        verify(&rfc_key().verifying_key(), &found, &seen, None).expect("test");
        let other = Message { method: Some("PUT"), ..seen.clone() };
        assert_eq!(verify(&rfc_key().verifying_key(), &found, &other, None), Err(SigError::Bad));
    }

    #[test]
    fn rfc_9530_digests_of_the_example_body() {
        // RFC 9530 §2 (and RFC 9421 B.2): `{"hello": "world"}`.
        assert_eq!(content_digest(RFC_BODY), "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
        let sha512 =
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
        check_digest(Some(sha512), RFC_BODY).expect("test");
        check_digest(Some(&content_digest(RFC_BODY)), RFC_BODY).expect("test");
        assert_eq!(check_digest(Some(sha512), br#"{"hello": "World"}"#), Err(SigError::DigestMismatch));
        assert_eq!(check_digest(Some("md5=:AAAA:"), RFC_BODY), Err(SigError::DigestMissing));
        assert_eq!(check_digest(None, RFC_BODY), Err(SigError::DigestMissing));
        assert!(matches!(check_digest(Some("sha-256=abc"), RFC_BODY), Err(SigError::Malformed(_))));
    }

    #[test]
    fn an_answer_binds_the_request_signature() {
        let key = rfc_key();
        let mut req_fields = rfc_request();
        let req_input = SignatureInput {
            components: ["@method", "@target-uri", "content-digest"].map(Component::of).to_vec(),
            params: Params { created: Some(1), nonce: Some("n1".into()), tag: Some("t".into()), ..Params::default() },
        };
        let req = Message {
            method: Some("POST"),
            target_uri: Some("https://example.com/foo"),
            status: None,
            fields: &req_fields,
        };
        let s = sign(signer(&key), "sig1", &req_input, &req, None).expect("test");
        req_fields.push(("Signature-Input".into(), s.signature_input));
        req_fields.push(("Signature".into(), s.signature.clone()));
        let req = Message {
            method: Some("POST"),
            target_uri: Some("https://example.com/foo"),
            status: None,
            fields: &req_fields,
        };
        let found = find(&req, "t").expect("test");
        assert_eq!(found.label, "sig1");
        verify(&key.verifying_key(), &found, &req, None).expect("test");

        let answer_fields = vec![("Content-Type".to_string(), "application/json".to_string())];
        let answer = Message { method: None, target_uri: None, status: Some(202), fields: &answer_fields };
        let input = SignatureInput {
            components: vec![
                Component::of("@status"),
                Component::of("content-type"),
                Component::request_signature("sig1"),
            ],
            params: Params { created: Some(2), tag: Some("a".into()), ..Params::default() },
        };
        let signed = sign(signer(&key), "res", &input, &answer, Some(&req)).expect("test");
        let sig_value = s.signature.trim_start_matches("sig1=");
        assert!(signed.base.contains(&format!("\"signature\";req;key=\"sig1\": {sig_value}\n")), "{}", signed.base);
        assert!(
            signed.signature_input.starts_with("res=(\"@status\" \"content-type\" \"signature\";req;key=\"sig1\")")
        );
        // Another request (its signature differs) does not verify the answer.
        let mut other_fields = req_fields.clone();
        other_fields.retain(|(n, _)| n != "Signature");
        other_fields.push(("Signature".into(), format!("sig1=:{}:", B64.encode([7u8; 64]))));
        let other = Message { fields: &other_fields, ..req.clone() };
        let found = Found {
            label: "res".into(),
            input,
            signature: B64.decode(signed.signature.trim_start_matches("res=:").trim_end_matches(':')).expect("test"),
        };
        verify(&key.verifying_key(), &found, &answer, Some(&req)).expect("test");
        assert_eq!(verify(&key.verifying_key(), &found, &answer, Some(&other)), Err(SigError::Bad));
    }

    #[test]
    fn hostile_signature_fields_are_refused_not_trusted() {
        let fields = |input: &str, sig: &str| {
            vec![("Signature-Input".to_string(), input.to_string()), ("Signature".to_string(), sig.to_string())]
        };
        let sig = format!("s=:{}:", B64.encode([0u8; 64]));
        for (input, why) in [
            ("s=(\"@method\");created=-1;tag=\"t\"", "negative created"),
            ("s=(\"@method\");expires=\"x\";tag=\"t\"", "string expires"),
            ("s=(\"@Method\");tag=\"t\"", "upper case"),
            ("s=(\"@method\" \"@method\");tag=\"t\"", "twice"),
            ("s=(\"@method\";bs);tag=\"t\"", "bs"),
            ("s=(\"@method\");tag=\"t\";foo=1", "unknown parameter"),
            ("s=\"@method\";tag=\"t\"", "not an inner list"),
            ("s=((", "not a dictionary"),
        ] {
            let f = fields(input, &sig);
            let m = Message { method: Some("GET"), target_uri: Some("https://a/"), status: None, fields: &f };
            assert!(matches!(find(&m, "t"), Err(SigError::Malformed(_))), "{why}");
        }
        let f = fields("s=(\"@method\");tag=\"t\"", "s=:AAAA:");
        let m = Message { method: Some("GET"), target_uri: Some("https://a/"), status: None, fields: &f };
        let found = find(&m, "t").expect("test");
        assert_eq!(verify(&rfc_key().verifying_key(), &found, &m, None), Err(SigError::Bad), "a short signature");
        let f = fields("s=(\"@query\" \"x-none\");tag=\"t\"", &sig);
        let m = Message { method: Some("GET"), target_uri: Some("https://a/p?q=1"), status: None, fields: &f };
        let found = find(&m, "t").expect("test");
        assert_eq!(
            verify(&rfc_key().verifying_key(), &found, &m, None),
            Err(SigError::ComponentAbsent("\"x-none\"".into()))
        );
    }
}
