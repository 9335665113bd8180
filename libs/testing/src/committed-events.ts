import pg from 'pg';

/**
 * Every committed event row of the event store in this database, whether or not the global log shows
 * it yet: the count a "nothing was stored" check compares before and after a refused request.
 */
export async function committedEventCount(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM eventstore.events');
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
