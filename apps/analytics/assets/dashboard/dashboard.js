// @ts-check
// The supervisor dashboard: calls the analytics API with the reader's token and draws what it answers.
// Every value is written with textContent (never as HTML), and each number carries data-figure so a
// test can hold it against the API. The token comes from the URL fragment (never sent to a server or
// logged) or a form, and is kept in sessionStorage for this tab only.

const TOKEN_KEY = 'journey.analytics.token';
const DAY_MS = 86_400_000;

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Seconds to minutes with one decimal; ratios to percent with one decimal; null to a dash. */
const minutes = (/** @type {number | null | undefined} */ s) => (s == null ? '—' : (s / 60).toFixed(1));
const hours = (/** @type {number | null | undefined} */ s) => (s == null ? '—' : (s / 3600).toFixed(1));
const percent = (/** @type {number | null | undefined} */ r) => (r == null ? '—' : (r * 100).toFixed(1));
const count = (/** @type {number | null | undefined} */ n) => (n == null ? '—' : String(n));
const decimal = (/** @type {number | null | undefined} */ n) => (n == null ? '—' : n.toFixed(2));

/** Reads the fragment (#token=…&from=…): the token is kept and taken out of the address bar. */
function readFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    params.delete('token');
    history.replaceState(null, '', `${location.pathname}${location.search}#${params}`);
  }
  return params;
}

function isoDate(/** @type {Date} */ d) {
  return d.toISOString().slice(0, 10);
}

/** The query from the form, with defaults: the last 30 days up to tomorrow, UTC, by creation. */
function initialQuery(/** @type {URLSearchParams} */ params) {
  const form = /** @type {HTMLFormElement} */ ($('query'));
  const now = Date.now();
  const values = {
    from: params.get('from') ?? isoDate(new Date(now - 30 * DAY_MS)),
    to: params.get('to') ?? isoDate(new Date(now + DAY_MS)),
    timeZone: params.get('timeZone') ?? 'UTC',
    group: params.get('group') ?? '',
    dateBy: params.get('dateBy') ?? 'created',
  };
  for (const [name, value] of Object.entries(values))
    /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value = value;
}

function formQuery() {
  const data = new FormData(/** @type {HTMLFormElement} */ ($('query')));
  /** @type {Record<string, string>} */
  const q = {};
  for (const [k, v] of data.entries()) if (typeof v === 'string' && v.trim()) q[k] = v.trim();
  return q;
}

class SignInNeeded extends Error {}

