import { z } from 'zod';

/** `<context>.<event-name>.v<version>`, e.g. `tickets.ticket-opened.v1`. */
export const EVENT_TYPE = /^[a-z][a-z0-9]*\.[a-z][a-z0-9-]*\.v[1-9]\d*$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** What a writer says about an event besides its data; stored with it and carried on Kafka. */
export const eventMetadataSchema = z.object({
  source: z.string().min(1).max(100),
  time: z.iso.datetime({ offset: true }),
  contactId: z.string().min(1).max(100).optional(),
  correlationId: z.string().min(1).max(300),
  causationId: z.string().min(1).max(300).optional(),
  traceparent: z.string().max(55).regex(TRACEPARENT, 'must be a W3C traceparent').optional(),
  schemaVersion: z.number().int().min(1),
});
export type EventMetadata = z.infer<typeof eventMetadataSchema>;

/**
 * The event envelope on the event store and on Kafka, compatible with CloudEvents 1.0 (`id`, `type`,
 * `source`, `subject`, `time`, `data`, plus extension attributes).
 */
export const eventEnvelopeSchema = eventMetadataSchema.extend({
  specversion: z.literal('1.0'),
  id: z.uuid(),
  type: z.string().max(200).regex(EVENT_TYPE, 'must look like <context>.<event-name>.v<n>'),
  subject: z.string().min(1).max(300),
  data: z.unknown(),
});
export type EventEnvelope<T = unknown> = Omit<z.infer<typeof eventEnvelopeSchema>, 'data'> & { data: T };

/** The version suffix of an event type (`tickets.ticket-opened.v2` → 2). */
export function eventTypeVersion(type: string): number {
  const match = /\.v(\d+)$/.exec(type);
  if (!match?.[1]) throw new Error(`event type "${type}" has no version suffix`);
  return Number(match[1]);
}
