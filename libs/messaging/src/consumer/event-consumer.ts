import {
  context as otelContext,
  metrics,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { EventCatalogue, EventEnvelope } from '@journey/contracts';
import { personalDataSubject } from '@journey/eventstore';
import type { PersonalDataProtection } from '@journey/eventstore';
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
  /** Validates each event's data (upcasting old versions): the handler gets the checked, latest-version
   *  data, and an invalid event goes to the dead-letter topic at once, without retries. */
  catalogue?: Pick<EventCatalogue, 'validate'>;
  /** Opens the encrypted personal fields before the check and the handler (erased ones read as
   *  [erased]); without it the handler sees them as they travel, encrypted. */
  personalData?: Pick<PersonalDataProtection, 'reveal'>;
}

const defaultBackoff = (attempt: number) => Math.min(5_000, 100 * 2 ** (attempt - 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A consumer group over event topics (and its own retry topic): batched, in partition order, each
 * message validated, retried with backoff, and dead-lettered with the reason when it keeps failing,
 * so one poison event never blocks the ones behind it. Offsets move only past handled messages.
 */
const tracer = trace.getTracer('journey-messaging');
const meter = metrics.getMeter('journey-messaging');
const lagGauge = meter.createObservableGauge('journey.consumer.lag', {
  description: 'Messages behind the end of the partition, per consumer group, topic and partition',
  unit: '{message}',
});
const consumers = new Set<EventConsumer>();
lagGauge.addCallback((result) => {
  for (const consumer of consumers) {
    for (const l of consumer.lag())
      result.observe(l.lag, {
        'messaging.consumer.group.name': l.groupId,
        'messaging.destination.name': l.topic,
        'messaging.destination.partition.id': String(l.partition),
      });
  }
});

export class EventConsumer {
  private running: RunningConsumer | undefined;
  private readonly lags = new Map<string, { topic: string; partition: number; lag: number }>();
  handled = 0;
  deadLettered = 0;

  constructor(private readonly options: EventConsumerOptions) {}

  /** How far behind each partition this consumer is, as of its last batch. */
  lag(): { groupId: string; topic: string; partition: number; lag: number }[] {
    return [...this.lags.values()].map((l) => ({ groupId: this.options.groupId, ...l }));
  }

  async start(): Promise<void> {
    const { bus, groupId } = this.options;
    await bus.ensureTopics(consumerSupportTopics(groupId));
    this.running = await bus.consume({
      groupId,
      topics: [...this.options.topics, retryTopic(groupId)],
      fromBeginning: true,
      eachBatch: (messages, context) => this.handleBatch(messages, context),
    });
    consumers.add(this);
  }

  async stop(): Promise<void> {
    consumers.delete(this);
    await this.running?.stop();
    this.running = undefined;
  }

  private async handleBatch(messages: IncomingMessage[], context: BatchContext): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const backoff = this.options.backoffMs ?? defaultBackoff;
    const decodedBatch = new Map(messages.map((m) => [m, decodeMessage(m)] as const));
    const revealed = await this.revealBatch(decodedBatch);
    for (const message of messages) {
      if (!context.isRunning()) return; // the rest is redelivered after the rebalance or restart
      const decoded = decodedBatch.get(message) ?? decodeMessage(message);
      if (!decoded.ok) {
        await this.deadLetter(message, decoded.reason, 0);
      } else {
        let attempt = 0;
        let invalid: string | undefined;
        for (;;) {
          attempt += 1;
          try {
            // Opening personal data reads the key store: a failure there is retried like the handler's.
            const checked = this.check(revealed.get(message) ?? (await this.reveal(decoded.envelope)));
            if (!checked.ok) {
              invalid = checked.reason;
              break;
            }
            await this.inTrace(message, checked.envelope, () =>
              this.options.handle(checked.envelope, message),
            );
            this.handled += 1;
            break;
          } catch (err) {
            if (!context.isRunning()) return; // stopping: redelivered after the restart
            if (attempt >= maxAttempts) {
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
        // Invalid data does not get better with retries: dead-lettered at once.
        if (invalid !== undefined) await this.deadLetter(message, invalid, 0);
      }
      context.markDone(message);
      this.lags.set(`${message.topic}/${message.partition}`, {
        topic: message.topic,
        partition: message.partition,
        lag: Math.max(0, Number(BigInt(context.highWatermark) - BigInt(message.offset) - 1n)),
      });
    }
  }

  /** Opens a whole batch with one key lookup; what this cannot open is opened (and retried) one by one. */
  private async revealBatch(
    batch: Map<IncomingMessage, ReturnType<typeof decodeMessage>>,
  ): Promise<Map<IncomingMessage, EventEnvelope>> {
    const revealed = new Map<IncomingMessage, EventEnvelope>();
    const personalData = this.options.personalData;
    const decoded = [...batch].flatMap(([message, d]) => (d.ok ? [{ message, envelope: d.envelope }] : []));
    if (!personalData || decoded.length === 0) return revealed;
    try {
      const data = await personalData.reveal(
        decoded.map(({ envelope }) => ({
          type: envelope.type,
          data: envelope.data,
          subject: personalDataSubject(envelope.subject, envelope.contactId),
        })),
      );
      decoded.forEach(({ message, envelope }, i) => revealed.set(message, { ...envelope, data: data[i] }));
    } catch {
      // One event that cannot be opened (or a key store hiccup) must not stop the others.
    }
    return revealed;
  }

  private async reveal(envelope: EventEnvelope): Promise<EventEnvelope> {
    if (!this.options.personalData) return envelope;
    const [data] = await this.options.personalData.reveal([
      {
        type: envelope.type,
        data: envelope.data,
        subject: personalDataSubject(envelope.subject, envelope.contactId),
      },
    ]);
    return data === envelope.data ? envelope : { ...envelope, data };
  }

  /** The envelope with its data checked (and upcast) by the catalogue when there is one. */
  private check(
    envelope: EventEnvelope,
  ): { ok: true; envelope: EventEnvelope } | { ok: false; reason: string } {
    const catalogue = this.options.catalogue;
    if (!catalogue) return { ok: true, envelope };
    // Readers accept erased personal data, which no writer could append.
    const checked = catalogue.validate(envelope.type, envelope.data, 'read');
    return checked.ok
      ? { ok: true, envelope: { ...envelope, type: checked.type, data: checked.data } }
      : { ok: false, reason: checked.reason };
  }

  /** Runs the handler in a consumer span that continues the writer's trace (W3C traceparent header). */
  private inTrace(
    message: IncomingMessage,
    envelope: EventEnvelope,
    run: () => Promise<void>,
  ): Promise<void> {
    const parent = propagation.extract(ROOT_CONTEXT, message.headers);
    return otelContext.with(parent, () =>
      tracer.startActiveSpan(
        `process ${message.topic}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'process',
            'messaging.destination.name': message.topic,
            'messaging.consumer.group.name': this.options.groupId,
            'messaging.message.id': envelope.id,
            'journey.event.type': envelope.type,
          },
        },
        async (span) => {
          try {
            await run();
          } catch (err) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
            throw err;
          } finally {
            span.end();
          }
        },
      ),
    );
  }

  private async deadLetter(message: IncomingMessage, reason: string, attempts: number): Promise<void> {
    await this.options.bus.publish([toDeadLetter(message, this.options.groupId, reason, attempts)]);
    this.deadLettered += 1;
    this.options.onDeadLetter?.(message, reason);
  }
}