/** GET an analytics API path with the token; throws with the API's own message on an error. */
async function api(/** @type {string} */ path, /** @type {Record<string, string>} */ params = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new SignInNeeded('no token');
  const res = await fetch(`${path}?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  if (res.status === 401) throw new SignInNeeded('the token was refused');
  const body = await res.json().catch(() => ({}));
  if (!res.ok)
    throw Object.assign(new Error(`${path}: ${body.message ?? res.status}`), { status: res.status });
  return body;
}

/** A tile of the overview: label, value and the figure it shows. */
function tile(
  /** @type {HTMLElement} */ list,
  /** @type {string} */ label,
  /** @type {string} */ text,
  /** @type {string} */ figure,
) {
  const box = document.createElement('div');
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = text;
  dd.dataset['figure'] = figure;
  box.append(dt, dd);
  list.append(box);
}

function cell(
  /** @type {HTMLTableRowElement} */ tr,
  /** @type {string} */ text,
  /** @type {string=} */ figure,
) {
  const td = document.createElement(figure ? 'td' : 'th');
  if (!figure) td.setAttribute('scope', 'row');
  td.textContent = text;
  if (figure) td.dataset['figure'] = figure;
  tr.append(td);
}

const EMPTY_ROW = {
  created: 0,
  solved: 0,
  resolutionRate: null,
  firstResponse: { median: null, businessMedian: null, count: 0 },
  fullResolution: { median: null, count: 0 },
  firstContactResolution: null,
  reopenRate: null,
  csat: null,
  surveyResponseRate: null,
  rated: 0,
  transfers: 0,
  escalations: 0,
  botResolved: 0,
  sla: {},
};

function drawOverview(/** @type {any} */ totals) {
  const row = totals.rows[0] ?? EMPTY_ROW;
  const list = $('tiles');
  list.replaceChildren();
  tile(list, 'Created', count(row.created), 'created');
  tile(list, 'Solved', count(row.solved), 'solved');
  tile(list, 'Resolution rate (%)', percent(row.resolutionRate), 'resolutionRate');
  tile(
    list,
    'First response, median (min)',
    minutes(row.firstResponse.count ? row.firstResponse.median : null),
    'firstResponse.median',
  );
  tile(
    list,
    'First response, business median (min)',
    minutes(row.firstResponse.count ? row.firstResponse.businessMedian : null),
    'firstResponse.businessMedian',
  );
  tile(
    list,
    'Full resolution, median (min)',
    minutes(row.fullResolution.count ? row.fullResolution.median : null),
    'fullResolution.median',
  );
  tile(list, 'First-contact resolution (%)', percent(row.firstContactResolution), 'firstContactResolution');
  tile(list, 'Reopen rate (%)', percent(row.reopenRate), 'reopenRate');
  tile(list, 'CSAT (%)', percent(row.csat), 'csat');
  tile(list, 'Survey response rate (%)', percent(row.surveyResponseRate), 'surveyResponseRate');
  for (const metric of Object.keys(row.sla).sort())
    tile(list, `SLA ${metric} met (%)`, percent(row.sla[metric].compliance), `sla.${metric}.compliance`);
  tile(list, 'Transfers', count(row.transfers), 'transfers');
  tile(list, 'Escalations', count(row.escalations), 'escalations');
  tile(list, 'Solved by bots', count(row.botResolved), 'botResolved');
  $('range').textContent =
    `${totals.query.from.slice(0, 10)} – ${totals.query.to.slice(0, 10)} (${totals.query.timeZone})`;
}

const SVG = 'http://www.w3.org/2000/svg';
function svgEl(
  /** @type {string} */ name,
  /** @type {Record<string, string | number>} */ attrs,
  /** @type {string=} */ title,
) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (title) {
    const t = document.createElementNS(SVG, 'title');
    t.textContent = title;
    el.append(t);
  }
  return el;
}

/** Bars of created and solved tickets per day, and the line of the median first response. */
function drawDays(/** @type {any} */ days) {
  const rows = [...days.rows].sort((a, b) => String(a.key.period).localeCompare(String(b.key.period)));
  const bars = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('per-day')));
  const line = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('response-day')));
  bars.replaceChildren();
  line.replaceChildren();
  const [w, h, left, bottom] = [720, 220, 36, 24];
  const slot = rows.length ? (w - left - 8) / rows.length : 0;
  const top = Math.max(1, ...rows.flatMap((r) => [r.created, r.solved]));
  const y = (/** @type {number} */ v) => h - bottom - (v / top) * (h - bottom - 12);
  bars.append(
    svgEl('text', { x: 4, y: 14 }, undefined),
    svgEl('line', { x1: left, y1: h - bottom, x2: w, y2: h - bottom, stroke: '#c9ced6' }),
  );
  /** @type {Element} */ (bars.firstChild).textContent = String(top);
  rows.forEach((r, i) => {
    const x = left + i * slot;
    const bw = Math.max(1, slot / 2 - 2);
    bars.append(
      svgEl(
        'rect',
        { class: 'bar-created', x, y: y(r.created), width: bw, height: h - bottom - y(r.created) },
        `${r.key.period}: ${r.created} created`,
      ),
      svgEl(
        'rect',
        { class: 'bar-solved', x: x + bw + 1, y: y(r.solved), width: bw, height: h - bottom - y(r.solved) },
        `${r.key.period}: ${r.solved} solved`,
      ),
    );
    if (rows.length <= 16 || i % Math.ceil(rows.length / 16) === 0) {
      const label = svgEl('text', { x, y: h - 8 });
      label.textContent = String(r.key.period).slice(5);
      bars.append(label);
    }
  });
  const answered = rows.filter((r) => r.firstResponse.count > 0);
  const most = Math.max(1, ...answered.map((r) => r.firstResponse.median / 60));
  const ly = (/** @type {number} */ m) => h - bottom - (m / most) * (h - bottom - 12);
  const points = answered.map(
    (r) => `${left + rows.indexOf(r) * slot + slot / 2},${ly(r.firstResponse.median / 60)}`,
  );
  line.append(svgEl('line', { x1: left, y1: h - bottom, x2: w, y2: h - bottom, stroke: '#c9ced6' }));
  const scale = svgEl('text', { x: 4, y: 14 });
  scale.textContent = most.toFixed(1);
  line.append(scale);
  if (points.length)
    line.append(
      svgEl('polyline', { class: 'line', points: points.join(' ') }, 'median first response per day'),
    );
  answered.forEach((r) => {
    line.append(
      svgEl(
        'circle',
        {
          cx: left + rows.indexOf(r) * slot + slot / 2,
          cy: ly(r.firstResponse.median / 60),
          r: 3,
          fill: 'var(--line)',
        },
        `${r.key.period}: ${minutes(r.firstResponse.median)} min`,
      ),
    );
  });
}

function drawAgents(/** @type {any} */ agents) {
  const body = /** @type {HTMLTableSectionElement} */ ($('agents').querySelector('tbody'));
  body.replaceChildren();
  for (const r of agents.rows) {
    const tr = document.createElement('tr');
    tr.dataset['agent'] = r.key.agent;
    cell(tr, r.key.agent);
    cell(tr, count(r.created), 'created');
    cell(tr, count(r.solved), 'solved');
    cell(tr, count(r.firstResponse.count), 'firstResponse.count');
    cell(tr, minutes(r.firstResponse.count ? r.firstResponse.median : null), 'firstResponse.median');
    cell(tr, minutes(r.fullResolution.count ? r.fullResolution.median : null), 'fullResolution.median');
    cell(tr, count(r.oneTouch), 'oneTouch');
    cell(tr, count(r.rated), 'rated');
    cell(tr, percent(r.csat), 'csat');
    body.append(tr);
  }
}

function drawBacklog(/** @type {any} */ backlog) {
  const body = /** @type {HTMLTableSectionElement} */ ($('backlog').querySelector('tbody'));
  body.replaceChildren();
  for (const r of backlog.rows) {
    const tr = document.createElement('tr');
    tr.dataset['group'] = r.key.group;
    cell(tr, r.key.group);
    cell(tr, count(r.open), 'open');
    cell(tr, count(r.unassigned), 'unassigned');
    cell(tr, hours(r.ageMax), 'ageMax');
    cell(tr, count(r.breachedTickets), 'breachedTickets');
    cell(tr, count(r.dueSoon), 'dueSoon');
    body.append(tr);
  }
}

function drawOperations(/** @type {any} */ ops) {
  const list = $('ops');
  list.replaceChildren();
  const body = /** @type {HTMLTableSectionElement} */ ($('lagging').querySelector('tbody'));
  body.replaceChildren();
  if (!ops) {
    tile(list, 'Monitor', 'not read yet', 'monitor');
    return;
  }
  const sum = (/** @type {any[]} */ rows, /** @type {string} */ field) =>
    rows.reduce((n, r) => n + r[field], 0);
  tile(list, 'SLA breaches open', count(sum(ops.slaBreachesOpen, 'breaches')), 'slaBreachesOpen');
  tile(list, 'Dead letters (running groups)', count(sum(ops.deadLetters, 'messages')), 'deadLetters');
  tile(list, 'Analytics projection lag', count(sum(ops.projectionLag, 'lag')), 'projectionLag');
  tile(list, 'Read (s ago)', count(ops.ageSeconds), 'ageSeconds');
  const worst = [...ops.consumerLag]
    .filter((r) => r.lag > 0)
    .sort((a, b) => b.lag - a.lag)
    .slice(0, 10);
  for (const r of worst) {
    const tr = document.createElement('tr');
    cell(tr, r.service);
    cell(tr, r.group, 'group');
    cell(tr, r.topic, 'topic');
    cell(tr, count(r.lag), 'lag');
    body.append(tr);
  }
}

/** Channel mix, switches, conversion and contacts; auto-answer, views, searches; the content gaps. */
function drawJourney(/** @type {any} */ journey, /** @type {any} */ knowledge) {
  const j = journey.rows[0] ?? { byChannel: {}, channelMix: {} };
  const k = knowledge.rows[0] ?? { handOffReasons: {} };
  const list = $('journey');
  list.replaceChildren();
  tile(list, 'Conversations started', count(j.conversations ?? 0), 'journey.conversations');
  for (const channel of Object.keys(j.channelMix).sort())
    tile(list, `Share on ${channel} (%)`, percent(j.channelMix[channel]), `journey.channelMix.${channel}`);
  tile(list, 'Channel switches per customer', decimal(j.switchesPerJourney), 'journey.switchesPerJourney');
  tile(list, 'Pre-sale conversion (%)', percent(j.conversionRate ?? null), 'journey.conversionRate');
  tile(list, 'Orders contacted after sale (%)', percent(j.contactRate ?? null), 'journey.contactRate');
  tile(list, 'Auto-answer deflection (%)', percent(k.deflectionRate ?? null), 'knowledge.deflectionRate');
  tile(list, 'Hand-offs to agents', count(k.handOffs ?? 0), 'knowledge.handOffs');
  tile(list, 'Article views', count(k.views ?? 0), 'knowledge.views');
  tile(
    list,
    'Searches without a good result (%)',
    percent(k.searchGapRate ?? null),
    'knowledge.searchGapRate',
  );
  tile(list, 'Articles found helpful (%)', percent(k.helpfulRate ?? null), 'knowledge.helpfulRate');
  const body = /** @type {HTMLTableElement} */ ($('gaps')).tBodies[0];
  body.replaceChildren();
  for (const gap of knowledge.contentGaps) {
    const tr = document.createElement('tr');
    cell(tr, gap.query);
    cell(tr, count(gap.searches), 'gap.searches');
    cell(tr, count(gap.none), 'gap.none');
    cell(tr, count(gap.poor), 'gap.poor');
    body.append(tr);
  }
}

function showError(/** @type {string} */ message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = !message;
}

async function load() {
  const board = $('board');
  board.dataset['state'] = 'loading';
  board.setAttribute('aria-busy', 'true');
  showError('');
  const q = formQuery();
  const group = q['group'] ? { group: q['group'] } : {};
  try {
    // The journey and knowledge figures take the range and zone only (an empty field is left out).
    /** @type {Record<string, string>} */
    const range = {};
    for (const name of ['from', 'to', 'timeZone']) if (q[name]) range[name] = q[name];
    const [totals, days, agents, backlog, ops, journey, knowledge] = await Promise.all([
      api('/v1/figures', q),
      api('/v1/figures', { ...q, period: 'day' }),
      api('/v1/figures', { ...q, by: 'agent' }),
      api('/v1/figures/backlog', { by: 'group', dueSoonMinutes: '60', ...group }),
      // The monitor may not have read Kafka yet just after a start: the page shows that, not an error.
      api('/v1/operations').catch((err) => {
        if (err.status === 503) return undefined;
        throw err;
      }),
      api('/v1/figures/journey', range),
      api('/v1/figures/knowledge', { ...range, gaps: '10' }),
    ]);
    drawOverview(totals);
    drawDays(days);
    drawAgents(agents);
    drawBacklog(backlog);
    drawOperations(ops);
    drawJourney(journey, knowledge);
    $('signin').hidden = true;
    board.dataset['state'] = 'ready';
  } catch (err) {
    board.dataset['state'] = 'error';
    if (err instanceof SignInNeeded) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('signin').hidden = false;
      showError(
        err.message === 'no token'
          ? ''
          : 'The token was refused (expired, or not a supervisor’s): paste another.',
      );
    } else showError(err instanceof Error ? err.message : String(err));
  } finally {
    board.setAttribute('aria-busy', 'false');
  }
}

function start() {
  const params = readFragment();
  initialQuery(params);
  $('query').addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = /** @type {HTMLFormElement} */ (e.target);
    const token = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('token')).value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    form.reset();
    void load();
  });
  void load();
}

start();
