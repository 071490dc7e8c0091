// Labels of the verifier page. Thai is the default; Burmese, Lao and Khmer fall back to English
// label by label until their translations are added here (same keys). A verdict's title and sentence
// are not here: they come with the verdict, from dwp-verifier's one table of reason codes.
export const LABELS = {
  th: {
    title: 'ตรวจใบอนุญาตทำงาน', language: 'ภาษา', scan: 'สแกน', photo: 'เปิดรูปภาพ',
    paste: 'หรือวางข้อมูล DWP1:', check: 'ตรวจสอบ', offline: 'ทำงานได้โดยไม่ต้องใช้อินเทอร์เน็ต',
    status_unknown: 'ไม่ทราบสถานะ', rejected: 'ไม่ผ่าน', cannotCheck: 'ตรวจสอบไม่ได้',
    badPolicy: 'ไม่รู้จักนโยบาย "{policy}" ในที่อยู่ของหน้านี้ (ใช้ได้: {policies})',
    statusAsOf: 'สถานะ ณ {date} ({age})', statusNone: 'ยังไม่มีข้อมูลสถานะ — เชื่อมต่ออินเทอร์เน็ตหนึ่งครั้ง',
    bundleAge: 'ข้อมูลสำหรับตรวจสอบ ณ {date} ({age})', bundleKept: 'ไม่รับข้อมูลที่เก่ากว่า: {reason}',
    cameraError: 'เปิดกล้องไม่ได้: {error}', noCode: 'ไม่พบคิวอาร์โค้ดในรูปภาพ', loading: 'กำลังโหลด…',
    permitNumber: 'เลขที่ใบอนุญาต', name: 'ชื่อ', nativeName: 'ชื่อ (ภาษาของผู้ถือ)', nationality: 'สัญชาติ',
    birthDate: 'วันเกิด', document: 'เอกสาร', employer: 'นายจ้าง', workplace: 'สถานที่ทำงาน',
    occupation: 'อาชีพ', validity: 'มีผล', issuer: 'ผู้ออก', to: 'ถึง',
  },
  en: {
    title: 'Work permit check', language: 'Language', scan: 'Scan', photo: 'Open a photo',
    paste: 'or paste a DWP1: payload', check: 'Check', offline: 'Works without internet',
    status_unknown: 'STATUS UNKNOWN', rejected: 'REJECTED', cannotCheck: 'CANNOT CHECK',
    badPolicy: 'Unknown policy "{policy}" in this page\'s address (use one of: {policies})',
    statusAsOf: 'status as of {date}, {age}', statusNone: 'No status data yet — connect to the internet once',
    bundleAge: 'Verifier data as of {date} ({age})', bundleKept: 'An older bundle was refused: {reason}',
    cameraError: 'The camera could not be opened: {error}', noCode: 'No QR code found in the photo', loading: 'Loading…',
    permitNumber: 'Permit', name: 'Name', nativeName: 'Name (own script)', nationality: 'Nationality',
    birthDate: 'Born', document: 'Document', employer: 'Employer', workplace: 'Workplace',
    occupation: 'Occupation', validity: 'Valid', issuer: 'Issuer', to: 'to',
  },
  my: {},
  lo: {},
  km: {},
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

export function label(lang, key, vars = {}) {
  const text = LABELS[lang]?.[key] ?? LABELS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
}
