import { Api, ApiError } from './api.js';
import type { ConsoleConfig } from './api.js';
import { h, replace } from './dom.js';
import { initialLocale, saveLocale, wordsFor } from './i18n.js';
import type { Locale, Words } from './i18n.js';
import { liveStream } from './live.js';
import { beginSignIn, completeSignIn } from './oidc.js';

// ---------- what the services answer (the fields this page uses) ----------
interface Clock {
  state: 'running' | 'paused' | 'achieved' | 'stopped';
  dueAt: string | null;
  warnAt: string | null;
}
interface Ticket {
  ticketId: string;
  status: string;
  priority: string;
  group: string;
  assignee?: string;
  subject?: string;
  contactId?: string;
  channel?: string;
  conversationId?: string;
  openedAt: string;
  updatedAt: string;
  tags?: string[];
  clocks?: Record<string, Clock>;
  assignmentReasons?: unknown;
  csat?: { score?: number; comment?: string };
  timeline?: { at: string; kind: string; [k: string]: unknown }[];
}
interface AgentRow {
  agentId: string;
  presence: 'online' | 'away' | 'offline';
  groups: string[];
  load: Record<string, { holding: number; capacity: number }>;
}
interface Macro {
  id: string;
  title: string;
  text: string;
  status?: string;
  tags: string[];
}
interface Hit {
  articleId: string;
  locale: string;
  title: string;
  audience: string;
  highlights?: { snippet?: string };
}

// ---------- state ----------
let locale: Locale = initialLocale();
let t = wordsFor(locale);
let api: Api;
/** Whether a session is on: after sign-out nothing may use `api` (its token is forgotten). */
let signedIn = false;
let me: AgentRow | undefined;
let config: ConsoleConfig;
/** Live streams and timers of the view on screen: closed when the view changes. */
let cleanups: (() => void)[] = [];
/** My open tickets, in queue order: what `j` walks through. */
let mine: Ticket[] = [];
/** Which view is on screen: work started for an earlier one (a late answer) leaves the screen alone. */
let generation = 0;
const root = document.getElementById('app') as HTMLElement;

function notify(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const box = document.getElementById('notice');
  if (!box) return;
  box.className = `notice ${kind}`;
  box.textContent = text;
}

function failed(err: unknown): void {
  notify(t('failed', { reason: err instanceof Error ? err.message : String(err) }), 'error');
}

function uuid(): string {
  return crypto.randomUUID();
}

// ---------- SLA ----------
/** The clock that matters most: the earliest due of those running. */
function slaOf(ticket: Ticket): { label: string; kind: 'breached' | 'soon' | 'ok' | 'none'; clock?: string } {
  const running = Object.entries(ticket.clocks ?? {})
    .filter(([, c]) => c.state === 'running' && c.dueAt)
    .sort(([, a], [, b]) => String(a.dueAt).localeCompare(String(b.dueAt)));
  const first = running[0];
  if (!first) return { label: '', kind: 'none' };
  const [name, clock] = first;
  const now = Date.now();
  const due = Date.parse(clock.dueAt as string);
  if (due <= now) return { label: `${name}: ${t('breached')}`, kind: 'breached', clock: name };
  const minutes = Math.ceil((due - now) / 60_000);
  const soon = clock.warnAt !== null && Date.parse(clock.warnAt) <= now;
  return {
    label: `${name}: ${t('due', { when: t('inMinutes', { n: minutes }) })}${soon ? ` · ${t('dueSoon')}` : ''}`,
    kind: soon ? 'soon' : 'ok',
    clock: name,
  };
}

function slaBadge(ticket: Ticket): HTMLElement | null {
  const sla = slaOf(ticket);
  return sla.kind === 'none' ? null : h('span', { class: `sla ${sla.kind}` }, sla.label);
}

