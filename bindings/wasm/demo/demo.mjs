// The browser demo (issue 20): the demo town (demo/town.json, the same as `teho demo`)
// played into the WebAssembly engine; pick who you are and see what they see. Every
// call goes through the engine's one door: what an actor may not see is absent, what
// they may not do is refused with its reason. No framework: plain modules and the DOM.
import { Engine, TehoError, AccessDenied } from '../js/web.mjs';

const TOWN_URL = new URL('../../../demo/town.json', import.meta.url);
/** When the page opens: Tuesday 13 October 2026, 14:00 in Tallinn. */
const START = '2026-10-13T11:00:00Z';
/** What happened between the town's last step and the page's start: as in `teho demo`,
 * Anu's departure (last day Friday 9 October) recorded late, on Tuesday morning; and
 * Maie's coming one (last day Thursday 15 October) recorded in advance, so that the
 * clock can be moved past it. */
const BEFORE_START = (t) => ({
  clock: '2026-10-13T07:00:00Z',
  steps: [
    { as: { Worker: t.cm.id }, do: { command: 'record_employment_end', args: { worker: t.departed_cw.id, last_day: '2026-10-09' } } },
    { as: { Worker: t.cm.id }, do: { command: 'record_employment_end', args: { worker: t.other_cw.id, last_day: '2026-10-15' } } },
  ],
});

/** The supervision case the supervisor reads for (seed 002 §17(4): the purpose is recorded). */
const SUPERVISION_CASE = 'SKA 7.2-1/2026/118';
const ACTORS = [
  ['sw', 'District social worker', 'Lasnamäe linnaosa valitsus'],
  ['head', 'Head of social welfare', 'Lasnamäe linnaosa valitsus'],
  ['cm', 'Care manager', 'Lasnamäe Sotsiaalkeskus'],
  ['cw', 'Care worker (Laine, Helju)', 'Lasnamäe Sotsiaalkeskus'],
  ['other_cw', 'Care worker (Helju), leaves 15 Oct', 'Lasnamäe Sotsiaalkeskus'],
  ['departed_cw', 'Care worker, left on 9 Oct', 'Lasnamäe Sotsiaalkeskus'],
  ['nm', 'Nursing manager', 'Koduõde OÜ'],
  ['nurse', 'Home nurse', 'Koduõde OÜ'],
  ['substitute', 'Home nurse, stands in 12–16 Oct', 'Koduõde OÜ'],
  ['hospital_sw', 'Hospital social worker', 'Ida-Tallinna Keskhaigla'],
  ['supervisor', `Supervisor, case ${SUPERVISION_CASE}`, 'Sotsiaalkindlustusamet'],
  ['client', 'The client', 'Punane 16-4'],
  ['relative', 'Relative (son)', 'Laine Kask\'s network'],
  ['admin', 'Administrator', 'Lasnamäe linnaosa valitsus'],
];
const PRESETS = [
  ['Tue 13 Oct 14:00', '2026-10-13T14:00'],
  ['Fri 16 Oct 16:00 — Maie has left; the substitution\'s last day', '2026-10-16T16:00'],
  ['Mon 19 Oct 09:00 — after the substitution', '2026-10-19T09:00'],
  ['Mon 26 Oct 09:00 — the clocks went back an hour on Sunday', '2026-10-26T09:00'],
];
const REASONS = ['ClientNotAtHome', 'ClientInHospital', 'ClientRefused', 'WorkerIll', 'NoAccessToHome', 'Other'];
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

const state = { engine: null, town: null, now: START, me: 'cw', file: null, week: null, calls: [], checkpoint: null, verified: null };

// ---------------------------------------------------------------------------------------
// Time in Tallinn

