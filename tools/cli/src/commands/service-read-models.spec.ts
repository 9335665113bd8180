import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceReadModels, serviceSchemaMigrations } from './service-read-models';

function appsDir(lists: Record<string, string>, file = 'read-models.js'): string {
  const dir = mkdtempSync(join(tmpdir(), 'journey-apps-'));
  for (const [service, source] of Object.entries(lists)) {
    mkdirSync(join(dir, service, 'dist'), { recursive: true });
    writeFileSync(join(dir, service, 'dist', 'main.js'), '');
    writeFileSync(join(dir, service, 'dist', file), source);
  }
  mkdirSync(join(dir, 'knowledge'), { recursive: true }); // a service without projections (or not built)
  return dir;
}

const list = (name: string, service: string) =>
  `exports.READ_MODELS = [{ projection: { name: '${name}', version: 3, eventTypes: [], project: () => [] }, service: '${service}', topics: ['journey.${service}.v1'] }];`;

describe("the services' read models", () => {
  it("are loaded from each built service's list, in the order of the services", () => {
    const models = serviceReadModels(
      appsDir({ tickets: list('queues', 'tickets'), contacts: list('unified-view', 'contacts') }),
    );
    expect(models.map((m) => [m.projection.name, m.service, m.projection.version])).toEqual([
      ['unified-view', 'contacts', 3],
      ['queues', 'tickets', 3],
    ]);
  });

  it('say to build the services when none is built', () => {
    expect(() => serviceReadModels(appsDir({}))).toThrow(/no service build found under .*npm run build/);
  });

  it('refuse a list that is not one', () => {
    expect(() => serviceReadModels(appsDir({ contacts: "exports.READ_MODELS = [{ name: 'x' }];" }))).toThrow(
      /contacts\/dist\/read-models\.js does not export READ_MODELS as a list of read models/,
    );
  });
});

describe("the services' schema migrations", () => {
  it('are loaded per built service that has its own tables, in the order of the services', () => {
    const dir = appsDir(
      {
        tickets: "exports.SCHEMA_MIGRATIONS = [{ name: 'tickets:timers', sql: 'CREATE TABLE t (x int)' }];",
        channels: "exports.SCHEMA_MIGRATIONS = [{ name: 'channels:nonces', sql: 'CREATE TABLE n (x int)' }];",
      },
      'schema-migrations.js',
    );
    mkdirSync(join(dir, 'contacts', 'dist'), { recursive: true });
    writeFileSync(join(dir, 'contacts', 'dist', 'main.js'), ''); // built, with no tables of its own
    expect(serviceSchemaMigrations(dir)).toEqual([
      { service: 'channels', entries: [{ name: 'channels:nonces', sql: 'CREATE TABLE n (x int)' }] },
      { service: 'tickets', entries: [{ name: 'tickets:timers', sql: 'CREATE TABLE t (x int)' }] },
    ]);
  });

  it('refuse an entry without its SQL', () => {
    const dir = appsDir(
      { tickets: "exports.SCHEMA_MIGRATIONS = [{ name: 'tickets:timers' }];" },
      'schema-migrations.js',
    );
    expect(() => serviceSchemaMigrations(dir)).toThrow(
      /tickets\/dist\/schema-migrations\.js does not export SCHEMA_MIGRATIONS as a list of schema migrations/,
    );
  });

  it('say to build the services when none is built', () => {
    expect(() => serviceSchemaMigrations(appsDir({}))).toThrow(/no service build found under/);
  });
});
