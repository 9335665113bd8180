import { z } from 'zod';
import { defineEvent } from '../catalogue/event-catalogue';
import type { EventOf } from '../catalogue/event-catalogue';
import {
  ATTACHMENTS_MAX,
  attachmentReference,
  CHANNELS,
  MESSAGE_TEXT_MAX,
} from '../channels/channels.events';
import { JOURNEY_EVENT_KINDS, traitKey, VIP_TIERS } from '../contacts/contacts.events';
import { boundedJson, boundedRecord } from '../size/size-limits';

// Bounds shared by the tickets API and its events (see EVENT_MAX_BYTES and the size spec).
/** The longest ticket subject (an email subject line is at most 998 characters). */
export const TICKET_SUBJECT_MAX = 998;
/** The longest internal note, transfer note or CSAT comment (UTF-16 units). */
export const NOTE_TEXT_MAX = 10_000;
/** The most tags, followers or skills one ticket or agent holds. */
export const TAGS_MAX = 50;
/** The most custom fields a ticket holds. */
export const CUSTOM_FIELDS_MAX = 50;
/** How much of a customer's message the ticket's timeline keeps (the whole message stays in channels). */
export const EXCERPT_MAX = 500;
/** The largest SLA policy book or proactive rule book, as JSON. */
export const BOOK_MAX_BYTES = 256 * 1024;

export const TICKET_STATUSES = ['new', 'open', 'pending', 'on-hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const TICKET_TYPES = ['question', 'incident', 'problem', 'task'] as const;
/** The SLA targets a policy can set. */
export const SLA_METRICS = ['first-response', 'next-response', 'resolution', 'periodic-update'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];
/** Group tiers: escalation goes up them; premium customers go to the VIP desk. */
export const GROUP_TIERS = ['tier-1', 'tier-2', 'vip'] as const;
export const AGENT_PRESENCES = ['online', 'away', 'offline'] as const;
export type AgentPresence = (typeof AGENT_PRESENCES)[number];

const ticketId = z.uuid();
const actor = z.string().min(1).max(200);
const at = z.iso.datetime({ offset: true });
const name = z.string().min(1).max(100);
/** A group or agent id as admins name them: lower-case words. */
export const handle = z
  .string()
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, dot, dash or underscore, up to 64');
const tags = z.array(z.string().min(1).max(64)).max(TAGS_MAX);
export const customFields = boundedRecord(
  z.string().min(1).max(64),
  z.union([z.string().max(1000), z.number(), z.boolean()]),
  CUSTOM_FIELDS_MAX,
);

/** The help desks whose exports the tickets import reads. */
export const IMPORT_SOURCES = ['zendesk', 'chatwoot', 'zammad'] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

/** Where a ticket came from. */
const origin = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('conversation'),
    conversationId: z.uuid(),
    channel: z.enum(CHANNELS),
    channelId: z.string().min(1).max(100),
  }),
  z.object({ kind: z.literal('agent') }),
  z.object({ kind: z.literal('api') }),
  z.object({
    kind: z.literal('proactive'),
    ruleId: handle,
    journeyKind: z.enum(JOURNEY_EVENT_KINDS),
    externalId: z.string().min(1).max(200),
  }),
  /** Imported from another help desk's export: its events carry their own occurrence times. */
  z.object({
    kind: z.literal('import'),
    source: z.enum(IMPORT_SOURCES),
    externalId: z.string().min(1).max(200),
  }),
]);
export type TicketOrigin = z.infer<typeof origin>;

/** The ticket's customer when known, so that the unified view places the fact on their timeline. */
const customer = z.uuid().optional();