// ---------- sign-in and the frame ----------
function signIn(message?: string): void {
  document.title = t('signInTitle');
  const input = h('textarea', {
    id: 'token',
    rows: 4,
    required: true,
    autocomplete: 'off',
  }) as HTMLTextAreaElement;
  const oidc = config.oidc;
  replace(
    root,
    h(
      'main',
      { class: 'sign-in' },
      h('h1', {}, t('appTitle')),
      oidc
        ? h(
            'p',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'primary',
                onclick: () => void beginSignIn(oidc).catch((err: unknown) => signIn(String(err))),
              },
              t('signInWithProvider'),
            ),
          )
        : null,
      h(
        'form',
        {
          'aria-labelledby': 'sign-in-title',
          onsubmit: (e: Event) => {
            e.preventDefault();
            Api.remember(input.value);
            void start();
          },
        },
        h('h2', { id: 'sign-in-title' }, config.oidc ? t('orPaste') : t('signInTitle')),
        h('p', {}, t('signInHelp')),
        h('label', { for: 'token' }, t('token')),
        input,
        message ? h('p', { class: 'notice error', role: 'alert' }, message) : null,
        h('button', { type: 'submit' }, t('signIn')),
      ),
    ),
  );
  input.focus();
}

/** Leaves the session: its streams and timers stop, and nothing of it stays in the page. */
function signOut(message?: string): void {
  closeView();
  Api.forget();
  signedIn = false;
  me = undefined;
  mine = [];
  signIn(message);
}

