export { startTelemetry } from './telemetry';
