import type { IncomingMessage, MessageBus } from '../bus/message-bus';
import { deadLetterTopic, DLQ, retryTopic } from './dead-letter-topics';

export interface DeadLetter {
  offset: string;
  key: string | undefined;
  eventId: string | undefined;
  eventType: string | undefined;
  reason: string;
  originalTopic: string;
  attempts: number;
  failedAt: string;
}

/** Lists a group's dead letters, and redrives them to the group's retry topic once the cause is fixed. */
export class DeadLetters {
  constructor(private readonly bus: MessageBus) {}

  /** The consumer groups that have a dead-letter topic. */
  async groups(): Promise<string[]> {
    const prefix = deadLetterTopic('');
    return (await this.bus.listTopics())
      .filter((t) => t.startsWith(prefix))
      .map((t) => t.slice(prefix.length))
      .sort();
  }

  /** One dead letter with the event it holds, or undefined. */
  async show(groupId: string, offset: string): Promise<(DeadLetter & { event: unknown }) | undefined> {
    const message = (await this.bus.readTopic(deadLetterTopic(groupId))).find((m) => m.offset === offset);
    if (!message) return undefined;
    let event: unknown;
    try {
      event = JSON.parse(message.value.toString('utf8'));
    } catch {
      event = message.value.toString('utf8');
    }
    return { ...describe(message), event };
  }

  async list(groupId: string): Promise<DeadLetter[]> {
    return (await this.bus.readTopic(deadLetterTopic(groupId))).map(describe);
  }

  /**
   * Sends every dead letter not yet redriven to `journey.retry.<group>`, which only that group reads.
   * Progress is the `<group>.redrive` group's committed offset, so a second redrive sends nothing twice.
   */
  async redrive(groupId: string): Promise<number> {
    const redriveGroup = `${groupId}.redrive`;
    const pending = await this.bus.pendingFor(redriveGroup, deadLetterTopic(groupId));
    if (pending.size === 0) return 0;
    let sent = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const consumer = await this.bus.consume({
      groupId: redriveGroup,
      topics: [deadLetterTopic(groupId)],
      fromBeginning: true,
      eachBatch: async (messages, context) => {
        const toSend = messages.filter((m) => {
          const p = pending.get(m.partition);
          return p !== undefined && BigInt(m.offset) < p.end;
        });
        await this.bus.publish(
          toSend.map((m) => ({
            topic: retryTopic(groupId),
            key: m.key ?? '',
            value: m.value,
            headers: {
              ...withoutDlqHeaders(m.headers),
              'journey-redriven-from': `${deadLetterTopic(groupId)}@${m.offset}`,
            },
          })),
        );
        // Only what was sent moves the redrive group on: a dead letter that arrived after this redrive
        // began stays pending for the next one.
        for (const m of toSend) {
          context.markDone(m);
          const p = pending.get(m.partition);
          if (p && BigInt(m.offset) + 1n >= p.end) pending.delete(m.partition);
        }
        sent += toSend.length;
        if (pending.size === 0) done();
      },
    });
    await finished;
    await consumer.stop();
    return sent;
  }
}

function describe(m: IncomingMessage): DeadLetter {
  return {
    offset: m.offset,
    key: m.key,
    eventId: m.headers['ce_id'],
    eventType: m.headers['ce_type'],
    reason: m.headers[DLQ.reason] ?? '(no reason recorded)',
    originalTopic: m.headers[DLQ.originalTopic] ?? '(unknown)',
    attempts: Number(m.headers[DLQ.attempts] ?? 0),
    failedAt: m.headers[DLQ.failedAt] ?? '',
  };
}

function withoutDlqHeaders(headers: Record<string, string>): Record<string, string> {
  const dlqNames = new Set<string>(Object.values(DLQ).filter((h) => h !== DLQ.originalTopic));
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !dlqNames.has(k)));
}
