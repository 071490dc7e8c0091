// The worker's wallet: receives the work permit over OpenID4VCI with a device key, keeps it in
// IndexedDB, and shows it offline — the permit card and its QR code, refreshed every 30 s — with
// warnings for a near expiry, a wrong phone clock and a revoked or suspended permit. The permit's
// fields are decoded by dwp-verifier in WebAssembly, the same code as the verifier page.
import init, { WasmVerifier, decodePermit, holderAssemble, holderStep, holderToSign } from '../build/pkg/dwp_verifier.js';
import { LANGUAGES, ageLabel, formatDate as formatDateIn, label, labelIn, pickLanguage } from '../src/i18n.js';
import { WALLET } from './i18n.js';
import { accessLog } from './access.js';
import { ReceiveError, generateDeviceKey, parseOfferLink, receive } from './oid4vci.js';
import { draw } from './qr.js';
import { load, save } from './store.js';

const LANG_KEY = 'dwp.lang';
const LARGE_KEY = 'dwp.wallet.large';
const BUNDLE_URL = new URL('../v1/bundle', location.href);
const REFRESH_SECS = 30;
const EXPIRY_WARNING_DAYS = 30;
const CLOCK_TOLERANCE_MS = 10 * 60 * 1000;
const $ = (id) => document.getElementById(id);
let lang = pickLanguage(localStorage.getItem(LANG_KEY), navigator.languages);
let state = { permit: null, fields: null, deviceKey: null, registry: null, verifier: null, verdict: null };
let shownEpoch = null;

// A text of the wallet in the reader's language (the wallet's own table, else the verifier page's).
const t = (key, vars) => (key in WALLET.en ? labelIn(WALLET, lang, key, vars) : label(lang, key, vars));
const nowMs = () => Date.now();

const formatDate = (ms, withTime) => formatDateIn(lang, ms, withTime);

function duration(ms) {
  const min = Math.round(Math.abs(ms) / 60_000);
  if (min < 120) return t('durMinutes', { n: min });
  if (min < 48 * 60) return t('durHours', { n: Math.round(min / 60) });
  return t('durDays', { n: Math.round(min / 1440) });
}

// The QR code's content at `now` (Unix seconds). A permit bound to a holder key is shown as its
// `DWP1H:` presentation (wallet-spec/SPEC.md §12): the device key signs the permit and the 30-second
// step of `now`, so that a screenshot goes stale within minutes. A permit with no holder key, or a
// wallet without its device key, shows the plain `DWP1:` payload (the verifier then says the proof
// is missing).
export async function presentation(payload, key, now) {
  let bound = false;
  try {
    bound = !!JSON.parse(decodePermit(payload)).holderKey;
  } catch (_) { /* unreadable here: shown as it is */ }
  if (!bound || !key?.privateKey) return payload;
  const step = holderStep(now);
  const signature = await crypto.subtle.sign('Ed25519', key.privateKey, holderToSign(payload, step));
  return holderAssemble(payload, step, new Uint8Array(signature));
}

// What is wrong, most serious first: revoked or suspended (from the last bundle), expiry, the clock.
function warnings(now) {
  const out = [];
  const v = state.verdict;
  if (v && (v.reason === 'revoked' || v.reason === 'suspended')) out.push([v.reason, `${v.title[lang]} — ${v.message[lang]}`]);
  const until = Date.parse(state.fields.validUntil);
  const days = Math.floor((until - now) / 86_400_000);
  if (until <= now) out.push(['expired', t('warnExpired')]);
  else if (days < EXPIRY_WARNING_DAYS) out.push(['expiry', t('warnExpiry', { n: days })]);
  const reg = state.registry;
  if (reg) {
    const atSync = reg.localTime - reg.registryTime;
    const behind = reg.registryTime - now;
    if (Math.abs(atSync) > CLOCK_TOLERANCE_MS) out.push(['clock', t('warnClock', { d: duration(atSync) })]);
    else if (behind > CLOCK_TOLERANCE_MS) out.push(['clock', t('warnClock', { d: duration(behind) })]);
  }
  return out;
}