const TALLINN = 'Europe/Tallinn';
/** The Tallinn wall-clock parts of an instant. */
function tallinnParts(iso) {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone: TALLINN, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}
/** The instant (RFC 3339, UTC) of a Tallinn wall-clock time `YYYY-MM-DDTHH:MM`. */
function tallinnInstant(local) {
  const wall = Date.parse(`${local}:00Z`);
  let guess = wall - 2 * 3600e3;
  for (let i = 0; i < 3; i += 1) {
    const p = tallinnParts(new Date(guess).toISOString());
    const seen = Date.parse(`${p.date}T${p.time}:00Z`);
    guess += wall - seen;
  }
  return new Date(guess).toISOString().replace('.000Z', 'Z');
}
const fmtDay = (date) => new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
const fmtTime = (iso) => tallinnParts(iso).time;
const fmtWhen = (iso) => { const p = tallinnParts(iso); return `${fmtDay(p.date)} ${p.time}`; };
function addDays(date, n) {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function mondayOf(date) {
  const d = new Date(`${date}T12:00:00Z`);
  return addDays(date, -((d.getUTCDay() + 6) % 7));
}

// ---------------------------------------------------------------------------------------
// The engine, through one door that logs every call

const actorOf = (key) => {
  const t = state.town;
  if (key === 'system') return 'System';
  if (key === 'client' || key === 'relative') return { Person: t[key].id };
  if (key === 'admin') return { Worker: t.boot[1].id };
  if (key === 'supervisor') return { Supervising: { worker: t.supervisor.id, case_reference: SUPERVISION_CASE } };
  return { Worker: t[key].id };
};
const nameOf = (key) => {
  const t = state.town;
  if (key === 'system') return 'Operator (system)';
  const who = key === 'admin' ? t.boot[1] : t[key];
  return `${who.given_name} ${who.family_name}`;
};

/** Calls `method` on the engine as the current actor (or `as`); logs the call with its
 * outcome and returns `{ok, value}` or `{ok: false, error}`. */
function call(method, args, as = state.me) {
  const actor = actorOf(as);
  const entry = { who: nameOf(as), method };
  try {
    const value = state.engine[method](actor, ...args);
    entry.outcome = 'allowed';
    return { ok: true, value };
  } catch (error) {
    if (!(error instanceof TehoError)) throw error;
    entry.outcome = error instanceof AccessDenied ? 'refused' : 'failed';
    entry.detail = error instanceof AccessDenied ? reasonText(error) : `${error.constructor.name}: ${error.message}`;
    return { ok: false, error };
  } finally {
    state.calls.push(entry);
  }
}
const reasonText = (e) => (e.explanation ? `${e.reason} — ${e.explanation}` : e.message);

// ---------------------------------------------------------------------------------------
// DOM helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c.nodeType ? c : String(c));
  return el;
}
/** A refusal or an error, as shown in place of what was asked for. */
function problem(error, testid) {
  if (error instanceof AccessDenied) {
    return h('div', { class: 'refused', role: 'alert', 'data-testid': testid ?? 'refused' },
      h('strong', {}, 'Refused: '), reasonText(error));
  }
  return h('div', { class: 'error', role: 'alert', 'data-testid': testid ?? 'error' },
    h('strong', {}, `${error.constructor.name}: `), error.message);
}
function section(title, body, testid) {
  return h('section', { class: 'card', 'data-testid': testid }, h('h3', {}, title), body);
}
function ask(title, method, args, show, testid) {
  const r = call(method, args);
  return section(title, r.ok ? show(r.value) : problem(r.error), testid);
}

// ---------------------------------------------------------------------------------------
// Views

function renderActors() {
  const list = document.getElementById('actors');
  list.replaceChildren(...ACTORS.map(([key, role, org]) => h('li', {},
    h('button', {
      type: 'button', class: key === state.me ? 'actor current' : 'actor', role: 'option',
      'aria-selected': key === state.me ? 'true' : 'false', 'data-actor': key,
      onclick: () => { state.me = key; render(); },
    }, h('span', { class: 'name' }, nameOf(key)), h('span', { class: 'role' }, role), h('span', { class: 'org' }, org)))));
}

