//! The verdict as people and programs read it: one list of reason codes
//! ([`ReasonCode`]), their texts in every language the verifier speaks, and the
//! one verdict document that the command line (`dwp verify --json`), the
//! WebAssembly binding (the verifier page) and the batch report are built from
//! (`wallet-spec/SPEC.md` §9). Pure: the caller passes the time.

use serde_json::{Value, json};

use crate::holder::{self, Holder};
use crate::time::UnixTime;
use crate::trust::TrustList;
use crate::verify::{self, Policy, Rejection, StatusCheck, VerifiedPermit};

/// Why a permit is refused, or what a valid one warns of, as a stable code. The only list of
/// codes: [`Rejection::reason`] maps every rejection to one, [`crate::holder::Holder::warning`]
/// gives the amber ones, and every text is keyed by a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReasonCode {
    /// The payload could not be read.
    Malformed,
    /// The issuer is not in the trust list.
    UnknownIssuer,
    /// The key belongs to another DID than the issuer.
    WrongIssuer,
    /// The key is not in the trust list.
    UnknownKey,
    /// The key was withdrawn for compromise.
    KeyRevoked,
    /// Signed outside the key's window.
    KeyNotValid,
    /// The issuer may not sign this category.
    CategoryNotAllowed,
    /// The signature does not verify.
    BadSignature,
    /// Before `validFrom`.
    NotYetValid,
    /// After `validUntil`.
    Expired,
    /// The permit's status list is not usable.
    StatusListInvalid,
    /// No status list for the permit.
    StatusUnknown,
    /// On the revocation list.
    Revoked,
    /// Status older than the policy allows.
    StatusStale,
    /// On the suspension list.
    Suspended,
    /// A warning on a valid permit: the holder's proof is outside the time window (a screenshot?).
    HolderProofStale,
    /// A warning on a valid permit: bound to a holder key, shown without a proof (a copy?).
    HolderProofMissing,
    /// The holder's proof does not verify.
    HolderProofInvalid,
}

/// A text in each language of the verifier: Thai and English always; Burmese,
/// Lao and Khmer where written (`None` is a slot still to be filled, and the
/// test `every_text_is_written` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// ไทย.
    pub th: &'static str,
    /// English.
    pub en: &'static str,
    /// မြန်မာ (Unicode).
    pub my: Option<&'static str>,
    /// ລາວ.
    pub lo: Option<&'static str>,
    /// ខ្មែរ.
    pub km: Option<&'static str>,
}

const fn t(th: &'static str, en: &'static str) -> Text {
    Text { th, en, my: None, lo: None, km: None }
}

/// A text in all five languages.
const fn t5(th: &'static str, en: &'static str, my: &'static str, lo: &'static str, km: &'static str) -> Text {
    Text { th, en, my: Some(my), lo: Some(lo), km: Some(km) }
}

impl Text {
    /// As JSON: `{th, en}` and each other language written.
    pub fn to_json(&self) -> Value {
        let mut v = json!({ "th": self.th, "en": self.en });
        for (lang, text) in [("my", self.my), ("lo", self.lo), ("km", self.km)] {
            if let Some(text) = text {
                v[lang] = text.into();
            }
        }
        v
    }
}

/// The title and sentence of a valid verdict.
pub const VALID: (Text, Text) = (t("ถูกต้อง", "VALID"), t("ใบอนุญาตทำงานถูกต้อง", "Valid work permit."));

