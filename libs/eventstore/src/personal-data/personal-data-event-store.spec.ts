import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { journeyCatalogue } from '@journey/contracts';
import { InMemoryEventStore } from '../in-memory/in-memory-event-store';
import { InMemoryPersonalDataKeys } from './personal-data-keys';
import { InvalidEventError, PersonalDataEventStore } from './personal-data-event-store';
import { PersonalDataProtection } from './personal-data-protection';

const contactId = '3f0a6a55-8f0e-4c38-9d77-2a1b1c0f9e01';
const event = (type: string, data: unknown) => ({
  id: crypto.randomUUID(),
  type,
  data,
  metadata: {
    source: 'contacts',
    contactId,
    correlationId: 'c',
    schemaVersion: 1,
    time: new Date().toISOString(),
  },
});
const created = () =>
  event('contacts.contact-created.v1', {
    contactId,
    identities: [{ kind: 'email', value: 'mei@example.com', verified: true }],
  });

describe('PersonalDataEventStore.append', () => {
  const stored = new InMemoryEventStore();
  const store = new PersonalDataEventStore(
    stored,
    new PersonalDataProtection(new InMemoryPersonalDataKeys(), journeyCatalogue),
  );

  it('refuses, storing nothing, an event the contracts do not know or whose data breaks them', async () => {
    // An unknown type (a context with no topic) would stall the relay; an oversized one, the topic.
    await expect(
      store.append('contact-x', [created(), event('billing.invoice-sent.v1', {})], 'no_stream'),
    ).rejects.toThrow(InvalidEventError);
    await expect(
      store.append(
        'contact-y',
        [event('contacts.contact-created.v1', { contactId: 'not-a-uuid', identities: [] })],
        'no_stream',
      ),
    ).rejects.toThrow(/not appended, an event breaks its contract: contacts.contact-created.v1/);
    expect(await stored.readAll()).toEqual([]);
  });

  it('writes the active trace into each event, so the relay and the consumers continue it', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const tracer = new TracerProvider().getTracer('spec');
    try {
      const traceparent = await tracer.startActiveSpan('POST /v1/something', async (span) => {
        await store.append(`contact-${contactId}`, [created()], 'no_stream');
        span.end();
        return `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;
      });
      const [recorded] = await stored.readStream(`contact-${contactId}`);
      expect(recorded?.metadata.traceparent).toBe(traceparent);
    } finally {
      context.disable();
      trace.disable();
    }
  });
});