export const ticketOpened = defineEvent({
  type: 'tickets.ticket-opened.v1',
  description:
    'A ticket was opened: from a customer conversation with no open ticket, by an agent or the API, or by a proactive rule on a journey event. group is where it queues; contactId is set when known.',
  contactScoped: false,
  personalData: ['subject', 'customFields'],
  schema: z.object({
    ticketId,
    origin,
    subject: z.string().max(TICKET_SUBJECT_MAX).optional(),
    contactId: z.uuid().optional(),
    priority: z.enum(TICKET_PRIORITIES),
    type: z.enum(TICKET_TYPES).optional(),
    group: handle,
    tags: tags.default([]),
    customFields: customFields.optional(),
    /** What the assignment engine matches: skills and language wanted (from channel routing or the API). */
    skills: z.array(handle).max(TAGS_MAX).default([]),
    language: z.string().max(35).optional(),
    openedBy: actor,
    openedAt: at,
  }),
});

export const ticketUpdated = defineEvent({
  type: 'tickets.ticket-updated.v1',
  description:
    'An agent or a rule changed ticket fields: only the fields present changed (tags, followers and skills are the whole new list).',
  contactScoped: false,
  personalData: ['subject', 'customFields'],
  schema: z.object({
    ticketId,
    subject: z.string().max(TICKET_SUBJECT_MAX).optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    type: z.enum(TICKET_TYPES).optional(),
    tags: tags.optional(),
    followers: z.array(actor).max(TAGS_MAX).optional(),
    skills: z.array(handle).max(TAGS_MAX).optional(),
    customFields: customFields.optional(),
    orderIds: z.array(z.string().min(1).max(200)).max(TAGS_MAX).optional(),
    by: actor,
    at,
  }),
});

export const contactLinked = defineEvent({
  type: 'tickets.contact-linked.v1',
  description:
    "The ticket's customer became known (contacts attributed its conversation to a contact) or changed (a merge).",
  contactScoped: false,
  schema: z.object({ ticketId, contactId: z.uuid() }),
});

export const customerMessageAdded = defineEvent({
  type: 'tickets.customer-message-added.v1',
  description:
    "A customer message of the ticket's conversation joined it (the whole message stays in channels; the ticket keeps an excerpt).",
  contactScoped: false,
  personalData: ['excerpt'],
  schema: z.object({
    ticketId,
    conversationId: z.uuid(),
    messageId: z.uuid(),
    excerpt: z.string().max(EXCERPT_MAX).optional(),
    at,
  }),
});

export const replyPosted = defineEvent({
  type: 'tickets.reply-posted.v1',
  description:
    "An agent's public reply: channels consumes it and sends it on the conversation's channel as message replyId; delivery comes back as reply-delivered or reply-delivery-failed.",
  contactScoped: false,
  personalData: ['text', 'attachments[].reference', 'attachments[].name'],
  schema: z.object({
    ticketId,
    replyId: z.uuid(),
    conversationId: z.uuid().optional(),
    channel: z.enum(CHANNELS).optional(),
    channelId: z.string().min(1).max(100).optional(),
    authorId: actor,
    /** A bot's or an auto-reply (imported history): public, but not a response for the SLA. */
    automated: z.boolean().optional(),
    text: z.string().min(1).max(MESSAGE_TEXT_MAX),
    attachments: z.array(attachmentReference).max(ATTACHMENTS_MAX).default([]),
    at,
  }),
});

export const replyDelivered = defineEvent({
  type: 'tickets.reply-delivered.v1',
  description: 'Channels delivered the reply (or pushed it to the web chat).',
  contactScoped: false,
  schema: z.object({ ticketId, replyId: z.uuid(), at }),
});

export const replyDeliveryFailed = defineEvent({
  type: 'tickets.reply-delivery-failed.v1',
  description: 'A delivery attempt of the reply failed (channels retries with backoff).',
  contactScoped: false,
  personalData: ['reason'],
  schema: z.object({
    ticketId,
    replyId: z.uuid(),
    reason: z.string().min(1).max(2000),
    attempt: z.number().int().positive(),
    at,
  }),
});

