import { z } from 'zod';
import { MESSAGE_TEXT_MAX, NOTE_TEXT_MAX, TAGS_MAX, TICKET_SUBJECT_MAX } from '@journey/contracts';
import type { ImportSource, TICKET_TYPES, TicketPriority } from '@journey/contracts';

type TicketType = (typeof TICKET_TYPES)[number];

// What the tickets import reads: a ticket as another help desk's API exports it (Zendesk: the ticket
// with its comments, audits and satisfaction rating; Chatwoot: the conversation with its messages and
// CSAT response; Zammad: the ticket with its articles and history), bounded like our own events, and
// turned into one neutral history that the import records with each entry's own time.

/** Entries per imported ticket (messages, replies, notes, changes, rating). */
export const IMPORT_ENTRIES_MAX = 1_000;
/** Tickets per import request. */
export const IMPORT_TICKETS_MAX = 100;

const id = z.union([z.number().int().nonnegative(), z.string().min(1).max(100)]).transform(String);
const iso = z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString());
const unixSeconds = z
  .number()
  .int()
  .min(0)
  .max(32_503_680_000)
  .transform((v) => new Date(v * 1000).toISOString());
/** Text we keep: bounded, and over the bound it is cut (a long historical email is still history). */
/** The first `max` UTF-16 units, one fewer when the cut would split a surrogate pair (an emoji, a rare CJK). */
const cut = (v: string, max: number) => {
  const head = v.slice(0, max);
  const last = head.charCodeAt(head.length - 1);
  return head.length === max && last >= 0xd800 && last <= 0xdbff ? head.slice(0, -1) : head;
};

const text = (max: number) =>
  z
    .string()
    .max(1_000_000)
    .transform((v) => cut(v.trim(), max));
const tags = z.array(z.string().min(1).max(64)).max(TAGS_MAX).default([]);

type ImportedStatus = 'open' | 'pending' | 'on-hold' | 'solved' | 'closed';

export type ImportedEntry = { key: string; at: string } & (
  | { kind: 'customer-message'; text: string }
  | { kind: 'reply'; author: string; text: string; automated: boolean }
  | { kind: 'note'; author: string; text: string }
  | { kind: 'status'; to: ImportedStatus; by: string }
  | { kind: 'assignment'; agentId: string | undefined }
  | { kind: 'priority'; priority: TicketPriority }
  | { kind: 'rating'; score: number; comment?: string }
);

/** One ticket's history in our terms, oldest entry first. */
export interface ImportedTicket {
  source: ImportSource;
  externalId: string;
  subject?: string;
  openedAt: string;
  priority: TicketPriority;
  type?: TicketType;
  group: string;
  tags: string[];
  entries: ImportedEntry[];
}

/** People of the other help desk become actors here by source and id (e.g. zendesk-agent-42). */
const agentOf = (source: ImportSource, userId: string) =>
  `${source}-agent-${userId}`.toLowerCase().slice(0, 190);
const groupOf = (source: ImportSource, group: string | undefined, fallback: string) => {
  const slug = group
    ?.toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 48);
  return slug ? `${source}-${slug}` : fallback;
};
/** Entries in time order; entries of the same moment keep the export's order. */
const inTimeOrder = (entries: ImportedEntry[]) =>
  entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at.localeCompare(b.e.at) || a.i - b.i)
    .map(({ e }) => e);
const latest = (entries: ImportedEntry[], fallback: string) =>
  entries.reduce((max, e) => (e.at > max ? e.at : max), fallback);
const nonEmpty = <T extends { text: string }>(entry: T) => (entry.text ? [entry] : []);

// ── Zendesk ────────────────────────────────────────────────────────────────────────────────────
const zendeskTicket = z.object({
  id,
  subject: text(TICKET_SUBJECT_MAX).nullish(),
  status: z.enum(['new', 'open', 'pending', 'hold', 'solved', 'closed']),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).nullish(),
  type: z.enum(['question', 'incident', 'problem', 'task']).nullish(),
  requester_id: id,
  group_id: id.nullish(),
  tags,
  created_at: iso,
  comments: z
    .array(
      z.object({
        id,
        author_id: id,
        body: text(MESSAGE_TEXT_MAX),
        public: z.boolean(),
        created_at: iso,
        /** Triggers and automations comment "via rule": an auto-reply. */
        via: z
          .object({ channel: z.string().max(50) })
          .loose()
          .nullish(),
      }),
    )
    .max(IMPORT_ENTRIES_MAX),
  audits: z
    .array(
      z.object({
        id,
        created_at: iso,
        author_id: id,
        events: z
          .array(
            z
              .object({
                id: id.optional(),
                type: z.string().max(50),
                field_name: z.string().max(100).nullish(),
                value: z.union([z.string().max(200), z.number(), z.null()]).nullish(),
              })
              .loose(),
          )
          .max(100),
      }),
    )
    .max(IMPORT_ENTRIES_MAX)
    .default([]),
  satisfaction_rating: z
    .object({
      score: z.enum(['good', 'bad', 'offered', 'unoffered']),
      comment: text(NOTE_TEXT_MAX).nullish(),
      created_at: iso.nullish(),
    })
    .nullish(),
});

