import { createHmac } from 'node:crypto';

/**
 * Ids derived with the installation's secret key (HMAC-SHA256): the same input gives the same id on
 * every replica and every redelivery, yet nobody without the key can compute the id of a customer
 * from their email address or phone number, nor tell from an id whose it is.
 */
export class KeyedIds {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the keyed ids need a key of at least 32 bytes');
  }

  /** A digest of the parts (hex, 128 bits): for names such as streams, never shown as a UUID. */
  digest(...parts: string[]): string {
    return this.mac(parts).subarray(0, 16).toString('hex');
  }

  /** A UUID (version 8, RFC 9562's custom layout) derived from the parts. */
  uuid(...parts: string[]): string {
    const bytes = this.mac(parts).subarray(0, 16);
    bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
    bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  private mac(parts: string[]): Buffer {
    // Each part is length-prefixed, so ("ab", "c") and ("a", "bc") never meet.
    const hmac = createHmac('sha256', this.key);
    for (const part of parts) hmac.update(`${Buffer.byteLength(part)}:${part}`);
    return hmac.digest();
  }
}
