//! What the applicant does next, for every state, in the five languages of the
//! registry's readers. Every language is a required field of
//! [`dwp_verifier::i18n::Text`], so a text left unwritten does not compile. The
//! Burmese, Lao and Khmer texts await a native speaker's review
//! (`web/i18n/STATUS.md`).

use dwp_verifier::codes::Category;
use dwp_verifier::i18n::Text;

use super::{ApplicationState, IdentityRule};

/// The placeholder of the fee's due date in the `fee_pending` text: the caller writes the
/// date of [`super::fee_deadline`] in the reader's language in its place.
pub const DUE: &str = "{due}";

/// The applicant's next step for an application in `state` and `category`. After the fee is
/// paid it depends on whether the category requires an identity verification.
pub fn next_step(state: ApplicationState, category: Category, identity: &IdentityRule) -> Text {
    use ApplicationState as S;
    match state {
        S::Submitted => Text {
            th: "รอใบแจ้งชำระค่าธรรมเนียมพร้อมคิวอาร์โค้ด ขณะนี้ยังไม่ต้องทำอะไร",
            en: "Wait for the fee notice with its QR code; nothing else is needed now.",
            my: "QR ကုဒ်ပါသော အခကြေးငွေ ပေးဆောင်ရန် အကြောင်းကြားစာကို စောင့်ပါ။ ယခု အခြား ဘာမှ လုပ်ရန် မလိုပါ။",
            lo: "ລໍຖ້າໃບແຈ້ງຊຳລະຄ່າທຳນຽມພ້ອມລະຫັດ QR ຕອນນີ້ຍັງບໍ່ຕ້ອງເຮັດຫຍັງ",
            km: "រង់ចាំលិខិតជូនដំណឹងបង់ថ្លៃសេវាដែលមានកូដ QR។ ឥឡូវនេះមិនចាំបាច់ធ្វើអ្វីផ្សេងទៀតទេ។",
        },
        S::FeePending => Text {
            th: "ชำระค่าธรรมเนียมโดยสแกนคิวอาร์โค้ดด้วยแอปธนาคารไทยใดก็ได้ ภายใน {due}",
            en: "Pay the fee by scanning the QR with any Thai banking app before {due}.",
            my: "{due} မတိုင်မီ မည်သည့် ထိုင်းဘဏ်အက်ပ်ဖြင့်မဆို QR ကုဒ်ကို စကင်ဖတ်၍ အခကြေးငွေ ပေးဆောင်ပါ။",
            lo: "ຊຳລະຄ່າທຳນຽມໂດຍສະແກນລະຫັດ QR ດ້ວຍແອັບທະນາຄານໄທໃດກໍໄດ້ ກ່ອນ {due}",
            km: "បង់ថ្លៃសេវាដោយស្កេនកូដ QR ជាមួយកម្មវិធីធនាគារថៃណាមួយ មុន {due}។",
        },
        S::FeePaid if identity.requires(category) => Text {
            th: "นำหนังสือเดินทางไปที่ศูนย์บริการเพื่อตรวจสอบตัวตน (ถ่ายรูปและเก็บลายนิ้วมือ)",
            en: "Go to a service centre with the passport for the identity check (photo and fingerprints).",
            my: "အထောက်အထား စစ်ဆေးရန် (ဓာတ်ပုံနှင့် လက်ဗွေ) နိုင်ငံကူးလက်မှတ်ကို ယူ၍ ဝန်ဆောင်မှုစင်တာသို့ သွားပါ။",
            lo: "ນຳໜັງສືຜ່ານແດນໄປທີ່ສູນບໍລິການເພື່ອກວດສອບຕົວຕົນ (ຖ່າຍຮູບ ແລະ ເກັບລາຍນິ້ວມື)",
            km: "យកលិខិតឆ្លងដែនទៅមជ្ឈមណ្ឌលសេវាកម្ម ដើម្បីផ្ទៀងផ្ទាត់អត្តសញ្ញាណ (ថតរូប និងស្កេនស្នាមម្រាមដៃ)។",
        },
        S::FeePaid => Text {
            th: "รอนายทะเบียนเริ่มพิจารณาคำขอ",
            en: "Wait for the registrar to start the review.",
            my: "မှတ်ပုံတင်အရာရှိက လျှောက်လွှာကို စတင်စစ်ဆေးသည်အထိ စောင့်ပါ။",
            lo: "ລໍຖ້ານາຍທະບຽນເລີ່ມພິຈາລະນາຄຳຮ້ອງ",
            km: "រង់ចាំមន្ត្រីចុះបញ្ជីចាប់ផ្ដើមពិនិត្យពាក្យស្នើសុំ។",
        },
        S::IdentityVerified => Text {
            th: "รอผลการพิจารณาของนายทะเบียน",
            en: "Wait for the registrar's decision.",
            my: "မှတ်ပုံတင်အရာရှိ၏ ဆုံးဖြတ်ချက်ကို စောင့်ပါ။",
            lo: "ລໍຖ້າຜົນການພິຈາລະນາຂອງນາຍທະບຽນ",
            km: "រង់ចាំការសម្រេចរបស់មន្ត្រីចុះបញ្ជី។",
        },
        S::UnderReview => Text {
            th: "นายทะเบียนกำลังพิจารณาคำขอ กรุณารอผล",
            en: "The registrar is reviewing the application: wait for the decision.",
            my: "မှတ်ပုံတင်အရာရှိက လျှောက်လွှာကို စစ်ဆေးနေသည်။ ဆုံးဖြတ်ချက်ကို စောင့်ပါ။",
            lo: "ນາຍທະບຽນກຳລັງພິຈາລະນາຄຳຮ້ອງ ກະລຸນາລໍຖ້າຜົນ",
            km: "មន្ត្រីចុះបញ្ជីកំពុងពិនិត្យពាក្យស្នើសុំ៖ សូមរង់ចាំការសម្រេច។",
        },
        S::InfoRequested => Text {
            th: "ส่งข้อมูลที่นายทะเบียนขอ",
            en: "Send the information the registrar asked for.",
            my: "မှတ်ပုံတင်အရာရှိ တောင်းထားသော အချက်အလက်ကို ပေးပို့ပါ။",
            lo: "ສົ່ງຂໍ້ມູນທີ່ນາຍທະບຽນຮ້ອງຂໍ",
            km: "ផ្ញើព័ត៌មានដែលមន្ត្រីចុះបញ្ជីបានស្នើសុំ។",
        },
        S::Approved => Text {
            th: "คำขอได้รับอนุมัติแล้ว รอให้ใบอนุญาตเข้ามาในวอลเล็ตบนโทรศัพท์",
            en: "The application is approved: wait for the permit to arrive in the wallet.",
            my: "လျှောက်လွှာကို အတည်ပြုပြီးပါပြီ။ အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ် ဖုန်းထဲရှိ ဝေါလက်သို့ ရောက်လာသည်အထိ စောင့်ပါ။",
            lo: "ຄຳຮ້ອງໄດ້ຮັບການອະນຸມັດແລ້ວ ລໍຖ້າໃບອະນຸຍາດເຂົ້າມາໃນວໍເລັດໃນໂທລະສັບ",
            km: "ពាក្យស្នើសុំត្រូវបានអនុម័តហើយ៖ រង់ចាំលិខិតអនុញ្ញាតចូលមកក្នុងកាបូបឌីជីថលក្នុងទូរស័ព្ទ។",
        },
        S::Issued => Text {
            th: "ใบอนุญาตพร้อมแล้ว เปิดดูได้ในวอลเล็ตบนโทรศัพท์",
            en: "The permit is ready: open it in the wallet.",
            my: "အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ် အဆင်သင့်ဖြစ်ပါပြီ။ ဖုန်းထဲရှိ ဝေါလက်တွင် ဖွင့်ကြည့်ပါ။",
            lo: "ໃບອະນຸຍາດພ້ອມແລ້ວ ເປີດເບິ່ງໄດ້ໃນວໍເລັດໃນໂທລະສັບ",
            km: "លិខិតអនុញ្ញាតរួចរាល់ហើយ៖ បើកមើលវានៅក្នុងកាបូបឌីជីថលក្នុងទូរស័ព្ទ។",
        },
        S::Rejected => Text {
            th: "คำขอถูกปฏิเสธ อ่านเหตุผลของนายทะเบียน",
            en: "The application was rejected: read the registrar's reason.",
            my: "လျှောက်လွှာကို ငြင်းပယ်လိုက်သည်။ မှတ်ပုံတင်အရာရှိ၏ အကြောင်းပြချက်ကို ဖတ်ပါ။",
            lo: "ຄຳຮ້ອງຖືກປະຕິເສດ ອ່ານເຫດຜົນຂອງນາຍທະບຽນ",
            km: "ពាក្យស្នើសុំត្រូវបានបដិសេធ៖ សូមអានហេតុផលរបស់មន្ត្រីចុះបញ្ជី។",
        },
        S::Withdrawn => Text {
            th: "คำขอถูกถอนแล้ว หากยังต้องการใบอนุญาต ให้ยื่นคำขอใหม่",
            en: "The application was withdrawn: submit a new one if a permit is still needed.",
            my: "လျှောက်လွှာကို ပြန်လည်ရုပ်သိမ်းလိုက်သည်။ အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ် လိုအပ်သေးပါက လျှောက်လွှာ အသစ် တင်ပါ။",
            lo: "ຄຳຮ້ອງຖືກຖອນແລ້ວ ຖ້າຍັງຕ້ອງການໃບອະນຸຍາດ ໃຫ້ຍື່ນຄຳຮ້ອງໃໝ່",
            km: "ពាក្យស្នើសុំត្រូវបានដកវិញ។ បើនៅតែត្រូវការលិខិតអនុញ្ញាត សូមដាក់ពាក្យស្នើសុំថ្មី។",
        },
        S::ExpiredUnpaid => Text {
            th: "ไม่ได้ชำระค่าธรรมเนียมภายใน 7 วัน ให้ยื่นคำขอใหม่",
            en: "The fee was not paid within 7 days: submit a new application.",
            my: "အခကြေးငွေကို ၇ ရက်အတွင်း မပေးဆောင်ခဲ့ပါ။ လျှောက်လွှာ အသစ် တင်ပါ။",
            lo: "ບໍ່ໄດ້ຊຳລະຄ່າທຳນຽມພາຍໃນ 7 ວັນ ໃຫ້ຍື່ນຄຳຮ້ອງໃໝ່",
            km: "មិនបានបង់ថ្លៃសេវាក្នុងរយៈពេល ៧ ថ្ងៃ៖ សូមដាក់ពាក្យស្នើសុំថ្មី។",
        },
    }
}

