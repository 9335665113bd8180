import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { BatchContext, ConsumeOptions, IncomingMessage, MessageBus } from '../bus/message-bus';
import { incomingMessage, recordedEvent } from '../testing/event-fixtures';
import { InMemoryStreamParking } from '../parking/in-memory-stream-parking';
import { EventConsumer } from './event-consumer';
import type { EventConsumerOptions } from './event-consumer';

describe('EventConsumer tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  /** A started consumer on a stand-in bus; `deliver` hands it one Kafka batch. */
  async function startConsumer(options: Pick<EventConsumerOptions, 'groupId' | 'handle' | 'handleMany'>) {
    let subscriber: ConsumeOptions | undefined;
    const bus = {
      ensureTopics: async () => undefined,
      publish: async () => undefined,
      consume: async (o: ConsumeOptions) => ((subscriber = o), { stop: async () => undefined }),
    } as unknown as MessageBus;
    await new EventConsumer({
      bus,
      topics: ['journey.channels.v1'],
      parking: new InMemoryStreamParking(),
      ...options,
    }).start();
    const batch: BatchContext = {
      highWatermark: '1',
      markDone: () => undefined,
      heartbeat: async () => undefined,
      isRunning: () => true,
    };
    return { deliver: (messages: IncomingMessage[]) => subscriber?.eachBatch(messages, batch) };
  }

  /** A channels event on its topic, written in the trace `traceparent` names. */
  const tracedMessage = (traceparent: string, streamId: string, offset: number) =>
    incomingMessage(
      recordedEvent({
        type: 'channels.message-received.v1',
        streamId,
        metadata: {
          source: 'channels',
          time: '2026-11-23T10:00:00.000Z',
          correlationId: 'c',
          schemaVersion: 1,
          traceparent,
        },
      }),
      offset,
      'journey.channels.v1',
    );

  it('handles each event in a consumer span that continues the writer’s trace', async () => {
    let activeTraceId: string | undefined;
    const consumer = await startConsumer({
      groupId: 'journey-contacts',
      handle: async () => {
        activeTraceId = trace.getActiveSpan()?.spanContext().traceId;
      },
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await consumer.deliver([tracedMessage(`00-${traceId}-00f067aa0ba902b7-01`, 'conversation-1', 0)]);

    expect(activeTraceId).toBe(traceId);
    await provider.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('process journey.channels.v1');
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span?.attributes).toMatchObject({
      'messaging.consumer.group.name': 'journey-contacts',
      'journey.event.type': 'channels.message-received.v1',
    });
  });

  it('writes a batch in a span under the first event’s trace, linked to the other events’ spans', async () => {
    exporter.reset();
    let activeTraceId: string | undefined;
    const consumer = await startConsumer({
      groupId: 'journey-contacts-unified-view',
      handle: async () => undefined,
      handleMany: async () => {
        activeTraceId = trace.getActiveSpan()?.spanContext().traceId;
      },
    });
    const traces = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c'];
    await consumer.deliver(
      traces.map((traceId, i) =>
        tracedMessage(`00-${traceId}-00f067aa0ba902b${i}-01`, `conversation-${i}`, i),
      ),
    );

    expect(activeTraceId).toBe(traces[0]);
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    const perEvent = spans.filter((s) => s.name === 'process journey.channels.v1');
    expect(perEvent.map((s) => s.spanContext().traceId).sort()).toEqual([...traces].sort());
    const batch = spans.find((s) => s.name === 'process batch journey-contacts-unified-view');
    const first = perEvent.find((s) => s.spanContext().traceId === traces[0]);
    const second = perEvent.find((s) => s.spanContext().traceId === traces[1]);
    expect(batch?.parentSpanContext?.spanId).toBe(first?.spanContext().spanId);
    expect(batch?.links.map((l) => l.context.spanId)).toEqual([second?.spanContext().spanId]);
  });
});