async function start(): Promise<void> {
  if (config.oidc) {
    try {
      const issued = await completeSignIn(config.oidc);
      if (issued) Api.remember(issued);
    } catch (err) {
      return signIn(err instanceof Error ? err.message : String(err));
    }
  }
  const token = Api.storedToken();
  if (!token) return signIn();
  const session = new Api(config, token, () => signOut(t('badToken')));
  try {
    me = await session.call<AgentRow>('tickets', '/v1/agents/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) me = undefined;
    else if (err instanceof ApiError && (err.status === 401 || err.status === 403))
      return signOut(t('badToken'));
    else {
      replace(
        root,
        h(
          'p',
          { class: 'notice error', role: 'alert' },
          t('unavailable', { reason: err instanceof Error ? err.message : String(err) }),
        ),
        h('button', { type: 'button', onclick: () => void start() }, t('signIn')),
      );
      return;
    }
  }
  api = session;
  signedIn = true;
  frame();
  route();
}

function frame(): void {
  const who = api.who();
  document.documentElement.lang = locale;
  const presence = me
    ? (h(
        'select',
        {
          id: 'presence',
          'aria-label': t('presence'),
          onchange: (e: Event) => void setPresence((e.target as HTMLSelectElement).value),
        },
        ...(['online', 'away', 'offline'] as const).map((p) =>
          h('option', { value: p, selected: me?.presence === p }, t(p)),
        ),
      ) as HTMLSelectElement)
    : null;
  // Holding / capacity per channel (a chat and an email count against different capacities).
  const load = Object.entries(me?.load ?? {})
    .map(([channel, l]) => `${channel === 'default' ? '' : `${channel} `}${l.holding}/${l.capacity}`)
    .join(' · ');
  replace(
    root,
    h(
      'header',
      { class: 'top' },
      h('strong', {}, t('appTitle')),
      h(
        'nav',
        { 'aria-label': t('queues') },
        h('a', { href: '#/' }, t('queues')),
        who.roles.includes('supervisor') || who.roles.includes('admin')
          ? h('a', { href: '#/supervisor' }, t('supervisor'))
          : null,
      ),
      h('span', { class: 'who' }, who.subject),
      presence,
      load ? h('span', { class: 'load' }, `${t('load')}: ${load}`) : null,
      h(
        'select',
        {
          'aria-label': t('language'),
          onchange: (e: Event) => {
            locale = (e.target as HTMLSelectElement).value as Locale;
            saveLocale(locale);
            t = wordsFor(locale);
            frame();
            route();
          },
        },
        h('option', { value: 'en', selected: locale === 'en' }, 'English'),
        h('option', { value: 'zh-CN', selected: locale === 'zh-CN' }, '中文'),
      ),
      h(
        'button',
        {
          type: 'button',
          onclick: () => signOut(),
        },
        t('signOut'),
      ),
      // Inside the banner, as every part of the page is inside a landmark. A supervisor or an admin who takes
      // no tickets needs no agent profile: only an agent is told.
      !me && who.roles.includes('agent') ? h('p', { class: 'notice' }, t('noProfile')) : null,
    ),
    h('main', { id: 'view', tabindex: -1 }),
    h('div', { id: 'notice', class: 'notice', role: 'status', 'aria-live': 'polite' }),
    h('footer', {}, t('shortcuts')),
  );
}

async function setPresence(presence: string): Promise<void> {
  try {
    await api.call('tickets', `/v1/agents/${encodeURIComponent(api.who().subject)}/presence`, {
      method: 'PUT',
      body: { presence },
    });
    if (me) me.presence = presence as AgentRow['presence'];
  } catch (err) {
    failed(err);
  }
}

function view(): HTMLElement {
  return document.getElementById('view') as HTMLElement;
}

function closeView(): void {
  generation += 1;
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
}

function route(): void {
  closeView();
  if (!signedIn || !document.getElementById('view')) return;
  const hash = location.hash || '#/';
  const ticket = /^#\/tickets\/([0-9a-f-]{36})$/.exec(hash)?.[1];
  if (ticket) return void ticketView(ticket);
  if (hash === '#/supervisor') return supervisorView();
  queuesView();
}

/** Follows a live stream for as long as the view that asked (its generation) is on screen. */
function follow(
  path: string,
  onEvent: (event: string, data: unknown) => void,
  state?: HTMLElement,
  asked = generation,
): void {
  if (!signedIn || asked !== generation) return;
  cleanups.push(
    liveStream(
      api.url('tickets', path),
      api.bearer,
      onEvent,
      (s) => {
        if (state)
          state.textContent = s === 'live' ? t('live') : s === 'stale' ? t('stale') : t('reconnecting');
      },
      () => signOut(t('badToken')),
    ),
  );
}

// ---------- queues ----------
function ticketRow(ticket: Ticket): HTMLElement {
  return h(
    'li',
    { class: 'ticket-row' },
    h('a', { href: `#/tickets/${ticket.ticketId}` }, ticket.subject ?? ticket.ticketId),
    h('span', { class: `pill ${ticket.status}` }, ticket.status),
    h('span', { class: `pill ${ticket.priority}` }, ticket.priority),
    ticket.channel ? h('span', { class: 'channel' }, ticket.channel) : null,
    slaBadge(ticket),
  );
}

function queueSection(id: string, title: string, path: string): HTMLElement {
  const list = h('ul', { class: 'tickets', 'aria-labelledby': id });
  const state = h('span', { class: 'live-state' }, t('reconnecting'));
  const section = h('section', { class: 'queue' }, h('h2', { id }, title, ' ', state), list);
  let tickets: Ticket[] = [];
  const render = () => {
    const shown = tickets;
    if (id === 'queue-mine') mine = shown;
    replace(list, ...(shown.length ? shown.map(ticketRow) : [h('li', { class: 'empty' }, t('noTickets'))]));
  };
  follow(
    path,
    (event, data) => {
      if (event !== 'tickets') return;
      tickets = (data as { tickets: Ticket[] }).tickets;
      render();
    },
    state,
  );
  // SLA clocks move on their own: redraw them every 20 s.
  const timer = window.setInterval(render, 20_000);
  cleanups.push(() => window.clearInterval(timer));
  return section;
}

function queuesView(): void {
  document.title = `${t('queues')} · ${t('appTitle')}`;
  const groups = me?.groups ?? [];
  replace(
    view(),
    h('h1', { class: 'sr-only' }, t('queues')),
    queueSection(
      'queue-mine',
      t('myQueue'),
      '/v1/tickets/live?assignee=me&status=new,open,pending,on-hold&limit=50',
    ),
    ...groups.map((g, i) =>
      queueSection(
        `queue-group-${i}`,
        t('groupQueue', { group: g }),
        `/v1/tickets/live?group=${encodeURIComponent(g)}&queued=true&limit=50`,
      ),
    ),
    queueSection(
      'queue-breaching',
      t('breachingSoon'),
      `/v1/tickets/live?breachingWithinMinutes=30&limit=50${groups.length ? `&group=${groups.map(encodeURIComponent).join(',')}` : ''}`,
    ),
  );
}

// ---------- one ticket ----------
const TIMELINE_TEXT = ['text', 'note', 'summary', 'reason', 'comment'];

function timelineLine(line: { at: string; kind: string; [k: string]: unknown }): HTMLElement {
  const text = TIMELINE_TEXT.map((k) => line[k]).find((v) => typeof v === 'string') as string | undefined;
  const who = ['authorId', 'agentId', 'by', 'from'].map((k) => line[k]).find((v) => typeof v === 'string');
  return h(
    'li',
    { class: `line ${line.kind}` },
    h('span', { class: 'kind' }, line.kind),
    who ? h('span', { class: 'by' }, String(who)) : null,
    h('time', { datetime: line.at }, new Date(line.at).toLocaleString(locale)),
    text ? h('p', {}, text) : null,
    typeof line['score'] === 'number' ? h('p', {}, t('rated', { score: line['score'] as number })) : null,
  );
}

function reasonsOf(reasons: unknown): string[] {
  if (!reasons) return [];
  if (Array.isArray(reasons)) return reasons.map((r) => (typeof r === 'string' ? r : JSON.stringify(r)));
  if (typeof reasons === 'object')
    return Object.entries(reasons).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [String(reasons)];
}

async function ticketView(ticketId: string): Promise<void> {
  document.title = t('appTitle');
  const header = h('section', { class: 'ticket-head', 'aria-live': 'polite' });
  const timeline = h('ol', { class: 'timeline', 'aria-label': t('conversation') });
  const customer = h(
    'section',
    { class: 'panel customer', 'aria-labelledby': 'customer-title' },
    h('h2', { id: 'customer-title' }, t('customer')),
  );
  const knowledge = h('section', { class: 'panel knowledge', 'aria-labelledby': 'knowledge-title' });
  const similar = h('section', { class: 'panel similar', 'aria-labelledby': 'similar-title' });
  const textArea = h('textarea', { id: 'reply-text', rows: 5, maxlength: 10000 }) as HTMLTextAreaElement;
  const mode = { value: 'reply' as 'reply' | 'note' };
  const statusSelect = h(
    'select',
    { id: 'reply-status' },
    h('option', { value: '' }, t('keep')),
    ...['open', 'pending', 'on-hold', 'solved'].map((s) => h('option', { value: s }, s)),
  ) as HTMLSelectElement;
  const macroSelect = h(
    'select',
    { id: 'macro', 'aria-label': t('macros') },
    h('option', { value: '' }, t('noMacro')),
  ) as HTMLSelectElement;
  const modeLabel = h('label', { for: 'reply-text', id: 'reply-label' }, t('reply'));
  const submit = h('button', { type: 'submit', class: 'primary' }, t('send')) as HTMLButtonElement;
  const setMode = (m: 'reply' | 'note') => {
    mode.value = m;
    modeLabel.textContent = m === 'reply' ? t('reply') : t('note');
    submit.textContent = m === 'reply' ? t('send') : t('addNote');
    composer.classList.toggle('note-mode', m === 'note');
    (document.getElementById(`mode-${m}`) as HTMLInputElement | null)?.click();
  };
  let ticket: Ticket | undefined;
  let macros: Macro[] = [];
  /** The tags of the macros put into this reply: added to the ticket once the reply is sent. */
  let macroTags: string[] = [];

  const composer = h(
    'form',
    {
      class: 'composer',
      'aria-label': t('reply'),
      onsubmit: (e: Event) => {
        e.preventDefault();
        void (async () => {
          const text = textArea.value.trim();
          if (!text) return;
          submit.disabled = true;
          try {
            if (mode.value === 'note') {
              await api.call('tickets', `/v1/tickets/${ticketId}/notes`, {
                method: 'POST',
                body: { text, clientMessageId: uuid() },
              });
              notify(t('noted'));
            } else {
              await api.call('tickets', `/v1/tickets/${ticketId}/replies`, {
                method: 'POST',
                body: {
                  text,
                  clientMessageId: uuid(),
                  ...(statusSelect.value ? { status: statusSelect.value } : {}),
                },
              });
              if (macroTags.length) {
                const tags = [...new Set([...(ticket?.tags ?? []), ...macroTags])];
                await api.call('tickets', `/v1/tickets/${ticketId}`, { method: 'PATCH', body: { tags } });
                macroTags = [];
              }
              notify(t('sent'));
            }
            textArea.value = '';
            statusSelect.value = '';
          } catch (err) {
            failed(err);
          } finally {
            submit.disabled = false;
          }
        })();
      },
    },
    h(
      'fieldset',
      { class: 'mode' },
      h('legend', { class: 'sr-only' }, t('reply')),
      h('input', {
        type: 'radio',
        name: 'mode',
        id: 'mode-reply',
        checked: true,
        onchange: () => setMode('reply'),
      }),
      h('label', { for: 'mode-reply' }, t('reply')),
      h('input', { type: 'radio', name: 'mode', id: 'mode-note', onchange: () => setMode('note') }),
      h('label', { for: 'mode-note' }, t('note')),
    ),
    modeLabel,
    textArea,
    h(
      'div',
      { class: 'row' },
      macroSelect,
      h('label', { for: 'reply-status' }, t('statusAfter')),
      statusSelect,
      submit,
      h(
        'button',
        {
          type: 'button',
          onclick: () =>
            void api
              .call('tickets', `/v1/tickets/${ticketId}/status`, {
                method: 'POST',
                body: { status: 'solved' },
              })
              .then(() => notify(t('solved')), failed),
        },
        t('solve'),
      ),
    ),
  );
  macroSelect.addEventListener('change', () => {
    const macro = macros.find((m) => m.id === macroSelect.value);
    if (!macro) return;
    setMode('reply');
    textArea.value = textArea.value ? `${textArea.value}\n${macro.text}` : macro.text;
    if (macro.status) statusSelect.value = macro.status;
    macroTags = [...new Set([...macroTags, ...macro.tags])];
    macroSelect.value = '';
    textArea.focus();
  });

  const transferGroup = h('input', {
    id: 'transfer-group',
    required: true,
    pattern: '[a-z0-9][a-z0-9._-]{0,63}',
  }) as HTMLInputElement;
  const transferNote = h('textarea', {
    id: 'transfer-note',
    rows: 2,
    required: true,
    maxlength: 10000,
  }) as HTMLTextAreaElement;
  const handover = h(
    'form',
    {
      class: 'handover',
      'aria-label': `${t('transfer')} / ${t('escalate')}`,
      onsubmit: (e: Event) => {
        e.preventDefault();
        const escalate = (e as SubmitEvent).submitter?.getAttribute('value') === 'escalate';
        const note = transferNote.value.trim();
        if (!note) return void transferNote.focus();
        const body = escalate
          ? { note, ...(transferGroup.value ? { group: transferGroup.value } : {}) }
          : { group: transferGroup.value, note };
        void api
          .call('tickets', `/v1/tickets/${ticketId}/${escalate ? 'escalate' : 'transfer'}`, {
            method: 'POST',
            body,
          })
          .then(() => {
            notify(escalate ? t('escalated') : t('transferred'));
            transferNote.value = '';
          }, failed);
      },
    },
    h('label', { for: 'transfer-group' }, t('toGroup')),
    transferGroup,
    h('label', { for: 'transfer-note' }, t('contextNote')),
    transferNote,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', value: 'transfer' }, t('transfer')),
      h('button', { type: 'submit', value: 'escalate', formnovalidate: true }, t('escalate')),
    ),
  );

  replace(
    view(),
    h(
      'div',
      { class: 'ticket-layout' },
      h(
        'div',
        { class: 'work' },
        h('a', { href: '#/', class: 'back' }, `← ${t('back')}`),
        header,
        h('h2', {}, t('conversation')),
        timeline,
        composer,
        handover,
      ),
      h('aside', { class: 'side' }, customer, knowledge, similar),
    ),
  );

  const renderTicket = (x: Ticket) => {
    ticket = x;
    document.title = `${x.subject ?? x.ticketId} · ${t('appTitle')}`;
    const reasons = reasonsOf(x.assignmentReasons);
    replace(
      header,
      h('h1', {}, x.subject ?? x.ticketId),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('status')),
        h('dd', {}, x.status),
        h('dt', {}, t('priority')),
        h('dd', {}, x.priority),
        h('dt', {}, t('group')),
        h('dd', {}, x.group),
        h('dt', {}, t('assignee')),
        h('dd', {}, x.assignee ?? t('unassigned')),
        x.channel ? h('dt', {}, t('channel')) : null,
        x.channel ? h('dd', {}, x.channel) : null,
        h('dt', {}, t('sla')),
        h('dd', {}, slaBadge(x) ?? '—'),
      ),
      x.csat?.score ? h('p', { class: 'csat' }, t('rated', { score: x.csat.score })) : null,
      reasons.length
        ? h(
            'details',
            {},
            h('summary', {}, t('assignmentReasons')),
            h('ul', {}, ...reasons.map((r) => h('li', {}, r))),
          )
        : null,
    );
    replace(timeline, ...(x.timeline ?? []).map(timelineLine));
  };

  let contactShown: string | undefined;
  let customerShownAt = 0;
  let macrosFor: string | undefined;
  follow(`/v1/tickets/live?ticket=${ticketId}`, (event, data) => {
    if (event !== 'ticket' || (data as { found?: boolean }).found === false) return;
    const x = data as Ticket;
    renderTicket(x);
    // The customer's journey grows as the conversation goes on: shown again at most every 5 s.
    if (x.contactId && (x.contactId !== contactShown || Date.now() - customerShownAt > 5_000)) {
      contactShown = x.contactId;
      customerShownAt = Date.now();
      void showCustomer(customer, x.contactId);
    }
    if (x.group !== macrosFor) {
      macrosFor = x.group;
      void api.call<Macro[]>('tickets', `/v1/macros?group=${encodeURIComponent(x.group)}`).then(
        (list) => {
          macros = list;
          replace(
            macroSelect,
            h('option', { value: '' }, t('noMacro')),
            ...list.map((m) => h('option', { value: m.id }, m.title)),
          );
        },
        () => undefined,
      );
    }
  });
  if (!contactShown) customer.append(h('p', {}, t('noCustomer')));
  // The customer's journey also grows on other channels: shown again every 10 s while the ticket is open.
  const refresh = window.setInterval(() => {
    if (contactShown) {
      customerShownAt = Date.now();
      void showCustomer(customer, contactShown);
    }
  }, 10_000);
  cleanups.push(() => window.clearInterval(refresh));
  showKnowledge(knowledge, textArea, () => ticket);
  void showSimilar(similar, ticketId);
}