impl ReasonCode {
    /// Every code, in the order of verification.
    pub const ALL: [ReasonCode; 18] = [
        Self::Malformed,
        Self::UnknownIssuer,
        Self::WrongIssuer,
        Self::UnknownKey,
        Self::KeyRevoked,
        Self::KeyNotValid,
        Self::CategoryNotAllowed,
        Self::BadSignature,
        Self::NotYetValid,
        Self::Expired,
        Self::StatusListInvalid,
        Self::StatusUnknown,
        Self::Revoked,
        Self::StatusStale,
        Self::Suspended,
        Self::HolderProofStale,
        Self::HolderProofMissing,
        Self::HolderProofInvalid,
    ];

    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownIssuer => "unknown_issuer",
            Self::WrongIssuer => "wrong_issuer",
            Self::UnknownKey => "unknown_key",
            Self::KeyRevoked => "key_revoked",
            Self::KeyNotValid => "key_not_valid",
            Self::CategoryNotAllowed => "category_not_allowed",
            Self::BadSignature => "bad_signature",
            Self::NotYetValid => "not_yet_valid",
            Self::Expired => "expired",
            Self::StatusListInvalid => "status_list_invalid",
            Self::StatusUnknown => "status_unknown",
            Self::Revoked => "revoked",
            Self::StatusStale => "status_stale",
            Self::Suspended => "suspended",
            Self::HolderProofStale => "holder_proof_stale",
            Self::HolderProofMissing => "holder_proof_missing",
            Self::HolderProofInvalid => "holder_proof_invalid",
        }
    }

    /// Reads a code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The verdict's title: a few words, shown large.
    pub fn title(self) -> Text {
        match self {
            Self::Malformed => t("อ่านไม่ได้", "UNREADABLE"),
            Self::UnknownIssuer => t("ผู้ออกไม่อยู่ในรายชื่อที่เชื่อถือได้", "UNKNOWN ISSUER"),
            Self::WrongIssuer => t("กุญแจไม่ใช่ของผู้ออก", "WRONG ISSUER KEY"),
            Self::UnknownKey => t("ไม่รู้จักกุญแจที่ลงนาม", "UNKNOWN KEY"),
            Self::KeyRevoked => t("กุญแจถูกเพิกถอน", "KEY WITHDRAWN"),
            Self::KeyNotValid => t("ลงนามนอกช่วงเวลาของกุญแจ", "KEY NOT VALID"),
            Self::CategoryNotAllowed => t("ผู้ออกไม่มีอำนาจออกประเภทนี้", "CATEGORY NOT ALLOWED"),
            Self::BadSignature => t("ลายมือชื่อไม่ถูกต้อง", "BAD SIGNATURE"),
            Self::NotYetValid => t("ยังไม่มีผล", "NOT YET VALID"),
            Self::Expired => t("หมดอายุ", "EXPIRED"),
            Self::StatusListInvalid => t("ข้อมูลสถานะใช้ไม่ได้", "STATUS INVALID"),
            Self::StatusUnknown => t("ไม่ทราบสถานะ", "STATUS UNKNOWN"),
            Self::Revoked => t("ถูกเพิกถอน", "REVOKED"),
            Self::StatusStale => t("ข้อมูลสถานะเก่าเกินไป", "STATUS TOO OLD"),
            Self::Suspended => t("ถูกพักใช้", "SUSPENDED"),
            // The holder codes (§12), in every language of the verifier.
            Self::HolderProofStale => {
                t5("อาจเป็นภาพหน้าจอ", "MAY BE A SCREENSHOT", "ဖန်သားပြင်ဓာတ်ပုံ ဖြစ်နိုင်သည်", "ອາດເປັນຮູບໜ້າຈໍ", "អាចជារូបថតអេក្រង់")
            }
            Self::HolderProofMissing => t5(
                "ไม่ได้แสดงจากโทรศัพท์ของผู้ถือ",
                "NOT SHOWN FROM THE HOLDER'S PHONE",
                "ကိုင်ဆောင်သူ၏ ဖုန်းမှ ပြသခြင်း မဟုတ်ပါ",
                "ບໍ່ໄດ້ສະແດງຈາກໂທລະສັບຂອງຜູ້ຖື",
                "មិនបានបង្ហាញពីទូរស័ព្ទរបស់អ្នកកាន់",
            ),
            Self::HolderProofInvalid => t5(
                "หลักฐานของผู้ถือไม่ถูกต้อง",
                "HOLDER PROOF INVALID",
                "ကိုင်ဆောင်သူ၏ အထောက်အထား မမှန်ကန်ပါ",
                "ຫຼັກຖານຂອງຜູ້ຖືບໍ່ຖືກຕ້ອງ",
                "ភស្តុតាងរបស់អ្នកកាន់មិនត្រឹមត្រូវ",
            ),
        }
    }

    /// What the code means, in a sentence.
    pub fn message(self) -> Text {
        match self {
            Self::Malformed => {
                t("คิวอาร์โค้ดเสียหายหรือไม่ใช่ใบอนุญาตทำงาน", "The QR code is damaged or is not a work permit.")
            }
            Self::UnknownIssuer => {
                t("ออกโดยหน่วยงานที่ไม่อยู่ในรายชื่อที่เชื่อถือได้", "Issued by an authority this verifier does not trust.")
            }
            Self::WrongIssuer => t("ลงนามด้วยกุญแจของหน่วยงานอื่น", "Signed with a key of another authority."),
            Self::UnknownKey => {
                t("ลงนามด้วยกุญแจที่ไม่อยู่ในรายชื่อที่เชื่อถือได้", "Signed with a key the trust list does not hold.")
            }
            Self::KeyRevoked => t(
                "กุญแจที่ใช้ลงนามถูกเพิกถอนแล้ว ต้องออกใบอนุญาตใหม่",
                "The signing key was withdrawn; the permit must be reissued.",
            ),
            Self::KeyNotValid => t("ลงนามนอกช่วงเวลาที่กุญแจใช้งานได้", "Signed outside the signing key's period of use."),
            Self::CategoryNotAllowed => {
                t("หน่วยงานนี้ไม่มีอำนาจออกใบอนุญาตประเภทนี้", "The issuer may not issue this kind of permit.")
            }
            Self::BadSignature => t(
                "ลายมือชื่อดิจิทัลไม่ถูกต้อง ใบอนุญาตถูกแก้ไขหรือปลอมแปลง",
                "The signature is invalid: the permit was altered or forged.",
            ),
            Self::NotYetValid => t("ใบอนุญาตยังไม่เริ่มมีผล", "The permit is not valid yet."),
            Self::Expired => t("ใบอนุญาตหมดอายุแล้ว", "The permit has expired."),
            Self::StatusListInvalid => {
                t("ข้อมูลสถานะไม่ถูกต้องหรือไม่น่าเชื่อถือ", "The status information is invalid or not trusted.")
            }
            Self::StatusUnknown => t(
                "ไม่มีข้อมูลสถานะของใบอนุญาตนี้ กรุณาปรับปรุงชุดข้อมูลตรวจสอบ",
                "No status information for this permit; update the verifier bundle.",
            ),
            Self::Revoked => t("ใบอนุญาตถูกเพิกถอนแล้ว", "The permit has been revoked."),
            Self::StatusStale => t(
                "ข้อมูลสถานะเก่าเกินไปสำหรับการตรวจนี้ กรุณาปรับปรุงชุดข้อมูลตรวจสอบ",
                "Status information is too old for this check; update the verifier bundle.",
            ),
            Self::Suspended => t("ใบอนุญาตถูกพักใช้", "The permit is suspended."),
            Self::HolderProofStale => t5(
                "หลักฐานจากโทรศัพท์ของผู้ถือเก่าเกินไป อาจเป็นภาพหน้าจอ กรุณาตรวจหนังสือเดินทาง",
                "The proof from the holder's phone is too old: this may be a screenshot. Check the passport.",
                "ကိုင်ဆောင်သူ၏ ဖုန်းမှ အထောက်အထားသည် ဟောင်းလွန်းသည်။ ဖန်သားပြင်ဓာတ်ပုံ ဖြစ်နိုင်သည်။ နိုင်ငံကူးလက်မှတ်ကို စစ်ဆေးပါ။",
                "ຫຼັກຖານຈາກໂທລະສັບຂອງຜູ້ຖືເກົ່າເກີນໄປ ອາດເປັນຮູບໜ້າຈໍ. ກະລຸນາກວດໜັງສືຜ່ານແດນ.",
                "ភស្តុតាងពីទូរស័ព្ទរបស់អ្នកកាន់ចាស់ពេក អាចជារូបថតអេក្រង់។ សូមពិនិត្យលិខិតឆ្លងដែន។",
            ),
            Self::HolderProofMissing => t5(
                "ใบอนุญาตนี้ผูกกับโทรศัพท์ของผู้ถือ แต่แสดงโดยไม่มีหลักฐานจากโทรศัพท์ อาจเป็นสำเนา กรุณาตรวจหนังสือเดินทาง",
                "This permit is bound to the holder's phone but was shown without its proof: it may be a copy. Check the passport.",
                "ဤပါမစ်သည် ကိုင်ဆောင်သူ၏ ဖုန်းနှင့် ချိတ်ဆက်ထားသော်လည်း ဖုန်းမှ အထောက်အထား မပါဘဲ ပြသထားသည်။ မိတ္တူ ဖြစ်နိုင်သည်။ နိုင်ငံကူးလက်မှတ်ကို စစ်ဆေးပါ။",
                "ໃບອະນຸຍາດນີ້ຜູກກັບໂທລະສັບຂອງຜູ້ຖື ແຕ່ສະແດງໂດຍບໍ່ມີຫຼັກຖານຈາກໂທລະສັບ ອາດເປັນສຳເນົາ. ກະລຸນາກວດໜັງສືຜ່ານແດນ.",
                "លិខិតអនុញ្ញាតនេះភ្ជាប់នឹងទូរស័ព្ទរបស់អ្នកកាន់ ប៉ុន្តែបានបង្ហាញដោយគ្មានភស្តុតាងពីទូរស័ព្ទ អាចជាច្បាប់ចម្លង។ សូមពិនិត្យលិខិតឆ្លងដែន។",
            ),
            Self::HolderProofInvalid => t5(
                "หลักฐานจากโทรศัพท์ไม่ตรงกับใบอนุญาตนี้หรือผู้ถือ คิวอาร์โค้ดถูกแก้ไขหรือคัดลอกมา",
                "The phone's proof does not match this permit or its holder: the code was altered or copied.",
                "ဖုန်းမှ အထောက်အထားသည် ဤပါမစ် သို့မဟုတ် ၎င်း၏ ကိုင်ဆောင်သူနှင့် မကိုက်ညီပါ။ ကုဒ်ကို ပြင်ဆင်ထားခြင်း သို့မဟုတ် ကူးယူထားခြင်း ဖြစ်သည်။",
                "ຫຼັກຖານຈາກໂທລະສັບບໍ່ກົງກັບໃບອະນຸຍາດນີ້ ຫຼື ຜູ້ຖື: ລະຫັດຖືກແກ້ໄຂ ຫຼື ສຳເນົາມາ.",
                "ភស្តុតាងពីទូរស័ព្ទមិនត្រូវនឹងលិខិតអនុញ្ញាតនេះ ឬអ្នកកាន់របស់វាទេ៖ កូដត្រូវបានកែប្រែ ឬចម្លង។",
            ),
        }
    }
}

