import { startTelemetry } from '@journey/platform/telemetry';

startTelemetry('tickets');
