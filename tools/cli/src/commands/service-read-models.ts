import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { SchemaMigration } from '@journey/eventstore';
import type { ReadModel } from '@journey/projections';

/** apps/ beside tools/: the CLI runs from the repository (or the platform image) with the services built. */
export const APPS_DIR = join(__dirname, '..', '..', '..', '..', 'apps');

function isReadModel(value: unknown): value is ReadModel {
  const m = value as Partial<ReadModel> | undefined;
  return (
    typeof m?.service === 'string' &&
    Array.isArray(m.topics) &&
    typeof m.projection?.name === 'string' &&
    typeof m.projection.version === 'number' &&
    Array.isArray(m.projection.eventTypes) &&
    typeof m.projection.project === 'function'
  );
}

function isSchemaMigration(value: unknown): value is SchemaMigration {
  const m = value as Partial<SchemaMigration> | undefined;
  return typeof m?.name === 'string' && m.name.length > 0 && typeof m.sql === 'string' && m.sql.length > 0;
}

/**
 * A list every built service may export from one file of its build (`apps/<service>/dist/<file>.js`), in
 * the order of the services, each entry checked. Throws when no service is built at all, or when a list is
 * not one.
 */
function fromServiceBuilds<T>(
  appsDir: string,
  file: string,
  name: string,
  what: string,
  isEntry: (value: unknown) => value is T,
): { service: string; entries: T[] }[] {
  const load = createRequire(__filename);
  const services = existsSync(appsDir) ? readdirSync(appsDir).sort() : [];
  if (!services.some((service) => existsSync(join(appsDir, service, 'dist', 'main.js'))))
    throw new Error(
      `no service build found under ${appsDir}; run \`npm run build\` (npm start and npm test build them too)`,
    );
  return services
    .map((service) => ({ service, path: join(appsDir, service, 'dist', `${file}.js`) }))
    .filter(({ path }) => existsSync(path))
    .map(({ service, path }) => {
      const list = (load(path) as Record<string, unknown>)[name];
      if (!Array.isArray(list) || !list.every(isEntry))
        throw new Error(`${path} does not export ${name} as a list of ${what}`);
      return { service, entries: list };
    });
}

/**
 * The projections of every built service. Each service owns its projections and lists them in
 * `src/read-models.ts`; the CLI loads those lists from the services' builds, so that it never carries a
 * copy of a projection (and `journey replay` runs exactly the code the service runs).
 */
export function serviceReadModels(appsDir = APPS_DIR): ReadModel[] {
  return fromServiceBuilds(appsDir, 'read-models', 'READ_MODELS', 'read models', isReadModel).flatMap(
    (s) => s.entries,
  );
}

/**
 * The tables each built service owns beside the platform's (`src/schema-migrations.ts`), loaded from the
 * builds as the read models are: in an image, the one service it holds.
 */
export function serviceSchemaMigrations(
  appsDir = APPS_DIR,
): { service: string; entries: SchemaMigration[] }[] {
  return fromServiceBuilds(
    appsDir,
    'schema-migrations',
    'SCHEMA_MIGRATIONS',
    'schema migrations ({ name, sql })',
    isSchemaMigration,
  );
}
