import pg from 'pg';
import { isolatedPostgresDatabase, testInfrastructure } from '@journey/testing';
import { ProcessedEvents } from '../consumer/processed-events';
import { RelayCheckpoints } from './relay-checkpoints';

const infra = testInfrastructure();

describe('start-up migrations', () => {
  it('succeed when many processes create the same tables at once on a fresh database', async () => {
    const db = await isolatedPostgresDatabase(infra, 'relay_migrate');
    // One pool per "process", so that the CREATE statements really run in parallel sessions.
    const pools = Array.from({ length: 8 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
    try {
      await Promise.all(
        pools.flatMap((pool) => [new RelayCheckpoints(pool).migrate(), new ProcessedEvents(pool).migrate()]),
      );
      const { rows } = await (pools[0] as pg.Pool).query<{ n: string }>(
        `SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('relay_checkpoints', 'processed_events')`,
      );
      expect(Number(rows[0]?.n)).toBe(2);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await db.drop();
    }
  });
});
