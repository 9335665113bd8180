import type { SchemaMigration } from './schema-migrations';
/**
 * The event store's tables and its append function, in one schema. Idempotent: run at every start.
 *
 * Global order: events are read by (transaction_id, global_position). A sequence number alone is
 * not enough: sequences are taken at insert time but transactions commit in any order, so a reader
 * that saw 7 could later find 6 committed. Readers only return events of transactions older than the
 * oldest one still running (pg_snapshot_xmin): those are all committed or rolled back, so nothing
 * can appear behind a checkpoint, and a later full read gives the same order. The xmin is the
 * cluster's, not the database's: any open transaction in the cluster delays the global log (never
 * a stream read), so a read of the log straight after an append may not show it yet.
 */
export function eventStoreMigration(schema: string): SchemaMigration {
  return { name: `${schema}:events`, sql: eventStoreSchemaSql(schema) };
}

function eventStoreSchemaSql(schema: string): string {
  const s = quoteIdent(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};

CREATE TABLE IF NOT EXISTS ${s}.streams (
  stream_id  text PRIMARY KEY,
  revision   bigint NOT NULL
);
-- A deleted stream keeps its row, marked: it reads as absent, and written again its revisions continue.
ALTER TABLE ${s}.streams ADD COLUMN IF NOT EXISTS deleted boolean NOT NULL DEFAULT false;

CREATE TABLE IF NOT EXISTS ${s}.events (
  global_position  bigserial NOT NULL,
  transaction_id   xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id        text NOT NULL,
  stream_revision  bigint NOT NULL,
  event_id         uuid NOT NULL,
  type             text NOT NULL,
  data             jsonb NOT NULL,
  metadata         jsonb NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_id, stream_revision),
  UNIQUE (event_id)
);

CREATE INDEX IF NOT EXISTS events_global_order ON ${s}.events (transaction_id, global_position);

