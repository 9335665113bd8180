import { eventEnvelopeSchema, eventTypeVersion } from './event-envelope';

const valid = {
  specversion: '1.0',
  id: '0b8e3f8e-6a3c-4d0e-9a57-6f0f6b7c2a11',
  type: 'tickets.ticket-opened.v1',
  source: 'tickets',
  subject: 'ticket-42',
  time: '2026-11-23T10:00:00.000Z',
  contactId: 'contact-7',
  correlationId: 'corr-1',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  schemaVersion: 1,
  data: { subject: 'Where is my order?' },
};

describe('event envelope', () => {
  it('accepts a CloudEvents-compatible envelope', () => {
    expect(eventEnvelopeSchema.parse(valid)).toEqual(valid);
  });

  it('says which attribute is wrong', () => {
    const result = eventEnvelopeSchema.safeParse({
      ...valid,
      type: 'TicketOpened',
      traceparent: 'x',
      id: 'nope',
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['id', 'traceparent', 'type']);
  });

  it('reads the version of an event type', () => {
    expect(eventTypeVersion('contacts.identity-linked.v12')).toBe(12);
    expect(() => eventTypeVersion('contacts.identity-linked')).toThrow(/no version suffix/);
  });
});
