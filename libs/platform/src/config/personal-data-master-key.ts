import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeSecretFileOnce } from './write-once';

/**
 * A 32-byte secret of the installation: the variable's value when given (required in production),
 * else a key file made on first use for local development and tests. Every process of one
 * installation (services, CLI, tests) must use the same one.
 */
export async function installationKey(
  options: { key?: string; keyFile: string },
  variable: string,
): Promise<Buffer> {
  if (options.key) return decode(options.key, variable);
  try {
    return decode(await readFile(options.keyFile, 'utf8'), options.keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await writeSecretFileOnce(options.keyFile, `${randomBytes(32).toString('base64')}\n`);
  return decode(await readFile(options.keyFile, 'utf8'), options.keyFile);
}

/** The master key that wraps every per-customer data key (PERSONAL_DATA_KEY or its file). */
export const personalDataMasterKey = (options: { key?: string; keyFile: string }) =>
  installationKey(options, 'PERSONAL_DATA_KEY');

/** The key of the installation's keyed ids (ID_KEY or its file). */
export const keyedIdsKey = (options: { key?: string; keyFile: string }) => installationKey(options, 'ID_KEY');

function decode(text: string, source: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${source}: the key must be 32 bytes in base64`);
  return key;
}