async function showCustomer(panel: HTMLElement, contactId: string): Promise<void> {
  try {
    const [profile, journey] = await Promise.all([
      api.call<Record<string, unknown>>('contacts', `/v1/contacts/${contactId}/view`),
      api.call<{ entries: { at: string; kind: string; channel?: string; summary?: string }[] }>(
        'contacts',
        `/v1/contacts/${contactId}/timeline?limit=20`,
      ),
    ]);
    const traits = Object.entries((profile['traits'] as Record<string, string>) ?? {});
    const identities = (profile['identities'] as { kind: string; value?: string; verified: boolean }[]) ?? [];
    replace(
      panel,
      h('h2', { id: 'customer-title' }, t('customer')),
      h('p', { class: 'name' }, String(profile['name'] ?? contactId)),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('vip')),
        h('dd', {}, String(profile['vipTier'] ?? '—')),
        h('dt', {}, 'stage'),
        h('dd', {}, String(profile['stage'] ?? '—')),
      ),
      traits.length ? h('p', {}, `${t('traits')}: ${traits.map(([k, v]) => `${k}=${v}`).join(', ')}`) : null,
      identities.length
        ? h(
            'p',
            {},
            `${t('identities')}: ${identities.map((i) => `${i.kind}${i.value ? ` ${i.value}` : ''}${i.verified ? ' ✓' : ''}`).join(' · ')}`,
          )
        : null,
      h('h3', {}, t('journey')),
      h(
        'ol',
        { class: 'journey' },
        ...journey.entries.map((e) =>
          h(
            'li',
            {},
            h('time', { datetime: e.at }, new Date(e.at).toLocaleString(locale)),
            ' ',
            h('span', { class: 'kind' }, e.kind),
            e.channel ? ` · ${e.channel}` : '',
            e.summary ? ` — ${e.summary}` : '',
          ),
        ),
      ),
    );
  } catch (err) {
    replace(
      panel,
      h('h2', { id: 'customer-title' }, t('customer')),
      h('p', {}, err instanceof Error ? err.message : String(err)),
    );
  }
}

