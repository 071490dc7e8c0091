//! Every text of a verdict in the five languages workers and inspectors read:
//! Thai, English, Burmese (Unicode, never Zawgyi), Lao and Khmer. One table,
//! keyed by [`ReasonCode`]: each code's title and sentence sit together, and
//! every language is a required field, so a text left unwritten does not compile.
//!
//! The Burmese, Lao and Khmer texts await a native speaker's review
//! (`web/i18n/STATUS.md`).

use serde_json::{Value, json};

use crate::report::ReasonCode;

/// The languages of every text, in the order the pages offer them.
pub const LANGUAGES: [&str; 5] = ["th", "en", "my", "lo", "km"];

/// A text in each language of the verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// ไทย.
    pub th: &'static str,
    /// English.
    pub en: &'static str,
    /// မြန်မာ, in Unicode (vowel signs and medials stored after their consonant).
    pub my: &'static str,
    /// ລາວ.
    pub lo: &'static str,
    /// ខ្មែរ.
    pub km: &'static str,
}

impl Text {
    /// The text in `lang` (one of [`LANGUAGES`]).
    pub fn get(&self, lang: &str) -> Option<&'static str> {
        match lang {
            "th" => Some(self.th),
            "en" => Some(self.en),
            "my" => Some(self.my),
            "lo" => Some(self.lo),
            "km" => Some(self.km),
            _ => None,
        }
    }

    /// As JSON: `{th, en, my, lo, km}`.
    pub fn to_json(&self) -> Value {
        json!({ "th": self.th, "en": self.en, "my": self.my, "lo": self.lo, "km": self.km })
    }
}

/// The title and sentence of a valid verdict.
pub const VALID: (Text, Text) = (
    Text {
        th: "ถูกต้อง", en: "VALID", my: "မှန်ကန်သည်", lo: "ຖືກຕ້ອງ", km: "ត្រឹមត្រូវ"
    },
    Text {
        th: "ใบอนุญาตทำงานถูกต้อง",
        en: "Valid work permit.",
        my: "အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ် မှန်ကန်ပါသည်။",
        lo: "ໃບອະນຸຍາດເຮັດວຽກຖືກຕ້ອງ",
        km: "លិខិតអនុញ្ញាតការងារត្រឹមត្រូវ។",
    },
);

impl ReasonCode {
    /// The verdict's title: a few words, shown large.
    pub fn title(self) -> Text {
        self.texts().0
    }

    /// What the code means, in a sentence.
    pub fn message(self) -> Text {
        self.texts().1
    }