export const noteAdded = defineEvent({
  type: 'tickets.note-added.v1',
  description: 'An internal note: seen by agents only, never sent to the customer.',
  contactScoped: false,
  personalData: ['text'],
  schema: z.object({
    ticketId,
    noteId: z.uuid(),
    authorId: actor,
    text: z.string().min(1).max(NOTE_TEXT_MAX),
    at,
  }),
});

export const statusChanged = defineEvent({
  type: 'tickets.status-changed.v1',
  description:
    'The ticket moved between new, open, pending (waiting on the customer: SLA clocks pause), on-hold (waiting on a third party), solved (timers stop; closes at closesAt unless the customer writes) and closed (final).',
  contactScoped: false,
  schema: z.object({
    ticketId,
    from: z.enum(TICKET_STATUSES),
    to: z.enum(TICKET_STATUSES),
    /** Why: an agent's change, a customer reply (reopen), the auto-close timer, a merge. */
    cause: z.enum(['agent', 'customer-reply', 'agent-reply', 'auto-close', 'merge', 'api']),
    contactId: customer,
    closesAt: at.optional(),
    by: actor,
    at,
  }),
});

const scoreComponents = z.object({
  skills: z.number(),
  language: z.number(),
  channel: z.number(),
  vip: z.number(),
  traits: z.number(),
  sticky: z.number(),
  load: z.number(),
});
export const assignmentReasons = z.object({
  score: z.number(),
  components: scoreComponents,
  /** Human-readable reasons, one per component that counted (trait names, never their values). */
  explanations: z.array(z.string().max(200)).max(20),
  /** The next best candidates, so a supervisor sees the choice. */
  runnersUp: z.array(z.object({ agentId: actor, score: z.number() })).max(5),
});
export type AssignmentReasons = z.infer<typeof assignmentReasons>;

export const ticketAssigned = defineEvent({
  type: 'tickets.ticket-assigned.v1',
  description:
    'The ticket was given to an agent: by the assignment engine (with its scores and reasons) or by a person.',
  contactScoped: false,
  schema: z.object({
    ticketId,
    agentId: actor,
    group: handle,
    /** The ticket's customer, when known: routing remembers who served them (the sticky agent). */
    contactId: z.uuid().optional(),
    by: actor,
    reasons: assignmentReasons.optional(),
    at,
  }),
});

export const ticketUnassigned = defineEvent({
  type: 'tickets.ticket-unassigned.v1',
  description:
    'The ticket left its agent: the agent went offline (it queues again, first in line by its age), a transfer, an escalation, or a solve.',
  contactScoped: false,
  schema: z.object({
    ticketId,
    agentId: actor,
    reason: z.enum(['agent-offline', 'transfer', 'escalation', 'solved', 'closed', 'unassigned', 'merged']),
    at,
  }),
});

export const ticketTransferred = defineEvent({
  type: 'tickets.ticket-transferred.v1',
  description:
    'The ticket was handed to another group or agent with a note the next agent sees (the context of the hand-over).',
  contactScoped: false,
  personalData: ['note'],
  schema: z.object({
    ticketId,
    contactId: customer,
    fromGroup: handle,
    toGroup: handle,
    fromAgentId: actor.optional(),
    toAgentId: actor.optional(),
    note: z.string().min(1).max(NOTE_TEXT_MAX),
    by: actor,
    at,
  }),
});

export const ticketEscalated = defineEvent({
  type: 'tickets.ticket-escalated.v1',
  description:
    'The ticket went up a tier: by an agent (with a note) or by SLA policy on a warning or a breach (to a group, to the supervisor, priority raised).',
  contactScoped: false,
  personalData: ['note'],
  schema: z.object({
    ticketId,
    contactId: customer,
    fromGroup: handle,
    toGroup: handle.optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    notify: z.array(actor).max(TAGS_MAX).default([]),
    cause: z.enum(['manual', 'sla-warning', 'sla-breach']),
    metric: z.enum(SLA_METRICS).optional(),
    note: z.string().min(1).max(NOTE_TEXT_MAX).optional(),
    by: actor,
    at,
  }),
});

