import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** WeChat's signature: SHA-1 of the sorted, concatenated parts (token, timestamp, nonce[, ciphertext]). */
export function wechatSignature(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

export function signatureMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || !/^[0-9a-f]{40}$/i.test(given)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}

const BLOCK = 32; // WeChat pads to 32 bytes (PKCS#7 with a 32-byte block), not AES's 16

/**
 * The "safe mode" cipher of WeChat official accounts: AES-256-CBC, key = base64(EncodingAESKey + "="),
 * IV = the key's first 16 bytes; plaintext = 16 random bytes, 4-byte big-endian length, message, appId.
 */
export class WechatCipher {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(
    encodingAesKey: string,
    private readonly appId: string,
  ) {
    this.key = Buffer.from(`${encodingAesKey}=`, 'base64');
    if (this.key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
    this.iv = this.key.subarray(0, 16);
  }

  encrypt(message: string): string {
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(this.appId, 'utf8')]);
    const pad = BLOCK - (plain.length % BLOCK);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false);
    return Buffer.concat([
      cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
      cipher.final(),
    ]).toString('base64');
  }

  /** Decrypts and checks the appId; throws with a reason on anything malformed. */
  decrypt(ciphertext: string): string {
    const data = Buffer.from(ciphertext, 'base64');
    if (data.length === 0 || data.length % 16 !== 0)
      throw new Error('the ciphertext is not whole AES blocks');
    const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(data), decipher.final()]);
    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > BLOCK) throw new Error('bad padding');
    const content = plain.subarray(16, plain.length - pad);
    if (content.length < 4) throw new Error('the plaintext is too short');
    const length = content.readUInt32BE(0);
    if (4 + length > content.length) throw new Error('the message length is wrong');
    const appId = content.subarray(4 + length).toString('utf8');
    if (appId !== this.appId) throw new Error('the message is for another appId');
    return content.subarray(4, 4 + length).toString('utf8');
  }
}