    /// The title and the sentence: the one table of reason-code texts.
    fn texts(self) -> (Text, Text) {
        match self {
            Self::Malformed => (
                Text {
                    th: "อ่านไม่ได้", en: "UNREADABLE", my: "ဖတ်၍မရပါ", lo: "ອ່ານບໍ່ໄດ້", km: "អានមិនបាន"
                },
                Text {
                    th: "คิวอาร์โค้ดเสียหายหรือไม่ใช่ใบอนุญาตทำงาน",
                    en: "The QR code is damaged or is not a work permit.",
                    my: "QR ကုဒ် ပျက်စီးနေသည် သို့မဟုတ် အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ် မဟုတ်ပါ။",
                    lo: "ລະຫັດ QR ເສຍຫາຍ ຫຼື ບໍ່ແມ່ນໃບອະນຸຍາດເຮັດວຽກ",
                    km: "កូដ QR ខូច ឬមិនមែនជាលិខិតអនុញ្ញាតការងារ។",
                },
            ),
            Self::UnknownIssuer => (
                Text {
                    th: "ผู้ออกไม่อยู่ในรายชื่อที่เชื่อถือได้",
                    en: "UNKNOWN ISSUER",
                    my: "ထုတ်ပေးသူကို မသိပါ",
                    lo: "ບໍ່ຮູ້ຈັກຜູ້ອອກ",
                    km: "មិនស្គាល់អ្នកចេញ",
                },
                Text {
                    th: "ออกโดยหน่วยงานที่ไม่อยู่ในรายชื่อที่เชื่อถือได้",
                    en: "Issued by an authority this verifier does not trust.",
                    my: "ယုံကြည်ရသူ စာရင်းတွင် မပါသော အဖွဲ့အစည်းက ထုတ်ပေးထားသည်။",
                    lo: "ອອກໂດຍໜ່ວຍງານທີ່ບໍ່ຢູ່ໃນລາຍຊື່ທີ່ເຊື່ອຖືໄດ້",
                    km: "ចេញដោយស្ថាប័នដែលមិនមាននៅក្នុងបញ្ជីដែលអាចទុកចិត្តបាន។",
                },
            ),
            Self::WrongIssuer => (
                Text {
                    th: "กุญแจไม่ใช่ของผู้ออก",
                    en: "WRONG ISSUER KEY",
                    my: "ထုတ်ပေးသူ၏ သော့ မဟုတ်ပါ",
                    lo: "ກະແຈບໍ່ແມ່ນຂອງຜູ້ອອກ",
                    km: "សោមិនមែនជារបស់អ្នកចេញ",
                },
                Text {
                    th: "ลงนามด้วยกุญแจของหน่วยงานอื่น",
                    en: "Signed with a key of another authority.",
                    my: "အခြားအဖွဲ့အစည်း၏ သော့ဖြင့် လက်မှတ်ထိုးထားသည်။",
                    lo: "ລົງນາມດ້ວຍກະແຈຂອງໜ່ວຍງານອື່ນ",
                    km: "បានចុះហត្ថលេខាដោយសោរបស់ស្ថាប័នផ្សេង។",
                },
            ),
            Self::UnknownKey => (
                Text {
                    th: "ไม่รู้จักกุญแจที่ลงนาม",
                    en: "UNKNOWN KEY",
                    my: "မသိသော သော့",
                    lo: "ບໍ່ຮູ້ຈັກກະແຈທີ່ລົງນາມ",
                    km: "មិនស្គាល់សោចុះហត្ថលេខា",
                },
                Text {
                    th: "ลงนามด้วยกุญแจที่ไม่อยู่ในรายชื่อที่เชื่อถือได้",
                    en: "Signed with a key the trust list does not hold.",
                    my: "ယုံကြည်ရသူ စာရင်းတွင် မပါသော သော့ဖြင့် လက်မှတ်ထိုးထားသည်။",
                    lo: "ລົງນາມດ້ວຍກະແຈທີ່ບໍ່ຢູ່ໃນລາຍຊື່ທີ່ເຊື່ອຖືໄດ້",
                    km: "បានចុះហត្ថលេខាដោយសោដែលមិនមាននៅក្នុងបញ្ជីដែលអាចទុកចិត្តបាន។",
                },
            ),
            Self::KeyRevoked => (
                Text {
                    th: "ลงนามหลังกุญแจถูกเพิกถอน",
                    en: "SIGNED AFTER KEY WITHDRAWN",
                    my: "သော့ ရုပ်သိမ်းပြီးနောက် လက်မှတ်ထိုးထားသည်",
                    lo: "ລົງນາມຫຼັງກະແຈຖືກເພີກຖອນ",
                    km: "ចុះហត្ថលេខាក្រោយសោត្រូវបានដកហូត",
                },
                Text {
                    th: "ลงนามเมื่อหรือหลังเวลาที่กุญแจถูกเพิกถอนเพราะรั่วไหล อาจเป็นของปลอม ใบอนุญาตที่แท้จริงจะออกใหม่ด้วยกุญแจใหม่",
                    en: "Signed at or after the time its key was withdrawn as compromised: it may be forged. A genuine permit is reissued with a new key.",
                    my: "သော့ ပေါက်ကြားသဖြင့် ရုပ်သိမ်းသည့် အချိန်တွင် သို့မဟုတ် ၎င်းနောက်ပိုင်းတွင် လက်မှတ်ထိုးထားသည်။ အတု ဖြစ်နိုင်သည်။ စစ်မှန်သော အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ်ကို သော့အသစ်ဖြင့် ပြန်ထုတ်ပေးသည်။",
                    lo: "ລົງນາມໃນ ຫຼື ຫຼັງເວລາທີ່ກະແຈຖືກເພີກຖອນຍ້ອນຮົ່ວໄຫຼ ອາດເປັນຂອງປອມ. ໃບອະນຸຍາດແທ້ຈະອອກໃໝ່ດ້ວຍກະແຈໃໝ່",
                    km: "បានចុះហត្ថលេខានៅពេល ឬក្រោយពេលដែលសោត្រូវបានដកហូតដោយសារលេចធ្លាយ៖ អាចជាលិខិតក្លែងក្លាយ។ លិខិតអនុញ្ញាតពិតប្រាកដត្រូវចេញឡើងវិញដោយសោថ្មី។",
                },
            ),
            Self::KeyNotValid => (
                Text {
                    th: "ลงนามนอกช่วงเวลาของกุญแจ",
                    en: "KEY NOT VALID",
                    my: "သော့၏ သက်တမ်းပြင်ပ",
                    lo: "ລົງນາມນອກຊ່ວງເວລາຂອງກະແຈ",
                    km: "សោមិនមានសុពលភាព",
                },
                Text {
                    th: "ลงนามนอกช่วงเวลาที่กุญแจใช้งานได้",
                    en: "Signed outside the signing key's period of use.",
                    my: "သော့ကို အသုံးပြုခွင့်ရှိသော ကာလပြင်ပတွင် လက်မှတ်ထိုးထားသည်။",
                    lo: "ລົງນາມນອກຊ່ວງເວລາທີ່ກະແຈໃຊ້ງານໄດ້",
                    km: "បានចុះហត្ថលេខាក្រៅរយៈពេលប្រើប្រាស់របស់សោ។",
                },
            ),
            Self::CategoryNotAllowed => (
                Text {
                    th: "ผู้ออกไม่มีอำนาจออกประเภทนี้",
                    en: "CATEGORY NOT ALLOWED",
                    my: "ဤအမျိုးအစားကို ခွင့်မပြုပါ",
                    lo: "ບໍ່ອະນຸຍາດປະເພດນີ້",
                    km: "ប្រភេទនេះមិនត្រូវបានអនុញ្ញាត",
                },
                Text {
                    th: "หน่วยงานนี้ไม่มีอำนาจออกใบอนุญาตประเภทนี้",
                    en: "The issuer may not issue this kind of permit.",
                    my: "ဤအဖွဲ့အစည်းသည် ဤအမျိုးအစား အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ်ကို ထုတ်ပေးခွင့် မရှိပါ။",
                    lo: "ໜ່ວຍງານນີ້ບໍ່ມີອຳນາດອອກໃບອະນຸຍາດປະເພດນີ້",
                    km: "ស្ថាប័ននេះគ្មានសិទ្ធិចេញលិខិតអនុញ្ញាតប្រភេទនេះទេ។",
                },
            ),
            Self::BadSignature => (
                Text {
                    th: "ลายมือชื่อไม่ถูกต้อง",
                    en: "BAD SIGNATURE",
                    my: "လက်မှတ် မမှန်ကန်ပါ",
                    lo: "ລາຍເຊັນບໍ່ຖືກຕ້ອງ",
                    km: "ហត្ថលេខាមិនត្រឹមត្រូវ",
                },
                Text {
                    th: "ลายมือชื่อดิจิทัลไม่ถูกต้อง ใบอนุญาตถูกแก้ไขหรือปลอมแปลง",
                    en: "The signature is invalid: the permit was altered or forged.",
                    my: "ဒစ်ဂျစ်တယ်လက်မှတ် မမှန်ကန်ပါ။ အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ်ကို ပြင်ဆင်ထားသည် သို့မဟုတ် အတုလုပ်ထားသည်။",
                    lo: "ລາຍເຊັນດິຈິຕອນບໍ່ຖືກຕ້ອງ ໃບອະນຸຍາດຖືກແກ້ໄຂ ຫຼື ປອມແປງ",
                    km: "ហត្ថលេខាឌីជីថលមិនត្រឹមត្រូវ៖ លិខិតអនុញ្ញាតត្រូវបានកែប្រែ ឬក្លែងបន្លំ។",
                },
            ),
            Self::NotYetValid => (
                Text {
                    th: "ยังไม่มีผล", en: "NOT YET VALID", my: "အကျုံးမဝင်သေးပါ", lo: "ຍັງບໍ່ມີຜົນ", km: "មិនទាន់មានសុពលភាព"
                },
                Text {
                    th: "ใบอนุญาตยังไม่เริ่มมีผล",
                    en: "The permit is not valid yet.",
                    my: "အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ်သည် အကျုံးမဝင်သေးပါ။",
                    lo: "ໃບອະນຸຍາດຍັງບໍ່ທັນມີຜົນໃຊ້ໄດ້",
                    km: "លិខិតអនុញ្ញាតមិនទាន់មានសុពលភាពនៅឡើយទេ។",
                },
            ),
            Self::Expired => (
                Text {
                    th: "หมดอายุ", en: "EXPIRED", my: "သက်တမ်းကုန်ပြီ", lo: "ໝົດອາຍຸ", km: "ផុតសុពលភាព"
                },
                Text {
                    th: "ใบอนุญาตหมดอายุแล้ว",
                    en: "The permit has expired.",
                    my: "အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ် သက်တမ်းကုန်ဆုံးသွားပြီ။",
                    lo: "ໃບອະນຸຍາດໝົດອາຍຸແລ້ວ",
                    km: "លិខិតអនុញ្ញាតបានផុតសុពលភាពហើយ។",
                },
            ),
            Self::StatusListInvalid => (
                Text {
                    th: "ข้อมูลสถานะใช้ไม่ได้",
                    en: "STATUS INVALID",
                    my: "အခြေအနေ အချက်အလက် မမှန်ကန်ပါ",
                    lo: "ຂໍ້ມູນສະຖານະໃຊ້ບໍ່ໄດ້",
                    km: "ព័ត៌មានស្ថានភាពមិនត្រឹមត្រូវ",
                },
                Text {
                    th: "ข้อมูลสถานะไม่ถูกต้องหรือไม่น่าเชื่อถือ",
                    en: "The status information is invalid or not trusted.",
                    my: "အခြေအနေ အချက်အလက်သည် မမှန်ကန်ပါ သို့မဟုတ် ယုံကြည်၍မရပါ။",
                    lo: "ຂໍ້ມູນສະຖານະບໍ່ຖືກຕ້ອງ ຫຼື ບໍ່ໜ້າເຊື່ອຖື",
                    km: "ព័ត៌មានស្ថានភាពមិនត្រឹមត្រូវ ឬមិនអាចទុកចិត្តបាន។",
                },
            ),
            Self::StatusUnknown => (
                Text {
                    th: "ไม่ทราบสถานะ", en: "STATUS UNKNOWN", my: "အခြေအနေ မသိရပါ", lo: "ບໍ່ຮູ້ສະຖານະ", km: "មិនដឹងស្ថានភាព"
                },
                Text {
                    th: "ไม่มีข้อมูลสถานะของใบอนุญาตนี้ กรุณาปรับปรุงชุดข้อมูลตรวจสอบ",
                    en: "No status information for this permit; update the verifier bundle.",
                    my: "ဤအလုပ်လုပ်ကိုင်ခွင့်လက်မှတ်အတွက် အခြေအနေ အချက်အလက် မရှိပါ။ စစ်ဆေးရေး ဒေတာကို အပ်ဒိတ်လုပ်ပါ။",
                    lo: "ບໍ່ມີຂໍ້ມູນສະຖານະຂອງໃບອະນຸຍາດນີ້ ກະລຸນາປັບປຸງຊຸດຂໍ້ມູນກວດສອບ",
                    km: "គ្មានព័ត៌មានស្ថានភាពសម្រាប់លិខិតអនុញ្ញាតនេះទេ។ សូមធ្វើបច្ចុប្បន្នភាពទិន្នន័យផ្ទៀងផ្ទាត់។",
                },
            ),
            Self::Revoked => (
                Text {
                    th: "ถูกเพิกถอน", en: "REVOKED", my: "ရုပ်သိမ်းထားသည်", lo: "ຖືກເພີກຖອນ", km: "ត្រូវបានដកហូត"
                },
                Text {
                    th: "ใบอนุญาตถูกเพิกถอนแล้ว",
                    en: "The permit has been revoked.",
                    my: "အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ်ကို ရုပ်သိမ်းလိုက်ပြီ။",
                    lo: "ໃບອະນຸຍາດຖືກເພີກຖອນແລ້ວ",
                    km: "លិខិតអនុញ្ញាតត្រូវបានដកហូតហើយ។",
                },
            ),
            Self::StatusStale => (
                Text {
                    th: "ข้อมูลสถานะเก่าเกินไป",
                    en: "STATUS TOO OLD",
                    my: "အခြေအနေ အချက်အလက် ဟောင်းလွန်းသည်",
                    lo: "ຂໍ້ມູນສະຖານະເກົ່າເກີນໄປ",
                    km: "ព័ត៌មានស្ថានភាពចាស់ពេក",
                },
                Text {
                    th: "ข้อมูลสถานะเก่าเกินไปสำหรับการตรวจนี้ กรุณาปรับปรุงชุดข้อมูลตรวจสอบ",
                    en: "Status information is too old for this check; update the verifier bundle.",
                    my: "ဤစစ်ဆေးမှုအတွက် အခြေအနေ အချက်အလက် ဟောင်းလွန်းသည်။ စစ်ဆေးရေး ဒေတာကို အပ်ဒိတ်လုပ်ပါ။",
                    lo: "ຂໍ້ມູນສະຖານະເກົ່າເກີນໄປສຳລັບການກວດນີ້ ກະລຸນາປັບປຸງຊຸດຂໍ້ມູນກວດສອບ",
                    km: "ព័ត៌មានស្ថានភាពចាស់ពេកសម្រាប់ការត្រួតពិនិត្យនេះ។ សូមធ្វើបច្ចុប្បន្នភាពទិន្នន័យផ្ទៀងផ្ទាត់។",
                },
            ),
            Self::Suspended => (
                Text {
                    th: "ถูกพักใช้", en: "SUSPENDED", my: "ယာယီ ဆိုင်းငံ့ထားသည်", lo: "ຖືກໂຈະ", km: "ត្រូវបានផ្អាក"
                },
                Text {
                    th: "ใบอนุญาตถูกพักใช้",
                    en: "The permit is suspended.",
                    my: "အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ်ကို ယာယီ ဆိုင်းငံ့ထားသည်။",
                    lo: "ໃບອະນຸຍາດຖືກໂຈະການນຳໃຊ້",
                    km: "លិខិតអនុញ្ញាតត្រូវបានផ្អាកជាបណ្ដោះអាសន្ន។",
                },
            ),
            // The holder codes (SPEC §12).
            Self::HolderProofStale => (
                Text {
                    th: "อาจเป็นภาพหน้าจอ",
                    en: "MAY BE A SCREENSHOT",
                    my: "ဖန်သားပြင်ဓာတ်ပုံ ဖြစ်နိုင်သည်",
                    lo: "ອາດເປັນຮູບໜ້າຈໍ",
                    km: "អាចជារូបថតអេក្រង់",
                },
                Text {
                    th: "หลักฐานจากโทรศัพท์ของผู้ถือเก่าเกินไป อาจเป็นภาพหน้าจอ กรุณาตรวจหนังสือเดินทาง",
                    en: "The proof from the holder's phone is too old: this may be a screenshot. Check the passport.",
                    my: "ကိုင်ဆောင်သူ၏ ဖုန်းမှ အထောက်အထားသည် ဟောင်းလွန်းသည်။ ဖန်သားပြင်ဓာတ်ပုံ ဖြစ်နိုင်သည်။ နိုင်ငံကူးလက်မှတ်ကို စစ်ဆေးပါ။",
                    lo: "ຫຼັກຖານຈາກໂທລະສັບຂອງຜູ້ຖືເກົ່າເກີນໄປ ອາດເປັນຮູບໜ້າຈໍ. ກະລຸນາກວດໜັງສືຜ່ານແດນ.",
                    km: "ភស្តុតាងពីទូរស័ព្ទរបស់អ្នកកាន់ចាស់ពេក អាចជារូបថតអេក្រង់។ សូមពិនិត្យលិខិតឆ្លងដែន។",
                },
            ),
            Self::HolderProofMissing => (
                Text {
                    th: "ไม่ได้แสดงจากโทรศัพท์ของผู้ถือ",
                    en: "NOT SHOWN FROM THE HOLDER'S PHONE",
                    my: "ကိုင်ဆောင်သူ၏ ဖုန်းမှ ပြသခြင်း မဟုတ်ပါ",
                    lo: "ບໍ່ໄດ້ສະແດງຈາກໂທລະສັບຂອງຜູ້ຖື",
                    km: "មិនបានបង្ហាញពីទូរស័ព្ទរបស់អ្នកកាន់",
                },
                Text {
                    th: "ใบอนุญาตนี้ผูกกับโทรศัพท์ของผู้ถือ แต่แสดงโดยไม่มีหลักฐานจากโทรศัพท์ อาจเป็นสำเนา กรุณาตรวจหนังสือเดินทาง",
                    en: "This permit is bound to the holder's phone but was shown without its proof: it may be a copy. Check the passport.",
                    my: "ဤပါမစ်သည် ကိုင်ဆောင်သူ၏ ဖုန်းနှင့် ချိတ်ဆက်ထားသော်လည်း ဖုန်းမှ အထောက်အထား မပါဘဲ ပြသထားသည်။ မိတ္တူ ဖြစ်နိုင်သည်။ နိုင်ငံကူးလက်မှတ်ကို စစ်ဆေးပါ။",
                    lo: "ໃບອະນຸຍາດນີ້ຜູກກັບໂທລະສັບຂອງຜູ້ຖື ແຕ່ສະແດງໂດຍບໍ່ມີຫຼັກຖານຈາກໂທລະສັບ ອາດເປັນສຳເນົາ. ກະລຸນາກວດໜັງສືຜ່ານແດນ.",
                    km: "លិខិតអនុញ្ញាតនេះភ្ជាប់នឹងទូរស័ព្ទរបស់អ្នកកាន់ ប៉ុន្តែបានបង្ហាញដោយគ្មានភស្តុតាងពីទូរស័ព្ទ អាចជាច្បាប់ចម្លង។ សូមពិនិត្យលិខិតឆ្លងដែន។",
                },
            ),
            Self::HolderProofInvalid => (
                Text {
                    th: "หลักฐานของผู้ถือไม่ถูกต้อง",
                    en: "HOLDER PROOF INVALID",
                    my: "ကိုင်ဆောင်သူ၏ အထောက်အထား မမှန်ကန်ပါ",
                    lo: "ຫຼັກຖານຂອງຜູ້ຖືບໍ່ຖືກຕ້ອງ",
                    km: "ភស្តុតាងរបស់អ្នកកាន់មិនត្រឹមត្រូវ",
                },
                Text {
                    th: "หลักฐานจากโทรศัพท์ไม่ตรงกับใบอนุญาตนี้หรือผู้ถือ คิวอาร์โค้ดถูกแก้ไขหรือคัดลอกมา",
                    en: "The phone's proof does not match this permit or its holder: the code was altered or copied.",
                    my: "ဖုန်းမှ အထောက်အထားသည် ဤပါမစ် သို့မဟုတ် ၎င်း၏ ကိုင်ဆောင်သူနှင့် မကိုက်ညီပါ။ ကုဒ်ကို ပြင်ဆင်ထားခြင်း သို့မဟုတ် ကူးယူထားခြင်း ဖြစ်သည်။",
                    lo: "ຫຼັກຖານຈາກໂທລະສັບບໍ່ກົງກັບໃບອະນຸຍາດນີ້ ຫຼື ຜູ້ຖື: ລະຫັດຖືກແກ້ໄຂ ຫຼື ສຳເນົາມາ.",
                    km: "ភស្តុតាងពីទូរស័ព្ទមិនត្រូវនឹងលិខិតអនុញ្ញាតនេះ ឬអ្នកកាន់របស់វាទេ៖ កូដត្រូវបានកែប្រែ ឬចម្លង។",
                },
            ),
            // The employer check (`crate::policy::Audience`): a genuine permit, not for this
            // employer or this workplace.
            Self::OtherEmployer => (
                Text {
                    th: "ใบอนุญาตของนายจ้างอื่น",
                    en: "NOT FOR THIS EMPLOYER",
                    my: "ဤအလုပ်ရှင်အတွက် မဟုတ်ပါ",
                    lo: "ບໍ່ແມ່ນສຳລັບນາຍຈ້າງນີ້",
                    km: "មិនមែនសម្រាប់និយោជកនេះ",
                },
                Text {
                    th: "ใบอนุญาตนี้เป็นของจริง แต่ออกให้ทำงานกับนายจ้างอื่น ผู้ถือใช้ใบอนุญาตนี้ทำงานกับบริษัทของท่านไม่ได้",
                    en: "A genuine permit, but for another employer: it does not allow this person to work for your company.",
                    my: "စစ်မှန်သော အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ် ဖြစ်သော်လည်း အခြားအလုပ်ရှင်အတွက် ဖြစ်သည်။ ဤလက်မှတ်ဖြင့် သင့်ကုမ္ပဏီတွင် အလုပ်လုပ်ခွင့် မရှိပါ။",
                    lo: "ໃບອະນຸຍາດແທ້ ແຕ່ອອກໃຫ້ເຮັດວຽກກັບນາຍຈ້າງອື່ນ ຜູ້ຖືໃຊ້ໃບອະນຸຍາດນີ້ເຮັດວຽກກັບບໍລິສັດຂອງທ່ານບໍ່ໄດ້",
                    km: "លិខិតអនុញ្ញាតពិតប្រាកដ ប៉ុន្តែសម្រាប់និយោជកផ្សេង៖ វាមិនអនុញ្ញាតឱ្យអ្នកកាន់ធ្វើការឱ្យក្រុមហ៊ុនរបស់អ្នកទេ។",
                },
            ),
            Self::OtherWorkplace => (
                Text {
                    th: "ใบอนุญาตของสถานที่ทำงานอื่น",
                    en: "NOT FOR THIS WORKPLACE",
                    my: "ဤအလုပ်နေရာအတွက် မဟုတ်ပါ",
                    lo: "ບໍ່ແມ່ນສຳລັບສະຖານທີ່ເຮັດວຽກນີ້",
                    km: "មិនមែនសម្រាប់កន្លែងធ្វើការនេះ",
                },
                Text {
                    th: "ใบอนุญาตนี้เป็นของจริงและเป็นของบริษัทท่าน แต่ระบุสถานที่ทำงานในจังหวัดหรือนิคมอุตสาหกรรมอื่น ใช้ทำงานที่นี่ไม่ได้",
                    en: "A genuine permit for your company, but for work in another province or industrial estate: it does not cover work here.",
                    my: "သင့်ကုမ္ပဏီအတွက် စစ်မှန်သော အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ် ဖြစ်သော်လည်း အခြားပြည်နယ် သို့မဟုတ် စက်မှုဇုန်တွင် အလုပ်လုပ်ရန် ဖြစ်သည်။ ဤနေရာတွင် အလုပ်လုပ်ခွင့် မရှိပါ။",
                    lo: "ໃບອະນຸຍາດແທ້ຂອງບໍລິສັດທ່ານ ແຕ່ລະບຸສະຖານທີ່ເຮັດວຽກຢູ່ແຂວງ ຫຼື ນິຄົມອຸດສາຫະກຳອື່ນ ໃຊ້ເຮັດວຽກຢູ່ນີ້ບໍ່ໄດ້",
                    km: "លិខិតអនុញ្ញាតពិតប្រាកដសម្រាប់ក្រុមហ៊ុនរបស់អ្នក ប៉ុន្តែសម្រាប់ធ្វើការនៅខេត្ត ឬតំបន់ឧស្សាហកម្មផ្សេង៖ វាមិនគ្របដណ្ដប់ការងារនៅទីនេះទេ។",
                },
            ),
        }
    }
}