const targetMinutes = z.number().int().positive().max(525_600).optional();
/** Minutes of the policy's calendar per SLA metric (a metric without a target is not measured). */
export const slaTargets = z.object({
  'first-response': targetMinutes,
  'next-response': targetMinutes,
  resolution: targetMinutes,
  'periodic-update': targetMinutes,
});
export type SlaTargets = z.infer<typeof slaTargets>;

export const slaPolicyApplied = defineEvent({
  type: 'tickets.sla-policy-applied.v1',
  description:
    'The SLA policy that holds for the ticket now (its priority, VIP tier, channel or group matched it): targets in minutes of its calendar. Reapplied when one of those or the policy book changes.',
  contactScoped: false,
  schema: z.object({
    ticketId,
    policyId: handle.optional(),
    calendarId: handle.optional(),
    targets: slaTargets,
    warnBeforeMinutes: z.number().int().nonnegative().max(10_080).default(0),
    at,
  }),
});

export const SLA_CLOCK_STATES = ['running', 'paused', 'achieved', 'stopped'] as const;
export const slaClockSet = defineEvent({
  type: 'tickets.sla-clock-set.v1',
  description:
    'An SLA clock of the ticket started, paused, resumed, was achieved or stopped; dueAt and warnAt (while running) are what the durable timers fire on. cycle counts next-response and periodic-update rounds.',
  contactScoped: false,
  schema: z.object({
    ticketId,
    metric: z.enum(SLA_METRICS),
    cycle: z.number().int().nonnegative(),
    state: z.enum(SLA_CLOCK_STATES),
    /** Business seconds the clock has run in this cycle, up to runningSince (or up to `at` when not running). */
    elapsedSeconds: z.number().int().nonnegative(),
    runningSince: at.optional(),
    targetMinutes: z.number().int().positive(),
    dueAt: at.optional(),
    warnAt: at.optional(),
    at,
  }),
});

const slaFired = z.object({
  ticketId,
  metric: z.enum(SLA_METRICS),
  cycle: z.number().int().nonnegative(),
  dueAt: at,
  at,
});
export const slaWarned = defineEvent({
  type: 'tickets.sla-warned.v1',
  description: 'An SLA target is close to its breach (warnAt passed while the clock ran).',
  contactScoped: false,
  schema: slaFired,
});
export const slaBreached = defineEvent({
  type: 'tickets.sla-breached.v1',
  description:
    'An SLA target was missed: its clock reached dueAt while running. Fires once per metric and cycle.',
  contactScoped: false,
  schema: slaFired,
});

export const csatRequested = defineEvent({
  type: 'tickets.csat-requested.v1',
  description:
    "On solve, a satisfaction survey for the customer: channels sends the link on the ticket's conversation. The token is single-use and expires.",
  contactScoped: false,
  personalData: ['token'],
  schema: z.object({
    ticketId,
    surveyId: z.uuid(),
    token: z.string().min(1).max(300),
    conversationId: z.uuid().optional(),
    channel: z.enum(CHANNELS).optional(),
    channelId: z.string().min(1).max(100).optional(),
    expiresAt: at,
    at,
  }),
});

export const csatRated = defineEvent({
  type: 'tickets.csat-rated.v1',
  description:
    'The customer rated the support 1–5 (good is 4 or 5), once per survey, optionally with a comment.',
  contactScoped: false,
  personalData: ['comment'],
  schema: z.object({
    ticketId,
    contactId: customer,
    surveyId: z.uuid(),
    score: z.number().int().min(1).max(5),
    comment: z.string().max(NOTE_TEXT_MAX).optional(),
    agentId: actor.optional(),
    at,
  }),
});

