import type { IncomingMessage, MessageBus } from '../bus/message-bus';
import type { ParkedStream, StreamParking } from '../parking/stream-parking';
import { deadLetterTopic, DLQ, retryTopic } from './dead-letter-topics';

export interface DeadLetter {
  offset: string;
  key: string | undefined;
  eventId: string | undefined;
  eventType: string | undefined;
  /** The stream it is parked with (absent on dead letters from before streams were parked in order). */
  stream: string | undefined;
  reason: string;
  originalTopic: string;
  attempts: number;
  failedAt: string;
}

/**
 * Lists a group's dead letters (the topic keeps every one, for the record) and its parked streams (the
 * parking holds what still waits), and redrives the streams once the cause is fixed.
 */
export class DeadLetters {
  constructor(
    private readonly bus: MessageBus,
    private readonly parking?: StreamParking,
  ) {}

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
   * Sends the group's parked streams (or the one named) back to it: for each, one message on
   * `journey.retry.<group>`, which only that group reads, and on which its consumer drains the stream's
   * parked events in order, releasing the stream when all apply. A stream parked again after a redrive
   * (its head still fails) waits for the next one. Returns the streams and parked events sent back.
   */
  async redrive(
    groupId: string,
    options: { stream?: string } = {},
  ): Promise<{ streams: number; events: number }> {
    if (!this.parking) throw new Error('redrive needs the parking of the event store');
    const parked = (await this.parking.list(groupId)).filter(
      (p) => options.stream === undefined || p.streamKey === options.stream,
    );
    await this.bus.publish(
      parked.map((p) => ({
        topic: retryTopic(groupId),
        key: p.streamKey,
        value: Buffer.alloc(0),
        headers: { [DLQ.stream]: p.streamKey, 'journey-redrive-requested-at': new Date().toISOString() },
      })),
    );
    return { streams: parked.length, events: parked.reduce((n, p) => n + p.messages, 0) };
  }

  /** The group's parked streams (all groups' without one): each waits, in order, for a redrive. */
  async parked(groupId?: string): Promise<ParkedStream[]> {
    if (!this.parking) throw new Error('listing parked streams needs the parking of the event store');
    return this.parking.list(groupId);
  }
}

function describe(m: IncomingMessage): DeadLetter {
  return {
    offset: m.offset,
    key: m.key,
    eventId: m.headers['ce_id'],
    eventType: m.headers['ce_type'],
    stream: m.headers[DLQ.stream],
    reason: m.headers[DLQ.reason] ?? '(no reason recorded)',
    originalTopic: m.headers[DLQ.originalTopic] ?? '(unknown)',
    attempts: Number(m.headers[DLQ.attempts] ?? 0),
    failedAt: m.headers[DLQ.failedAt] ?? '',
  };
}
