// Every text a reader sees, in all five languages: the verifier page's labels, the wallet's, the
// tracking page's, and the verdict texts that dwp-verifier's WebAssembly returns; the console's in
// Thai and English. A text missing in one language, written in
// another script, or with other {placeholders} than the English one fails here.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { initSync, reasonTexts } from '../build/pkg/dwp_verifier.js';
import { LABELS, LANGUAGES, formatDate, pickLanguage } from '../src/i18n.js';
import { WALLET } from '../wallet/i18n.js';
import { STATES, TRACK } from '../track/i18n.js';
import { CONSOLE, CONSOLE_LANGUAGES } from '../console/i18n.js';

const root = path.resolve(import.meta.dirname, '../..');
initSync({ module: fs.readFileSync(path.join(root, 'web/build/pkg/dwp_verifier_bg.wasm')) });

const LANGS = ['th', 'en', 'my', 'lo', 'km'];
const SCRIPTS = { th: [0x0e00, 0x0e7f], my: [0x1000, 0x109f], lo: [0x0e80, 0x0eff], km: [0x1780, 0x17ff] };
const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const problems = [];

function checkText(where, lang, text, english) {
  if (typeof text !== 'string' || !text.trim()) return problems.push(`${where}: missing in ${lang}`);
  if (text.normalize('NFC') !== text) problems.push(`${where}.${lang}: not NFC`);
  if (english !== undefined && JSON.stringify(placeholders(text)) !== JSON.stringify(placeholders(english))) {
    problems.push(`${where}.${lang}: placeholders ${placeholders(text)} differ from English ${placeholders(english)}`);
  }
  const range = SCRIPTS[lang];
  if (range) {
    const bare = text.replace(/\{\w+\}/g, '');
    const own = [...bare].filter((c) => c.codePointAt(0) >= range[0] && c.codePointAt(0) <= range[1]);
    if (!own.length) problems.push(`${where}.${lang}: not written in its script (${JSON.stringify(text)})`);
    const foreign = Object.entries(SCRIPTS).filter(([l]) => l !== lang)
      .filter(([, [a, b]]) => [...bare].some((c) => c.codePointAt(0) >= a && c.codePointAt(0) <= b && !(c.codePointAt(0) >= range[0] && c.codePointAt(0) <= range[1])));
    if (foreign.length) problems.push(`${where}.${lang}: holds ${foreign.map(([l]) => l)} script`);
  }
  if (lang === 'my') {
    // Unicode Burmese, not Zawgyi: the vowel sign E and the medials follow a consonant, and the
    // Zawgyi-only code points U+1060..U+109F are absent.
    const cs = [...text];
    cs.forEach((c, i) => {
      const cp = c.codePointAt(0);
      if (cp >= 0x1060 && cp <= 0x109f) problems.push(`${where}.my: U+${cp.toString(16)} is a Zawgyi form`);
      if (cp === 0x1031 || cp === 0x103b || cp === 0x103c) {
        const b = i > 0 ? cs[i - 1].codePointAt(0) : 0;
        const ok = (b >= 0x1000 && b <= 0x102a) || b === 0x103f || (cp === 0x1031 && b >= 0x102b && b <= 0x103e);
        if (!ok) problems.push(`${where}.my: U+${cp.toString(16)} at ${i} does not follow a consonant`);
      }
    });
  }
}

function checkTable(name, table, langs = LANGS) {
  assert.deepEqual(Object.keys(table).sort(), [...langs].sort(), `${name}: the languages ${langs}`);
  const keys = new Set(langs.flatMap((l) => Object.keys(table[l])));
  for (const key of keys) for (const lang of langs) checkText(`${name}.${key}`, lang, table[lang][key], table.en[key]);
  return keys.size;
}

const pageKeys = checkTable('page', LABELS);
const walletKeys = checkTable('wallet', WALLET);
const trackKeys = checkTable('track', TRACK);
const consoleKeys = checkTable('console', CONSOLE, ['th', 'en']);
assert.deepEqual(CONSOLE_LANGUAGES.map(([c]) => c), ['th', 'en'], 'the console offers Thai and English');
// Every state of an application has its label on both pages (the registry's list: ApplicationState).
for (const state of STATES) {
  assert.ok(`state_${state}` in TRACK.en, `the tracking page labels the state ${state}`);
  assert.ok(`state_${state}` in CONSOLE.en, `the console labels the state ${state}`);
}
for (const code of ['not_found', 'number', 'birth', 'too_many', 'network', 'server']) {
  assert.ok(`err_${code}` in TRACK.en, `the tracking page words the error ${code}`);
}
const verdicts = JSON.parse(reasonTexts());
for (const [code, { title, message }] of Object.entries(verdicts)) {
  for (const lang of LANGS) {
    checkText(`verdict.${code}.title`, lang, title?.[lang]);
    checkText(`verdict.${code}.message`, lang, message?.[lang]);
  }
}
assert.ok(verdicts.valid && verdicts.revoked && verdicts.malformed, 'the verdict texts are listed');
assert.ok(Object.keys(verdicts).length >= 16, `verdict texts: ${Object.keys(verdicts).length}`);

// Texts the wallet shows from the verdict (revoked, suspended) and the receive errors it words.
for (const code of ['offer_link', 'offer', 'tx_code_missing', 'refused', 'network', 'server', 'camera', 'storage']) {
  assert.ok(`err_${code}` in WALLET.en, `the wallet words the receive error ${code}`);
}
assert.deepEqual(LANGUAGES.map(([c]) => c), LANGS, 'the switcher offers the five languages');

// The default language: remembered, else the browser's first offered language, else Thai.
assert.equal(pickLanguage(null, ['my-MM', 'en-US']), 'my');
assert.equal(pickLanguage(null, ['fr-FR', 'km']), 'km');
assert.equal(pickLanguage('lo', ['en']), 'lo');
assert.equal(pickLanguage('xx', ['de']), 'th');

// Dates in Bangkok time, never with Latin month names outside English.
for (const lang of LANGS) {
  for (const withTime of [false, true]) {
    const text = formatDate(lang, Date.parse('2028-11-23T23:59:59Z'), withTime);
    if (lang !== 'en') assert.doesNotMatch(text, /[A-Za-z]/, `${lang}: ${text}`);
    assert.match(text, /24|၂၄/, `${lang}: the Bangkok date (${text})`);
  }
}

assert.deepEqual(problems, [], `texts to fix:\n${problems.join('\n')}`);
console.log(`i18n: ${pageKeys} page labels, ${walletKeys} wallet texts, ${trackKeys} tracking texts, ${consoleKeys} console texts (th, en) and ${Object.keys(verdicts).length} verdicts × 2, complete in ${LANGS.join(', ')}`);
