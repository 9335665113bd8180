import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { MongooseInstrumentation } from '@opentelemetry/instrumentation-mongoose';

/**
 * Starts OpenTelemetry for a service before anything it instruments is loaded. Exporters follow the
 * standard OTEL_* variables (OTEL_TRACES_EXPORTER=otlp|console|none, OTEL_EXPORTER_OTLP_ENDPOINT, …);
 * unset, nothing is exported, but W3C trace context still propagates across HTTP and Kafka.
 */
export function startTelemetry(service: string, env: NodeJS.ProcessEnv = process.env): NodeSDK | undefined {
  if (env['OTEL_SDK_DISABLED'] === 'true') return undefined;
  env['OTEL_SERVICE_NAME'] ??= `journey-${service}`;
  env['OTEL_TRACES_EXPORTER'] ??= 'none';
  env['OTEL_METRICS_EXPORTER'] ??= 'none';
  env['OTEL_LOGS_EXPORTER'] ??= 'none';
  const sdk = new NodeSDK({
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => (req.url ?? '').startsWith('/health/') }),
      new ExpressInstrumentation(),
      new KafkaJsInstrumentation(),
      new PgInstrumentation(),
      new MongooseInstrumentation(),
    ],
  });
  sdk.start();
  return sdk;
}
