import { startTelemetry } from '@journey/platform/telemetry';

// Telemetry first, so that the HTTP, Kafka, PostgreSQL and MongoDB clients loaded below are instrumented.
startTelemetry('knowledge');

void (async () => {
  const [{ runService }, { knowledgeService }] = await Promise.all([
    import('@journey/platform'),
    import('./knowledge.service.js'),
  ]);
  await runService(knowledgeService);
})();
