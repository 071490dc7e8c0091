// The languages of the pages and what every page needs of them, apart from any page's texts (so that
// a page bundles none of the others' tables): the languages offered, the reader's choice, dates in
// Bangkok time and a text of a table, which never falls back to another language.

// The languages offered, in this order, each named in its own script.
export const LANGUAGES = [['th', 'ไทย'], ['en', 'English'], ['my', 'မြန်မာ'], ['lo', 'ລາວ'], ['km', 'ខ្មែរ']];

// The reader's language: the one remembered, else the first of the browser's languages offered, else Thai.
export function pickLanguage(remembered, preferred = []) {
  const offered = LANGUAGES.map(([code]) => code);
  if (offered.includes(remembered)) return remembered;
  for (const tag of preferred) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (offered.includes(primary)) return primary;
  }
  return 'th';
}

// The locale dates are written in: the Buddhist calendar for Thai readers.
export const DATE_LOCALES = { th: 'th-TH-u-ca-buddhist', en: 'en-GB', my: 'my-MM', lo: 'lo-LA', km: 'km-KH' };

// A date (and time) in Bangkok as `lang` writes it, from milliseconds. A browser without calendar data
// for the language (it falls back to another locale, or writes "M11" for a month: Latin letters in a
// non-English date) gets numbers only, day/month/year and a 24-hour time.
export function formatDate(lang, ms, withTime) {
  const locale = DATE_LOCALES[lang];
  const zone = { timeZone: 'Asia/Bangkok' };
  const styled = new Intl.DateTimeFormat(locale, { ...zone, dateStyle: 'medium', ...(withTime ? { timeStyle: 'short' } : {}) });
  const text = styled.format(new Date(ms));
  if (styled.resolvedOptions().locale.split('-')[0] === lang && (lang === 'en' || !/[A-Za-z]/.test(text))) return text;
  const numeric = { ...zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', numeric).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year}${withTime ? ` ${p.hour}:${p.minute}` : ''}`;
}

// A label of `table` (LABELS, or the wallet's) in `lang`, its {placeholders} filled. A missing label
// is a defect the test catches; here it throws rather than show a worker another language.
export function labelIn(table, lang, key, vars = {}) {
  const text = table[lang]?.[key];
  if (typeof text !== 'string') throw new Error(`no ${lang} text for "${key}"`);
  return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}