function renderCard() {
  const p = state.fields;
  $('card').hidden = !p;
  $('empty').hidden = !!p;
  if (!p) return;
  const now = nowMs();
  $('card-name').textContent = p.name;
  $('card-native').textContent = p.nativeName || '';
  $('card-native').hidden = !p.nativeName;
  const until = Date.parse(p.validUntil);
  const days = Math.floor((until - now) / 86_400_000);
  const province = lang === 'th' ? p.workplace.provinceName.th : p.workplace.provinceName.en;
  const rows = [
    ['permitNumber', p.permitNumber],
    ['employer', p.employer.name],
    ['workplace', p.workplace.industrialEstate ? `${province} · ${p.workplace.industrialEstate}` : province],
    ['occupation', p.occupation.title],
    ['validity', `${label(lang, 'validRange', { from: formatDate(Date.parse(p.validFrom), false), until: formatDate(until, false) })} · ${until > now ? t('daysLeft', { n: days }) : t('expiredNow')}`],
  ];
  const dl = $('fields');
  dl.replaceChildren();
  for (const [key, value] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = t(key);
    const dd = document.createElement('dd');
    dd.textContent = value;
    dd.dataset.field = key;
    dl.append(dt, dd);
  }
  const secs = state.verifier?.statusAsOf();
  const asOf = secs != null ? secs * 1000 : null;
  $('status-seen').textContent = asOf != null
    ? t('statusSeen', { date: formatDate(asOf, true), age: ageLabel(lang, (now - asOf) / 1000) }) : t('statusNever');
  const warn = $('warnings');
  warn.replaceChildren();
  for (const [kind, text] of warnings(now)) {
    const li = document.createElement('li');
    li.dataset.warning = kind;
    li.textContent = text;
    warn.append(li);
  }
  warn.hidden = !warn.children.length;
  $('qr').setAttribute('aria-label', t('qrLabel', { number: p.permitNumber }));
}

// Every second: the countdown; at each 30 s boundary, a new QR code.
function tick() {
  if (!state.permit) return;
  const secs = Math.floor(nowMs() / 1000);
  const epoch = Math.floor(secs / REFRESH_SECS);
  if (epoch !== shownEpoch) {
    shownEpoch = epoch;
    const { permit, deviceKey } = state;
    // Signing is asynchronous: a code is drawn only if it is still the permit and the step shown.
    presentation(permit.payload, deviceKey, secs)
      .catch(() => permit.payload)
      .then((text) => {
        if (state.permit !== permit || shownEpoch !== epoch) return;
        const code = draw($('qr'), text, Math.min(document.documentElement.clientWidth - 24, 560));
        const qr = $('qr');
        qr.dataset.version = String(code.version);
        qr.dataset.kind = text.startsWith('DWP1H:') ? 'holder' : 'plain';
        qr.dataset.epoch = String(epoch);
      });
  }
  const left = REFRESH_SECS - (secs % REFRESH_SECS);
  $('countdown').textContent = t('countdown', { s: left });
  $('countdown-bar').value = left;
}

function applyLabels() {
  document.documentElement.lang = lang;
  $('lang').value = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.title = t('title');
  renderCard();
  renderAccess();
  if (state.permit) tick();
}

function setLarge(on) {
  document.documentElement.classList.toggle('large', on);
  $('large').setAttribute('aria-pressed', String(on));
  localStorage.setItem(LARGE_KEY, on ? '1' : '0');
  shownEpoch = null;
  if (state.permit) tick();
}

function showPermit(record) {
  state.permit = record;
  state.fields = record ? JSON.parse(decodePermit(record.payload)) : null;
  state.verdict = null;
  state.verifier = null;
  if (state.registry) {
    try {
      state.verifier = new WasmVerifier(state.registry.bundle, undefined);
    } catch (_) { /* a bundle that no longer loads: no status warning, and "status not checked" */ }
  }
  if (record && state.verifier) {
    state.verdict = JSON.parse(state.verifier.verify(record.payload, 'employer', Math.floor(nowMs() / 1000)));
  }
  shownEpoch = null;
  renderCard();
  showAccessSection();
  if (record) tick();
}

// Online: the registry's bundle (status lists) and its clock, kept for offline use.
async function sync() {
  try {
    const sent = nowMs();
    const resp = await fetch(BUNDLE_URL, { cache: 'no-store' });
    if (!resp.ok) return;
    let bundle = await resp.text();
    new WasmVerifier(bundle, undefined); // refuse a bundle that does not verify
    // An older bundle than the one held (a rollback) is refused; the registry's clock is still read.
    if (state.verifier && state.verifier.checkUpdate(bundle)) bundle = state.registry.bundle;
    const date = Date.parse(resp.headers.get('date') || '');
    const localTime = (sent + nowMs()) / 2;
    state.registry = { bundle, registryTime: Number.isFinite(date) ? date : localTime, localTime };
    await save('registry', state.registry);
    showPermit(state.permit);
  } catch (_) { /* offline: keep what is held */ }
}

function receiveMessage(kind, text) {
  const out = $('receive-status');
  out.dataset.kind = kind;
  out.textContent = text;
}

async function onReceive(e) {
  e.preventDefault();
  const button = $('receive-button');
  button.disabled = true;
  receiveMessage('busy', t('receiving'));
  try {
    const keyPair = await generateDeviceKey(crypto);
    if (!keyPair) throw new ReceiveError('no_ed25519');
    const got = await receive({ fetch, crypto, now: nowMs }, $('offer').value, $('tx-code').value.trim(), keyPair);
    decodePermit(got.payload); // a payload the wallet cannot read is refused before it is stored
    try {
      await save('deviceKey', keyPair);
      await save('permit', { payload: got.payload, credential: got.credential, receivedAt: nowMs() });
    } catch (_) {
      throw new ReceiveError('storage');
    }
    state.deviceKey = keyPair;
    const persisted = await navigator.storage?.persist?.().catch(() => false);
    receiveMessage('done', persisted ? t('received') : `${t('received')} · ${t('persistDenied')}`);
    showPermit(await load('permit'));
    $('receive').open = false;
  } catch (err) {
    const code = err instanceof ReceiveError ? err.code : 'server';
    receiveMessage('error', code === 'no_ed25519' ? t('noEd25519') : t(`err_${code}`));
  } finally {
    button.disabled = false;
  }
}