function insertAt(area: HTMLTextAreaElement, text: string): void {
  const start = area.selectionStart ?? area.value.length;
  const end = area.selectionEnd ?? area.value.length;
  const before = area.value.slice(0, start);
  const gap = before && !before.endsWith('\n') && !before.endsWith(' ') ? ' ' : '';
  area.value = `${before}${gap}${text}${area.value.slice(end)}`;
  area.focus();
  const caret = before.length + gap.length + text.length;
  area.setSelectionRange(caret, caret);
}

function showKnowledge(
  panel: HTMLElement,
  reply: HTMLTextAreaElement,
  current: () => Ticket | undefined,
): void {
  const results = h('ul', { class: 'hits', 'aria-live': 'polite' });
  const query = h('input', { id: 'kb-query', type: 'search', autocomplete: 'off' }) as HTMLInputElement;
  const hitRow = (hit: Hit) =>
    h(
      'li',
      {},
      h('span', { class: 'title' }, hit.title),
      hit.audience !== 'public' ? h('span', { class: 'pill' }, t('internalOnly')) : null,
      hit.audience === 'public'
        ? h(
            'button',
            {
              type: 'button',
              'aria-label': `${t('insert')}: ${hit.title}`,
              onclick: () =>
                insertAt(
                  reply,
                  `${hit.title}: ${config.articleLinkBase.replace(/\/$/, '')}/${hit.articleId}?locale=${hit.locale}`,
                ),
            },
            t('insert'),
          )
        : null,
    );
  const search = async (q: string) => {
    if (!q.trim()) return;
    try {
      const answer = await api.call<{ hits: Hit[] }>(
        'knowledge',
        `/v1/search?q=${encodeURIComponent(q)}&limit=5&channel=agent-workspace`,
      );
      replace(results, ...answer.hits.map(hitRow));
    } catch (err) {
      failed(err);
    }
  };
  let timer: number | undefined;
  query.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void search(query.value), 300);
  });
  cleanups.push(() => window.clearTimeout(timer));
  replace(
    panel,
    h('h2', { id: 'knowledge-title' }, t('knowledge')),
    h('label', { for: 'kb-query' }, t('searchKnowledge')),
    query,
    results,
  );
  // What the conversation is about: the ticket's subject, until the agent searches for something else.
  const seed = window.setInterval(() => {
    const x = current();
    if (!x) return;
    window.clearInterval(seed);
    if (x.subject && !query.value) {
      query.value = x.subject;
      void search(x.subject);
    }
  }, 200);
  cleanups.push(() => window.clearInterval(seed));
}

