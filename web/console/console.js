// The console of the registry's desks: the registrar (the queue, the review and the decision, the
// permit's life afterwards), the service centre officer (a walk-in's application, the identity check,
// the queue, the fee QR) and the employer (its applications and their fees, a new one, its permits
// due for renewal). Every action is one call of the registry's API, as curl would make it: the page
// holds no rules of its own and shows what the registry refuses in its words. The token is kept in
// this tab's sessionStorage only; nothing personal is put in a URL or kept by the browser.
import { formatDate, labelIn } from '../src/lang.js';
import { CONSOLE, CONSOLE_LANGUAGES } from './i18n.js';

const LANG_KEY = 'dwp.console.lang';
const SESSION_KEY = 'dwp.console.session';
const STATES = ['submitted', 'fee_pending', 'fee_paid', 'identity_verified', 'under_review', 'info_requested',
  'approved', 'issued', 'rejected', 'withdrawn', 'expired_unpaid'];
const FINAL = ['issued', 'rejected', 'withdrawn', 'expired_unpaid'];
const REGISTRAR_QUEUE = ['fee_paid', 'identity_verified', 'under_review', 'info_requested'];
const REASON_CODES = ['documents_incomplete', 'identity_not_verified', 'not_eligible', 'employer_not_eligible', 'duplicate_application', 'other'];
const VIEWS = {
  registrar: ['queue', 'open', 'permit'],
  officer: ['queue', 'intake', 'identity', 'open'],
  employer: ['mine', 'intake', 'renewals', 'open'],
};
const $ = (id) => document.getElementById(id);
let lang = ['th', 'en'].includes(localStorage.getItem(LANG_KEY)) ? localStorage.getItem(LANG_KEY) : 'th';
let session = readSession();
let current = null;
const blobs = [];

const t = (key, vars) => labelIn(CONSOLE, lang, key, vars);
const stateLabel = (s) => (STATES.includes(s) ? t(`state_${s}`) : s);
const categoryLabel = (c) => (c && `cat_${c}` in CONSOLE.en ? t(`cat_${c}`) : c ?? '—');
const when = (iso) => (iso ? formatDate(lang, Date.parse(iso), true) : '—');

function readSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY));
    return s && VIEWS[s.role] && typeof s.token === 'string' ? s : null;
  } catch (_) {
    return null;
  }
}

// An element: `h('td', { class: 'x', onclick }, 'text', child)`.
function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
  return el;
}
const field = (labelKey, input) => h('label', {}, h('span', {}, t(labelKey)), input);
const table = (cols, rows) => h('table', {}, h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, t(c))))), h('tbody', {}, rows));

function notice(text) {
  $('notice').textContent = text;
  $('notice').hidden = !text;
}

// A refusal in the registry's own words: its title in the reader's language, its detail and field.
function problem(resp) {
  const box = $('problem');
  box.replaceChildren();
  if (!resp) {
    box.hidden = true;
    return;
  }
  const p = resp.data;
  if (resp.status === 0) box.append(h('strong', {}, t('network')));
  else if (p && typeof p === 'object' && p.code) {
    box.append(h('strong', {}, (lang === 'th' && p.titleTh) || p.title || p.code));
    if (p.detail) box.append(h('span', {}, p.detail));
    if (p.field) box.append(h('small', {}, ' · ', t('field', { field: p.field })));
    box.dataset.code = p.code;
  } else box.append(h('strong', {}, t('badAnswer', { status: resp.status })));
  box.hidden = false;
}

function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// One call of the API with the session's token. Never throws: `status` 0 is no connection.
async function api(method, path, { body, purpose, raw, type, binary } = {}) {
  const headers = { authorization: `Bearer ${session.token}` };
  if (purpose) headers['dwp-purpose'] = purpose;
  if (method !== 'GET') headers['idempotency-key'] = idempotencyKey();
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (raw) headers['content-type'] = type;
  let resp;
  try {
    resp = await fetch(path, { method, headers, body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined), cache: 'no-store', credentials: 'omit' });
  } catch (_) {
    return { status: 0, ok: false, data: null };
  }
  const json = (resp.headers.get('content-type') || '').includes('json');
  if (binary && resp.ok) return { status: resp.status, ok: true, blob: await resp.blob() };
  const data = json ? await resp.json().catch(() => null) : await resp.text().catch(() => null);
  return { status: resp.status, ok: resp.ok, data };
}

