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
import type { PersonalDataProtection } from '@journey/eventstore';
import { clearDegraded, reportDegraded, transientBackoff, waitOutTransient } from '@journey/platform';
import type { WaitOutOptions } from '@journey/platform';
import type { BatchContext, IncomingMessage, MessageBus } from '../bus/message-bus';
import type { RunningConsumer } from '../bus/message-bus';
import { consumerSupportTopics, DLQ, retryTopic, toDeadLetter } from '../dead-letter/dead-letter-topics';
import { cleanReason, failureReason } from '../dead-letter/failure-reason';
import { decodeMessage } from '../relay/event-message';
import { EventPreparation } from './event-preparation';
import type { PreparedEvent } from './event-preparation';
import { parkedMessageId, streamKeyOf } from '../parking/stream-parking';
import type { ParkedMessage, StreamParking } from '../parking/stream-parking';
import { JOURNEY_EVENT_TOPICS } from '../relay/journey-topics';

export interface EventConsumerOptions {
  bus: MessageBus;
  groupId: string;
  topics: string[];
  /**
   * Partitions handled at once by this member (default 1): only for handlers that are already safe
   * with several replicas racing (decisions in the event store, guarded read-model writes).
   */
  partitionsConcurrently?: number;
  /** Applies one event. Must be idempotent: a message can arrive more than once. */
  handle(envelope: EventEnvelope, message: IncomingMessage): Promise<void>;
  /**
   * Applies a run of consecutive events of a batch at once (optional; e.g. one write per read model
   * for a whole Kafka batch). Idempotent as `handle` is. A passing fault is waited out as for one
   * event; any other failure sends the run through `handle` one event at a time, so that only the
   * failing event is parked, with its stream.
   */
  handleMany?(events: readonly ConsumedEvent[]): Promise<void>;
  /** Where a stream whose event cannot be applied waits, in order, for a redrive. */
  parking: StreamParking;
  /** Tries of a failure that is not a passing infrastructure fault before it is parked (default 3). */
  maxAttempts?: number;
  /** Wait before try n+1 of such a failure (default 100 ms doubling, at most 5 s). */
  backoffMs?(attempt: number): number;
  /** Wait before try n+1 while the infrastructure is away (default 200 ms doubling, at most 30 s). */
  transientBackoffMs?(attempt: number): number;
  onDeadLetter?(message: IncomingMessage, reason: string): void;
  /** Told when a parked message's copy to the dead-letter topic could not be written (it stays parked). */
  onDeadLetterCopyFailed?(message: IncomingMessage, reason: string): void;
  /** Told when a passing fault starts to be waited out (once per stall) and when it has passed. */
  onStall?(stalled: { reason: string } | undefined): void;
  /** Validates each event's data (upcasting old versions): the handler gets the checked, latest-version
   *  data, and an invalid event is parked at once, without retries. */
  catalogue?: Pick<EventCatalogue, 'validate'>;
  /** Opens the encrypted personal fields before the check and the handler (erased ones read as
   *  [erased]); without it the handler sees them as they travel, encrypted. */
  personalData?: Pick<PersonalDataProtection, 'reveal'>;
}

/** An event as a batch handler gets it: checked (and opened) data, and the message it came in. */
export interface ConsumedEvent {
  envelope: EventEnvelope;
  message: IncomingMessage;
}

type Outcome = { ok: true } | { ok: false; reason: string; attempts?: number };
const STOPPED = Symbol('stopped');

