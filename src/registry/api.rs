//! The OpenAPI 3.1 description, `/openapi.json`. Each handler declares its own
//! operation with `#[utoipa::path]` (parameters, body, answers, roles), and the
//! router is built from those declarations (`utoipa_axum::routes!` in
//! [`super::routes`]), so that the document and the router cannot drift. This
//! module holds what no handler owns: the document's frame, the bearer scheme,
//! the problem answers and the schemas of the foreign documents served as they are.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Ref, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr};

use dwp_verifier::credential::StatusPurpose;

use super::auth::Role;
use super::problem::Code;
use super::problem::{Problem, RETRY_AFTER_SECS};

/// The frame of the document: title, version, the bearer scheme and the shared problem schema.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Digital Work Permit registry",
        description = "The department's system of record for digital work permits: issue, lifecycle, \
            applications, API tokens, the audit log, and what offline verifiers need. Every refusal is an \
            RFC 9457 problem (`application/problem+json`) with a stable `code`; `x-roles` names the token \
            roles an operation admits."
    ),
    components(schemas(Problem)),
    modifiers(&Bearer)
)]
pub struct Frame;

/// Adds the `bearer` security scheme (API tokens, `Authorization: Bearer dwp_…`).
struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, api: &mut OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The roles an operation admits, as `x-roles` lists them.
pub fn roles(roles: &[Role]) -> Vec<&'static str> {
    roles.iter().map(|r| r.as_str()).collect()
}

/// Refusals an operation can answer: each HTTP status with the stable codes it carries.
pub type Refusals = &'static [(u16, &'static [Code])];

/// Every operation: our own failure (the cause goes to the log).
pub const INTERNAL: Refusals = &[(500, &[Code::InternalError])];
/// An operation that reads the database.
pub const READ: Refusals = &[(503, &[Code::StorageUnavailable])];
/// An operation that needs an API token of one of its roles.
pub const AUTH: Refusals = &[(401, &[Code::MissingToken, Code::InvalidToken]), (403, &[Code::Forbidden])];
/// An operation with a JSON request body.
pub const JSON_BODY: Refusals = &[
    (400, &[Code::MalformedJson]),
    (413, &[Code::BodyTooLarge]),
    (415, &[Code::UnsupportedMediaType]),
    (422, &[Code::InvalidField]),
];
/// A write through the group-commit writer.
pub const WRITE: Refusals = &[(503, &[Code::StorageUnavailable, Code::ClockBehind])];
/// A write that honours `Idempotency-Key`.
pub const IDEMPOTENT: Refusals = &[(400, &[Code::InvalidIdempotencyKey]), (422, &[Code::IdempotencyKeyReused])];

/// A read of a worker's data: the purpose must be stated, and be one the role may read for.
pub const PURPOSE: Refusals =
    &[(400, &[Code::PurposeRequired, Code::InvalidPurpose]), (403, &[Code::PurposeNotAllowed])];

/// The `DWP-Purpose` header of a read of a worker's data.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct PurposeHeader {
    /// Why the worker's data is read; the read is recorded with it. Registrar: `issuance`,
    /// `application-review` or `worker-request`; auditor: `audit`; employer: `employment-check`; partner
    /// agency: `stay-extension`.
    #[param(rename = "DWP-Purpose")]
    pub purpose: String,
}

/// The `Idempotency-Key` header of a write.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct Idempotency {
    /// 1 to 200 visible ASCII characters. A retry with the same key and body gets the first answer again
    /// (with `Idempotent-Replayed: true`); the same key with another body is refused (`idempotency_key_reused`).
    #[param(rename = "Idempotency-Key")]
    pub key: Option<String>,
}

/// Each `(status, code)` of `groups`.
pub fn refusals(groups: &[Refusals]) -> impl Iterator<Item = (u16, Code)> + '_ {
    groups.iter().flat_map(|g| g.iter()).flat_map(|(status, codes)| codes.iter().map(move |c| (*status, *c)))
}

