import type { EventEnvelope } from '@journey/contracts';
import type { BatchContext, IncomingMessage, MessageBus, RunningConsumer } from '../bus/message-bus';
import { consumerSupportTopics, retryTopic, toDeadLetter } from '../dead-letter/dead-letter-topics';
import { decodeMessage } from '../relay/event-message';

export interface EventConsumerOptions {
  bus: MessageBus;
  groupId: string;
  topics: string[];
  /** Applies one event. Must be idempotent: a message can arrive more than once (see runOnce). */
  handle(envelope: EventEnvelope, message: IncomingMessage): Promise<void>;
  /** Tries before a failing event goes to the dead-letter topic (default 5). */
  maxAttempts?: number;
  /** Wait before try n+1 (default 100 ms doubling, at most 5 s). */
  backoffMs?(attempt: number): number;
  onDeadLetter?(message: IncomingMessage, reason: string): void;
}

const defaultBackoff = (attempt: number) => Math.min(5_000, 100 * 2 ** (attempt - 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A consumer group over event topics (and its own retry topic): batched, in partition order, each
 * message validated, retried with backoff, and dead-lettered with the reason when it keeps failing,
 * so one poison event never blocks the ones behind it. Offsets move only past handled messages.
 */
export class EventConsumer {
  private running: RunningConsumer | undefined;
  handled = 0;
  deadLettered = 0;

  constructor(private readonly options: EventConsumerOptions) {}

  async start(): Promise<void> {
    const { bus, groupId } = this.options;
    await bus.ensureTopics(consumerSupportTopics(groupId));
    this.running = await bus.consume({
      groupId,
      topics: [...this.options.topics, retryTopic(groupId)],
      fromBeginning: true,
      eachBatch: (messages, context) => this.handleBatch(messages, context),
    });
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
  }

  private async handleBatch(messages: IncomingMessage[], context: BatchContext): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const backoff = this.options.backoffMs ?? defaultBackoff;
    for (const message of messages) {
      if (!context.isRunning()) return; // the rest is redelivered after the rebalance or restart
      const decoded = decodeMessage(message);
      if (!decoded.ok) {
        await this.deadLetter(message, decoded.reason, 0);
      } else {
        let attempt = 0;
        for (;;) {
          attempt += 1;
          try {
            await this.options.handle(decoded.envelope, message);
            this.handled += 1;
            break;
          } catch (err) {
            if (attempt >= maxAttempts || !context.isRunning()) {
              if (!context.isRunning()) return;
              await this.deadLetter(
                message,
                `handler failed after ${attempt} attempts: ${(err as Error).message ?? String(err)}`,
                attempt,
              );
              break;
            }
            await sleep(backoff(attempt));
            await context.heartbeat();
          }
        }
      }
      context.markDone(message);
    }
  }

  private async deadLetter(message: IncomingMessage, reason: string, attempts: number): Promise<void> {
    await this.options.bus.publish([toDeadLetter(message, this.options.groupId, reason, attempts)]);
    this.deadLettered += 1;
    this.options.onDeadLetter?.(message, reason);
  }
}
