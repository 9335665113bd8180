import type { RecordedEvent } from '@journey/eventstore';
import { toDeadLetter, DLQ } from '../dead-letter/dead-letter-topics';
import { decodeMessage, toMessage, topicForEventType } from './event-message';

const event: RecordedEvent = {
  id: '0b8e3f8e-6a3c-4d0e-9a57-6f0f6b7c2a11',
  type: 'tickets.ticket-opened.v1',
  data: { subject: 'Refund' },
  metadata: {
    source: 'tickets',
    time: '2026-11-23T10:00:00.000Z',
    contactId: 'contact-7',
    correlationId: 'corr-1',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    schemaVersion: 1,
  },
  streamId: 'ticket-42',
  revision: 3n,
  position: { commit: 10n, prepare: 99n },
  recordedAt: new Date(),
};

describe('event messages', () => {
  it('routes an event to its context topic, keyed by stream, with CloudEvents headers and the traceparent', () => {
    const message = toMessage(event);
    expect(topicForEventType('contacts.identity-linked.v2')).toBe('journey.contacts.v1');
    expect(message).toMatchObject({ topic: 'journey.tickets.v1', key: 'ticket-42' });
    expect(message.headers).toMatchObject({
      ce_id: event.id,
      ce_type: 'tickets.ticket-opened.v1',
      ce_subject: 'ticket-42',
      traceparent: event.metadata.traceparent,
      'journey-stream-revision': '3',
    });
  });

  it('decodes what it encodes into a valid envelope', () => {
    const m = toMessage(event);
    const decoded = decodeMessage({ ...m, partition: 0, offset: '0', value: Buffer.from(m.value as string) });
    expect(decoded).toEqual({
      ok: true,
      envelope: expect.objectContaining({
        specversion: '1.0',
        id: event.id,
        subject: 'ticket-42',
        contactId: 'contact-7',
        data: { subject: 'Refund' },
      }),
    });
  });

  it('says why a message is not an event', () => {
    const base = { topic: 't', partition: 0, offset: '5', key: 'k', headers: {} };
    expect(decodeMessage({ ...base, value: Buffer.from('{oops') })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^value is not JSON/),
    });
    expect(
      decodeMessage({ ...base, value: Buffer.from(JSON.stringify({ specversion: '1.0', type: 'Bad' })) }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^invalid event envelope: .*type: must look like <context>.<event-name>.v<n>/,
      ),
    });
  });

  it('keeps the original key, value and headers in a dead letter, plus where and why it failed', () => {
    const m = toMessage(event);
    const incoming = { ...m, partition: 2, offset: '17', value: Buffer.from(m.value as string) };
    const dead = toDeadLetter(incoming, 'journey-contacts', 'boom', 5);
    expect(dead).toMatchObject({
      topic: 'journey.dlq.journey-contacts',
      key: 'ticket-42',
      value: incoming.value,
    });
    expect(dead.headers).toMatchObject({
      ce_id: event.id,
      [DLQ.reason]: 'boom',
      [DLQ.originalTopic]: 'journey.tickets.v1',
      [DLQ.originalPartition]: '2',
      [DLQ.originalOffset]: '17',
      [DLQ.attempts]: '5',
    });
  });
});