// An image the API serves behind the token (the fee QR), as a blob URL of this page.
async function authImage(path, alt, cls) {
  const r = await api('GET', path, { binary: true });
  if (!r.ok) return h('span', {}, '—');
  const url = URL.createObjectURL(r.blob);
  blobs.push(url);
  return h('figure', { class: cls }, h('img', { src: url, alt }), h('figcaption', {}, h('small', {}, t('feeQrHint'))));
}

function age(secs) {
  if (secs < 7200) return t('age_m', { n: Math.floor(secs / 60) });
  if (secs < 172800) return t('age_h', { n: Math.floor(secs / 3600) });
  return t('age_d', { n: Math.floor(secs / 86400) });
}
const money = (amount) => t('amount', { amount: Number(amount).toLocaleString('en-US', { minimumFractionDigits: 2 }) });

// ----- the frame: language, sign-in, tabs

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  document.title = t('title');
  frame();
}

function frame() {
  const signedIn = !!session;
  $('sign-in').hidden = signedIn;
  $('sign-out').hidden = !signedIn;
  $('tabs').hidden = !signedIn;
  $('view').hidden = !signedIn;
  $('who').textContent = signedIn ? t('signedInAs', { role: t(`role_${session.role}`) }) : '';
  document.body.dataset.role = signedIn ? session.role : '';
  if (!signedIn) return;
  $('tabs').setAttribute('aria-label', t('views'));
  $('tabs').replaceChildren(...VIEWS[session.role].map((v) => h('button', {
    type: 'button', 'data-view': v, 'aria-current': current?.view === v ? 'page' : null, onclick: () => { notice(''); problem(null); show(v); },
  }, t(`tab_${v}`))));
}

async function show(view, arg) {
  for (const url of blobs.splice(0)) URL.revokeObjectURL(url);
  current = { view, arg };
  frame();
  const root = $('view');
  root.replaceChildren();
  document.body.dataset.busy = 'true';
  try {
    await RENDER[view](root, arg);
  } finally {
    document.body.dataset.busy = 'false';
  }
}

const RENDER = {
  queue: (root) => (session.role === 'registrar' ? queue(root, REGISTRAR_QUEUE, 'queueTitle', false) : queue(root, [], 'officerQueueTitle', true)),
  mine: (root) => queue(root, [], 'mineTitle', false),
  open: openForm,
  detail: detail,
  intake,
  identity,
  permit: permitForm,
  permitDetail,
  renewals,
};

// ----- lists

