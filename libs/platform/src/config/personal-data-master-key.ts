import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The master key that wraps every per-customer data key: PERSONAL_DATA_KEY when given (required in
 * production), else a key file made on first use for local development and tests. Every process of
 * one installation (services, CLI, tests) must use the same one.
 */
export async function personalDataMasterKey(options: { key?: string; keyFile: string }): Promise<Buffer> {
  if (options.key) return Buffer.from(options.key, 'base64');
  try {
    return decode(await readFile(options.keyFile, 'utf8'), options.keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(options.keyFile), { recursive: true, mode: 0o700 });
  const tmp = `${options.keyFile}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // link() fails when another process made the key first, where rename() would replace it.
    await link(tmp, options.keyFile).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } finally {
    await unlink(tmp);
  }
  return decode(await readFile(options.keyFile, 'utf8'), options.keyFile);
}

function decode(text: string, file: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file}: the personal-data master key must be 32 bytes in base64`);
  return key;
}
