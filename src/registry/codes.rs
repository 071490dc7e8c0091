//! Every code a problem document carries, with its title in each language:
//! one table, so a new code cannot be answered without its words.

/// A problem's title, by language. The Burmese, Lao and Khmer slots are for the
/// texts a worker reads; the registry's answers go to officers and employers,
/// in Thai and English, and those slots stay empty until a worker-facing
/// answer needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Title {
    /// English.
    pub en: &'static str,
    /// ไทย.
    pub th: &'static str,
    /// မြန်မာ (Unicode).
    pub my: Option<&'static str>,
    /// ລາວ.
    pub lo: Option<&'static str>,
    /// ខ្មែរ.
    pub km: Option<&'static str>,
}

macro_rules! codes {
    ($($variant:ident = $code:literal { en: $en:literal, th: $th:literal },)*) => {
        /// A problem document's stable machine code (`code`, and the last segment of `type`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = $en]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in the table's order.
            pub const ALL: &[Code] = &[$(Code::$variant),*];

            /// The code as answered.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// The title, by language.
            pub fn title(self) -> Title {
                match self {
                    $(Code::$variant => Title { en: $en, th: $th, my: None, lo: None, km: None },)*
                }
            }
        }
    };
}

codes! {
    MissingToken = "missing_token" { en: "An API token is required", th: "ต้องใช้โทเค็น API" },
    InvalidToken = "invalid_token" { en: "The API token is not valid", th: "โทเค็น API ไม่ถูกต้อง" },
    Forbidden = "forbidden" { en: "Your role may not do this", th: "บทบาทของคุณไม่มีสิทธิ์ทำรายการนี้" },
    NotFound = "not_found" { en: "Not found", th: "ไม่พบข้อมูล" },
    UnsupportedMediaType = "unsupported_media_type" { en: "Send application/json", th: "ต้องส่งข้อมูลแบบ application/json" },
    MalformedJson = "malformed_json" { en: "The body is not valid JSON", th: "ข้อมูลไม่ใช่ JSON ที่ถูกต้อง" },
    InvalidField = "invalid_field" { en: "A field is missing, unknown or of the wrong type", th: "ช่องข้อมูลขาด ไม่รู้จัก หรือผิดชนิด" },
    InvalidPermit = "invalid_permit" { en: "The permit breaks a rule", th: "ข้อมูลใบอนุญาตไม่ถูกต้องตามเกณฑ์" },
    BodyTooLarge = "body_too_large" { en: "The body is too large", th: "ข้อมูลมีขนาดใหญ่เกินกำหนด" },
    IdempotencyKeyReused = "idempotency_key_reused" { en: "This Idempotency-Key was used with a different body", th: "Idempotency-Key นี้เคยใช้กับข้อมูลอื่นแล้ว" },
    InvalidIdempotencyKey = "invalid_idempotency_key" { en: "The Idempotency-Key header is not valid", th: "Idempotency-Key ไม่ถูกต้อง" },
    PermitNumberInUse = "permit_number_in_use" { en: "A live permit has this number", th: "เลขที่ใบอนุญาตนี้มีผลใช้อยู่แล้ว" },
    PermitRevoked = "permit_revoked" { en: "The permit is revoked", th: "ใบอนุญาตถูกเพิกถอนแล้ว" },
    PermitSuperseded = "permit_superseded" { en: "The permit was replaced by a newer one", th: "ใบอนุญาตถูกแทนที่ด้วยฉบับใหม่แล้ว" },
    AlreadySuspended = "already_suspended" { en: "The permit is already suspended", th: "ใบอนุญาตถูกพักใช้อยู่แล้ว" },
    NotSuspended = "not_suspended" { en: "The permit is not suspended", th: "ใบอนุญาตไม่ได้ถูกพักใช้" },
    PermitSuspended = "permit_suspended" { en: "The permit is suspended; reinstate it first", th: "ใบอนุญาตถูกพักใช้ ต้องคืนสิทธิ์ก่อน" },
    PermitExpired = "permit_expired" { en: "The permit has expired", th: "ใบอนุญาตหมดอายุแล้ว" },
    ApplicationDecided = "application_decided" { en: "The application was already decided", th: "คำขอนี้ได้รับการพิจารณาแล้ว" },
    InvalidScope = "invalid_scope" { en: "The token scope is not valid for the role", th: "ขอบเขตโทเค็นไม่ถูกต้องสำหรับบทบาทนี้" },
    InvalidQuery = "invalid_query" { en: "A query parameter is not valid", th: "พารามิเตอร์ไม่ถูกต้อง" },
    MethodNotAllowed = "method_not_allowed" { en: "Method not allowed", th: "ไม่รองรับวิธีการนี้" },
    Timeout = "timeout" { en: "The request took too long", th: "คำขอใช้เวลานานเกินไป" },
    StorageUnavailable = "storage_unavailable" { en: "The registry could not store this; retry later", th: "ระบบไม่สามารถบันทึกข้อมูลได้ โปรดลองใหม่ภายหลัง" },
    ClockBehind = "clock_behind" { en: "The registry's clock is wrong; retry later", th: "นาฬิกาของระบบคลาดเคลื่อน โปรดลองใหม่ภายหลัง" },
    StatusDisagreesWithAudit = "status_disagrees_with_audit" { en: "Stored status disagrees with the audit log; the list is not signed", th: "สถานะที่บันทึกไม่ตรงกับบันทึกการตรวจสอบ จึงไม่ลงนามรายการสถานะ" },
    TokenNotFound = "token_not_found" { en: "No such token", th: "ไม่พบโทเค็นนี้" },
    OverCapacity = "over_capacity" { en: "The registry is at its connection limit; retry shortly", th: "ระบบรับการเชื่อมต่อเต็มแล้ว โปรดลองใหม่อีกครั้ง" },
    PurposeRequired = "purpose_required" { en: "Say why you read this worker's data (the DWP-Purpose header)", th: "โปรดระบุวัตถุประสงค์ของการเข้าถึงข้อมูลแรงงาน (ส่วนหัว DWP-Purpose)" },
    InvalidPurpose = "invalid_purpose" { en: "DWP-Purpose is not one of the listed purposes", th: "วัตถุประสงค์ใน DWP-Purpose ไม่อยู่ในรายการที่กำหนด" },
    PurposeNotAllowed = "purpose_not_allowed" { en: "Your role may not read data for this purpose", th: "บทบาทของคุณไม่มีสิทธิ์เข้าถึงข้อมูลเพื่อวัตถุประสงค์นี้" },
    TrustListInvalid = "trust_list_invalid" { en: "The trust list is not one signed by the pinned root", th: "รายการผู้ออกที่เชื่อถือได้ไม่ได้ลงนามโดยกุญแจรากที่กำหนด" },
    TrustListNotNewer = "trust_list_not_newer" { en: "The trust list is not newer than the published one", th: "รายการผู้ออกที่เชื่อถือได้ไม่ใหม่กว่าฉบับที่เผยแพร่อยู่" },
    TrustListUnsafe = "trust_list_unsafe" { en: "Publishing the trust list would break permits or signing", th: "การเผยแพร่รายการนี้จะทำให้ใบอนุญาตหรือการลงนามใช้ไม่ได้" },
    NoSigningKey = "no_signing_key" { en: "The registry has no key that may sign now", th: "ระบบไม่มีกุญแจที่ลงนามได้ในขณะนี้" },
    ActionNotPermitted = "action_not_permitted" { en: "Another actor takes this step of the application", th: "ขั้นตอนนี้ของคำขอต้องดำเนินการโดยผู้อื่น" },
    ApplicationClosed = "application_closed" { en: "The application is closed; nothing more can happen to it", th: "คำขอนี้สิ้นสุดแล้ว ไม่สามารถดำเนินการใดได้อีก" },
    NotFirstStep = "not_first_step" { en: "An application is submitted once, as its first step", th: "คำขอยื่นได้ครั้งเดียวเป็นขั้นตอนแรก" },
    FeeAlreadyIssued = "fee_already_issued" { en: "The fee was already issued", th: "ออกใบแจ้งค่าธรรมเนียมแล้ว" },
    FeeNotIssued = "fee_not_issued" { en: "No fee has been issued yet", th: "ยังไม่ได้ออกใบแจ้งค่าธรรมเนียม" },
    FeeAlreadyPaid = "fee_already_paid" { en: "The fee is already paid", th: "ชำระค่าธรรมเนียมแล้ว" },
    FeeNotPaid = "fee_not_paid" { en: "The fee is not paid yet", th: "ยังไม่ได้ชำระค่าธรรมเนียม" },
    PaidAfterDeadline = "paid_after_deadline" { en: "The fee was paid after its deadline", th: "ชำระค่าธรรมเนียมหลังกำหนด" },
    DeadlineNotReached = "deadline_not_reached" { en: "The fee may still be paid", th: "ยังอยู่ในกำหนดชำระค่าธรรมเนียม" },
    DatedInFuture = "dated_in_future" { en: "The step is dated in the future", th: "วันเวลาของขั้นตอนนี้อยู่ในอนาคต" },
    IdentityNotVerified = "identity_not_verified" { en: "The worker's identity is not verified yet", th: "ยังไม่ได้ยืนยันตัวตนของแรงงาน" },
    IdentityAlreadyVerified = "identity_already_verified" { en: "The worker's identity is already verified", th: "ยืนยันตัวตนของแรงงานแล้ว" },
    ReviewStarted = "review_started" { en: "The review has started; identity can no longer be verified", th: "เริ่มการพิจารณาแล้ว ไม่สามารถยืนยันตัวตนได้อีก" },
    AlreadyUnderReview = "already_under_review" { en: "The review has already started", th: "เริ่มการพิจารณาแล้ว" },
    NotUnderReview = "not_under_review" { en: "The review has not started", th: "ยังไม่ได้เริ่มการพิจารณา" },
    InfoAlreadyRequested = "info_already_requested" { en: "Information was already requested", th: "ได้ขอข้อมูลเพิ่มเติมไปแล้ว" },
    NoInfoRequested = "no_info_requested" { en: "No information was requested", th: "ไม่ได้มีการขอข้อมูลเพิ่มเติม" },
    AwaitingInfo = "awaiting_info" { en: "The information asked for has not been provided yet", th: "ยังไม่ได้รับข้อมูลเพิ่มเติมที่ขอไว้" },
    AlreadyApproved = "already_approved" { en: "The application is approved", th: "คำขอได้รับอนุมัติแล้ว" },
    NotApproved = "not_approved" { en: "The application is not approved", th: "คำขอยังไม่ได้รับอนุมัติ" },
    InvalidDocument = "invalid_document" { en: "The document is not a whole PDF, JPEG or PNG file", th: "เอกสารไม่ใช่ไฟล์ PDF, JPEG หรือ PNG ที่สมบูรณ์" },
    TooManyDocuments = "too_many_documents" { en: "The application holds as many documents as it may", th: "คำขอนี้มีเอกสารแนบครบจำนวนสูงสุดแล้ว" },
    FeeOverdue = "fee_overdue" { en: "The fee's deadline has passed", th: "เลยกำหนดชำระค่าธรรมเนียมแล้ว" },
    TooManyAttempts = "too_many_attempts" { en: "Too many wrong answers; try again later", th: "ตอบผิดหลายครั้งเกินไป โปรดลองใหม่ภายหลัง" },
    BankUnavailable = "bank_unavailable" { en: "The bank's API could not be reached; retry later", th: "ไม่สามารถติดต่อระบบของธนาคารได้ โปรดลองใหม่ภายหลัง" },
    ExchangeUnsigned = "exchange_unsigned" { en: "The request is not signed for the exchange (RFC 9421, tag dwp-exchange)", th: "คำขอไม่ได้ลงลายมือชื่อสำหรับการแลกเปลี่ยนข้อมูล (RFC 9421 แท็ก dwp-exchange)" },
    ExchangeSignatureMalformed = "exchange_signature_malformed" { en: "The Signature-Input or Signature field is malformed", th: "ส่วนหัว Signature-Input หรือ Signature มีรูปแบบไม่ถูกต้อง" },
    ExchangeNotCovered = "exchange_not_covered" { en: "The signature does not cover a component it must cover", th: "ลายมือชื่อไม่ครอบคลุมส่วนประกอบที่กำหนด" },
    ExchangeKeyUnknown = "exchange_key_unknown" { en: "The signature's key is not registered", th: "กุญแจของลายมือชื่อไม่ได้ลงทะเบียนไว้" },
    ExchangeKeyExpired = "exchange_key_expired" { en: "The signature's key is outside its validity", th: "กุญแจของลายมือชื่ออยู่นอกช่วงเวลาที่ใช้ได้" },
    ExchangeSignatureInvalid = "exchange_signature_invalid" { en: "The signature does not verify", th: "ลายมือชื่อไม่ถูกต้อง" },
    ExchangeSignatureStale = "exchange_signature_stale" { en: "The signature was created too long ago, or has expired", th: "ลายมือชื่อสร้างไว้นานเกินไปหรือหมดอายุแล้ว" },
    ExchangeSignatureFuture = "exchange_signature_future" { en: "The signature is dated in the future", th: "ลายมือชื่อลงเวลาในอนาคต" },
    ExchangeWindowTooLong = "exchange_window_too_long" { en: "The signature must expire within 300 seconds of its creation", th: "ลายมือชื่อต้องหมดอายุภายใน 300 วินาทีนับจากเวลาที่สร้าง" },
    ExchangeNonceReplayed = "exchange_nonce_replayed" { en: "The signature's nonce was used already (a replay)", th: "ค่า nonce ของลายมือชื่อถูกใช้ไปแล้ว (การส่งซ้ำ)" },
    ExchangeDigestMissing = "exchange_digest_missing" { en: "Content-Digest (sha-256 or sha-512) is required", th: "ต้องมีส่วนหัว Content-Digest (sha-256 หรือ sha-512)" },
    ExchangeDigestMismatch = "exchange_digest_mismatch" { en: "The Content-Digest does not match the body", th: "ค่า Content-Digest ไม่ตรงกับเนื้อหาของคำขอ" },
    ExchangePurposeRequired = "exchange_purpose_required" { en: "State the purpose (DWP-Purpose)", th: "โปรดระบุวัตถุประสงค์ (DWP-Purpose)" },
    ExchangePurposeNotAllowed = "exchange_purpose_not_allowed" { en: "The agency's key may not state this purpose here", th: "กุญแจของหน่วยงานไม่มีสิทธิ์ใช้วัตถุประสงค์นี้ที่นี่" },
    ExchangeCaseRequired = "exchange_case_required" { en: "State the agency's case number (DWP-Case)", th: "โปรดระบุเลขที่เรื่องของหน่วยงาน (DWP-Case)" },
    ExchangeOfficerRequired = "exchange_officer_required" { en: "Name the agency's officer (DWP-Officer)", th: "โปรดระบุเจ้าหน้าที่ของหน่วยงาน (DWP-Officer)" },
    ExchangeEstateNotAllowed = "exchange_estate_not_allowed" { en: "The agency's key may not speak for this industrial estate", th: "กุญแจของหน่วยงานไม่มีสิทธิ์ดำเนินการแทนนิคมอุตสาหกรรมนี้" },
    PartnerKeyExists = "partner_key_exists" { en: "A partner key with this id is registered already", th: "มีกุญแจของหน่วยงานพันธมิตรที่ใช้รหัสนี้อยู่แล้ว" },
    InvalidPartnerKey = "invalid_partner_key" { en: "The partner key is not valid", th: "ข้อมูลกุญแจของหน่วยงานพันธมิตรไม่ถูกต้อง" },
    InvalidNotification = "invalid_notification" { en: "The notification is not valid", th: "ข้อมูลการแจ้งไม่ถูกต้อง" },
    NotificationConflict = "notification_conflict" { en: "This notification id was received with another body", th: "รหัสการแจ้งนี้เคยได้รับพร้อมเนื้อหาอื่น" },
    LivePermitExists = "live_permit_exists" { en: "The worker already holds a live permit for this employer", th: "แรงงานมีใบอนุญาตที่ยังใช้ได้สำหรับนายจ้างรายนี้อยู่แล้ว" },
    HolderUnknown = "holder_unknown" { en: "No permit is bound to this holder key", th: "ไม่มีใบอนุญาตที่ผูกกับกุญแจของผู้ถือนี้" },
    InternalError = "internal_error" { en: "Internal error", th: "เกิดข้อผิดพลาดภายในระบบ" },
}