-- One round trip per append: check the expected revision, move it, insert the events. No NOTIFY:
-- PostgreSQL serialises the commits of notifying transactions, which cost a third of the throughput of
-- concurrent writers (bench/results/eventstore.json); subscribers poll instead.
CREATE OR REPLACE FUNCTION ${s}.append_events(
  p_stream text, p_expected_kind text, p_expected bigint,
  p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[]
) RETURNS TABLE (next_revision bigint, transaction_id xid8, last_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  n bigint := cardinality(p_ids);
  current_revision bigint;
  new_revision bigint;
BEGIN
  -- Writers of one stream take turns before either writes anything. A transaction gets its id at its
  -- first write: without this, a writer could take its id, then wait on the stream row of a writer
  -- with a higher id, and its later revisions would come first in (transaction_id, position) order.
  -- An advisory lock needs no transaction id, so the next writer's id is taken after this one commits.
  PERFORM pg_advisory_xact_lock(hashtext(p_stream));
  IF p_expected_kind = 'no_stream' THEN
    INSERT INTO ${s}.streams AS st (stream_id, revision) VALUES (p_stream, n - 1)
      ON CONFLICT (stream_id) DO UPDATE SET revision = st.revision + n, deleted = false WHERE st.deleted
      RETURNING st.revision INTO new_revision;
  ELSIF p_expected_kind = 'exact' THEN
    UPDATE ${s}.streams AS st SET revision = st.revision + n
      WHERE st.stream_id = p_stream AND st.revision = p_expected AND NOT st.deleted
      RETURNING st.revision INTO new_revision;
  ELSIF p_expected_kind = 'stream_exists' THEN
    UPDATE ${s}.streams AS st SET revision = st.revision + n
      WHERE st.stream_id = p_stream AND NOT st.deleted
      RETURNING st.revision INTO new_revision;
  ELSE
    INSERT INTO ${s}.streams AS st (stream_id, revision) VALUES (p_stream, n - 1)
      ON CONFLICT (stream_id) DO UPDATE SET revision = st.revision + n, deleted = false
      RETURNING st.revision INTO new_revision;
  END IF;

  IF new_revision IS NULL THEN
    SELECT st.revision INTO current_revision FROM ${s}.streams AS st
      WHERE st.stream_id = p_stream AND NOT st.deleted;
    RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = 'JE409', DETAIL = coalesce(current_revision::text, '');
  END IF;

  INSERT INTO ${s}.events (stream_id, stream_revision, event_id, type, data, metadata)
    SELECT p_stream, new_revision - n + e.ord, e.id, e.type, e.data, e.metadata
    FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS e(id, type, data, metadata, ord);

  RETURN QUERY SELECT new_revision, pg_current_xact_id(),
    currval(pg_get_serial_sequence(${literal(`${schema}.events`)}, 'global_position'));
END
$fn$;

-- Group commit: several appends (to any streams) in one transaction and one round trip. Every stream's
-- lock is taken before the first write, in one order: the transaction id comes after all of them (the
-- reason above), and two batches cannot deadlock. An append whose expected revision does not hold is
-- reported (r_conflict, with the stream's revision) and writes nothing; the others are written. Any error
-- (a known event id) rolls back the whole batch, and the caller appends its members one by one.
-- p_counts says how many of the flattened events each append has, in order.
CREATE OR REPLACE FUNCTION ${s}.append_batch(
  p_streams text[], p_kinds text[], p_expected bigint[], p_counts int[],
  p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[]
) RETURNS TABLE (r_ord int, r_conflict boolean, r_revision bigint, r_transaction_id xid8, r_last_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  lock_key bigint;
  i int;
  n int;
  first_event int := 1;
  new_revision bigint;
BEGIN
  FOR lock_key IN SELECT DISTINCT hashtext(x) FROM unnest(p_streams) AS x ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(lock_key);
  END LOOP;
  FOR i IN 1 .. cardinality(p_streams) LOOP
    n := p_counts[i];
    new_revision := NULL;
    IF p_kinds[i] = 'no_stream' THEN
      INSERT INTO ${s}.streams AS st (stream_id, revision) VALUES (p_streams[i], n - 1)
        ON CONFLICT (stream_id) DO UPDATE SET revision = st.revision + n, deleted = false WHERE st.deleted
        RETURNING st.revision INTO new_revision;
    ELSIF p_kinds[i] = 'exact' THEN
      UPDATE ${s}.streams AS st SET revision = st.revision + n
        WHERE st.stream_id = p_streams[i] AND st.revision = p_expected[i] AND NOT st.deleted
        RETURNING st.revision INTO new_revision;
    ELSIF p_kinds[i] = 'stream_exists' THEN
      UPDATE ${s}.streams AS st SET revision = st.revision + n
        WHERE st.stream_id = p_streams[i] AND NOT st.deleted
        RETURNING st.revision INTO new_revision;
    ELSE
      INSERT INTO ${s}.streams AS st (stream_id, revision) VALUES (p_streams[i], n - 1)
        ON CONFLICT (stream_id) DO UPDATE SET revision = st.revision + n, deleted = false
        RETURNING st.revision INTO new_revision;
    END IF;

    r_ord := i;
    IF new_revision IS NULL THEN
      r_conflict := true;
      r_transaction_id := NULL;
      r_last_position := NULL;
      SELECT st.revision INTO r_revision FROM ${s}.streams AS st
        WHERE st.stream_id = p_streams[i] AND NOT st.deleted;
    ELSE
      INSERT INTO ${s}.events (stream_id, stream_revision, event_id, type, data, metadata)
        SELECT p_streams[i], new_revision - n + e.ord, e.id, e.type, e.data, e.metadata
        FROM unnest(p_ids[first_event : first_event + n - 1], p_types[first_event : first_event + n - 1],
                    p_data[first_event : first_event + n - 1], p_metadata[first_event : first_event + n - 1])
             WITH ORDINALITY AS e(id, type, data, metadata, ord);
      r_conflict := false;
      r_revision := new_revision;
      r_transaction_id := pg_current_xact_id();
      r_last_position := currval(pg_get_serial_sequence(${literal(`${schema}.events`)}, 'global_position'));
    END IF;
    RETURN NEXT;
    first_event := first_event + n;
  END LOOP;
END
$fn$;
`;
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`"${name}" is not a valid schema name (a-z, 0-9, _)`);
  return `"${name}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
