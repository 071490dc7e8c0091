// The public tracking page: an application's state by its number and the worker's birth date, sent
// in the body of `POST /v1/track` (never in a URL, never kept on the phone). Shows the state, the
// date of its last change, the next step in the reader's language and, while the fee may be paid,
// its amount, due date and Thai QR code drawn here from the registry's `qr` string.
import { LANGUAGES, formatDate, labelIn, pickLanguage } from '../src/lang.js';
import { TRACK } from './i18n.js';

const LANG_KEY = 'dwp.lang';
const $ = (id) => document.getElementById(id);
let lang = pickLanguage(localStorage.getItem(LANG_KEY), navigator.languages);
// The last answer or refusal, redrawn when the language changes (kept in memory only).
let shown = null;

const t = (key, vars) => labelIn(TRACK, lang, key, vars);
// The QR encoder is loaded only for an unpaid fee: most answers need none.
let qrModule = null;
const drawQr = async (...args) => (await (qrModule ??= import('../wallet/qr.js'))).draw(...args);

function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = `${t('title')} · ${TRACK.en.title}`;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  const month = $('month');
  const chosen = month.value;
  month.replaceChildren(new Option('—', ''), ...Array.from({ length: 12 }, (_, i) => new Option(String(i + 1).padStart(2, '0'), String(i + 1))));
  month.value = chosen;
  if (shown?.answer) showAnswer(shown.answer);
  else if (shown?.error) showError(shown.error);
}

// The birth date as typed: a Buddhist-era year (B.E., 543 years ahead) is read as such.
function birthDate() {
  const day = $('day').value.trim();
  const month = $('month').value;
  let year = Number($('year').value.trim());
  if (year > 2400) year -= 543;
  if (!/^\d{1,2}$/.test(day) || !month || !(year > 0)) return '';
  return `${String(year).padStart(4, '0')}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

function showError(key) {
  shown = { error: key };
  $('result').hidden = true;
  $('message').textContent = t(key);
  $('message').hidden = false;
}

async function showAnswer(a) {
  const current = { answer: a };
  shown = current;
  $('message').hidden = true;
  $('result-title').textContent = t('resultFor', { number: a.number });
  $('state').textContent = `state_${a.state}` in TRACK.en ? t(`state_${a.state}`) : a.state;
  $('state').dataset.state = a.state;
  $('changed').textContent = formatDate(lang, Date.parse(a.changedAt), true);
  $('next').textContent = a.nextStep?.[lang] ?? '';
  const fee = a.fee;
  $('fee').hidden = !fee;
  if (fee) {
    const amount = Number(fee.amount).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    $('amount').textContent = t('amount', { amount });
    const paid = !!fee.paidAt;
    $('due-label').hidden = $('due').hidden = paid;
    $('paid-label').hidden = $('paid').hidden = !paid;
    $('due').textContent = formatDate(lang, Date.parse(fee.dueAt), true);
    $('paid').textContent = paid ? formatDate(lang, Date.parse(fee.paidAt), true) : '';
    const canvas = $('qr');
    delete canvas.dataset.qr;
    $('qr-box').hidden = true;
    $('result').hidden = false;
    if (fee.qr) {
      await drawQr(canvas, fee.qr, Math.min(280, document.documentElement.clientWidth - 48), 'M');
      if (shown !== current) return;
      canvas.setAttribute('aria-label', t('qrLabel', { number: a.number }));
      canvas.dataset.qr = fee.qr;
      $('qr-box').hidden = false;
    }
  }
  $('result').hidden = false;
}

async function track(event) {
  event.preventDefault();
  const button = $('submit');
  button.disabled = true;
  button.textContent = t('checking');
  try {
    const body = JSON.stringify({ number: $('number').value.trim().toUpperCase(), birthDate: birthDate() });
    let resp;
    try {
      resp = await fetch('/v1/track', { method: 'POST', headers: { 'content-type': 'application/json' }, body, cache: 'no-store', credentials: 'omit' });
    } catch (_) {
      return showError('err_network');
    }
    const answer = await resp.json().catch(() => null);
    if (resp.ok && answer?.state) return showAnswer(answer);
    if (resp.status === 404) return showError('err_not_found');
    if (resp.status === 429) return showError('err_too_many');
    if (resp.status === 422) return showError(answer?.field === 'birthDate' ? 'err_birth' : 'err_number');
    return showError('err_server');
  } finally {
    button.disabled = false;
    button.textContent = t('submit');
  }
}

const select = $('lang');
for (const [code, name] of LANGUAGES) select.append(new Option(name, code));
select.value = lang;
select.addEventListener('change', () => {
  lang = select.value;
  localStorage.setItem(LANG_KEY, lang);
  applyLanguage();
});
$('track-form').addEventListener('submit', track);
applyLanguage();
document.body.dataset.ready = 'true';
