export { prometheusMetrics, startTelemetry } from './telemetry';