async function queue(root, states, titleKey, filter) {
  const panel = h('section', { class: 'panel' }, h('h2', {}, t(titleKey)));
  root.append(panel);
  let chosen = states;
  if (filter) {
    const select = h('select', { id: 'state-filter' }, h('option', { value: '' }, t('allStates')), STATES.map((s) => h('option', { value: s }, stateLabel(s))));
    select.value = current.arg?.state ?? '';
    chosen = select.value ? [select.value] : [];
    panel.append(h('div', { class: 'row' }, field('stateFilter', select), h('button', { type: 'button', onclick: () => show('queue', { state: select.value }) }, t('refresh'))));
  }
  const employer = session.role === 'employer';
  const cols = ['col_number', 'col_state', 'col_category', 'col_age', 'col_submitted', 'col_fee', 'col_due', ...(employer ? ['col_qr'] : ['col_employer'])];
  const body = h('tbody');
  const tableEl = h('table', { id: 'queue' }, h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, t(c))))), body);
  const more = h('button', { type: 'button', hidden: true }, t('more'));
  panel.append(tableEl, more);
  let after = null;
  let qrs = 0;
  const page = async () => {
    const q = new URLSearchParams({ limit: '50' });
    if (chosen.length) q.set('state', chosen.join(','));
    if (after) q.set('after', after);
    const r = await api('GET', `/v1/applications?${q}`);
    if (!r.ok) return problem(r);
    problem(null);
    const apps = r.data.applications;
    if (!apps.length && !after) body.append(h('tr', {}, h('td', { colspan: cols.length }, t('none'))));
    for (const a of apps) {
      const last = employer ? h('td', {}) : h('td', {}, a.employerId ?? '—');
      body.append(h('tr', { 'data-id': a.id, 'data-state': a.state },
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => show('detail', a.id) }, a.id)),
        h('td', {}, h('span', { class: 'state' }, stateLabel(a.state))), h('td', {}, categoryLabel(a.category)),
        h('td', {}, age(a.ageSeconds)), h('td', {}, when(a.submittedAt)), h('td', {}, a.fee ? money(a.fee) : '—'),
        h('td', {}, when(a.feeDueAt)), last));
      // An employer's unpaid fees, with their QR codes (the first few of the page).
      if (employer && a.state === 'fee_pending' && qrs++ < 10) {
        last.append(await authImage(`/v1/applications/${encodeURIComponent(a.id)}/fee.png`, t('feeQr', { number: a.id }), 'qr small'));
      }
    }
    after = apps.length === 50 ? apps[apps.length - 1].cursor : null;
    more.hidden = !after;
  };
  more.addEventListener('click', page);
  await page();
}

