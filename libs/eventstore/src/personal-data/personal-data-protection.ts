import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ERASED, mapPersonalData, personalValues } from '@journey/contracts';
import type { EventCatalogue } from '@journey/contracts';
import { keyRef } from './personal-data-keys';
import type { PersonalDataKeys } from './personal-data-keys';

const PREFIX = 'pd1.';

/** The subject whose key protects an event: its contact when it names one, else its own stream. */
export function personalDataSubject(streamId: string, contactId: string | undefined): string {
  return contactId ? `contact-${contactId}` : streamId;
}

/** True for a value this module encrypted. */
export const isEncrypted = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(PREFIX);

function parse(value: string): { vault: string; generation: number; body: Buffer } | undefined {
  const [, vault, generation, body] = value.split('.');
  if (!vault || !generation || !body || !/^\d+$/.test(generation)) return undefined;
  return { vault, generation: Number(generation), body: Buffer.from(body, 'base64url') };
}

/** What reveal needs to know of an event: its type, its data and whose key protects it. */
export interface ProtectedItem {
  type: string;
  data: unknown;
  subject: string;
}

/**
 * Crypto-shredding: the personal fields the catalogue names are encrypted (AES-256-GCM) with the
 * subject's data key before they are stored, and opened again on every read. Once a subject's keys
 * are erased, those fields read as ERASED in the store, on Kafka, on replay and in every read model
 * rebuilt from them; everything else in the events stays as it was.
 */
export class PersonalDataProtection {
  constructor(
    private readonly keys: PersonalDataKeys,
    /** The contracts: which fields are personal, and what a valid event of each type is. */
    readonly catalogue: EventCatalogue,
  ) {}

  /** Encrypts the personal fields of one subject's events (data of unknown types is left alone). */
  async protect<T extends { type: string; data: unknown }>(subject: string, events: T[]): Promise<T[]> {
    const withPersonal = events.filter(
      (e) => personalValues(e.data, this.catalogue.personalData(e.type)).length,
    );
    if (withPersonal.length === 0) return events;
    const { generation, key: raw } = await this.keys.currentKey(subject);
    // A key object made once: a cipher made from raw key bytes costs about five times as much.
    const key = createSecretKey(raw);
    const aad = Buffer.from(keyRef(subject, generation));
    const encrypt = (value: unknown) => {
      if (isEncrypted(value)) return value; // already protected (a redelivered, stored event)
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
      return `${PREFIX}${this.keys.vaultId}.${generation}.${sealed}`;
    };
    return events.map((e) => {
      const paths = this.catalogue.personalData(e.type);
      return paths.length ? { ...e, data: mapPersonalData(e.data, paths, encrypt) } : e;
    });
  }

  /**
   * Opens the personal fields of a batch of events with one key lookup; a field whose key is gone
   * reads as ERASED. A value that was never encrypted (written before protection existed) is kept.
   */
  async reveal(items: ProtectedItem[]): Promise<unknown[]> {
    const refs = new Map<string, { subject: string; generation: number }>();
    let sealed = 0;
    for (const item of items) {
      for (const value of personalValues(item.data, this.catalogue.personalData(item.type))) {
        const parsed = isEncrypted(value) ? parse(value) : undefined;
        if (parsed) sealed += 1;
        if (parsed && parsed.vault === this.keys.vaultId)
          refs.set(keyRef(item.subject, parsed.generation), {
            subject: item.subject,
            generation: parsed.generation,
          });
      }
    }
    if (sealed === 0) return items.map((i) => i.data);
    const keys = refs.size ? await this.keys.keys([...refs.values()]) : new Map<string, Buffer>();
    // Each key as a key object, made once per batch: a decipher made from raw key bytes costs about
    // five times as much (measured: 13.7 against 2.9 µs per field).
    const keyObjects = new Map<string, KeyObject>();
    const keyFor = (ref: string): KeyObject | undefined => {
      let made = keyObjects.get(ref);
      if (!made) {
        const raw = keys.get(ref);
        if (!raw) return undefined;
        keyObjects.set(ref, (made = createSecretKey(raw)));
      }
      return made;
    };
    return items.map((item) => {
      const paths = this.catalogue.personalData(item.type);
      if (paths.length === 0) return item.data;
      return mapPersonalData(item.data, paths, (value) => {
        const parsed = isEncrypted(value) ? parse(value) : undefined;
        if (!parsed) return value;
        // Sealed by another installation's key store (e.g. a shared broker): unreadable here.
        if (parsed.vault !== this.keys.vaultId) return ERASED;
        const ref = keyRef(item.subject, parsed.generation);
        const key = keyFor(ref);
        if (!key) return ERASED;
        const decipher = createDecipheriv('aes-256-gcm', key, parsed.body.subarray(0, 12));
        decipher.setAAD(Buffer.from(ref));
        decipher.setAuthTag(parsed.body.subarray(12, 28));
        const plain = Buffer.concat([decipher.update(parsed.body.subarray(28)), decipher.final()]);
        return JSON.parse(plain.toString('utf8')) as unknown;
      });
    });
  }

  /** Deletes the keys of these subjects: their personal data becomes unreadable everywhere at once. */
  erase(subjects: string[]): Promise<number> {
    return this.keys.erase(subjects);
  }
}
