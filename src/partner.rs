//! The reference client of the signed exchange (`dwp partner request`): signs
//! a request as a partner agency does (RFC 9421 with `Content-Digest`), sends
//! it, and verifies the registry's signed answer — that it is the registry's,
//! that its body is the one signed, and that it answers this request's own
//! signature. A partner's developers test their implementation against it.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use ed25519_dalek::VerifyingKey;

use dwp_issuer::keys::KeyPair;
use dwp_verifier::multikey;

use crate::httpsig::{self, Component, Message, Params, SignatureInput};
use crate::registry::exchange::{CASE, OFFICER, PURPOSE, REQUEST_TAG, RESPONSE_TAG, WINDOW_SECS};

/// The label of the client's request signature.
pub const LABEL: &str = "sig1";

/// A request to sign and send.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub method: &'a str,
    /// The absolute URL, as signed (`@target-uri`) and called.
    pub url: &'a str,
    pub body: Option<&'a [u8]>,
    pub purpose: &'a str,
    pub case: &'a str,
    pub officer: &'a str,
    /// Unix seconds.
    pub now: i64,
}

/// A request, signed: its fields (the body as given).
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub fields: Vec<(String, String)>,
    pub signature: httpsig::Signed,
}

/// Signs `out` with `key` as `keyid`: `@method`, `@target-uri`, `content-digest`, `content-type`
/// (with a body) and the purpose, case and officer fields; created now, expiring within the window.
///
/// # Errors
/// When the randomness or the signature base fails.
pub fn sign_request(key: &KeyPair, keyid: &str, out: &Outgoing<'_>) -> Result<SignedRequest> {
    let body = out.body.unwrap_or_default();
    let mut fields = vec![
        ("content-digest".to_string(), httpsig::content_digest(body)),
        (PURPOSE.to_string(), out.purpose.to_string()),
        (CASE.to_string(), out.case.to_string()),
        (OFFICER.to_string(), out.officer.to_string()),
    ];
    let mut components: Vec<Component> =
        ["@method", "@target-uri", "content-digest", PURPOSE, CASE, OFFICER].map(Component::of).to_vec();
    if out.body.is_some() {
        fields.push(("content-type".to_string(), "application/json".to_string()));
        components.push(Component::of("content-type"));
    }
    let mut nonce = [0u8; 18];
    getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness for a nonce: {e}"))?;
    let input = SignatureInput {
        components,
        params: Params {
            created: Some(out.now),
            expires: Some(out.now + WINDOW_SECS),
            nonce: Some(B64URL.encode(nonce)),
            alg: Some("ed25519".into()),
            keyid: Some(keyid.to_string()),
            tag: Some(REQUEST_TAG.to_string()),
        },
    };
    let msg = Message { method: Some(out.method), target_uri: Some(out.url), status: None, fields: &fields };
    let signature = httpsig::sign(|m| key.sign(m), LABEL, &input, &msg, None)?;
    fields.push(("signature-input".to_string(), signature.signature_input.clone()));
    fields.push(("signature".to_string(), signature.signature.clone()));
    Ok(SignedRequest { fields, signature })
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub fields: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why an answer is not accepted as the registry's answer to this request.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer is not signed by the registry: {0}")]
    Signature(#[from] httpsig::SigError),
    #[error("the answer is signed by key {got:?}, not the registry's {expected:?}")]
    OtherKey { got: Option<String>, expected: String },
}

/// Checks that `answer` is the registry's (`registry_key`, `registry_keyid`) answer to `request`.
///
/// # Errors
/// [`AnswerError`].
pub fn verify_answer(
    registry_key: &VerifyingKey,
    registry_keyid: &str,
    out: &Outgoing<'_>,
    request: &SignedRequest,
    answer: &Answer,
) -> Result<(), AnswerError> {
    let msg = Message { method: None, target_uri: None, status: Some(answer.status), fields: &answer.fields };
    let req = Message { method: Some(out.method), target_uri: Some(out.url), status: None, fields: &request.fields };
    httpsig::check_digest(msg.field("content-digest").as_deref(), &answer.body)?;
    let found = httpsig::find(&msg, RESPONSE_TAG)?;
    if found.input.params.keyid.as_deref() != Some(registry_keyid) {
        return Err(AnswerError::OtherKey { got: found.input.params.keyid.clone(), expected: registry_keyid.into() });
    }
    let required = [
        Component::of("@status"),
        Component::of("content-digest"),
        Component::of("content-type"),
        Component::request_signature(LABEL),
    ];
    httpsig::require_covered(&found, &required)?;
    httpsig::verify(registry_key, &found, &msg, Some(&req))?;
    Ok(())
}

/// Sends `request` (blocking, loopback or the registry's address) and reads the answer.
///
/// # Errors
/// When the registry cannot be reached.
pub fn send(out: &Outgoing<'_>, request: &SignedRequest) -> Result<Answer> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut headers = request.fields.clone();
    headers.retain(|(n, _)| n != "content-length");
    let result = match (out.method, out.body) {
        ("GET", None) => {
            let mut r = agent.get(out.url);
            for (k, v) in &headers {
                r = r.header(k, v);
            }
            r.call()
        }
        ("POST", body) => {
            let mut r = agent.post(out.url);
            for (k, v) in &headers {
                r = r.header(k, v);
            }
            r.send(body.unwrap_or_default())
        }
        (m, _) => bail!("{m}: the exchange takes GET (no body) and POST"),
    };
    let resp = result.with_context(|| format!("calling {}", out.url))?;
    let status = resp.status().as_u16();
    let fields =
        resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let mut body = Vec::new();
    use std::io::Read as _;
    resp.into_body().into_reader().take(16 << 20).read_to_end(&mut body).context("reading the answer")?;
    Ok(Answer { status, fields, body })
}

/// The registry's answer key: pinned (`pinned`: multibase, and its key id), or fetched from
/// `/x/v1/keys` of `url`'s origin (said so: not pinned).
///
/// # Errors
/// When the key cannot be fetched or decoded.
pub fn registry_key(url: &str, pinned: Option<(&str, &str)>) -> Result<(VerifyingKey, String, bool)> {
    let (multibase, keyid, was_pinned) = match pinned {
        Some((m, k)) => (m.to_string(), k.to_string(), true),
        None => {
            let keys = format!("{}/x/v1/keys", crate::registry::exchange::origin(url));
            let text = ureq::get(&keys)
                .call()
                .with_context(|| format!("fetching the registry's answer key from {keys}"))?
                .into_body()
                .read_to_string()
                .context("reading the registry's answer key")?;
            let v: serde_json::Value = serde_json::from_str(&text).context("the answer key is not JSON")?;
            let m = v["publicKeyMultibase"].as_str().context("no publicKeyMultibase")?.to_string();
            let k = v["keyId"].as_str().context("no keyId")?.to_string();
            (m, k, false)
        }
    };
    let bytes = multikey::decode_public(&multibase).context("the registry key is not an Ed25519 multibase key")?;
    let key = VerifyingKey::from_bytes(&bytes).context("the registry key is not a valid Ed25519 point")?;
    Ok((key, keyid, was_pinned))
}