function openForm(root) {
  const number = h('input', { id: 'open-number', autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', { class: 'panel narrow', onsubmit: (e) => { e.preventDefault(); show('detail', number.value.trim().toUpperCase()); } },
    h('h2', {}, t('tab_open')), field('number', number), h('button', { class: 'primary', type: 'submit' }, t('open')));
  root.append(form);
}

// ----- one application

function entries(value, prefix = '') {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => entries(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, Array.isArray(value) ? value.join(', ') : String(value)]];
}
const dl = (pairs) => h('dl', {}, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

async function detail(root, id) {
  const registrar = session.role === 'registrar';
  const r = await api('GET', `/v1/applications/${encodeURIComponent(id)}`, { purpose: registrar ? 'application-review' : undefined });
  if (!r.ok) return problem(r);
  problem(null);
  const a = r.data;
  const head = h('section', { class: 'panel', id: 'application', 'data-id': a.id, 'data-state': a.state },
    h('h2', {}, t('detailTitle', { number: a.id })),
    dl([
      [t('col_state'), h('span', { class: 'state', id: 'application-state' }, stateLabel(a.state))],
      [t('col_category'), categoryLabel(a.category)], [t('submittedAt'), when(a.submittedAt)], [t('changedAt'), when(a.changedAt)],
      ...(a.decidedAt ? [[t('decidedAt'), when(a.decidedAt)]] : []),
      ...(a.permitId ? [[t('permitId'), a.permitId]] : []),
      ...(a.reasonCode ? [[t('reasonCode'), (lang === 'th' && a.reasonCode.titleTh) || a.reasonCode.title || a.reasonCode.code]] : []),
      ...(typeof a.reason === 'string' ? [[t('reasonText'), a.reason]] : []),
    ]),
    h('h3', {}, t('nextStep')), h('p', {}, a.nextStep?.[lang] ?? ''));
  root.append(head);
  if (a.fee) {
    const fee = h('section', { class: 'panel', id: 'fee' }, h('h3', {}, t('fee')), dl([
      [t('col_fee'), money(a.fee.amount)], [t('dueAt'), when(a.fee.dueAt)], [t('paidAt'), a.fee.paidAt ? when(a.fee.paidAt) : t('unpaid')],
    ]));
    if (a.fee.qr) fee.append(await authImage(`/v1/applications/${encodeURIComponent(a.id)}/fee.png`, t('feeQr', { number: a.id }), 'qr'));
    root.append(fee);
  }
  if (registrar && a.permit) root.append(h('section', { class: 'panel', id: 'permit-data' }, h('h3', {}, t('permitData')), dl(entries(a.permit))));
  root.append(await documents(a));
  root.append(h('section', { class: 'panel', id: 'timeline' }, h('h3', {}, t('timeline')), table(
    ['col_n', 'col_action', 'col_actor', 'col_at', 'col_state', 'col_detail'],
    a.timeline.map((s) => h('tr', {}, h('td', {}, String(s.n)), h('td', {}, s.action), h('td', {}, s.actor), h('td', {}, when(s.at)),
      h('td', {}, stateLabel(s.state)), h('td', { class: 'detail' }, s.detail && Object.keys(s.detail).length ? JSON.stringify(s.detail) : ''))),
  )));
  const actions = actionsFor(a);
  if (actions.length) root.append(h('section', { class: 'panel', id: 'actions' }, h('h3', {}, t('actions')), h('div', { class: 'actions' }, actions)));
  if (registrar && a.permitId) await permitDetail(root, a.permitId, true);
}

async function documents(a) {
  const panel = h('section', { class: 'panel', id: 'documents' }, h('h3', {}, t('documents')));
  const base = `/v1/applications/${encodeURIComponent(a.id)}/documents`;
  const r = await api('GET', base);
  if (r.status === 404 || r.status === 405) panel.append(h('p', {}, h('small', {}, t('documentsUnavailable'))));
  else if (!r.ok) panel.append(h('p', {}, h('small', {}, `${(lang === 'th' && r.data?.titleTh) || r.data?.title || r.status} ${r.data?.detail ?? ''}`)));
  else if (!r.data.documents.length) panel.append(h('p', {}, t('noDocuments')));
  else {
    panel.append(table(['col_doc', 'col_type', 'col_bytes', 'col_sha', 'col_uploaded', 'open'], r.data.documents.map((d) => h('tr', {},
      h('td', {}, String(d.n)), h('td', {}, d.type), h('td', {}, String(d.bytes)), h('td', { class: 'detail' }, d.sha256.slice(0, 16) + '…'),
      h('td', {}, when(d.uploadedAt)),
      h('td', {}, session.role === 'registrar' ? h('button', { type: 'button', onclick: () => viewDocument(a.id, d.n) }, t('openDocument')) : '')))));
  }
  if (session.role !== 'registrar' && r.status !== 404 && r.status !== 405 && !FINAL.includes(a.state)) {
    const file = h('input', { type: 'file', accept: 'application/pdf,image/jpeg,image/png' });
    panel.append(h('form', { class: 'row', onsubmit: async (e) => {
      e.preventDefault();
      const f = file.files[0];
      if (!f) return;
      const up = await api('POST', base, { raw: f, type: f.type || 'application/octet-stream' });
      if (!up.ok) return problem(up);
      notice(t('uploaded'));
      show('detail', a.id);
    } }, field('uploadFile', file), h('button', { type: 'submit' }, t('upload'))));
  }
  return panel;
}

async function viewDocument(id, n) {
  const r = await api('GET', `/v1/applications/${encodeURIComponent(id)}/documents/${n}`, { purpose: 'application-review', binary: true });
  if (!r.ok) return problem(r);
  const url = URL.createObjectURL(r.blob);
  blobs.push(url);
  window.open(url, '_blank', 'noopener');
}

// A form of one action: `inputs` are [name, labelKey, element]; `body` builds the request from them.
function actionForm(name, labelKey, inputs, body, { danger, path } = {}) {
  const form = h('form', { 'data-action': name, onsubmit: async (e) => {
    e.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    const values = Object.fromEntries(inputs.map(([k, , el]) => [k, el.value.trim()]));
    const r = await api('POST', path, { body: body(values) });
    button.disabled = false;
    if (!r.ok) return problem(r);
    problem(null);
    await done(name, r.data);
  } }, inputs.map(([, key, el]) => field(key, el)), h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, t(labelKey)));
  return form;
}
const reasonBox = () => h('textarea', { rows: 2 });
const withReason = (v, extra = {}) => ({ ...(v.reason ? { reason: v.reason } : {}), ...extra });

