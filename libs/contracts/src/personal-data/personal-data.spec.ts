import { z } from 'zod';
import { journeyCatalogue } from '../catalogue/journey-catalogue';
import { acceptErased, ERASED, mapPersonalData, personalValues } from './personal-data';

describe('personal data paths', () => {
  const data = {
    name: 'Li Wei',
    identities: [
      { kind: 'email', value: 'li@example.com', verified: true },
      { kind: 'phone', value: '+8613800000000', verified: false },
    ],
    details: { orderTotal: 12 },
    untouched: 'keep',
  };
  const paths = ['name', 'identities[].value', 'details', 'missing.field'];

  it('finds every value a path reaches, through arrays, and skips absent ones', () => {
    expect(personalValues(data, paths)).toEqual([
      'Li Wei',
      'li@example.com',
      '+8613800000000',
      { orderTotal: 12 },
    ]);
  });

  it('replaces those values in a copy and leaves the rest and the original alone', () => {
    const mapped = mapPersonalData(data, paths, () => 'x') as typeof data;
    expect(mapped).toEqual({
      name: 'x',
      identities: [
        { kind: 'email', value: 'x', verified: true },
        { kind: 'phone', value: 'x', verified: false },
      ],
      details: 'x',
      untouched: 'keep',
    });
    expect(data.name).toBe('Li Wei');
  });

  it('widens a schema so erased values read, while the rest stays strict', () => {
    const schema = z.object({
      name: z.string().min(2).optional(),
      identities: z.array(z.object({ value: z.email() })).min(1),
      details: z.record(z.string(), z.number()).default({}),
      age: z.number(),
    });
    const widened = acceptErased(schema, ['name', 'identities[].value', 'details']);
    expect(
      widened.safeParse({ name: ERASED, identities: [{ value: ERASED }], details: ERASED, age: 3 }).success,
    ).toBe(true);
    expect(widened.safeParse({ identities: [], age: 3 }).success).toBe(false); // min(1) kept
    expect(widened.safeParse({ identities: [{ value: 'not an email' }], age: 3 }).success).toBe(false);
    expect(widened.safeParse({ identities: [{ value: ERASED }], age: ERASED }).success).toBe(false);
  });

  it('refuses a path the schema does not have, when the event is defined', () => {
    expect(() => acceptErased(z.object({ a: z.string() }), ['b'])).toThrow(/no field b/);
  });

  it('lets readers meet erased events that writers could never append', () => {
    const erased = {
      conversationId: '0b6c3c57-43a4-4f4a-9f0c-6c4a0f3a3b11',
      channel: 'phone',
      channelId: 'hotline',
      callId: 'call-1',
      recordingUrl: ERASED,
    };
    expect(journeyCatalogue.validate('channels.call-recorded.v1', erased).ok).toBe(false);
    expect(journeyCatalogue.validate('channels.call-recorded.v1', erased, 'read').ok).toBe(true);
  });
});
