import { startTelemetry } from '@journey/platform/telemetry';

// Telemetry first, so that the HTTP, Kafka, PostgreSQL and MongoDB clients loaded below are instrumented.
startTelemetry('tickets');

void (async () => {
  const [{ runService }, { ticketsService }] = await Promise.all([
    import('@journey/platform'),
    import('./tickets.service.js'),
  ]);
  await runService(ticketsService);
})();