const PERMIT_ACTIONS = { suspend: 'suspend', reinstate: 'reinstate', revoke: 'revoke', renew: 'renew', 'change-employer': 'changeEmployer' };

// After an action: what it did, said in the reader's language, and the view drawn again.
async function done(name, data) {
  const id = current.arg;
  if (name in PERMIT_ACTIONS) {
    notice(t('done_permit', { id: data?.id ?? '', action: t(PERMIT_ACTIONS[name]) }));
    return show(current.view, id);
  }
  if (name === 'approve') notice(t('done_approve', { number: data.id, permit: data.permitId }));
  else if (name === 'identity') notice(t('done_identity', { number: data.id ?? id }));
  else notice(t(`done_${name.replace('-', '_')}`, { number: id }));
  if (current.view === 'identity') return show('identity');
  await show('detail', id);
}

function actionsFor(a) {
  if (FINAL.includes(a.state)) return [];
  const path = (step) => `/v1/applications/${encodeURIComponent(a.id)}/${step}`;
  if (session.role === 'registrar') {
    const code = h('select', {}, REASON_CODES.map((c) => h('option', { value: c }, t(`rc_${c}`))));
    return [
      actionForm('review', 'review', [], () => ({}), { path: path('review') }),
      actionForm('approve', 'approve', [['reason', 'reasonOptional', reasonBox()]], (v) => withReason(v), { path: path('approve') }),
      actionForm('request-info', 'requestInfo', [['reason', 'reason', reasonBox()]], (v) => withReason(v), { path: path('request-info') }),
      actionForm('reject', 'reject', [['reason', 'reason', reasonBox()], ['reasonCode', 'reasonCodeChoose', code]],
        (v) => withReason(v, { reasonCode: v.reasonCode }), { path: path('reject'), danger: true }),
    ];
  }
  const out = [];
  if (session.role === 'officer') out.push(identityForm(a.id));
  out.push(actionForm('provide-info', 'provideInfo', [['reason', 'reasonOptional', reasonBox()]], (v) => withReason(v), { path: path('provide-info') }));
  out.push(actionForm('withdraw', 'withdraw', [], () => ({}), { path: path('withdraw'), danger: true }));
  return out;
}

// ----- the officer's identity check

function identityForm(id) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const inputs = [
    ['centre', 'centre', h('input', { name: 'centre', autocomplete: 'off', placeholder: 'SC-21-01' })],
    ['biometricMatch', 'biometric', h('input', { name: 'biometricMatch', autocomplete: 'off', placeholder: 'BIO-7781' })],
    ['verifiedAt', 'verifiedAt', h('input', { name: 'verifiedAt', autocomplete: 'off', value: now })],
  ];
  return actionForm('identity', 'tab_identity', inputs, (v) => v, { path: `/v1/applications/${encodeURIComponent(id)}/identity` });
}

function identity(root) {
  const number = h('input', { id: 'identity-number', autocomplete: 'off', spellcheck: 'false' });
  const panel = h('section', { class: 'panel narrow' }, h('h2', {}, t('identityTitle')), field('number', number));
  const holder = h('div');
  const form = () => {
    const f = identityForm(number.value.trim().toUpperCase() || '-');
    f.id = 'identity-form';
    holder.replaceChildren(f);
  };
  number.addEventListener('input', () => {
    current.arg = number.value.trim().toUpperCase();
    const old = holder.querySelector('form');
    const values = old ? [...old.querySelectorAll('input')].map((i) => i.value) : null;
    form();
    if (values) holder.querySelectorAll('input').forEach((i, k) => { i.value = values[k]; });
  });
  form();
  panel.append(holder);
  root.append(panel);
}