function renderClock() {
  const p = tallinnParts(state.now);
  document.getElementById('now').textContent = `${new Date(`${p.date}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })}, ${p.time}`;
  document.getElementById('clock-input').value = `${p.date}T${p.time}`;
}

function moveClock(local) {
  const instant = tallinnInstant(local);
  if (Date.parse(instant) < Date.parse(state.now)) {
    document.getElementById('now').textContent += ' — the clock only moves forward: the audit chain is in time order';
    return;
  }
  state.now = instant;
  state.engine.setClock(instant);
  state.week = null;
  render();
}

function renderHome() {
  const home = document.getElementById('home');
  const me = state.me;
  const title = h('h2', {}, `${nameOf(me)} — home`);
  if (me === 'client' || me === 'relative') {
    const r = call('clientHome', [state.town.file.id]);
    if (!r.ok) return home.replaceChildren(title, problem(r.error, 'home-refused'));
    const v = r.value;
    state.file = state.file ?? state.town.file.id;
    return home.replaceChildren(title, h('div', { class: 'grid2' },
      section('Notifications', list(v.notifications, (n) => `${fmtWhen(n.created_at)} — ${n.text}`), 'notifications'),
      section('Coming visits', list(v.coming.slice(0, 6), (c) => `${fmtWhen(c.visit.start)} ${c.visit.action.text} (${c.worker_name ?? 'no worker'})`), 'coming'),
      section('Not done', list(v.not_done, (x) => `${fmtWhen(x.start)} ${x.action.text}: ${x.not_done?.reason}${x.not_done?.text ? ` — ${x.not_done.text}` : ''}`), 'not-done')));
  }
  const r = call('homeView', []);
  if (!r.ok) return home.replaceChildren(title, problem(r.error, 'home-refused'));
  const v = r.value;
  // The file on screen stays as the actor changes: one they may not read shows why.
  state.file = state.file ?? v.clients[0]?.file ?? null;
  home.replaceChildren(title, h('div', { class: 'grid2' },
    section('Notifications', list(v.notifications, (n) => `${fmtWhen(n.created_at)} — ${n.text}`), 'notifications'),
    section('Clients', v.clients.length ? h('ul', { class: 'plain' }, v.clients.map((c) => h('li', {},
      h('button', { type: 'button', class: c.file === state.file ? 'link current' : 'link', onclick: () => { state.file = c.file; render(); } }, c.name)))) : empty(), 'clients'),
    section("Today's visits", list(v.visits_today, (c) => `${fmtTime(c.visit.start)} ${c.client_name ?? ''} — ${c.visit.action.text} (${c.visit.status})`), 'today'),
    section(`Missed-visit alerts (${v.missed_visits.length})`, latest(v.missed_visits, (x) => `${fmtWhen(x.start)} ${x.action.text}: no outcome recorded`), 'missed')));
}
const empty = () => h('p', { class: 'muted' }, 'Nothing.');
const list = (items, line) => (items.length ? h('ul', { class: 'plain' }, items.map((i) => h('li', {}, line(i)))) : empty());
/** The last eight of a long list, newest first, and how many more there are. */
const latest = (items, line) => {
  const shown = items.slice(-8).reverse();
  const more = items.length - shown.length;
  return h('div', {}, list(shown, line), more > 0 ? h('p', { class: 'muted small' }, `… and ${more} earlier`) : null);
};

function renderFile() {
  const out = document.getElementById('file');
  if (!state.file) return out.replaceChildren();
  const file = state.file;
  const today = tallinnParts(state.now).date;
  state.week = state.week ?? mondayOf(today);
  const monday = state.week;
  const sunday = addDays(monday, 6);
  const name = file === state.town.file.id ? 'Laine Kask' : 'Helju Tamm';
  out.replaceChildren(
    h('h2', {}, `${name}'s file, as ${nameOf(state.me)} sees it`),
    h('div', { class: 'grid2' },
      ask('Card', 'clientCard', [file], (c) => h('div', {},
        h('p', {}, h('strong', {}, 'Lives at: '), c.residence ?? '—'),
        h('p', {}, h('strong', {}, 'Good to know: '), c.good_to_know || '—'),
        list(c.providers, (p) => `${orgName(p.organization)}: ${memberName({ Worker: p.assigned_worker })}, ${p.general_contact.value}`)), 'card'),
      ask('Network', 'network', [file], networkTable, 'network')),
    h('div', { class: 'weekbar' },
      h('button', { type: 'button', onclick: () => { state.week = addDays(monday, -7); render(); } }, '← Previous week'),
      h('strong', {}, `Week of ${fmtDay(monday)} – ${fmtDay(sunday)}`),
      h('button', { type: 'button', onclick: () => { state.week = addDays(monday, 7); render(); } }, 'Next week →')),
    ask('Client calendar', 'clientCalendar', [file, monday, sunday], (visits) => weekGrid(monday, visits), 'calendar'),
    h('div', { class: 'grid2' },
      ask('Service log (this month)', 'serviceLog', [file, `${today.slice(0, 8)}01`, today], (log) => list(log.slice().reverse(),
        (e) => h('span', {}, `${fmtWhen(e.actual_start)} ${e.action.text}`, e.detail ? h('span', { class: 'detail', 'data-testid': 'detail' }, ` — ${e.detail.text}`) : '')), 'log'),
      ask('Entries', 'entries', [file], (es) => list(es, (e) => h('span', {}, h('strong', {}, `${e.category}: `), e.text)), 'entries')),
  );
}

