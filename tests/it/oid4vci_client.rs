//! A wallet written for the tests, not the wallet page's code: its own Ed25519
//! key, and the OpenID4VCI 1.0 requests a wallet makes (offer by reference,
//! token, nonce, credential with an `openid4vci-proof+jwt`), each answer
//! returned as it came.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use crate::server::Registry;
use crate::server::{Resp, Server};

pub const FORM: &str = "application/x-www-form-urlencoded";
pub const GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

pub fn percent_decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// A URL the registry advertises, as a path on the test server (the test cannot resolve its host).
pub fn path_of(url: &str, issuer: &str) -> String {
    url.strip_prefix(issuer).unwrap_or_else(|| panic!("{url} is not under {issuer}")).to_string()
}

/// The test's wallet: its key, and what it reads from the registry's metadata.
pub struct Wallet<'a> {
    s: &'a Server,
    pub key: SigningKey,
    pub issuer: String,
    pub token_path: String,
    nonce_path: String,
    credential_path: String,
}

impl<'a> Wallet<'a> {
    pub fn new(s: &'a Server, seed: u8) -> Wallet<'a> {
        let meta = s.get("/.well-known/openid-credential-issuer", None).json();
        let issuer = meta["credential_issuer"].as_str().expect("credential_issuer").to_string();
        let auth = s.get("/.well-known/oauth-authorization-server", None).json();
        assert_eq!(auth["issuer"], issuer.as_str());
        assert_eq!(auth["pre-authorized_grant_anonymous_access_supported"], true);
        Wallet {
            s,
            key: SigningKey::from_bytes(&[seed; 32]),
            token_path: path_of(auth["token_endpoint"].as_str().expect("token_endpoint"), &issuer),
            nonce_path: path_of(meta["nonce_endpoint"].as_str().expect("nonce_endpoint"), &issuer),
            credential_path: path_of(meta["credential_endpoint"].as_str().expect("credential_endpoint"), &issuer),
            issuer,
        }
    }

    pub fn did(&self) -> String {
        dwp_verifier::multikey::did_key(&self.key.verifying_key().to_bytes())
    }

    /// The path of the offer an offer URI names.
    pub fn offer_path(&self, uri: &str) -> String {
        let by_ref =
            uri.strip_prefix("openid-credential-offer://?credential_offer_uri=").expect("an offer by reference");
        path_of(&percent_decode(by_ref), &self.issuer)
    }

    /// Follows an offer URI to the offer; returns its pre-authorized code.
    pub fn read_offer(&self, uri: &str) -> String {
        let by_ref =
            uri.strip_prefix("openid-credential-offer://?credential_offer_uri=").expect("an offer by reference");
        let offer = self.s.get(&path_of(&percent_decode(by_ref), &self.issuer), None);
        assert_eq!(offer.status, 200, "{}", offer.body);
        let offer = offer.json();
        assert_eq!(offer["credential_issuer"], self.issuer.as_str());
        assert_eq!(offer["credential_configuration_ids"], json!(["DWP_WorkPermit_v1"]));
        let grant = &offer["grants"][GRANT];
        assert_eq!(grant["tx_code"]["input_mode"], "numeric");
        assert_eq!(grant["tx_code"]["length"], 6);
        grant["pre-authorized_code"].as_str().expect("pre-authorized_code").to_string()
    }

    pub fn token_form(&self, form: &str) -> Resp {
        self.s.request("POST", &self.token_path, None, Some((FORM, form.as_bytes())), &[])
    }

    pub fn token(&self, code: &str, tx_code: &str) -> Resp {
        self.token_form(&format!(
            "grant_type={}&pre-authorized_code={code}&tx_code={tx_code}",
            GRANT.replace(':', "%3A")
        ))
    }

    pub fn nonce(&self) -> String {
        let r = self.s.request("POST", &self.nonce_path, None, Some(("application/json", b"")), &[]);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        r.json()["c_nonce"].as_str().expect("c_nonce").to_string()
    }

    pub fn jwt_with(&self, signer: &SigningKey, header: Value, claims: Value) -> String {
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signer.sign(input.as_bytes()).to_bytes()))
    }

    pub fn header(&self) -> Value {
        let x = URL_SAFE_NO_PAD.encode(self.key.verifying_key().to_bytes());
        json!({ "typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": { "kty": "OKP", "crv": "Ed25519", "x": x } })
    }

    pub fn claims(&self, nonce: &str) -> Value {
        json!({ "aud": self.issuer, "iat": now(), "nonce": nonce })
    }

    pub fn proof(&self, nonce: &str) -> String {
        self.jwt_with(&self.key, self.header(), self.claims(nonce))
    }

    pub fn credential_body(&self, access: Option<&str>, body: &Value) -> Resp {
        let bytes = body.to_string();
        self.s.request("POST", &self.credential_path, access, Some(("application/json", bytes.as_bytes())), &[])
    }

    pub fn credential(&self, access: &str, jwt: &str) -> Resp {
        let body =
            json!({ "credential_configuration_id": "DWP_WorkPermit_v1", "proof": { "proof_type": "jwt", "jwt": jwt } });
        self.credential_body(Some(access), &body)
    }

    /// The whole flow for `permit`, offered by `who`; returns the answer of the credential endpoint.
    pub fn bind(&self, who: &str, permit: &str) -> Value {
        let offer = offer(self.s, who, permit);
        let code = self.read_offer(offer["credentialOfferUri"].as_str().expect("uri"));
        let r = self.token(&code, offer["txCode"].as_str().expect("txCode"));
        assert_eq!(r.status, 200, "{}", r.body);
        let access = r.json()["access_token"].as_str().expect("access_token").to_string();
        assert_eq!(r.json()["token_type"], "Bearer");
        let r = self.credential(&access, &self.proof(&self.nonce()));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64
}

pub fn offer(s: &Server, who: &str, permit: &str) -> Value {
    let r = s.post(&format!("/v1/permits/{permit}/offer"), Some(who), &json!({}));
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}
