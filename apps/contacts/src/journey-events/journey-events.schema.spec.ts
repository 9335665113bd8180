import { parseInput } from '@journey/platform';
import { journeyEventSchema } from './journey-events.controller';

const fact = (details: Record<string, unknown>) => ({
  kind: 'order-placed',
  externalId: 'o-1',
  source: 'shop',
  occurredAt: '2026-11-23T10:00:00Z',
  customer: { email: 'li.wei@example.com' },
  details,
});

describe('a journey fact at the edge', () => {
  it('takes flat details under plain names', () => {
    expect(journeyEventSchema.parse(fact({ total: 99.5, 'order-no': 'A-1', gift: false })).details).toEqual({
      total: 99.5,
      'order-no': 'A-1',
      gift: false,
    });
  });

  it('refuses keys the read model cannot store, too many or too long keys, and never echoes a key', () => {
    for (const key of ['$where', 'a.b', 'k'.repeat(65)])
      expect(journeyEventSchema.safeParse(fact({ [key]: 1 })).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    expect(journeyEventSchema.safeParse(fact(many)).success).toBe(false);
    expect(() => parseInput(journeyEventSchema, fact({ 'secret\u0000name': 1 }))).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret') }),
    );
  });
});