// ----- a new application (an employer's, or an officer's for a walk-in)

const INTAKE = [
  ['permitNumber', 'f_permitNumber'], ['category', 'f_category', ['section59', 'section62', 'section63_1', 'section64']],
  ['worker.name', 'f_name'], ['worker.nationality', 'f_nationality'], ['worker.birthDate', 'f_birthDate'],
  ['worker.document.type', 'f_docType', ['passport', 'travel_document', 'certificate_of_identity']],
  ['worker.document.number', 'f_docNumber'], ['worker.document.country', 'f_docCountry'],
  ['employer.juristicId', 'f_juristicId'], ['employer.name', 'f_employerName'],
  ['workplace.province', 'f_province'], ['workplace.industrialEstate', 'f_estate'], ['occupation.isco08', 'f_isco'],
  ['issuingOffice', 'f_office'], ['validFrom', 'f_validFrom'], ['validUntil', 'f_validUntil'],
];

function intake(root) {
  const inputs = INTAKE.map(([name, key, options]) => [name, key, options
    ? h('select', { name }, h('option', { value: '' }, '—'), options.map((o) => h('option', { value: o }, o)))
    : h('input', { name, autocomplete: 'off', spellcheck: 'false' })]);
  const pasted = h('textarea', { id: 'intake-json', rows: 6, spellcheck: 'false', autocomplete: 'off' });
  const result = h('div', { id: 'intake-result' });
  const form = h('form', { id: 'intake', class: 'panel', autocomplete: 'off', onsubmit: async (e) => {
    e.preventDefault();
    let body = {};
    if (pasted.value.trim()) {
      try {
        body = JSON.parse(pasted.value);
      } catch (_) {
        return problem({ status: 422, data: { code: 'invalid_json', title: t('badJson'), titleTh: t('badJson') } });
      }
    } else {
      for (const [name, , el] of inputs) {
        if (!el.value.trim()) continue;
        const keys = name.split('.');
        let o = body;
        for (const k of keys.slice(0, -1)) o = o[k] ??= {};
        o[keys.at(-1)] = el.value.trim();
      }
    }
    const r = await api('POST', '/v1/applications', { body });
    if (!r.ok) return problem(r);
    problem(null);
    // What was typed is cleared: the page shows only the number, the state and the fee.
    form.reset();
    pasted.value = '';
    const s = r.data;
    result.replaceChildren(h('section', { class: 'panel', id: 'submitted', 'data-id': s.id }, h('h3', {}, t('submitted')),
      dl([[t('col_number'), s.id], [t('col_state'), stateLabel(s.state)], [t('col_fee'), money(s.fee.amount)], [t('dueAt'), when(s.fee.dueAt)]]),
      s.fee.qr ? await authImage(`/v1/applications/${encodeURIComponent(s.id)}/fee.png`, t('feeQr', { number: s.id }), 'qr') : '',
      h('p', {}, h('small', {}, t('submittedNote'))),
      h('button', { type: 'button', onclick: () => show('detail', s.id) }, t('open'))));
    notice(`${t('submitted')}: ${s.id}`);
  } },
  h('h2', {}, t('intakeTitle')), h('p', {}, h('small', {}, t('intakeHint'))),
  h('div', { class: 'grid' }, inputs.map(([, key, el]) => field(key, el))),
  field('pasteJson', pasted),
  h('div', {}, h('button', { class: 'primary', type: 'submit' }, t('submit'))));
  root.append(form, result);
}

// ----- permits (the registrar's actions; the employer's renewals)

function permitForm(root) {
  const id = h('input', { id: 'permit-id', autocomplete: 'off', spellcheck: 'false' });
  root.append(h('form', { class: 'panel narrow', onsubmit: (e) => { e.preventDefault(); show('permitDetail', id.value.trim()); } },
    h('h2', {}, t('tab_permit')), field('permitId', id), h('button', { class: 'primary', type: 'submit' }, t('openPermit'))));
}

