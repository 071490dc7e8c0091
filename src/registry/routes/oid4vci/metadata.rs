//! What a wallet reads first: the credential issuer metadata (OpenID4VCI 1.0
//! §12.2, `/.well-known/openid-credential-issuer`) and the authorization
//! server metadata (RFC 8414, `/.well-known/oauth-authorization-server`): the
//! registry is its own authorization server, for the pre-authorized code grant only.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use dwp_verifier::credential::{CONTEXT_V2, DWP_CONTEXT};

use super::{CONFIGURATION_ID, CREDENTIAL_PATH, NONCE_PATH, PRE_AUTHORIZED_GRANT, TOKEN_PATH};
use crate::registry::routes::publish::FixedProblems;
use crate::registry::state::AppState;

/// The credential's name in the wallet, by locale: Thai, English, Burmese, Lao, Khmer.
pub const CREDENTIAL_NAMES: [(&str, &str); 5] = [
    ("th", "ใบอนุญาตทำงาน"),
    ("en", "Work permit"),
    ("my", "အလုပ်လုပ်ကိုင်ခွင့်ပါမစ်"),
    ("lo", "ໃບອະນຸຍາດເຮັດວຽກ"),
    ("km", "ប័ណ្ណអនុញ្ញាតការងារ"),
];

/// The issuer's name in the wallet, by locale.
pub const ISSUER_NAMES: [(&str, &str); 5] = [
    ("th", "กรมการจัดหางาน"),
    ("en", "Department of Employment, Thailand"),
    ("my", "ထိုင်းနိုင်ငံ အလုပ်အကိုင်ရှာဖွေရေးဦးစီးဌာန"),
    ("lo", "ກົມການຈັດຫາງານ ປະເທດໄທ"),
    ("km", "នាយកដ្ឋានការងារ ប្រទេសថៃ"),
];

/// What the wallet asks the worker for the transaction code (one text, at most 300 characters).
pub const TX_CODE_DESCRIPTION: &str = "กรอกรหัส 6 หลักจากใบแจ้ง · Enter the 6-digit code from your slip · \
    သင့်စာရွက်ပေါ်ရှိ ဂဏန်း ၆ လုံးကုဒ်ကို ထည့်ပါ · ປ້ອນລະຫັດ 6 ຕົວເລກຈາກໃບແຈ້ງ · \
    បញ្ចូលលេខកូដ ៦ ខ្ទង់ពីសន្លឹកក្រដាសរបស់អ្នក";

fn display(names: &[(&str, &str)]) -> Value {
    names.iter().map(|(locale, name)| json!({ "name": name, "locale": locale })).collect()
}

/// The credential issuer metadata of a registry whose identifier is `issuer`.
pub fn issuer_metadata(issuer: &str) -> Value {
    json!({
        "credential_issuer": issuer,
        "credential_endpoint": format!("{issuer}{CREDENTIAL_PATH}"),
        "nonce_endpoint": format!("{issuer}{NONCE_PATH}"),
        "display": display(&ISSUER_NAMES),
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": "ldp_vc",
                "credential_definition": {
                    "@context": [CONTEXT_V2, DWP_CONTEXT],
                    "type": ["VerifiableCredential", "WorkPermitCredential"],
                },
                "cryptographic_binding_methods_supported": ["did:key"],
                "credential_signing_alg_values_supported": ["eddsa-jcs-2022"],
                "proof_types_supported": { "jwt": { "proof_signing_alg_values_supported": ["EdDSA"] } },
                "credential_metadata": { "display": display(&CREDENTIAL_NAMES) },
                "dwp_payload": {
                    "description": "Besides `credentials`, the credential response carries `dwp_payload`: the same \
                        credential as the compact DWP1: QR payload (Base45 of deterministic CBOR, wallet-spec/SPEC.md), \
                        for the wallet to show as a QR code",
                },
            },
        },
    })
}

/// The authorization server metadata of a registry whose identifier is `issuer`.
pub fn authorization_server_metadata(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": true,
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": [],
    })
}

/// Declares an object schema with required members.
macro_rules! metadata_schema {
    ($(#[$doc:meta])* $name:ident, $description:literal, [$($field:literal),* $(,)?]) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new().schema_type(Type::Object).description(Some($description))$(.required($field))*.into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

metadata_schema!(
    /// The credential issuer metadata.
    CredentialIssuerMetadata,
    "OpenID4VCI 1.0 credential issuer metadata: one configuration, DWP_WorkPermit_v1 (ldp_vc, eddsa-jcs-2022, \
     did:key binding, jwt proofs with EdDSA); the credential response also carries dwp_payload",
    ["credential_issuer", "credential_endpoint", "nonce_endpoint", "display", "credential_configurations_supported"]
);
metadata_schema!(
    /// The authorization server metadata.
    AuthorizationServerMetadata,
    "RFC 8414 authorization server metadata: the token endpoint, for the pre-authorized code grant only",
    ["issuer", "token_endpoint", "grant_types_supported", "pre-authorized_grant_anonymous_access_supported"]
);

/// `GET /.well-known/openid-credential-issuer`.
#[utoipa::path(
    get,
    path = "/.well-known/openid-credential-issuer",
    operation_id = "getCredentialIssuerMetadata",
    summary = "OpenID4VCI credential issuer metadata",
    responses((status = 200, description = "The metadata", body = CredentialIssuerMetadata), FixedProblems),
)]
pub async fn issuer(State(state): State<AppState>) -> Json<Value> {
    Json(issuer_metadata(&state.public_url))
}

/// `GET /.well-known/oauth-authorization-server`.
#[utoipa::path(
    get,
    path = "/.well-known/oauth-authorization-server",
    operation_id = "getAuthorizationServerMetadata",
    summary = "OAuth 2.0 authorization server metadata (the token endpoint)",
    responses((status = 200, description = "The metadata", body = AuthorizationServerMetadata), FixedProblems),
)]
pub async fn authorization_server(State(state): State<AppState>) -> Json<Value> {
    Json(authorization_server_metadata(&state.public_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_in_the_five_languages_and_the_code_text_fits() {
        for names in [CREDENTIAL_NAMES, ISSUER_NAMES] {
            let locales: Vec<&str> = names.iter().map(|(l, _)| *l).collect();
            assert_eq!(locales, ["th", "en", "my", "lo", "km"]);
            assert!(names.iter().all(|(_, n)| !n.trim().is_empty()));
        }
        assert!(TX_CODE_DESCRIPTION.chars().count() <= 300, "{}", TX_CODE_DESCRIPTION.chars().count());
        let m = issuer_metadata("https://registry.test");
        assert_eq!(m["credential_endpoint"], "https://registry.test/oid4vci/credential");
        assert_eq!(m["credential_configurations_supported"][CONFIGURATION_ID]["format"], "ldp_vc");
    }
}
