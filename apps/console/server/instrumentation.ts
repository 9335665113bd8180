import { startTelemetry } from '@journey/platform/telemetry';

// Before node:http is loaded, so that the server's requests are measured (http.server.request.duration).
startTelemetry('console');
