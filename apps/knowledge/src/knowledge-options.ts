import { z } from 'zod';
import { describeIssues } from '@journey/contracts';

const env = z.object({
  KNOWLEDGE_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  KNOWLEDGE_POOR_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.5),
  KNOWLEDGE_PORTAL_URL: z.url().max(500).default('http://127.0.0.1:3104/v1/help/articles'),
  KNOWLEDGE_CONTACT_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(3_000),
  KNOWLEDGE_ANSWER_MAX_AGE_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
});

/** The knowledge service's own settings (environment, checked at start-up). */
export interface KnowledgeOptions {
  /** How often scheduled publishes and review-by dates are checked. */
  schedulerIntervalMs: number;
  /** A search whose best hit is below this confidence counts as poor in the content-gap report. */
  poorConfidence: number;
  /** Where an article is read (links in automatic answers). */
  portalUrl: string;
  /** How long auto-answer waits for contacts to say who wrote a message before handing it to a person. */
  contactWaitMs: number;
  /** A message older than this when auto-answer reads it (a first start, a long outage) is left to people. */
  answerMaxAgeMs: number;
}

export const KNOWLEDGE_OPTIONS = Symbol('KNOWLEDGE_OPTIONS');

export function loadKnowledgeOptions(source: NodeJS.ProcessEnv = process.env): KnowledgeOptions {
  const parsed = env.safeParse(source);
  if (!parsed.success) throw new Error(`invalid configuration: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  return {
    schedulerIntervalMs: e.KNOWLEDGE_SCHEDULER_INTERVAL_MS,
    poorConfidence: e.KNOWLEDGE_POOR_CONFIDENCE,
    portalUrl: e.KNOWLEDGE_PORTAL_URL,
    contactWaitMs: e.KNOWLEDGE_CONTACT_WAIT_MS,
    answerMaxAgeMs: e.KNOWLEDGE_ANSWER_MAX_AGE_MS,
  };
}
