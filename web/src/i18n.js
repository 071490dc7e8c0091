// Labels of the verifier page in the five languages of its readers (same keys in each; the test
// web/test/i18n.mjs fails when one is missing, and `label` refuses a missing key rather than show
// another language). A verdict's title and sentence are not here: they come with the verdict, from
// dwp-verifier's one table of reason codes (verifier/src/i18n.rs).
import { labelIn } from './lang.js';

export const LABELS = {
  th: {
    title: 'ตรวจใบอนุญาตทำงาน', language: 'ภาษา', scan: 'สแกน', photo: 'เปิดรูปภาพ',
    paste: 'หรือวางข้อมูล DWP1:', check: 'ตรวจสอบ', offline: 'ทำงานได้โดยไม่ต้องใช้อินเทอร์เน็ต',
    status_unknown: 'ไม่ทราบสถานะ', rejected: 'ไม่ผ่าน', cannotCheck: 'ตรวจสอบไม่ได้',
    badPolicy: 'ไม่รู้จักนโยบาย "{policy}" ในที่อยู่ของหน้านี้ (ใช้ได้: {policies})',
    statusAsOf: 'สถานะ ณ {date} ({age})', statusNone: 'ยังไม่มีข้อมูลสถานะ — เชื่อมต่ออินเทอร์เน็ตหนึ่งครั้ง',
    bundleAge: 'ข้อมูลสำหรับตรวจสอบ ณ {date} ({age})', bundleKept: 'ไม่รับข้อมูลที่เก่ากว่า: {reason}', downloading: 'กำลังดาวน์โหลดข้อมูลสำหรับตรวจสอบ {kb} kB',
    cameraError: 'เปิดกล้องไม่ได้: {error}', noCode: 'ไม่พบคิวอาร์โค้ดในรูปภาพ', loading: 'กำลังโหลด…',
    permitNumber: 'เลขที่ใบอนุญาต', name: 'ชื่อ', nativeName: 'ชื่อ (ภาษาของผู้ถือ)', nationality: 'สัญชาติ',
    birthDate: 'วันเกิด', document: 'เอกสาร', employer: 'นายจ้าง', workplace: 'สถานที่ทำงาน',
    occupation: 'อาชีพ', validity: 'มีผล', issuer: 'ผู้ออก', validRange: '{from} ถึง {until}',
    ageNow: 'เมื่อสักครู่', ageMin: '{n} นาทีที่แล้ว', ageHours: '{n} ชั่วโมงที่แล้ว', ageDays: '{n} วันที่แล้ว',
  },
  en: {
    title: 'Work permit check', language: 'Language', scan: 'Scan', photo: 'Open a photo',
    paste: 'or paste a DWP1: payload', check: 'Check', offline: 'Works without internet',
    status_unknown: 'STATUS UNKNOWN', rejected: 'REJECTED', cannotCheck: 'CANNOT CHECK',
    badPolicy: 'Unknown policy "{policy}" in this page\'s address (use one of: {policies})',
    statusAsOf: 'status as of {date}, {age}', statusNone: 'No status data yet — connect to the internet once',
    bundleAge: 'Verifier data as of {date} ({age})', bundleKept: 'An older bundle was refused: {reason}', downloading: 'Downloading verifier data: {kb} kB',
    cameraError: 'The camera could not be opened: {error}', noCode: 'No QR code found in the photo', loading: 'Loading…',
    permitNumber: 'Permit', name: 'Name', nativeName: 'Name (own script)', nationality: 'Nationality',
    birthDate: 'Born', document: 'Document', employer: 'Employer', workplace: 'Workplace',
    occupation: 'Occupation', validity: 'Valid', issuer: 'Issuer', validRange: '{from} to {until}',
    ageNow: 'just now', ageMin: '{n} min ago', ageHours: '{n} h ago', ageDays: '{n} days ago',
  },
  my: {
    title: 'အလုပ်လုပ်ကိုင်ခွင့်လက်မှတ် စစ်ဆေးခြင်း', language: 'ဘာသာစကား', scan: 'စကင်ဖတ်ရန်', photo: 'ဓာတ်ပုံ ဖွင့်ရန်',
    paste: 'သို့မဟုတ် DWP1: ဒေတာကို ကူးထည့်ပါ', check: 'စစ်ဆေးရန်', offline: 'အင်တာနက်မလိုဘဲ အသုံးပြုနိုင်သည်',
    status_unknown: 'အခြေအနေ မသိရပါ', rejected: 'လက်မခံပါ', cannotCheck: 'စစ်ဆေး၍မရပါ',
    badPolicy: 'ဤစာမျက်နှာ၏ လိပ်စာတွင် မသိသော မူဝါဒ "{policy}" ပါသည် (အသုံးပြုနိုင်သည်: {policies})',
    statusAsOf: '{date} ({age}) က အခြေအနေ', statusNone: 'အခြေအနေ ဒေတာ မရှိသေးပါ — အင်တာနက်ကို တစ်ကြိမ် ချိတ်ဆက်ပါ',
    bundleAge: '{date} ({age}) က စစ်ဆေးရေး ဒေတာ', bundleKept: 'ပိုဟောင်းသော ဒေတာကို လက်မခံပါ: {reason}', downloading: 'စစ်ဆေးရေး ဒေတာကို ဒေါင်းလုဒ်လုပ်နေသည်: {kb} kB',
    cameraError: 'ကင်မရာကို ဖွင့်၍မရပါ: {error}', noCode: 'ဓာတ်ပုံတွင် QR ကုဒ် မတွေ့ပါ', loading: 'ဖွင့်နေသည်…',
    permitNumber: 'လက်မှတ်အမှတ်', name: 'အမည်', nativeName: 'အမည် (မိခင်ဘာသာ)', nationality: 'နိုင်ငံသား',
    birthDate: 'မွေးသက္ကရာဇ်', document: 'စာရွက်စာတမ်း', employer: 'အလုပ်ရှင်', workplace: 'အလုပ်လုပ်သည့်နေရာ',
    occupation: 'အလုပ်အကိုင်', validity: 'သက်တမ်း', issuer: 'ထုတ်ပေးသူ', validRange: '{from} မှ {until} အထိ',
    ageNow: 'ယခုလေးတင်', ageMin: '{n} မိနစ်က', ageHours: '{n} နာရီက', ageDays: '{n} ရက်က',
  },
  lo: {
    title: 'ກວດໃບອະນຸຍາດເຮັດວຽກ', language: 'ພາສາ', scan: 'ສະແກນ', photo: 'ເປີດຮູບ',
    paste: 'ຫຼື ວາງຂໍ້ມູນ DWP1:', check: 'ກວດສອບ', offline: 'ໃຊ້ໄດ້ໂດຍບໍ່ຕ້ອງມີອິນເຕີເນັດ',
    status_unknown: 'ບໍ່ຮູ້ສະຖານະ', rejected: 'ບໍ່ຜ່ານ', cannotCheck: 'ກວດສອບບໍ່ໄດ້',
    badPolicy: 'ບໍ່ຮູ້ຈັກນະໂຍບາຍ "{policy}" ໃນທີ່ຢູ່ຂອງໜ້ານີ້ (ໃຊ້ໄດ້: {policies})',
    statusAsOf: 'ສະຖານະ ນະ {date} ({age})', statusNone: 'ຍັງບໍ່ມີຂໍ້ມູນສະຖານະ — ເຊື່ອມຕໍ່ອິນເຕີເນັດໜຶ່ງຄັ້ງ',
    bundleAge: 'ຂໍ້ມູນກວດສອບ ນະ {date} ({age})', bundleKept: 'ບໍ່ຮັບຂໍ້ມູນທີ່ເກົ່າກວ່າ: {reason}', downloading: 'ກຳລັງດາວໂຫຼດຂໍ້ມູນກວດສອບ {kb} kB',
    cameraError: 'ເປີດກ້ອງບໍ່ໄດ້: {error}', noCode: 'ບໍ່ພົບລະຫັດ QR ໃນຮູບ', loading: 'ກຳລັງໂຫຼດ…',
    permitNumber: 'ເລກທີໃບອະນຸຍາດ', name: 'ຊື່', nativeName: 'ຊື່ (ພາສາຂອງຜູ້ຖື)', nationality: 'ສັນຊາດ',
    birthDate: 'ວັນເກີດ', document: 'ເອກະສານ', employer: 'ນາຍຈ້າງ', workplace: 'ສະຖານທີ່ເຮັດວຽກ',
    occupation: 'ອາຊີບ', validity: 'ມີຜົນ', issuer: 'ຜູ້ອອກ', validRange: '{from} ຫາ {until}',
    ageNow: 'ຫາກໍ່ນີ້', ageMin: '{n} ນາທີກ່ອນ', ageHours: '{n} ຊົ່ວໂມງກ່ອນ', ageDays: '{n} ມື້ກ່ອນ',
  },
  km: {
    title: 'ពិនិត្យលិខិតអនុញ្ញាតការងារ', language: 'ភាសា', scan: 'ស្កេន', photo: 'បើករូបថត',
    paste: 'ឬបិទភ្ជាប់ទិន្នន័យ DWP1:', check: 'ពិនិត្យ', offline: 'ដំណើរការដោយគ្មានអ៊ីនធឺណិត',
    status_unknown: 'មិនដឹងស្ថានភាព', rejected: 'មិនឆ្លងកាត់', cannotCheck: 'មិនអាចពិនិត្យបាន',
    badPolicy: 'មិនស្គាល់គោលការណ៍ "{policy}" ក្នុងអាសយដ្ឋានទំព័រនេះ (ប្រើបាន៖ {policies})',
    statusAsOf: 'ស្ថានភាពគិតត្រឹម {date} ({age})', statusNone: 'មិនទាន់មានទិន្នន័យស្ថានភាព — សូមភ្ជាប់អ៊ីនធឺណិតម្ដង',
    bundleAge: 'ទិន្នន័យផ្ទៀងផ្ទាត់គិតត្រឹម {date} ({age})', bundleKept: 'បានបដិសេធទិន្នន័យចាស់ជាង៖ {reason}', downloading: 'កំពុងទាញយកទិន្នន័យផ្ទៀងផ្ទាត់ {kb} kB',
    cameraError: 'មិនអាចបើកកាមេរ៉ាបាន៖ {error}', noCode: 'រកមិនឃើញកូដ QR ក្នុងរូបថត', loading: 'កំពុងផ្ទុក…',
    permitNumber: 'លេខលិខិតអនុញ្ញាត', name: 'ឈ្មោះ', nativeName: 'ឈ្មោះ (ភាសាម្ចាស់)', nationality: 'សញ្ជាតិ',
    birthDate: 'ថ្ងៃកំណើត', document: 'ឯកសារ', employer: 'និយោជក', workplace: 'កន្លែងធ្វើការ',
    occupation: 'មុខរបរ', validity: 'សុពលភាព', issuer: 'អ្នកចេញ', validRange: '{from} ដល់ {until}',
    ageNow: 'អម្បាញ់មិញ', ageMin: '{n} នាទីមុន', ageHours: '{n} ម៉ោងមុន', ageDays: '{n} ថ្ងៃមុន',
  },
};

