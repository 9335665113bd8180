import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair, importJWK } from 'jose';
import { ensureLocalSigningKey, issueLocalToken } from './local-signing-key';
import { TokenRejected, TokenVerifier } from './token-verifier';

const issuer = 'journey-local';
const audience = 'journey';

function setup() {
  const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-auth-')), 'auth', 'signing-key.json');
  const verifier = new TokenVerifier({
    mode: 'local',
    localKeyFile: keyFile,
    issuer,
    audience,
    rolesClaim: 'roles',
  });
  const token = (over: Partial<Parameters<typeof issueLocalToken>[0]> = {}) =>
    issueLocalToken({
      keyFile,
      issuer,
      audience,
      subject: 'agent-7',
      roles: ['agent'],
      expiresIn: '5m',
      ...over,
    });
  return { keyFile, verifier, token };
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TokenRejected);
    return (err as Error).message;
  }
  throw new Error('token was accepted');
}

describe('local tokens', () => {
  it('verifies a token it issued and reads subject and roles', async () => {
    const { verifier, token } = setup();
    const principal = await verifier.verify(await token({ roles: ['supervisor', 'agent'] }));
    expect(principal).toMatchObject({ subject: 'agent-7', roles: ['supervisor', 'agent'] });
    expect(principal.tokenId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps the private key readable by its owner only', async () => {
    const { keyFile } = setup();
    await ensureLocalSigningKey(keyFile);
    const { statSync } = await import('node:fs');
    expect(statSync(keyFile).mode & 0o077).toBe(0);
  });

  it('generates one key even when several services start at once', async () => {
    const { keyFile } = setup();
    const keys = await Promise.all(Array.from({ length: 8 }, () => ensureLocalSigningKey(keyFile)));
    expect(new Set(keys.map((k) => k.publicJwk.kid)).size).toBe(1);
    expect(JSON.parse(readFileSync(keyFile, 'utf8')).publicJwk.kid).toBe(keys[0]?.publicJwk.kid);
  });

  it('refuses an expired token, saying so', async () => {
    const { verifier, token } = setup();
    const expired = await token({ expiresIn: '-2m' });
    expect(await rejection(verifier.verify(expired))).toBe('token expired');
  });

  it('refuses a token for another audience or issuer', async () => {
    const { verifier, token } = setup();
    expect(await rejection(verifier.verify(await token({ audience: 'other' })))).toBe(
      'token claim "aud" is not accepted',
    );
    expect(await rejection(verifier.verify(await token({ issuer: 'evil' })))).toBe(
      'token claim "iss" is not accepted',
    );
  });

  it('refuses a token signed by a key it does not know', async () => {
    const { verifier, token } = setup();
    await token(); // makes the verifier's own key exist
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('mallory')
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await rejection(verifier.verify(forged))).toMatch(
      /signature is not valid|not signed by a known key/,
    );
  });

  it('refuses a token without an expiry, which would be good forever', async () => {
    const { verifier, keyFile } = setup();
    const key = await ensureLocalSigningKey(keyFile);
    const forever = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: key.alg, kid: key.privateJwk.kid ?? '' })
      .setSubject('agent-7')
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .sign(await importJWK(key.privateJwk, key.alg));
    expect(await rejection(verifier.verify(forever))).toBe('token has no expiry (exp claim)');
  });

  it('refuses garbage', async () => {
    const { verifier } = setup();
    expect(await rejection(verifier.verify('not-a-jwt'))).toMatch(/^token is not valid/);
  });

  it('ignores role names it does not know', async () => {
    const { verifier, keyFile } = setup();
    const t = await issueLocalToken({
      keyFile,
      issuer,
      audience,
      subject: 's',
      roles: ['agent', 'root' as never],
      expiresIn: '1m',
    });
    expect((await verifier.verify(t)).roles).toEqual(['agent']);
  });
});
