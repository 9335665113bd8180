import { z } from 'zod';
import {
  ATTACHMENTS_MAX,
  attachmentReference,
  customFields,
  handle,
  MESSAGE_TEXT_MAX,
  NOTE_TEXT_MAX,
  RUBRIC_CRITERIA_MAX,
  TAGS_MAX,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_SUBJECT_MAX,
  TICKET_TYPES,
} from '@journey/contracts';

// The tickets API's inputs and answers: the same bounds as the events they become.

const tags = z.array(z.string().min(1).max(64)).max(TAGS_MAX);

export const createTicketSchema = z
  .object({
    subject: z.string().min(1).max(TICKET_SUBJECT_MAX),
    contactId: z.uuid().optional(),
    priority: z.enum(TICKET_PRIORITIES).default('normal'),
    type: z.enum(TICKET_TYPES).optional(),
    group: handle.optional(),
    tags: tags.default([]),
    skills: z.array(handle).max(TAGS_MAX).default([]),
    language: z.string().min(2).max(35).optional(),
    customFields: customFields.optional(),
  })
  .strict();

export const updateTicketSchema = z
  .object({
    subject: z.string().min(1).max(TICKET_SUBJECT_MAX).optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    type: z.enum(TICKET_TYPES).optional(),
    tags: tags.optional(),
    followers: z.array(z.string().min(1).max(200)).max(TAGS_MAX).optional(),
    skills: z.array(handle).max(TAGS_MAX).optional(),
    customFields: customFields.optional(),
    orderIds: z.array(z.string().min(1).max(200)).max(TAGS_MAX).optional(),
  })
  .strict()
  .refine((u) => Object.keys(u).length > 0, 'change at least one field');

export const replySchema = z
  .object({
    text: z.string().trim().min(1).max(MESSAGE_TEXT_MAX),
    attachments: z.array(attachmentReference).max(ATTACHMENTS_MAX).default([]),
    status: z.enum(['open', 'pending', 'on-hold', 'solved']).optional(),
    clientMessageId: z.string().min(1).max(100).optional(),
  })
  .strict();

export const noteSchema = z
  .object({
    text: z.string().trim().min(1).max(NOTE_TEXT_MAX),
    clientMessageId: z.string().min(1).max(100).optional(),
  })
  .strict();
export const statusSchema = z.object({ status: z.enum(['open', 'pending', 'on-hold', 'solved']) }).strict();
export const assignSchema = z.object({ agentId: handle }).strict();
export const transferSchema = z
  .object({ group: handle, agentId: handle.optional(), note: z.string().trim().min(1).max(NOTE_TEXT_MAX) })
  .strict();
export const escalateSchema = z
  .object({
    group: handle.optional().describe("default: where the ticket's group escalates to"),
    note: z.string().trim().min(1).max(NOTE_TEXT_MAX),
    raisePriority: z.enum(TICKET_PRIORITIES).optional(),
  })
  .strict();
export const mergeSchema = z.object({ intoTicketId: z.uuid() }).strict();
export const evaluationSchema = z
  .object({
    rubric: handle.describe('the rubric the scores follow, e.g. "quality-v1"'),
    scores: z
      .record(handle, z.number().int().min(0).max(5))
      .refine((r) => Object.keys(r).length >= 1 && Object.keys(r).length <= RUBRIC_CRITERIA_MAX, {
        message: `score 1 to ${RUBRIC_CRITERIA_MAX} criteria`,
      })
      .describe('0–5 per criterion'),
    agentId: handle.optional().describe('default: the agent who holds or last held the ticket'),
    comment: z.string().trim().min(1).max(NOTE_TEXT_MAX).optional(),
  })
  .strict();
export const csatSchema = z
  .object({ score: z.number().int().min(1).max(5), comment: z.string().max(NOTE_TEXT_MAX).optional() })
  .strict();

/** One value, or several comma-separated, of a query parameter. */
const commaSeparated = z
  .string()
  .max(2_000)
  .transform((v) => v.split(',').map((x) => x.trim()));

export const ticketQuerySchema = z
  .object({
    status: commaSeparated
      .pipe(z.array(z.enum(TICKET_STATUSES)).min(1).max(6))
      .optional()
      .describe('one status, or several comma-separated (open,pending,on-hold: what is still to do)'),
    assignee: z.string().min(1).max(200).optional().describe('an agent id, or "me"'),
    group: commaSeparated
      .pipe(z.array(handle).min(1).max(20))
      .optional()
      .describe('one group, or several comma-separated'),
    tag: z.string().min(1).max(64).optional(),
    contact: z.uuid().optional(),
    queued: z.enum(['true', 'false']).optional().describe('true: only tickets waiting for an agent'),
    breachingWithinMinutes: z.coerce.number().int().min(0).max(10_080).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    offset: z.coerce.number().int().min(0).max(10_000).default(0),
  })
  .strict();
export type TicketQuery = z.infer<typeof ticketQuerySchema>;

const clock = z.object({
  state: z.enum(['running', 'paused', 'achieved', 'stopped']),
  cycle: z.number().int(),
  targetMinutes: z.number().int(),
  elapsedSeconds: z.number().int(),
  dueAt: z.string().nullable(),
  warnAt: z.string().nullable(),
});

export const ticketAnswer = z.object({
  ticketId: z.uuid(),
  status: z.enum(TICKET_STATUSES),
  priority: z.enum(TICKET_PRIORITIES),
  group: z.string(),
  assignee: z.string().optional(),
  subject: z.string().optional(),
  contactId: z.uuid().optional(),
  channel: z.string().optional(),
  conversationId: z.uuid().optional(),
  openedAt: z.string(),
  updatedAt: z.string(),
  tags: z.array(z.string()).optional(),
  clocks: z.record(z.string(), clock).optional(),
  breaches: z.number().int().optional(),
  assignmentReasons: z.unknown().optional(),
  csat: z
    .object({ surveyId: z.uuid(), score: z.number().int().optional(), comment: z.string().optional() })
    .optional(),
  evaluations: z
    .record(
      z.uuid(),
      z.object({
        agentId: z.string(),
        rubric: z.string(),
        scores: z.record(z.string(), z.number().int()),
        percent: z.number(),
        by: z.string(),
        at: z.string(),
      }),
    )
    .optional()
    .describe("supervisors' evaluations, one per supervisor"),
  timeline: z.array(z.object({ at: z.string(), kind: z.string() }).loose()).optional(),
});
export const ticketPage = z.object({ tickets: z.array(ticketAnswer), total: z.number().int() });
export const commandAnswer = z.object({
  ticketId: z.uuid(),
  events: z.array(z.string()),
  status: z.enum(TICKET_STATUSES).optional(),
});
