// The verifier page: scans a permit's QR code with the camera (or reads a photo or pasted text) and
// verifies it offline with dwp-verifier compiled to WebAssembly — the same code as the command line.
import init, { WasmEmployer, WasmVerifier } from '../build/pkg/dwp_verifier.js';
import { BarcodeDetector, setZXingModuleOverrides } from 'barcode-detector/pure';
import { LANGUAGES, ageLabel, formatDate as formatDateIn, label, pickLanguage } from './i18n.js';
import { dropBundle, loadBundle, saveBundle } from './store.js';

if (!location.pathname.endsWith('/') && !location.pathname.endsWith('.html')) {
  location.replace(location.pathname + '/' + location.search);
}

// Where an earlier version of the page kept the bundle (moved to IndexedDB, see store.js).
const BUNDLE_KEY = 'dwp.bundle';
const LANG_KEY = 'dwp.lang';
// Employer mode's settings: {juristicId, province, industrialEstate}, kept on this device only.
const EMPLOYER_KEY = 'dwp.employer';
const BUNDLE_URL = new URL('../v1/bundle', location.href);
const params = new URLSearchParams(location.search);
// The freshness policy: the address's, else the employer's (7 days) in employer mode, else the inspector's.
const policyFor = () => params.get('policy') || (employer ? 'employer' : 'inspector');
const POLICIES = ['inspector', 'employer', 'immigration'];
const $ = (id) => document.getElementById(id);
let lang = pickLanguage(localStorage.getItem(LANG_KEY), navigator.languages);
let verifier = null;
let lastVerdict = null;
// The employer a verdict is checked for (a WasmEmployer, its settings checked by dwp-verifier), or null.
let employer = null;
window.dwpTimings = [];

// The QR reader's own WebAssembly is served with the page, never from a CDN.
setZXingModuleOverrides({
  locateFile: (path, prefix) => (path.endsWith('.wasm') ? new URL('vendor/zxing_reader.wasm', location.href).href : prefix + path),
});
const detector = new BarcodeDetector({ formats: ['qr_code'] });

const nowSecs = () => Math.floor(Date.now() / 1000);

function formatDate(secs, withTime) {
  return formatDateIn(lang, secs * 1000, withTime);
}

function age(secs) {
  return ageLabel(lang, nowSecs() - secs);
}

function applyLabels() {
  document.documentElement.lang = lang;
  $('lang').value = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = label(lang, el.dataset.i18n);
  showBundleState();
  showEmployerMode();
  if (lastVerdict) render(lastVerdict);
}

// Employer mode, shown on every screen (a bar of its own colour under the header) while it is on.
function showEmployerMode() {
  const on = employer != null;
  document.body.dataset.mode = on ? 'employer' : 'plain';
  $('employer-bar').hidden = !on;
  $('employer-setup').hidden = on;
  if (!on) return;
  const e = JSON.parse(employer.toJson());
  const place = [e.province, e.industrialEstate].filter(Boolean).join(' · ');
  $('employer-mode').textContent = label(lang, 'employerMode', { id: e.juristicId, place: place ? ` · ${place}` : '' });
}

// The settings as dwp-verifier accepts them, or the field at fault (`juristic_id`, `province`, `industrial_estate`).
function employerFrom(settings) {
  try {
    return { employer: new WasmEmployer(settings.juristicId ?? '', settings.province || undefined, settings.industrialEstate || undefined) };
  } catch (e) {
    return { problem: String(e.message ?? e).split(':')[0] };
  }
}

function saveEmployer() {
  const settings = {
    juristicId: $('employer-id').value.trim(),
    province: $('employer-province').value.trim().toUpperCase(),
    industrialEstate: $('employer-estate').value.trim().toUpperCase(),
  };
  const { employer: checked, problem } = employerFrom(settings);
  if (!checked) {
    $('employer-error').textContent = label(lang, `employerBad_${problem}`);
    $('employer-error').dataset.problem = problem;
    return;
  }
  $('employer-error').textContent = '';
  delete $('employer-error').dataset.problem;
  employer = checked;
  localStorage.setItem(EMPLOYER_KEY, employer.toJson());
  lastVerdict = null;
  $('verdict').hidden = true;
  showEmployerMode();
}