async function showSimilar(panel: HTMLElement, ticketId: string): Promise<void> {
  replace(panel, h('h2', { id: 'similar-title' }, t('similar')));
  try {
    const { cases } = await api.call<{ cases: { ticketId: string; subject?: string; reply?: string }[] }>(
      'knowledge',
      `/v1/tickets/${ticketId}/similar-cases?limit=3`,
    );
    panel.append(
      cases.length
        ? h(
            'ul',
            {},
            ...cases.map((c) =>
              h('li', {}, h('strong', {}, c.subject ?? c.ticketId), c.reply ? h('p', {}, c.reply) : null),
            ),
          )
        : h('p', {}, t('noSimilar')),
    );
  } catch {
    panel.append(h('p', {}, t('noSimilar')));
  }
}

// ---------- supervisor ----------
function supervisorView(): void {
  document.title = `${t('supervisor')} · ${t('appTitle')}`;
  const agentsTable = h('tbody');
  const queues = h('ul', { class: 'queues' });
  const dashboard = `${config.analytics.replace(/\/$/, '')}/dashboard#token=${encodeURIComponent(api.bearer)}`;
  replace(
    view(),
    h('h1', {}, t('supervisor')),
    h('p', {}, h('a', { href: dashboard, target: '_blank', rel: 'noopener' }, t('analytics'))),
    h('h2', { id: 'queues-title' }, t('queues')),
    queues,
    h('h2', { id: 'agents-title' }, t('agents')),
    h(
      'table',
      { 'aria-labelledby': 'agents-title' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('agents')),
          h('th', { scope: 'col' }, t('presence')),
          h('th', { scope: 'col' }, t('group')),
          h('th', { scope: 'col' }, t('load')),
        ),
      ),
      agentsTable,
    ),
  );
  const counts = new Map<string, number>();
  const renderQueues = () =>
    replace(
      queues,
      ...[...counts.entries()].sort().map(([g, n]) => h('li', {}, `${g}: `, t('waiting', { n }))),
    );
  const asked = generation;
  const load = async () => {
    try {
      const { agents } = await api.call<{ agents: AgentRow[] }>('tickets', '/v1/agents');
      replace(
        agentsTable,
        ...agents.map((a) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, a.agentId),
            h('td', {}, t(a.presence)),
            h('td', {}, a.groups.join(', ')),
            h(
              'td',
              {},
              Object.entries(a.load)
                .map(([c, l]) => `${c} ${l.holding}/${l.capacity}`)
                .join(' · '),
            ),
          ),
        ),
      );
      for (const g of new Set(agents.flatMap((a) => a.groups)))
        if (!counts.has(g)) {
          counts.set(g, 0);
          follow(
            `/v1/tickets/live?group=${encodeURIComponent(g)}&queued=true&limit=1`,
            (event, data) => {
              if (event !== 'tickets') return;
              counts.set(g, (data as { total: number }).total);
              renderQueues();
            },
            undefined,
            asked,
          );
        }
      renderQueues();
    } catch (err) {
      failed(err);
    }
  };
  void load();
  const timer = window.setInterval(() => void load(), 10_000);
  cleanups.push(() => window.clearInterval(timer));
}