// Who read the permit's data, in the worker's language; only for a permit bound to this phone's key.
function holderDid() {
  return state.permit?.credential?.credentialSubject?.id ?? null;
}

function showAccessSection() {
  $('access').hidden = !(state.deviceKey && holderDid());
}

function whoRead(r) {
  if (r.agency) return WALLET.en[`who_${r.agency}`] ? t(`who_${r.agency}`) : `${t('who_partner')} (${r.agency})`;
  return WALLET.en[`who_${r.role}`] ? t(`who_${r.role}`) : t('who_other');
}

let accessReads = null;
function renderAccess() {
  const list = $('access-list');
  list.replaceChildren();
  if (!accessReads) return;
  if (!accessReads.length) {
    $('access-status').textContent = t('accessNone');
    return;
  }
  $('access-status').textContent = '';
  for (const r of accessReads) {
    const li = document.createElement('li');
    li.dataset.action = r.action;
    li.dataset.purpose = r.purpose;
    const when = document.createElement('time');
    when.dateTime = r.at;
    when.textContent = formatDate(Date.parse(r.at), true);
    const purpose = WALLET.en[`p_${r.purpose}`] ? t(`p_${r.purpose}`) : r.purpose;
    const text = `${whoRead(r)} — ${purpose}${r.case ? ` · ${t('accessCase', { case: r.case })}` : ''}`;
    li.append(when, document.createTextNode(` ${text}`));
    list.append(li);
  }
}

async function loadAccess() {
  const status = $('access-status');
  status.dataset.kind = 'busy';
  status.textContent = t('accessLoading');
  try {
    accessReads = await accessLog({ fetch, crypto, now: nowMs }, state.deviceKey, holderDid(), location.origin);
    status.dataset.kind = 'done';
    renderAccess();
  } catch (err) {
    accessReads = null;
    renderAccess();
    status.dataset.kind = 'error';
    status.textContent = t(err.message === 'unknown' ? 'accessUnknown' : 'accessError');
  }
}

let stream = null;
async function scanOffer() {
  const video = $('camera');
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (_) {
    receiveMessage('error', t('err_camera'));
    return;
  }
  const { detector } = await import('./scanner.js');
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const deadline = nowMs() + 60_000;
  while (stream && nowMs() < deadline) {
    try {
      const hit = (await detector().detect(video)).find((c) => {
        try { return parseOfferLink(c.rawValue); } catch (_) { return false; }
      });
      if (hit) {
        $('offer').value = hit.rawValue;
        $('tx-code').focus();
        break;
      }
    } catch (_) { /* a frame that cannot be read yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  video.hidden = true;
}

async function keepScreenOn() {
  try {
    if (document.visibilityState === 'visible' && state.permit) await navigator.wakeLock?.request('screen');
  } catch (_) { /* not granted: the screen may dim */ }
}

async function main() {
  const select = $('lang');
  for (const [code, name] of LANGUAGES) select.append(new Option(name, code));
  setLarge(localStorage.getItem(LARGE_KEY) === '1');
  await init({ module_or_path: new URL('pkg/dwp_verifier_bg.wasm', location.href) });
  state.registry = (await load('registry')) ?? null;
  state.deviceKey = (await load('deviceKey')) ?? null;
  showPermit((await load('permit')) ?? null);
  if (new URLSearchParams(location.search).has('credential_offer_uri')) {
    $('offer').value = location.href;
    $('receive').open = true;
    history.replaceState(null, '', location.pathname); // the offer's code stays out of the history
  }
  $('receive').open ||= !state.permit;
  if (!(await generateDeviceKey(crypto))) {
    $('no-ed25519').hidden = false;
    $('receive-button').disabled = true;
  }
  applyLabels();
  select.addEventListener('change', () => { lang = select.value; localStorage.setItem(LANG_KEY, lang); applyLabels(); });
  $('large').addEventListener('click', () => setLarge(!document.documentElement.classList.contains('large')));
  $('receive-form').addEventListener('submit', onReceive);
  $('scan-offer').addEventListener('click', scanOffer);
  $('access-load').addEventListener('click', loadAccess);
  setInterval(tick, 1000);
  document.addEventListener('visibilitychange', keepScreenOn);
  keepScreenOn();
  window.addEventListener('online', sync);
  await sync();
  if ('serviceWorker' in navigator) await navigator.serviceWorker.register('sw.js', { scope: './' });
  window.dwpWallet = { presentation, reload: async () => showPermit((await load('permit')) ?? null) };
  document.body.dataset.ready = 'true';
}
main();