function clearEmployer() {
  employer = null;
  localStorage.removeItem(EMPLOYER_KEY);
  for (const id of ['employer-id', 'employer-province', 'employer-estate']) $(id).value = '';
  lastVerdict = null;
  $('verdict').hidden = true;
  showEmployerMode();
}

function showBundleState(note) {
  const asOf = verifier?.statusAsOf();
  const text = asOf != null ? label(lang, 'bundleAge', { date: formatDate(asOf, true), age: age(asOf) }) : label(lang, 'statusNone');
  $('bundle').textContent = note ? `${text} · ${note}` : text;
}

// Reads the bundle's body, showing how much has come (a national bundle is megabytes on a slow link).
async function readWithProgress(resp) {
  if (!resp.body) return resp.text();
  const reader = resp.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    $('bundle').textContent = label(lang, 'downloading', { kb: Math.round(received / 1024) });
  }
  const all = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.length; }
  window.dwpBundleBytes = received;
  return new TextDecoder().decode(all);
}

async function refreshBundle() {
  try {
    const resp = await fetch(BUNDLE_URL, { cache: 'no-store' });
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
    const text = await readWithProgress(resp);
    if (verifier) {
      const refused = verifier.checkUpdate(text);
      if (refused) {
        showBundleState(label(lang, 'bundleKept', { reason: refused }));
        return;
      }
    }
    verifier = new WasmVerifier(text, undefined);
    await saveBundle(text);
    showBundleState();
  } catch (e) {
    showBundleState(); // offline: keep the bundle held
  }
}

const CLASSES = {
  valid: 'valid', suspended: 'warn', status_stale: 'warn', status_unknown: 'warn',
  // A valid permit with a holder warning (SPEC §12) is amber: check the passport.
  holder_proof_stale: 'warn', holder_proof_missing: 'warn',
  // Genuine, but not for this employer or this workplace (employer mode): red-ish, its own shade.
  other_employer: 'other', other_workplace: 'other',
};
// A permit's QR (DWP1:) or its holder-bound presentation from the phone (DWP1H:).
const isPermitCode = (text) => text.startsWith('DWP1:') || text.startsWith('DWP1H:');

function render(v) {
  lastVerdict = v;
  const box = $('verdict');
  box.hidden = false;
  const outcome = v.valid ? (v.warning || 'valid') : v.reason;
  box.className = `verdict ${CLASSES[outcome] || 'bad'}`;
  box.dataset.reason = outcome;
  box.dataset.holder = v.holder ?? '';
  // Titles and sentences come with the verdict, keyed by its reason code (dwp-verifier's report).
  $('verdict-title').textContent = v.title?.[lang] ?? label(lang, 'rejected');
  $('verdict-reason').textContent = v.message?.[lang] ?? '';
  const asOf = v.statusAsOf != null ? Date.parse(v.statusAsOf) / 1000 : null;
  $('verdict-status').textContent = asOf != null
    ? label(lang, 'statusAsOf', { date: formatDate(asOf, true), age: age(asOf) }) : '';
  $('verdict-holder').textContent = v.holder === 'live'
    ? label(lang, 'holderLive', { age: Math.max(0, v.holderProofAgeSeconds ?? 0) }) : '';
  const dl = $('details');
  dl.replaceChildren();
  const p = v.permit;
  if (p) {
    const rows = [
      ['permitNumber', p.permitNumber], ['name', p.name], ['nativeName', p.nativeName],
      ['nationality', `${p.nationalityName} (${p.nationality})`], ['birthDate', formatDate(Date.parse(p.birthDate) / 1000, false)],
      ['document', `${p.document.number} (${p.document.type}, ${p.document.country})`],
      ['employer', `${p.employer.name} (${p.employer.juristicId})`],
      ['workplace', `${lang === 'th' ? p.workplace.provinceName.th : p.workplace.provinceName.en}${p.workplace.industrialEstate ? ` · ${p.workplace.industrialEstate}` : ''}`],
      ['occupation', `${p.occupation.title} (${p.occupation.isco08})`],
      ['validity', label(lang, 'validRange', { from: formatDate(Date.parse(p.validFrom) / 1000, true), until: formatDate(Date.parse(p.validUntil) / 1000, true) })],
      ['issuer', (lang === 'th' ? p.issuerName.th : p.issuerName.en) || p.issuer],
    ];
    for (const [k, value] of rows) {
      if (!value) continue;
      const dt = document.createElement('dt');
      dt.textContent = label(lang, k);
      const dd = document.createElement('dd');
      dd.textContent = value;
      dl.append(dt, dd);
    }
  }
  box.focus();
}

