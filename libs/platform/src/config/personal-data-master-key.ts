import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeSecretFileOnce } from './write-once';

/**
 * The master key that wraps every per-customer data key: PERSONAL_DATA_KEY when given (required in
 * production), else a key file made on first use for local development and tests. Every process of
 * one installation (services, CLI, tests) must use the same one.
 */
export async function personalDataMasterKey(options: { key?: string; keyFile: string }): Promise<Buffer> {
  if (options.key) return decode(options.key, 'PERSONAL_DATA_KEY');
  try {
    return decode(await readFile(options.keyFile, 'utf8'), options.keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await writeSecretFileOnce(options.keyFile, `${randomBytes(32).toString('base64')}\n`);
  return decode(await readFile(options.keyFile, 'utf8'), options.keyFile);
}

function decode(text: string, file: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file}: the personal-data master key must be 32 bytes in base64`);
  return key;
}