/// The problem answers of `refusals` (and of [`INTERNAL`]), one per status, each
/// a [`Problem`] whose `status` and `code` are the ones listed. A 503 carries `Retry-After`.
pub fn problem_responses(refusals: impl IntoIterator<Item = (u16, Code)>) -> BTreeMap<String, RefOr<Response>> {
    let mut by_status: BTreeMap<u16, BTreeSet<Code>> = BTreeMap::new();
    for (status, code) in refusals.into_iter().chain(self::refusals(&[INTERNAL])) {
        by_status.entry(status).or_default().insert(code);
    }
    by_status
        .into_iter()
        .map(|(status, codes)| {
            let codes: Vec<&str> = codes.into_iter().map(Code::as_str).collect();
            let schema = AllOfBuilder::new().item(Ref::from_schema_name("Problem")).item(
                ObjectBuilder::new()
                    .property("status", ObjectBuilder::new().schema_type(Type::Integer).enum_values(Some([status])))
                    .property("code", ObjectBuilder::new().schema_type(Type::String).enum_values(Some(codes.clone()))),
            );
            let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Refused");
            let mut response = ResponseBuilder::new()
                .description(format!("{reason}: {}", codes.join(", ")))
                .content("application/problem+json", ContentBuilder::new().schema(Some(schema)).build());
            if status == 503 {
                let header = HeaderBuilder::new().schema(ObjectBuilder::new().schema_type(Type::Integer)).description(
                    Some(format!(
                        "Seconds before the same request may be retried ({RETRY_AFTER_SECS}); sent with \
                         storage_unavailable and clock_behind"
                    )),
                );
                response = response.header("Retry-After", header.build());
            }
            (status.to_string(), response.build().into())
        })
        .collect()
}

/// Declares the problem answers of an operation as a type for `responses(...)`
/// of `#[utoipa::path]`: `problems!(IssueProblems: api::AUTH, api::WRITE, &[(409, &[Code::PermitNumberInUse])]);`.
macro_rules! problems {
    ($(#[$doc:meta])* $name:ident: $($group:expr),+ $(,)?) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses(
            ) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>> {
                $crate::registry::api::problem_responses($crate::registry::api::refusals(&[$($group),+]))
            }
        }
    };
}
pub(crate) use problems;

/// The purposes of `/status/{purpose}/{list}`.
const PURPOSES: [StatusPurpose; 2] = [StatusPurpose::Revocation, StatusPurpose::Suspension];

// A new purpose does not compile here until it is in `PURPOSES`.
const _: fn(StatusPurpose) = |p| match p {
    StatusPurpose::Revocation | StatusPurpose::Suspension => {}
};

/// Declares a string schema of fixed values.
macro_rules! names_schema {
    ($(#[$doc:meta])* $name:ident, $values:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new().schema_type(Type::String).enum_values(Some($values)).into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

names_schema!(
    /// A path segment naming a status list's purpose.
    StatusPurposeName,
    PURPOSES.map(StatusPurpose::as_str)
);
names_schema!(
    /// A role's name.
    RoleName,
    roles(&Role::ALL)
);

/// Declares the schema of a body that is not JSON.
macro_rules! media_schema {
    ($(#[$doc:meta])* $name:ident, $media_type:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new().schema_type(Type::String).content_media_type($media_type).into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

media_schema!(
    /// A PNG image.
    Png,
    "image/png"
);
media_schema!(
    /// A JPEG image.
    Jpeg,
    "image/jpeg"
);
media_schema!(
    /// A PDF document.
    Pdf,
    "application/pdf"
);
media_schema!(
    /// An SVG image.
    Svg,
    "image/svg+xml"
);
media_schema!(
    /// An HTML page.
    Html,
    "text/html"
);

/// Declares the schema of a foreign document served as it is: an object and its required top-level members.
macro_rules! document_schema {
    ($(#[$doc:meta])* $name:ident, $description:literal, [$($field:literal),* $(,)?]) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some($description))
                    $(.required($field))*
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

document_schema!(
    /// A signed permit credential.
    SignedCredential,
    "A W3C Verifiable Credential 2.0 of the permit, signed with eddsa-jcs-2022",
    ["@context", "type", "issuer", "validFrom", "validUntil", "credentialSubject", "credentialStatus", "proof"]
);
document_schema!(
    /// A signed status list.
    StatusListCredential,
    "A signed W3C BitstringStatusListCredential",
    ["@context", "id", "type", "issuer", "validFrom", "validUntil", "credentialSubject", "proof"]
);
document_schema!(
    /// The issuer's DID document.
    DidDocument,
    "The issuer's did:web DID document: its keys as Multikey verification methods",
    ["@context", "id", "verificationMethod", "assertionMethod"]
);
document_schema!(
    /// The signed trust list.
    TrustList,
    "The trust list, signed by the root key: the trusted issuers and their keys",
    ["type", "sequence", "issued", "issuers", "proof"]
);
document_schema!(
    /// A JSON-LD context.
    JsonLdContext,
    "A JSON-LD context document",
    ["@context"]
);
document_schema!(
    /// This description.
    OpenApiDocument,
    "An OpenAPI 3.1 document",
    ["openapi", "info", "paths"]
);