/// Every reason code's title and sentence, and the valid verdict's, as JSON:
/// `{"valid": {title, message}, "<code>": {title, message}, …}` (for the pages' tests
/// and for texts shown before any verdict).
pub fn all_texts() -> Value {
    let mut all = json!({ "valid": { "title": VALID.0.to_json(), "message": VALID.1.to_json() } });
    for code in ReasonCode::ALL {
        all[code.as_str()] = json!({ "title": code.title().to_json(), "message": code.message().to_json() });
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text of the table with its name, the valid verdict's included.
    fn every_text() -> Vec<(String, Text)> {
        let mut all = vec![("valid.title".to_string(), VALID.0), ("valid.message".to_string(), VALID.1)];
        for c in ReasonCode::ALL {
            all.push((format!("{}.title", c.as_str()), c.title()));
            all.push((format!("{}.message", c.as_str()), c.message()));
        }
        all
    }

    /// The Unicode block a language's letters come from (ASCII letters such as "QR" aside).
    fn block(lang: &str) -> Option<(u32, u32)> {
        match lang {
            "th" => Some((0x0E00, 0x0E7F)),
            "my" => Some((0x1000, 0x109F)),
            "lo" => Some((0x0E80, 0x0EFF)),
            "km" => Some((0x1780, 0x17FF)),
            _ => None,
        }
    }

    #[test]
    fn every_text_is_written_in_every_language_in_its_own_script() {
        let mut missing = Vec::new();
        for (name, text) in every_text() {
            for lang in LANGUAGES {
                let s = text.get(lang).expect("a language of LANGUAGES");
                if s.trim().is_empty() {
                    missing.push(format!("{name}.{lang}"));
                    continue;
                }
                assert!(unicode_normalization::is_nfc(s), "{name}.{lang} is not NFC");
                assert_eq!(s.trim(), s, "{name}.{lang} has surrounding spaces");
                if let Some((first, last)) = block(lang) {
                    let foreign: Vec<char> =
                        s.chars().filter(|c| !c.is_ascii() && !(first..=last).contains(&u32::from(*c))).collect();
                    assert!(foreign.is_empty(), "{name}.{lang} holds {foreign:?} from another script");
                    assert!(
                        s.chars().any(|c| (first..=last).contains(&u32::from(c))),
                        "{name}.{lang} is not in its script"
                    );
                } else {
                    assert!(s.is_ascii(), "{name}.{lang}");
                }
            }
            for other in ["my", "lo", "km"] {
                assert_ne!(text.get(other), Some(text.en), "{name}.{other} is the English text");
            }
        }
        assert!(missing.is_empty(), "texts not written: {}", missing.join(" "));
        assert_eq!(every_text().len(), 2 * ReasonCode::ALL.len() + 2);
    }

    /// Zawgyi, the legacy Burmese font encoding, stores the vowel sign E (U+1031) and the
    /// medial RA (U+103C) before their consonant, as they are drawn, and uses U+1060..U+1097
    /// for its stacked forms. In Unicode both signs follow a consonant (or a medial).
    #[test]
    fn burmese_is_unicode_not_zawgyi() {
        let is_consonant = |c: char| ('\u{1000}'..='\u{102A}').contains(&c) || c == '\u{103F}';
        let is_medial_or_sign = |c: char| ('\u{102B}'..='\u{103E}').contains(&c);
        for (name, text) in every_text() {
            let chars: Vec<char> = text.my.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                assert!(!('\u{1060}'..='\u{109F}').contains(&c), "{name}.my: U+{:04X} is a Zawgyi form", u32::from(c));
                if c == '\u{1031}' || c == '\u{103C}' || c == '\u{103B}' {
                    let before = i.checked_sub(1).map(|j| chars[j]);
                    assert!(
                        before.is_some_and(|b| is_consonant(b) || (c == '\u{1031}' && is_medial_or_sign(b))),
                        "{name}.my: U+{:04X} at {i} does not follow a consonant (Zawgyi order?)",
                        u32::from(c)
                    );
                }
            }
        }
        assert_eq!("မြန်မာ".chars().nth(1), Some('\u{103C}'), "the medial follows its consonant");
    }

    #[test]
    fn all_texts_names_every_code_in_every_language() {
        let all = all_texts();
        for code in ReasonCode::ALL.iter().map(|c| c.as_str()).chain(["valid"]) {
            for part in ["title", "message"] {
                for lang in LANGUAGES {
                    assert!(all[code][part][lang].as_str().is_some_and(|s| !s.is_empty()), "{code}.{part}.{lang}");
                }
            }
        }
        assert_eq!(all["expired"]["title"]["lo"], "ໝົດອາຍຸ");
    }
}
