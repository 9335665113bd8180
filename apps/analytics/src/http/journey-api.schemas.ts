import { z } from 'zod';
import { KNOWLEDGE_CHANNELS } from '@journey/contracts';
import { PERIODS } from '../figures/domain/figures';
import { JOURNEY_DRILLABLE } from '../journey/domain/journey-figures';
import type { JourneyQuery } from '../journey/domain/journey-figures';
import { KNOWLEDGE_CUTS, KNOWLEDGE_DRILLABLE } from '../journey/domain/knowledge-figures';
import type { KnowledgeQuery } from '../journey/domain/knowledge-figures';
import { cutList, instant, timeZone, toRange } from './figures-api.schemas';

/** A drill-down's periodStart: only with a period, in the shape the rows' keys give it. */
const periodStart = z
  .string()
  .regex(
    /^\d{4}-\d{2}(-\d{2}(T\d{2}:\d{2})?)?$/,
    'a row key’s period: 2026-03, 2026-03-02 or 2026-03-02T10:00',
  )
  .optional();
const periodStartNeedsPeriod = (q: { period?: string | undefined; periodStart?: string | undefined }) =>
  !q.periodStart || Boolean(q.period);
const PERIOD_START_MESSAGE = {
  message: 'periodStart needs the period it is a start of',
  path: ['periodStart'],
};

/** The longest attribution window, in days. */
export const WINDOW_MAX_DAYS = 90;
const days = (fallback: number) => z.coerce.number().int().min(1).max(WINDOW_MAX_DAYS).default(fallback);

export const journeyQuerySchema = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    period: z.enum(PERIODS).optional(),
    timeZone,
    conversionDays: days(7),
    contactDays: days(30),
  })
  .strict();

export const journeyDrillDownQuerySchema = journeyQuerySchema
  .extend({
    figure: z.enum(JOURNEY_DRILLABLE),
    periodStart,
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .refine(periodStartNeedsPeriod, PERIOD_START_MESSAGE);

export function toJourneyQuery(
  q: z.infer<typeof journeyQuerySchema>,
  now = new Date(),
): JourneyQuery | string {
  const range = toRange(q, now);
  if (typeof range === 'string') return range;
  return {
    ...range,
    ...(q.period ? { period: q.period } : {}),
    timeZone: q.timeZone,
    conversionDays: q.conversionDays,
    contactDays: q.contactDays,
  };
}

export const knowledgeQuerySchema = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    by: cutList(KNOWLEDGE_CUTS),
    period: z.enum(PERIODS).optional(),
    timeZone,
    channel: z.enum(KNOWLEDGE_CHANNELS).optional(),
    gaps: z.coerce.number().int().min(0).max(200).default(20),
  })
  .strict();

export const knowledgeDrillDownQuerySchema = knowledgeQuerySchema
  .omit({ gaps: true })
  .extend({
    figure: z.enum(KNOWLEDGE_DRILLABLE),
    periodStart,
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .refine(periodStartNeedsPeriod, PERIOD_START_MESSAGE);

export function toKnowledgeQuery(
  q: Omit<z.infer<typeof knowledgeQuerySchema>, 'gaps'>,
  now = new Date(),
): KnowledgeQuery | string {
  const range = toRange(q, now);
  if (typeof range === 'string') return range;
  return {
    ...range,
    by: q.by ?? [],
    ...(q.period ? { period: q.period } : {}),
    timeZone: q.timeZone,
    where: q.channel ? { channel: q.channel } : {},
  };
}

const rate = z.number().nullable();
const counts = z.record(z.string(), z.number());
const key = z.record(z.string(), z.string()).describe('the cut values and the period start of the row');

export const journeyAnswer = z.object({
  query: z.object({
    from: z.string(),
    to: z.string(),
    period: z.enum(PERIODS).optional(),
    timeZone: z.string(),
    conversionDays: z.number(),
    contactDays: z.number(),
  }),
  rows: z.array(
    z.object({
      key,
      conversations: z.number().describe('conversations customers started (each counted once)'),
      byChannel: counts,
      channelMix: counts.describe('each channel\u2019s share of the conversations'),
      journeys: z.number().describe('customers who started a conversation'),
      multiChannelJourneys: z.number(),
      channelSwitches: z
        .number()
        .describe('conversations on another channel than the customer\u2019s previous one'),
      switchesPerJourney: rate,
      preSale: z.number().describe('conversations of customers who had not ordered before'),
      converted: z.number().describe('pre-sale conversations followed by an order within conversionDays'),
      conversionRate: rate,
      orders: z.number(),
      contactedOrders: z.number().describe('orders followed by a conversation within contactDays'),
      contactRate: rate,
    }),
  ),
});

export const journeyDrillDownAnswer = z.object({
  figure: z.enum(JOURNEY_DRILLABLE),
  total: z.number(),
  entries: z.array(
    z.object({
      key,
      contactId: z.string().describe('the customer (a merged contact counts as its survivor)'),
      conversationId: z.string().optional(),
      events: z.array(z.string()).describe('ids of the events the figure was counted from'),
    }),
  ),
});

export const knowledgeAnswer = z.object({
  query: z.object({
    from: z.string(),
    to: z.string(),
    by: z.array(z.enum(KNOWLEDGE_CUTS)),
    period: z.enum(PERIODS).optional(),
    timeZone: z.string(),
    where: z.record(z.string(), z.string()),
  }),
  rows: z.array(
    z.object({
      key,
      conversations: z
        .number()
        .describe('conversations the auto-answer decided on (first decision in the period)'),
      answeredConversations: z.number(),
      deflected: z
        .number()
        .describe('answered, with no later hand-off and no human reply on the conversation\u2019s tickets'),
      deflectionRate: rate,
      answers: z.number().describe('decisions: answered or handed off'),
      handOffs: z.number(),
      handOffReasons: counts,
      views: z.number(),
      searches: z.number(),
      searchesNone: z.number(),
      searchesPoor: z.number(),
      searchGapRate: rate,
      helpful: z.number(),
      notHelpful: z.number(),
      helpfulRate: rate,
      notHelpfulReasons: counts,
      updateRequests: z.number(),
      updateRequestsResolved: z.number(),
    }),
  ),
  contentGaps: z.array(
    z.object({
      query: z.string().describe('the normalised query (knowledge masks digits and e-mail addresses)'),
      searches: z.number(),
      none: z.number(),
      poor: z.number(),
      lastAt: z.string(),
    }),
  ),
});

export const knowledgeDrillDownAnswer = z.object({
  figure: z.enum(KNOWLEDGE_DRILLABLE),
  total: z.number(),
  entries: z.array(
    z.object({
      key,
      conversationId: z.string().optional(),
      articleId: z.string().optional(),
      query: z.string().optional(),
      events: z.array(z.string()).describe('ids of the events the figure was counted from'),
    }),
  ),
});
