import { startTelemetry } from '@journey/platform/telemetry';

// Telemetry first, so that the HTTP, Kafka, PostgreSQL and MongoDB clients loaded below are instrumented.
startTelemetry('contacts');

void (async () => {
  const [{ runService }, { contactsService }] = await Promise.all([
    import('@journey/platform'),
    import('./contacts.service.js'),
  ]);
  await runService(contactsService);
})();