const ZENDESK_STATUS = {
  new: undefined,
  open: 'open',
  pending: 'pending',
  hold: 'on-hold',
  solved: 'solved',
  closed: 'closed',
} as const;

function fromZendesk(t: z.infer<typeof zendeskTicket>, defaultGroup: string): ImportedTicket {
  const source = 'zendesk';
  const entries: ImportedEntry[] = [];
  t.comments.forEach((c) => {
    const key = `comment-${c.id}`;
    // The first comment is the ticket's description: the customer's opening message (or the agent's, for a ticket an agent opened).
    if (c.author_id === t.requester_id && c.public)
      entries.push(...nonEmpty({ key, at: c.created_at, kind: 'customer-message' as const, text: c.body }));
    else if (!c.public)
      entries.push(
        ...nonEmpty({
          key,
          at: c.created_at,
          kind: 'note' as const,
          author: agentOf(source, c.author_id),
          text: cut(c.body, NOTE_TEXT_MAX),
        }),
      );
    else
      entries.push(
        ...nonEmpty({
          key,
          at: c.created_at,
          kind: 'reply' as const,
          author: agentOf(source, c.author_id),
          text: c.body,
          automated: c.via?.channel === 'rule',
        }),
      );
  });
  for (const audit of t.audits)
    audit.events.forEach((e, i) => {
      if (e.type !== 'Change' && e.type !== 'Create') return;
      const key = `audit-${audit.id}-${e.id ?? i}`;
      const value = e.value === null || e.value === undefined ? undefined : String(e.value);
      if (e.field_name === 'status' && value && value in ZENDESK_STATUS) {
        const to = ZENDESK_STATUS[value as keyof typeof ZENDESK_STATUS];
        if (to)
          entries.push({
            key,
            at: audit.created_at,
            kind: 'status',
            to,
            by: agentOf(source, audit.author_id),
          });
      } else if (e.field_name === 'assignee_id')
        entries.push({
          key,
          at: audit.created_at,
          kind: 'assignment',
          agentId: value ? agentOf(source, value) : undefined,
        });
      else if (e.field_name === 'priority' && value && ['low', 'normal', 'high', 'urgent'].includes(value))
        entries.push({ key, at: audit.created_at, kind: 'priority', priority: value as TicketPriority });
    });
  const rating = t.satisfaction_rating;
  if (rating && (rating.score === 'good' || rating.score === 'bad'))
    entries.push({
      key: 'satisfaction',
      // Without its own time, the rating came after everything else the export shows.
      at: rating.created_at ?? latest(entries, t.created_at),
      kind: 'rating',
      // Zendesk's good/bad sit at the ends of our 1–5 scale.
      score: rating.score === 'good' ? 5 : 1,
      ...(rating.comment ? { comment: rating.comment } : {}),
    });
  return {
    source,
    externalId: t.id,
    ...(t.subject ? { subject: t.subject } : {}),
    openedAt: t.created_at,
    priority: t.priority ?? 'normal',
    ...(t.type ? { type: t.type } : {}),
    group: groupOf(source, t.group_id ? `group-${t.group_id}` : undefined, defaultGroup),
    tags: t.tags,
    entries: inTimeOrder(entries),
  };
}

