import { z } from 'zod';
import { handle, JOURNEY_EVENT_KINDS, TICKET_PRIORITIES } from '@journey/contracts';
import type { JourneyEventKind } from '@journey/contracts';

const condition = z.union([
  z.object({ equals: z.union([z.string().max(200), z.number(), z.boolean()]) }).strict(),
  z.object({ atLeast: z.number() }).strict(),
]);

/** A rule that opens a ticket before the customer writes: a kind of journey fact and conditions on its details. */
export const proactiveRuleSchema = z
  .object({
    id: handle,
    on: z.enum(JOURNEY_EVENT_KINDS),
    /** Conditions on the fact's details, all of which must hold (e.g. delayDays at least 2). */
    when: z.record(z.string().min(1).max(64), condition).default({}),
    group: handle,
    priority: z.enum(TICKET_PRIORITIES).default('normal'),
    subject: z.string().min(1).max(200),
    tags: z.array(z.string().min(1).max(64)).max(20).default([]),
  })
  .strict();
export type ProactiveRule = z.infer<typeof proactiveRuleSchema>;

export const proactiveRulesSchema = z
  .array(proactiveRuleSchema)
  .max(200)
  .refine((rules) => new Set(rules.map((r) => r.id)).size === rules.length, 'rule ids must be unique');

/** The rules a journey fact sets off. Details the customer gave (encrypted, erased) never match. */
export function matchingRules(
  rules: readonly ProactiveRule[],
  kind: JourneyEventKind,
  details: Readonly<Record<string, unknown>> | string,
): ProactiveRule[] {
  const facts = typeof details === 'object' ? details : {};
  return rules.filter(
    (r) =>
      r.on === kind &&
      Object.entries(r.when).every(([key, c]) => {
        const value = facts[key];
        return 'equals' in c ? value === c.equals : typeof value === 'number' && value >= c.atLeast;
      }),
  );
}
