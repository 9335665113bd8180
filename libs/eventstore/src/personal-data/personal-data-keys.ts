import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A data key of one subject (a contact, or a stream that names no contact), in one generation. */
export interface DataKey {
  subject: string;
  generation: number;
  key: Buffer;
}

/**
 * Where the per-subject data keys live. Erasing a subject deletes its keys for good; the next write
 * about the same subject gets a new generation, so data written after an erasure stays readable
 * while everything before it does not.
 */
export interface PersonalDataKeys {
  /** Names this key store in every ciphertext: data from another installation's store is never
   *  mistaken for this one's (it cannot be opened here, and reads as erased). */
  readonly vaultId: string;
  /** The key new data about the subject is encrypted with, created on first use. */
  currentKey(subject: string): Promise<DataKey>;
  /** The keys still held for these (subject, generation) pairs; erased ones are absent. */
  keys(refs: { subject: string; generation: number }[]): Promise<Map<string, Buffer>>;
  /** Deletes every key of these subjects; how many keys were deleted. */
  erase(subjects: string[]): Promise<number>;
  close(): Promise<void>;
}

export const keyRef = (subject: string, generation: number) => `${generation}:${subject}`;

/**
 * Data keys are stored wrapped (AES-256-GCM) under a master key that never leaves the processes'
 * configuration, so a copy of the key table alone opens nothing.
 */
export class KeyWrapper {
  private readonly master: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the personal-data master key must be 32 bytes');
    this.master = masterKey;
  }

  wrap(subject: string, generation: number, key: Buffer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.master, iv);
    cipher.setAAD(Buffer.from(keyRef(subject, generation)));
    const body = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  unwrap(subject: string, generation: number, wrapped: Buffer): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.master, wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from(keyRef(subject, generation)));
    decipher.setAuthTag(wrapped.subarray(12, 28));
    return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
  }
}

/** Keys in memory, for unit tests. */
export class InMemoryPersonalDataKeys implements PersonalDataKeys {
  readonly vaultId = randomBytes(6).toString('hex');
  private readonly generations = new Map<string, { key: Buffer | undefined }[]>();

  async currentKey(subject: string): Promise<DataKey> {
    const list = this.generations.get(subject) ?? [];
    const last = list[list.length - 1];
    if (last?.key) return { subject, generation: list.length, key: last.key };
    list.push({ key: randomBytes(32) });
    this.generations.set(subject, list);
    return { subject, generation: list.length, key: list[list.length - 1]?.key as Buffer };
  }

  async keys(refs: { subject: string; generation: number }[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    for (const { subject, generation } of refs) {
      const key = this.generations.get(subject)?.[generation - 1]?.key;
      if (key) found.set(keyRef(subject, generation), key);
    }
    return found;
  }

  async erase(subjects: string[]): Promise<number> {
    let erased = 0;
    for (const subject of subjects)
      for (const entry of this.generations.get(subject) ?? [])
        if (entry.key) {
          entry.key = undefined;
          erased += 1;
        }
    return erased;
  }

  async close(): Promise<void> {
    this.generations.clear();
  }
}
