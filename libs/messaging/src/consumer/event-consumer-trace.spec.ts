import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { BatchContext, ConsumeOptions, MessageBus } from '../bus/message-bus';
import { incomingMessage, recordedEvent } from '../testing/event-fixtures';
import { InMemoryStreamParking } from '../parking/in-memory-stream-parking';
import { EventConsumer } from './event-consumer';

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

  it('handles each event in a consumer span that continues the writer’s trace', async () => {
    let subscriber: ConsumeOptions | undefined;
    const bus = {
      ensureTopics: async () => undefined,
      publish: async () => undefined,
      consume: async (o: ConsumeOptions) => ((subscriber = o), { stop: async () => undefined }),
    } as unknown as MessageBus;
    let activeTraceId: string | undefined;
    const consumer = new EventConsumer({
      bus,
      groupId: 'journey-contacts',
      topics: ['journey.channels.v1'],
      parking: new InMemoryStreamParking(),
      handle: async () => {
        activeTraceId = trace.getActiveSpan()?.spanContext().traceId;
      },
    });
    await consumer.start();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const event = recordedEvent({
      type: 'channels.message-received.v1',
      streamId: 'conversation-1',
      metadata: {
        source: 'channels',
        time: '2026-11-23T10:00:00.000Z',
        correlationId: 'c',
        schemaVersion: 1,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    });
    const batch: BatchContext = {
      highWatermark: '1',
      markDone: () => undefined,
      heartbeat: async () => undefined,
      isRunning: () => true,
    };
    await subscriber?.eachBatch([incomingMessage(event, 0, 'journey.channels.v1')], batch);

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
    let subscriber: ConsumeOptions | undefined;
    const bus = {
      ensureTopics: async () => undefined,
      publish: async () => undefined,
      consume: async (o: ConsumeOptions) => ((subscriber = o), { stop: async () => undefined }),
    } as unknown as MessageBus;
    let activeTraceId: string | undefined;
    const consumer = new EventConsumer({
      bus,
      groupId: 'journey-contacts-unified-view',
      topics: ['journey.channels.v1'],
      parking: new InMemoryStreamParking(),
      handle: async () => undefined,
      handleMany: async () => {
        activeTraceId = trace.getActiveSpan()?.spanContext().traceId;
      },
    });
    await consumer.start();
    const traces = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c'];
    const messages = traces.map((traceId, i) =>
      incomingMessage(
        recordedEvent({
          type: 'channels.message-received.v1',
          streamId: `conversation-${i}`,
          metadata: {
            source: 'channels',
            time: '2026-11-23T10:00:00.000Z',
            correlationId: 'c',
            schemaVersion: 1,
            traceparent: `00-${traceId}-00f067aa0ba902b${i}-01`,
          },
        }),
        i,
        'journey.channels.v1',
      ),
    );
    await subscriber?.eachBatch(messages, {
      highWatermark: '2',
      markDone: () => undefined,
      heartbeat: async () => undefined,
      isRunning: () => true,
    });

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