// ---- Holder binding (wallet-spec/SPEC.md §12): the line under a verdict shown from the holder's phone.
// Kept in its own block, in all five languages; merged into LABELS above.
const HOLDER_LABELS = {
  th: { holderLive: 'แสดงสดจากโทรศัพท์ของผู้ถือ — หลักฐานอายุ {age} วินาที' },
  en: { holderLive: 'shown live from the holder\'s phone — holder proof {age} s old' },
  my: { holderLive: 'ကိုင်ဆောင်သူ၏ ဖုန်းမှ တိုက်ရိုက် ပြသထားသည် — အထောက်အထား {age} စက္ကန့် ကြာပြီ' },
  lo: { holderLive: 'ສະແດງສົດຈາກໂທລະສັບຂອງຜູ້ຖື — ຫຼັກຖານອາຍຸ {age} ວິນາທີ' },
  km: { holderLive: 'បង្ហាញផ្ទាល់ពីទូរស័ព្ទរបស់អ្នកកាន់ — ភស្តុតាងមានអាយុ {age} វិនាទី' },
};
for (const [lang, texts] of Object.entries(HOLDER_LABELS)) Object.assign(LABELS[lang], texts);
// ---- end of holder binding

// ---- Employer mode: the company's juristic ID (and optionally its province and industrial estate),
// kept on the device; a permit valid in every other respect for another employer or workplace is
// refused with its own verdict text (from dwp-verifier). Merged into LABELS above.
const EMPLOYER_LABELS = {
  th: {
    employerSetup: 'โหมดนายจ้าง: ตรวจว่าทำงานกับบริษัทเราได้หรือไม่', employerId: 'เลขทะเบียนนิติบุคคล (13 หลัก)',
    employerProvince: 'จังหวัด (ไม่บังคับ เช่น TH-21)', employerEstate: 'รหัสนิคมอุตสาหกรรม (ไม่บังคับ เช่น ESIE)',
    employerSave: 'ใช้โหมดนายจ้าง', employerClear: 'ออกจากโหมดนายจ้าง',
    employerMode: 'โหมดนายจ้าง — ตรวจสำหรับนายจ้าง {id}{place}',
    employerBad_juristic_id: 'เลขทะเบียนนิติบุคคลต้องมี 13 หลักและเลขตรวจสอบถูกต้อง',
    employerBad_province: 'จังหวัดต้องเป็นรหัส ISO 3166-2:TH เช่น TH-10 หรือ TH-21',
    employerBad_industrial_estate: 'รหัสนิคมอุตสาหกรรมต้องเป็นตัวอักษรภาษาอังกฤษตัวใหญ่หรือตัวเลข 2 ถึง 10 ตัว',
  },
  en: {
    employerSetup: 'Employer mode: may this person work for us?', employerId: 'Juristic person ID (13 digits)',
    employerProvince: 'Province (optional, e.g. TH-21)', employerEstate: 'Industrial estate code (optional, e.g. ESIE)',
    employerSave: 'Use employer mode', employerClear: 'Leave employer mode',
    employerMode: 'EMPLOYER MODE — checking for employer {id}{place}',
    employerBad_juristic_id: 'The juristic person ID must be 13 digits with a correct check digit',
    employerBad_province: 'The province must be an ISO 3166-2:TH code such as TH-10 or TH-21',
    employerBad_industrial_estate: 'The industrial estate code must be 2 to 10 capital letters or digits',
  },
  my: {
    employerSetup: 'အလုပ်ရှင် မုဒ်: ဤသူသည် ကျွန်ုပ်တို့ထံတွင် အလုပ်လုပ်ခွင့် ရှိပါသလား', employerId: 'ကုမ္ပဏီ မှတ်ပုံတင်အမှတ် (ဂဏန်း ၁၃ လုံး)',
    employerProvince: 'ပြည်နယ် (မဖြစ်မနေ မလိုပါ၊ ဥပမာ TH-21)', employerEstate: 'စက်မှုဇုန် ကုဒ် (မဖြစ်မနေ မလိုပါ၊ ဥပမာ ESIE)',
    employerSave: 'အလုပ်ရှင် မုဒ်ကို သုံးရန်', employerClear: 'အလုပ်ရှင် မုဒ်မှ ထွက်ရန်',
    employerMode: 'အလုပ်ရှင် မုဒ် — အလုပ်ရှင် {id}{place} အတွက် စစ်ဆေးနေသည်',
    employerBad_juristic_id: 'ကုမ္ပဏီ မှတ်ပုံတင်အမှတ်သည် ဂဏန်း ၁၃ လုံးဖြစ်ပြီး စစ်ဆေးဂဏန်း မှန်ကန်ရမည်',
    employerBad_province: 'ပြည်နယ်သည် TH-10 သို့မဟုတ် TH-21 ကဲ့သို့ ISO 3166-2:TH ကုဒ် ဖြစ်ရမည်',
    employerBad_industrial_estate: 'စက်မှုဇုန် ကုဒ်သည် စာလုံးကြီး သို့မဟုတ် ဂဏန်း ၂ လုံးမှ ၁၀ လုံးအထိ ဖြစ်ရမည်',
  },
  lo: {
    employerSetup: 'ໂໝດນາຍຈ້າງ: ຄົນນີ້ເຮັດວຽກກັບບໍລິສັດເຮົາໄດ້ບໍ່', employerId: 'ເລກທະບຽນນິຕິບຸກຄົນ (13 ຕົວເລກ)',
    employerProvince: 'ແຂວງ (ບໍ່ບັງຄັບ ເຊັ່ນ TH-21)', employerEstate: 'ລະຫັດນິຄົມອຸດສາຫະກຳ (ບໍ່ບັງຄັບ ເຊັ່ນ ESIE)',
    employerSave: 'ໃຊ້ໂໝດນາຍຈ້າງ', employerClear: 'ອອກຈາກໂໝດນາຍຈ້າງ',
    employerMode: 'ໂໝດນາຍຈ້າງ — ກວດສຳລັບນາຍຈ້າງ {id}{place}',
    employerBad_juristic_id: 'ເລກທະບຽນນິຕິບຸກຄົນຕ້ອງມີ 13 ຕົວເລກ ແລະ ເລກກວດສອບຖືກຕ້ອງ',
    employerBad_province: 'ແຂວງຕ້ອງເປັນລະຫັດ ISO 3166-2:TH ເຊັ່ນ TH-10 ຫຼື TH-21',
    employerBad_industrial_estate: 'ລະຫັດນິຄົມອຸດສາຫະກຳຕ້ອງເປັນຕົວອັກສອນພິມໃຫຍ່ ຫຼື ຕົວເລກ 2 ຫາ 10 ຕົວ',
  },
  km: {
    employerSetup: 'របៀបនិយោជក៖ តើអ្នកនេះអាចធ្វើការឱ្យយើងបានទេ', employerId: 'លេខចុះបញ្ជីនីតិបុគ្គល (១៣ ខ្ទង់)',
    employerProvince: 'ខេត្ត (មិនចាំបាច់ ឧ. TH-21)', employerEstate: 'កូដតំបន់ឧស្សាហកម្ម (មិនចាំបាច់ ឧ. ESIE)',
    employerSave: 'ប្រើរបៀបនិយោជក', employerClear: 'ចាកចេញពីរបៀបនិយោជក',
    employerMode: 'របៀបនិយោជក — កំពុងពិនិត្យសម្រាប់និយោជក {id}{place}',
    employerBad_juristic_id: 'លេខចុះបញ្ជីនីតិបុគ្គលត្រូវមាន ១៣ ខ្ទង់ និងលេខផ្ទៀងផ្ទាត់ត្រឹមត្រូវ',
    employerBad_province: 'ខេត្តត្រូវជាកូដ ISO 3166-2:TH ដូចជា TH-10 ឬ TH-21',
    employerBad_industrial_estate: 'កូដតំបន់ឧស្សាហកម្មត្រូវជាអក្សរធំ ឬលេខពី ២ ដល់ ១០ តួ',
  },
};
for (const [lang, texts] of Object.entries(EMPLOYER_LABELS)) Object.assign(LABELS[lang], texts);
// ---- end of employer mode

export { DATE_LOCALES, LANGUAGES, formatDate, labelIn, pickLanguage } from './lang.js';

// "3 h ago" in the reader's language.
export function ageLabel(lang, secs) {
  const s = Math.max(0, Math.floor(secs));
  if (s < 60) return label(lang, 'ageNow');
  if (s < 3600) return label(lang, 'ageMin', { n: Math.floor(s / 60) });
  if (s < 172_800) return label(lang, 'ageHours', { n: Math.floor(s / 3600) });
  return label(lang, 'ageDays', { n: Math.floor(s / 86_400) });
}

export function label(lang, key, vars = {}) {
  return labelIn(LABELS, lang, key, vars);
}
