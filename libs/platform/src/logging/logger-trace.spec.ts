import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { createLogger } from './logger';

describe('log lines and traces', () => {
  const provider = new TracerProvider();
  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });

  function capture() {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { logger: createLogger('contacts', 'info', destination), lines };
  }

  it('carries the active span’s trace and span ids, unredacted, on every line written inside it', async () => {
    const { logger, lines } = capture();
    // Ids full of digit runs: the personal-data redaction (which masks long numbers) must leave them alone.
    const traceId = '12345678901234567890123456789012';
    const spanId = '1234567890123456';
    const remote = trace.wrapSpanContext({ traceId, spanId, traceFlags: 1, isRemote: true });
    await context.with(trace.setSpan(context.active(), remote), async () => {
      const span = trace.getTracer('test').startSpan('consume');
      await context.with(trace.setSpan(context.active(), span), async () => {
        logger.info({ group: 'g' }, 'applied');
        await Promise.resolve();
        logger.warn('second line, after an await');
      });
      span.end();
      const own = span.spanContext();
      expect(own.traceId).toBe(traceId);
      expect(lines.map((l) => [l['trace_id'], l['span_id'], l['trace_flags']])).toEqual([
        [traceId, own.spanId, '01'],
        [traceId, own.spanId, '01'],
      ]);
    });
  });

  it('adds no ids outside a span', () => {
    const { logger, lines } = capture();
    logger.info('starting');
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('span_id');
  });
});