async function permitDetail(root, id, inApplication = false) {
  const r = await api('GET', `/v1/permits/${encodeURIComponent(id)}`, { purpose: 'issuance' });
  const panel = h('section', { class: 'panel', id: 'permit', 'data-id': id }, h('h3', {}, t('permitTitle', { id })));
  root.append(panel);
  if (!r.ok) {
    if (!inApplication) problem(r);
    return;
  }
  const long = (v) => (v.length > 90 ? `${v.slice(0, 90)}…` : v);
  panel.append(dl(entries(r.data).filter(([k]) => !/qrPng|credential\b|proof/.test(k)).slice(0, 40).map(([k, v]) => [k, long(v)])));
  const path = (a) => `/v1/permits/${encodeURIComponent(id)}/${a}`;
  const reasoned = (name, key, extra = [], danger = false) => actionForm(name, key, [['reason', 'reason', reasonBox()], ...extra],
    (v) => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== '')), { path: path(name), danger });
  const forms = [
    reasoned('suspend', 'suspend'), reasoned('reinstate', 'reinstate'), reasoned('revoke', 'revoke', [], true),
    reasoned('renew', 'renew', [['validUntil', 'validUntil', h('input', { autocomplete: 'off' })]]),
    actionForm('change-employer', 'changeEmployer', [['reason', 'reason', reasonBox()], ['validUntil', 'validUntil', h('input', { autocomplete: 'off' })],
      ['juristicId', 'newEmployerId', h('input', { autocomplete: 'off' })], ['name', 'newEmployerName', h('input', { autocomplete: 'off' })]],
    (v) => ({ ...withReason(v), ...(v.validUntil ? { validUntil: v.validUntil } : {}), employer: { juristicId: v.juristicId, name: v.name } }),
    { path: path('change-employer') }),
  ];
  panel.append(h('h3', {}, t('permitActions')), h('div', { class: 'actions' }, forms));
}

async function renewals(root) {
  const panel = h('section', { class: 'panel', id: 'renewals' }, h('h2', {}, t('renewalsTitle')));
  root.append(panel);
  // The registry lists an employer's own workers' permits only (its token's scope).
  const r = await api('GET', '/v1/permits?expiringWithinDays=60', { purpose: 'employment-check' });
  if (!r.ok) {
    panel.append(h('p', {}, t('renewalsUnavailable')));
    if (r.data?.code) panel.append(h('p', {}, h('small', {}, `${(lang === 'th' && r.data.titleTh) || r.data.title}${r.data.detail ? ` — ${r.data.detail}` : ''}`)));
    return;
  }
  const permits = r.data.permits ?? [];
  if (!permits.length) return panel.append(h('p', {}, t('noPermits')));
  panel.append(table(['col_permitNumber', 'col_state', 'col_validUntil'], permits.map((p) => h('tr', {},
    h('td', {}, p.permitNumber ?? p.id), h('td', {}, p.state), h('td', {}, when(p.validUntil))))));
}

// ----- start

const langSelect = $('lang');
for (const [code, name] of CONSOLE_LANGUAGES) langSelect.append(new Option(name, code));
langSelect.value = lang;
langSelect.addEventListener('change', () => {
  lang = langSelect.value;
  localStorage.setItem(LANG_KEY, lang);
  notice('');
  applyLanguage();
  if (current) show(current.view, current.arg);
});
$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = $('token').value.trim();
  if (!token) return problem({ status: 400, data: { code: 'missing_token', title: t('needToken'), titleTh: t('needToken') } });
  session = { role: $('role').value, token };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  $('token').value = '';
  problem(null);
  show(VIEWS[session.role][0]);
});
$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(SESSION_KEY);
  session = null;
  current = null;
  $('view').replaceChildren();
  notice('');
  problem(null);
  frame();
});
applyLanguage();
if (session) show(VIEWS[session.role][0]);
document.body.dataset.ready = 'true';
