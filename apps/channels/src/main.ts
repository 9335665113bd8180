import { startTelemetry } from '@journey/platform/telemetry';

// Telemetry first, so that the HTTP, Kafka, PostgreSQL and MongoDB clients loaded below are instrumented.
startTelemetry('channels');

void (async () => {
  const [{ runService }, { channelsService }] = await Promise.all([
    import('@journey/platform'),
    import('./channels.service.js'),
  ]);
  await runService(channelsService);
})();
