import { z } from 'zod';
import { describeIssues } from '@journey/contracts';

const env = z.object({
  ANALYTICS_MONITOR_INTERVAL_MS: z.coerce.number().int().min(200).max(300_000).default(15_000),
});

/** The analytics service's own settings (environment, checked at start-up). */
export interface AnalyticsOptions {
  /** How often the operations monitor reads Kafka's offsets and the open SLA breaches. */
  monitorIntervalMs: number;
}

export const ANALYTICS_OPTIONS = Symbol('ANALYTICS_OPTIONS');

export function loadAnalyticsOptions(source: NodeJS.ProcessEnv = process.env): AnalyticsOptions {
  const parsed = env.safeParse(source);
  if (!parsed.success) throw new Error(`invalid configuration: ${describeIssues(parsed.error)}`);
  return { monitorIntervalMs: parsed.data.ANALYTICS_MONITOR_INTERVAL_MS };
}