function check(payload) {
  const inEvery = (text) => Object.fromEntries(LANGUAGES.map(([l]) => [l, text(l)]));
  const refusal = (titleKey, text) => render({
    valid: false, reason: titleKey,
    title: inEvery((l) => label(l, titleKey)), message: inEvery(text), statusAsOf: null, permit: null,
  });
  const policy = policyFor();
  if (!POLICIES.includes(policy)) {
    refusal('cannotCheck', (l) => label(l, 'badPolicy', { policy, policies: POLICIES.join(', ') }));
    return;
  }
  if (!verifier) {
    refusal('status_unknown', (l) => label(l, 'statusNone'));
    return;
  }
  const start = performance.now();
  const v = JSON.parse(employer
    ? verifier.verifyForEmployer(payload.trim(), policy, nowSecs(), 0, employer)
    : verifier.verify(payload.trim(), policy, nowSecs()));
  window.dwpTimings.push(performance.now() - start);
  render(v);
}
window.dwpCheck = check;

let stream = null;
async function scan() {
  const video = $('camera');
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (e) {
    $('bundle').textContent = label(lang, 'cameraError', { error: e.message });
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const deadline = Date.now() + 60_000;
  while (stream && Date.now() < deadline) {
    try {
      const codes = await detector.detect(video);
      const hit = codes.find((c) => isPermitCode(c.rawValue));
      if (hit) {
        stop();
        check(hit.rawValue);
        return;
      }
    } catch (_) { /* a frame that cannot be read yet */ }
    await new Promise((r) => setTimeout(r, 120));
  }
  stop();
}

function stop() {
  if (stream) for (const t of stream.getTracks()) t.stop();
  stream = null;
  $('camera').hidden = true;
}

async function openPhoto(file) {
  const bitmap = await createImageBitmap(file);
  const codes = await detector.detect(bitmap);
  const hit = codes.find((c) => isPermitCode(c.rawValue));
  if (hit) check(hit.rawValue);
  else $('bundle').textContent = label(lang, 'noCode');
}

async function main() {
  $('bundle').textContent = label(lang, 'loading');
  await init({ module_or_path: new URL('pkg/dwp_verifier_bg.wasm', location.href) });
  const held = await loadBundle(BUNDLE_KEY).catch(() => null);
  if (held) {
    try { verifier = new WasmVerifier(held, undefined); } catch (_) { await dropBundle().catch(() => {}); }
  }
  const kept = localStorage.getItem(EMPLOYER_KEY);
  if (kept) {
    // Settings an earlier version kept may no longer be accepted: then the page is in plain mode.
    let settings = {};
    try { settings = JSON.parse(kept); } catch (_) { /* not JSON: refused below */ }
    const { employer: checked } = employerFrom(settings ?? {});
    if (checked) employer = checked;
    else localStorage.removeItem(EMPLOYER_KEY);
  }
  applyLabels();
  await refreshBundle();
  $('scan').addEventListener('click', scan);
  $('photo').addEventListener('change', (e) => e.target.files[0] && openPhoto(e.target.files[0]));
  $('paste-form').addEventListener('submit', (e) => { e.preventDefault(); check($('paste').value); });
  $('employer-form').addEventListener('submit', (e) => { e.preventDefault(); saveEmployer(); });
  $('employer-clear').addEventListener('click', clearEmployer);
  $('lang').addEventListener('change', (e) => { lang = e.target.value; localStorage.setItem(LANG_KEY, lang); applyLabels(); });
  window.addEventListener('online', refreshBundle);
  if ('serviceWorker' in navigator) {
    await navigator.serviceWorker.register('sw.js', { scope: './' });
  }
  document.body.dataset.ready = 'true';
}
main();