/// "3 h ago" in English and Thai.
pub fn age_text(as_of: UnixTime, now: UnixTime) -> (String, String) {
    let secs = (now.0 - as_of.0).max(0);
    match secs {
        0..60 => ("just now".into(), "เมื่อสักครู่".into()),
        60..3600 => (format!("{} min ago", secs / 60), format!("{} นาทีที่แล้ว", secs / 60)),
        3600..172_800 => (format!("{} h ago", secs / 3600), format!("{} ชั่วโมงที่แล้ว", secs / 3600)),
        _ => (format!("{} days ago", secs / 86_400), format!("{} วันที่แล้ว", secs / 86_400)),
    }
}

/// A time as people in Thailand read it: `2026-11-24 16:00 (UTC+7)`.
pub fn local_time(t: UnixTime) -> String {
    let s = UnixTime(t.0 + 7 * 3600).to_string();
    format!("{} {} (UTC+7)", &s[..10], &s[11..16])
}

/// The verdict document (`wallet-spec/SPEC.md` §9): `valid`, `reason`,
/// `detail`, `title` and `message` (by language), `explanation` (rejections),
/// `checkedAt`, `policy` (with a bundle), `statusChecked`, `statusAsOf` /
/// `statusAgeSeconds` / `statusFreshness` (when status was read), and `permit`:
/// the displayable fields whenever the signature verified (a valid permit, or
/// one refused for its dates or status), else `null`.
pub fn document(
    payload: &str,
    verdict: &Result<VerifiedPermit, Rejection>,
    trust: &TrustList,
    policy: Option<Policy>,
    now: UnixTime,
) -> Value {
    let mut doc = match verdict {
        Ok(v) => json!({
            "valid": true,
            "reason": null,
            "detail": null,
            "title": VALID.0.to_json(),
            "message": VALID.1.to_json(),
            "checkedAt": now.to_string(),
            "statusChecked": matches!(v.status(), StatusCheck::Fresh { .. }),
            "permit": v.display_fields(),
        }),
        Err(r) => {
            let code = r.reason();
            // After the signature check the content is authentic: show whose permit it is.
            let permit = match holder::decode(payload.trim()) {
                Ok((sp, _)) if r.signature_verified() => {
                    let issuer = trust.issuer(sp.issuance().issuer());
                    verify::display_fields(&sp, issuer.and_then(|i| i.name("en")), issuer.and_then(|i| i.name("th")))
                }
                _ => Value::Null,
            };
            json!({
                "valid": false,
                "reason": code.as_str(),
                "detail": r.detail(),
                "title": code.title().to_json(),
                "message": code.message().to_json(),
                "explanation": r.to_string(),
                "checkedAt": now.to_string(),
                "statusChecked": false,
                "permit": permit,
            })
        }
    };
    if let Some(p) = policy {
        doc["policy"] = p.as_str().into();
    }
    if let Some(as_of) = verify::status_as_of(verdict) {
        let (en, th) = age_text(as_of, now);
        doc["statusAsOf"] = as_of.to_string().into();
        doc["statusAgeSeconds"] = (now.0 - as_of.0).max(0).into();
        doc["statusFreshness"] = json!({
            "en": format!("status as of {}, {en}", local_time(as_of)),
            "th": format!("สถานะ ณ {} ({th})", local_time(as_of)),
        });
    } else {
        doc["statusAsOf"] = Value::Null;
    }
    holder_members(&mut doc, verdict);
    doc
}

