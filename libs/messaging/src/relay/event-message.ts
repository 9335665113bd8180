import { describeIssues, eventEnvelopeSchema } from '@journey/contracts';
import type { EventEnvelope } from '@journey/contracts';
import type { RecordedEvent } from '@journey/eventstore';
import type { IncomingMessage, OutgoingMessage } from '../bus/message-bus';

/** One topic per bounded context: `tickets.ticket-opened.v1` goes to `journey.tickets.v1`. */
export function topicForEventType(type: string): string {
  const context = type.split('.')[0];
  if (!context) throw new Error(`event type "${type}" has no context prefix`);
  return `journey.${context}.v1`;
}

/** A stored event as the envelope every consumer reads (CloudEvents structured mode). */
export function toEnvelope(event: RecordedEvent): EventEnvelope {
  const { source, time, contactId, correlationId, causationId, traceparent, schemaVersion } = event.metadata;
  return {
    specversion: '1.0',
    id: event.id,
    type: event.type,
    source,
    subject: event.streamId,
    time,
    ...(contactId ? { contactId } : {}),
    correlationId,
    ...(causationId ? { causationId } : {}),
    ...(traceparent ? { traceparent } : {}),
    schemaVersion,
    data: event.data,
  };
}

/** The header that carries an event's 0-based revision in its stream. */
export const STREAM_REVISION_HEADER = 'journey-stream-revision';

/** The stream revision a message carries; undefined when it carries none, or not a revision. */
export function streamRevisionOf(message: { headers: Record<string, string> }): bigint | undefined {
  const revision = message.headers[STREAM_REVISION_HEADER];
  return revision !== undefined && /^\d{1,19}$/.test(revision) ? BigInt(revision) : undefined;
}

/**
 * The Kafka message of a stored event: keyed by stream so one stream keeps its order; the envelope's
 * attributes also go in headers (CloudEvents binding names, W3C traceparent) for routing without parsing.
 */
export function toMessage(event: RecordedEvent, topic = topicForEventType(event.type)): OutgoingMessage {
  const envelope = toEnvelope(event);
  const headers: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: envelope.id,
    ce_type: envelope.type,
    ce_source: envelope.source,
    ce_subject: envelope.subject,
    ce_time: envelope.time,
    'content-type': 'application/cloudevents+json',
    'journey-correlation-id': envelope.correlationId,
    [STREAM_REVISION_HEADER]: event.revision.toString(),
  };
  if (envelope.traceparent) headers['traceparent'] = envelope.traceparent;
  return { topic, key: event.streamId, value: JSON.stringify(envelope), headers };
}

export type DecodedMessage = { ok: true; envelope: EventEnvelope } | { ok: false; reason: string };

/** Parses and validates a message's envelope; a bad one comes back with the reason, for the DLQ. */
export function decodeMessage(message: IncomingMessage): DecodedMessage {
  let json: unknown;
  try {
    json = JSON.parse(message.value.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `value is not JSON: ${(err as Error).message}` };
  }
  const parsed = eventEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      reason: `invalid event envelope: ${describeIssues(parsed.error)}`,
    };
  }
  return { ok: true, envelope: parsed.data as EventEnvelope };
}
