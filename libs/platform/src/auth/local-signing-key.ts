import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import type { JWK } from 'jose';
import { writeSecretFileOnce } from '../config/write-once';
import type { Role } from './roles';

export const LOCAL_SIGNING_ALGORITHM = 'ES256';

interface StoredKey {
  alg: typeof LOCAL_SIGNING_ALGORITHM;
  privateJwk: JWK;
  publicJwk: JWK;
}

async function readKey(file: string): Promise<StoredKey> {
  return JSON.parse(await readFile(file, 'utf8')) as StoredKey;
}

/**
 * Returns the local development signing key, generating it on first use. Several services start at
 * once, so the key is written to a temporary file and renamed into place: one of them wins, all read it.
 */
export async function ensureLocalSigningKey(file: string): Promise<StoredKey> {
  try {
    return await readKey(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey, publicKey } = await generateKeyPair(LOCAL_SIGNING_ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const stored: StoredKey = {
    alg: LOCAL_SIGNING_ALGORITHM,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: LOCAL_SIGNING_ALGORITHM, use: 'sig' },
    publicJwk: { ...publicJwk, kid, alg: LOCAL_SIGNING_ALGORITHM, use: 'sig' },
  };
  await writeSecretFileOnce(file, JSON.stringify(stored, null, 2));
  return readKey(file);
}

export interface LocalTokenRequest {
  keyFile: string;
  issuer: string;
  audience: string;
  subject: string;
  roles: Role[];
  /** jose time span, e.g. "8h", "30m". */
  expiresIn: string;
}

/** Signs a token with the local development key (the `journey token` command and tests use it). */
export async function issueLocalToken(request: LocalTokenRequest): Promise<string> {
  const key = await ensureLocalSigningKey(request.keyFile);
  const privateKey = await importJWK(key.privateJwk, key.alg);
  return new SignJWT({ roles: request.roles })
    .setProtectedHeader({ alg: key.alg, kid: key.privateJwk.kid ?? '', typ: 'JWT' })
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setSubject(request.subject)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(request.expiresIn)
    .sign(privateKey);
}
