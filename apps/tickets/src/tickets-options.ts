import { z } from 'zod';
import { describeIssues, handle } from '@journey/contracts';

const env = z.object({
  TICKETS_DEFAULT_GROUP: handle.default('support'),
  TICKETS_AUTO_CLOSE_DAYS: z.coerce.number().int().min(1).max(28).default(4),
  TICKETS_CSAT_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  TICKETS_DISPATCH_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  TICKETS_CHANNEL_GROUPS: z
    .string()
    .max(10_000)
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(/^[^=\s]{1,100}=[a-z0-9][a-z0-9._-]{0,63}$/, 'channelId=group, comma-separated')
          .transform((p) => p.split('=') as [string, string]),
      ),
    ),
  TICKETS_TIMER_POLL_MS: z.coerce.number().int().min(50).max(10_000).default(500),
  TICKETS_CONTACT_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(750),
  TICKETS_LIVE_INTERVAL_MS: z.coerce.number().int().min(200).max(60_000).default(1_000),
  TICKETS_LIVE_MAX_STREAMS: z.coerce.number().int().min(1).max(100_000).default(1_000),
});

/** The tickets service's own settings (environment, checked at start-up). */
export interface TicketsOptions {
  defaultGroup: string;
  /** The group a configured channel's tickets queue in (the default group for the others). */
  channelGroups: ReadonlyMap<string, string>;
  autoCloseDays: number;
  csatTtlDays: number;
  dispatchIntervalMs: number;
  timerPollMs: number;
  /**
   * How long a conversation's ticket waits for contacts to say who the customer is (VIP tier, traits,
   * the agent who served them) before it is assigned without knowing.
   */
  contactWaitMs: number;
  /** Live streams (GET /v1/tickets/live): how often each polls the board, and how many one replica serves. */
  liveIntervalMs: number;
  liveMaxStreams: number;
}

export const TICKETS_OPTIONS = Symbol('TICKETS_OPTIONS');

export function loadTicketsOptions(source: NodeJS.ProcessEnv = process.env): TicketsOptions {
  const parsed = env.safeParse(source);
  if (!parsed.success) throw new Error(`invalid configuration: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  return {
    defaultGroup: e.TICKETS_DEFAULT_GROUP,
    channelGroups: new Map(e.TICKETS_CHANNEL_GROUPS),
    autoCloseDays: e.TICKETS_AUTO_CLOSE_DAYS,
    csatTtlDays: e.TICKETS_CSAT_TTL_DAYS,
    dispatchIntervalMs: e.TICKETS_DISPATCH_INTERVAL_MS,
    timerPollMs: e.TICKETS_TIMER_POLL_MS,
    contactWaitMs: e.TICKETS_CONTACT_WAIT_MS,
    liveIntervalMs: e.TICKETS_LIVE_INTERVAL_MS,
    liveMaxStreams: e.TICKETS_LIVE_MAX_STREAMS,
  };
}
