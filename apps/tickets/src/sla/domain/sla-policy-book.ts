import { z } from 'zod';
import {
  calendarSchema,
  CHANNELS,
  handle,
  slaTargets,
  TICKET_PRIORITIES,
  VIP_TIERS,
} from '@journey/contracts';
import type { Calendar, ChannelKind, SlaTargets, TicketPriority } from '@journey/contracts';

const escalation = z
  .object({
    /** Move the ticket to this group (for example tier-2). */
    toGroup: handle.optional(),
    /** Raise the priority one step (high → urgent) or to the level named. */
    raisePriority: z.union([z.literal(true), z.enum(TICKET_PRIORITIES)]).optional(),
    /** Tell the group's supervisors (they are named on the escalation event). */
    notifySupervisors: z.boolean().default(false),
  })
  .strict();
export type Escalation = z.infer<typeof escalation>;

export const policySchema = z
  .object({
    id: handle,
    /** Empty or absent conditions match every ticket; policies are tried in order, the first match holds. */
    when: z
      .object({
        priority: z.array(z.enum(TICKET_PRIORITIES)).max(4).optional(),
        vipTier: z.array(z.enum(VIP_TIERS)).max(4).optional(),
        channel: z.array(z.enum(CHANNELS)).max(CHANNELS.length).optional(),
        group: z.array(handle).max(50).optional(),
      })
      .strict()
      .default({}),
    calendarId: handle.optional(),
    targets: slaTargets.refine((t) => Object.values(t).some((v) => v !== undefined), 'at least one target'),
    warnBeforeMinutes: z.number().int().nonnegative().max(10_080).default(0),
    onWarning: escalation.optional(),
    onBreach: escalation.optional(),
  })
  .strict();
export type SlaPolicy = z.infer<typeof policySchema>;

export const policyBookSchema = z
  .object({
    calendars: z.array(calendarSchema).max(50).default([]),
    policies: z.array(policySchema).max(200),
  })
  .strict()
  .superRefine((book, ctx) => {
    const calendars = new Set(book.calendars.map((c) => c.id));
    if (calendars.size !== book.calendars.length)
      ctx.addIssue({ code: 'custom', path: ['calendars'], message: 'calendar ids must be unique' });
    const policies = new Set<string>();
    book.policies.forEach((p, i) => {
      if (policies.has(p.id))
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'id'],
          message: `policy ${p.id} is defined twice`,
        });
      policies.add(p.id);
      if (p.calendarId && !calendars.has(p.calendarId))
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'calendarId'],
          message: `no calendar ${p.calendarId} in this book`,
        });
    });
  });
export type PolicyBook = z.infer<typeof policyBookSchema>;

export const EMPTY_BOOK: PolicyBook = { calendars: [], policies: [] };

/** What a policy's conditions look at. */
export interface PolicySubject {
  priority: TicketPriority;
  vipTier?: string | undefined;
  channel?: ChannelKind | undefined;
  group: string;
}

const matches = (allowed: readonly string[] | undefined, value: string | undefined) =>
  !allowed?.length || (value !== undefined && allowed.includes(value));

/** The first policy of the book whose conditions hold for the ticket, if any. */
export function matchPolicy(book: PolicyBook, subject: PolicySubject): SlaPolicy | undefined {
  return book.policies.find(
    (p) =>
      matches(p.when.priority, subject.priority) &&
      matches(p.when.vipTier, subject.vipTier ?? 'standard') &&
      matches(p.when.channel, subject.channel) &&
      matches(p.when.group, subject.group),
  );
}

/** The calendar a policy names (every minute counts without one). */
export function calendarOf(book: PolicyBook, calendarId: string | undefined): Calendar | undefined {
  return calendarId ? book.calendars.find((c) => c.id === calendarId) : undefined;
}

export type { SlaTargets };