const defaultBackoff = (attempt: number) => Math.min(5_000, 100 * 2 ** (attempt - 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Longest sleep between heartbeats while waiting: well under any session timeout. */
const HEARTBEAT_SLICE_MS = 1_000;

const tracer = trace.getTracer('journey-messaging');
const meter = metrics.getMeter('journey-messaging');
const lagGauge = meter.createObservableGauge('journey.consumer.lag', {
  description: 'Messages behind the end of the partition, per consumer group, topic and partition',
  unit: '{message}',
});
const stalledGauge = meter.createObservableGauge('journey.consumer.stalled', {
  description: '1 while the consumer group waits out an infrastructure fault (its partitions do not advance)',
});
const parkedCounter = meter.createCounter('journey.consumer.parked', {
  description: 'Messages parked in the sequenced dead-letter queue, per consumer group',
  unit: '{message}',
});
const deadLetterCopyFailures = meter.createCounter('journey.consumer.dead_letter_copy_failures', {
  description: 'Parked messages whose copy to the dead-letter topic could not be written',
  unit: '{message}',
});
const transientCounter = meter.createCounter('journey.consumer.transient_retries', {
  description: 'Tries again after a passing infrastructure fault, per consumer group',
  unit: '{retry}',
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
stalledGauge.addCallback((result) => {
  for (const consumer of consumers)
    result.observe(consumer.stalled ? 1 : 0, { 'messaging.consumer.group.name': consumer.groupId });
});

/**
 * A consumer group over event topics (and its own retry topic): batched, in partition order, each
 * message validated and handled. Two kinds of failure are told apart:
 * - a passing fault of the infrastructure (a database or broker away) is waited out with capped
 *   backoff for as long as it lasts; the partition does not advance, readiness reports the stall;
 * - a failure that would happen again (invalid data, a domain refusal, data a store refuses) parks
 *   the message and, behind it, every later message of its stream, so no stream is ever applied out
 *   of order; other streams go on. `journey dlq redrive` sends the stream back to be drained in order.
 * Offsets move only past messages that were handled or parked.
 */
export class EventConsumer {
  private running: RunningConsumer | undefined;
  private readonly lags = new Map<string, { topic: string; partition: number; lag: number }>();
  private stall: string | undefined;
  handled = 0;
  deadLettered = 0;

  private readonly preparation: EventPreparation;

  constructor(private readonly options: EventConsumerOptions) {
    this.preparation = new EventPreparation(options);
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** True while a passing infrastructure fault is being waited out. */
  get stalled(): boolean {
    return this.stall !== undefined;
  }

  /** How far behind each partition this consumer is, as of its last message. */
  lag(): { groupId: string; topic: string; partition: number; lag: number }[] {
    return [...this.lags.values()].map((l) => ({ groupId: this.options.groupId, ...l }));
  }

  async start(): Promise<void> {
    const { bus, groupId } = this.options;
    // The event topics it reads may not exist yet: each is made by its own service's relay (in a cluster, by the
    // Topic Operator), which may start later. Made here too, as the relay would (a no-op once they exist).
    const eventTopics = JOURNEY_EVENT_TOPICS.filter((t) => this.options.topics.includes(t.topic));
    await bus.ensureTopics([...eventTopics, ...consumerSupportTopics(groupId)]);
    this.running = await bus.consume({
      groupId,
      topics: [...this.options.topics, retryTopic(groupId)],
      fromBeginning: true,
      ...(this.options.partitionsConcurrently
        ? { partitionsConcurrently: this.options.partitionsConcurrently }
        : {}),
      eachBatch: (messages, context) => this.handleBatch(messages, context),
    });
    consumers.add(this);
  }

  async stop(): Promise<void> {
    consumers.delete(this);
    await this.running?.stop();
    this.running = undefined;
    if (this.stalled) this.recovered();
  }

  private async handleBatch(messages: IncomingMessage[], context: BatchContext): Promise<void> {
    const { parking, groupId } = this.options;
    const prepared = await this.prepare(messages, context);
    if (prepared === STOPPED) return;
    const parked = await this.waitOut(context, () => parking.parkedAmong(groupId, messages.map(streamKeyOf)));
    if (parked === STOPPED) return;
    // A message that needs nothing but its handler joins a run that a batch handler applies at once.
    const plain = (message: IncomingMessage): boolean =>
      message.topic !== retryTopic(groupId) &&
      !parked.has(streamKeyOf(message)) &&
      prepared.get(message)?.ok === true;
    for (let i = 0; i < messages.length;) {
      if (!context.isRunning()) return; // the rest is redelivered after the rebalance or restart
      const run: IncomingMessage[] = [];
      if (this.options.handleMany)
        for (let j = i; j < messages.length && plain(messages[j] as IncomingMessage); j++)
          run.push(messages[j] as IncomingMessage);
      if (run.length > 1) {
        const outcome = await this.processRun(run, prepared, context);
        if (outcome === STOPPED) return;
        if (outcome.ok) {
          for (const message of run) this.done(message, context);
          await context.heartbeat();
        } else {
          // Not a passing fault: one at a time, so the failing event alone parks (with its stream).
          for (const message of run)
            if ((await this.handleOne(message, parked, prepared, context)) === STOPPED) return;
        }
        i += run.length;
        continue;
      }
      if ((await this.handleOne(messages[i] as IncomingMessage, parked, prepared, context)) === STOPPED)
        return;
      i += 1;
    }
  }

  /** One message: redriven, queued behind its parked stream, or handled (parking it on failure). */
  private async handleOne(
    message: IncomingMessage,
    parked: Set<string>,
    prepared: Map<IncomingMessage, PreparedEvent>,
    context: BatchContext,
  ): Promise<void | typeof STOPPED> {
    const { parking, groupId } = this.options;
    const key = streamKeyOf(message);
    if (message.topic === retryTopic(groupId)) {
      if ((await this.redriven(message, context)) === STOPPED) return STOPPED;
    } else if (parked.has(key)) {
      const queued = await this.waitOut(context, () =>
        parking.queueIfParked(groupId, key, this.toParked(message, `stream ${key} is parked`)),
      );
      if (queued === STOPPED) return STOPPED;
      if (queued)
        await this.publishDeadLetter(
          message,
          key,
          `parked behind an earlier event of its stream`,
          0,
          context,
        );
      else {
        // Drained meanwhile by a redrive: this message is next in order (and parks the stream again
        // if it fails, which the rest of the batch must see).
        parked.delete(key);
        const outcome = await this.processOrPark(message, prepared.get(message), context);
        if (outcome === STOPPED) return STOPPED;
        if (!outcome.ok) parked.add(key);
      }
    } else {
      const outcome = await this.processOrPark(message, prepared.get(message), context);
      if (outcome === STOPPED) return STOPPED;
      if (!outcome.ok) parked.add(key);
    }
    this.done(message, context);
    await context.heartbeat();
  }

  /** The message is handled or parked: its offset may be committed, and its partition's lag is known. */
  private done(message: IncomingMessage, context: BatchContext): void {
    context.markDone(message);
    this.lags.set(`${message.topic}/${message.partition}`, {
      topic: message.topic,
      partition: message.partition,
      lag: Math.max(0, Number(BigInt(context.highWatermark) - BigInt(message.offset) - 1n)),
    });
  }

  /**
   * Applies a run of prepared messages with the batch handler, waiting out passing faults for as long
   * as they last; any other failure comes back not ok (tried once: the caller goes one at a time).
   */
  private async processRun(
    run: IncomingMessage[],
    prepared: Map<IncomingMessage, PreparedEvent>,
    context: BatchContext,
  ): Promise<Outcome | typeof STOPPED> {
    const handleMany = this.options.handleMany as NonNullable<EventConsumerOptions['handleMany']>;
    const events = run.map((message) => {
      const checked = prepared.get(message) as PreparedEvent & { ok: true };
      return { envelope: checked.envelope, message };
    });
    try {
      await waitOutTransient(
        () => this.inTraces(events, () => handleMany(events)),
        this.stallWaiting(context),
      );
      this.handled += run.length;
      if (this.stalled) this.recovered();
      return { ok: true };
    } catch (err) {
      if (!context.isRunning()) return STOPPED; // stopping: redelivered after the restart
      return { ok: false, reason: failureReason(err) };
    }
  }

  /** Handles the message; a failure that retrying cannot cure parks it (and so its stream). */
  private async processOrPark(
    message: IncomingMessage,
    prepared: PreparedEvent | undefined,
    context: BatchContext,
  ): Promise<Outcome | typeof STOPPED> {
    const outcome = await this.process(
      message,
      prepared ?? { ok: false, reason: 'the message was not prepared' },
      context,
    );
    if (outcome === STOPPED || outcome.ok) return outcome;
    const key = streamKeyOf(message);
    const parkedOk = await this.waitOut(context, () =>
      this.options.parking.park(this.options.groupId, key, this.toParked(message, outcome.reason)),
    );
    if (parkedOk === STOPPED) return STOPPED;
    await this.publishDeadLetter(message, key, outcome.reason, outcome.attempts ?? 0, context);
    return outcome;
  }

  /** A message from the retry topic: the stream it names is drained in order. */
  private async redriven(message: IncomingMessage, context: BatchContext): Promise<void | typeof STOPPED> {
    const { parking, groupId } = this.options;
    const key = message.headers[DLQ.stream] ?? streamKeyOf(message);
    const drained = await this.waitOut(context, () =>
      parking.drain(groupId, key, async (parked) => {
        if (!context.isRunning()) throw Object.assign(new Error('consumer stopping'), { transient: true });
        const prepared = await this.prepare([parked.message], context);
        const outcome =
          prepared === STOPPED
            ? STOPPED
            : await this.process(parked.message, prepared.get(parked.message) as PreparedEvent, context);
        if (outcome === STOPPED) throw Object.assign(new Error('consumer stopping'), { transient: true });
        await context.heartbeat();
        return outcome.ok ? outcome : { ok: false, reason: cleanReason(outcome.reason) };
      }),
    );
    if (drained === STOPPED) return STOPPED;
    // A dead letter from before streams were parked in order: handled (or parked) as it comes.
    if (
      drained.status === 'not-parked' &&
      message.headers[DLQ.stream] === undefined &&
      message.value.length > 0
    ) {
      const prepared = await this.prepare([message], context);
      if (prepared === STOPPED) return STOPPED;
      const outcome = await this.processOrPark(message, prepared.get(message), context);
      if (outcome === STOPPED) return STOPPED;
    }
  }

  /**
   * Handles one prepared message. Passing faults are waited out here for as long as they last; other
   * failures are tried `maxAttempts` times; invalid data is not tried again.
   */
  private async process(
    message: IncomingMessage,
    prepared: PreparedEvent,
    context: BatchContext,
  ): Promise<Outcome | typeof STOPPED> {
    if (!prepared.ok) return prepared;
    const maxAttempts = this.options.maxAttempts ?? 3;
    const backoff = this.options.backoffMs ?? defaultBackoff;
    for (let attempt = 1; ; attempt++) {
      try {
        await waitOutTransient(
          () =>
            this.inTrace(message, prepared.envelope, () => this.options.handle(prepared.envelope, message)),
          this.stallWaiting(context),
        );
        this.handled += 1;
        if (this.stalled) this.recovered();
        return { ok: true };
      } catch (err) {
        if (!context.isRunning()) return STOPPED; // stopping: redelivered after the restart
        if (attempt >= maxAttempts)
          return {
            ok: false,
            reason: `handler failed after ${attempt} attempts: ${failureReason(err)}`,
            attempts: attempt,
          };
        if (!(await this.pause(context, backoff(attempt)))) return STOPPED;
      }
    }
  }

  /**
   * Decodes, opens and checks messages as every reader does (EventPreparation), one key lookup for the
   * batch; a key store that is away is waited out. A message that is not a valid event comes back not
   * ok, with the reason it will be parked under.
   */
  private async prepare(
    messages: IncomingMessage[],
    context: BatchContext,
  ): Promise<Map<IncomingMessage, PreparedEvent> | typeof STOPPED> {
    const decoded = messages.map((m) => [m, decodeMessage(m)] as const);
    const valid = decoded.flatMap(([m, d]) => (d.ok ? [{ message: m, envelope: d.envelope }] : []));
    const prepared = await this.waitOut(context, () =>
      this.preparation.prepareAll(valid.map((v) => v.envelope)),
    );
    if (prepared === STOPPED) return STOPPED;
    const out = new Map<IncomingMessage, PreparedEvent>();
    for (const [message, d] of decoded) if (!d.ok) out.set(message, d);
    valid.forEach(({ message }, i) => out.set(message, prepared[i] as PreparedEvent));
    return out;
  }

  /** Runs an infrastructure operation (parking, draining), waiting out its passing faults. */
  private async waitOut<T>(context: BatchContext, operation: () => Promise<T>): Promise<T | typeof STOPPED> {
    try {
      const result = await waitOutTransient(operation, this.stallWaiting(context));
      if (this.stalled) this.recovered();
      return result;
    } catch (err) {
      if (!context.isRunning()) return STOPPED;
      throw err;
    }
  }

  /** How this consumer waits before trying again: its backoff, heartbeating the group meanwhile. */
  private waiting(context: BatchContext): WaitOutOptions {
    return { delayMs: (attempt) => this.transientDelay(attempt), pause: (ms) => this.pause(context, ms) };
  }

  /** Waiting out a passing fault that stalls the consumer: the stall is reported (readiness, metrics). */
  private stallWaiting(context: BatchContext): WaitOutOptions {
    return { ...this.waiting(context), onFault: (err) => this.stalledBy(err) };
  }

  private transientDelay(attempt: number): number {
    return (this.options.transientBackoffMs ?? transientBackoff)(attempt);
  }

  /** Sleeps, heartbeating so the group keeps the partition; false when the consumer is stopping. */
  private async pause(context: BatchContext, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    for (;;) {
      if (!context.isRunning()) return false;
      const left = until - Date.now();
      if (left <= 0) return true;
      await sleep(Math.min(left, HEARTBEAT_SLICE_MS));
      await context.heartbeat();
    }
  }

  private stalledBy(err: unknown): void {
    transientCounter.add(1, { 'messaging.consumer.group.name': this.options.groupId });
    const reason = failureReason(err);
    const first = this.stall === undefined;
    this.stall = reason;
    reportDegraded(`consumer ${this.options.groupId}`, reason);
    if (first) this.options.onStall?.({ reason });
  }

  private recovered(): void {
    this.stall = undefined;
    clearDegraded(`consumer ${this.options.groupId}`);
    this.options.onStall?.(undefined);
  }

  private toParked(message: IncomingMessage, reason: string): ParkedMessage {
    return {
      messageId: parkedMessageId(message),
      message,
      reason: cleanReason(reason),
      parkedAt: new Date(),
    };
  }

  /**
   * Copies a parked message to the group's dead-letter topic, for `journey dlq list` and other readers.
   * The parking is the record that matters: a copy that cannot be written (the broker away for long,
   * a message too large once the headers are added) is counted and logged, never retried forever.
   */
  private async publishDeadLetter(
    message: IncomingMessage,
    streamKey: string,
    reason: string,
    attempts: number,
    context: BatchContext,
  ): Promise<void> {
    const cleaned = cleanReason(reason);
    const letter = toDeadLetter(message, this.options.groupId, cleaned, attempts);
    letter.headers[DLQ.stream] = streamKey;
    try {
      await waitOutTransient(() => this.options.bus.publish([letter]), {
        ...this.waiting(context),
        maxAttempts: 5,
      });
    } catch (err) {
      deadLetterCopyFailures.add(1, { 'messaging.consumer.group.name': this.options.groupId });
      this.options.onDeadLetterCopyFailed?.(message, failureReason(err));
    }
    this.deadLettered += 1;
    parkedCounter.add(1, { 'messaging.consumer.group.name': this.options.groupId });
    this.options.onDeadLetter?.(message, cleaned);
  }

  /**
   * Runs a batch handler with one consumer span per event, each continuing its writer's trace. The handler's
   * own work (one bulk write for the whole batch) runs in that span when the batch holds one event, and else in
   * a batch span, child of the first event's span and linked to the others' (OpenTelemetry's messaging
   * conventions for batches): a trace reaches the read model, and a batch's write is found from any of its
   * events (one interaction's events, which usually arrive together, are all in the first one's trace).
   */
  private async inTraces(events: readonly ConsumedEvent[], run: () => Promise<void>): Promise<void> {
    const spans = events.map(({ envelope, message }) =>
      tracer.startSpan(
        `process ${message.topic}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            ...this.spanAttributes(message, envelope),
            'messaging.batch.message_count': events.length,
          },
        },
        propagation.extract(ROOT_CONTEXT, message.headers),
      ),
    );
    const [only] = spans;
    const batch =
      spans.length === 1 && only
        ? undefined
        : tracer.startSpan(
            `process batch ${this.options.groupId}`,
            {
              kind: SpanKind.CONSUMER,
              links: spans.slice(1).map((span) => ({ context: span.spanContext() })),
              attributes: {
                'messaging.system': 'kafka',
                'messaging.operation.type': 'process',
                'messaging.consumer.group.name': this.options.groupId,
                'messaging.batch.message_count': events.length,
              },
            },
            only ? trace.setSpan(ROOT_CONTEXT, only) : ROOT_CONTEXT,
          );
    const active = batch ?? only;
    try {
      await (active ? otelContext.with(trace.setSpan(ROOT_CONTEXT, active), run) : run());
    } catch (err) {
      for (const span of [...spans, ...(batch ? [batch] : [])])
        span.setStatus({ code: SpanStatusCode.ERROR, message: failureReason(err) });
      throw err;
    } finally {
      for (const span of spans) span.end();
      batch?.end();
    }
  }

  private spanAttributes(message: IncomingMessage, envelope: EventEnvelope) {
    return {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': message.topic,
      'messaging.consumer.group.name': this.options.groupId,
      'messaging.message.id': envelope.id,
      'journey.event.type': envelope.type,
    };
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
        { kind: SpanKind.CONSUMER, attributes: this.spanAttributes(message, envelope) },
        async (span) => {
          try {
            await run();
          } catch (err) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: failureReason(err) });
            throw err;
          } finally {
            span.end();
          }
        },
      ),
    );
  }
}