/** A rubric's criteria (e.g. tone, accuracy, resolution) scored 0–5 by a supervisor. */
export const RUBRIC_CRITERIA_MAX = 20;
export const agentEvaluated = defineEvent({
  type: 'tickets.agent-evaluated.v1',
  description:
    "A supervisor scored the agent's handling of the ticket against a rubric: 0–5 per criterion, and the total as a percentage of the rubric's maximum. One evaluation per supervisor and ticket; a second one from the same supervisor replaces it (same evaluationId).",
  contactScoped: false,
  personalData: ['comment'],
  schema: z.object({
    ticketId,
    evaluationId: z.uuid(),
    agentId: actor,
    rubric: handle,
    scores: boundedRecord(handle, z.number().int().min(0).max(5), RUBRIC_CRITERIA_MAX),
    percent: z.number().min(0).max(100),
    comment: z.string().max(NOTE_TEXT_MAX).optional(),
    by: actor,
    at,
  }),
});

export const ticketErased = defineEvent({
  type: 'tickets.ticket-erased.v1',
  description:
    "The customer's personal data was erased (contacts' personal-data-erased): the ticket's key is deleted, so its subject, excerpts, replies, notes and comments read as [erased], and its read models drop them.",
  contactScoped: false,
  schema: z.object({ ticketId, contactId: customer, erasedAt: at }),
});

export const ticketMerged = defineEvent({
  type: 'tickets.ticket-merged.v1',
  description:
    'The ticket was merged into another (it closes; its conversation and contact now lead to the surviving ticket).',
  contactScoped: false,
  schema: z.object({ ticketId, intoTicketId: ticketId, by: actor, at }),
});

export const ticketAbsorbed = defineEvent({
  type: 'tickets.ticket-absorbed.v1',
  description: 'Another ticket was merged into this one: its conversation joins this ticket.',
  contactScoped: false,
  schema: z.object({
    ticketId,
    mergedTicketId: ticketId,
    conversationId: z.uuid().optional(),
    by: actor,
    at,
  }),
});

// Agents and groups (streams agent-<id> and agent-group-<id>).

const CAPACITY_KEYS: readonly string[] = [...CHANNELS, 'default'];
const capacity = boundedRecord(
  z
    .string()
    .max(20)
    .refine((k) => CAPACITY_KEYS.includes(k), `a channel (${CHANNELS.join(', ')}) or default`),
  z.number().int().min(0).max(100),
  CHANNELS.length + 1,
);

export const agentProfileSet = defineEvent({
  type: 'tickets.agent-profile-set.v1',
  description:
    "An admin set an agent's groups, skills, languages, channel specialisations, capacity per channel (default for the others) and traits (for personality matching).",
  contactScoped: false,
  personalData: ['name'],
  schema: z.object({
    agentId: handle,
    name: name.optional(),
    groups: z.array(handle).min(1).max(TAGS_MAX),
    skills: z.array(handle).max(TAGS_MAX).default([]),
    languages: z.array(z.string().min(2).max(35)).max(TAGS_MAX).default([]),
    channels: z.array(z.enum(CHANNELS)).max(CHANNELS.length).default([]),
    capacity,
    traits: boundedRecord(traitKey, z.string().min(1).max(200), 50).default({}),
    by: actor,
  }),
});

export const agentPresenceChanged = defineEvent({
  type: 'tickets.agent-presence-changed.v1',
  description:
    'An agent went online (takes new tickets), away (keeps theirs, takes none) or offline (theirs are queued again).',
  contactScoped: false,
  schema: z.object({ agentId: handle, presence: z.enum(AGENT_PRESENCES), by: actor, at }),
});

export const agentTicketClaimed = defineEvent({
  type: 'tickets.agent-ticket-claimed.v1',
  description:
    "Capacity: the agent's stream takes the ticket before the ticket is assigned, with optimistic concurrency, so no agent ever holds more than their capacity, whatever the number of replicas assigning.",
  contactScoped: false,
  schema: z.object({ agentId: handle, ticketId, channel: z.enum([...CHANNELS, 'none']), at }),
});

