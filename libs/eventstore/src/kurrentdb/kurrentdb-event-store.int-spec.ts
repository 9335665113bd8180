import { testInfrastructure } from '@journey/testing';
import { eventStoreContract } from '../contract/event-store.contract';
import { KurrentDbEventStore } from './kurrentdb-event-store';

const url = testInfrastructure().kurrentdbUrl;

if (url) {
  eventStoreContract(
    'KurrentDB',
    async () => new KurrentDbEventStore(url),
    (store) => store.close(),
    { rejectsDuplicateEventIds: false, deleteRemovesFromGlobalLog: false },
  );
} else {
  // Said loudly, and counted as skipped in the summary: nothing here proves the KurrentDB adapter.
  process.stdout.write(
    '\n*** SKIPPED: the KurrentDB contract suite. No KurrentDB is reachable (no Docker engine for ' +
      'testcontainers, no KURRENTDB_URL). Set KURRENTDB_URL=kurrentdb://host:2113?tls=false to run it. ***\n',
  );
  describe('EventStore contract: KurrentDB', () => {
    it.skip('runs the event-store contract suite against KurrentDB (needs KURRENTDB_URL or Docker)', () =>
      undefined);
  });
}