function orgName(id) {
  const t = state.town;
  const org = [t.boot[0], t.care_org, t.nursing_org, t.hospital, t.ska].find((o) => o.id === id);
  return org?.name ?? id;
}

function networkTable(members) {
  const row = (cells, tag) => h('tr', {}, cells.map((c) => h(tag, {}, c)));
  return h('table', {},
    h('thead', {}, row(['Who', 'Role', 'From', 'Until'], 'th')),
    h('tbody', {}, members.map((m) => row([memberName(m.member), m.role, m.valid_from, m.valid_until ?? ''], 'td'))));
}

function memberName(member) {
  const id = member.Worker ?? member.Person;
  for (const [key] of ACTORS) if (actorOf(key).Worker === id || actorOf(key).Person === id) return nameOf(key);
  return id;
}

function weekGrid(monday, visits) {
  const days = [...Array(7).keys()].map((i) => addDays(monday, i));
  return h('div', { class: 'week' }, days.map((d) => h('div', { class: 'day' },
    h('div', { class: 'dayname' }, fmtDay(d)),
    visits.filter((c) => tallinnParts(c.visit.start).date === d).map(visitCard))));
}

function visitCard(c) {
  const v = c.visit;
  const worker = state.me !== 'client' && state.me !== 'relative';
  const card = h('div', { class: `visit ${v.status}`, 'data-testid': 'visit', 'data-visit': v.id, 'data-status': v.status },
    // Tallinn wall-clock time; the UTC instant beside it shows a daylight-saving change
    // (25 October: 09:00 is 06:00 UTC before it, 07:00 UTC after).
    h('div', { class: 'when', title: `${v.start} (UTC)`, 'data-utc': v.start }, `${fmtTime(v.start)}–${fmtTime(v.end)}`),
    h('div', { class: 'badge' }, v.status === 'NotDone' ? 'not done' : v.status.toLowerCase()),
    h('div', {}, v.action.text),
    h('div', { class: 'small' }, c.worker_name ?? 'no worker'),
    v.not_done ? h('div', { class: 'reason', 'data-testid': 'reason' }, `${v.not_done.reason}${v.not_done.text ? `: ${v.not_done.text}` : ''}`) : null,
    h('button', { type: 'button', class: 'link small', onclick: () => openVisit(v.id, card) }, 'Its plan'));
  if (worker && v.status === 'Planned' && Date.parse(v.start) <= Date.parse(state.now)) card.append(markForms(v));
  return card;
}

function markForms(v) {
  const out = h('div', { class: 'form-error', role: 'alert', 'data-testid': 'form-error' });
  const detail = h('input', { type: 'text', placeholder: 'Detail (own domain only)', 'aria-label': 'Detail', 'data-testid': 'done-detail' });
  const reason = h('select', { 'aria-label': 'Reason not done', 'data-testid': 'reason-select' },
    h('option', { value: '' }, '— reason —'), REASONS.map((r) => h('option', { value: r }, r)));
  const text = h('input', { type: 'text', placeholder: 'What happened', 'aria-label': 'What happened', 'data-testid': 'reason-text' });
  const act = (method, args) => {
    const r = call(method, args);
    if (!r.ok) { out.replaceChildren(problem(r.error, 'mark-error')); renderAudit(); return; }
    render();
  };
  return h('div', { class: 'marks' },
    h('form', { onsubmit: (e) => { e.preventDefault(); act('markDone', [v.id, { actual_start: null, actual_end: null, detail: detail.value || null }]); } },
      detail, h('button', { type: 'submit', 'data-testid': 'mark-done' }, 'Done')),
    h('form', { onsubmit: (e) => { e.preventDefault(); act('markNotDone', [v.id, reason.value || null, text.value]); } },
      reason, text, h('button', { type: 'submit', 'data-testid': 'mark-not-done' }, 'Not done')),
    out);
}

