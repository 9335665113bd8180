import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { journeyCatalogue } from '../catalogue/journey-catalogue';
import {
  ATTACHMENTS_MAX,
  EMAIL_REFERENCES_MAX,
  IDENTITIES_MAX,
  MESSAGE_TEXT_MAX,
  PROVIDER_ID_MAX,
} from '../channels/channels.events';
import { eventEnvelopeSchema } from '../event-envelope';
import { mapPersonalData } from '../personal-data/personal-data';
import { serializedSizeBound, UnboundedField } from './serialized-size-bound';
import { boundedJson, boundedRecord, EVENT_MAX_BYTES, jsonBytes } from './size-limits';

// The envelope around the data: its metadata at their bounds, and the data itself left out.
const ENVELOPE_BYTES = serializedSizeBound(eventEnvelopeSchema.omit({ data: true })) + '"data":,'.length;
// The worst a UTF-16 unit can cost in JSON: a control character becomes \u0001.
const WORST = '\u0001';

describe('the size of every event', () => {
  it.each(journeyCatalogue.list().map((d) => [d.type, d] as const))(
    '%s cannot exceed a Kafka message, whatever data it carries',
    (_type, definition) => {
      const bound = serializedSizeBound(definition.schema, definition.personalData ?? []);
      expect(ENVELOPE_BYTES + bound).toBeLessThanOrEqual(EVENT_MAX_BYTES);
    },
  );

  it('bounds a real maximal message from above (text, attachments, identities and References at their caps)', () => {
    const definition = journeyCatalogue.get('channels.message-received.v1')!;
    const long = (n: number) => WORST.repeat(n);
    const data = definition.schema.parse({
      conversationId: '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11',
      channel: 'email',
      channelId: long(100),
      messageId: '6f1d2a9e-2b8c-4f1e-8d7a-3c5b9e0f1a22',
      providerMessageId: long(PROVIDER_ID_MAX),
      identities: Array.from({ length: IDENTITIES_MAX }, () => ({
        kind: 'email',
        value: long(320),
        verified: false,
      })),
      text: long(MESSAGE_TEXT_MAX),
      textTruncated: true,
      attachments: Array.from({ length: ATTACHMENTS_MAX }, () => ({
        reference: long(2048),
        contentType: long(255),
        name: long(255),
        sizeBytes: Number.MAX_SAFE_INTEGER,
      })),
      customerAction: { name: 'menu-click', key: long(256) },
      emailThread: {
        messageId: long(PROVIDER_ID_MAX),
        references: Array.from({ length: EMAIL_REFERENCES_MAX }, () => long(PROVIDER_ID_MAX)),
        subject: long(998),
      },
      receivedAt: '2026-11-23T10:00:00.000Z',
    });
    // Sealed as the event store seals a personal value: prefix, vault id, generation, IV + tag + JSON.
    const seal = (value: unknown) =>
      `pd1.${'v'.repeat(36)}.1.${randomBytes(28 + jsonBytes(value)).toString('base64url')}`;
    const stored = jsonBytes(mapPersonalData(data, definition.personalData ?? [], seal));
    expect(stored).toBeGreaterThan(EVENT_MAX_BYTES / 2);
    expect(stored).toBeLessThanOrEqual(serializedSizeBound(definition.schema, definition.personalData));
  });

  it('refuses an unbounded field by name, so that a contract cannot grow one unnoticed', () => {
    const bounded = z.string().max(10);
    expect(() => serializedSizeBound(z.object({ note: z.string() }))).toThrow(UnboundedField);
    expect(() => serializedSizeBound(z.object({ note: z.string() }))).toThrow(/note: a string without a max/);
    expect(() => serializedSizeBound(z.object({ tags: z.array(bounded) }))).toThrow(/tags: an array/);
    expect(() => serializedSizeBound(z.object({ m: z.record(bounded, bounded) }))).toThrow(/m: a record/);
    expect(() => serializedSizeBound(z.object({ blob: z.unknown() }))).toThrow(/blob: a unknown/);
    expect(() => serializedSizeBound(z.object({ e: z.email() }))).toThrow(/e: a string/);
    expect(serializedSizeBound(z.object({ m: boundedRecord(bounded, bounded, 3) }))).toBeGreaterThan(0);
    expect(serializedSizeBound(z.object({ blob: boundedJson(z.unknown(), 500) }))).toBe(
      2 + '"blob":'.length + 500,
    );
  });

  it('counts a personal field as sealed, larger than its plain JSON', () => {
    const schema = z.object({ text: z.string().max(1000).optional() });
    expect(serializedSizeBound(schema, ['text'])).toBeGreaterThan((serializedSizeBound(schema) * 4) / 3);
  });
});