// ---------- keyboard ----------
document.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  if (e.ctrlKey || e.metaKey || e.altKey || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
  if (e.key === 'r' || e.key === 'n') {
    const area = document.getElementById('reply-text') as HTMLTextAreaElement | null;
    if (!area) return;
    e.preventDefault();
    (document.getElementById(e.key === 'r' ? 'mode-reply' : 'mode-note') as HTMLInputElement | null)?.click();
    area.focus();
  } else if (e.key === 'j') {
    e.preventDefault();
    const current = /^#\/tickets\/(.+)$/.exec(location.hash)?.[1];
    const at = mine.findIndex((x) => x.ticketId === current);
    const next = mine[at + 1] ?? mine[0];
    if (next) location.hash = `#/tickets/${next.ticketId}`;
  } else if (e.key === 'g') {
    location.hash = '#/';
  } else if (e.key === '?') {
    notify(t('shortcuts'));
  }
});

window.addEventListener('hashchange', () => route());

void (async () => {
  try {
    config = (await (await fetch('config.json', { cache: 'no-cache' })).json()) as ConsoleConfig;
  } catch {
    replace(
      root,
      h(
        'p',
        { class: 'notice error' },
        'config.json is missing: the console does not know where the services are.',
      ),
    );
    return;
  }
  await start().catch((err: unknown) => failed(err));
})();

export type { Words };