export const agentTicketReleased = defineEvent({
  type: 'tickets.agent-ticket-released.v1',
  description:
    'The agent no longer holds the ticket (solved, moved, or a claim that did not become an assignment).',
  contactScoped: false,
  schema: z.object({ agentId: handle, ticketId, at }),
});

export const groupConfigured = defineEvent({
  type: 'tickets.group-configured.v1',
  description:
    'An admin set a group: its tier (tier-1, tier-2, vip desk), where it escalates to, its supervisors, and the VIP tiers it serves.',
  contactScoped: false,
  schema: z.object({
    groupId: handle,
    name,
    tier: z.enum(GROUP_TIERS),
    escalatesTo: handle.optional(),
    supervisors: z.array(actor).max(TAGS_MAX).default([]),
    vipTiers: z.array(z.enum(VIP_TIERS)).max(VIP_TIERS.length).default([]),
    by: actor,
  }),
});

export const slaPoliciesConfigured = defineEvent({
  type: 'tickets.sla-policies-configured.v1',
  description:
    "An admin replaced the SLA policy book: business-hours calendars (time zone, weekly hours, holidays) and policies (conditions, targets, escalation). Open tickets' targets are recomputed (the format is in the tickets service's OpenAPI).",
  contactScoped: false,
  schema: z.object({
    book: boundedJson(
      z.object({ calendars: z.array(z.unknown()), policies: z.array(z.unknown()) }),
      BOOK_MAX_BYTES,
    ),
    by: actor,
  }),
});

export const proactiveRulesConfigured = defineEvent({
  type: 'tickets.proactive-rules-configured.v1',
  description:
    'An admin replaced the proactive rules: which journey events (a late shipment, a failed payment, a return) open a ticket, for which group and priority.',
  contactScoped: false,
  schema: z.object({
    rules: boundedJson(z.array(z.unknown()), BOOK_MAX_BYTES),
    by: actor,
  }),
});

export const macrosConfigured = defineEvent({
  type: 'tickets.macros-configured.v1',
  description:
    "An admin replaced the macros: canned replies agents insert with one click, each with the status and tags it sets (the format is in the tickets service's OpenAPI).",
  contactScoped: false,
  schema: z.object({
    macros: boundedJson(z.array(z.unknown()), BOOK_MAX_BYTES),
    by: actor,
  }),
});

export const TICKET_EVENTS = [
  ticketOpened,
  ticketUpdated,
  contactLinked,
  customerMessageAdded,
  replyPosted,
  replyDelivered,
  replyDeliveryFailed,
  noteAdded,
  statusChanged,
  ticketAssigned,
  ticketUnassigned,
  ticketTransferred,
  ticketEscalated,
  slaPolicyApplied,
  slaClockSet,
  slaWarned,
  slaBreached,
  csatRequested,
  csatRated,
  agentEvaluated,
  ticketMerged,
  ticketAbsorbed,
  ticketErased,
] as const;

export const AGENT_EVENTS = [
  agentProfileSet,
  agentPresenceChanged,
  agentTicketClaimed,
  agentTicketReleased,
] as const;

export const TICKETS_EVENTS = [
  ...TICKET_EVENTS,
  ...AGENT_EVENTS,
  groupConfigured,
  slaPoliciesConfigured,
  proactiveRulesConfigured,
  macrosConfigured,
] as const;

/** Every tickets event, type and data. */
export type TicketsEvent = EventOf<(typeof TICKETS_EVENTS)[number]>;
/** The events of a ticket stream. */
export type TicketEventOf = EventOf<(typeof TICKET_EVENTS)[number]>;
/** The events of an agent stream. */
export type AgentEventOf = EventOf<(typeof AGENT_EVENTS)[number]>;
/** One tickets event's data, by type. */
export type TicketsEventData<T extends TicketsEvent['type']> = Extract<TicketsEvent, { type: T }>['data'];
