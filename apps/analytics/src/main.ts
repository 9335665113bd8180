import { startTelemetry } from '@journey/platform/telemetry';

// Telemetry first, so that the HTTP, Kafka, PostgreSQL and MongoDB clients loaded below are instrumented.
startTelemetry('analytics');

void (async () => {
  const [{ runService }, { analyticsService }] = await Promise.all([
    import('@journey/platform'),
    import('./analytics.service.js'),
  ]);
  await runService(analyticsService);
})();