#[cfg(test)]
mod tests {
    use dwp_verifier::script::{self, Script};

    use super::*;

    /// The block of a language's letters; English is ASCII.
    fn block(lang: &str) -> Option<Script> {
        match lang {
            "th" => Some(Script::Thai),
            "my" => Some(Script::Myanmar),
            "lo" => Some(Script::Lao),
            "km" => Some(Script::Khmer),
            _ => None,
        }
    }

    #[test]
    fn every_state_has_its_next_step_in_five_languages_each_in_its_script() {
        let with = IdentityRule::default();
        let without = IdentityRule::required_for([]);
        let mut texts = Vec::new();
        for state in ApplicationState::ALL {
            texts.push((state, next_step(state, Category::Section59, &with)));
            texts.push((state, next_step(state, Category::Section59, &without)));
        }
        assert_ne!(
            next_step(ApplicationState::FeePaid, Category::Section59, &with),
            next_step(ApplicationState::FeePaid, Category::Section59, &without)
        );
        for (state, text) in texts {
            let name = state.as_str();
            for lang in dwp_verifier::i18n::LANGUAGES {
                let s = text.get(lang).expect("a language of LANGUAGES");
                assert!(!s.trim().is_empty(), "{name}.{lang} is empty");
                assert_eq!(dwp_verifier::text::check(s, 500), Ok(()), "{name}.{lang}: NFC, no controls, spacing");
                assert_eq!(s.contains(DUE), state == ApplicationState::FeePending, "{name}.{lang}: the due date");
                match block(lang) {
                    Some(script) => {
                        let letters: Vec<Option<Script>> =
                            s.chars().filter(|c| !c.is_ascii()).map(Script::of).collect();
                        assert!(letters.contains(&Some(script)), "{name}.{lang} is not in its script");
                        assert!(
                            letters.iter().all(|l| *l == Some(script)),
                            "{name}.{lang} holds letters of another script"
                        );
                        assert_eq!(script::check_name(s), Ok(()), "{name}.{lang}: one block, Burmese in Unicode");
                        assert_ne!(s, text.en, "{name}.{lang} is the English text");
                    }
                    None => assert!(s.is_ascii() && s.ends_with('.'), "{name}.{lang}"),
                }
            }
        }
    }
}