// ── Chatwoot ───────────────────────────────────────────────────────────────────────────────────
const chatwootConversation = z.object({
  id,
  status: z.enum(['open', 'resolved', 'pending', 'snoozed']),
  priority: z.enum(['low', 'medium', 'high', 'urgent']).nullish(),
  created_at: unixSeconds,
  labels: tags,
  meta: z
    .object({
      team: z
        .object({ name: z.string().max(100) })
        .loose()
        .nullish(),
    })
    .loose()
    .nullish(),
  messages: z
    .array(
      z.object({
        id,
        content: text(MESSAGE_TEXT_MAX).nullish(),
        /** 0 incoming (the customer), 1 outgoing, 2 activity, 3 template (a bot's). */
        message_type: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
        private: z.boolean().default(false),
        created_at: unixSeconds,
        sender_type: z.string().max(50).nullish(),
        sender_id: id.nullish(),
      }),
    )
    .max(IMPORT_ENTRIES_MAX),
  /** Status and assignment changes, as the conversation's activity would show them. */
  events: z
    .array(
      z.object({
        id,
        created_at: unixSeconds,
        status: z.enum(['open', 'resolved', 'pending', 'snoozed']).optional(),
        assignee_id: id.nullish(),
        actor_id: id.nullish(),
      }),
    )
    .max(IMPORT_ENTRIES_MAX)
    .default([]),
  csat_survey_response: z
    .object({
      rating: z.number().int().min(1).max(5),
      feedback_message: text(NOTE_TEXT_MAX).nullish(),
      created_at: iso.nullish(),
    })
    .nullish(),
});

const CHATWOOT_STATUS = { open: 'open', resolved: 'solved', pending: 'pending', snoozed: 'on-hold' } as const;
const CHATWOOT_PRIORITY = { low: 'low', medium: 'normal', high: 'high', urgent: 'urgent' } as const;

function fromChatwoot(c: z.infer<typeof chatwootConversation>, defaultGroup: string): ImportedTicket {
  const source = 'chatwoot';
  const entries: ImportedEntry[] = [];
  for (const m of c.messages) {
    const key = `message-${m.id}`;
    const body = m.content ?? '';
    if (m.message_type === 2) continue; // activity lines: their facts come from events
    if (m.private)
      entries.push(
        ...nonEmpty({
          key,
          at: m.created_at,
          kind: 'note' as const,
          author: agentOf(source, m.sender_id ?? 'unknown'),
          text: cut(body, NOTE_TEXT_MAX),
        }),
      );
    else if (m.message_type === 0)
      entries.push(...nonEmpty({ key, at: m.created_at, kind: 'customer-message' as const, text: body }));
    else
      entries.push(
        ...nonEmpty({
          key,
          at: m.created_at,
          kind: 'reply' as const,
          author: m.sender_type === 'User' && m.sender_id ? agentOf(source, m.sender_id) : `${source}-bot`,
          text: body,
          // Templates, bots and replies with no agent behind them answer nobody's SLA.
          automated: m.message_type === 3 || m.sender_type !== 'User',
        }),
      );
  }
  for (const e of c.events) {
    if (e.status)
      entries.push({
        key: `event-${e.id}-status`,
        at: e.created_at,
        kind: 'status',
        to: CHATWOOT_STATUS[e.status],
        by: e.actor_id ? agentOf(source, e.actor_id) : `${source}-system`,
      });
    if (e.assignee_id !== undefined)
      entries.push({
        key: `event-${e.id}-assignee`,
        at: e.created_at,
        kind: 'assignment',
        agentId: e.assignee_id ? agentOf(source, e.assignee_id) : undefined,
      });
  }
  const csat = c.csat_survey_response;
  if (csat)
    entries.push({
      key: 'csat',
      at: csat.created_at ?? latest(entries, c.created_at),
      kind: 'rating',
      score: csat.rating,
      ...(csat.feedback_message ? { comment: csat.feedback_message } : {}),
    });
  return {
    source,
    externalId: c.id,
    openedAt: c.created_at,
    priority: c.priority ? CHATWOOT_PRIORITY[c.priority] : 'normal',
    group: groupOf(source, c.meta?.team?.name, defaultGroup),
    tags: c.labels,
    entries: inTimeOrder(entries),
  };
}

// ── Zammad ─────────────────────────────────────────────────────────────────────────────────────
const zammadTicket = z.object({
  id,
  title: text(TICKET_SUBJECT_MAX).nullish(),
  group: z.string().max(100).nullish(),
  priority: z.string().max(50).nullish(),
  created_at: iso,
  customer_id: id,
  tags,
  articles: z
    .array(
      z.object({
        id,
        sender: z.enum(['Customer', 'Agent', 'System']),
        internal: z.boolean(),
        body: text(MESSAGE_TEXT_MAX),
        created_at: iso,
        created_by_id: id,
      }),
    )
    .max(IMPORT_ENTRIES_MAX),
  history: z
    .array(
      z.object({
        id,
        created_at: iso,
        created_by_id: id.nullish(),
        attribute: z.string().max(100).nullish(),
        value_to: z.string().max(200).nullish(),
        /** The owner's user id (value_to is their display name). */
        id_to: id.nullish(),
      }),
    )
    .max(IMPORT_ENTRIES_MAX)
    .default([]),
});