/// "shown live from the holder's phone — holder proof 12 s old", in English and Thai.
pub fn holder_age_text(age_secs: i64) -> (String, String) {
    let secs = age_secs.max(0);
    (
        format!("shown live from the holder's phone — holder proof {secs} s old"),
        format!("แสดงสดจากโทรศัพท์ของผู้ถือ — หลักฐานอายุ {secs} วินาที"),
    )
}

/// The holder members of the verdict document (§12): `holder` (`unbound`, `live`, `stale`,
/// `missing`, `invalid`, or `null` when the check was not reached), `holderProofAgeSeconds`,
/// `holderFreshness` (live proofs) and `warning` (the amber code of a valid permit, whose title and
/// message then replace the plain "valid" ones).
fn holder_members(doc: &mut Value, verdict: &Result<VerifiedPermit, Rejection>) {
    let state = match verdict {
        Ok(v) => Some(v.holder()),
        Err(Rejection::HolderProofInvalid { .. }) => {
            doc["holder"] = "invalid".into();
            None
        }
        Err(_) => {
            doc["holder"] = Value::Null;
            None
        }
    };
    doc["warning"] = Value::Null;
    doc["holderProofAgeSeconds"] = Value::Null;
    let Some(h) = state else { return };
    doc["holder"] = h.as_str().into();
    doc["holderProofAgeSeconds"] = h.age_secs().into();
    if let Holder::Live { age_secs } = h {
        let (en, th) = holder_age_text(age_secs);
        doc["holderFreshness"] = json!({ "en": en, "th": th });
    }
    if let Some(code) = h.warning() {
        doc["warning"] = code.as_str().into();
        doc["title"] = code.title().to_json();
        doc["message"] = code.message().to_json();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for c in ReasonCode::ALL {
            assert_eq!(ReasonCode::parse(c.as_str()), Some(c));
        }
        let mut names: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ReasonCode::ALL.len());
        assert_eq!(ReasonCode::parse("valid"), None);
    }

    #[test]
    fn every_text_is_written() {
        let mut pending = Vec::new();
        for c in ReasonCode::ALL {
            for (what, text) in [("title", c.title()), ("message", c.message())] {
                assert!(!text.th.is_empty() && !text.en.is_empty(), "{} {what}", c.as_str());
                for (lang, slot) in [("my", text.my), ("lo", text.lo), ("km", text.km)] {
                    if slot.is_none() {
                        pending.push(format!("{}.{what}.{lang}", c.as_str()));
                    }
                }
            }
        }
        // The Burmese, Lao and Khmer texts arrive with the wallet; until then their slots are listed here.
        if !pending.is_empty() {
            eprintln!("{} texts still to write: {}", pending.len(), pending.join(" "));
        }
    }

    #[test]
    fn ages_read_in_both_languages() {
        assert_eq!(age_text(UnixTime(0), UnixTime(3 * 3600)), ("3 h ago".into(), "3 ชั่วโมงที่แล้ว".into()));
        assert_eq!(local_time(UnixTime(0)), "1970-01-01 07:00 (UTC+7)");
    }
}