function openVisit(id, card) {
  const r = call('visitWithPlan', [id]);
  const box = h('div', { class: 'plan', 'data-testid': 'plan' });
  if (!r.ok) box.append(problem(r.error));
  else if (!r.value.plan) box.append('Added by hand: no plan item.');
  else {
    const p = r.value.plan;
    box.append(h('div', {}, h('strong', {}, `${p.action.code} `), `${p.recurrence_in_words}, ${p.duration_minutes} min, ${p.worker_name ?? 'no worker'} (${p.provider_name ?? ''})`));
    if (state.me === 'cm' || state.me === 'nm') box.append(planForm(p));
  }
  card.querySelector('.plan')?.remove();
  card.append(box);
  renderAudit();
}

/** A manager changes the item's recurrence and sees the regeneration's diff. */
function planForm(p) {
  const days = DAYS.map((d) => h('label', { class: 'day-check' }, h('input', { type: 'checkbox', value: d, checked: p.recurrence.includes(d) || p.recurrence.includes('DAILY') }), d));
  const hour = (p.recurrence.match(/BYHOUR=(\d+)/) ?? [0, '9'])[1].padStart(2, '0');
  const time = h('input', { type: 'time', value: `${hour}:00`, 'aria-label': 'Time' });
  const every = h('input', { type: 'number', min: '1', max: '8', value: (p.recurrence.match(/INTERVAL=(\d+)/) ?? [0, '1'])[1], 'aria-label': 'Every N weeks' });
  const out = h('div', { 'data-testid': 'regeneration' });
  const form = h('form', {
    class: 'planform',
    onsubmit: (e) => {
      e.preventDefault();
      const chosen = days.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      const [hh, mm] = time.value.split(':').map(Number);
      const rule = `FREQ=WEEKLY;INTERVAL=${every.value};BYDAY=${chosen.join(',')};BYHOUR=${hh};BYMINUTE=${mm}`;
      const r = call('changePlanItem', [p.item, {
        action: p.action, worker: p.worker, place: p.place, duration_minutes: p.duration_minutes,
        recurrence: rule, valid_from: p.valid_from, valid_until: p.valid_until,
      }]);
      if (!r.ok) { out.replaceChildren(problem(r.error)); renderAudit(); return; }
      const g = r.value.regeneration;
      const dates = (vs) => vs.slice(0, 6).map((v) => fmtWhen(v.start ?? v)).join(', ') + (vs.length > 6 ? ', …' : '');
      render();
      alertBox(`Regenerated ${p.action.text}: ${g.added.length} added, ${g.removed.length} removed, ${g.kept_recorded.length} kept because recorded, ${g.kept_by_hand.length} kept because moved by hand, ${g.unchanged.length} unchanged. Added: ${dates(g.added)}`);
    },
  }, h('fieldset', {}, h('legend', {}, 'Change the recurrence'), days, h('label', {}, ' at ', time), h('label', {}, ' every ', every, ' week(s)'), h('button', { type: 'submit' }, 'Change and regenerate')), out);
  return form;
}

function alertBox(text) {
  const home = document.getElementById('home');
  home.prepend(h('div', { class: 'notice', role: 'status', 'data-testid': 'notice' }, text));
}

