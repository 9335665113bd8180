import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
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

/**
 * The projections of every built service. Each service owns its projections and lists them in
 * `src/read-models.ts`; the CLI loads those lists from the services' builds, so that it never carries a
 * copy of a projection (and `journey replay` runs exactly the code the service runs).
 */
export function serviceReadModels(appsDir = APPS_DIR): ReadModel[] {
  const load = createRequire(__filename);
  const services = existsSync(appsDir) ? readdirSync(appsDir).sort() : [];
  const lists = services
    .map((service) => join(appsDir, service, 'dist', 'read-models.js'))
    .filter((file) => existsSync(file));
  if (lists.length === 0)
    throw new Error(
      `no service build found under ${appsDir}; run \`npm run build\` (npm start and npm test build them too)`,
    );
  return lists.flatMap((file) => {
    const { READ_MODELS: models } = load(file) as { READ_MODELS?: unknown };
    if (!Array.isArray(models) || !models.every(isReadModel))
      throw new Error(`${file} does not export READ_MODELS as a list of read models`);
    return models;
  });
}
