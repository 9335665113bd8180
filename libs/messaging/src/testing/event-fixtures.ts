import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@journey/eventstore';
import type { IncomingMessage } from '../bus/message-bus';
import { toMessage } from '../relay/event-message';

/** A stored event for specs: a valid envelope with sensible defaults, any field overridable. */
export function recordedEvent(overrides: Partial<RecordedEvent> & { revision?: bigint } = {}): RecordedEvent {
  const revision = overrides.revision ?? 0n;
  return {
    id: randomUUID(),
    type: 'tickets.ticket-opened.v1',
    data: {},
    metadata: { source: 'tickets', time: '2026-11-23T10:00:00.000Z', correlationId: 'c', schemaVersion: 1 },
    streamId: 'ticket-1',
    revision,
    position: { commit: 1n, prepare: revision },
    recordedAt: new Date(),
    ...overrides,
  };
}

/** The event as a consumer receives it from `topic`, at `offset` of partition 0. */
export function incomingMessage(event: RecordedEvent, offset: number, topic?: string): IncomingMessage {
  const message = toMessage(event, topic);
  return { ...message, partition: 0, offset: String(offset), value: Buffer.from(message.value as string) };
}
