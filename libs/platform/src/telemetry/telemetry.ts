import { NodeSDK } from '@opentelemetry/sdk-node';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { MongooseInstrumentation } from '@opentelemetry/instrumentation-mongoose';

/** Where the service's Prometheus reader is kept, so the HTTP app (loaded later) can serve it. */
const PROMETHEUS = Symbol.for('journey.telemetry.prometheus');
type WithPrometheus = typeof globalThis & { [PROMETHEUS]?: PrometheusExporter };

/** The Prometheus reader of the service's metrics, when telemetry started with one. */
export function prometheusMetrics(): PrometheusExporter | undefined {
  return (globalThis as WithPrometheus)[PROMETHEUS];
}

/**
 * Starts OpenTelemetry for a service before anything it instruments is loaded. Exporters follow the
 * standard OTEL_* variables (OTEL_TRACES_EXPORTER=otlp|console|none, OTEL_EXPORTER_OTLP_ENDPOINT, …);
 * unset, no trace is exported, but W3C trace context still propagates across HTTP and Kafka. Metrics
 * are read by Prometheus from the service's own HTTP port (`GET /metrics`) unless
 * OTEL_METRICS_EXPORTER names another exporter (otlp, console) or `none`.
 */
export function startTelemetry(service: string, env: NodeJS.ProcessEnv = process.env): NodeSDK | undefined {
  if (env['OTEL_SDK_DISABLED'] === 'true') return undefined;
  env['OTEL_SERVICE_NAME'] ??= `journey-${service}`;
  env['OTEL_TRACES_EXPORTER'] ??= 'none';
  env['OTEL_LOGS_EXPORTER'] ??= 'none';
  const metricsExporter = env['OTEL_METRICS_EXPORTER'] ?? 'prometheus';
  let metricReaders: PrometheusExporter[] | undefined;
  if (metricsExporter === 'prometheus') {
    // Served by the service's HTTP app rather than a listener of its own (one port to expose and protect).
    const prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    (globalThis as WithPrometheus)[PROMETHEUS] = prometheus;
    metricReaders = [prometheus];
  }
  const sdk = new NodeSDK({
    ...(metricReaders ? { metricReaders } : {}),
    // No kafkajs instrumentation: the relay publishes each event in the trace it was written in and the
    // consumers continue it (libs/messaging); the instrumentation would put its own batch span's context in
    // every message's traceparent header instead, cutting each customer interaction's trace at Kafka.
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => {
          const url = req.url ?? '';
          return url.startsWith('/health/') || url.startsWith('/metrics');
        },
      }),
      new ExpressInstrumentation(),
      new PgInstrumentation(),
      // The read models write through the driver (bulk writes), not through mongoose models: both are traced.
      // Without enhanced reporting a statement's values are replaced by '?', so no document reaches a span.
      new MongoDBInstrumentation({ enhancedDatabaseReporting: false }),
      new MongooseInstrumentation(),
    ],
  });
  sdk.start();
  return sdk;
}
