import { DateTime } from 'luxon';
import { z } from 'zod';
import { CUTS, DATE_BASES, DRILLABLE, PERIODS } from '../figures/domain/figures';
import type { FigureQuery } from '../figures/domain/figures';
import { BACKLOG_CUTS } from '../figures/domain/backlog';

/** The longest period one request measures. */
export const RANGE_MAX_DAYS = 400;
const DAY_MS = 86_400_000;

export const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
export const value = z.string().min(1).max(200);

/** `by`: comma-separated cuts, each one of `allowed` (an unknown one is a 400 naming the allowed), once each. */
export const cutList = <T extends string>(allowed: readonly T[]) =>
  z
    .string()
    .max(100)
    .optional()
    .transform((s, ctx) => {
      const cuts = (s ?? '').split(',').filter(Boolean);
      for (const c of cuts)
        if (!(allowed as readonly string[]).includes(c)) {
          ctx.addIssue({ code: 'custom', message: `unknown cut ${c}: one of ${allowed.join(', ')}` });
          return z.NEVER;
        }
      return [...new Set(cuts)] as T[];
    });

export const timeZone = z
  .string()
  .max(64)
  .refine((zone) => DateTime.local().setZone(zone).isValid, 'must be an IANA time zone, e.g. Asia/Shanghai')
  .default('UTC');

/** The query of every figures endpoint (the same filters and cuts for the JSON, the CSV and the drill-down). */
export const figureQuerySchema = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    dateBy: z.enum(DATE_BASES).default('created'),
    by: cutList(CUTS),
    period: z.enum(PERIODS).optional(),
    timeZone,
    agent: value.optional(),
    group: value.optional(),
    channel: value.optional(),
    priority: value.optional(),
    vipTier: value.optional(),
    product: value.optional(),
  })
  .strict();

export const drillDownQuerySchema = figureQuerySchema.extend({
  figure: z.enum(DRILLABLE),
  /** The period of the row (as the row's key shows it). */
  periodStart: z.string().max(20).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** The range of a query: `to` defaults to now, `from` to 30 days before `to`, a date to its midnight in the zone. */
export function toRange(
  q: { from?: string | undefined; to?: string | undefined; timeZone: string },
  now = new Date(),
): { from: string; to: string } | string {
  const at = (s: string) =>
    /^\d{4}-\d{2}-\d{2}$/.test(s) ? (DateTime.fromISO(s, { zone: q.timeZone }).toUTC().toISO() as string) : s;
  const to = q.to ? at(q.to) : now.toISOString();
  const from = q.from ? at(q.from) : new Date(Date.parse(to) - 30 * DAY_MS).toISOString();
  if (Date.parse(from) >= Date.parse(to)) return 'from must be before to';
  if (Date.parse(to) - Date.parse(from) > RANGE_MAX_DAYS * DAY_MS)
    return `at most ${RANGE_MAX_DAYS} days at once`;
  return { from, to };
}

/** A query as the domain takes it: `to` defaults to now, `from` to 30 days before `to`, a date to its midnight in the zone. */
export function toFigureQuery(q: z.infer<typeof figureQuerySchema>, now = new Date()): FigureQuery | string {
  const range = toRange(q, now);
  if (typeof range === 'string') return range;
  const { from, to } = range;
  const where: FigureQuery['where'] = {};
  for (const cut of CUTS) if (q[cut]) where[cut] = q[cut];
  return {
    from,
    to,
    dateBy: q.dateBy,
    by: q.by ?? [],
    ...(q.period ? { period: q.period } : {}),
    timeZone: q.timeZone,
    where,
  };
}

const duration = z.object({
  count: z.number(),
  mean: z.number(),
  median: z.number(),
  p90: z.number(),
  businessMean: z.number(),
  businessMedian: z.number(),
  businessP90: z.number(),
});
const rate = z.number().nullable();
export const figureRowSchema = z.object({
  key: z.record(z.string(), z.string()).describe('the cut values and the period start of the row'),
  created: z.number(),
  solved: z.number(),
  resolutionRate: rate,
  firstResponse: duration,
  nextResponse: duration,
  firstResolution: duration,
  fullResolution: duration,
  oneTouch: z.number(),
  firstContactResolution: rate,
  reopened: z.number(),
  reopens: z.number(),
  reopenRate: rate,
  botResolved: z.number(),
  surveys: z.number(),
  rated: z.number(),
  good: z.number(),
  csat: rate,
  surveyResponseRate: rate,
  evaluations: z.number(),
  evaluationScore: rate,
  sla: z.record(z.string(), z.object({ measured: z.number(), breached: z.number(), compliance: rate })),
  transfers: z.number(),
  escalations: z.number(),
});
export const figuresAnswer = z.object({
  query: z.object({
    from: z.string(),
    to: z.string(),
    dateBy: z.enum(DATE_BASES),
    by: z.array(z.enum(CUTS)),
    period: z.enum(PERIODS).optional(),
    timeZone: z.string(),
    where: z.record(z.string(), z.string()),
  }),
  rows: z.array(figureRowSchema),
});
export const drillDownAnswer = z.object({
  figure: z.enum(DRILLABLE),
  total: z.number(),
  entries: z.array(
    z.object({
      ticketId: z.string(),
      key: z.record(z.string(), z.string()),
      agent: z.string(),
      seconds: z.number().optional(),
      businessSeconds: z.number().optional(),
      from: z.string().optional(),
      to: z.string().optional(),
      events: z.array(z.string()).describe('ids of the events the figure was measured from'),
    }),
  ),
});

/** The backlog's query: cuts and filters of the tickets waiting now. */
export const backlogQuerySchema = z
  .object({
    by: cutList(BACKLOG_CUTS),
    dueSoonMinutes: z.coerce.number().int().min(1).max(10_080).default(60),
    group: value.optional(),
    channel: value.optional(),
    priority: value.optional(),
  })
  .strict();
export type BacklogQuery = z.infer<typeof backlogQuerySchema>;

export const backlogAnswer = z.object({
  at: z.string().describe('the instant the backlog was measured at'),
  dueSoonSeconds: z.number(),
  rows: z.array(
    z.object({
      key: z.record(z.string(), z.string()),
      open: z.number().describe('tickets waiting (new, open, pending, on-hold)'),
      unassigned: z.number(),
      ageMedian: z.number().describe('seconds since opening'),
      ageP90: z.number(),
      ageMax: z.number(),
      breachedTickets: z
        .number()
        .describe('tickets with a missed SLA target whose clock still runs or is paused'),
      breaches: z.number(),
      dueSoon: z.number().describe('tickets whose next running target falls due within dueSoonSeconds'),
      nextBreachIn: z.number().nullable().describe('seconds until the earliest running target falls due'),
    }),
  ),
});
