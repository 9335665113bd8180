import { startTelemetry } from '@journey/platform/telemetry';

startTelemetry('analytics');
