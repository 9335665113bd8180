import type { EventEnvelope } from '@journey/contracts';
import { EventPreparation } from './event-preparation';

const envelope = (id: string, subject: string): EventEnvelope =>
  ({
    specversion: '1.0',
    id,
    type: 'test.thing-happened.v1',
    source: 'test',
    subject,
    time: '2026-11-24T10:00:00.000Z',
    correlationId: id,
    schemaVersion: 1,
    datacontenttype: 'application/json',
    data: { secret: `sealed-${id}` },
  }) as unknown as EventEnvelope;

type Reveal = (items: { subject: string; data: unknown }[]) => Promise<unknown[]>;
const preparation = (reveal: Reveal) =>
  new EventPreparation({
    personalData: { reveal: reveal as never },
    catalogue: { validate: (type, data) => ({ ok: true, type, data, version: 1 }) as never },
  });
const opened: Reveal = async (items) => items.map((i) => ({ secret: `opened-${i.subject}` }));

describe('EventPreparation.prepareAll', () => {
  it('opens a batch with one lookup and checks each event, in order', async () => {
    let lookups = 0;
    const prepared = await preparation(async (items) => (lookups++, opened(items))).prepareAll([
      envelope('a', 'conversation-1'),
      envelope('b', 'conversation-2'),
    ]);
    expect(lookups).toBe(1);
    expect(prepared.map((p) => p.ok && p.envelope.data)).toEqual([
      { secret: 'opened-conversation-1' },
      { secret: 'opened-conversation-2' },
    ]);
  });

  it('gives an event that cannot be opened for good its reason, and opens the others', async () => {
    const prepared = await preparation(async (items) => {
      if (items.some((i) => i.subject === 'conversation-bad'))
        throw new Error('Unsupported state or unable to authenticate data');
      return opened(items);
    }).prepareAll([
      envelope('a', 'conversation-1'),
      envelope('b', 'conversation-bad'),
      envelope('c', 'conversation-3'),
    ]);
    expect(prepared.map((p) => p.ok)).toEqual([true, false, true]);
    expect(prepared[1]).toEqual({
      ok: false,
      reason: expect.stringMatching(/^personal data could not be opened: .*unable to authenticate data/),
    });
  });

  it('throws a passing fault of the key store, for the caller to wait out', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(
      preparation(async () => {
        throw refused;
      }).prepareAll([envelope('a', 'conversation-1')]),
    ).rejects.toBe(refused);
  });
});
