import type { IncomingMessage } from '../bus/message-bus';

/** A message parked behind its stream's first failure, as the parking keeps it. */
export interface ParkedMessage {
  /** The event id, or topic/partition@offset for a message that is no event at all. */
  messageId: string;
  message: IncomingMessage;
  reason: string;
  parkedAt: Date;
}

/** A parked stream of one consumer group: its messages wait, in order, for a redrive. */
export interface ParkedStream {
  groupId: string;
  streamKey: string;
  parkedAt: Date;
  /** Why the first message failed. */
  reason: string;
  messages: number;
}

/** What a drain did: applied the parked messages in order, or stopped at one that failed again. */
export type DrainOutcome =
  | { status: 'drained'; applied: number }
  | { status: 'still-parked'; applied: number; reason: string }
  | { status: 'not-parked' };

/**
 * The sequenced dead-letter queue of the consumers (as Axon's): once a stream's message fails for a
 * reason that retrying cannot cure, that stream's later messages queue behind it instead of being
 * applied out of order; other streams go on. A drain (after `journey dlq redrive`) applies the queue
 * in order and releases the stream when it is empty. Kept in the event store's database, so it
 * outlives restarts and rebalances, and one lock per stream orders the parking and the draining.
 */
export interface StreamParking {
  /** Which of these stream keys are parked for the group. */
  parkedAmong(groupId: string, streamKeys: string[]): Promise<Set<string>>;
  /** Parks the stream (if it is not) with this message at the end of its queue. */
  park(groupId: string, streamKey: string, message: ParkedMessage): Promise<void>;
  /** Queues the message if, under the stream's lock, the stream is still parked; false if it was released. */
  queueIfParked(groupId: string, streamKey: string, message: ParkedMessage): Promise<boolean>;
  /**
   * Under the stream's lock, applies its parked messages in order, removing each once applied. A
   * message that fails again stays at the head with the new reason (a transient failure is rethrown,
   * after what was applied is recorded).
   */
  drain(
    groupId: string,
    streamKey: string,
    apply: (message: ParkedMessage) => Promise<{ ok: true } | { ok: false; reason: string }>,
  ): Promise<DrainOutcome>;
  /**
   * Moves every stream parked under `fromGroup` to `toGroup` (a rebuild handing its parked streams to
   * the live path when it starts to serve); a message `toGroup` already holds is kept once.
   */
  transfer(fromGroup: string, toGroup: string): Promise<void>;
  /** Forgets every stream parked under the group (an abandoned rebuild's). */
  release(groupId: string): Promise<void>;
  /** The parked streams, of one group or all. */
  list(groupId?: string): Promise<ParkedStream[]>;
  /** One stream's parked messages, in order. */
  messages(groupId: string, streamKey: string): Promise<ParkedMessage[]>;
  close(): Promise<void>;
}

/** The id a message is parked under: its event id, or where it was for a message that is no event. */
export function parkedMessageId(message: IncomingMessage): string {
  return storable(message.headers['ce_id'] ?? `${message.topic}/${message.partition}@${message.offset}`);
}

/** The stream a message belongs to: its key, or the message alone when it has none. */
export function streamKeyOf(message: IncomingMessage): string {
  return message.key && message.key.length > 0 ? storable(message.key) : parkedMessageId(message);
}

/** A foreign message's key may hold what a text column refuses (NUL); it is a name here, not data. */
// eslint-disable-next-line no-control-regex -- NUL is what PostgreSQL text refuses
export const storable = (text: string) => text.replace(/\u0000/g, '\ufffd').slice(0, 500);