function renderAudit() {
  // The chain, verified live: in full once, then from the last verified head on, so a
  // render costs what was appended since, not the whole chain. A verification is itself
  // an audited call, made as the operator (System), and shown in the list too.
  const v = state.verified
    ? call('verifyAuditSince', [state.verified], 'system')
    : call('verifyAudit', [null], 'system');
  const chain = document.getElementById('chain');
  if (v.ok && v.value.first_break === null) {
    state.verified = {
      entries: (state.verified?.entries ?? 0) + v.value.entries,
      head_hash: v.value.head_hash ?? state.verified.head_hash,
    };
    chain.className = 'chain ok';
    chain.textContent = `Chain verified: ${state.verified.entries} entries, intact`;
  } else {
    chain.className = 'chain broken';
    chain.textContent = v.ok ? `Chain BROKEN at entry ${v.value.first_break.seq}` : reasonText(v.error);
  }
  const log = call('accessLog', [state.town.file.id], 'client');
  document.getElementById('access-log').replaceChildren(log.ok
    ? h('ul', { class: 'plain small' }, log.value.slice(-12).reverse().map((l) => h('li', {},
      `${fmtWhen(l.at)} ${l.who}${l.organisation ? ` (${l.organisation})` : ''}: ${l.what}, for ${l.why} — ${l.outcome}`)))
    : problem(log.error));
  const calls = document.getElementById('calls');
  calls.setAttribute('start', String(state.calls.length));
  calls.replaceChildren(...state.calls.slice(-40).reverse().map((c) => h('li', { class: c.outcome },
    h('span', { class: 'badge' }, c.outcome), ` ${c.who}: ${c.method}`, c.detail ? h('div', { class: 'small' }, c.detail) : null)));
  const count = (o) => state.calls.filter((c) => c.outcome === o).length;
  document.getElementById('calls-count').textContent = `(${state.calls.length} in this session: `
    + `${count('allowed')} allowed, ${count('refused')} refused, ${count('failed')} failed)`;
}

function render() {
  renderClock();
  renderActors();
  renderHome();
  renderFile();
  renderAudit();
}

// ---------------------------------------------------------------------------------------
// Audit tools and keeping the store

document.getElementById('checkpoint').addEventListener('click', () => {
  const r = call('auditCheckpoint', [], 'system');
  if (r.ok) {
    state.checkpoint = r.value;
    document.getElementById('checkpoint-out').textContent = `Checkpoint to keep elsewhere: ${r.value.entries}:${r.value.head_hash.slice(0, 16)}…`;
    document.getElementById('verify-checkpoint').disabled = false;
  }
  renderAudit();
});
document.getElementById('verify-checkpoint').addEventListener('click', () => {
  const r = call('verifyAudit', [state.checkpoint], 'system');
  document.getElementById('checkpoint-out').textContent = r.ok && r.value.first_break === null
    ? `Verified against the checkpoint at entry ${state.checkpoint.entries}: the chain still holds it (${r.value.entries} entries now).`
    : `Verification against the checkpoint FAILED${r.ok ? ` at entry ${r.value.first_break.seq}` : `: ${r.error.message}`}.`;
  renderAudit();
});
document.getElementById('save').addEventListener('click', () => {
  const page = { format: 'teho-demo-page', version: 1, now: state.now, town: state.town, store: state.engine.save() };
  const blob = new Blob([JSON.stringify(page)], { type: 'application/json' });
  const a = h('a', { href: URL.createObjectURL(blob), download: `teho-demo-${tallinnParts(state.now).date}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  document.getElementById('store-out').textContent = `Saved ${Math.round(blob.size / 1024)} KB: every record and the whole audit chain.`;
});
document.getElementById('load').addEventListener('change', async (e) => {
  const out = document.getElementById('store-out');
  const [f] = e.target.files;
  if (!f) return;
  try {
    const page = JSON.parse(await f.text());
    if (page.format !== 'teho-demo-page') throw new Error('not a file saved by this page');
    state.engine = Engine.load(page.store, page.now);
    Object.assign(state, { town: page.town, now: page.now, week: null, calls: [], checkpoint: null, verified: null });
    out.textContent = `Loaded ${f.name}: its audit chain and every record verified.`;
    render();
  } catch (err) {
    out.replaceChildren(err instanceof TehoError ? problem(err, 'load-error') : `Not loaded: ${err.message}`);
  }
  e.target.value = '';
});

// ---------------------------------------------------------------------------------------
// Start

document.getElementById('clock-form').addEventListener('submit', (e) => {
  e.preventDefault();
  moveClock(document.getElementById('clock-input').value);
});
document.getElementById('presets').replaceChildren(...PRESETS.map(([label, local]) => h('button', { type: 'button', class: 'preset', onclick: () => moveClock(local) }, label)));

const town = await (await fetch(TOWN_URL)).json();
state.engine = new Engine(town.clock);
state.town = state.engine.play(town);
state.engine.play(BEFORE_START(state.town));
state.engine.setClock(START);
state.file = state.town.file.id;
render();
document.body.dataset.ready = 'true';