const ZAMMAD_STATUS: Record<string, ImportedStatus> = {
  open: 'open',
  'pending reminder': 'pending',
  'pending close': 'pending',
  closed: 'closed',
  merged: 'closed',
};
/** Zammad's default priorities are "1 low", "2 normal", "3 high". */
const zammadPriority = (p: string | null | undefined): TicketPriority | undefined => {
  const name = p?.replace(/^\d+\s+/, '').toLowerCase();
  return name === 'low' || name === 'normal' || name === 'high' || name === 'urgent' ? name : undefined;
};

function fromZammad(t: z.infer<typeof zammadTicket>, defaultGroup: string): ImportedTicket {
  const source = 'zammad';
  const entries: ImportedEntry[] = [];
  for (const a of t.articles) {
    const key = `article-${a.id}`;
    if (a.internal)
      entries.push(
        ...nonEmpty({
          key,
          at: a.created_at,
          kind: 'note' as const,
          author: agentOf(source, a.created_by_id),
          text: cut(a.body, NOTE_TEXT_MAX),
        }),
      );
    else if (a.sender === 'Customer')
      entries.push(...nonEmpty({ key, at: a.created_at, kind: 'customer-message' as const, text: a.body }));
    else
      entries.push(
        ...nonEmpty({
          key,
          at: a.created_at,
          kind: 'reply' as const,
          author: a.sender === 'System' ? `${source}-system` : agentOf(source, a.created_by_id),
          text: a.body,
          // Triggers' auto-replies are sent as the System.
          automated: a.sender === 'System',
        }),
      );
  }
  for (const h of t.history) {
    const key = `history-${h.id}`;
    const by = h.created_by_id ? agentOf(source, h.created_by_id) : `${source}-system`;
    if (h.attribute === 'state' && h.value_to && h.value_to in ZAMMAD_STATUS)
      entries.push({
        key,
        at: h.created_at,
        kind: 'status',
        to: ZAMMAD_STATUS[h.value_to] as ImportedStatus,
        by,
      });
    else if (h.attribute === 'owner')
      // Zammad's owner "-" (user 1) is nobody.
      entries.push({
        key,
        at: h.created_at,
        kind: 'assignment',
        agentId: h.id_to
          ? h.id_to === '1'
            ? undefined
            : agentOf(source, h.id_to)
          : h.value_to && h.value_to !== '-'
            ? agentOf(source, h.value_to.replace(/[^A-Za-z0-9._-]+/g, '-'))
            : undefined,
      });
    else if (h.attribute === 'priority' && zammadPriority(h.value_to))
      entries.push({
        key,
        at: h.created_at,
        kind: 'priority',
        priority: zammadPriority(h.value_to) as TicketPriority,
      });
  }
  return {
    source,
    externalId: t.id,
    ...(t.title ? { subject: t.title } : {}),
    openedAt: t.created_at,
    priority: zammadPriority(t.priority) ?? 'normal',
    group: groupOf(source, t.group ?? undefined, defaultGroup),
    tags: t.tags,
    entries: inTimeOrder(entries),
  };
}

export const importRequestSchema = z.discriminatedUnion('source', [
  z
    .object({ source: z.literal('zendesk'), tickets: z.array(zendeskTicket).min(1).max(IMPORT_TICKETS_MAX) })
    .strict(),
  z
    .object({
      source: z.literal('chatwoot'),
      tickets: z.array(chatwootConversation).min(1).max(IMPORT_TICKETS_MAX),
    })
    .strict(),
  z
    .object({ source: z.literal('zammad'), tickets: z.array(zammadTicket).min(1).max(IMPORT_TICKETS_MAX) })
    .strict(),
]);
export type ImportRequest = z.infer<typeof importRequestSchema>;

/** The request's tickets, each as one neutral history (the group when the export names none: defaultGroup). */
export function importedTickets(request: ImportRequest, defaultGroup: string): ImportedTicket[] {
  switch (request.source) {
    case 'zendesk':
      return request.tickets.map((t) => fromZendesk(t, defaultGroup));
    case 'chatwoot':
      return request.tickets.map((t) => fromChatwoot(t, defaultGroup));
    case 'zammad':
      return request.tickets.map((t) => fromZammad(t, defaultGroup));
  }
}
