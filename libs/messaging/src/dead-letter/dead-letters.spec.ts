import type { BatchContext, ConsumeOptions, MessageBus, OutgoingMessage } from '../bus/message-bus';
import { incomingMessage, recordedEvent } from '../testing/event-fixtures';
import { deadLetterTopic } from './dead-letter-topics';
import { DeadLetters } from './dead-letters';

describe('DeadLetters.redrive (unit)', () => {
  it('sends what was dead when it began, and leaves a later dead letter for the next redrive', async () => {
    const published: OutgoingMessage[] = [];
    const marked: string[] = [];
    const bus = {
      // Offsets 0 and 1 were in the dead-letter topic when the redrive began…
      pendingFor: async () => new Map([[0, { committed: 0n, end: 2n }]]),
      publish: async (messages: OutgoingMessage[]) => void published.push(...messages),
      consume: async (options: ConsumeOptions) => {
        // …and offset 2 died while the redrive was starting: the batch holds all three.
        const batch = [0, 1, 2].map((offset) =>
          incomingMessage(recordedEvent(), offset, deadLetterTopic('g')),
        );
        const context: BatchContext = {
          highWatermark: '3',
          markDone: (m) => void marked.push(m.offset),
          heartbeat: async () => undefined,
          isRunning: () => true,
        };
        await options.eachBatch(batch, context);
        return { stop: async () => undefined };
      },
    } as unknown as MessageBus;

    expect(await new DeadLetters(bus).redrive('g')).toBe(2);
    expect(published.map((m) => [m.topic, m.headers['journey-redriven-from']])).toEqual([
      ['journey.retry.g', 'journey.dlq.g@0'],
      ['journey.retry.g', 'journey.dlq.g@1'],
    ]);
    expect(marked).toEqual(['0', '1']); // offset 2 is not skipped by the next redrive
  });
});
