import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildAsyncApiDocument } from './asyncapi-document';

/** Where the generated document is checked in. */
export const ASYNCAPI_FILE = join(__dirname, '..', '..', 'asyncapi.yaml');

/** The document as it is written to disk. */
export function renderAsyncApi(): string {
  return `# Generated from libs/contracts by \`npx nx run contracts:asyncapi\`. Do not edit.\n${stringify(buildAsyncApiDocument(), { lineWidth: 0 })}`;
}

if (require.main === module) {
  writeFileSync(ASYNCAPI_FILE, renderAsyncApi());
  process.stdout.write(`wrote ${ASYNCAPI_FILE}\n`);
}
