import type { MessageBus, OutgoingMessage } from '../bus/message-bus';
import { InMemoryStreamParking } from '../parking/in-memory-stream-parking';
import { incomingMessage, recordedEvent } from '../testing/event-fixtures';
import { DeadLetters } from './dead-letters';

describe('DeadLetters.redrive (unit)', () => {
  it('sends one drain request per parked stream of the group, or only the stream named', async () => {
    const published: OutgoingMessage[] = [];
    const bus = {
      publish: async (m: OutgoingMessage[]) => void published.push(...m),
    } as unknown as MessageBus;
    const parking = new InMemoryStreamParking();
    const park = (group: string, streamId: string, revision: bigint) => {
      const message = incomingMessage(recordedEvent({ streamId, revision }), Number(revision));
      return parking.park(group, streamId, {
        messageId: message.headers['ce_id'] as string,
        message,
        reason: 'r',
        parkedAt: new Date(),
      });
    };
    await park('g', 'ticket-a', 1n);
    await park('g', 'ticket-a', 2n);
    await park('g', 'ticket-b', 5n);
    await park('other', 'ticket-c', 0n);
    const letters = new DeadLetters(bus, parking);

    expect(await letters.redrive('g')).toEqual({ streams: 2, events: 3 });
    expect(published.map((m) => [m.topic, m.key, m.headers['journey-dlq-stream'], m.value.length])).toEqual([
      ['journey.retry.g', 'ticket-a', 'ticket-a', 0],
      ['journey.retry.g', 'ticket-b', 'ticket-b', 0],
    ]);
    published.length = 0;
    expect(await letters.redrive('g', { stream: 'ticket-b' })).toEqual({ streams: 1, events: 1 });
    expect(published.map((m) => m.key)).toEqual(['ticket-b']);
  });
});