impl Code {
    /// Reads an answered code.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<dwp_issuer::lifecycle::TransitionError> for Code {
    fn from(e: dwp_issuer::lifecycle::TransitionError) -> Code {
        use dwp_issuer::lifecycle::TransitionError as E;
        match e {
            E::Revoked => Code::PermitRevoked,
            E::Superseded => Code::PermitSuperseded,
            E::AlreadySuspended => Code::AlreadySuspended,
            E::NotSuspended => Code::NotSuspended,
            E::Suspended => Code::PermitSuspended,
            E::Expired => Code::PermitExpired,
        }
    }
}

impl From<dwp_issuer::application::TransitionError> for Code {
    fn from(e: dwp_issuer::application::TransitionError) -> Code {
        use dwp_issuer::application::TransitionError as E;
        match e {
            E::NotPermitted { .. } => Code::ActionNotPermitted,
            E::Closed { .. } => Code::ApplicationClosed,
            E::NotFirstStep => Code::NotFirstStep,
            E::FeeAlreadyIssued => Code::FeeAlreadyIssued,
            E::FeeNotIssued => Code::FeeNotIssued,
            E::FeeAlreadyPaid => Code::FeeAlreadyPaid,
            E::FeeNotPaid => Code::FeeNotPaid,
            E::PaidAfterDeadline { .. } => Code::PaidAfterDeadline,
            E::DeadlineNotReached { .. } => Code::DeadlineNotReached,
            E::InFuture { .. } => Code::DatedInFuture,
            E::IdentityNotVerified { .. } => Code::IdentityNotVerified,
            E::IdentityAlreadyVerified => Code::IdentityAlreadyVerified,
            E::ReviewStarted => Code::ReviewStarted,
            E::AlreadyUnderReview => Code::AlreadyUnderReview,
            E::NotUnderReview { .. } => Code::NotUnderReview,
            E::InfoAlreadyRequested => Code::InfoAlreadyRequested,
            E::NoInfoRequested => Code::NoInfoRequested,
            E::AwaitingInfo => Code::AwaitingInfo,
            E::AlreadyApproved => Code::AlreadyApproved,
            E::NotApproved => Code::NotApproved,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_application_refusal_is_answered_with_its_own_code() {
        use dwp_issuer::application::{ActionKind, Actor, ApplicationState, TransitionError as E};
        use dwp_verifier::time::UnixTime;
        let t = UnixTime(0);
        let all = [
            E::NotPermitted { action: ActionKind::Approve, actor: Actor::Officer },
            E::Closed { state: ApplicationState::Issued },
            E::NotFirstStep,
            E::FeeAlreadyIssued,
            E::FeeNotIssued,
            E::FeeAlreadyPaid,
            E::FeeNotPaid,
            E::PaidAfterDeadline { deadline: t, paid_at: t },
            E::DeadlineNotReached { deadline: t, now: t },
            E::InFuture { action: ActionKind::ConfirmFee, at: t, now: t },
            E::IdentityNotVerified { action: ActionKind::Approve },
            E::IdentityAlreadyVerified,
            E::ReviewStarted,
            E::AlreadyUnderReview,
            E::NotUnderReview { action: ActionKind::Approve },
            E::InfoAlreadyRequested,
            E::NoInfoRequested,
            E::AwaitingInfo,
            E::AlreadyApproved,
            E::NotApproved,
        ];
        for e in all {
            assert_eq!(Code::from(e).as_str(), e.code(), "{e:?}");
        }
    }

    #[test]
    fn codes_are_distinct_read_back_and_titled() {
        let mut seen = std::collections::BTreeSet::new();
        for &c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(Code::parse(c.as_str()), Some(c));
            assert!(c.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{c}");
            let t = c.title();
            assert!(!t.en.is_empty() && !t.th.is_empty(), "{c} has no title");
            assert!(t.th.chars().any(|ch| ('\u{0E00}'..='\u{0E7F}').contains(&ch)), "{c}: the Thai title is not Thai");
        }
        assert_eq!(Code::parse("no_such_code"), None);
    }

    #[test]
    fn every_lifecycle_refusal_has_its_code() {
        use dwp_issuer::lifecycle::TransitionError as E;
        for e in [E::Revoked, E::Superseded, E::AlreadySuspended, E::NotSuspended, E::Suspended, E::Expired] {
            assert_eq!(Code::from(e).as_str(), e.code(), "the issuer crate and the registry name {e:?} alike");
        }
    }
}
